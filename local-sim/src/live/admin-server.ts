/**
 * The admin port (default 127.0.0.1:8404): `/metrics` (Prometheus), `/stats` (JSON), a small HTML page
 * for browsers, target controls under `/_sim/targets/<target-group>/<index>/<verb>`, and Availability
 * Zones under `/_sim/zones` (list) and `/_sim/zones/<zone>/<fail|recover>` (§1.5, §2.4).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricsSnapshot } from '../core/metrics';
import type { EndpointsDescription } from './endpoints';
import { SimulatorError, type SimErrorCode } from '../errors';
import { listen } from './ports';
import type { Simulator, TargetControl } from './simulator';

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

/** A small self-refreshing HTML stats page for the admin port (browsers asking for `/`). */
function statsPage(e: EndpointsDescription, m: MetricsSnapshot): string {
  const rows: string[] = [];
  for (const lb of e.loadBalancers) {
    const c = m.loadBalancers[lb.dimension] ?? {};
    const n = m.networkLoadBalancers[lb.dimension] ?? {};
    const counts =
      lb.type === 'network'
        ? `new flows ${n.NewFlowCount ?? 0} · active flows ${n.ActiveFlowCount ?? 0} · bytes ${n.ProcessedBytes ?? 0}`
        : `requests ${c.RequestCount ?? 0} · ELB 4xx ${c.HTTPCode_ELB_4XX_Count ?? 0} · ELB 5xx ${c.HTTPCode_ELB_5XX_Count ?? 0}`;
    rows.push(`<h2>${esc(lb.id)} <small>${esc(lb.type)} · ${counts}</small></h2><ul>`);
    for (const l of lb.listeners) {
      const link = l.url ? `<a href="${esc(l.url)}">${esc(l.url)}</a>` : '(not simulated)';
      rows.push(`<li>${esc(l.protocol)}:${l.port} → ${link}<table>`);
      for (const r of l.rules) {
        rows.push(`<tr><td>${r.priority}</td><td>${esc(r.conditions)}</td><td>${esc(r.action)}</td></tr>`);
      }
      rows.push('</table></li>');
    }
    rows.push('</ul>');
  }
  rows.push('<h2>Target groups</h2>');
  for (const tg of e.targetGroups) {
    rows.push(`<h3>${esc(tg.id)} <small>${esc(tg.healthCheck)}</small></h3><table>`);
    for (const t of tg.targets) {
      const color = t.state === 'healthy' ? '#2a2' : t.state === 'unhealthy' ? '#c22' : '#888';
      rows.push(
        `<tr><td>${t.index}</td><td>${esc(t.address)}</td><td>${esc(t.backend ?? '')}</td><td style="color:${color}">${esc(t.state)}</td><td>${esc(t.reason ?? '')}</td></tr>`,
      );
    }
    rows.push('</table>');
  }
  return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="2"><title>ha-sim</title><style>body{font-family:sans-serif;margin:2em}td{padding:0 1em}small{color:#666;font-weight:normal}</style></head><body><h1>ha-sim</h1><p><a href="/metrics">/metrics</a> · <a href="/stats">/stats</a></p>${rows.join('')}</body></html>`;
}

/** Verbs of `/_sim/targets/<tg>/<index>/<verb>[/<arg>]`. */
const VERBS: Readonly<Record<string, (c: TargetControl, arg: number | undefined) => Promise<void> | void>> = {
  'fail-health': (c) => c.failHealthChecks(),
  recover: (c) => c.recover(),
  status: (c, arg) => c.respondWith(arg),
  delay: (c, arg) => c.slow(arg ?? 0),
  hang: (c) => c.hang(),
  reset: (c) => c.reset(),
  down: (c) => c.down(),
  up: (c) => c.up(),
  deregister: (c) => c.deregister(),
  register: (c) => c.register(),
};

/** HTTP status for a simulator error caused by what the request asked for. */
const REQUEST_ERRORS: Partial<Record<SimErrorCode, number>> = {
  SIM_TARGET_GROUP_NOT_FOUND: 404,
  SIM_TARGET_NOT_FOUND: 404,
  SIM_AMBIGUOUS_ID: 404,
  SIM_NO_DEMO_BACKENDS: 409,
  SIM_ZONE_NOT_FOUND: 404,
};

const HELP =
  'try /metrics, /stats, /_sim/targets/<target-group>/<index>/<fail-health|recover|status/503|delay/500|hang|reset|down|up|deregister|register>, /_sim/zones or /_sim/zones/<zone>/<fail|recover>\n';

export class AdminServer {
  readonly #server: http.Server;
  #port = 0;

  private constructor(private readonly sim: Simulator) {
    this.#server = http.createServer((req, res) => {
      this.#request(req, res).catch((err) => {
        const status = err instanceof SimulatorError ? (REQUEST_ERRORS[err.code] ?? 500) : 500;
        if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`${String((err as Error).message ?? err)}\n`);
      });
    });
    this.#server.on('clientError', (_e, s) => s.destroy());
  }

  /** Bind the admin server. A port in use is SIM_PORT_IN_USE with what to do about it. */
  static async start(sim: Simulator, port: number, host: string): Promise<AdminServer> {
    const admin = new AdminServer(sim);
    try {
      admin.#port = await listen(admin.#server, port, host, (err) => sim.emit('error', err));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new SimulatorError(
          'SIM_PORT_IN_USE',
          `admin port ${port} is in use; use --admin-port N (0 = a free port) or --admin-port off`,
          { cause: err },
        );
      }
      throw err;
    }
    return admin;
  }

  get url(): string {
    const a = this.#server.address() as AddressInfo | null;
    return `http://127.0.0.1:${a?.port ?? this.#port}`;
  }

  close(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async #request(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://admin');
    const sim = this.sim;
    if (url.pathname === '/metrics') {
      const text = await sim.prometheus.render();
      res.writeHead(200, { 'content-type': sim.prometheus.contentType });
      res.end(text);
      return;
    }
    if (url.pathname === '/' && (req.headers.accept ?? '').includes('text/html')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(statsPage(sim.endpoints(), sim.metrics.snapshot()));
      return;
    }
    if (url.pathname === '/stats' || url.pathname === '/' || url.pathname === '/endpoints.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(sim.endpoints(), null, 2));
      return;
    }
    if (url.pathname === '/_sim/zones') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(sim.zones(), null, 2));
      return;
    }
    const z = /^\/_sim\/zones\/([^/]+)\/(fail|recover)$/.exec(url.pathname);
    if (z) {
      const zone = decodeURIComponent(z[1]);
      if (z[2] === 'fail') await sim.failZone(zone);
      else await sim.recoverZone(zone);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, zone: sim.zones().find((x) => x.availabilityZone === zone) }));
      return;
    }
    const m = /^\/_sim\/targets\/(.+)\/(\d+)\/([a-z-]+)(?:\/(\d+))?$/.exec(url.pathname);
    const verb = m ? VERBS[m[3]] : undefined;
    if (m && verb) {
      const control = sim.targets(decodeURIComponent(m[1])).get(Number(m[2]));
      await verb(control, m[4] !== undefined ? Number(m[4]) : undefined);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, target: control.health() }));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(m ? `unknown verb ${m[3]}\n${HELP}` : HELP);
  }
}
