/** Engine implementation; import from `./engine`. See `engine.ts` for the overview. */
import { findListener, findLoadBalancer, findTargetGroup } from '../model/lookup';
import { Route53Checks, type CheckerObservation, type Route53ProbeRequest } from './route53-checks';
import type { R53ProbeObservation } from './route53';
import type { DnsAnswer, DnsLookups } from './route53-dns';
import type {
  RecordSetModel,
  ForwardActionModel,
  ListenerModel,
  LoadBalancerModel,
  SimModel,
  TargetGroupModel,
  TargetModel,
} from '../model/types';
import {
  type TargetHealthState,
  ANOMALY_DETECTION,
  ELB_STATUS,
  HEALTH_CHECK_USER_AGENT,
  SIMULATOR_CHOICE_PARAMS,
  TRAFFIC_PORT,
} from '@ha-load-balancer/spec';
import { evaluateAnomalies, NORMAL, type AnomalyStatus, type WindowStats } from './anomaly';
import {
  AWS_BALANCERS,
  flowHash,
  weightedChoice,
  type Balancer,
  type BalancerFactory,
  type PoolTarget,
} from './balancers';
import { belowThreshold, candidateSet, isRegistered, isRoutable } from './candidates';
import { parseCookies } from './cookies';
import { classifyProbe, type ProbeVerdict } from './health-check';
import { InFlightTable } from './in-flight';
import { EngineTargetKey } from './target-key';
import { redirectLocation, redirectStatus } from './redirect';
import { headerValues, selectRule, type RuleSelection } from './rules';
import { entersSlowStart, slowStartWeight } from './slow-start';
import {
  appCookies,
  APP_COOKIE_NAME,
  lbCookies,
  LB_COOKIE_NAMES,
  readStickyCookie,
  targetGroupCookies,
  TG_COOKIE_NAMES,
} from './stickiness';
import {
  NOT_REGISTERED,
  transition,
  unregisteredStatus,
  type HealthEvent,
  type HealthSettings,
  type TargetHealthStatus,
} from './target-health';
import type {
  Clock,
  ConnectionDecision,
  EngineEvent,
  HealthInput,
  ErrorDecision,
  FlowInfo,
  ForwardDecision,
  HttpRequestInfo,
  ProbeOutcome,
  ProbeRequest,
  Random,
  RequestOutcome,
  RouteDecision,
  StickinessOutcome,
  TargetDetail,
  TargetHealthDescription,
  TargetKey,
} from './types';

export interface EngineOptions {
  readonly clock: Clock;
  readonly random: Random;
  /** Secret for signing stickiness cookies (AWSALB, AWSALBAPP-0, AWSALBTG). */
  readonly cookieKey: string | Uint8Array;
  /**
   * How long targets stay `initial / Elb.RegistrationInProgress` before the first probe
   * (simulator choice `registration_in_progress`). Default from `SIMULATOR_CHOICE_PARAMS`.
   */
  readonly registrationDelayMs?: number;
  /** Register the targets listed in the template's `Targets` properties at creation. Default true. */
  readonly registerTemplateTargets?: boolean;
  /**
   * What-if comparisons: use another algorithm for a target group (e.g. one of `NON_AWS_BALANCERS`).
   * Return undefined to keep the TG's own `load_balancing.algorithm.type`. Not AWS behaviour.
   */
  readonly balancerOverride?: (targetGroup: TargetGroupModel) => BalancerFactory | undefined;
  /**
   * `leader` (default): this engine probes targets and decides their health. `follower`: another engine
   * decides (several load-balancer nodes sharing one health state, `ha-sim --workers`): this one never
   * probes, runs no health or Route 53 timers, leaves registrations to `mirror`, and applies the leader's
   * health inputs in order, so its targets go through the same states at the same times; balancing,
   * stickiness and requests in flight stay its own.
   */
  readonly role?: 'leader' | 'follower';
  /** Emit a `health-input` event for every health input applied (what a follower's `mirror` takes). */
  readonly replicate?: boolean;
}

/**
 * The stateful facade over the pure core. Every `*Id` parameter accepts the forms `SimModel` lookups
 * accept (friendly id, cdk path, `<stack>/<logicalId>`, unique logicalId); a listener may also be named
 * by its port (`'443'`) within the given load balancer.
 */
export interface Engine {
  readonly model: SimModel;
  /** Route one HTTP request arriving on an ALB listener (§4): rule evaluation, action, target choice. */
  /**
   * Route one HTTP request arriving on an ALB listener (§4): rule evaluation, action, target choice.
   * `selection`: the rule the edge already chose for this request on this model (§4.3 authenticate
   * actions and transforms need it first), so rules are not evaluated twice.
   */
  route(loadBalancerId: string, listenerId: string, request: HttpRequestInfo, selection?: RuleSelection): RouteDecision;
  /** Choose a target for a new NLB flow (§6.2 flow hash, §3.5 source_ip stickiness). */
  routeConnection(loadBalancerId: string, listenerId: string, flow: FlowInfo): ConnectionDecision;
  /** The forwarded request/connection `requestId` has ended. Unknown ids are ignored. */
  requestFinished(requestId: number, outcome?: RequestOutcome): void;
  /**
   * A client connection (`HttpRequestInfo.connectionId`) closed. Only what-if algorithms that balance
   * connections (least connections, not AWS) keep state per connection; AWS's algorithms ignore it.
   */
  connectionClosed(connectionId: string): void;
  /** Register targets now (`RegisterTargets`); targets already registered (and not draining) are left alone. */
  registerTargets(targetGroupId: string, targets: readonly TargetModel[]): void;
  /** Deregister targets now (`DeregisterTargets`): they go `draining` for the deregistration delay (§2.3). */
  deregisterTargets(targetGroupId: string, targets: readonly TargetModel[]): void;
  /** Probes due at `now` (default `clock.now()`); each is returned once. Fires due timers first. */
  probeDue(now?: number): ProbeRequest[];
  /** Report a probe's outcome; results at or after the probe's deadline are ignored (it timed out). */
  probeResult(probeId: number, outcome: ProbeOutcome): void;
  /**
   * Fire timers up to `now` (probe deadlines, draining ends) and return every event emitted since the
   * previous call (including events caused by `probeResult`, `route`, `deregisterTargets`).
   */
  advance(now?: number): EngineEvent[];
  /** Earliest time at which `advance` or `probeDue` has something to do (target groups only), or undefined. */
  nextWakeAt(): number | undefined;
  /** `DescribeTargetHealth` (§1.4): all registered targets, or the given ones (unregistered → unused). */
  describeTargetHealth(targetGroupId: string, targets?: readonly TargetModel[]): TargetHealthDescription[];
  /** Requests currently in flight to a target. */
  inFlight(target: TargetKey): number;
  /**
   * What the admin dashboard shows beside `describeTargetHealth` for each registered target: when it
   * entered its state, when draining ends (§2.3, §6.6), when slow start ends (§2.2), its share of new
   * requests and its requests in flight.
   */
  targetDetails(targetGroupId: string): TargetDetail[];
  /**
   * §7.5 health of a load balancer as Route 53 `EvaluateTargetHealth` sees it: every target group its
   * listeners use (simulator choice `evaluate_target_health_tgs`) has registered targets and meets its
   * `target_group_health.dns_failover` thresholds (default: at least one healthy target).
   */
  loadBalancerHealthy(loadBalancerId: string): boolean;
  /**
   * Earliest time a Route 53 probe or probe deadline is due (kept apart from `nextWakeAt`, so shells
   * that do not run Route 53 checks are not woken for them).
   */
  route53NextWakeAt(): number | undefined;
  /** Route 53 endpoint probes due now (§7.2); the shell performs them and reports `route53ProbeResult`. */
  route53ProbeDue(now?: number): Route53ProbeRequest[];
  /** What a Route 53 probe observed; the engine judges it (§7.2) and applies `FailureThreshold`. */
  route53ProbeResult(probeId: number, observation: R53ProbeObservation): void;
  /** The shell will not perform this probe (simulator choice `route53_external_endpoint`): nothing is counted. */
  route53ProbeCancelled(probeId: number): void;
  /** Status of a Route 53 health check by id (§7.2), or undefined when unknown. */
  healthCheckStatus(healthCheckId: string): boolean | undefined;
  /** Each checker's verdict and last status line (GetHealthCheckStatus, §7.2); undefined without checkers. */
  healthCheckObservations(healthCheckId: string): CheckerObservation[] | undefined;
  /** The record Route 53 would answer for a name and type, with health and routing policy applied (§7.3, §7.4). */
  resolveRecord(name: string, type: string): RecordSetModel | undefined;
  /**
   * Answer a DNS question for the hosted zones of the model (§7.3–§7.6): rcode, records, SOA for negative
   * answers. `where` gives the addresses of load balancers (alias targets) and recognises their DNS names.
   */
  dnsQuery(
    name: string,
    type: string,
    where: Pick<DnsLookups, 'loadBalancerAddresses' | 'loadBalancerNamed'>,
  ): DnsAnswer;
  /**
   * Replace the model (a new synthesis of the same app) without losing state: target groups that stay
   * keep their targets, health and balancing state; listeners and rules take effect for the next request;
   * targets that left a template's `Targets` and every target of a target group that left the model are
   * deregistered and drain (§2.3); Route 53 health checks whose probes did not change keep their checkers.
   */
  updateModel(model: SimModel): void;
  /** Subscribe to engine events as they happen. Returns an unsubscribe function. */
  onEvent(listener: (event: EngineEvent) => void): () => void;
  /**
   * Follower engines: apply one health input of the leader (a `health-input` event), in the order the
   * leader applied them. A `register` input adds the target.
   */
  mirror(input: HealthInput): void;
  /**
   * An Availability Zone fails (an outage of the zone): every load-balancer node in it stops probing and
   * routing and leaves DNS answers (§1.5). The targets in the zone are the shell's to take down; the
   * other nodes then see them fail their health checks. Emits `zone-changed`.
   */
  failZone(availabilityZone: string): void;
  /**
   * The zone is back: its nodes start from the health the other nodes report, probe at once and route
   * again (simulator choice `node_recovery_health`). Emits `zone-changed`.
   */
  recoverZone(availabilityZone: string): void;
  /** Zones failed with `failZone` and not recovered, in the order they failed. */
  failedZones(): string[];
  /**
   * The zones whose node addresses the load balancer's DNS name answers with (§1.5): zones whose node is
   * up and where every target group its listeners use meets its `dns_failover` thresholds (judged on the
   * zone's own targets with cross-zone off, on all targets with it on, as that node sees them); every
   * enabled zone when none qualifies.
   */
  dnsZones(loadBalancerId: string): string[];
  /**
   * The Availability Zone a registered target is in: as registered, or the one the simulator placed it
   * in (simulator choice `target_zone_spread`); undefined for targets in every zone (Lambda, `alb`, `all`).
   */
  targetZone(target: TargetKey): string | undefined;
  /**
   * §1.3 each load-balancer node's own view of a registered target's health, by node zone (the reported
   * state combines them, simulator choice `node_health_view`); empty for a target that is not registered.
   */
  nodeHealth(target: TargetKey): Record<string, TargetHealthState>;
}

/**
 * One load-balancer node's view of one target (§1.3: every node probes every target on its own): its
 * own run of the health state machine, probe schedule and probe in flight. Registration, draining and
 * removal reach every view at once.
 */
interface NodeView {
  /** The node's Availability Zone; `''` for a target group no load balancer uses (never probed). */
  readonly zone: string;
  health: TargetHealthStatus;
  nextProbeAt?: number;
  probe?: { readonly id: number; readonly deadline: number };
}

interface TargetRt {
  readonly key: TargetKey;
  readonly k: string;
  /** The `AvailabilityZone` given at registration (what DescribeTargetHealth shows). */
  readonly availabilityZone?: string;
  /** The zone the target is in: as registered or as placed (choice `target_zone_spread`); undefined = every zone. */
  readonly zone?: string;
  /** The reported state (DescribeTargetHealth): the nodes' views combined (simulator choice `node_health_view`). */
  health: TargetHealthStatus;
  /** Each node's view, by node zone. */
  readonly views: Map<string, NodeView>;
  /**
   * Requests in flight to this target. A count, not a set of ids: the ids are found in `#requests`
   * on the rare occasions they are needed (a target removed or reset with requests in flight), which
   * keeps what a request touches per target small.
   */
  inflight: number;
  slowStartFrom?: number;
  /** This anomaly window's requests and errors (§2.1), on the target itself: one object less per request. */
  windowRequests: number;
  windowErrors: number;
  anomaly: AnomalyStatus;
  /** RegisterTargets call this registration came from (§2.2: one call into an empty TG → no slow start). */
  batch: number;
  /** Has been healthy since this registration. */
  wasHealthy: boolean;
  /**
   * Smoothed response time (ms), for non-AWS what-if algorithms; NaN until the first response (a number
   * from the start, so that each request updates it in place).
   */
  latencyMs: number;
  /** This target as balancers see it (created once; reads the live counts). */
  entry?: PoolEntry;
  /**
   * The AWSALB cookies last issued for this target and when (ms): requests to it within the same
   * millisecond get the same ones (encoding and signing them is most of what stickiness costs).
   */
  lbCookiesAt: number;
  lbCookies: readonly string[];
}

/**
 * A target as the balancers see it. One object per registered target that reads the target's live
 * numbers, so a cached candidate pool (see `TgRt.pools`) stays current between health changes.
 */
class PoolEntry implements PoolTarget {
  constructor(
    readonly rt: TargetRt,
    readonly key: string,
    readonly weightOf: (rt: TargetRt) => number,
  ) {}

  get weight(): number {
    return this.weightOf(this.rt);
  }

  get outstanding(): number {
    return this.rt.inflight;
  }

  get latencyMs(): number | undefined {
    const ms = this.rt.latencyMs;
    return ms === ms ? ms : undefined; // NaN: no response yet
  }
}

/** A target group's candidate set for one zone scope (§1.5), kept until health or membership changes. */
interface CachedPool {
  readonly targets: readonly PoolEntry[];
  readonly failOpen: boolean;
  /** Every weight is 1 (no slow start, no anomaly mitigation): lets balancers pick in constant time. */
  readonly uniformWeights: boolean;
  /** Rebuild at this time: when the first slow start among the candidates ends. */
  readonly validUntil: number;
  /** By `TargetRt.k`, built on first use (stickiness looks targets up by cookie). */
  byKey?: Map<string, PoolEntry>;
}

/** Shared empty list for decisions without cookies or skipped actions (most requests): no allocation. */
const NO_STRINGS: readonly string[] = Object.freeze([]);

/** The anomaly-detection window (§2.1), read once: spec values are module getters, and this is per request. */
const ANOMALY_WINDOW_MS = ANOMALY_DETECTION.evaluationSeconds * 1000;

/** Smoothing factor of the response-time average (simulator bookkeeping, not an AWS fact). */
const LATENCY_EWMA_ALPHA = 0.2;

interface TgRt {
  model: TargetGroupModel;
  readonly targets: Map<string, TargetRt>;
  /**
   * Balancing state per node (round-robin position and the like), by node zone; `''` is the load
   * balancer as one whole (requests that name no node).
   */
  readonly balancers: Map<string, Balancer>;
  /** Zones given to targets placed by the simulator, kept for re-registration (choice `target_zone_spread`). */
  readonly placed: Map<string, string>;
  /** How many targets the simulator has placed so far (the next goes to the next zone). */
  spread: number;
  settings: HealthSettings;
  windowStart: number;
  /** No longer in the model (removed by `updateModel`); kept until its targets have drained. */
  retired: boolean;
  /**
   * Candidate pools by node zone ('' = the load balancer as one whole, reported health), over every
   * zone's targets, so that a request does not look at every target. Cleared (with `zonePools`) whenever
   * a target's state on any node changes, a target leaves, a zone fails or recovers, anomaly weights
   * change or the model changes.
   */
  readonly pools: Map<string, CachedPool>;
  /** The same for nodes that send only to their own zone's targets (cross-zone off, §2.4). */
  readonly zonePools: Map<string, CachedPool>;
  /** `#zonesOf`, kept while the model and the TG's model are the same objects. */
  zones?: { readonly model: SimModel; readonly tgModel: TargetGroupModel; readonly zones: readonly string[] };
}

const targetK = (id: string, port: number) => `${id}:${port}`;

/** A target registered with `AvailabilityZone: all` (or placed in no zone) serves every node (§2.4). */
const ALL_ZONES = 'all';

/** A target a node with this scope may send to (`scope` undefined: cross-zone on, every target). */
function inScope(t: { readonly zone?: string }, scope: string | undefined): boolean {
  return scope === undefined || t.zone === undefined || t.zone === ALL_ZONES || t.zone === scope;
}

/** States a node's probes decide (the others are registration states, common to every node). */
const PROBED_STATES: ReadonlySet<string> = new Set(['initial', 'healthy', 'unhealthy', 'unhealthy.draining']);

export function createEngine(model: SimModel, options: EngineOptions): Engine {
  return new EngineImpl(model, options);
}

/** An error decision of the forward action (no target chosen). */
function forwardError(
  base: { loadBalancerId: string; listenerId: string },
  priority: number,
  status: number,
  reason: string,
  targetGroupId?: string,
): ErrorDecision {
  return {
    kind: 'error',
    ...base,
    matchedRulePriority: priority,
    status,
    reason,
    ...(targetGroupId ? { targetGroupId } : {}),
  };
}

/** The request's cookies by name (first occurrence wins). */
function requestCookies(request: HttpRequestInfo): ReadonlyMap<string, string> {
  return request.cookies ?? parseCookies(headerValues(request, 'cookie'));
}

/** A readonly shape being filled in before it is handed out. */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

class EngineImpl implements Engine {
  model: SimModel;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #key: string | Uint8Array;
  readonly #tgs = new Map<string, TgRt>();
  readonly #probes = new InFlightTable<{ tg: TgRt; t: TargetRt; v: NodeView }>();
  readonly #requests = new InFlightTable<{ tg: TgRt; t: TargetRt; startedAt: number }>();
  readonly #listeners = new Set<(e: EngineEvent) => void>();
  #pending: EngineEvent[] = [];
  #nextProbeId = 1;
  #nextRequestId = 1;
  /** Zones failed by `failZone`, in order. */
  readonly #failed = new Set<string>();
  /**
   * Lower bounds (never later than the truth) of `nextWakeAt` and of the earliest timer `#fire` handles
   * (probe deadline, end of draining); -Infinity = unknown. Lowered in O(1) when a target's timers
   * change, made exact by each pass over every target, so that routing a request does not look at
   * every target. `#wakeExact` is false once a timer may have gone (a probe answered, a target left):
   * `nextWakeAt` then makes one pass.
   */
  #wakeAt = -Infinity;
  #timersAt = -Infinity;
  #wakeExact = false;
  /** `#lookup` results by load-balancer and listener reference (found ones only; cleared by `updateModel`). */
  readonly #lookups = new Map<string, Map<string, { lb: LoadBalancerModel; listener: ListenerModel }>>();

  /** A request or flow now in flight on `t` (least outstanding requests, draining, 502 at delay end). */
  #startRequest(tg: TgRt, t: TargetRt, now: number): number {
    const requestId = this.#nextRequestId++;
    t.inflight++;
    this.#requests.set(requestId, { tg, t, startedAt: now });
    return requestId;
  }
  #nextBatch = 1;
  #route53: Route53Checks;

  constructor(model: SimModel, options: EngineOptions) {
    this.model = model;
    this.#clock = options.clock;
    this.#random = options.random;
    this.#key = options.cookieKey;
    this.#options = options;
    this.#registrationDelayMs = options.registrationDelayMs ?? SIMULATOR_CHOICE_PARAMS.registrationDelayMs;
    this.#follower = options.role === 'follower';
    const now = this.#clock.now();
    this.#route53 = new Route53Checks(model, now, {
      loadBalancerHealthy: (id) => this.loadBalancerHealthy(id),
      random: this.#random,
    });
    for (const tg of model.targetGroups) this.#addTargetGroup(tg, now);
  }

  readonly #options: EngineOptions;
  readonly #registrationDelayMs: number;
  readonly #follower: boolean;

  #settings(tg: TargetGroupModel): HealthSettings {
    const hc = tg.healthCheck;
    return {
      enabled: hc.enabled,
      inUse: tg.inUse,
      intervalMs: hc.intervalSeconds * 1000,
      healthyThresholdCount: hc.healthyThresholdCount,
      unhealthyThresholdCount: hc.unhealthyThresholdCount,
      registrationDelayMs: this.#registrationDelayMs,
      unhealthyDrainingMs:
        tg.loadBalancerType === 'network' && !tg.attributes.unhealthyConnectionTermination
          ? tg.attributes.unhealthyDrainingIntervalSeconds * 1000
          : 0,
    };
  }

  #balancerFor(tg: TargetGroupModel): Balancer {
    return (this.#options.balancerOverride?.(tg) ?? AWS_BALANCERS[tg.attributes.algorithm])();
  }

  #addTargetGroup(tg: TargetGroupModel, now: number): void {
    this.#tgs.set(tg.id, {
      model: tg,
      targets: new Map(),
      balancers: new Map(),
      placed: new Map(),
      spread: 0,
      settings: this.#settings(tg),
      windowStart: now,
      retired: false,
      pools: new Map(),
      zonePools: new Map(),
    });
    if (this.#options.registerTemplateTargets !== false && tg.targets.length > 0)
      this.registerTargets(tg.id, tg.targets);
  }

  updateModel(model: SimModel): void {
    this.#healthRevision++;
    const now = this.#clock.now();
    this.#fire(now);
    const before = this.model;
    this.model = model;
    this.#lookups.clear();
    this.#wakeAt = this.#timersAt = -Infinity;
    this.#wakeExact = false;
    for (const rt of this.#tgs.values()) this.#dropPools(rt);
    const templateTargets = this.#options.registerTemplateTargets !== false;
    for (const tg of model.targetGroups) {
      const rt = this.#tgs.get(tg.id);
      if (!rt || rt.retired) {
        if (rt) this.#tgs.delete(tg.id);
        this.#addTargetGroup(tg, now);
        continue;
      }
      const previous = rt.model;
      rt.model = tg;
      rt.settings = this.#settings(tg);
      if (previous.attributes.algorithm !== tg.attributes.algorithm) rt.balancers.clear();
      // the load balancers' zones may have changed: nodes that left stop, new ones start from the reported state
      for (const t of rt.targets.values()) this.#syncViews(rt, t, now);
      if (templateTargets && !this.#follower) {
        // a CloudFormation update registers the targets that appeared and deregisters those that went (§2.3)
        const key = (t: TargetModel) => targetK(t.id, this.#portOf(rt, t));
        const present = new Set(tg.targets.map(key));
        const was = new Set(previous.targets.map(key));
        const added = tg.targets.filter((t) => !was.has(key(t)));
        const removed = previous.targets.filter((t) => !present.has(key(t)));
        if (added.length > 0) this.registerTargets(tg.id, added);
        if (removed.length > 0) this.deregisterTargets(tg.id, removed);
      }
    }
    // Target groups that left the template: no rule reaches them any more; their targets drain (§2.3).
    for (const old of before.targetGroups) {
      if (model.targetGroups.some((t) => t.id === old.id)) continue;
      const rt = this.#tgs.get(old.id);
      if (!rt) continue;
      rt.retired = true;
      const delayMs = old.targetType === 'lambda' ? 0 : old.attributes.deregistrationDelaySeconds * 1000;
      if (!this.#follower) {
        for (const t of [...rt.targets.values()]) this.#apply(rt, t, { type: 'deregister', at: now, delayMs });
      }
      if (rt.targets.size === 0) this.#tgs.delete(old.id);
    }
    this.#route53.update(model, now);
    this.#dnsAnswerChanges(now);
  }

  /**
   * Counts every change target health or registration went through (`#apply`, `updateModel`, a zone failing
   * or recovering). With the
   * Route 53 checks' own revision it tells `#dnsAnswerChanges` whether any answer can have changed, so
   * that a shell advancing the engine after every request does not resolve every record each time.
   */
  #healthRevision = 0;
  #answersSeenAt = { health: -1, route53: -1 };

  /** §7.2, §7.6: report each change of a Route 53 health check and of a DNS answer as an event. */
  #dnsAnswerChanges(now: number): void {
    const seen = this.#answersSeenAt;
    if (seen.health === this.#healthRevision && seen.route53 === this.#route53.revision) return;
    this.#answersSeenAt = { health: this.#healthRevision, route53: this.#route53.revision };
    for (const c of this.#route53.statusChanges(now)) this.#emit({ type: 'route53-health-changed', ...c });
    for (const c of this.#route53.answerChanges(now)) this.#emit({ type: 'dns-answer-changed', ...c });
  }

  // ---- events ---------------------------------------------------------------------------------------

  onEvent(listener: (event: EngineEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(e: EngineEvent): void {
    this.#pending.push(e);
    for (const l of this.#listeners) l(e);
  }

  // ---- registration & health -------------------------------------------------------------------------

  #tg(ref: string): TgRt | undefined {
    const m = findTargetGroup(this.model, ref);
    return m ? this.#tgs.get(m.id) : undefined;
  }

  #portOf(tg: TgRt, t: TargetModel): number {
    return t.port ?? tg.model.port ?? 0;
  }

  /** The zones of the load balancers that use a target group, in model order (one node each, §2.4). */
  #zonesOf(tg: TgRt): readonly string[] {
    const cached = tg.zones;
    if (cached && cached.model === this.model && cached.tgModel === tg.model) return cached.zones;
    const zones: string[] = [];
    for (const id of tg.model.loadBalancerIds) {
      const lb = this.model.loadBalancers.find((b) => b.id === id);
      for (const z of lb?.availabilityZones ?? []) if (!zones.includes(z)) zones.push(z);
    }
    tg.zones = { model: this.model, tgModel: tg.model, zones };
    return zones;
  }

  /**
   * The zone of a target being registered: as given; none (every zone) for Lambda and `alb` targets;
   * else the zone it had when registered before, else the next zone of the target group's load
   * balancers (simulator choice `target_zone_spread`).
   */
  #placeTarget(tg: TgRt, target: TargetModel, k: string): string | undefined {
    if (target.availabilityZone !== undefined) {
      tg.placed.set(k, target.availabilityZone);
      return target.availabilityZone;
    }
    if (tg.model.targetType === 'lambda' || tg.model.targetType === 'alb') return undefined;
    const known = tg.placed.get(k);
    if (known !== undefined) return known;
    const zones = this.#zonesOf(tg);
    if (zones.length === 0) return undefined;
    const zone = zones[tg.spread++ % zones.length];
    tg.placed.set(k, zone);
    return zone;
  }

  /** One view per node of the target group's load balancers (`''` when no load balancer uses it). */
  #newViews(tg: TgRt, at: number): Map<string, NodeView> {
    const zones = this.#zonesOf(tg);
    return new Map((zones.length > 0 ? zones : ['']).map((zone) => [zone, { zone, health: unregisteredStatus(at) }]));
  }

  /**
   * Nodes that appeared start from the reported state and probe at once; nodes that left are dropped
   * (their probe in flight is forgotten).
   */
  #syncViews(tg: TgRt, t: TargetRt, now: number): void {
    const zones = this.#zonesOf(tg);
    const wanted = zones.length > 0 ? zones : [''];
    for (const [zone, v] of [...t.views]) {
      if (wanted.includes(zone)) continue;
      if (v.probe) this.#probes.delete(v.probe.id);
      t.views.delete(zone);
    }
    for (const zone of wanted) {
      if (t.views.has(zone)) continue;
      const probed = PROBED_STATES.has(t.health.state) && tg.settings.inUse;
      t.views.set(zone, {
        zone,
        health: { ...t.health, consecutivePasses: 0, consecutiveFails: 0 },
        ...(probed ? { nextProbeAt: now } : {}),
      });
    }
    this.#healthRevision++;
    this.#settle(tg, t, now);
    this.#lowerBounds(t);
  }

  /** §1.4: a target in a zone none of its load balancers is enabled in is `unused` / `Target.NotInUse`. */
  #settingsFor(tg: TgRt, t: TargetRt): HealthSettings {
    if (t.zone === undefined || t.zone === ALL_ZONES || !tg.settings.inUse) return tg.settings;
    return this.#zonesOf(tg).includes(t.zone) ? tg.settings : { ...tg.settings, inUse: false };
  }

  registerTargets(targetGroupId: string, targets: readonly TargetModel[]): void {
    const tg = this.#tg(targetGroupId);
    if (!tg) throw new Error(`SIM_TARGET_GROUP_NOT_FOUND: no target group ${targetGroupId}`);
    if (this.#follower) return; // registrations arrive through `mirror`
    const now = this.#clock.now();
    const batch = this.#nextBatch++;
    for (const target of targets) {
      const port = this.#portOf(tg, target);
      const existing = tg.targets.get(targetK(target.id, port));
      if (existing && existing.health.state !== 'draining') continue;
      const zone = existing?.zone ?? this.#placeTarget(tg, target, targetK(target.id, port));
      const rt = this.#admit(tg, target.id, port, target.availabilityZone, zone, batch, now);
      this.#apply(tg, rt, { type: 'register', at: now });
    }
  }

  /**
   * The runtime entry of a target joining `tg` (new, or a draining one registered again: every node's
   * view starts over), in zone `zone` (undefined: every zone).
   */
  #admit(
    tg: TgRt,
    id: string,
    port: number,
    availabilityZone: string | undefined,
    zone: string | undefined,
    batch: number,
    now: number,
  ): TargetRt {
    const k = targetK(id, port);
    const existing = tg.targets.get(k);
    const rt: TargetRt = existing ?? {
      key: new EngineTargetKey(tg.model.id, id, port),
      k,
      // every field present from the start: one object shape for every target (requests read these)
      availabilityZone,
      zone,
      health: unregisteredStatus(now),
      views: this.#newViews(tg, now),
      inflight: 0,
      slowStartFrom: undefined,
      windowRequests: 0,
      windowErrors: 0,
      anomaly: NORMAL,
      batch,
      wasHealthy: false,
      latencyMs: NaN,
      entry: undefined,
      lbCookiesAt: NaN,
      lbCookies: NO_STRINGS,
    };
    rt.batch = batch;
    rt.wasHealthy = false;
    if (existing) {
      rt.health = unregisteredStatus(now);
      for (const v of rt.views.values()) {
        if (v.probe) this.#probes.delete(v.probe.id);
        v.probe = undefined;
        v.nextProbeAt = undefined;
        v.health = unregisteredStatus(now);
      }
    }
    tg.targets.set(k, rt);
    return rt;
  }

  mirror(input: HealthInput): void {
    if ('zone' in input) {
      // a zone failed or recovered on the leader: this node routes as the same node would
      this.#setZone(input.zone, input.failed, input.at);
      return;
    }
    const tg = this.#tgs.get(input.targetGroupId);
    if (!tg) return;
    const { target, event } = input;
    const k = targetK(target.id, target.port);
    // the leader's zone for the target; placed here as the leader would when the input does not say
    const zone = () =>
      tg.targets.get(k)?.zone ??
      target.zone ??
      this.#placeTarget(tg, { id: target.id, port: target.port, availabilityZone: target.availabilityZone }, k);
    const rt =
      event.type === 'register'
        ? this.#admit(tg, target.id, target.port, target.availabilityZone, zone(), input.batch, event.at)
        : tg.targets.get(k);
    if (!rt) return;
    if (input.node === undefined) {
      this.#apply(tg, rt, event);
      return;
    }
    // one node's view (its probes, the end of its unhealthy.draining)
    const view = rt.views.get(input.node);
    if (view) this.#apply(tg, rt, event, view);
  }

  deregisterTargets(targetGroupId: string, targets: readonly TargetModel[]): void {
    const tg = this.#tg(targetGroupId);
    if (!tg) throw new Error(`SIM_TARGET_GROUP_NOT_FOUND: no target group ${targetGroupId}`);
    const now = this.#clock.now();
    const delayMs = tg.model.targetType === 'lambda' ? 0 : tg.model.attributes.deregistrationDelaySeconds * 1000;
    if (this.#follower) return; // deregistrations arrive through `mirror`
    for (const target of targets) {
      const rt = tg.targets.get(targetK(target.id, this.#portOf(tg, target)));
      if (rt) this.#apply(tg, rt, { type: 'deregister', at: now, delayMs });
    }
  }

  /**
   * Run one event through the health state machine of one node's view (probe events, the end of one
   * node's `unhealthy.draining`) or of every view (registration events), then settle the reported state.
   * With `replicate`, the input is emitted first, naming the view, so that followers apply the same.
   */
  #apply(tg: TgRt, t: TargetRt, event: HealthEvent, only?: NodeView): void {
    this.#healthRevision++;
    if (this.#options.replicate) {
      const { targetId: id, port } = t.key;
      this.#emit({
        type: 'health-input',
        at: event.at,
        targetGroupId: tg.model.id,
        target: {
          id,
          port,
          ...(t.availabilityZone !== undefined ? { availabilityZone: t.availabilityZone } : {}),
          ...(t.zone !== undefined ? { zone: t.zone } : {}),
        },
        batch: t.batch,
        ...(only ? { node: only.zone } : {}),
        event,
      });
    }
    const settings = this.#settingsFor(tg, t);
    let removed = false;
    if (only) removed = this.#applyToView(tg, only, event, settings);
    else for (const v of t.views.values()) removed = this.#applyToView(tg, v, event, settings) || removed;
    this.#settle(tg, t, event.at);
    if (removed) this.#remove(tg, t, event.at);
    else this.#lowerBounds(t);
  }

  /** One node's view takes the event (§1.3, §1.4); true when the target is to be removed. */
  #applyToView(tg: TgRt, v: NodeView, event: HealthEvent, settings: HealthSettings): boolean {
    const [next, effects] = transition(v.health, event, settings);
    v.health = next;
    let removed = false;
    for (const eff of effects) {
      switch (eff.type) {
        case 'schedule-probe':
          v.nextProbeAt = eff.at;
          break;
        case 'stop-probing':
          v.nextProbeAt = undefined;
          if (v.probe) this.#probes.delete(v.probe.id);
          v.probe = undefined;
          break;
        case 'schedule-removal':
          break; // drainingUntil is part of the status; #fire checks it
        case 'state-changed':
          this.#dropPools(tg); // this node's candidates changed
          break;
        case 'removed':
          removed = true;
          break;
      }
    }
    return removed;
  }

  /**
   * The reported state (simulator choice `node_health_view`): the state a strict majority of the views of
   * nodes that are up hold (of all views when every node is down); without a majority it stays.
   */
  #settle(tg: TgRt, t: TargetRt, at: number): void {
    // counted without allocating: a target has one view per zone, and every probe result lands here
    let upCount = 0;
    for (const v of t.views.values()) if (!this.#failed.has(v.zone)) upCount++;
    const everyView = upCount === 0;
    const poolSize = everyView ? t.views.size : upCount;
    let chosen: TargetHealthStatus | undefined;
    for (const v of t.views.values()) {
      if (!everyView && this.#failed.has(v.zone)) continue;
      let same = 0;
      for (const w of t.views.values())
        if ((everyView || !this.#failed.has(w.zone)) && w.health.state === v.health.state) same++;
      // the first view of the majority's state (views in node order)
      if (same * 2 > poolSize) {
        chosen = v.health;
        break;
      }
    }
    if (!chosen || chosen === t.health) return;
    const from = t.health;
    t.health = chosen;
    if (from.state === chosen.state) return;
    this.#dropPools(tg);
    this.#onStateChanged(tg, t, from.state, chosen.state, at);
    this.#emit({
      type: 'target-health-changed',
      at,
      target: t.key,
      from: from.state,
      to: chosen.state,
      reason: chosen.reason,
    });
  }

  /**
   * The deregistration delay is over (§2.3): the target leaves every node; what is still in flight is
   * aborted or kept as `#delayExpired` says (§6.5).
   */
  #remove(tg: TgRt, t: TargetRt, at: number): void {
    if (tg.targets.get(t.k) !== t) return;
    if (t.inflight > 0) this.#delayExpired(tg, t, at);
    for (const v of t.views.values()) if (v.probe) this.#probes.delete(v.probe.id);
    tg.targets.delete(t.k);
    this.#dropPools(tg);
    this.#wakeExact = false;
    if (tg.retired && tg.targets.size === 0 && this.#tgs.get(tg.model.id) === tg) this.#tgs.delete(tg.model.id);
    this.#emit({ type: 'target-removed', at, target: t.key });
  }

  /**
   * The deregistration delay of `t` ended with requests or flows still open (§2.3, §6.5). ALB: the requests
   * are aborted and answered 502. NLB: flows carry on, unless `deregistration_delay.connection_termination`
   * is on (default for UDP and TCP_UDP TGs), which closes them now.
   */
  #delayExpired(tg: TgRt, t: TargetRt, at: number): void {
    if (tg.model.loadBalancerType === 'network') {
      if (tg.model.attributes.deregistrationConnectionTermination) {
        this.#terminate(t, at, 'DeregistrationDelayExpired');
      }
      // Flows left open stay in `#requests`, so that `requestFinished` still retires them.
      return;
    }
    const ids = this.#dropInFlight(t);
    this.#emit({
      type: 'abort-requests',
      at,
      target: t.key,
      requestIds: ids,
      status: ELB_STATUS.badGateway as 502,
      reason: 'DeregistrationDelayExpired',
    });
  }

  #terminate(t: TargetRt, at: number, reason: 'TargetUnhealthy' | 'DeregistrationDelayExpired'): void {
    const ids = this.#dropInFlight(t);
    this.#emit({ type: 'terminate-connections', at, target: t.key, requestIds: ids, reason });
  }

  /**
   * §1.5, §6.6: an NLB target turned `unhealthy` (the reported state) with flows open. They are reset when
   * connection termination is on (the default), or when its `unhealthy.draining` interval has just ended
   * (on the nodes that make the majority); never while the TG fails open. UDP and TCP_UDP TGs do not have
   * the termination attribute: their flows carry on (simulator choice `nlb_udp_unhealthy_flows`).
   */
  #unhealthyFlows(tg: TgRt, t: TargetRt, from: string, at: number): void {
    const a = tg.model.attributes;
    const udp = tg.model.protocol === 'UDP' || tg.model.protocol === 'TCP_UDP';
    if (udp || !(a.unhealthyConnectionTermination || from === 'unhealthy.draining')) return;
    const pool = candidateSet(
      [...tg.targets.values()].map((o) => ({ state: o.health.state })),
      a.routingFailover,
    );
    if (pool.kind === 'ok' && !pool.failOpen) this.#terminate(t, at, 'TargetUnhealthy');
  }

  #onStateChanged(tg: TgRt, t: TargetRt, from: string, to: string, at: number): void {
    if (to === 'unhealthy' && tg.model.loadBalancerType === 'network' && t.inflight > 0) {
      this.#unhealthyFlows(tg, t, from, at);
    }
    if (to === 'healthy') {
      const durationS = tg.model.attributes.slowStartSeconds;
      // §2.2: targets registered together into a TG without a healthy target do not start each other.
      // (Peers are looked at only when slow start is on: N targets turning healthy stay O(N).)
      const others =
        durationS > 0
          ? [...tg.targets.values()]
              .filter((o) => o !== t && (t.wasHealthy || o.batch !== t.batch))
              .map((o) => ({ healthy: o.health.state === 'healthy', inSlowStart: this.#inSlowStart(tg, o, at) }))
          : [];
      t.slowStartFrom = entersSlowStart(durationS, others) ? at : undefined;
      t.wasHealthy = true;
    } else if (from === 'healthy') {
      t.slowStartFrom = undefined;
      t.anomaly = NORMAL;
    }
  }

  /** End every request in flight on `t` and return their ids, oldest first (the caller says why). */
  #dropInFlight(t: TargetRt): number[] {
    const ids: number[] = [];
    for (const [id, r] of this.#requests.entries()) if (r.t === t) ids.push(id);
    for (const id of ids) this.#requests.delete(id);
    t.inflight = 0;
    return ids;
  }

  #inSlowStart(tg: TgRt, t: TargetRt, now: number): boolean {
    return t.slowStartFrom !== undefined && now - t.slowStartFrom < tg.model.attributes.slowStartSeconds * 1000;
  }

  /** Fire due timers (probe deadlines, ends of draining) in time order. */
  #fire(now: number): void {
    if (now < this.#timersAt || this.#follower) return;
    const due: { at: number; run: () => void }[] = [];
    for (const tg of this.#tgs.values()) {
      for (const t of tg.targets.values()) {
        for (const v of t.views.values()) {
          const probe = v.probe;
          if (probe && probe.deadline <= now) {
            due.push({ at: probe.deadline, run: () => this.#probeTimedOut(tg, t, v, probe.id, probe.deadline) });
          }
          // §6.6 unhealthy.draining is one node's verdict: its interval ends per view
          const until = v.health.drainingUntil;
          if (v.health.state === 'unhealthy.draining' && until !== undefined && until <= now) {
            due.push({ at: until, run: () => this.#elapsed(tg, t, until, v) });
          }
        }
        // §2.3 the deregistration delay is the target's, the same on every node
        const until = t.health.drainingUntil;
        if (t.health.state === 'draining' && until !== undefined && until <= now) {
          due.push({ at: until, run: () => this.#elapsed(tg, t, until) });
        }
      }
    }
    due.sort((a, b) => a.at - b.at);
    for (const d of due) d.run();
    this.#recomputeBounds();
  }

  /** A draining interval ended: of one node's view (§6.6), or of the target's deregistration delay (§2.3). */
  #elapsed(tg: TgRt, t: TargetRt, at: number, only?: NodeView): void {
    // a due timer may outlive its target
    if (tg.targets.get(t.k) === t) this.#apply(tg, t, { type: 'delay-elapsed', at }, only);
  }

  #probeTimedOut(tg: TgRt, t: TargetRt, v: NodeView, id: number, at: number): void {
    if (v.probe?.id !== id) return;
    v.probe = undefined;
    this.#probes.delete(id);
    this.#lowerBounds(t);
    const verdict = classifyProbe(tg.model.loadBalancerType, tg.model.healthCheck.successCodes, { kind: 'timeout' });
    this.#apply(tg, t, { type: 'probe-result', at, verdict }, v);
  }

  advance(now: number = this.#clock.now()): EngineEvent[] {
    if (!this.#follower) {
      this.#fire(now);
      this.#route53.fire(now);
      this.#dnsAnswerChanges(now);
    }
    const out = this.#pending;
    this.#pending = [];
    return out;
  }

  probeDue(now: number = this.#clock.now()): ProbeRequest[] {
    if (this.#follower) return [];
    this.#fire(now);
    // no probe is due before the wake-up bound (shells ask after every event: no pass over every view)
    if (now < this.#wakeAt) return [];
    const out: ProbeRequest[] = [];
    for (const tg of this.#tgs.values()) {
      const hc = tg.model.healthCheck;
      for (const t of tg.targets.values()) {
        for (const v of t.views.values()) {
          // §1.3 each node probes on its own schedule; a failed zone's node sends nothing
          if (v.nextProbeAt === undefined || v.nextProbeAt > now || v.probe || this.#failed.has(v.zone)) continue;
          const scheduled = v.nextProbeAt;
          this.#apply(tg, t, { type: 'probe-sent', at: scheduled }, v);
          if (v.nextProbeAt === undefined) continue;
          while (v.nextProbeAt <= now) v.nextProbeAt += tg.settings.intervalMs;
          const id = this.#nextProbeId++;
          const timeoutMs = hc.timeoutSeconds * 1000;
          v.probe = { id, deadline: now + timeoutMs };
          this.#probes.set(id, { tg, t, v });
          this.#lowerBounds(t);
          const probe: Mutable<ProbeRequest> = {
            probeId: id,
            target: t.key,
            loadBalancerType: tg.model.loadBalancerType,
            protocol: hc.protocol,
            port: hc.port === TRAFFIC_PORT ? t.key.port : hc.port,
            path: hc.path,
            timeoutMs,
            deadline: now + timeoutMs,
            userAgent: HEALTH_CHECK_USER_AGENT,
          };
          if (tg.model.protocolVersion === 'GRPC' && hc.protocol !== 'TCP') probe.grpc = true;
          if (v.zone !== '') probe.availabilityZone = v.zone;
          out.push(probe);
        }
      }
    }
    this.#recomputeBounds();
    return out;
  }

  probeResult(probeId: number, outcome: ProbeOutcome): void {
    const now = this.#clock.now();
    this.#fire(now);
    const entry = this.#probes.get(probeId);
    if (!entry || entry.v.probe?.id !== probeId) return;
    const { tg, t, v } = entry;
    this.#probes.delete(probeId);
    v.probe = undefined;
    this.#lowerBounds(t);
    const verdict: ProbeVerdict = classifyProbe(tg.model.loadBalancerType, tg.model.healthCheck.successCodes, outcome);
    this.#apply(tg, t, { type: 'probe-result', at: now, verdict }, v);
  }

  nextWakeAt(): number | undefined {
    if (this.#follower) return undefined; // its leader's timers drive it
    if (!this.#wakeExact) this.#recomputeBounds();
    return this.#wakeAt === Infinity ? undefined : this.#wakeAt;
  }

  /**
   * `t`'s earliest timer: a node's probe deadline, the end of a node's `unhealthy.draining` (§6.6), or the
   * end of the target's deregistration delay (§2.3, the same on every node).
   */
  #timerOf(t: TargetRt): number {
    let at = (t.health.state === 'draining' && t.health.drainingUntil) || Infinity;
    for (const v of t.views.values()) {
      if (v.probe && v.probe.deadline < at) at = v.probe.deadline;
      const until = v.health.drainingUntil;
      if (v.health.state === 'unhealthy.draining' && until !== undefined && until < at) at = until;
    }
    return at;
  }

  /** `t`'s next wake-up: a timer, or the next probe of a node that is up and has none in flight. */
  #wakeOf(t: TargetRt): number {
    let at = this.#timerOf(t);
    for (const v of t.views.values()) {
      const next = v.nextProbeAt;
      if (next !== undefined && next < at && !v.probe && !this.#failed.has(v.zone)) at = next;
    }
    return at;
  }

  /** `t`'s timers changed: keep the bounds no later than its own. */
  #lowerBounds(t: TargetRt): void {
    this.#wakeExact = false;
    this.#timersAt = Math.min(this.#timersAt, this.#timerOf(t));
    this.#wakeAt = Math.min(this.#wakeAt, this.#wakeOf(t));
  }

  /** One pass over every target: exact bounds. */
  #recomputeBounds(): void {
    let wake = Infinity;
    let timers = Infinity;
    for (const tg of this.#tgs.values()) {
      for (const t of tg.targets.values()) {
        timers = Math.min(timers, this.#timerOf(t));
        wake = Math.min(wake, this.#wakeOf(t));
      }
    }
    this.#wakeAt = wake;
    this.#timersAt = timers;
    this.#wakeExact = true;
  }

  // ---- Availability Zones and load-balancer nodes (§1.5, §2.4) ------------------------------------------

  failZone(availabilityZone: string): void {
    this.#setZone(availabilityZone, true, this.#clock.now());
  }

  recoverZone(availabilityZone: string): void {
    this.#setZone(availabilityZone, false, this.#clock.now());
  }

  /**
   * A zone's nodes stop (their probes in flight are forgotten) or start again (simulator choice
   * `node_recovery_health`: a returning node takes what the others report, then probes at once). With
   * `replicate`, emitted as a health input first, so that followers route as the same node would.
   */
  #setZone(availabilityZone: string, failed: boolean, now: number): void {
    if (this.#failed.has(availabilityZone) === failed) return;
    this.#fire(now);
    if (this.#options.replicate) {
      this.#emit({ type: 'health-input', at: now, zone: availabilityZone, failed });
    }
    if (failed) this.#failed.add(availabilityZone);
    else this.#failed.delete(availabilityZone);
    this.#healthRevision++; // DNS answers depend on which zones are up (§1.5)
    for (const tg of this.#tgs.values()) {
      this.#dropPools(tg);
      for (const t of tg.targets.values()) {
        const v = t.views.get(availabilityZone);
        if (v && failed && v.probe) {
          this.#probes.delete(v.probe.id);
          v.probe = undefined;
        }
        if (v && !failed) {
          const others = [...t.views.values()].some((o) => o !== v && !this.#failed.has(o.zone));
          if (others && PROBED_STATES.has(t.health.state) && PROBED_STATES.has(v.health.state)) {
            v.health = { ...t.health, consecutivePasses: 0, consecutiveFails: 0 };
          }
          if (v.nextProbeAt !== undefined) v.nextProbeAt = Math.min(v.nextProbeAt, now);
        }
        this.#settle(tg, t, now);
      }
    }
    this.#recomputeBounds();
    this.#emit({ type: 'zone-changed', at: now, availabilityZone, failed });
  }

  failedZones(): string[] {
    return [...this.#failed];
  }

  targetZone(target: TargetKey): string | undefined {
    const zone = this.#tg(target.targetGroupId)?.targets.get(targetK(target.targetId, target.port))?.zone;
    return zone === ALL_ZONES ? undefined : zone;
  }

  nodeHealth(target: TargetKey): Record<string, TargetHealthState> {
    this.#fire(this.#clock.now());
    const t = this.#tg(target.targetGroupId)?.targets.get(targetK(target.targetId, target.port));
    return Object.fromEntries([...(t?.views.values() ?? [])].map((v) => [v.zone, v.health.state]));
  }

  /** The target groups a load balancer's listeners use (simulator choice `evaluate_target_health_tgs`). */
  #targetGroupsOf(lb: LoadBalancerModel): TgRt[] {
    return [...this.#tgs.values()].filter((tg) => !tg.retired && tg.model.loadBalancerIds.includes(lb.id));
  }

  /**
   * §1.5 a zone of a load balancer is healthy for DNS when its node is up and every target group the
   * load balancer uses has registered targets and meets its `dns_failover` thresholds, as that node
   * sees them: over the zone's own targets with cross-zone off, over all targets with it on.
   */
  #zoneHealthy(lb: LoadBalancerModel, zone: string): boolean {
    if (this.#failed.has(zone)) return false;
    for (const tg of this.#targetGroupsOf(lb)) {
      const scope = this.#scopeZone(lb, tg, zone);
      let registered = 0;
      let healthy = 0;
      for (const t of tg.targets.values()) {
        if (!inScope(t, scope)) continue;
        const state = (t.views.get(zone) ?? t).health.state;
        if (isRegistered(state)) registered++;
        if (isRoutable(state)) healthy++;
      }
      if (registered === 0 || belowThreshold(healthy, registered, tg.model.attributes.dnsFailover)) return false;
    }
    return true;
  }

  dnsZones(loadBalancerId: string): string[] {
    const lb = findLoadBalancer(this.model, loadBalancerId);
    if (!lb) return [];
    this.#fire(this.#clock.now());
    const healthy = lb.availabilityZones.filter((z) => this.#zoneHealthy(lb, z));
    // §1.5 "if all zones are unhealthy, DNS returns all of them"
    return healthy.length > 0 ? healthy : [...lb.availabilityZones];
  }

  describeTargetHealth(targetGroupId: string, targets?: readonly TargetModel[]): TargetHealthDescription[] {
    const tg = this.#tg(targetGroupId);
    if (!tg) throw new Error(`SIM_TARGET_GROUP_NOT_FOUND: no target group ${targetGroupId}`);
    this.#fire(this.#clock.now());
    const hc = tg.model.healthCheck;
    const describe = (key: TargetKey, health: TargetHealthStatus, rt?: TargetRt): TargetHealthDescription => {
      const anomalyShown =
        rt !== undefined &&
        tg.model.loadBalancerType === 'application' &&
        tg.model.targetType !== 'lambda' &&
        health.state === 'healthy';
      return {
        Target: {
          Id: key.targetId,
          Port: key.port,
          ...(rt?.availabilityZone ? { AvailabilityZone: rt.availabilityZone } : {}),
        },
        HealthCheckPort: String(hc.port === TRAFFIC_PORT ? key.port : hc.port),
        TargetHealth: {
          State: health.state,
          ...(health.reason ? { Reason: health.reason } : {}),
          ...(health.description ? { Description: health.description } : {}),
        },
        ...(anomalyShown
          ? {
              AnomalyDetection: {
                Result: rt!.anomaly.result,
                MitigationInEffect: rt!.anomaly.mitigationInEffect ? ('yes' as const) : ('no' as const),
              },
            }
          : {}),
      };
    };
    if (targets) {
      return targets.map((t) => {
        const port = this.#portOf(tg, t);
        const rt = tg.targets.get(targetK(t.id, port));
        return rt
          ? describe(rt.key, rt.health, rt)
          : describe({ targetGroupId: tg.model.id, targetId: t.id, port }, NOT_REGISTERED);
      });
    }
    return [...tg.targets.values()].map((rt) => describe(rt.key, rt.health, rt));
  }

  targetDetails(targetGroupId: string): TargetDetail[] {
    const tg = this.#tg(targetGroupId);
    if (!tg) return [];
    const now = this.#clock.now();
    this.#fire(now);
    const slowMs = tg.model.attributes.slowStartSeconds * 1000;
    return [...tg.targets.values()].map((t) => {
      const slow = this.#inSlowStart(tg, t, now) ? t.slowStartFrom! : undefined;
      return {
        target: t.key,
        state: t.health.state,
        since: t.health.since,
        ...(t.health.drainingUntil !== undefined ? { drainingUntil: t.health.drainingUntil } : {}),
        ...(slow !== undefined ? { slowStartUntil: slow + slowMs } : {}),
        weight: (slow !== undefined ? slowStartWeight(now, slow, slowMs) : 1) * t.anomaly.weight,
        inFlight: t.inflight,
      };
    });
  }

  inFlight(target: TargetKey): number {
    const tg = this.#tg(target.targetGroupId);
    return tg?.targets.get(targetK(target.targetId, target.port))?.inflight ?? 0;
  }

  loadBalancerHealthy(loadBalancerId: string): boolean {
    const lb = findLoadBalancer(this.model, loadBalancerId);
    if (!lb) return false;
    this.#fire(this.#clock.now());
    // §7.5: healthy while DNS has a healthy node address to answer with (§1.5)
    return lb.availabilityZones.some((z) => this.#zoneHealthy(lb, z));
  }

  route53NextWakeAt(): number | undefined {
    return this.#route53.nextWakeAt();
  }

  route53ProbeDue(now: number = this.#clock.now()): Route53ProbeRequest[] {
    return this.#route53.probeDue(now);
  }

  route53ProbeResult(probeId: number, observation: R53ProbeObservation): void {
    this.#route53.probeResult(probeId, observation, this.#clock.now());
  }

  route53ProbeCancelled(probeId: number): void {
    this.#route53.probeCancelled(probeId);
  }

  healthCheckStatus(healthCheckId: string): boolean | undefined {
    this.#route53.fire(this.#clock.now());
    return this.#route53.status(healthCheckId);
  }

  healthCheckObservations(healthCheckId: string): CheckerObservation[] | undefined {
    this.#route53.fire(this.#clock.now());
    return this.#route53.observations(healthCheckId);
  }

  dnsQuery(
    name: string,
    type: string,
    where: Pick<DnsLookups, 'loadBalancerAddresses' | 'loadBalancerNamed'>,
  ): DnsAnswer {
    const now = this.#clock.now();
    this.#fire(now);
    this.#route53.fire(now);
    return this.#route53.query(name, type, where);
  }

  resolveRecord(name: string, type: string): RecordSetModel | undefined {
    const now = this.#clock.now();
    this.#fire(now);
    this.#route53.fire(now);
    return this.#route53.answer(name, type);
  }

  // ---- anomaly detection (§2.1) ------------------------------------------------------------------------

  #rollWindow(tg: TgRt, now: number): void {
    const windowMs = ANOMALY_WINDOW_MS;
    let rounds = 0;
    while (now - tg.windowStart >= windowMs) {
      if (rounds++ > 20) {
        tg.windowStart = now;
        break;
      }
      tg.windowStart += windowMs;
      if (tg.model.targetType === 'lambda') continue;
      // One pass first: with no error in the window and no target anomalous or mitigated, every target
      // stays normal, which is what thousands of targets evaluated every window almost always find.
      let errors = 0;
      let settled = true;
      for (const t of tg.targets.values()) {
        if (t.health.state !== 'healthy') continue;
        errors += t.windowErrors;
        if (t.anomaly !== NORMAL) settled = false;
      }
      if (errors > 0 || !settled) {
        const monitored = [...tg.targets.values()].filter((t) => t.health.state === 'healthy');
        const stats = new Map<string, WindowStats>(
          monitored.map((t) => [t.k, { requests: t.windowRequests, errors: t.windowErrors }]),
        );
        const prev = new Map(monitored.map((t) => [t.k, t.anomaly]));
        const mitigation = tg.model.attributes.anomalyMitigation && tg.model.attributes.algorithm === 'weighted_random';
        const next = evaluateAnomalies(stats, prev, mitigation);
        for (const t of monitored) {
          const status = next.get(t.k) ?? NORMAL;
          if (status.weight !== t.anomaly.weight) this.#dropPools(tg);
          t.anomaly = status;
        }
      }
      for (const t of tg.targets.values()) {
        t.windowRequests = 0;
        t.windowErrors = 0;
      }
      // the windows still to roll saw no request: each would find the same, so skip to the last
      if (errors === 0 && settled && now - tg.windowStart >= windowMs)
        tg.windowStart += Math.floor((now - tg.windowStart) / windowMs) * windowMs;
    }
  }

  requestFinished(requestId: number, outcome: RequestOutcome = {}): void {
    const entry = this.#requests.get(requestId);
    if (!entry) return;
    this.#requests.delete(requestId);
    entry.t.inflight--;
    if (outcome.notSent) return;
    const now = this.#clock.now();
    this.#rollWindow(entry.tg, now);
    entry.t.windowRequests++;
    const latency = now - entry.startedAt;
    entry.t.latencyMs =
      entry.t.latencyMs !== entry.t.latencyMs // NaN: the first response
        ? latency
        : entry.t.latencyMs + LATENCY_EWMA_ALPHA * (latency - entry.t.latencyMs);
    if (outcome.connectionError || (outcome.status !== undefined && outcome.status >= 500)) entry.t.windowErrors++;
  }

  connectionClosed(connectionId: string): void {
    for (const tg of this.#tgs.values()) for (const b of tg.balancers.values()) b.connectionClosed?.(connectionId);
  }

  // ---- routing -----------------------------------------------------------------------------------------

  #lookup(lbRef: string, listenerRef: string): { lb?: LoadBalancerModel; listener?: ListenerModel } {
    const known = this.#lookups.get(lbRef)?.get(listenerRef);
    if (known) return known;
    const lb = findLoadBalancer(this.model, lbRef);
    if (!lb) return {};
    const byRef = findListener(this.model, listenerRef);
    const listener =
      byRef && byRef.loadBalancerId === lb.id
        ? byRef
        : this.model.listeners.find((l) => l.loadBalancerId === lb.id && String(l.port) === listenerRef);
    if (!listener) return { lb };
    const found = { lb, listener };
    let byListener = this.#lookups.get(lbRef);
    if (!byListener) this.#lookups.set(lbRef, (byListener = new Map()));
    byListener.set(listenerRef, found);
    return found;
  }

  route(
    loadBalancerId: string,
    listenerId: string,
    request: HttpRequestInfo,
    preselected?: RuleSelection,
  ): RouteDecision {
    const now = this.#clock.now();
    this.#fire(now);
    const { lb, listener } = this.#lookup(loadBalancerId, listenerId);
    const base = { loadBalancerId: lb?.id ?? loadBalancerId, listenerId: listener?.id ?? listenerId };
    if (!lb || !listener) {
      return {
        kind: 'error',
        ...base,
        matchedRulePriority: -1,
        status: ELB_STATUS.serviceUnavailable,
        reason: 'ListenerNotFound',
      };
    }
    if (request.availabilityZone !== undefined && this.#failed.has(request.availabilityZone)) {
      // the node of a failed zone takes no requests (the shells refuse its connections)
      return {
        kind: 'error',
        ...base,
        matchedRulePriority: -1,
        status: ELB_STATUS.serviceUnavailable,
        reason: 'ZoneFailed',
      };
    }
    const selection = preselected ?? selectRule(listener, request);
    // the last action that is not unsupported is the terminal one; the unsupported ones are reported,
    // authenticate actions (§4.3) were run by the edge (a loop rather than filter/reverse/find: this
    // runs for every request)
    let skipped: string[] | undefined;
    let terminal: (typeof selection.actions)[number] | undefined;
    for (const a of selection.actions) {
      if (a.type === 'unsupported') (skipped ??= []).push(a.originalType);
      else if (a.type !== 'authenticate-oidc' && a.type !== 'authenticate-cognito') terminal = a;
    }
    const priority = selection.priority;
    if (!terminal) {
      return { kind: 'error', ...base, matchedRulePriority: priority, status: 500, reason: 'NoTerminalAction' };
    }
    switch (terminal.type) {
      case 'redirect':
        return {
          kind: 'redirect',
          ...base,
          matchedRulePriority: priority,
          status: redirectStatus(terminal.statusCode),
          location: redirectLocation(terminal, request),
        };
      case 'fixed-response':
        return {
          kind: 'fixed',
          ...base,
          matchedRulePriority: priority,
          status: terminal.statusCode,
          contentType: terminal.contentType,
          body: terminal.messageBody,
        };
      case 'forward':
        return this.#forward(lb, base, terminal, priority, request, skipped ?? NO_STRINGS, now);
    }
    return { kind: 'error', ...base, matchedRulePriority: priority, status: 500, reason: 'NoTerminalAction' };
  }

  #forward(
    lb: LoadBalancerModel,
    base: { loadBalancerId: string; listenerId: string },
    action: ForwardActionModel,
    priority: number,
    request: HttpRequestInfo,
    skipped: readonly string[],
    now: number,
  ): ForwardDecision | ErrorDecision {
    if (action.targetGroups.length === 0)
      return forwardError(base, priority, ELB_STATUS.serviceUnavailable, 'TargetGroupNotFound');
    const only = action.targetGroups.length === 1 ? action.targetGroups[0] : undefined;
    const weighted =
      only && only.weight > 0 && this.#tgs.has(only.targetGroupId)
        ? action.targetGroups
        : action.targetGroups.filter((t) => t.weight > 0 && this.#tgs.has(t.targetGroupId));
    if (weighted.length === 0) {
      // simulator choice all_weights_zero
      const anyKnown = action.targetGroups.some((t) => this.#tgs.has(t.targetGroupId));
      return forwardError(
        base,
        priority,
        ELB_STATUS.serviceUnavailable,
        anyKnown ? 'AllWeightsZero' : 'TargetGroupNotFound',
      );
    }
    // Cookies are parsed only for stickiness (target group or target); most requests need none.
    let setCookies: string[] | undefined;
    let tgId: string;
    const tgSticky = action.targetGroups.length > 1 && action.targetGroupStickiness?.enabled === true;
    if (tgSticky) {
      const durationMs = (action.targetGroupStickiness?.durationSeconds ?? 0) * 1000;
      const read = readStickyCookie(
        requestCookies(request),
        TG_COOKIE_NAMES,
        'tg',
        undefined,
        now,
        durationMs,
        this.#key,
      );
      // simulator choice sticky_tg_unusable: a cookie for a weight-0 TG or one without targets is ignored
      const usable =
        read.status === 'valid' &&
        weighted.some((w) => w.targetGroupId === read.payload.g) &&
        this.#hasRegistered(this.#tgs.get(read.payload.g)!);
      tgId =
        usable && read.status === 'valid'
          ? read.payload.g
          : weightedChoice(weighted, this.#random.next()).targetGroupId;
      (setCookies ??= []).push(...targetGroupCookies(tgId, now, this.#key));
    } else {
      tgId =
        weighted.length === 1 ? weighted[0].targetGroupId : weightedChoice(weighted, this.#random.next()).targetGroupId;
    }
    const tg = this.#tgs.get(tgId)!;
    const node = request.availabilityZone;
    const pool = this.#candidates(tg, node, this.#scopeZone(lb, tg, node), now);
    if (!pool) return forwardError(base, priority, ELB_STATUS.serviceUnavailable, 'NoRegisteredTargets', tgId);

    // target stickiness (§3.1, §3.2)
    const st = tg.model.attributes.stickiness;
    let stickiness: StickinessOutcome = 'none';
    let chosen: (PoolTarget & { rt: TargetRt }) | undefined;
    let appCookie: ForwardDecision['appCookie'];
    /** AWSALB cookies (shared with other requests to the target in the same millisecond: never changed). */
    let lbIssued: readonly string[] | undefined;
    const stickyKind = st.enabled && lb.type === 'application' ? st.type : undefined;
    if (stickyKind === 'lb_cookie' || stickyKind === 'app_cookie') {
      const isLb = stickyKind === 'lb_cookie';
      const read = readStickyCookie(
        requestCookies(request),
        isLb ? LB_COOKIE_NAMES : [APP_COOKIE_NAME],
        isLb ? 'lb' : 'app',
        tg.model.id,
        now,
        (isLb ? st.lbCookieDurationSeconds : st.appCookieDurationSeconds) * 1000,
        this.#key,
      );
      if (read.status === 'valid') {
        pool.byKey ??= new Map(pool.targets.map((p) => [p.key, p]));
        chosen = pool.byKey.get(targetK(read.payload.t ?? '', read.payload.p ?? 0));
      }
      stickiness = chosen ? 'hit' : read.status === 'absent' ? 'new' : 'repick';
    }
    chosen ??= this.#balancer(tg, node).pick(pool.targets, {
      random: this.#random,
      now,
      hashKey: request.sourceIp,
      uniformWeights: pool.uniformWeights,
      connectionId: request.connectionId,
    });
    const key = chosen.rt.key;
    if (stickyKind === 'lb_cookie') {
      const rt = chosen.rt;
      if (rt.lbCookiesAt !== now) {
        rt.lbCookies = lbCookies(tg.model.id, key.targetId, key.port, now, this.#key);
        rt.lbCookiesAt = now;
      }
      lbIssued = rt.lbCookies;
    } else if (stickyKind === 'app_cookie') {
      const issued = appCookies(
        tg.model.id,
        key.targetId,
        key.port,
        now,
        this.#key,
        headerValues(request, 'user-agent')[0],
      );
      // Each response refreshes the LB cookie once a session exists; a re-pick moves the session (§3.2).
      if (stickiness === 'hit' || stickiness === 'repick') (setCookies ??= []).push(...issued);
      appCookie = { cookieName: st.appCookieName ?? '', setCookies: issued };
    }
    const requestId = this.#startRequest(tg, chosen.rt, now);
    // fields written out rather than spread: this runs for every request
    const d: { -readonly [K in keyof ForwardDecision]: ForwardDecision[K] } = {
      kind: 'forward',
      requestId,
      loadBalancerId: base.loadBalancerId,
      listenerId: base.listenerId,
      targetGroupId: tg.model.id,
      target: key,
      matchedRulePriority: priority,
      setCookies: lbIssued ? (setCookies ? [...setCookies, ...lbIssued] : lbIssued) : (setCookies ?? NO_STRINGS),
      stickiness,
      failOpen: pool.failOpen,
      skippedActions: skipped,
    };
    if (appCookie) d.appCookie = appCookie;
    return d;
  }

  #hasRegistered(tg: TgRt): boolean {
    return this.#candidates(tg, undefined, undefined, this.#clock.now()) !== undefined;
  }

  /** Forget every cached candidate pool of `tg` (a target's state on some node or its membership changed). */
  #dropPools(tg: TgRt): void {
    // (clearing an empty Map still allocates a table: thousands of targets turning healthy call this)
    if (tg.pools.size > 0) tg.pools.clear();
    if (tg.zonePools.size > 0) tg.zonePools.clear();
  }

  /** The balancing state of one node (`''`: the load balancer as one whole); per node on AWS (§2.4). */
  #balancer(tg: TgRt, node: string | undefined): Balancer {
    let b = tg.balancers.get(node ?? '');
    if (!b) tg.balancers.set(node ?? '', (b = this.#balancerFor(tg.model)));
    return b;
  }

  /** §2.4: the zone a node may send to: its own with cross-zone off (ALB: TG attribute; NLB: LB, then TG). */
  #scopeZone(lb: LoadBalancerModel, tg: TgRt, zone: string | undefined): string | undefined {
    if (zone === undefined) return undefined;
    const cz = tg.model.attributes.crossZone;
    const crossZone = cz === 'use_load_balancer_configuration' ? lb.attributes.crossZone : cz === 'true';
    return crossZone ? undefined : zone;
  }

  /**
   * Candidate pool with balancer weights, or undefined when no target is registered (→ 503, §1.5), as
   * `node` sees target health (the reported state when no node is named). Cached per node and scope
   * until a target's state or membership changes (see `TgRt.pools`).
   */
  #candidates(tg: TgRt, node: string | undefined, scopeZone: string | undefined, now: number): CachedPool | undefined {
    this.#rollWindow(tg, now);
    // the scope is the node's own zone or every zone (§2.4), so node and scope name the pool
    const pools = scopeZone === undefined ? tg.pools : tg.zonePools;
    const key = node ?? '';
    const cached = pools.get(key);
    if (cached && now < cached.validUntil) return cached.targets.length > 0 ? cached : undefined;
    const views = [...tg.targets.values()].map((rt) => ({
      state: (node === undefined ? rt : (rt.views.get(node) ?? rt)).health.state,
      availabilityZone: rt.zone === ALL_ZONES ? undefined : rt.zone,
      rt,
    }));
    const c = candidateSet(views, tg.model.attributes.routingFailover, scopeZone);
    if (c.kind === 'no-registered-targets') {
      pools.set(key, { targets: [], failOpen: false, uniformWeights: true, validUntil: Infinity });
      return undefined;
    }
    const slowMs = tg.model.attributes.slowStartSeconds * 1000;
    const weightOf = (rt: TargetRt): number =>
      (rt.slowStartFrom !== undefined
        ? slowStartWeight(this.#clock.now(), rt.slowStartFrom, tg.model.attributes.slowStartSeconds * 1000)
        : 1) * rt.anomaly.weight;
    let uniformWeights = true;
    let validUntil = Infinity;
    const targets = c.targets.map(({ rt }) => {
      if (rt.slowStartFrom !== undefined && now - rt.slowStartFrom < slowMs) {
        uniformWeights = false;
        validUntil = Math.min(validUntil, rt.slowStartFrom + slowMs);
      }
      if (rt.anomaly.weight !== 1) uniformWeights = false;
      return (rt.entry ??= new PoolEntry(rt, rt.k, weightOf));
    });
    const pool: CachedPool = { targets, failOpen: c.failOpen, uniformWeights, validUntil };
    pools.set(key, pool);
    return pool;
  }

  routeConnection(loadBalancerId: string, listenerId: string, flow: FlowInfo): ConnectionDecision {
    const now = this.#clock.now();
    this.#fire(now);
    const { lb, listener } = this.#lookup(loadBalancerId, listenerId);
    const base = { loadBalancerId: lb?.id ?? loadBalancerId, listenerId: listener?.id ?? listenerId };
    if (!lb || !listener) return { kind: 'error', ...base, reason: 'ListenerNotFound' };
    if (flow.availabilityZone !== undefined && this.#failed.has(flow.availabilityZone))
      return { kind: 'error', ...base, reason: 'ZoneFailed' };
    const action = [...listener.defaultActions].reverse().find((a) => a.type === 'forward') as
      ForwardActionModel | undefined;
    const tgId = action?.targetGroups.find((t) => this.#tgs.has(t.targetGroupId))?.targetGroupId;
    if (!tgId) return { kind: 'error', ...base, reason: 'TargetGroupNotFound' };
    const tg = this.#tgs.get(tgId)!;
    const node = flow.availabilityZone;
    const pool = this.#candidates(tg, node, this.#scopeZone(lb, tg, node), now);
    // NLB: an empty target group fails open too (§1.5), but with no target there is nowhere to send.
    if (!pool) return { kind: 'error', ...base, reason: 'NoRegisteredTargets' };
    const sourceIpSticky =
      tg.model.attributes.stickiness.enabled && tg.model.attributes.stickiness.type === 'source_ip';
    const hashKey = sourceIpSticky
      ? flow.sourceIp
      : [
          flow.protocol,
          flow.sourceIp,
          flow.sourcePort,
          flow.destinationIp,
          flow.destinationPort,
          flow.sequence ?? '',
        ].join('|');
    const chosen = flowHash().pick(pool.targets, { random: this.#random, now, hashKey });
    const requestId = this.#startRequest(tg, chosen.rt, now);
    return {
      kind: 'forward',
      requestId,
      ...base,
      targetGroupId: tg.model.id,
      target: chosen.rt.key,
      failOpen: pool.failOpen,
      stickiness: sourceIpSticky ? 'hit' : 'none',
    };
  }
}
