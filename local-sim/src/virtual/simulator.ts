/**
 * Virtual-time shell: drives the same engine as the live proxy with a `VirtualClock`, simulated backends
 * and a seeded `Random`, so scenarios (health transitions, draining, algorithm distributions) run
 * deterministically and instantly. Events wait in a binary heap (time, then scheduling order); a
 * request costs the engine's routing plus two heap operations, whatever the number of targets.
 */
import { gatewayError } from '../core/gateway-errors';
import { createEngine, type Engine, type EngineOptions } from '../core/engine';
import { seededRandom } from '../core/random';
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
  /** Virtual time the request was sent and (once done) completed. */
  readonly sentAt: number;
  doneAt?: number;
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

/** What waits in the event queue: a callback, or a forwarded request due to end. */
type QueueItem = (() => void) | Flight;

export class VirtualSimulator {
  readonly clock: VirtualClock;
  readonly engine: Engine;
  readonly events: EngineEvent[] = [];
  readonly #backends = new Map<string, Backend>();
  /** Backends by the engine's `TargetKey` object (the engine hands out one per target): no string keys per request. */
  readonly #backendByKey = new Map<TargetKey, Backend>();
  readonly #default: Backend;
  readonly #queue = new EventQueue<QueueItem>();
  readonly #r53 = new Map<string, (now: number, probe: Route53ProbeRequest) => R53ProbeObservation>();
  readonly #open = new Map<number, Flight>();
  readonly #idleMs = new Map<string, number>();
  readonly #tickListeners: ((now: number) => void)[] = [];
  /**
   * Route 53's next wake-up, asked again only after this shell sent probes or delivered a result (the
   * only things that bring it earlier), rather than for every event.
   */
  #r53WakeAt: number | undefined = undefined;
  /** What `requestFinished` is told, rewritten for each request (the engine reads it at once). */
  readonly #outcome: { status?: number; connectionError?: boolean } = {};
  #r53Stale = true;

  constructor(model: SimModel, options: VirtualSimulatorOptions = {}) {
    this.clock = new VirtualClock(options.start ?? 0);
    this.#default = options.defaultBackend ?? healthyBackend();
    this.engine = createEngine(model, {
      clock: this.clock,
      random: seededRandom(options.seed ?? 1),
      cookieKey: options.cookieKey ?? 'virtual-cookie-key',
      registrationDelayMs: options.registrationDelayMs,
      balancerOverride: options.balancerOverride,
      registerTemplateTargets: options.registerTemplateTargets,
    });
    this.engine.onEvent((e) => {
      this.events.push(e);
      if (e.type === 'abort-requests' || e.type === 'terminate-connections') {
        for (const id of e.requestIds) {
          const f = this.#open.get(id);
          if (!f) continue;
          this.#open.delete(id);
          const aborted = e.type === 'abort-requests';
          f.done?.({
            decision: f.decision,
            status: aborted ? e.status : undefined,
            cause: aborted ? gatewayError('deregistration_delay_expired').kind : 'connection_reset',
            setCookies: f.decision.setCookies,
            sentAt: f.sentAt,
            doneAt: e.at,
          });
        }
      }
    });
  }

  /** Use `backend` for a target (`id` or `id:port`). */
  setBackend(target: string, backend: Backend): this {
    this.#backends.set(target, backend);
    this.#backendByKey.clear();
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
    this.#r53Stale = true;
  }

  #observe(p: Route53ProbeRequest): R53ProbeObservation {
    const custom = this.#r53.get(p.healthCheckId);
    if (custom) return custom(this.clock.now(), p);
    const up = p.loadBalancerId === undefined || this.engine.loadBalancerHealthy(p.loadBalancerId);
    return { connectMs: 1, status: up ? 200 : 503, responseMs: 1, bodyMs: 1, body: p.searchString ?? '' };
  }

  backendOf(key: TargetKey): Backend {
    let b = this.#backendByKey.get(key);
    if (!b) {
      b = this.#backends.get(`${key.targetId}:${key.port}`) ?? this.#backends.get(key.targetId) ?? this.#default;
      this.#backendByKey.set(key, b);
    }
    return b;
  }

  /** Run `run` at virtual time `at` (not before now). */
  schedule(at: number, run: () => void): void {
    this.#queue.push(Math.max(at, this.clock.now()), run);
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
      while (this.#queue.peekAt() <= now) {
        const item = this.#queue.pop()!;
        if (typeof item === 'function') item();
        else this.#finish(item, item.status, item.cause, item.connectionError, item.cookieNames);
      }
      if (wake <= now) this.#tick();
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
      if (o.connectMs === undefined || latency >= p.timeoutMs) continue; // times out in the engine
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
      else {
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
    let setCookies = d.setCookies;
    if (d.appCookie && cookieNames?.includes(d.appCookie.cookieName))
      setCookies = [...setCookies, ...d.appCookie.setCookies];
    const outcome = this.#outcome;
    outcome.status = status;
    outcome.connectionError = connectionError;
    this.engine.requestFinished(d.requestId, outcome);
    flight.done?.({ decision: d, status, cause, setCookies, sentAt: flight.sentAt, doneAt: now });
  }

  /** Send one request now; the response completes after the backend's latency (run the clock to see it). */
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
    let out: VirtualResponse | undefined;
    let early: VirtualOutcome | undefined;
    const decision = this.send(loadBalancerId, listenerId, req, (o) => {
      if (!out) {
        early = o;
        return;
      }
      out.status = o.status;
      out.reset = o.cause === 'connection_reset' ? true : undefined;
      out.setCookies = [...o.setCookies];
      out.done = true;
      out.doneAt = o.doneAt;
    });
    out = { decision, setCookies: [], done: false, sentAt: this.clock.now() };
    if (decision.kind === 'forward') out.setCookies = [...decision.setCookies];
    if (early) {
      out.status = early.status;
      out.setCookies = [...early.setCookies];
      out.done = true;
      out.doneAt = early.doneAt;
    }
    return out;
  }
}
