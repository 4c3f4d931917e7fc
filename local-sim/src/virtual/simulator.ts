/**
 * Virtual-time shell: drives the same engine as the live proxy with a `VirtualClock`, simulated backends
 * and a seeded `Random`, so scenarios (health transitions, draining, algorithm distributions) run
 * deterministically and instantly. Events wait in a binary heap (time, then scheduling order).
 *
 * Two ways in:
 * - `request()` goes through the listener's edge (`core/exchange.ts`), the same exchange as the live
 *   proxy: §5.2–§5.4 checks, rules, stickiness, gateway errors, cookies, access log and metrics. Tests
 *   that compare with the live simulator use it.
 * - `send()` asks the engine for the routing decision only (rules, balancing, stickiness, health,
 *   draining) and completes it with the same §5.4 gateway-error mapping and §3.2 cookie rule, without
 *   headers, access log or metrics: a request costs the engine's routing plus two heap operations, so
 *   scenarios run millions of requests.
 */
import { formatAccessLogLine, type AccessLogEntry } from '../core/access-log';
import { createEngine, type Engine, type EngineOptions } from '../core/engine';
import { ListenerEdge, type EdgeRequest, type Exchange, type ExchangeObservation } from '../core/exchange';
import { gatewayError, type UpstreamFailureKind } from '../core/gateway-errors';
import { InFlightTable } from '../core/in-flight';
import { Attachment } from '../core/target-key';
import type { HeaderList } from '../core/headers';
import { Metrics } from '../core/metrics';
import { seededRandom } from '../core/random';
import { exchangeRecorder } from '../core/record';
import { loadBalancerSetCookies } from '../core/stickiness';
import { findListener, findLoadBalancer } from '../model/lookup';
import { loadBalancerArn, loadBalancerDimension, targetGroupArn, targetGroupDimension } from '../model/ids';
import type { IdpCall, IdpReply } from '../core/authenticate';
import { createAuthKeys, type LoadBalancerAuthKeys } from '../idp/alb-keys';
import { TestIdentityProvider } from '../idp/test-idp';
import type { R53ProbeObservation } from '../core/route53';
import type { Route53ProbeRequest } from '../core/route53-checks';
import type {
  EngineEvent,
  ForwardDecision,
  HttpRequestInfo,
  ProbeOutcome,
  RouteDecision,
  TargetKey,
} from '../core/types';
import type { SimModel } from '../model/types';
import { healthyBackend, type Backend } from './backend';

/** Every target of a failed zone: connections refused. */
const REFUSING: Backend = { healthCheck: () => ({ kind: 'refuse' }), request: () => ({ kind: 'refuse' }) };
import { VirtualClock } from './clock';
import { EventQueue } from './event-queue';

export interface VirtualSimulatorOptions {
  readonly seed?: number;
  readonly cookieKey?: string;
  readonly start?: number;
  readonly registrationDelayMs?: number;
  /** Backend used for targets without their own (default: healthy, 1 ms). */
  readonly defaultBackend?: Backend;
  /** What-if: replace target groups' algorithms (see `EngineOptions.balancerOverride`). Not AWS behaviour. */
  readonly balancerOverride?: EngineOptions['balancerOverride'];
  /** Register the template's targets at start (default true; scenarios that bring their own pass false). */
  readonly registerTemplateTargets?: boolean;
  /**
   * §4.3 authenticate actions: who answers the load balancer's token and user-info calls. Default: the
   * simulator's test identity provider (`testIdp`), whose endpoints replace the configured ones (as
   * `ha-sim --test-idp` does). A function keeps the actions' own endpoints and answers each call.
   */
  readonly identityProvider?: (call: IdpCall) => IdpReply;
}

/** What a client saw for one request in virtual time. */
export interface VirtualResponse {
  readonly decision: RouteDecision;
  /** Final status, once known (502 when aborted by deregistration, §2.3). */
  status?: number;
  /** Set-Cookie values the client receives. */
  setCookies: string[];
  done: boolean;
  /** NLB: the connection was reset by the load balancer (§6.6). */
  reset?: boolean;
  /** The node the request was sent to is in a failed zone: nothing accepted the connection. */
  refused?: boolean;
  /** Response headers the client received (ELB-generated, or the target's with the load balancer's cookies). */
  headers: HeaderList;
  /** Virtual time the request was sent and (once done) completed. */
  readonly sentAt: number;
  doneAt?: number;
  /** What the target received (path and query, headers), when the request was forwarded. */
  forwarded?: { readonly path: string; readonly headers: HeaderList };
}

/** How one request ended (the callback form of `VirtualResponse`, for workloads of millions of requests). */
export interface VirtualOutcome {
  readonly decision: RouteDecision;
  /** Status the client got; undefined when the load balancer reset the connection. */
  readonly status?: number;
  /**
   * Why it ended so: `target` (the target answered, whatever the status), an upstream failure of §5.4
   * (`connect_refused`, `target_idle_timeout`, `deregistration_delay_expired`), `connection_reset`, or the
   * load balancer's own answer (`redirect`, `fixed-response`, or the error decision's reason such as
   * `NoRegisteredTargets`).
   */
  readonly cause: string;
  /** Set-Cookie values the client receives with the response. */
  readonly setCookies: readonly string[];
  readonly sentAt: number;
  readonly doneAt: number;
}

/** A forwarded request waiting for its target. */
interface Flight {
  readonly decision: ForwardDecision;
  readonly backend: Backend;
  readonly sentAt: number;
  readonly done?: (o: VirtualOutcome) => void;
  /** How it will end, once its time comes (the flight itself waits in the queue: no closure per request). */
  status: number;
  cause: string;
  connectionError: boolean;
  cookieNames?: readonly string[];
}

/** Each target's backend, kept on the engine's key (see `Attachment`). */
const BACKEND = new Attachment<Backend>();

/** A callback of the workload (`scheduleWorkload`): it sends requests and changes nothing else. */
class WorkloadCallback {
  constructor(readonly run: () => void) {}
}

/** What waits in the event queue: a callback, a workload callback, or a forwarded request due to end. */
type QueueItem = (() => void) | WorkloadCallback | Flight;

export class VirtualSimulator {
  readonly clock: VirtualClock;
  readonly engine: Engine;
  readonly events: EngineEvent[] = [];
  readonly #backends = new Map<string, Backend>();
  /** Backends by the engine's `TargetKey` object (the engine hands out one per target): no string keys per request. */
  readonly #backendByKey = new Map<TargetKey, Backend>();
  /** Owner of the backends kept on the engine's keys: a new object whenever `setBackend` changes them. */
  #backendsVersion: object = {};
  readonly #default: Backend;
  readonly #queue = new EventQueue<QueueItem>();
  readonly #r53 = new Map<string, (now: number, probe: Route53ProbeRequest) => R53ProbeObservation>();
  /** Next answered zone a DNS-resolving client uses, per load balancer (`clientZone`). */
  readonly #clientTurn = new Map<string, number>();
  /** Zones failed with `failZone` (checked per request only while there are any). */
  readonly #failedZones = new Set<string>();
  /** Requests of `send()` waiting for their target. */
  readonly #open = new InFlightTable<Flight>();
  readonly #workload = new WeakMap<() => void, WorkloadCallback>();
  /** Requests of `request()` waiting for their target, with their exchange. */
  readonly #exchanges = new Map<number, { readonly out: VirtualResponse; readonly ex: Exchange }>();
  readonly #edges = new Map<string, ListenerEdge>();
  readonly #random: ReturnType<typeof seededRandom>;
  readonly #idleMs = new Map<string, number>();
  readonly #tickListeners: ((now: number) => void)[] = [];
  readonly #identityProvider?: (call: IdpCall) => IdpReply;
  #testIdp?: TestIdentityProvider;
  #authKeys?: LoadBalancerAuthKeys;
  /**
   * Route 53's next wake-up, asked again only after this shell sent probes or delivered a result (the
   * only things that bring it earlier), rather than for every event.
   */
  #r53WakeAt: number | undefined = undefined;
  /** What `requestFinished` is told, rewritten for each request (the engine reads it at once). */
  readonly #outcome: { status?: number; connectionError?: boolean } = {};
  #r53Stale = true;
  /** The same CloudWatch counters as the live simulator's (§5.6), for requests through `request()`. */
  readonly metrics = new Metrics();
  /** Access-log entries of every exchange of `request()`, in order (§5.5). */
  readonly accessLog: AccessLogEntry[] = [];
  /** Every finished exchange of `request()`, as the recorder saw it. */
  readonly exchanges: ExchangeObservation[] = [];
  readonly #recorder = exchangeRecorder(
    this.metrics,
    { active: () => true, write: (entry) => this.accessLog.push(entry) },
    (o) => (o.scheme === 'https' ? this.#listenerOf(o)?.certificateArns[0] : undefined),
    (o) => this.exchanges.push(o),
  );

  constructor(model: SimModel, options: VirtualSimulatorOptions = {}) {
    this.clock = new VirtualClock(options.start ?? 0);
    this.#default = options.defaultBackend ?? healthyBackend();
    this.#random = seededRandom(options.seed ?? 1);
    if (options.identityProvider) this.#identityProvider = options.identityProvider;
    this.engine = createEngine(model, {
      clock: this.clock,
      random: this.#random,
      cookieKey: options.cookieKey ?? 'virtual-cookie-key',
      registrationDelayMs: options.registrationDelayMs,
      balancerOverride: options.balancerOverride,
      registerTemplateTargets: options.registerTemplateTargets,
    });
    // every load balancer and target group counts from zero, as in the live simulator
    for (const lb of model.loadBalancers) {
      this.metrics.declare(
        loadBalancerDimension(lb),
        model.targetGroups.filter((t) => t.loadBalancerIds.includes(lb.id)).map(targetGroupDimension),
        lb.type,
      );
    }
    this.engine.onEvent((e) => {
      this.events.push(e);
      if (e.type === 'abort-requests' || e.type === 'terminate-connections') {
        for (const id of e.requestIds) this.#ended(id, e.type === 'abort-requests', e.at);
      }
    });
  }

  /** The engine gave up on request `id`: §2.3 deregistration delay over (`aborted`), or §6.6 reset. */
  #ended(id: number, aborted: boolean, at: number): void {
    const f = this.#open.get(id);
    if (f) {
      this.#open.delete(id);
      f.done?.({
        decision: f.decision,
        status: aborted ? gatewayError('deregistration_delay_expired').status : undefined,
        cause: aborted ? gatewayError('deregistration_delay_expired').kind : 'connection_reset',
        setCookies: f.decision.setCookies,
        sentAt: f.sentAt,
        doneAt: at,
      });
      return;
    }
    const open = this.#exchanges.get(id);
    if (!open) return;
    this.#exchanges.delete(id);
    const r = open.out;
    if (aborted) {
      // the exchange decides what the client gets (502)
      const response = open.ex.upstreamFailed('deregistration_delay_expired');
      r.status = response.status;
      r.headers = response.headers;
      open.ex.finish({ receivedBytes: 0, sentBytes: Buffer.byteLength(response.body) });
    } else {
      r.reset = true;
    }
    r.done = true;
    r.doneAt = at;
  }

  /**
   * The client of `response` (from `request()`) goes away before its response (§5.4 460): logged,
   * nothing is answered. Only a response still in flight can be abandoned.
   */
  disconnect(response: VirtualResponse): void {
    for (const [id, open] of this.#exchanges) {
      if (open.out !== response) continue;
      this.#exchanges.delete(id);
      open.ex.clientGone({ receivedBytes: 0 });
      response.status = 460;
      response.done = true;
      response.doneAt = this.clock.now();
      return;
    }
  }

  /** Access-log lines (§5.5), formatted as the live simulator writes them. */
  accessLogLines(): string[] {
    return this.accessLog.map(formatAccessLogLine);
  }

  #listenerOf(o: ExchangeObservation) {
    const lb = this.engine.model.loadBalancers.find((b) => loadBalancerDimension(b) === o.loadBalancer);
    return this.engine.model.listeners.find((l) => l.loadBalancerId === lb?.id && l.port === o.listenerPort);
  }

  /** The edge of one ALB listener (the same exchange code as the live proxy). */
  #edge(loadBalancerId: string, listenerId: string): ListenerEdge | undefined {
    const lb = findLoadBalancer(this.engine.model, loadBalancerId);
    if (!lb) return undefined;
    const byRef = findListener(this.engine.model, listenerId);
    const listener =
      byRef && byRef.loadBalancerId === lb.id
        ? byRef
        : this.engine.model.listeners.find((l) => l.loadBalancerId === lb.id && String(l.port) === listenerId);
    if (!listener) return undefined;
    let edge = this.#edges.get(listener.id);
    if (!edge) {
      const random = this.#random;
      edge = new ListenerEdge({
        engine: this.engine,
        loadBalancer: lb,
        listener,
        clock: this.clock,
        randomHex: (n) => {
          let out = '';
          while (out.length < n) out += Math.floor(random.next() * 16).toString(16);
          return out;
        },
        loadBalancerDimension: loadBalancerDimension(lb),
        targetGroup: (id) => {
          const tg = this.engine.model.targetGroups.find((t) => t.id === id);
          return tg ? { model: tg, dimension: targetGroupDimension(tg), arn: targetGroupArn(tg) } : undefined;
        },
        recorder: this.#recorder,
        auth: {
          keys: () => this.authKeys,
          loadBalancerArn: loadBalancerArn(lb),
          ...(this.#identityProvider ? {} : { endpoints: () => this.testIdp.endpoints }),
        },
      });
      this.#edges.set(listener.id, edge);
    }
    return edge;
  }

  /** `n` hex digits from the seeded randomness (trace ids, codes of the test identity provider). */
  #hex(n: number): string {
    let out = '';
    while (out.length < n) out += Math.floor(this.#random.next() * 16).toString(16);
    return out;
  }

  /**
   * SIMULATOR CONVENIENCE, NOT AWS: the test identity provider that answers authenticate actions
   * (§4.3) unless `identityProvider` was given; its `handle` plays the browser's side of a login.
   */
  get testIdp(): TestIdentityProvider {
    this.#testIdp ??= new TestIdentityProvider({
      baseUrl: 'https://idp.sim.test',
      now: () => this.clock.now(),
      randomHex: (n) => this.#hex(n),
    });
    return this.#testIdp;
  }

  /** The load balancer's authentication keys (§4.3: `x-amzn-oidc-data` is signed with `kid`). */
  get authKeys(): LoadBalancerAuthKeys {
    this.#authKeys ??= createAuthKeys({ secret: Buffer.from(this.#hex(64), 'hex') });
    return this.#authKeys;
  }

  /** §4.3 the load balancer's calls to the identity provider, answered at once. */
  #idp(call: IdpCall): IdpReply {
    if (this.#identityProvider) return this.#identityProvider(call);
    const url = new URL(call.url);
    if (url.origin !== 'https://idp.sim.test') return { kind: 'unreachable', detail: `${call.url}: no such host` };
    const r = this.testIdp.handle({
      method: call.method,
      path: url.pathname,
      query: url.search.slice(1),
      headers: Object.fromEntries(call.headers),
      body: call.body ?? '',
    });
    return { kind: 'response', status: r.status, body: r.body };
  }

  /** §7.6 every change of a DNS answer so far, with when clients caching the previous answer move. */
  dnsAnswerChanges(): Extract<EngineEvent, { type: 'dns-answer-changed' }>[] {
    return this.events.filter((e) => e.type === 'dns-answer-changed');
  }

  /** Use `backend` for a target (`id` or `id:port`). */
  setBackend(target: string, backend: Backend): this {
    this.#backends.set(target, backend);
    if (this.#backendByKey.size > 0) this.#backendByKey.clear();
    this.#backendsVersion = {};
    return this;
  }

  /**
   * What Route 53 probes of a health check (id) observe. Default: a check on a modelled load balancer
   * sees 200 while `loadBalancerHealthy` (§7.5) and 503 otherwise; any other endpoint answers 200.
   * Each probe is asked separately, so several checker locations may see different things.
   */
  setRoute53Endpoint(
    healthCheckId: string,
    observe: (now: number, probe: Route53ProbeRequest) => R53ProbeObservation,
  ): this {
    this.#r53.set(healthCheckId, observe);
    return this;
  }

  /** Call `listener` after every step in which the engine's timers ran (probes sent, deadlines passed). */
  onTick(listener: (now: number) => void): this {
    this.#tickListeners.push(listener);
    return this;
  }

  /** Replace the model (e.g. new forward weights) without losing state; see `Engine.updateModel`. */
  updateModel(model: SimModel): void {
    this.engine.updateModel(model);
    this.#idleMs.clear();
    this.#edges.clear();
    this.#r53Stale = true;
  }

  #observe(p: Route53ProbeRequest): R53ProbeObservation {
    const custom = this.#r53.get(p.healthCheckId);
    if (custom) return custom(this.clock.now(), p);
    const up = p.loadBalancerId === undefined || this.engine.loadBalancerHealthy(p.loadBalancerId);
    return { connectMs: 1, status: up ? 200 : 503, responseMs: 1, bodyMs: 1, body: p.searchString ?? '' };
  }

  backendOf(key: TargetKey): Backend {
    if (this.#failedZones.size > 0) {
      const zone = this.engine.targetZone(key);
      // §2.4 a target in a failed zone is unreachable: connections are refused
      if (zone !== undefined && this.#failedZones.has(zone)) return REFUSING;
    }
    let b = BACKEND.get(key, this.#backendsVersion) ?? this.#backendByKey.get(key);
    if (!b) {
      b = this.#backends.get(`${key.targetId}:${key.port}`) ?? this.#backends.get(key.targetId) ?? this.#default;
      if (!BACKEND.set(key, this.#backendsVersion, b)) this.#backendByKey.set(key, b);
    }
    return b;
  }

  /**
   * An Availability Zone fails (§1.5, §2.4): its load-balancer nodes stop (no probes, no requests, out of
   * DNS) and every target in it refuses connections, so the other nodes' health checks find them down.
   */
  failZone(availabilityZone: string): this {
    this.engine.failZone(availabilityZone);
    this.#failedZones.add(availabilityZone);
    return this;
  }

  /** The zone comes back: its nodes probe and route again and its targets answer as their backends say. */
  recoverZone(availabilityZone: string): this {
    this.engine.recoverZone(availabilityZone);
    this.#failedZones.delete(availabilityZone);
    return this;
  }

  /** The zones whose node addresses the load balancer's DNS name answers with now (§1.5). */
  dnsZones(loadBalancerId: string): string[] {
    return this.engine.dnsZones(loadBalancerId);
  }

  /**
   * The zone of the node a client reaches that resolves the load balancer's name for each request: the
   * zones DNS answers with, in turn. Pass it as `request(..., { availabilityZone })`.
   */
  clientZone(loadBalancerId: string): string | undefined {
    const zones = this.engine.dnsZones(loadBalancerId);
    if (zones.length === 0) return undefined;
    const turn = this.#clientTurn.get(loadBalancerId) ?? 0;
    this.#clientTurn.set(loadBalancerId, turn + 1);
    return zones[turn % zones.length];
  }

  /** Run `run` at virtual time `at` (not before now). */
  schedule(at: number, run: () => void): void {
    this.#queue.push(Math.max(at, this.clock.now()), run);
  }

  /**
   * Like `schedule`, for a callback that only sends requests (a workload's arrivals): since requests
   * cannot change target health or DNS answers, the engine is not re-evaluated after it, which
   * `schedule`'s callbacks (probe results, timeline events) need.
   */
  scheduleWorkload(at: number, run: () => void): void {
    let cb = this.#workload.get(run);
    if (!cb) this.#workload.set(run, (cb = new WorkloadCallback(run)));
    this.#queue.push(Math.max(at, this.clock.now()), cb);
  }

  #engineWake(): number {
    if (this.#r53Stale) {
      this.#r53WakeAt = this.engine.route53NextWakeAt();
      this.#r53Stale = false;
    }
    return Math.min(this.engine.nextWakeAt() ?? Infinity, this.#r53WakeAt ?? Infinity);
  }

  /** Run everything (probes, responses, timers) up to and including time `t`, in time order. */
  runUntil(t: number): void {
    for (;;) {
      const wake = this.#engineWake();
      const next = Math.min(wake, this.#queue.peekAt());
      if (next > t) break;
      if (next > this.clock.now()) this.clock.set(next);
      const now = this.clock.now();
      // Callbacks (probe results, timeline events) can change health, and with it DNS answers, which
      // the engine re-evaluates when it advances (§7.3: at once); requests sent or finished cannot.
      let callbacks = false;
      while (this.#queue.peekAt() <= now) {
        const item = this.#queue.pop()!;
        if (typeof item === 'function') {
          item();
          callbacks = true;
        } else if (item instanceof WorkloadCallback) item.run();
        else this.#finish(item, item.status, item.cause, item.connectionError, item.cookieNames);
      }
      if (callbacks || wake <= now) this.#tick();
    }
    if (t > this.clock.now()) this.clock.set(t);
    this.#tick();
  }

  /** Run for `ms` more milliseconds. */
  runFor(ms: number): void {
    this.runUntil(this.clock.now() + ms);
  }

  /** Fire the engine's due timers and send the probes that are due. */
  #tick(): void {
    this.engine.advance();
    this.#sendProbes();
    this.#r53Stale = true;
    const now = this.clock.now();
    for (const l of this.#tickListeners) l(now);
  }

  #sendProbes(): void {
    for (const p of this.engine.route53ProbeDue()) {
      const o = this.#observe(p);
      const latency = (o.connectMs ?? 0) + (o.responseMs ?? 0);
      // no connection and no error: nothing ever answers, so the probe times out in the engine
      if ((o.connectMs === undefined && o.error === undefined) || latency >= p.timeoutMs) continue;
      this.schedule(this.clock.now() + latency, () => {
        this.engine.route53ProbeResult(p.probeId, o);
        this.#r53Stale = true;
      });
    }
    for (const probe of this.engine.probeDue()) {
      const res = this.backendOf(probe.target).healthCheck(this.clock.now(), probe);
      if (res.kind === 'hang') continue;
      let outcome: ProbeOutcome;
      let latency = 0;
      if (res.kind === 'refuse') outcome = { kind: 'error', detail: 'ECONNREFUSED' };
      else if (res.kind === 'reset') {
        latency = res.latencyMs ?? 0;
        outcome = { kind: 'error', detail: 'ECONNRESET' };
      } else {
        latency = res.latencyMs ?? 0;
        outcome = probe.protocol === 'TCP' ? { kind: 'connected' } : { kind: 'response', status: res.status };
      }
      if (latency >= probe.timeoutMs) continue; // the engine records the timeout at the deadline
      this.schedule(this.clock.now() + latency, () => this.engine.probeResult(probe.probeId, outcome));
    }
  }

  /** The ALB idle timeout of a load balancer (§5.2): a target silent for longer gets the client a 504. */
  #idleTimeoutMs(loadBalancerId: string): number {
    let ms = this.#idleMs.get(loadBalancerId);
    if (ms === undefined) {
      const lb = this.engine.model.loadBalancers.find((l) => l.id === loadBalancerId);
      ms = (lb?.attributes.idleTimeoutSeconds ?? 60) * 1000;
      this.#idleMs.set(loadBalancerId, ms);
    }
    return ms;
  }

  /**
   * Send one request now; `done` is called once it has ended (at once for answers of the load balancer
   * itself, after the target's latency otherwise; run the clock to get there). Returns the decision.
   */
  send(
    loadBalancerId: string,
    listenerId: string,
    request: HttpRequestInfo,
    done?: (outcome: VirtualOutcome) => void,
  ): RouteDecision {
    const decision = this.engine.route(loadBalancerId, listenerId, request);
    const now = this.clock.now();
    if (decision.kind !== 'forward') {
      const cause =
        decision.kind === 'error' ? decision.reason : decision.kind === 'fixed' ? 'fixed-response' : 'redirect';
      done?.({ decision, status: decision.status, cause, setCookies: [], sentAt: now, doneAt: now });
      return decision;
    }
    const backend = this.backendOf(decision.target);
    const flight: Flight = { decision, backend, sentAt: now, done, status: 0, cause: 'target', connectionError: false };
    this.#open.set(decision.requestId, flight);
    const res = backend.request(now, request);
    if (res.kind === 'refuse') {
      const e = gatewayError('connect_refused');
      this.#finish(flight, e.status, e.kind, true);
      return decision;
    }
    const idle = this.#idleTimeoutMs(decision.loadBalancerId);
    const latency = res.kind === 'hang' ? Infinity : (res.latencyMs ?? 0);
    if (latency > idle) {
      // §5.4: nothing from the target within the idle timeout → 504
      const e = gatewayError('target_idle_timeout');
      flight.status = e.status;
      flight.cause = e.kind;
      flight.connectionError = true;
      this.#queue.push(now + idle, flight);
    } else if (res.kind === 'reset') {
      // the target resets the connection before answering (§5.4 502)
      const e = gatewayError('target_closed', 'ECONNRESET');
      flight.status = e.status;
      flight.cause = e.kind;
      flight.connectionError = true;
      if (latency <= 0) this.#finish(flight, e.status, e.kind, true);
      else this.#queue.push(now + latency, flight);
    } else if (res.kind === 'response') {
      const names = res.setCookieNames;
      if (latency <= 0) this.#finish(flight, res.status, 'target', false, names);
      else {
        flight.status = res.status;
        flight.cookieNames = names;
        this.#queue.push(now + latency, flight);
      }
    }
    return decision;
  }

  #finish(
    flight: Flight,
    status: number,
    cause: string,
    connectionError: boolean,
    cookieNames?: readonly string[],
  ): void {
    const d = flight.decision;
    if (!this.#open.delete(d.requestId)) return; // aborted (502) or reset already
    const now = this.clock.now();
    flight.backend.finished?.(now);
    const setCookies = loadBalancerSetCookies(d, !!d.appCookie && !!cookieNames?.includes(d.appCookie.cookieName));
    const outcome = this.#outcome;
    outcome.status = status;
    outcome.connectionError = connectionError;
    this.engine.requestFinished(d.requestId, outcome);
    flight.done?.({ decision: d, status, cause, setCookies, sentAt: flight.sentAt, doneAt: now });
  }

  /**
   * Send one request now through the listener's edge (the same exchange as the live proxy: §5.2–§5.4
   * checks, rules, stickiness, gateway errors, cookies); the response completes after the backend's
   * latency (run the clock to see it). `request.availabilityZone` names the load-balancer node that takes
   * it (§2.4); without it the load balancer routes as one whole.
   */
  request(loadBalancerId: string, listenerId: string, request: Partial<HttpRequestInfo> = {}): VirtualResponse {
    const req: HttpRequestInfo = {
      method: 'GET',
      path: '/',
      query: '',
      headers: { host: 'example.com' },
      sourceIp: '203.0.113.10',
      protocol: 'http',
      port: 80,
      ...request,
    };
    const edge = this.#edge(loadBalancerId, listenerId);
    const zone = req.availabilityZone;
    if (zone !== undefined && this.engine.failedZones().includes(zone)) {
      // the node of a failed zone accepts no connection
      return {
        decision: {
          kind: 'error',
          loadBalancerId,
          listenerId,
          matchedRulePriority: -1,
          status: 0,
          reason: 'ZoneFailed',
        },
        setCookies: [],
        headers: [],
        done: true,
        refused: true,
        sentAt: this.clock.now(),
        doneAt: this.clock.now(),
      };
    }
    if (!edge) {
      // no such listener: what the engine answers (ListenerNotFound), as before the edge existed
      const decision = this.engine.route(loadBalancerId, listenerId, req);
      return {
        decision,
        status: decision.kind === 'forward' ? undefined : decision.status,
        setCookies: [],
        headers: [],
        done: true,
        sentAt: this.clock.now(),
        doneAt: this.clock.now(),
      };
    }
    const headers: HeaderList = [];
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined) continue;
      for (const value of Array.isArray(v) ? v : [v as string]) headers.push([k, value]);
    }
    if (req.host !== undefined && !headers.some(([k]) => k.toLowerCase() === 'host'))
      headers.unshift(['host', req.host]);
    const edgeRequest: EdgeRequest = {
      method: req.method,
      target: req.query ? `${req.path}?${req.query}` : req.path,
      httpVersion: '1.1',
      rawVersion: 'HTTP/1.1',
      headers,
      client: { address: req.sourceIp, port: 40000 },
      ...(zone !== undefined ? { availabilityZone: zone } : {}),
    };
    const ex = edge.begin(edgeRequest);
    let step = ex.step;
    // §4.3: the load balancer's calls to the identity provider take no virtual time
    while (step.kind === 'idp') step = ex.idpAnswered(this.#idp(step.call));
    const decision: RouteDecision = ex.decision ?? {
      kind: 'error',
      loadBalancerId,
      listenerId,
      matchedRulePriority: -1,
      status: step.kind === 'respond' ? step.response.status : 500,
      reason: ex.cause ?? 'RejectedBeforeRouting',
    };
    const out: VirtualResponse = {
      decision,
      setCookies: [],
      headers: [],
      done: true,
      sentAt: this.clock.now(),
      doneAt: this.clock.now(),
    };
    const cookiesOf = (h: HeaderList): string[] =>
      h.filter(([k]) => k.toLowerCase() === 'set-cookie').map(([, v]) => v);
    if (step.kind === 'respond') {
      out.status = step.response.status;
      out.headers = step.response.headers;
      out.setCookies = cookiesOf(step.response.headers);
      ex.finish({ receivedBytes: 0, sentBytes: Buffer.byteLength(step.response.body) });
      return out;
    }
    out.forwarded = { path: step.upstream.path, headers: step.upstream.headers };
    const backend = this.backendOf(step.upstream.target);
    const res = backend.request(this.clock.now(), req);
    const requestId = step.upstream.requestId;
    const finish = (status: number, names: readonly string[] = []): void => {
      if (!this.#exchanges.has(requestId)) return; // aborted (§2.3) or already finished
      this.#exchanges.delete(requestId);
      backend.finished?.(this.clock.now());
      const relay = ex.upstreamResponse(
        status,
        names.map((n) => ['set-cookie', `${n}=1`] as [string, string]),
      );
      const response = relay.kind === 'relay' ? relay : relay.response;
      out.status = response.status;
      out.headers = response.headers;
      out.setCookies = cookiesOf(response.headers).filter((c) => !names.some((n) => c.startsWith(`${n}=`)));
      out.done = true;
      out.doneAt = this.clock.now();
      ex.finish({ receivedBytes: 0, sentBytes: 0 });
    };
    out.done = false;
    out.doneAt = undefined;
    this.#exchanges.set(requestId, { out, ex });
    /** The exchange could not be completed (§5.4); it says what the client gets. */
    const failed = (kind: UpstreamFailureKind, detail?: string): void => {
      if (!this.#exchanges.has(requestId)) return;
      this.#exchanges.delete(requestId);
      backend.finished?.(this.clock.now());
      const response = ex.upstreamFailed(kind, detail);
      out.status = response.status;
      out.headers = response.headers;
      out.done = true;
      out.doneAt = this.clock.now();
      ex.finish({ receivedBytes: 0, sentBytes: Buffer.byteLength(response.body) });
    };
    // §5.2: a target that sends nothing for the load balancer's idle timeout gets a 504
    const idleMs = this.#idleTimeoutMs(decision.loadBalancerId);
    if (res.kind === 'hang') {
      this.schedule(this.clock.now() + idleMs, () => failed('target_idle_timeout'));
      return out;
    }
    if (res.kind === 'refuse') {
      failed('connect_refused', 'ECONNREFUSED');
      return out;
    }
    if (res.kind === 'reset') {
      this.schedule(this.clock.now() + (res.latencyMs ?? 0), () => failed('target_closed', 'ECONNRESET'));
      return out;
    }
    const latency = res.latencyMs ?? 0;
    if (latency <= 0) finish(res.status, res.setCookieNames);
    else this.schedule(this.clock.now() + latency, () => finish(res.status, res.setCookieNames));
    return out;
  }
}
