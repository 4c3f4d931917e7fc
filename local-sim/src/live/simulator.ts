/**
 * The live simulator: real sockets and the real clock around the pure engine. Builds listeners for
 * every load-balancer listener of the model, registers targets (demo backends, target processes it
 * starts, or given host:port addresses), runs the health prober, performs the engine's timers and
 * effects (probe deadlines, draining ends, aborting requests on an expired deregistration delay),
 * writes access logs and counts metrics. `reload` applies a new synthesis of the same app in place.
 */
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import {
  createEngine,
  type CheckerObservation,
  type DnsAnswer,
  type DnsAnswerChange,
  type DnsLookups,
  type HealthCheckStatusChange,
  type Engine,
  type EngineEvent,
  type ProbeRequest,
  type Route53ProbeRequest,
  type TargetHealthDescription,
  type TargetKey,
} from '../core/engine';
import { formatAccessLogLine, type AccessLogEntry } from '../core/access-log';
import { r53HostHeader } from '../core/route53';
import { listenerForwardingTo, nlbHealthCheckHost } from '../core/nlb';
import { Metrics } from '../core/metrics';
import {
  findHealthCheck,
  findListener,
  findLoadBalancer,
  findTargetGroup,
  listenersOf,
  type ListenerModel,
  type LoadBalancerModel,
  type Route53HealthCheckModel,
  type SimModel,
  type TargetGroupModel,
  type TargetModel,
} from '../model';
import { normalizeDnsName } from '../model/zones';
import type { TargetHealthState } from '@ha-load-balancer/spec';
import { AccessLogWriter } from './access-log-writer';
import { AdminServer, DEFAULT_ADMIN_HOST } from './admin/server';
import { ApiServer } from './api-server';
import { checkerObservations, type Route53Context } from '../api/route53/handler';
import type { Elbv2Context } from '../api/elbv2/handler';
import { DemoBackend } from './demo-backend';
import { DnsServer } from './dns-server';
import { describeEndpoints, type DnsDescription, type EndpointsDescription } from './endpoints';
import { SimulatorError } from '../errors';
import { PrometheusExporter } from './prometheus';
import { UdpListener } from './udp-listener';
import { UdpEcho } from './udp-echo';
import {
  loadBalancerArn,
  loadBalancerDimension,
  loadBalancerDnsName,
  targetGroupArn,
  targetGroupDimension,
} from '../model/ids';
import { LoadBalancerNodes } from './lb-nodes';
import { LambdaRuntime } from './lambda-runtime';
import { LambdaTarget } from './lambda-target';
import { runsLocally } from '../model/build';
import { localPort, MAX_PORT, type PortMode } from './ports';
import { Prober, type ProbeTarget } from './prober';
import { Route53Prober, type Route53ProbeTarget } from './route53-prober';
import { selfSignedCertificate, type KeyPair } from './tls';
import { modelOf, type SimulatorSource } from './source';
import { TargetProcess, type TargetOutput, type TargetProcessSpec } from './target-process';
import { ListenerHost, localRedirect, servedAs, type LiveListener } from './listener-host';
import type { NodeForwarding } from './node-protocol';
import { NodeWorkers } from './node-workers';
import { TestIdpServer } from './test-idp';
import { createAuthKeys, type LoadBalancerAuthKeys } from '../idp/alb-keys';
import {
  TargetControl,
  TargetSet,
  type AdminHost,
  type HealthChange,
  type NodeDescription,
  type ReloadSummary,
  type Route53CheckTarget,
  type SimulatorEvents,
  type ZoneDescription,
} from './simulator-api';

// (the shapes and controls the simulator shows, kept apart for the admin server: see simulator-api.ts)
export * from './simulator-api';

export type { EndpointsDescription } from './endpoints';

export interface SimulatorOptions {
  /** Demo backends started per target group in use (not for groups given in `targets` or `processes`). Default 0. */
  readonly demoBackends?: number;
  /** Target group (id, path or logical id) → `host:port` addresses registered as its targets. */
  readonly targets?: Readonly<Record<string, readonly string[]>>;
  /**
   * Target group → a command the simulator runs as its targets, once per instance, with the port in an
   * environment variable (`PORT` by default). Output arrives as `target-output` events.
   */
  readonly processes?: Readonly<Record<string, TargetProcessSpec>>;
  /** Listener ports: `'aws'` (P, or 8000+P below 1024; default), `0` (free ports), or `{ offset }`. */
  readonly ports?: PortMode;
  /** Bind address of the listeners, the AWS API and the DNS server. Default 127.0.0.1. */
  readonly host?: string;
  /**
   * Bind address of the admin port, apart from `host` because it changes state: default 127.0.0.1
   * (loopback only, whatever `host` is). `0.0.0.0` exposes the dashboard and its controls to the network.
   */
  readonly adminHost?: string;
  /**
   * Token the admin port's controls require in the `X-HA-Sim-Token` header (default: a random one per
   * run, `Simulator.adminToken`). The dashboard page carries it; `ha-sim` prints it.
   */
  readonly adminToken?: string;
  /** Access log: file path, `-` for stdout, or a callback. Default: none. */
  readonly accessLog?: string | ((line: string, entry: AccessLogEntry) => void);
  /** Stats / `/metrics` / control port (default off; the CLI uses 8404). 0 = free port. */
  readonly adminPort?: number | false;
  /**
   * AWS-compatible API port: ELBv2 Query API and Route 53 REST API for `aws --endpoint-url` and the AWS
   * SDKs (default off; the CLI uses 4566). 0 = free port. Bound to `host`.
   */
  readonly apiPort?: number | false;
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
  /** SIMULATOR TEST CONVENIENCE, NOT AWS: NLB UDP idle timeout in ms instead of 120 s (§6.3, not configurable on AWS). */
  readonly udpIdleTimeoutOverrideMs?: number;
  /**
   * SIMULATOR TEST CONVENIENCE, NOT AWS: `target_health_state.unhealthy.draining_interval_seconds` in ms for
   * every NLB target group that sets a draining interval (§6.6; AWS counts whole seconds).
   */
  readonly unhealthyDrainingIntervalOverrideMs?: number;
  /** SIMULATOR TEST CONVENIENCE, NOT AWS: TCP connect timeout to targets (AWS: 10 s, §5.2). */
  readonly connectTimeoutOverrideMs?: number;
  /** Also register the targets written in the template's `Targets` (their ids must be reachable hosts). Default false. */
  readonly registerTemplateTargets?: boolean;
  /**
   * Port of the name server for the assembly's hosted zones, UDP and TCP on `host` (default off; the CLI
   * uses 5300). 0 = a free port. Load balancers then get loopback node addresses (`lb-nodes.ts`).
   */
  readonly dnsPort?: number | false;
  /**
   * SIMULATOR TEST CONVENIENCE, NOT AWS: `RequestInterval` of every Route 53 health check in ms, instead
   * of 10 or 30 s (§7.1). Lets tests see a DNS failover in milliseconds; probe timeouts stay AWS's (§7.2).
   */
  readonly route53IntervalOverrideMs?: number;
  /**
   * Load-balancer nodes serving the listeners, each a process with its own event loop (`node-workers.ts`:
   * what the nodes share and what each keeps). 1 (default): everything in this process, deterministic
   * for tests. Needs the compiled package (`dist/`).
   */
  readonly workers?: number;
  /**
   * SIMULATOR CONVENIENCE, NOT AWS: start the test identity provider (`live/test-idp.ts`) on this port
   * of `host` (0 = a free port) and let every authenticate action (§4.3) log in there instead of its
   * configured identity provider. Default off.
   */
  readonly testIdpPort?: number | false;
  /** Extra user-info claims per user name of the test identity provider. */
  readonly testIdpUsers?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /**
   * §5.1 verify-mode trust stores: trust store name, logical id, construct path or ARN → path of a local
   * PEM file with its CA certificates (simulator choice `local_trust_store`).
   */
  readonly trustStores?: Readonly<Record<string, string>>;
}

/** Apply the test-convenience overrides to a copy of the model. */
function withOverrides(model: SimModel, o: SimulatorOptions): SimModel {
  if (o.route53IntervalOverrideMs !== undefined) {
    const requestIntervalSeconds = o.route53IntervalOverrideMs / 1000;
    model = { ...model, healthChecks: model.healthChecks.map((h) => ({ ...h, requestIntervalSeconds })) };
  }
  if (
    o.healthCheckIntervalOverrideMs === undefined &&
    o.healthCheckTimeoutOverrideMs === undefined &&
    o.deregistrationDelayOverrideMs === undefined &&
    o.unhealthyDrainingIntervalOverrideMs === undefined
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
        unhealthyDrainingIntervalSeconds:
          o.unhealthyDrainingIntervalOverrideMs !== undefined && tg.attributes.unhealthyDrainingIntervalSeconds > 0
            ? o.unhealthyDrainingIntervalOverrideMs / 1000
            : tg.attributes.unhealthyDrainingIntervalSeconds,
      },
    };
  });
  return { ...model, targetGroups };
}

/** `host:port`, `[v6]:port`, optionally `@<Availability Zone>` (§2.4). */
function parseHostPort(s: string): { host: string; port: number; availabilityZone?: string } {
  const m = /^\[?([^\]@]+?)\]?:(\d+)(?:@([a-z0-9-]+))?$/.exec(s.trim());
  if (!m) throw new SimulatorError('SIM_BAD_OPTION', `target "${s}" is not host:port or host:port@zone`);
  return { host: m[1], port: Number(m[2]), ...(m[3] ? { availabilityZone: m[3] } : {}) };
}

/** An assembly the live simulator can do something with: at least one listener it serves. */
function checkServable(model: SimModel): void {
  if (model.stackNames.length === 0) {
    throw new SimulatorError('SIM_SOURCE_INVALID', 'the cloud assembly has no stacks');
  }
  const served = model.listeners.filter((l) => {
    const lb = model.loadBalancers.find((b) => b.id === l.loadBalancerId);
    return lb !== undefined && servedAs(lb, l) !== undefined;
  });
  if (served.length > 0) return;
  const what =
    model.loadBalancers.length === 0
      ? 'no load balancer'
      : model.listeners.length === 0
        ? `${model.loadBalancers.length} load balancer(s) without listeners`
        : `only listeners the live simulator does not serve (${model.listeners.map((l) => `${l.protocol}:${l.port}`).join(', ')})`;
  throw new SimulatorError(
    'SIM_NOTHING_TO_SERVE',
    `nothing to serve: the assembly has ${what}; the live simulator serves ALB HTTP/HTTPS and NLB TCP/TLS/UDP/TCP_UDP listeners`,
  );
}

/** Options that can only be checked against the model or the machine, before anything is started. */
async function checkOptions(model: SimModel, options: SimulatorOptions): Promise<void> {
  const mode = options.ports ?? 'aws';
  for (const l of model.listeners) {
    const port = localPort(l.port, mode);
    if (port > MAX_PORT) {
      throw new SimulatorError(
        'SIM_BAD_OPTION',
        `listener ${l.id} (${l.protocol}:${l.port}) would bind local port ${port}, above ${MAX_PORT}; use a smaller --port-offset or --ports 0`,
      );
    }
  }
  const hosts: [string, string][] = [['--host', options.host ?? '127.0.0.1']];
  if (options.adminHost !== undefined) hosts.push(['--admin-host', options.adminHost]);
  for (const [flag, host] of hosts) {
    try {
      await lookup(host);
    } catch (err) {
      throw new SimulatorError(
        'SIM_BAD_OPTION',
        `${flag} ${host} does not resolve (${(err as NodeJS.ErrnoException).code})`,
        {
          cause: err,
        },
      );
    }
  }
}

/** A listen() failure as the user should read it. */
function bindError(err: unknown, port: number, host: string, what: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    return new SimulatorError('SIM_PORT_IN_USE', `port ${port} for ${what} is in use; use --port-offset or --ports 0`, {
      cause: err,
    });
  }
  if (code === 'EADDRNOTAVAIL') {
    return new SimulatorError('SIM_BAD_OPTION', `--host ${host} is not an address of this machine`, { cause: err });
  }
  if (code === 'EACCES') {
    return new SimulatorError('SIM_BAD_OPTION', `not allowed to bind ${host}:${port} for ${what}`, { cause: err });
  }
  return err;
}

/** How many times a UDP demo backend looks for a port number free for both TCP and UDP. */
const UDP_DEMO_BIND_ATTEMPTS = 20;

/** Target-process lines kept while nobody listens for them (start-up output). */
const EARLY_OUTPUT_LINES = 1000;

/** Same content (models are built in a fixed key order, so their JSON compares them). */
function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** What a listener's socket depends on: when any of it changes, `reload` restarts the listener. */
function socketShape(lb: LoadBalancerModel, l: ListenerModel): unknown {
  return {
    lb: lb.id,
    type: lb.type,
    attributes: lb.attributes,
    protocol: l.protocol,
    port: l.port,
    sslPolicy: l.sslPolicy,
    certificates: l.certificateArns,
    alpn: l.alpnPolicy,
  };
}

export class Simulator extends EventEmitter<SimulatorEvents> implements AdminHost {
  #model: SimModel;
  /** The model as declared (template, then API changes), before the test-convenience overrides. */
  #declared: SimModel;
  readonly engine: Engine;
  readonly metrics = new Metrics();
  /** `/metrics`: the same counters in the Prometheus text format. */
  readonly prometheus = new PrometheusExporter(this.metrics);
  readonly #options: SimulatorOptions;
  readonly #listeners = new Map<string, LiveListener>();
  readonly #targets = new Map<string, TargetControl[]>();
  readonly #backends = new Map<string, DemoBackend[]>();
  /** The UDP side of the demo backends of UDP and TCP_UDP target groups, by target group. */
  readonly #udpEchoes = new Map<string, UdpEcho[]>();
  readonly #processes = new Map<string, TargetProcess[]>();
  /** Engine, pools, requests in flight and listeners of the requests this process serves. */
  readonly #host: ListenerHost;
  readonly #prober: Prober;
  readonly #accessLog: AccessLogWriter;
  readonly #waiters = new Set<(err: Error) => void>();
  #keyPair?: Promise<KeyPair>;
  #admin?: AdminServer;
  #api?: ApiServer;
  readonly #startedAt = Date.now();
  #nextApiId = 1;
  #dns?: DnsServer;
  readonly #nodes = new LoadBalancerNodes((listenerId, socket) => this.#acceptOnNode(listenerId, socket));
  /** Targets the simulator took down when their zone failed (brought back when it recovers). */
  readonly #downedByZone = new Map<string, TargetControl[]>();
  /** Local servers of Lambda targets, by `<target group id>|<function ARN>`. */
  readonly #lambdaTargets = new Map<string, LambdaTarget>();
  /** Local runners of Lambda functions, by function ARN. */
  readonly #lambdaRuntimes = new Map<string, LambdaRuntime>();
  readonly #route53Prober = new Route53Prober();
  readonly #dnsChanges: DnsAnswerChange[] = [];
  #awsApi?: { elbv2: Elbv2Context; route53: Route53Context };
  #timer?: NodeJS.Timeout;
  #stopped = false;
  #unsubscribe?: () => void;

  /** §4.3 the load balancer's authentication keys, made on first use and shared with the nodes. */
  #authKeys?: LoadBalancerAuthKeys;
  /** SIMULATOR CONVENIENCE, NOT AWS: the test identity provider (`testIdpPort`). */
  #testIdp?: TestIdpServer;
  /**
   * Stickiness cookie key (§3): signs the cookies (the engine), shared with the load-balancer nodes of
   * `workers`, and read again by the admin's request timeline.
   */
  readonly #cookieKey = randomBytes(32);
  /** The load-balancer node processes (`workers` > 1). */
  #workers?: NodeWorkers;

  private constructor(model: SimModel, options: SimulatorOptions) {
    super();
    this.#options = options;
    this.#declared = model;
    this.#model = withOverrides(model, options);
    this.engine = createEngine(this.#model, {
      clock: { now: () => Date.now() },
      random: { next: () => Math.random() },
      cookieKey: this.#cookieKey,
      registerTemplateTargets: options.registerTemplateTargets ?? false,
      replicate: (options.workers ?? 1) > 1,
    });
    this.#host = new ListenerHost({
      engine: this.engine,
      metrics: this.metrics,
      model: () => this.#model,
      ...(options.idleTimeoutOverrideMs !== undefined ? { idleTimeoutOverrideMs: options.idleTimeoutOverrideMs } : {}),
      ...(options.connectTimeoutOverrideMs !== undefined ? { connectTimeoutMs: options.connectTimeoutOverrideMs } : {}),
      ...(options.udpIdleTimeoutOverrideMs !== undefined
        ? { udpIdleTimeoutOverrideMs: options.udpIdleTimeoutOverrideMs }
        : {}),
      nodeAddress: (id, zone) => this.#nodeAddress(id, zone),
      zoneOf: this.#zoneOf,
      targetAddress: (t) => this.#specialAddress(t, t.port),
      accessLog: {
        active: () =>
          this.#accessLog.active ||
          typeof this.#options.accessLog === 'function' ||
          this.listenerCount('access-log') > 0,
        write: (entry) => this.#writeAccessLog(entry),
      },
      onExchange: (o) => this.emit('exchange', o),
      onFlow: (f) => this.emit('flow', f),
      localRedirect: (lb, location) => localRedirect(this.#model, lb, location, (id) => this.#listeners.get(id)?.port),
      auth: { keys: () => this.authKeys, testIdp: () => this.#testIdp?.provider.endpoints },
      onError: (err) => this.emit('error', err),
    });
    this.#prober = new Prober((p) => this.#probeTarget(p));
    this.#accessLog = new AccessLogWriter(typeof options.accessLog === 'string' ? options.accessLog : undefined);
    this.on('error', () => undefined);
    // Output printed before anyone listens (a target starting up) is kept and handed to the first listener.
    (this as EventEmitter).on('newListener', (event: string | symbol) => {
      if (event === 'target-output') setImmediate(() => this.#flushOutput());
    });
  }

  readonly #earlyOutput: TargetOutput[] = [];

  #targetOutput(o: TargetOutput): void {
    if (this.listenerCount('target-output') > 0) this.emit('target-output', o);
    else if (this.#earlyOutput.length < EARLY_OUTPUT_LINES) this.#earlyOutput.push(o);
  }

  #flushOutput(): void {
    if (this.listenerCount('target-output') === 0) return;
    for (const o of this.#earlyOutput.splice(0)) this.emit('target-output', o);
  }

  /** The model being simulated (replaced by `reload`), with the test-convenience overrides applied. */
  get model(): SimModel {
    return this.#model;
  }

  /**
   * The model as declared: the template's, or the last one given to `reload` (the AWS API applies its
   * changes that way), without the test-convenience timing overrides. What the AWS API describes.
   */
  get declaredModel(): SimModel {
    return this.#declared;
  }

  /** Build the model of `source` (cdk.out directory, App/Stage/Stack, or model) and start it. */
  static async start(source: SimulatorSource, options: SimulatorOptions = {}): Promise<Simulator> {
    return Simulator.fromModel(modelOf(source), options);
  }

  /** Start listeners, targets and health checks for a model. */
  static async fromModel(model: SimModel, options: SimulatorOptions = {}): Promise<Simulator> {
    checkServable(model);
    await checkOptions(model, options);
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
    if (this.#options.testIdpPort !== undefined && this.#options.testIdpPort !== false) {
      const host = this.#options.host ?? '127.0.0.1';
      try {
        this.#testIdp = await TestIdpServer.start(this.#options.testIdpPort, host, {
          ...(this.#options.testIdpUsers ? { users: this.#options.testIdpUsers } : {}),
          publicKey: (kid) => (kid === this.authKeys.kid ? this.authKeys.publicKeyPem : undefined),
        });
      } catch (err) {
        throw bindError(err, this.#options.testIdpPort, host, 'the test identity provider');
      }
    }
    if ((this.#options.workers ?? 1) > 1) await this.#startNodes();
    this.#unsubscribe = this.engine.onEvent((e) => this.#onEngineEvent(e));
    this.#declareMetrics();
    for (const tg of this.#model.targetGroups) await this.#addTargets(tg);
    await this.#startListeners(this.#model.listeners.map((l) => l.id));
    if (this.#options.adminPort !== undefined && this.#options.adminPort !== false) {
      this.#admin = await AdminServer.start(this, {
        port: this.#options.adminPort,
        host: this.#options.adminHost ?? DEFAULT_ADMIN_HOST,
        ...(this.#options.adminToken !== undefined ? { token: this.#options.adminToken } : {}),
        cookieKey: this.#cookieKey,
        elbv2: () => this.#apiContexts().elbv2,
      });
    }
    if (this.#options.apiPort !== undefined && this.#options.apiPort !== false) {
      this.#api = await ApiServer.start(
        { ...this.#apiContexts(), onError: (err) => this.emit('error', err) },
        this.#options.apiPort,
        this.#options.host ?? '127.0.0.1',
      );
    }
    if (this.#options.dnsPort !== undefined && this.#options.dnsPort !== false) {
      await this.#syncNodes();
      const host = this.#options.host ?? '127.0.0.1';
      try {
        this.#dns = await DnsServer.start({
          host,
          port: this.#options.dnsPort,
          answer: (name, type) => this.resolve(name, type),
          onError: (err) => this.emit('error', err),
        });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
          throw new SimulatorError(
            'SIM_PORT_IN_USE',
            `DNS port ${this.#options.dnsPort} is in use; use --dns-port N (0 = a free port) or --dns-port off`,
            { cause: err },
          );
        }
        throw bindError(err, this.#options.dnsPort, host, 'the DNS server');
      }
    }
    this.kick();
  }

  /** Where the simulator's own sockets are reached (a wildcard bind address is reached on loopback). */
  get #connectHost(): string {
    const host = this.#options.host ?? '127.0.0.1';
    return host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  }

  /** `#connectHost` as the host of a URL (IPv6 in brackets). */
  get #urlHost(): string {
    const host = this.#connectHost;
    return host.includes(':') ? `[${host}]` : host;
  }

  /** Serve every live listener on its load balancer's node addresses too, one per zone (only with the DNS server). */
  async #syncNodes(): Promise<void> {
    const mode = this.#options.ports ?? 'aws';
    const wanted = [...this.#listeners].flatMap(([id, live]) => {
      const l = this.#model.listeners.find((x) => x.id === id);
      const lb = l && this.#model.loadBalancers.find((b) => b.id === l.loadBalancerId);
      // node addresses take TCP connections only: a UDP listener is reached on the simulator's host
      if (!l || !lb || live instanceof UdpListener) return [];
      return [
        {
          loadBalancerId: l.loadBalancerId,
          listenerId: id,
          zones: lb.availabilityZones,
          port: mode === 0 ? 0 : localPort(l.port, mode),
        },
      ];
    });
    try {
      await this.#nodes.sync(wanted);
      this.#shareAddresses();
    } catch (err) {
      const port = (err as { port?: number }).port ?? 0;
      throw bindError(err, port, 'node address', 'a load-balancer node address');
    }
  }

  /**
   * Where a target is reached on `port` (its traffic port or its health-check port): `targetId:port`,
   * except an Application Load Balancer of the assembly registered in an NLB target group of type `alb`
   * (its ARN is the target id): that ALB's listener on `port`, on the simulator's host.
   */
  #targetAddress(target: TargetKey, port: number): { host: string; port: number } {
    return this.#specialAddress(target, port) ?? { host: target.targetId, port };
  }

  /** `#targetAddress` for the targets not reached at `targetId:port` (Lambda, `alb`); else undefined. */
  #specialAddress(target: TargetKey, port: number): { host: string; port: number } | undefined {
    if (!target.targetId.startsWith('arn:')) return undefined;
    const lambda = this.#lambdaAddress(target);
    if (lambda) return lambda;
    const alb = this.#model.loadBalancers.find(
      (lb) => lb.type === 'application' && loadBalancerArn(lb) === target.targetId,
    );
    const listener = alb && listenersOf(this.#model, alb).find((l) => l.port === port);
    const live = listener && this.#listeners.get(listener.id);
    // no such listener: a port nothing listens on, so the connection is refused (as AWS would find it)
    return live ? { host: this.#connectHost, port: live.port } : { host: this.#connectHost, port: 0 };
  }

  /** The local server that invokes a Lambda target of a target group (`lambda-target.ts`). */
  #lambdaAddress(target: TargetKey): { host: string; port: number } | undefined {
    const shim = this.#lambdaTargets.get(`${target.targetGroupId}|${target.targetId}`);
    return shim ? { host: '127.0.0.1', port: shim.port } : undefined;
  }

  /**
   * §5.4 a Lambda target group registers the functions of the assembly its template names (as
   * CloudFormation does): each gets a local server that invokes it (one runner per function, shared by
   * the target groups that name it). Functions that cannot run locally are registered too; their
   * requests get the load balancer's 502.
   */
  async #addLambdaTargets(tg: TargetGroupModel, controls: TargetControl[]): Promise<void> {
    for (const t of tg.targets) {
      const fn = (this.#model.lambdaFunctions ?? []).find((f) => f.arn === t.id);
      if (!fn) continue;
      const local = runsLocally(fn);
      let runtime = this.#lambdaRuntimes.get(fn.arn);
      if (!runtime && local.ok) {
        runtime = new LambdaRuntime(fn, (o) =>
          this.#targetOutput({ name: fn.functionName, stream: o.stream, line: o.line }),
        );
        this.#lambdaRuntimes.set(fn.arn, runtime);
      }
      const shim = await LambdaTarget.start({
        targetGroupId: tg.id,
        targetGroupArn: targetGroupArn(tg),
        multiValueHeaders: () =>
          this.#model.targetGroups.find((x) => x.id === tg.id)?.attributes.lambdaMultiValueHeaders ?? false,
        functionName: fn.functionName,
        runtime: runtime ?? { notRunnable: local.ok ? 'no local runner' : local.why },
        onFailure: (report) => this.emit('lambda-error', report),
      });
      this.#lambdaTargets.set(`${tg.id}|${fn.arn}`, shim);
      const key = { targetGroupId: tg.id, targetId: fn.arn, port: t.port ?? tg.port ?? 0 };
      controls.push(new TargetControl(this, tg.id, controls.length, key, undefined));
    }
  }

  /**
   * A connection accepted on a node address: the listener's own server takes it and routes it as that
   * zone's node; with `--workers`, the next load-balancer node process gets the socket for it.
   */
  #acceptOnNode(listenerId: string, socket: net.Socket): void {
    if (this.#workers?.accept(listenerId, socket)) return;
    this.#host.acceptOnNode(this.#listeners.get(listenerId), socket);
  }

  /**
   * What the load-balancer node processes (`--workers`) need to know that only this process does: the
   * node addresses and their zones, and where Lambda and `alb` targets are reached.
   */
  #shareAddresses(): void {
    if (!this.#workers) return;
    const nodes = new Map<string, { address: string; loadBalancerId: string; zone: string }>();
    for (const lb of this.#model.loadBalancers) {
      for (const e of this.#nodes.endpoints(lb.id)) {
        nodes.set(e.address, { address: e.address, loadBalancerId: lb.id, zone: e.availabilityZone });
      }
    }
    const targets: Record<string, { host: string; port: number }> = {};
    for (const controls of this.#targets.values()) {
      for (const c of controls) {
        const a = this.#specialAddress(c.target, c.target.port);
        if (a) targets[`${c.target.targetGroupId}|${c.target.targetId}|${c.target.port}`] = a;
      }
    }
    this.#workers.addresses({ nodes: [...nodes.values()], targets });
  }

  /** §2.4 the zone of the node whose address a connection arrived at (undefined: the listener's own address). */
  readonly #zoneOf = (localAddress: string | undefined): string | undefined =>
    this.#nodes.nodeAt(localAddress)?.availabilityZone;

  #declareMetrics(): void {
    for (const lb of this.#model.loadBalancers) {
      this.metrics.declare(
        loadBalancerDimension(lb),
        this.#model.targetGroups.filter((t) => t.loadBalancerIds.includes(lb.id)).map(targetGroupDimension),
        lb.type,
      );
    }
  }

  /** The target groups a `--targets` reference can name, for error messages. */
  #knownTargetGroups(): string {
    const ids = this.#model.targetGroups.map((t) => t.id);
    if (ids.length === 0) return 'no target groups';
    const paths = this.#model.targetGroups.some((t) => t.id.split('/').length > 2)
      ? ''
      : ' (construct paths need path metadata: synthesize with "cdk synth", or set the context aws:cdk:enable-path-metadata to true)';
    return `${ids.join(', ')}${paths}`;
  }

  /** The `--targets` addresses, by target-group id. */
  #givenTargets(): Map<string, readonly string[]> {
    const given = new Map<string, readonly string[]>();
    for (const [ref, addrs] of Object.entries(this.#options.targets ?? {})) {
      const tg = findTargetGroup(this.#model, ref);
      if (!tg) {
        throw new SimulatorError(
          'SIM_TARGET_GROUP_NOT_FOUND',
          `--targets names unknown target group "${ref}"; the assembly has ${this.#knownTargetGroups()}`,
        );
      }
      given.set(tg.id, addrs);
    }
    return given;
  }

  #processSpecs(): Map<string, TargetProcessSpec> {
    const specs = new Map<string, TargetProcessSpec>();
    for (const [ref, spec] of Object.entries(this.#options.processes ?? {})) {
      const tg = findTargetGroup(this.#model, ref);
      if (!tg) {
        throw new SimulatorError(
          'SIM_TARGET_GROUP_NOT_FOUND',
          `"processes" names unknown target group "${ref}"; the assembly has ${this.#knownTargetGroups()}`,
        );
      }
      specs.set(tg.id, spec);
    }
    return specs;
  }

  /** Register one target group's targets: given addresses, processes it starts, or demo backends. */
  async #addTargets(tg: TargetGroupModel): Promise<void> {
    const controls: TargetControl[] = [];
    const addrs = this.#givenTargets().get(tg.id);
    const spec = this.#processSpecs().get(tg.id);
    const demo = this.#options.demoBackends ?? 0;
    /** Zones given with `--targets host:port@az`, by target key. */
    const zones = new Map<string, string>();
    if (addrs) {
      for (const a of addrs) {
        const { host, port, availabilityZone } = parseHostPort(a);
        if (availabilityZone) zones.set(`${host}:${port}`, availabilityZone);
        controls.push(
          new TargetControl(this, tg.id, controls.length, { targetGroupId: tg.id, targetId: host, port }, undefined),
        );
      }
    } else if (spec) {
      const processes: TargetProcess[] = [];
      this.#processes.set(tg.id, processes);
      for (let i = 0; i < (spec.instances ?? 1); i++) {
        const name = `${tg.logicalId}#${i}`;
        const p = await TargetProcess.start(
          name,
          spec,
          { HA_SIM_TARGET_GROUP: tg.id, HA_SIM_TARGET_INDEX: String(i), HA_SIM_TARGET_NAME: name },
          {
            onOutput: (o) => this.#targetOutput(o),
            onExit: (n, code, signal) => this.emit('target-exit', n, code, signal),
          },
        );
        processes.push(p);
        const key = { targetGroupId: tg.id, targetId: p.host, port: p.port };
        controls.push(new TargetControl(this, tg.id, i, key, undefined, p));
      }
    } else if (tg.targetType === 'lambda') {
      await this.#addLambdaTargets(tg, controls);
    } else if (tg.targetType === 'alb') {
      // §6.1 an NLB target group of type alb: the ALBs of the assembly its template registers, as AWS does
      for (const t of tg.targets) {
        if (!this.#model.loadBalancers.some((lb) => lb.type === 'application' && loadBalancerArn(lb) === t.id))
          continue;
        const key = { targetGroupId: tg.id, targetId: t.id, port: t.port ?? tg.port ?? 0 };
        controls.push(new TargetControl(this, tg.id, controls.length, key, undefined));
      }
    } else if (demo > 0 && tg.inUse) {
      const backends: DemoBackend[] = [];
      this.#backends.set(tg.id, backends);
      // demo backends speak the target group's protocol: TLS for HTTPS, HTTP/2 for HTTP2 and GRPC versions
      const tls = tg.protocol === 'HTTPS' || tg.protocol === 'TLS' ? await this.#tlsKey() : undefined;
      const udp = tg.protocol === 'UDP' || tg.protocol === 'TCP_UDP';
      for (let i = 0; i < demo; i++) {
        const name = `${tg.logicalId}#${i}`;
        const backend = udp
          ? await this.#udpDemoBackend(tg, name)
          : await DemoBackend.start({
              name,
              healthCheckPath: tg.healthCheck.path,
              healthyCodes: tg.healthCheck.successCodes,
              ...(tls ? { tls } : {}),
              ...(tg.protocolVersion !== 'HTTP1' ? { http2: true } : {}),
              ...(tg.protocolVersion === 'GRPC' ? { grpc: true } : {}),
            });
        backends.push(backend);
        const key = { targetGroupId: tg.id, targetId: backend.host, port: backend.port };
        controls.push(new TargetControl(this, tg.id, i, key, backend));
      }
    }
    if (controls.length > 0) {
      this.engine.registerTargets(
        tg.id,
        controls.map((c) => {
          const availabilityZone = zones.get(`${c.target.targetId}:${c.target.port}`);
          return { id: c.target.targetId, port: c.target.port, ...(availabilityZone ? { availabilityZone } : {}) };
        }),
      );
    }
    this.#targets.set(tg.id, controls);
  }

  /**
   * A demo backend for a UDP or TCP_UDP target group: the HTTP demo backend (TCP: health checks, TCP
   * flows) with a UDP echo on the same port number, looking for a port free for both.
   */
  async #udpDemoBackend(tg: TargetGroupModel, name: string): Promise<DemoBackend> {
    for (let attempt = 1; ; attempt++) {
      const backend = await DemoBackend.start({ name, healthCheckPath: tg.healthCheck.path });
      try {
        const echo = await UdpEcho.start(name, backend.port, backend.host);
        const echoes = this.#udpEchoes.get(tg.id) ?? [];
        echoes.push(echo);
        this.#udpEchoes.set(tg.id, echoes);
        return backend;
      } catch (err) {
        await backend.close();
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= UDP_DEMO_BIND_ATTEMPTS) throw err;
      }
    }
  }

  /** Stop what the simulator started for a target group (demo backends, processes). */
  async #releaseTargets(targetGroupId: string): Promise<void> {
    const backends = this.#backends.get(targetGroupId) ?? [];
    const processes = this.#processes.get(targetGroupId) ?? [];
    const echoes = this.#udpEchoes.get(targetGroupId) ?? [];
    this.#udpEchoes.delete(targetGroupId);
    await Promise.all(echoes.map((e) => e.close()));
    this.#backends.delete(targetGroupId);
    this.#processes.delete(targetGroupId);
    this.#targets.delete(targetGroupId);
    const shims = [...this.#lambdaTargets].filter(([k]) => k.startsWith(`${targetGroupId}|`));
    for (const [k] of shims) this.#lambdaTargets.delete(k);
    await Promise.all([
      ...backends.map((b) => b.close()),
      ...processes.map((p) => p.stop()),
      ...shims.map(([, shim]) => shim.close()),
    ]);
  }

  /** §4.3 the keys that seal session cookies and sign `x-amzn-oidc-data` (one set for every node). */
  get authKeys(): LoadBalancerAuthKeys {
    this.#authKeys ??= createAuthKeys();
    return this.#authKeys;
  }

  /** SIMULATOR CONVENIENCE, NOT AWS: the test identity provider, when `testIdpPort` started one. */
  get testIdp(): TestIdpServer | undefined {
    return this.#testIdp;
  }

  /**
   * §5.1 the CA bundle of a verify-mode listener's trust store, from the local file `trustStores` names
   * for it (simulator choice `local_trust_store`); undefined for other listeners.
   */
  #trustStorePem(listener: ListenerModel): string | undefined {
    const m = listener.mutualAuthentication;
    if (m?.mode !== 'verify') return undefined;
    const ref = m.trustStore;
    const stores = this.#options.trustStores ?? {};
    const keys = [ref?.name, ref?.id, ref?.arn].filter((k): k is string => k !== undefined);
    const file = keys.map((k) => stores[k]).find((f) => f !== undefined);
    if (file === undefined) {
      throw new SimulatorError(
        'SIM_TRUST_STORE_MISSING',
        `listener ${listener.id} verifies client certificates with trust store ${keys[0] ?? '(none named)'}, whose CA bundle AWS reads from S3; give a local PEM file with --trust-store ${keys[0] ?? 'NAME'}=FILE (or "trustStores" in the config file)`,
      );
    }
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new SimulatorError(
        'SIM_TRUST_STORE_MISSING',
        `trust store ${keys[0]}: cannot read ${file}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  #tlsKey(): Promise<KeyPair> {
    this.#keyPair ??= selfSignedCertificate();
    return this.#keyPair;
  }

  /** Start the given listeners (ids of the model) that the live shell serves. */
  /**
   * Fork the load-balancer nodes. Health inputs the engine applied before (template targets registered
   * at construction) are handed over first; from here on every input is mirrored as it happens.
   */
  async #startNodes(): Promise<void> {
    const early = this.engine.advance().flatMap((e) => (e.type === 'health-input' ? [e] : []));
    // node-address connections go to the node processes: none of their bytes may be read here first
    this.#nodes.pauseOnConnect = true;
    const needsTls = this.#model.listeners.some((l) => l.protocol === 'HTTPS' || l.protocol === 'TLS');
    this.#workers = await NodeWorkers.start({
      count: this.#options.workers ?? 1,
      model: this.#model,
      cookieKey: this.#cookieKey,
      ...(needsTls ? { tls: await this.#tlsKey() } : {}),
      auth: {
        keys: this.authKeys.material,
        ...(this.#testIdp ? { testIdp: this.#testIdp.provider.endpoints } : {}),
      },
      ...(this.#options.idleTimeoutOverrideMs !== undefined
        ? { idleTimeoutOverrideMs: this.#options.idleTimeoutOverrideMs }
        : {}),
      ...(this.#options.connectTimeoutOverrideMs !== undefined
        ? { connectTimeoutMs: this.#options.connectTimeoutOverrideMs }
        : {}),
      forwarding: this.#forwarding(),
      health: early,
      onAccessLog: (entry) => this.#writeAccessLog(entry),
      onExchange: (o) => this.emit('exchange', o),
      onFlow: (f) => this.emit('flow', f),
      onMetrics: (node, rows) => this.metrics.absorb(`node-${node}`, rows),
      onError: (err) => this.emit('error', err),
    });
    // the nodes forward access-log entries, exchanges and flows only while someone takes them
    const update = (event: string | symbol): void => {
      if (event === 'access-log' || event === 'exchange' || event === 'flow') {
        setImmediate(() => this.#workers?.forwarding(this.#forwarding()));
      }
    };
    (this as EventEmitter).on('newListener', update);
    (this as EventEmitter).on('removeListener', update);
  }

  #forwarding(): NodeForwarding {
    return {
      accessLog:
        this.#accessLog.active || typeof this.#options.accessLog === 'function' || this.listenerCount('access-log') > 0,
      exchanges: this.listenerCount('exchange') > 0,
      flows: this.listenerCount('flow') > 0,
    };
  }

  async #startListeners(ids: readonly string[]): Promise<void> {
    const host = this.#options.host ?? '127.0.0.1';
    for (const id of ids) {
      const listener = this.#model.listeners.find((l) => l.id === id);
      const lb = listener ? this.#model.loadBalancers.find((b) => b.id === listener.loadBalancerId) : undefined;
      const kind = lb && listener ? servedAs(lb, listener) : undefined;
      if (!lb || !listener || !kind) continue;
      let port = localPort(listener.port, this.#options.ports ?? 'aws');
      // Several load balancers (e.g. two regional stacks) may use the same listener port: the later
      // ones take the next local port not used by this simulator (80 → 8080, 8081, ...).
      const ours = new Set([...this.#listeners.values()].map((l) => l.port));
      while (port !== 0 && ours.has(port)) port++;
      const tls = listener.protocol === 'HTTPS' || listener.protocol === 'TLS' ? await this.#tlsKey() : undefined;
      const trustStorePem = this.#trustStorePem(listener);
      try {
        // UDP sockets are not handed out by the cluster: UDP and TCP_UDP listeners stay in this process
        if (this.#workers && kind !== 'udp' && kind !== 'tcp_udp') {
          const scheme = ({ HTTP: 'http', HTTPS: 'https', TCP: 'tcp', TLS: 'tls' } as const)[
            listener.protocol as 'HTTP' | 'HTTPS' | 'TCP' | 'TLS'
          ];
          const spec = { id: listener.id, port, host, scheme, ...(trustStorePem ? { trustStorePem } : {}) };
          const [l] = (await this.#workers.listen([spec])).values();
          if (l) this.#listeners.set(listener.id, l);
        } else {
          const l = await this.#host.start(lb, listener, port, host, tls, trustStorePem);
          if (l) this.#listeners.set(listener.id, l);
        }
      } catch (err) {
        throw bindError(err, port, host, `listener ${listener.id} (${listener.protocol}:${listener.port})`);
      }
    }
    this.#workers?.ports(Object.fromEntries([...this.#listeners].map(([id, l]) => [id, l.port])));
    this.#shareAddresses();
  }

  /** One access-log entry (§5.5): the file or stdout, the callback, `access-log` listeners. */
  #writeAccessLog(entry: AccessLogEntry): void {
    const line = formatAccessLogLine(entry);
    this.#accessLog.write(line);
    if (typeof this.#options.accessLog === 'function') this.#options.accessLog(line, entry);
    this.emit('access-log', line, entry);
  }

  /**
   * The address of a load balancer's node (`lb-nodes.ts`): its loopback node address while the DNS server
   * serves node addresses, else the simulator's host. NLB health checks name it in `Host` (§1.1), and it
   * is the source a target sees without client IP preservation (§6.4).
   */
  #nodeAddress(loadBalancerId: string, zone?: string): string {
    // a node has an IP address: a host given by name (`--host localhost`) stands for loopback
    const host = net.isIP(this.#connectHost) ? this.#connectHost : '127.0.0.1';
    if (!this.#dns || !this.#nodes.available) return host;
    const lb = this.#model.loadBalancers.find((b) => b.id === loadBalancerId);
    // the node of that zone (§2.4); else the load balancer's first
    const index = zone !== undefined && lb ? Math.max(0, lb.availabilityZones.indexOf(zone)) : 0;
    return this.#nodes.addressOf(loadBalancerId, index) ?? host;
  }

  /**
   * Where a health check goes (§1.1): the target itself (a Lambda target's local server, an `alb` target's
   * listener). NLB HTTP/HTTPS checks name the probing node (§1.3: every zone's node checks on its own)
   * and the port of the listener that forwards to the target group in `Host`; with proxy protocol v2 on,
   * each check connection begins with a PPv2 LOCAL header.
   */
  #probeTarget(p: ProbeRequest): ProbeTarget {
    const base = this.#targetAddress(p.target, p.port);
    if (p.loadBalancerType !== 'network') return base;
    const tg = this.#model.targetGroups.find((t) => t.id === p.target.targetGroupId);
    const listener = listenerForwardingTo(this.#model, p.target.targetGroupId);
    const hostHeader =
      listener && p.protocol !== 'TCP'
        ? nlbHealthCheckHost(this.#nodeAddress(listener.loadBalancerId, p.availabilityZone), listener.port)
        : undefined;
    return {
      ...base,
      ...(hostHeader ? { hostHeader } : {}),
      ...(tg?.attributes.proxyProtocolV2 ? { proxyProtocol: true } : {}),
    };
  }

  /**
   * Apply a new synthesis of the same app to the running simulator (what `ha-sim start --watch` does
   * after each change). Listeners whose socket settings are unchanged keep their connections, and a
   * changed rule routes the next request; new listeners start, removed ones close; target groups that
   * stay keep their targets and health; new ones get targets as at start-up; removed ones drain for
   * their deregistration delay, then what the simulator started for them stops.
   */
  async reload(source: SimulatorSource): Promise<ReloadSummary> {
    if (this.#stopped) throw new SimulatorError('SIM_NOT_RUNNING', 'the simulator is stopped');
    const raw = modelOf(source);
    checkServable(raw);
    await checkOptions(raw, this.#options);
    const next = withOverrides(raw, this.#options);
    const before = this.#model;
    this.#declared = raw;
    const lbOf = (m: SimModel, l: ListenerModel) => m.loadBalancers.find((b) => b.id === l.loadBalancerId);
    const started: string[] = [];
    const stopped: string[] = [];
    const restarted: string[] = [];
    const rerouted: string[] = [];
    for (const [id, live] of [...this.#listeners]) {
      const old = before.listeners.find((l) => l.id === id);
      const now = next.listeners.find((l) => l.id === id);
      const oldLb = old && lbOf(before, old);
      const newLb = now && lbOf(next, now);
      if (!now || !newLb || !servedAs(newLb, now)) {
        stopped.push(id);
      } else if (!old || !oldLb || !same(socketShape(oldLb, old), socketShape(newLb, now))) {
        restarted.push(id);
      } else {
        if (!same([old.rules, old.defaultActions], [now.rules, now.defaultActions])) rerouted.push(id);
        continue;
      }
      this.#listeners.delete(id);
      await live.close();
    }
    for (const l of next.listeners) {
      const lb = lbOf(next, l);
      if (lb && servedAs(lb, l) && !this.#listeners.has(l.id) && !restarted.includes(l.id)) started.push(l.id);
    }
    const added = next.targetGroups.filter((t) => !before.targetGroups.some((o) => o.id === t.id));
    const removed = before.targetGroups.filter((t) => !next.targetGroups.some((o) => o.id === t.id));

    this.#model = next;
    this.#workers?.model(next);
    this.engine.updateModel(next);
    this.#declareMetrics();
    for (const tg of added) await this.#addTargets(tg);
    for (const tg of removed) {
      // the engine drains the removed group's targets; what the simulator started for them stops after
      const delayMs = tg.attributes.deregistrationDelaySeconds * 1000;
      const timer = setTimeout(() => void this.#releaseTargets(tg.id), delayMs);
      timer.unref();
      this.#retiring.add(timer);
    }
    await this.#startListeners([...restarted, ...started]);
    if (this.#dns) await this.#syncNodes();
    this.kick();
    const summary: ReloadSummary = {
      listenersStarted: started,
      listenersStopped: stopped,
      listenersRestarted: restarted,
      listenersRerouted: rerouted,
      targetGroupsAdded: added.map((t) => t.id),
      targetGroupsRemoved: removed.map((t) => t.id),
    };
    this.emit('reload', summary);
    return summary;
  }

  readonly #retiring = new Set<NodeJS.Timeout>();

  // ------------------------------------------------------------------------------------------------
  // Engine timers and events
  // ------------------------------------------------------------------------------------------------

  /** Run due timers and probes now, then sleep until the engine's next wake-up. */
  kick(): void {
    if (this.#stopped) return;
    try {
      this.engine.advance(Date.now());
      const failed = this.engine.failedZones();
      for (const p of this.engine.probeDue(Date.now())) {
        const zone = failed.length > 0 ? this.engine.targetZone(p.target) : undefined;
        // a target in a failed zone cannot be reached (also one the simulator does not run itself)
        const probe =
          zone !== undefined && failed.includes(zone)
            ? Promise.resolve({ kind: 'error' as const, detail: `EHOSTUNREACH (Availability Zone ${zone} failed)` })
            : this.#prober.probe(p);
        void probe.then((outcome) => {
          if (this.#stopped) return;
          try {
            this.engine.probeResult(p.probeId, outcome);
          } catch (err) {
            this.emit('error', err);
          }
          this.kick();
        });
      }
      for (const p of this.engine.route53ProbeDue(Date.now())) this.#route53Probe(p);
      this.engine.advance(Date.now());
    } catch (err) {
      this.emit('error', err);
    }
    this.#schedule();
  }

  /** Perform one Route 53 checker's probe against the live listeners (§7.2). */
  #route53Probe(p: Route53ProbeRequest): void {
    const check = findHealthCheck(this.#model, p.healthCheckId);
    const target = check ? this.#route53Target(check) : { kind: 'skip' as const, why: 'unknown health check' };
    if (target.kind === 'skip') {
      this.engine.route53ProbeCancelled(p.probeId);
      return;
    }
    if (target.kind === 'fail') {
      this.engine.route53ProbeResult(p.probeId, { error: target.error });
      return;
    }
    void this.#route53Prober.probe(p, target.target).then((o) => {
      if (this.#stopped) return;
      try {
        this.engine.route53ProbeResult(p.probeId, o);
      } catch (err) {
        this.emit('error', err);
      }
      this.kick();
    });
  }

  /**
   * Where a Route 53 health check's probes go (§7.1): a load balancer of the assembly (its DNS name, or a
   * name or node address that DNS gives for it) → that load balancer's listener on the check's port; a
   * loopback address → itself; a name of the hosted zones without an A record → "DNS resolution failed"
   * as on AWS; anything else is not probed (simulator choice `route53_external_endpoint`).
   */
  #route53Target(
    check: Route53HealthCheckModel,
  ):
    | { kind: 'probe'; target: Route53ProbeTarget; describe: string }
    | { kind: 'fail'; error: string }
    | { kind: 'skip'; why: string } {
    const port = check.port ?? (check.type.startsWith('HTTPS') ? 443 : 80);
    const fqdn = check.fullyQualifiedDomainName;
    const toLb = (lbId: string) => {
      const lb = findLoadBalancer(this.#model, lbId);
      if (!lb) return { kind: 'skip' as const, why: `load balancer ${lbId} is not in the assembly` };
      const listener = listenersOf(this.#model, lb).find((l) => l.port === port);
      const live = listener ? this.#listeners.get(listener.id) : undefined;
      if (!listener || !live) {
        return {
          kind: 'fail' as const,
          error: `ECONNREFUSED (no listener the simulator serves on port ${port} of ${lb.id})`,
        };
      }
      const name = fqdn && !fqdn.startsWith('lb:') ? fqdn : loadBalancerDnsName(lb);
      return {
        kind: 'probe' as const,
        target: {
          host: this.#connectHost,
          port: live.port,
          hostHeader: r53HostHeader({ ...check, fullyQualifiedDomainName: name, port }),
          ...(check.enableSni ? { servername: name } : {}),
        },
        describe: `listener ${listener.id} (${this.#connectHost}:${live.port})`,
      };
    };
    const toAddress = (ip: string) => {
      const lbId = this.#nodes.nodeAt(ip)?.loadBalancerId;
      if (lbId) return toLb(lbId);
      if (net.isIP(ip) && (ip.startsWith('127.') || ip === '::1')) {
        return {
          kind: 'probe' as const,
          target: {
            host: ip,
            port,
            hostHeader: r53HostHeader({ ...check, port }),
            ...(check.enableSni && fqdn ? { servername: fqdn } : {}),
          },
          describe: `${ip}:${port}`,
        };
      }
      return {
        kind: 'skip' as const,
        why: `${ip}:${port} is outside this machine (not probed; stays healthy, simulator choice route53_external_endpoint)`,
      };
    };
    if (fqdn?.startsWith('lb:')) return toLb(fqdn.slice(3));
    if (check.ipAddress !== undefined) return toAddress(check.ipAddress);
    if (fqdn === undefined) return { kind: 'skip', why: 'no IPAddress or FullyQualifiedDomainName' };
    const lbId = this.#loadBalancerNamed(fqdn);
    if (lbId) return toLb(lbId);
    if (normalizeDnsName(fqdn) === 'localhost') return toAddress('127.0.0.1');
    const answer = this.resolve(fqdn, 'A');
    if (answer.rcode === 'REFUSED') {
      return {
        kind: 'skip',
        why: `${fqdn} is not in the assembly's hosted zones (not probed; stays healthy, simulator choice route53_external_endpoint)`,
      };
    }
    const a = answer.answers.find((r) => r.type === 'A');
    if (!a) return { kind: 'fail', error: `DNS resolution failed (${fqdn} has no A record)` };
    return toAddress(a.data);
  }

  /** The load balancer whose own DNS name (or `dualstack.` name) this is. */
  #loadBalancerNamed(name: string): string | undefined {
    const n = normalizeDnsName(name).replace(/^dualstack\./, '');
    // DNS names compare without regard to case (a name made from a logical id has capitals)
    return this.#model.loadBalancers.find((lb) => normalizeDnsName(loadBalancerDnsName(lb)) === n)?.id;
  }

  /**
   * The addresses a load balancer's name resolves to: the node addresses of the zones DNS answers with
   * (§1.5: healthy zones whose node is up), else the simulator's host.
   */
  #loadBalancerAddresses(loadBalancerId: string, type: 'A' | 'AAAA'): string[] {
    if (this.#nodes.available)
      return type === 'A' ? this.#nodes.addresses(loadBalancerId, this.engine.dnsZones(loadBalancerId)) : [];
    const host = this.#connectHost;
    return (type === 'A' ? net.isIPv4(host) : net.isIPv6(host)) ? [host] : [];
  }

  #schedule(): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    const wakes = [this.engine.nextWakeAt(), this.engine.route53NextWakeAt()].filter((t) => t !== undefined);
    const next = wakes.length > 0 ? Math.min(...wakes) : undefined;
    if (next === undefined) return;
    const delay = Math.min(Math.max(0, next - Date.now()), 2 ** 31 - 1);
    this.#timer = setTimeout(() => this.kick(), delay);
  }

  #onEngineEvent(e: EngineEvent): void {
    try {
      if (e.type === 'health-input') {
        this.#workers?.health(e);
        return;
      }
      if (e.type === 'route53-health-changed') {
        const { type: _type, ...change } = e;
        this.emit('route53-health', change);
        return;
      }
      if (e.type === 'dns-answer-changed') {
        const { type: _type, ...change } = e;
        this.#dnsChanges.push(change);
        this.emit('dns-answer', change);
        return;
      }
      if (e.type === 'abort-requests' || e.type === 'terminate-connections') {
        this.#host.onEngineEvent(e);
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

  #listener(ref: string): { model: ListenerModel; live?: LiveListener } {
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
    return `${live.scheme}://${this.#urlHost}:${live.port}`;
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

  /**
   * `RegisterTargets` (§2.2): the targets join the group (a target not yet listed is added to
   * `targets(tg)`, after the ones already there) and are health-checked from now on. Used by the admin
   * controls and the AWS API alike. A target's id is the host that serves it.
   */
  registerTargets(targetGroupRef: string, targets: readonly TargetModel[]): void {
    const tg = this.#targetGroup(targetGroupRef);
    this.engine.registerTargets(tg.id, targets);
    const list = this.#targets.get(tg.id) ?? [];
    for (const t of targets) {
      const port = t.port ?? tg.port ?? 0;
      if (list.some((c) => c.target.targetId === t.id && c.target.port === port)) continue;
      const key = { targetGroupId: tg.id, targetId: t.id, port };
      list.push(new TargetControl(this, tg.id, list.length, key, undefined));
    }
    this.#targets.set(tg.id, list);
    this.#updateHostCounts(tg.id);
    this.kick();
  }

  /**
   * `DeregisterTargets` (§2.3): the targets go `draining` for the deregistration delay, then leave; their
   * controls stay in `targets(tg)` (state `unused`) so they can be registered again.
   */
  deregisterTargets(targetGroupRef: string, targets: readonly TargetModel[]): void {
    const tg = this.#targetGroup(targetGroupRef);
    this.engine.deregisterTargets(tg.id, targets);
    this.#updateHostCounts(tg.id);
    this.kick();
  }

  /**
   * Fail an Availability Zone (§1.5, §2.4): in every load balancer its node stops (the node addresses
   * refuse connections and cut open ones; DNS answers leave it out), and the targets in the zone go down:
   * demo backends close their ports, target processes stop, and health checks of every target there,
   * `--targets` addresses included, fail as unreachable. The other nodes find the targets unhealthy
   * through their own checks and move traffic to the zones that are left. Resolves once the zone's sockets
   * are closed.
   */
  async failZone(availabilityZone: string): Promise<void> {
    this.#checkZone(availabilityZone);
    if (this.engine.failedZones().includes(availabilityZone)) return;
    this.engine.failZone(availabilityZone);
    await this.#nodes.setZoneFailed(availabilityZone, true);
    const downed: TargetControl[] = [];
    for (const control of [...this.#targets.values()].flat()) {
      if (this.engine.targetZone(control.target) !== availabilityZone || (!control.backend && !control.process))
        continue;
      if (control.backend?.state.down) continue;
      await control.down();
      downed.push(control);
    }
    this.#downedByZone.set(availabilityZone, downed);
    this.emit('zone', { availabilityZone, failed: true, at: Date.now() });
    this.kick();
  }

  /**
   * The zone comes back: its nodes listen again, the targets `failZone` took down come up, and its
   * nodes probe at once, starting from what the other nodes report (simulator choice `node_recovery_health`).
   */
  async recoverZone(availabilityZone: string): Promise<void> {
    this.#checkZone(availabilityZone);
    if (!this.engine.failedZones().includes(availabilityZone)) return;
    for (const control of this.#downedByZone.get(availabilityZone) ?? []) await control.up();
    this.#downedByZone.delete(availabilityZone);
    this.engine.recoverZone(availabilityZone);
    await this.#nodes.setZoneFailed(availabilityZone, false);
    this.emit('zone', { availabilityZone, failed: false, at: Date.now() });
    this.kick();
  }

  /** The Availability Zones of the load balancers, each with whether it is failed and which nodes it has. */
  zones(): ZoneDescription[] {
    const failed = this.engine.failedZones();
    const names = [...new Set(this.#model.loadBalancers.flatMap((lb) => lb.availabilityZones))];
    return names.map((zone) => ({
      availabilityZone: zone,
      failed: failed.includes(zone),
      loadBalancers: this.#model.loadBalancers
        .filter((lb) => lb.availabilityZones.includes(zone))
        .map((lb) => {
          const address = this.#nodes.available
            ? this.#nodes.addressOf(lb.id, lb.availabilityZones.indexOf(zone))
            : undefined;
          return {
            id: lb.id,
            ...(this.#dns && address ? { nodeAddress: address } : {}),
            inDns: this.engine.dnsZones(lb.id).includes(zone) && !failed.includes(zone),
          };
        }),
    }));
  }

  #checkZone(availabilityZone: string): void {
    const known = [...new Set(this.#model.loadBalancers.flatMap((lb) => lb.availabilityZones))];
    if (!known.includes(availabilityZone)) {
      throw new SimulatorError(
        'SIM_ZONE_NOT_FOUND',
        `no load balancer is in Availability Zone "${availabilityZone}" (known: ${known.join(', ') || 'none'})`,
      );
    }
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
    return this.#waitFor(
      'health',
      (c) => c.targetGroupId === control.targetGroupId && c.index === index && c.to === state,
      options.timeoutMs,
      (ms) =>
        `target ${index} of ${control.targetGroupId} did not reach "${state}" within ${ms} ms (now ${control.health()?.TargetHealth.State ?? 'unknown'})`,
    );
  }

  /**
   * The first `event` whose payload `matches`; rejects with SIM_WAIT_ABORTED after `timeoutMs` (default
   * 30 s), or when the simulator stops. What every `waitFor...` waits with.
   */
  #waitFor<E extends 'health' | 'dns-answer' | 'route53-health'>(
    event: E,
    matches: (payload: SimulatorEvents[E][0]) => boolean,
    timeoutMs = 30_000,
    timedOut: (ms: number) => string,
  ): Promise<SimulatorEvents[E][0]> {
    return new Promise((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off(event, onEvent as never);
        this.#waiters.delete(onStop);
      };
      const onEvent = (payload: SimulatorEvents[E][0]): void => {
        if (!matches(payload)) return;
        cleanup();
        resolve(payload);
      };
      const onStop = (err: Error): void => {
        cleanup();
        reject(err);
      };
      const timer = setTimeout(() => onStop(new SimulatorError('SIM_WAIT_ABORTED', timedOut(timeoutMs))), timeoutMs);
      // TypeScript cannot resolve EventEmitter's listener type for a generic event name
      this.on(event, onEvent as never);
      this.#waiters.add(onStop);
    });
  }

  /**
   * What the simulator's name server answers for a name and type (§7.3–§7.6), with health, routing policy
   * and aliases applied: rcode, records (load balancers as their node addresses), SOA for negative answers.
   */
  resolve(name: string, type = 'A'): DnsAnswer {
    const where: Pick<DnsLookups, 'loadBalancerAddresses' | 'loadBalancerNamed'> = {
      loadBalancerAddresses: (id, t) => this.#loadBalancerAddresses(id, t),
      loadBalancerNamed: (n) => this.#loadBalancerNamed(n),
    };
    return this.engine.dnsQuery(name, type, where);
  }

  /** `host:port` of the DNS server (UDP and TCP), when started. */
  get dnsAddress(): { host: string; port: number } | undefined {
    return this.#dns ? { host: this.#dns.host, port: this.#dns.port } : undefined;
  }

  /** §7.6 every change of a DNS answer since start, oldest first (also emitted as `dns-answer`). */
  dnsAnswerChanges(): readonly DnsAnswerChange[] {
    return [...this.#dnsChanges];
  }

  /**
   * Resolves with the next change of the answer for `name` whose new answer includes `label` (a record's
   * SetIdentifier or id), or at once when the current answer already is `label`. Event based; rejects
   * after `timeoutMs` (default 30 s) or on `stop()`.
   */
  waitForDnsAnswer(
    name: string,
    label: string,
    options: { type?: string; timeoutMs?: number } = {},
  ): Promise<DnsAnswerChange | undefined> {
    const type = options.type ?? 'A';
    const n = normalizeDnsName(name);
    const current = this.engine.resolveRecord(n, type);
    const routing = this.#model.recordSets.filter((r) => normalizeDnsName(r.name) === n && r.type === type);
    const single = routing.every((r) => r.failover !== undefined) || routing.length <= 1;
    if (single && current && (current.setIdentifier ?? current.id) === label) return Promise.resolve(undefined);
    return this.#waitFor(
      'dns-answer',
      (c) => c.name === n && c.recordType === type && c.to.includes(label),
      options.timeoutMs,
      (ms) =>
        `${n} ${type} did not answer "${label}" within ${ms} ms (now ${this.engine.resolveRecord(n, type)?.setIdentifier ?? 'nothing'})`,
    );
  }

  /** Status of a Route 53 health check (§7.2) and what each checker last reported (GetHealthCheckStatus). */
  healthCheckStatus(healthCheckRef: string): { healthy: boolean; observations?: CheckerObservation[] } {
    const hc = findHealthCheck(this.#model, healthCheckRef);
    const id = hc?.id ?? healthCheckRef;
    const healthy = this.engine.healthCheckStatus(id);
    if (healthy === undefined) {
      const known = this.#model.healthChecks.map((h) => h.id).join(', ');
      throw new SimulatorError(
        'SIM_HEALTH_CHECK_NOT_FOUND',
        `no Route 53 health check "${healthCheckRef}" (known: ${known || 'none'})`,
      );
    }
    const observations = this.engine.healthCheckObservations(id);
    return { healthy, ...(observations ? { observations } : {}) };
  }

  /**
   * Resolves when a Route 53 health check is `healthy` (true) or unhealthy (false), at once if it already
   * is. Event based; rejects after `timeoutMs` (default 30 s) or on `stop()`.
   */
  waitForRoute53Health(
    healthCheckRef: string,
    healthy: boolean,
    options: { timeoutMs?: number } = {},
  ): Promise<HealthCheckStatusChange | undefined> {
    const id = findHealthCheck(this.#model, healthCheckRef)?.id ?? healthCheckRef;
    if (this.healthCheckStatus(id).healthy === healthy) return Promise.resolve(undefined);
    return this.#waitFor(
      'route53-health',
      (c) => c.healthCheckId === id && c.healthy === healthy,
      options.timeoutMs,
      (ms) => `Route 53 health check ${id} did not turn ${healthy ? 'healthy' : 'unhealthy'} within ${ms} ms`,
    );
  }

  /** Where the probes of each endpoint health check go (or why they are not sent). */
  route53Targets(): Route53CheckTarget[] {
    return this.#model.healthChecks
      .filter((h) => ['HTTP', 'HTTPS', 'HTTP_STR_MATCH', 'HTTPS_STR_MATCH', 'TCP'].includes(h.type) && !h.disabled)
      .map((h) => {
        const t = this.#route53Target(h);
        return {
          healthCheckId: h.id,
          type: h.type,
          probed: t.kind !== 'skip',
          probes: t.kind === 'probe' ? t.describe : t.kind === 'fail' ? `fails: ${t.error}` : `not probed: ${t.why}`,
        };
      });
  }

  /** The DNS part of `endpoints()`: server, zones, records with their current answers, node addresses. */
  #dnsDescription(): DnsDescription | undefined {
    const dns = this.dnsAddress;
    if (!dns) return undefined;
    const seen = new Set<string>();
    const records = this.#model.recordSets.flatMap((r) => {
      const name = normalizeDnsName(r.name);
      const key = `${name}|${r.type}`;
      if (seen.has(key)) return [];
      seen.add(key);
      const chosen = this.engine.resolveRecord(name, r.type);
      return [
        {
          name,
          type: r.type,
          answer: this.resolve(name, r.type).answers.map((a) => a.data),
          ...(chosen?.setIdentifier ? { record: chosen.setIdentifier } : {}),
        },
      ];
    });
    return {
      server: `${dns.host}:${dns.port}`,
      zones: [...new Set(this.#model.hostedZones.map((z) => z.name))],
      records,
      nodeAddresses: this.#nodes.available,
      loadBalancers: this.#model.loadBalancers.map((lb) => ({
        id: lb.id,
        dnsName: loadBalancerDnsName(lb),
        addresses: this.#loadBalancerAddresses(lb.id, 'A'),
        endpoints: this.#nodes.endpoints(lb.id).map((e) => {
          const l = this.#model.listeners.find((x) => x.id === e.listenerId);
          return {
            listenerId: e.listenerId,
            protocol: l?.protocol ?? '',
            awsPort: l?.port ?? 0,
            availabilityZone: e.availabilityZone,
            address: e.address,
            port: e.port,
          };
        }),
      })),
      healthChecks: this.route53Targets().map((t) => ({
        ...t,
        healthy: this.engine.healthCheckStatus(t.healthCheckId) ?? true,
      })),
    };
  }

  /** Listeners, rules and target groups with live health: what `ha-sim start` prints and saves. */
  endpoints(): EndpointsDescription {
    const dns = this.#dnsDescription();
    return describeEndpoints({
      model: this.#model,
      ...(this.adminUrl ? { adminUrl: this.adminUrl } : {}),
      ...(this.apiUrl ? { apiUrl: this.apiUrl } : {}),
      ...(dns ? { dns } : {}),
      ...(this.#testIdp ? { testIdpUrl: this.#testIdp.url } : {}),
      listenerUrl: (id) => {
        const live = this.#listeners.get(id);
        return live ? `${live.scheme}://${this.#urlHost}:${live.port}` : undefined;
      },
      health: (id) => this.engine.describeTargetHealth(id),
      targets: (id) =>
        (this.#targets.get(id) ?? []).map((c) => {
          const availabilityZone = c.availabilityZone;
          return {
            index: c.index,
            targetId: c.target.targetId,
            port: c.target.port,
            ...(c.name ? { name: c.name } : {}),
            ...(availabilityZone ? { availabilityZone } : {}),
          };
        }),
      failedZones: this.engine.failedZones(),
    });
  }

  /**
   * With `workers`: resolves once every load-balancer node has applied every health input, registration
   * and model change made so far, and has reported its counters and records. At once without nodes.
   */
  async settle(): Promise<void> {
    await this.#workers?.settle();
  }

  /**
   * The load-balancer nodes and what each served, from their last report (about once a second, or
   * `settle()`): with `workers`, one entry per node process; otherwise one entry for this process.
   */
  nodes(): NodeDescription[] {
    const total = (rows: ReadonlyMap<string, Readonly<Record<string, number>>> | undefined, name: string): number => {
      let n = 0;
      for (const r of rows?.values() ?? []) n += r[name] ?? 0;
      return n;
    };
    const [albLb, , nlbLb] = this.metrics.families();
    if (!this.#workers) {
      return [
        {
          node: 1,
          pid: process.pid,
          requests: total(albLb!.rows(), 'RequestCount'),
          flows: total(nlbLb!.rows(), 'NewFlowCount'),
          activeConnections: total(albLb!.rows(), 'ActiveConnectionCount'),
        },
      ];
    }
    return this.#workers.processes().map(({ node, pid }) => {
      const source = `node-${node}`;
      return {
        node,
        pid,
        requests: total(albLb!.reported(source), 'RequestCount'),
        flows: total(nlbLb!.reported(source), 'NewFlowCount'),
        activeConnections: total(albLb!.reported(source), 'ActiveConnectionCount'),
      };
    });
  }

  /** URL of the admin server (dashboard, stats, metrics, controls), when started. */
  get adminUrl(): string | undefined {
    return this.#admin?.url;
  }

  /** The token the admin port's controls require in the `X-HA-Sim-Token` header, when started. */
  get adminToken(): string | undefined {
    return this.#admin?.token;
  }

  /** Where the admin server is bound (`0.0.0.0` when on every interface), when started. */
  get adminAddress(): { readonly host: string; readonly port: number } | undefined {
    return this.#admin?.address;
  }

  /** URL of the AWS-compatible API (`aws --endpoint-url <url>`), when started. */
  get apiUrl(): string | undefined {
    return this.#api?.url;
  }

  /**
   * What the AWS API reads and changes: the declared model, target health, registration, `reload`. One
   * set per simulator, shared by the API server and the admin port's controls.
   */
  #apiContexts(): { elbv2: Elbv2Context; route53: Route53Context } {
    this.#awsApi ??= this.#newApiContexts();
    return this.#awsApi;
  }

  #newApiContexts(): { elbv2: Elbv2Context; route53: Route53Context } {
    const apply = async (model: SimModel): Promise<void> => {
      await this.reload(model);
    };
    const unusedId = (make: () => string): string => {
      const used = (id: string): boolean =>
        this.#declared.listeners.some((l) => l.id === id || l.rules.some((r) => r.id === id)) ||
        this.#declared.recordSets.some((r) => r.id === id);
      let id = make();
      while (used(id)) id = make();
      return id;
    };
    return {
      elbv2: {
        model: () => this.#declared,
        apply,
        describeTargetHealth: (id, targets) => this.engine.describeTargetHealth(id, targets),
        registerTargets: (id, targets) => this.registerTargets(id, targets),
        deregisterTargets: (id, targets) => this.deregisterTargets(id, targets),
        createdTime: new Date(this.#startedAt).toISOString(),
        newRuleId: (listener) => unusedId(() => `${listener.id}/ApiRule${this.#nextApiId++}`),
      },
      route53: {
        model: () => this.#declared,
        apply,
        observations: (hc) =>
          checkerObservations(
            hc,
            this.engine.healthCheckObservations(hc.id),
            this.engine.healthCheckStatus(hc.id),
            Date.now(),
          ),
        now: () => Date.now(),
        changes: new Map(),
        newChangeId: () => `C${randomBytes(10).toString('hex').toUpperCase().slice(0, 13)}`,
        newRecordId: () => unusedId(() => `route53/ApiRecordSet${this.#nextApiId++}`),
      },
    };
  }

  /**
   * Stop everything: listeners, admin server, pools, probes, demo backends, target processes. New
   * connections are refused at once; requests in progress may finish for up to `graceMs` (default 0);
   * what is still running then is cut and logged as a simulator stop (503), never as a target error.
   * Idempotent.
   */
  async stop(options: { graceMs?: number } = {}): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    for (const t of this.#retiring) clearTimeout(t);
    for (const w of [...this.#waiters]) w(new SimulatorError('SIM_NOT_RUNNING', 'simulator stopped'));
    this.#prober.close();
    this.#route53Prober.close();
    await Promise.all([
      this.#workers
        ? this.#workers.stop(options.graceMs ?? 0)
        : Promise.all([...this.#listeners.values()].map((l) => l.close(options.graceMs ?? 0))),
      this.#admin?.close(),
      this.#api?.close(),
      this.#testIdp?.close(),
      this.#dns?.close(),
      this.#nodes.close(),
    ]);
    this.#unsubscribe?.();
    this.#host.close();
    await Promise.all(
      [...new Set([...this.#backends.keys(), ...this.#processes.keys(), ...this.#targets.keys()])].map((id) =>
        this.#releaseTargets(id),
      ),
    );
    await Promise.all([...this.#lambdaRuntimes.values()].map((r) => r.close()));
    await this.#accessLog.close();
  }
}
