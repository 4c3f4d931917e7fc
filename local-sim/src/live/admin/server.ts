/**
 * The admin port (default 127.0.0.1:8404, `--admin-port`, `--admin-host`):
 *
 * | path                                      | method | what                                                      |
 * | ----------------------------------------- | ------ | --------------------------------------------------------- |
 * | `/`                                       | GET    | the dashboard (browsers); the endpoint JSON otherwise     |
 * | `/stats`, `/endpoints.json`               | GET    | the endpoint list with live health (JSON)                 |
 * | `/metrics`                                | GET    | Prometheus text: the CloudWatch metrics of §5.6 and §6.7  |
 * | `/events`                                 | GET    | server-sent events: `state` and `requests` (`events.ts`)  |
 * | `/api/state`                              | GET    | the dashboard's state (JSON, `state.ts`)                  |
 * | `/api/requests[?filters]`, `/api/requests/<id>` | GET | the request timeline, explained (`timeline.ts`)       |
 * | `/assets/...`                             | GET    | the page's script and style, uPlot                        |
 * | `/_sim/targets/<tg>/<index>/<verb>[/<n>]` | POST   | target controls, with the `X-HA-Sim-Token` header         |
 * | `/_sim/zones`                             | GET    | the Availability Zones, failed or not, and their nodes    |
 * | `/_sim/zones/<zone>/<fail\|recover>`      | POST   | fail or recover a zone (§1.5, §2.4), with the token       |
 *
 * Every request passes `security.ts` first (Host, Origin, token for POST); every response carries its
 * headers.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Elbv2Context } from '../../api/elbv2/handler';
import { SimulatorError, type SimErrorCode } from '../../errors';
import { listen } from '../ports';
import type { AdminHost } from '../simulator-api';
import { asset, dashboardPage } from './assets';
import { CONTROL_HELP, parseControlPath, parseZonePath, runControl, runZoneControl, ZONE_HELP } from './controls';
import { EventHub } from './events';
import {
  allowedNames,
  hostRefusal,
  newAdminToken,
  originRefusal,
  SECURITY_HEADERS,
  tokenRefusal,
  type Refusal,
} from './security';
import { dashboardState } from './state';
import { RequestTimeline, type TimelineFilter } from './timeline';

/** Where the admin port binds unless `--admin-host` says otherwise: loopback only. */
export const DEFAULT_ADMIN_HOST = '127.0.0.1';

export interface AdminOptions {
  readonly port: number;
  readonly host: string;
  /** The per-run token for controls (default: a fresh random one). */
  readonly token?: string;
  /** The key the engine signs stickiness cookies with (the timeline explains sticky choices). */
  readonly cookieKey: string | Uint8Array;
  /** The AWS API's ELBv2 context: register and deregister go through its handlers. */
  readonly elbv2: () => Elbv2Context;
}

/** HTTP status for a simulator error caused by what the request asked for. */
const REQUEST_ERRORS: Partial<Record<SimErrorCode, number>> = {
  SIM_TARGET_GROUP_NOT_FOUND: 404,
  SIM_TARGET_NOT_FOUND: 404,
  SIM_AMBIGUOUS_ID: 404,
  SIM_NO_DEMO_BACKENDS: 409,
  SIM_ZONE_NOT_FOUND: 404,
};

const HELP = {
  paths: ['/ (dashboard)', '/stats', '/metrics', '/events', '/api/state', '/api/requests'],
  controls: CONTROL_HELP,
  zones: ZONE_HELP,
};

/** The URL host of a bound address: wildcards are reached on loopback; IPv6 in brackets. */
function urlHost(address: string): string {
  const host = address === '0.0.0.0' ? '127.0.0.1' : address === '::' ? '::1' : address;
  return host.includes(':') ? `[${host}]` : host;
}

export class AdminServer {
  readonly #server: http.Server;
  readonly #sim: AdminHost;
  readonly #options: AdminOptions;
  readonly #token: string;
  readonly #names: ReadonlySet<string>;
  readonly #timeline: RequestTimeline;
  readonly #events: EventHub;

  private constructor(sim: AdminHost, options: AdminOptions) {
    this.#sim = sim;
    this.#options = options;
    this.#token = options.token ?? newAdminToken();
    this.#names = allowedNames(options.host);
    this.#timeline = new RequestTimeline(sim, options.cookieKey);
    this.#events = new EventHub(sim, this.#timeline);
    this.#server = http.createServer((req, res) => {
      this.#request(req, res).catch((err) => {
        const status = err instanceof SimulatorError ? (REQUEST_ERRORS[err.code] ?? 500) : 500;
        const code = err instanceof SimulatorError ? err.code : 'SIM_INTERNAL';
        if (status === 500) sim.emit('error', err);
        if (res.headersSent) res.destroy();
        else this.#json(res, status, { ok: false, error: { code, message: String((err as Error).message ?? err) } });
      });
    });
    this.#server.on('clientError', (_e, s) => s.destroy());
  }

  /** Bind the admin server. A port in use is SIM_PORT_IN_USE with what to do about it. */
  static async start(sim: AdminHost, options: AdminOptions): Promise<AdminServer> {
    const admin = new AdminServer(sim, options);
    try {
      await listen(admin.#server, options.port, options.host, (err) => sim.emit('error', err));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') {
        throw new SimulatorError(
          'SIM_PORT_IN_USE',
          `admin port ${options.port} is in use; use --admin-port N (0 = a free port) or --admin-port off`,
          { cause: err },
        );
      }
      if (code === 'EADDRNOTAVAIL') {
        throw new SimulatorError('SIM_BAD_OPTION', `--admin-host ${options.host} is not an address of this machine`, {
          cause: err,
        });
      }
      throw err;
    }
    return admin;
  }

  /** Where the server is bound (`0.0.0.0` when bound to every interface). */
  get address(): { readonly host: string; readonly port: number } {
    const a = this.#server.address() as AddressInfo;
    return { host: a.address, port: a.port };
  }

  /** The URL to open: the bound address (loopback for a wildcard bind). */
  get url(): string {
    const a = this.address;
    return `http://${urlHost(a.host)}:${a.port}`;
  }

  /** The per-run token state-changing requests must carry in `X-HA-Sim-Token`. */
  get token(): string {
    return this.#token;
  }

  /** The request timeline (recording only while watched). */
  get timeline(): RequestTimeline {
    return this.#timeline;
  }

  close(): Promise<void> {
    this.#events.close();
    return new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  #send(
    res: http.ServerResponse,
    status: number,
    type: string,
    body: string | Buffer,
    extra: Record<string, string> = {},
  ): void {
    res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, ...extra });
    res.end(body);
  }

  #json(res: http.ServerResponse, status: number, value: unknown, extra: Record<string, string> = {}): void {
    this.#send(res, status, 'application/json; charset=utf-8', `${JSON.stringify(value, null, 2)}\n`, extra);
  }

  #refuse(res: http.ServerResponse, r: Refusal, extra: Record<string, string> = {}): void {
    this.#json(res, r.status, { ok: false, error: { code: r.code, message: r.message } }, extra);
  }

  async #request(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const refusal = hostRefusal(req.headers, this.#names) ?? originRefusal(method, req.headers);
    if (refusal) return this.#refuse(res, refusal);
    const url = new URL(req.url ?? '/', 'http://admin');
    const control = parseControlPath(url.pathname) ?? parseZonePath(url.pathname);
    if (method === 'OPTIONS') {
      // never a CORS preflight answer: no Access-Control-* headers, nothing run
      res.writeHead(204, { ...SECURITY_HEADERS, allow: control ? 'POST' : 'GET, HEAD' });
      res.end();
      return;
    }
    if (control) {
      if (method !== 'POST') {
        return this.#refuse(
          res,
          {
            status: 405,
            code: 'SIM_ADMIN_METHOD_NOT_ALLOWED',
            message: `controls change state: use POST with the X-HA-Sim-Token header (got ${method})`,
          },
          { allow: 'POST' },
        );
      }
      const missing = tokenRefusal(req.headers, this.#token);
      if (missing) return this.#refuse(res, missing);
      req.resume();
      if ('zone' in control) return this.#json(res, 200, await runZoneControl(this.#sim, control));
      const result = await runControl(this.#sim, this.#options.elbv2, control);
      if (result.ok) return this.#json(res, 200, result);
      return this.#json(res, result.status, result);
    }
    if (method !== 'GET' && method !== 'HEAD') {
      return this.#refuse(
        res,
        {
          status: 405,
          code: 'SIM_ADMIN_METHOD_NOT_ALLOWED',
          message: `${url.pathname} is read-only (GET); controls are POST ${CONTROL_HELP}`,
        },
        { allow: 'GET, HEAD' },
      );
    }
    return this.#read(req, res, url);
  }

  async #read(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const sim = this.#sim;
    const path = url.pathname;
    if (path === '/' && (req.headers.accept ?? '').includes('text/html')) {
      return this.#send(res, 200, 'text/html; charset=utf-8', dashboardPage(this.#token));
    }
    if (path === '/' || path === '/stats' || path === '/endpoints.json') return this.#json(res, 200, sim.endpoints());
    if (path === '/metrics') {
      const text = await sim.prometheus.render();
      return this.#send(res, 200, sim.prometheus.contentType, text);
    }
    if (path === '/events') {
      this.#events.open(req, res, SECURITY_HEADERS, url.searchParams.get('timeline') !== '0');
      return;
    }
    if (path === '/_sim/zones') return this.#json(res, 200, sim.zones());
    if (path === '/api/state') return this.#json(res, 200, dashboardState(sim, this.#timeline.recording));
    if (path === '/api/requests') {
      const q = url.searchParams;
      const num = (name: string): number | undefined => {
        const v = q.get(name);
        return v !== null && /^\d+$/.test(v) ? Number(v) : undefined;
      };
      const filter: TimelineFilter = {
        ...(q.get('listener') !== null ? { listener: q.get('listener')! } : {}),
        ...(q.get('rule') !== null ? { rule: q.get('rule')! } : {}),
        ...(q.get('target') !== null ? { target: q.get('target')! } : {}),
        ...(q.get('targetGroup') !== null ? { targetGroup: q.get('targetGroup')! } : {}),
        ...(q.get('status') !== null ? { status: q.get('status')! } : {}),
        ...(num('after') !== undefined ? { after: num('after')! } : {}),
        ...(num('limit') !== undefined ? { limit: num('limit')! } : {}),
      };
      return this.#json(res, 200, {
        recording: this.#timeline.recording,
        lastId: this.#timeline.lastId,
        requests: this.#timeline.requests(filter),
      });
    }
    const one = /^\/api\/requests\/(\d+)$/.exec(path);
    if (one) {
      const e = this.#timeline.get(Number(one[1]));
      if (e) return this.#json(res, 200, e);
      return this.#json(res, 404, {
        ok: false,
        error: {
          code: 'SIM_ADMIN_NOT_FOUND',
          message: `request ${one[1]} is not in the timeline (it keeps the latest)`,
        },
      });
    }
    const file = asset(path);
    if (file) return this.#send(res, 200, file.type, file.body, { 'cache-control': 'no-cache' });
    return this.#json(res, 404, { ok: false, error: { code: 'SIM_ADMIN_NOT_FOUND', message: `no ${path}` }, ...HELP });
  }
}
