/**
 * The live simulator: real sockets on 127.0.0.1 and the real clock around the pure engine.
 * Builds listeners for every ALB listener of the model, registers targets (demo backends or given
 * host:port addresses), runs the health prober, performs the engine's timers and effects (probe
 * deadlines, draining ends, aborting requests on an expired deregistration delay), writes access logs
 * and counts metrics.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createEngine,
  type Engine,
  type EngineEvent,
  type TargetHealthDescription,
  type TargetKey,
} from '../core/engine';
import type { AccessLogEntry } from '../core/access-log';
import { Metrics, type MetricsSnapshot } from '../core/metrics';
import {
  findListener,
  findLoadBalancer,
  findTargetGroup,
  type ActionModel,
  type ConditionModel,
  type ListenerModel,
  type LoadBalancerModel,
  type SimModel,
  type TargetGroupModel,
} from '../model';
import type { TargetHealthState } from '../spec';
import { AccessLogWriter } from './access-log-writer';
import { DemoBackend } from './demo-backend';
import { SimulatorError } from './errors';
import { HttpListener, InFlightRegistry, PoolRegistry, type ListenerServices } from './http-listener';
import { TcpListener, type FlowRecord } from './tcp-listener';
import { loadBalancerDimension, targetGroupArn, targetGroupDimension } from './ids';
import { localPort, type PortMode } from './ports';
import { Prober } from './prober';
import { selfSignedCertificate } from './tls';
import { modelOf, type SimulatorSource } from './source';
import { HTTP_LIMITS } from '../spec';

export interface SimulatorOptions {
  /** Demo backends started per target group in use (ignored for groups given in `targets`). Default 0. */
  readonly demoBackends?: number;
  /** Target group (id, path or logical id) → `host:port` addresses registered as its targets. */
  readonly targets?: Readonly<Record<string, readonly string[]>>;
  /** Listener ports: `'aws'` (P, or 8000+P below 1024; default), `0` (free ports), or `{ offset }`. */
  readonly ports?: PortMode;
  /** Bind address for listeners and the admin server. Default 127.0.0.1. */
  readonly host?: string;
  /** Access log: file path, `-` for stdout, or a callback. Default: none. */
  readonly accessLog?: string | ((line: string, entry: AccessLogEntry) => void);
  /** Stats / `/metrics` / control port (default off; the CLI uses 8404). 0 = free port. */
  readonly adminPort?: number | false;
  /**
   * SIMULATOR TEST CONVENIENCE, NOT AWS: health-check interval in ms for every target group, instead of
   * `HealthCheckIntervalSeconds` (AWS minimum 5 s). Lets tests see transitions in milliseconds.
   */
  readonly healthCheckIntervalOverrideMs?: number;
  /** SIMULATOR TEST CONVENIENCE, NOT AWS: health-check timeout in ms (default: interval / 2 when the interval is overridden). */
  readonly healthCheckTimeoutOverrideMs?: number;
  /** SIMULATOR TEST CONVENIENCE, NOT AWS: deregistration delay in ms for every target group. */
  readonly deregistrationDelayOverrideMs?: number;
  /** SIMULATOR TEST CONVENIENCE, NOT AWS: idle timeout in ms instead of `idle_timeout.timeout_seconds`. */
  readonly idleTimeoutOverrideMs?: number;
  /** SIMULATOR TEST CONVENIENCE, NOT AWS: TCP connect timeout to targets (AWS: 10 s, §5.2). */
  readonly connectTimeoutOverrideMs?: number;
  /** Also register the targets written in the template's `Targets` (their ids must be reachable hosts). Default false. */
  readonly registerTemplateTargets?: boolean;
}

/** A health transition as the simulator reports it. */
export interface HealthChange {
  readonly targetGroupId: string;
  readonly target: TargetKey;
  /** Index of the target in its group's registration order (as `targets(tg).get(i)`). */
  readonly index: number;
  readonly from: TargetHealthState;
  readonly to: TargetHealthState;
  readonly reason?: string;
  readonly at: number;
}

export interface SimulatorEvents {
  health: [change: HealthChange];
  'access-log': [line: string, entry: AccessLogEntry];
  /** An NLB flow (TCP / TLS connection) ended; its metrics are already counted. */
  flow: [flow: FlowRecord];
  error: [err: unknown];
}

/** Control of one registered target (a demo backend when the simulator started it). */
export class TargetControl {
  constructor(
    readonly sim: Simulator,
    readonly targetGroupId: string,
    readonly index: number,
    readonly target: TargetKey,
    readonly backend: DemoBackend | undefined,
  ) {}

  #demo(): DemoBackend {
    if (!this.backend) {
      throw new SimulatorError(
        'SIM_NO_DEMO_BACKENDS',
        `target ${this.target.targetId}:${this.target.port} of ${this.targetGroupId} is not a demo backend`,
      );
    }
    return this.backend;
  }

  get url(): string {
    return `http://${this.target.targetId}:${this.target.port}`;
  }
  /** Health checks answer 503 from now on. */
  async failHealthChecks(): Promise<void> {
    this.#demo().failHealthChecks();
  }
  /** Back to normal (health checks pass, 200, no delay, server up). */
  async recover(): Promise<void> {
    await this.#demo().recover();
  }
  /** Every normal response gets `status` (undefined: back to 200). */
  async respondWith(status: number | undefined): Promise<void> {
    this.#demo().respondWith(status);
  }
  async slow(ms: number): Promise<void> {
    this.#demo().slow(ms);
  }
  async hang(on = true): Promise<void> {
    this.#demo().hang(on);
  }
  async reset(on = true): Promise<void> {
    this.#demo().reset(on);
  }
  async down(): Promise<void> {
    await this.#demo().down();
  }
  async up(): Promise<void> {
    await this.#demo().up();
  }
  /** `DeregisterTargets` for this target: it goes `draining` for the deregistration delay (§2.3). */
  deregister(): void {
    this.sim.engine.deregisterTargets(this.targetGroupId, [{ id: this.target.targetId, port: this.target.port }]);
    this.sim.kick();
  }
  /** `RegisterTargets` for this target again. */
  register(): void {
    this.sim.engine.registerTargets(this.targetGroupId, [{ id: this.target.targetId, port: this.target.port }]);
    this.sim.kick();
  }
  health(): TargetHealthDescription | undefined {
    return this.sim.engine
      .describeTargetHealth(this.targetGroupId)
      .find((d) => d.Target.Id === this.target.targetId && d.Target.Port === this.target.port);
  }
}

export class TargetSet {
  constructor(
    readonly targetGroupId: string,
    readonly controls: readonly TargetControl[],
  ) {}
  get(index: number): TargetControl {
    const c = this.controls[index];
    if (!c) {
      throw new SimulatorError(
        'SIM_TARGET_NOT_FOUND',
        `target group ${this.targetGroupId} has ${this.controls.length} targets; index ${index} does not exist`,
      );
    }
    return c;
  }
  get length(): number {
    return this.controls.length;
  }
}

/** Everything a user may want to print or save about the running simulator. */
export interface EndpointsDescription {
  readonly admin?: string;
  readonly loadBalancers: readonly {
    readonly id: string;
    readonly type: string;
    readonly dimension: string;
    readonly listeners: readonly {
      readonly id: string;
      readonly protocol: string;
      readonly port: number;
      readonly url?: string;
      readonly simulated: boolean;
      readonly rules: readonly {
        readonly priority: number | 'default';
        readonly conditions: string;
        readonly action: string;
      }[];
    }[];
  }[];
  readonly targetGroups: readonly {
    readonly id: string;
    readonly protocol?: string;
    readonly port?: number;
    readonly healthCheck: string;
    readonly targets: readonly {
      readonly index: number;
      readonly address: string;
      readonly backend?: string;
      readonly state: string;
      readonly reason?: string;
    }[];
  }[];
  readonly issues: readonly string[];
}

function describeCondition(c: ConditionModel): string {
  switch (c.field) {
    case 'http-header':
      return `header ${c.headerName}=${c.values.join('|')}`;
    case 'query-string':
      return `query ${c.values.map((v) => (v.key ? `${v.key}=${v.value}` : v.value)).join('|')}`;
    default:
      return `${c.field} ${c.values.join('|')}`;
  }
}

function describeActions(actions: readonly ActionModel[], name: (tgId: string) => string): string {
  return actions
    .map((a) => {
      switch (a.type) {
        case 'forward':
          return a.targetGroups.length === 1
            ? `forward → ${name(a.targetGroups[0].targetGroupId)}`
            : `forward → ${a.targetGroups.map((t) => `${name(t.targetGroupId)}:${t.weight}`).join(', ')}`;
        case 'redirect':
          return `redirect ${a.statusCode.replace('HTTP_', '')} → ${a.protocol}://${a.host}:${a.port}${a.path}${a.query ? '?' + a.query : ''}`;
        case 'fixed-response':
          return `fixed ${a.statusCode}`;
        case 'unsupported':
          return `${a.originalType} (not simulated)`;
      }
    })
    .join(', ');
}

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

/** Apply the test-convenience overrides to a copy of the model. */
function withOverrides(model: SimModel, o: SimulatorOptions): SimModel {
  if (
    o.healthCheckIntervalOverrideMs === undefined &&
    o.healthCheckTimeoutOverrideMs === undefined &&
    o.deregistrationDelayOverrideMs === undefined
  ) {
    return model;
  }
  const targetGroups = model.targetGroups.map((tg) => {
    const intervalSeconds =
      o.healthCheckIntervalOverrideMs !== undefined
        ? o.healthCheckIntervalOverrideMs / 1000
        : tg.healthCheck.intervalSeconds;
    const timeoutSeconds =
      o.healthCheckTimeoutOverrideMs !== undefined
        ? o.healthCheckTimeoutOverrideMs / 1000
        : o.healthCheckIntervalOverrideMs !== undefined
          ? Math.min(tg.healthCheck.timeoutSeconds, intervalSeconds / 2)
          : tg.healthCheck.timeoutSeconds;
    return {
      ...tg,
      healthCheck: { ...tg.healthCheck, intervalSeconds, timeoutSeconds },
      attributes: {
        ...tg.attributes,
        deregistrationDelaySeconds:
          o.deregistrationDelayOverrideMs !== undefined
            ? o.deregistrationDelayOverrideMs / 1000
            : tg.attributes.deregistrationDelaySeconds,
      },
    };
  });
  return { ...model, targetGroups };
}

function parseHostPort(s: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(s.trim());
  if (!m) throw new SimulatorError('SIM_BAD_OPTION', `target "${s}" is not host:port`);
  return { host: m[1], port: Number(m[2]) };
}

export class Simulator extends EventEmitter<SimulatorEvents> {
  readonly model: SimModel;
  readonly engine: Engine;
  readonly metrics = new Metrics();
  readonly #options: SimulatorOptions;
  readonly #listeners = new Map<string, HttpListener | TcpListener>();
  readonly #targets = new Map<string, TargetControl[]>();
  readonly #backends: DemoBackend[] = [];
  readonly #pools: PoolRegistry;
  readonly #inFlight = new InFlightRegistry();
  readonly #prober: Prober;
  readonly #accessLog: AccessLogWriter;
  readonly #waiters = new Set<(err: Error) => void>();
  #admin?: http.Server;
  #timer?: NodeJS.Timeout;
  #stopped = false;
  #unsubscribe?: () => void;

  private constructor(model: SimModel, options: SimulatorOptions) {
    super();
    this.#options = options;
    this.model = withOverrides(model, options);
    this.engine = createEngine(this.model, {
      clock: { now: () => Date.now() },
      random: { next: () => Math.random() },
      cookieKey: randomBytes(32),
      registerTemplateTargets: options.registerTemplateTargets ?? false,
    });
    this.#pools = new PoolRegistry({
      idleTimeoutMs: 60_000,
      connectTimeoutMs: options.connectTimeoutOverrideMs ?? HTTP_LIMITS.targetConnectTimeoutSeconds * 1000,
    });
    this.#prober = new Prober((p) => ({ host: p.target.targetId, port: p.port }));
    this.#accessLog = new AccessLogWriter(typeof options.accessLog === 'string' ? options.accessLog : undefined);
    this.on('error', () => undefined);
  }

  /** Build the model of `source` (cdk.out directory, App/Stage/Stack, or model) and start it. */
  static async start(source: SimulatorSource, options: SimulatorOptions = {}): Promise<Simulator> {
    return Simulator.fromModel(modelOf(source), options);
  }

  /** Start listeners, backends and health checks for a model. */
  static async fromModel(model: SimModel, options: SimulatorOptions = {}): Promise<Simulator> {
    const sim = new Simulator(model, options);
    try {
      await sim.#start();
    } catch (err) {
      await sim.stop().catch(() => undefined);
      throw err;
    }
    return sim;
  }

  async #start(): Promise<void> {
    this.#unsubscribe = this.engine.onEvent((e) => this.#onEngineEvent(e));
    for (const lb of this.model.loadBalancers) {
      this.metrics.declare(
        loadBalancerDimension(lb),
        this.model.targetGroups.filter((t) => t.loadBalancerIds.includes(lb.id)).map(targetGroupDimension),
        lb.type,
      );
    }
    await this.#registerTargets();
    await this.#startListeners();
    if (this.#options.adminPort !== undefined && this.#options.adminPort !== false) {
      await this.#startAdmin(this.#options.adminPort);
    }
    this.kick();
  }

  async #registerTargets(): Promise<void> {
    const given = new Map<string, readonly string[]>();
    for (const [ref, addrs] of Object.entries(this.#options.targets ?? {})) {
      const tg = findTargetGroup(this.model, ref);
      if (!tg) throw new SimulatorError('SIM_TARGET_GROUP_NOT_FOUND', `--targets names unknown target group "${ref}"`);
      given.set(tg.id, addrs);
    }
    const demo = this.#options.demoBackends ?? 0;
    for (const tg of this.model.targetGroups) {
      const controls: TargetControl[] = [];
      const addrs = given.get(tg.id);
      if (addrs) {
        for (const a of addrs) {
          const { host, port } = parseHostPort(a);
          controls.push(
            new TargetControl(this, tg.id, controls.length, { targetGroupId: tg.id, targetId: host, port }, undefined),
          );
        }
      } else if (demo > 0 && tg.inUse && tg.targetType !== 'lambda' && tg.targetType !== 'alb') {
        for (let i = 0; i < demo; i++) {
          const backend = await DemoBackend.start({
            name: `${tg.logicalId}#${i}`,
            healthCheckPath: tg.healthCheck.path,
          });
          this.#backends.push(backend);
          controls.push(
            new TargetControl(
              this,
              tg.id,
              i,
              { targetGroupId: tg.id, targetId: backend.host, port: backend.port },
              backend,
            ),
          );
        }
      }
      if (controls.length > 0) {
        this.engine.registerTargets(
          tg.id,
          controls.map((c) => ({ id: c.target.targetId, port: c.target.port })),
        );
      }
      this.#targets.set(tg.id, controls);
    }
  }

  async #startListeners(): Promise<void> {
    const needsTls = this.model.listeners.some((l) => l.protocol === 'HTTPS' || l.protocol === 'TLS');
    const keyPair = needsTls ? await selfSignedCertificate() : undefined;
    const host = this.#options.host ?? '127.0.0.1';
    for (const lb of this.model.loadBalancers) {
      const services = this.#services(lb);
      const tcpServices = {
        engine: this.engine,
        inFlight: this.#inFlight,
        targetGroup: (id: string) => this.model.targetGroups.find((t) => t.id === id),
        idleTimeoutMs: this.#options.idleTimeoutOverrideMs,
        metrics: this.metrics,
        loadBalancerDimension: loadBalancerDimension(lb),
        targetGroupDimension: (id: string) => {
          const tg = this.model.targetGroups.find((t) => t.id === id);
          return tg ? targetGroupDimension(tg) : undefined;
        },
        onFlowClosed: (flow: FlowRecord) => this.emit('flow', flow),
        connectTimeoutMs: this.#options.connectTimeoutOverrideMs ?? HTTP_LIMITS.targetConnectTimeoutSeconds * 1000,
        onError: (err: unknown) => this.emit('error', err),
      };
      for (const listenerId of lb.listenerIds) {
        const listener = this.model.listeners.find((l) => l.id === listenerId);
        if (!listener) continue;
        const http = lb.type === 'application' && (listener.protocol === 'HTTP' || listener.protocol === 'HTTPS');
        const tcp = lb.type === 'network' && (listener.protocol === 'TCP' || listener.protocol === 'TLS');
        if (!http && !tcp) continue;
        let port = localPort(listener.port, this.#options.ports ?? 'aws');
        // Several load balancers (e.g. two regional stacks) may use the same listener port: the later
        // ones take the next local port not used by this simulator (80 → 8080, 8081, ...).
        const ours = new Set([...this.#listeners.values()].map((l) => l.port));
        while (port !== 0 && ours.has(port)) port++;
        try {
          const tlsKey = listener.protocol === 'HTTPS' || listener.protocol === 'TLS' ? keyPair : undefined;
          const l = http
            ? await HttpListener.start(lb, listener, services, port, host, tlsKey)
            : await TcpListener.start(lb, listener, tcpServices, port, host, tlsKey);
          this.#listeners.set(listener.id, l);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
            throw new SimulatorError(
              'SIM_PORT_IN_USE',
              `port ${port} for listener ${listener.id} (${listener.protocol}:${listener.port}) is in use; use --port-offset or --ports 0`,
              { cause: err },
            );
          }
          throw err;
        }
      }
    }
  }

  #services(lb: LoadBalancerModel): ListenerServices {
    const tgs = new Map<string, { model: TargetGroupModel; dimension: string; arn: string }>();
    for (const tg of this.model.targetGroups) {
      tgs.set(tg.id, { model: tg, dimension: targetGroupDimension(tg), arn: targetGroupArn(tg) });
    }
    const cb = typeof this.#options.accessLog === 'function' ? this.#options.accessLog : undefined;
    return {
      engine: this.engine,
      metrics: this.metrics,
      pools: this.#pools,
      inFlight: this.#inFlight,
      loadBalancerDimension: loadBalancerDimension(lb),
      targetGroup: (id) => tgs.get(id),
      idleTimeoutMs: this.#options.idleTimeoutOverrideMs,
      accessLog: (line, entry) => {
        this.#accessLog.write(line);
        cb?.(line, entry);
        this.emit('access-log', line, entry);
      },
      accessLogActive: () => this.#accessLog.active || cb !== undefined || this.listenerCount('access-log') > 0,
      onError: (err) => this.emit('error', err),
      localRedirect: (location) => this.#localRedirect(lb, location),
    };
  }

  /**
   * SIMULATOR CONVENIENCE, NOT AWS: a redirect to this load balancer's own listener port (e.g. HTTP:80 →
   * HTTPS:443) is rewritten to the local port that listener is bound to, so `curl -L` follows it. Only
   * applied when the Location names the simulator's own host (127.0.0.1 / localhost); the access log
   * keeps AWS's Location.
   */
  #localRedirect(lb: LoadBalancerModel, location: string): string {
    let url: URL;
    try {
      url = new URL(location);
    } catch {
      return location;
    }
    if (!['127.0.0.1', 'localhost'].includes(url.hostname)) return location;
    const scheme = url.protocol.replace(':', '');
    const awsPort = url.port ? Number(url.port) : scheme === 'https' ? 443 : 80;
    const target = lb.listenerIds
      .map((id) => this.model.listeners.find((l) => l.id === id))
      .find((l) => l && l.port === awsPort && l.protocol.toLowerCase() === scheme);
    const live = target ? this.#listeners.get(target.id) : undefined;
    if (!live) return location;
    const m = /^([a-z][a-z0-9+.-]*:\/\/[^/:?#]+(?::\d+)?)(.*)$/i.exec(location);
    if (!m) return location;
    const hostOnly = m[1].replace(/:\d+$/, '');
    return `${hostOnly}:${live.port}${m[2]}`;
  }

  async #startAdmin(port: number): Promise<void> {
    const server = http.createServer((req, res) => {
      this.#adminRequest(req, res).catch((err) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String((err as Error).message ?? err));
      });
    });
    server.on('clientError', (_e, s) => s.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.#options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#admin = server;
  }

  /** Admin port: `/metrics` (Prometheus), `/stats` (JSON), `/_sim/targets/<tg>/<index>/<verb>[/<arg>]`. */
  async #adminRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://admin');
    if (url.pathname === '/metrics') {
      const text = await this.metrics.prometheus();
      res.writeHead(200, { 'content-type': this.metrics.contentType });
      res.end(text);
      return;
    }
    if (url.pathname === '/' && (req.headers.accept ?? '').includes('text/html')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(statsPage(this.endpoints(), this.metrics.snapshot()));
      return;
    }
    if (url.pathname === '/stats' || url.pathname === '/' || url.pathname === '/endpoints.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(this.endpoints(), null, 2));
      return;
    }
    const m = /^\/_sim\/targets\/(.+)\/(\d+)\/([a-z-]+)(?:\/(\d+))?$/.exec(url.pathname);
    if (m) {
      const control = this.targets(decodeURIComponent(m[1])).get(Number(m[2]));
      const arg = m[4] !== undefined ? Number(m[4]) : undefined;
      switch (m[3]) {
        case 'fail-health':
          await control.failHealthChecks();
          break;
        case 'recover':
          await control.recover();
          break;
        case 'status':
          await control.respondWith(arg);
          break;
        case 'delay':
          await control.slow(arg ?? 0);
          break;
        case 'hang':
          await control.hang();
          break;
        case 'reset':
          await control.reset();
          break;
        case 'down':
          await control.down();
          break;
        case 'up':
          await control.up();
          break;
        case 'deregister':
          control.deregister();
          break;
        case 'register':
          control.register();
          break;
        default:
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end(`unknown verb ${m[3]}`);
          return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, target: control.health() }));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end(
      'try /metrics, /stats or /_sim/targets/<target-group>/<index>/<fail-health|recover|status/503|delay/500|hang|reset|down|up|deregister|register>\n',
    );
  }

  /** URL of the admin server (stats, metrics, controls), when started. */
  get adminUrl(): string | undefined {
    const a = this.#admin?.address() as AddressInfo | undefined;
    return a ? `http://127.0.0.1:${a.port}` : undefined;
  }

  // ------------------------------------------------------------------------------------------------
  // Engine timers and events
  // ------------------------------------------------------------------------------------------------

  /** Run due timers and probes now, then sleep until the engine's next wake-up. */
  kick(): void {
    if (this.#stopped) return;
    try {
      this.engine.advance(Date.now());
      for (const p of this.engine.probeDue(Date.now())) {
        void this.#prober.probe(p).then((outcome) => {
          if (this.#stopped) return;
          try {
            this.engine.probeResult(p.probeId, outcome);
          } catch (err) {
            this.emit('error', err);
          }
          this.kick();
        });
      }
    } catch (err) {
      this.emit('error', err);
    }
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    const next = this.engine.nextWakeAt();
    if (next === undefined) return;
    const delay = Math.min(Math.max(0, next - Date.now()), 2 ** 31 - 1);
    this.#timer = setTimeout(() => this.kick(), delay);
  }

  #onEngineEvent(e: EngineEvent): void {
    try {
      if (e.type === 'abort-requests') {
        for (const id of e.requestIds) this.#inFlight.abort(id);
        return;
      }
      if (e.type === 'target-health-changed') {
        const list = this.#targets.get(e.target.targetGroupId) ?? [];
        const index = list.findIndex((c) => c.target.targetId === e.target.targetId && c.target.port === e.target.port);
        this.#updateHostCounts(e.target.targetGroupId);
        this.emit('health', {
          targetGroupId: e.target.targetGroupId,
          target: e.target,
          index,
          from: e.from,
          to: e.to,
          reason: e.reason,
          at: e.at,
        });
      }
    } catch (err) {
      this.emit('error', err);
    }
  }

  #updateHostCounts(targetGroupId: string): void {
    const tg = this.model.targetGroups.find((t) => t.id === targetGroupId);
    if (!tg) return;
    const d = this.engine.describeTargetHealth(tg.id);
    const healthy = d.filter((x) => x.TargetHealth.State === 'healthy').length;
    const unhealthy = d.filter((x) => x.TargetHealth.State === 'unhealthy').length;
    this.metrics.setHostCounts(targetGroupDimension(tg), healthy, unhealthy);
  }

  // ------------------------------------------------------------------------------------------------
  // Public API
  // ------------------------------------------------------------------------------------------------

  #listener(ref: string): { model: ListenerModel; live?: HttpListener | TcpListener } {
    const model = findListener(this.model, ref);
    if (!model) {
      const known = this.model.listeners.map((l) => l.id).join(', ');
      throw new SimulatorError('SIM_LISTENER_NOT_FOUND', `no listener "${ref}" (known: ${known || 'none'})`);
    }
    return { model, live: this.#listeners.get(model.id) };
  }

  #targetGroup(ref: string): TargetGroupModel {
    const tg = findTargetGroup(this.model, ref);
    if (!tg) {
      const known = this.model.targetGroups.map((t) => t.id).join(', ');
      throw new SimulatorError('SIM_TARGET_GROUP_NOT_FOUND', `no target group "${ref}" (known: ${known || 'none'})`);
    }
    return tg;
  }

  /** Base URL (`http://127.0.0.1:8080`) of a listener, by id, cdk path or logical id. */
  url(listenerRef: string): string {
    const { model, live } = this.#listener(listenerRef);
    if (!live) {
      throw new SimulatorError(
        'SIM_LISTENER_NOT_FOUND',
        `listener "${listenerRef}" (${model.protocol}) is not served by the live simulator`,
      );
    }
    return `${live.scheme}://127.0.0.1:${live.port}`;
  }

  /** Local port of a listener. */
  port(listenerRef: string): number {
    const { live } = this.#listener(listenerRef);
    if (!live) throw new SimulatorError('SIM_LISTENER_NOT_FOUND', `listener "${listenerRef}" is not served`);
    return live.port;
  }

  /** The registered targets of a target group, in registration order. */
  targets(targetGroupRef: string): TargetSet {
    const tg = this.#targetGroup(targetGroupRef);
    return new TargetSet(tg.id, this.#targets.get(tg.id) ?? []);
  }

  /** `DescribeTargetHealth` (§1.4). */
  describeTargetHealth(targetGroupRef: string): TargetHealthDescription[] {
    return this.engine.describeTargetHealth(this.#targetGroup(targetGroupRef).id);
  }

  loadBalancer(ref: string): LoadBalancerModel {
    const lb = findLoadBalancer(this.model, ref);
    if (!lb) throw new SimulatorError('SIM_LOAD_BALANCER_NOT_FOUND', `no load balancer "${ref}"`);
    return lb;
  }

  /**
   * Resolves when target `index` of the group is in `state` (immediately if it already is). Event based:
   * listens to the engine's health transitions. Rejects after `timeoutMs` (default 30 s) or on `stop()`.
   */
  waitForHealth(
    targetGroupRef: string,
    index: number,
    state: TargetHealthState,
    options: { timeoutMs?: number } = {},
  ): Promise<HealthChange | TargetHealthDescription> {
    const control = this.targets(targetGroupRef).get(index);
    const now = control.health();
    if (now && now.TargetHealth.State === state) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? 30_000;
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off('health', onHealth);
        this.#waiters.delete(onStop);
      };
      const onHealth = (c: HealthChange): void => {
        if (c.targetGroupId === control.targetGroupId && c.index === index && c.to === state) {
          cleanup();
          resolve(c);
        }
      };
      const onStop = (err: Error): void => {
        cleanup();
        reject(err);
      };
      const timer = setTimeout(
        () =>
          onStop(
            new SimulatorError(
              'SIM_WAIT_ABORTED',
              `target ${index} of ${control.targetGroupId} did not reach "${state}" within ${timeoutMs} ms (now ${control.health()?.TargetHealth.State ?? 'unknown'})`,
            ),
          ),
        timeoutMs,
      );
      this.on('health', onHealth);
      this.#waiters.add(onStop);
    });
  }

  /** Listeners, rules and target groups with live health: what `ha-sim demo` prints and saves. */
  endpoints(): EndpointsDescription {
    const tgName = (id: string): string => this.model.targetGroups.find((t) => t.id === id)?.id ?? id;
    return {
      ...(this.adminUrl ? { admin: this.adminUrl } : {}),
      loadBalancers: this.model.loadBalancers.map((lb) => ({
        id: lb.id,
        type: lb.type,
        dimension: loadBalancerDimension(lb),
        listeners: lb.listenerIds
          .map((id) => this.model.listeners.find((l) => l.id === id))
          .filter((l): l is ListenerModel => l !== undefined)
          .map((l) => {
            const live = this.#listeners.get(l.id);
            return {
              id: l.id,
              protocol: l.protocol,
              port: l.port,
              ...(live ? { url: `${live.scheme}://127.0.0.1:${live.port}` } : {}),
              simulated: live !== undefined,
              rules: [
                ...l.rules.map((r) => ({
                  priority: r.priority,
                  conditions: r.conditions.map(describeCondition).join(' AND '),
                  action: describeActions(r.actions, tgName),
                })),
                { priority: 'default' as const, conditions: '-', action: describeActions(l.defaultActions, tgName) },
              ],
            };
          }),
      })),
      targetGroups: this.model.targetGroups.map((tg) => {
        const health = this.engine.describeTargetHealth(tg.id);
        return {
          id: tg.id,
          protocol: tg.protocol,
          port: tg.port,
          healthCheck:
            tg.healthCheck.protocol === 'TCP'
              ? `TCP every ${tg.healthCheck.intervalSeconds}s`
              : `${tg.healthCheck.protocol} GET ${tg.healthCheck.path} → ${tg.healthCheck.matcher.httpCode ?? tg.healthCheck.matcher.grpcCode}, every ${tg.healthCheck.intervalSeconds}s, timeout ${tg.healthCheck.timeoutSeconds}s, healthy ${tg.healthCheck.healthyThresholdCount}/unhealthy ${tg.healthCheck.unhealthyThresholdCount}`,
          targets: (this.#targets.get(tg.id) ?? []).map((c) => {
            const h = health.find((d) => d.Target.Id === c.target.targetId && d.Target.Port === c.target.port);
            return {
              index: c.index,
              address: `${c.target.targetId}:${c.target.port}`,
              ...(c.backend ? { backend: c.backend.name } : {}),
              state: h?.TargetHealth.State ?? 'unused',
              ...(h?.TargetHealth.Reason ? { reason: h.TargetHealth.Reason } : {}),
            };
          }),
        };
      }),
      issues: this.model.issues.map((i) => `${i.severity}: ${i.resourcePath}: ${i.what}: ${i.why}`),
    };
  }

  /** Stop everything: listeners, admin server, pools, probes, demo backends. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#unsubscribe?.();
    for (const w of [...this.#waiters]) w(new SimulatorError('SIM_NOT_RUNNING', 'simulator stopped'));
    this.#prober.close();
    const admin = this.#admin;
    await Promise.all([
      ...[...this.#listeners.values()].map((l) => l.close()),
      admin
        ? new Promise<void>((r) => {
            admin.close(() => r());
            admin.closeAllConnections();
          })
        : Promise.resolve(),
    ]);
    await this.#pools.close();
    await Promise.all(this.#backends.map((b) => b.close()));
    await this.#accessLog.close();
  }
}
