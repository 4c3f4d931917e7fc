/**
 * Virtual-time shell: drives the same engine as the live proxy with a `VirtualClock`, simulated backends
 * and a seeded `Random`, so scenarios (health transitions, draining, algorithm distributions) run
 * deterministically and instantly.
 */
import { createEngine, type Engine, type EngineOptions } from '../core/engine';
import { seededRandom } from '../core/random';
import type { R53ProbeObservation } from '../core/route53';
import type { Route53ProbeRequest } from '../core/route53-checks';
import type { EngineEvent, HttpRequestInfo, ProbeOutcome, RouteDecision, TargetKey } from '../core/types';
import type { SimModel } from '../model/types';
import { healthyBackend, type Backend } from './backend';
import { VirtualClock } from './clock';

export interface VirtualSimulatorOptions {
  readonly seed?: number;
  readonly cookieKey?: string;
  readonly start?: number;
  readonly registrationDelayMs?: number;
  /** Backend used for targets without their own (default: healthy, 1 ms). */
  readonly defaultBackend?: Backend;
  /** What-if: replace target groups' algorithms (see `EngineOptions.balancerOverride`). Not AWS behaviour. */
  readonly balancerOverride?: EngineOptions['balancerOverride'];
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

interface Scheduled {
  readonly at: number;
  readonly seq: number;
  readonly run: () => void;
}

export class VirtualSimulator {
  readonly clock: VirtualClock;
  readonly engine: Engine;
  readonly events: EngineEvent[] = [];
  readonly #backends = new Map<string, Backend>();
  readonly #default: Backend;
  #queue: Scheduled[] = [];
  readonly #r53 = new Map<string, (now: number, probe: Route53ProbeRequest) => R53ProbeObservation>();
  #seq = 0;
  readonly #open = new Map<number, VirtualResponse>();

  constructor(model: SimModel, options: VirtualSimulatorOptions = {}) {
    this.clock = new VirtualClock(options.start ?? 0);
    this.#default = options.defaultBackend ?? healthyBackend();
    this.engine = createEngine(model, {
      clock: this.clock,
      random: seededRandom(options.seed ?? 1),
      cookieKey: options.cookieKey ?? 'virtual-cookie-key',
      registrationDelayMs: options.registrationDelayMs,
      balancerOverride: options.balancerOverride,
    });
    this.engine.onEvent((e) => {
      this.events.push(e);
      if (e.type === 'abort-requests' || e.type === 'terminate-connections') {
        for (const id of e.requestIds) {
          const r = this.#open.get(id);
          if (r) {
            r.status = e.type === 'abort-requests' ? e.status : undefined;
            r.reset = e.type === 'terminate-connections';
            r.done = true;
            r.doneAt = e.at;
            this.#open.delete(id);
          }
        }
      }
    });
  }

  /** §7.6 every change of a DNS answer so far, with when clients caching the previous answer move. */
  dnsAnswerChanges(): Extract<EngineEvent, { type: 'dns-answer-changed' }>[] {
    return this.events.filter((e) => e.type === 'dns-answer-changed');
  }

  /** Use `backend` for a target (`id` or `id:port`). */
  setBackend(target: string, backend: Backend): this {
    this.#backends.set(target, backend);
    return this;
  }

  /**
   * What Route 53 probes of a health check (id) observe; `probe.checker` says which checker (Region)
   * asks, so a test can cut some Regions off (§7.2). Default: a check on a modelled load balancer sees
   * 200 while `loadBalancerHealthy` (§7.5) and 503 otherwise; any other endpoint answers 200.
   */
  setRoute53Endpoint(
    healthCheckId: string,
    observe: (now: number, probe: Route53ProbeRequest) => R53ProbeObservation,
  ): this {
    this.#r53.set(healthCheckId, observe);
    return this;
  }

  #observe(p: Route53ProbeRequest): R53ProbeObservation {
    const custom = this.#r53.get(p.healthCheckId);
    if (custom) return custom(this.clock.now(), p);
    const up = p.loadBalancerId === undefined || this.engine.loadBalancerHealthy(p.loadBalancerId);
    return { connectMs: 1, status: up ? 200 : 503, responseMs: 1, bodyMs: 1, body: p.searchString ?? '' };
  }

  backendOf(key: TargetKey): Backend {
    return this.#backends.get(`${key.targetId}:${key.port}`) ?? this.#backends.get(key.targetId) ?? this.#default;
  }

  #schedule(at: number, run: () => void): void {
    this.#queue.push({ at, seq: this.#seq++, run });
    this.#queue.sort((a, b) => a.at - b.at || a.seq - b.seq);
  }

  /** Run everything (probes, responses, timers) up to and including time `t`, in time order. */
  runUntil(t: number): void {
    for (;;) {
      const wakes = [this.engine.nextWakeAt(), this.engine.route53NextWakeAt()].filter((x) => x !== undefined);
      const wake = wakes.length > 0 ? Math.min(...wakes) : undefined;
      const q = this.#queue[0]?.at;
      const next = Math.min(wake ?? Infinity, q ?? Infinity);
      if (next > t || next === Infinity) break;
      this.clock.set(Math.max(next, this.clock.now()));
      while (this.#queue.length > 0 && this.#queue[0].at <= this.clock.now()) this.#queue.shift()!.run();
      this.engine.advance();
      this.#sendProbes();
    }
    this.clock.set(Math.max(t, this.clock.now()));
    this.engine.advance();
    this.#sendProbes();
  }

  /** Run for `ms` more milliseconds. */
  runFor(ms: number): void {
    this.runUntil(this.clock.now() + ms);
  }

  #sendProbes(): void {
    for (const p of this.engine.route53ProbeDue()) {
      const o = this.#observe(p);
      const latency = (o.connectMs ?? 0) + (o.responseMs ?? 0);
      if (latency >= p.timeoutMs) continue; // times out in the engine
      this.#schedule(this.clock.now() + latency, () => this.engine.route53ProbeResult(p.probeId, o));
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
      this.#schedule(this.clock.now() + latency, () => this.engine.probeResult(probe.probeId, outcome));
    }
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
    const decision = this.engine.route(loadBalancerId, listenerId, req);
    const out: VirtualResponse = {
      decision,
      setCookies: [],
      done: true,
      sentAt: this.clock.now(),
      doneAt: this.clock.now(),
    };
    switch (decision.kind) {
      case 'redirect':
      case 'fixed':
      case 'error':
        out.status = decision.status;
        return out;
      case 'forward': {
        out.setCookies.push(...decision.setCookies);
        const backend = this.backendOf(decision.target);
        const res = backend.request(this.clock.now(), req);
        const finish = (status: number | undefined, connectionError: boolean, names: readonly string[] = []) => {
          if (!this.#open.has(decision.requestId)) return; // aborted (502) or already finished
          this.#open.delete(decision.requestId);
          out.status = status;
          out.done = true;
          out.doneAt = this.clock.now();
          backend.finished?.(this.clock.now());
          if (decision.appCookie && names.includes(decision.appCookie.cookieName)) {
            out.setCookies.push(...decision.appCookie.setCookies);
          }
          this.engine.requestFinished(decision.requestId, { status, connectionError });
        };
        out.done = false;
        out.doneAt = undefined;
        this.#open.set(decision.requestId, out);
        if (res.kind === 'hang') return out;
        if (res.kind === 'refuse') {
          finish(502, true);
          return out;
        }
        const latency = res.latencyMs ?? 0;
        if (latency <= 0) finish(res.status, false, res.setCookieNames);
        else this.#schedule(this.clock.now() + latency, () => finish(res.status, false, res.setCookieNames));
        return out;
      }
    }
  }
}
