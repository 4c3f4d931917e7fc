/**
 * Virtual-time shell: drives the same engine as the live proxy with a `VirtualClock`, simulated backends
 * and a seeded `Random`, so scenarios (health transitions, draining, algorithm distributions) run
 * deterministically and instantly.
 */
import { formatAccessLogLine, type AccessLogEntry } from '../core/access-log';
import { createEngine, type Engine, type EngineOptions } from '../core/engine';
import { ListenerEdge, type EdgeRequest, type Exchange, type ExchangeObservation } from '../core/exchange';
import type { UpstreamFailureKind } from '../core/gateway-errors';
import type { HeaderList } from '../core/headers';
import { Metrics } from '../core/metrics';
import { seededRandom } from '../core/random';
import { exchangeRecorder } from '../core/record';
import { findListener, findLoadBalancer } from '../model/lookup';
import { loadBalancerDimension, targetGroupArn, targetGroupDimension } from '../model/ids';
import type { R53ProbeObservation } from '../core/route53';
import type { Route53ProbeRequest } from '../core/route53-checks';
import type { EngineEvent, HttpRequestInfo, ProbeOutcome, RouteDecision, TargetKey } from '../core/types';
import type { SimModel } from '../model/types';
import { healthyBackend, type Backend } from './backend';

/** Every target of a failed zone: connections refused. */
const REFUSING: Backend = { healthCheck: () => ({ kind: 'refuse' }), request: () => ({ kind: 'refuse' }) };
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
  /** The node the request was sent to is in a failed zone: nothing accepted the connection. */
  refused?: boolean;
  /** Response headers the client received (ELB-generated, or the target's with the load balancer's cookies). */
  headers: HeaderList;
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
  /** Next answered zone a DNS-resolving client uses, per load balancer (`clientZone`). */
  readonly #clientTurn = new Map<string, number>();
  #seq = 0;
  readonly #open = new Map<number, { readonly out: VirtualResponse; readonly ex: Exchange }>();
  readonly #edges = new Map<string, ListenerEdge>();
  readonly #random: ReturnType<typeof seededRandom>;
  /** The same CloudWatch counters as the live simulator's (§5.6). */
  readonly metrics = new Metrics();
  /** Access-log entries of every exchange, in order (§5.5). */
  readonly accessLog: AccessLogEntry[] = [];
  /** Every finished exchange, as the recorder saw it. */
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
    this.engine = createEngine(model, {
      clock: this.clock,
      random: this.#random,
      cookieKey: options.cookieKey ?? 'virtual-cookie-key',
      registrationDelayMs: options.registrationDelayMs,
      balancerOverride: options.balancerOverride,
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
        for (const id of e.requestIds) {
          const open = this.#open.get(id);
          if (!open) continue;
          this.#open.delete(id);
          const r = open.out;
          if (e.type === 'abort-requests') {
            // §2.3: the deregistration delay ran out with the request in flight; the exchange decides (502)
            const response = open.ex.upstreamFailed('deregistration_delay_expired');
            r.status = response.status;
            r.headers = response.headers;
            open.ex.finish({ receivedBytes: 0, sentBytes: Buffer.byteLength(response.body) });
          } else {
            r.reset = true;
          }
          r.done = true;
          r.doneAt = e.at;
        }
      }
    });
  }

  #idleMs(loadBalancerId: string): number {
    return (findLoadBalancer(this.engine.model, loadBalancerId)?.attributes.idleTimeoutSeconds ?? 60) * 1000;
  }

  /**
   * The client of `response` goes away before its response (§5.4 460): logged, nothing is answered.
   * Only a response still in flight can be abandoned.
   */
  disconnect(response: VirtualResponse): void {
    for (const [id, open] of this.#open) {
      if (open.out !== response) continue;
      this.#open.delete(id);
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
      });
      this.#edges.set(listener.id, edge);
    }
    return edge;
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
    const zone = this.engine.targetZone(key);
    // §2.4 a target in a failed zone is unreachable: connections are refused
    if (zone !== undefined && this.engine.failedZones().includes(zone)) return REFUSING;
    return this.#backends.get(`${key.targetId}:${key.port}`) ?? this.#backends.get(key.targetId) ?? this.#default;
  }

  /**
   * An Availability Zone fails (§1.5, §2.4): its load-balancer nodes stop (no probes, no requests, out of
   * DNS) and every target in it refuses connections, so the other nodes' health checks find them down.
   */
  failZone(availabilityZone: string): this {
    this.engine.failZone(availabilityZone);
    return this;
  }

  /** The zone comes back: its nodes probe and route again and its targets answer as their backends say. */
  recoverZone(availabilityZone: string): this {
    this.engine.recoverZone(availabilityZone);
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
      else if (res.kind === 'reset') {
        latency = res.latencyMs ?? 0;
        outcome = { kind: 'error', detail: 'ECONNRESET' };
      } else {
        latency = res.latencyMs ?? 0;
        outcome = probe.protocol === 'TCP' ? { kind: 'connected' } : { kind: 'response', status: res.status };
      }
      if (latency >= probe.timeoutMs) continue; // the engine records the timeout at the deadline
      this.#schedule(this.clock.now() + latency, () => this.engine.probeResult(probe.probeId, outcome));
    }
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
    const decision: RouteDecision = ex.decision ?? {
      kind: 'error',
      loadBalancerId,
      listenerId,
      matchedRulePriority: -1,
      status: ex.step.kind === 'respond' ? ex.step.response.status : 500,
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
    const step = ex.step;
    if (step.kind === 'respond') {
      out.status = step.response.status;
      out.headers = step.response.headers;
      out.setCookies = cookiesOf(step.response.headers);
      ex.finish({ receivedBytes: 0, sentBytes: Buffer.byteLength(step.response.body) });
      return out;
    }
    const backend = this.backendOf(step.upstream.target);
    const res = backend.request(this.clock.now(), req);
    const requestId = step.upstream.requestId;
    const finish = (status: number, names: readonly string[] = []): void => {
      if (!this.#open.has(requestId)) return; // aborted (§2.3) or already finished
      this.#open.delete(requestId);
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
    this.#open.set(requestId, { out, ex });
    /** The exchange could not be completed (§5.4); it says what the client gets. */
    const failed = (kind: UpstreamFailureKind, detail?: string): void => {
      if (!this.#open.has(requestId)) return;
      this.#open.delete(requestId);
      backend.finished?.(this.clock.now());
      const response = ex.upstreamFailed(kind, detail);
      out.status = response.status;
      out.headers = response.headers;
      out.done = true;
      out.doneAt = this.clock.now();
      ex.finish({ receivedBytes: 0, sentBytes: Buffer.byteLength(response.body) });
    };
    // §5.2: a target that sends nothing for the load balancer's idle timeout gets a 504
    const idleMs = this.#idleMs(loadBalancerId);
    if (res.kind === 'hang') {
      this.#schedule(this.clock.now() + idleMs, () => failed('target_idle_timeout'));
      return out;
    }
    if (res.kind === 'refuse') {
      failed('connect_refused', 'ECONNREFUSED');
      return out;
    }
    if (res.kind === 'reset') {
      this.#schedule(this.clock.now() + (res.latencyMs ?? 0), () => failed('target_closed', 'ECONNRESET'));
      return out;
    }
    const latency = res.latencyMs ?? 0;
    if (latency <= 0) finish(res.status, res.setCookieNames);
    else this.#schedule(this.clock.now() + latency, () => finish(res.status, res.setCookieNames));
    return out;
  }
}
