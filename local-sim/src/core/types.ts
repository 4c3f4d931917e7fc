/**
 * Public types of the pure core, shared by the engine facade and both shells (live, virtual).
 * Times are milliseconds on the injected clock; nothing here reads the wall clock.
 */
import type { TargetHealthReason, TargetHealthState } from '@ha-load-balancer/spec';

/** Injected time source (ms). The live shell passes a wall clock; tests pass a `VirtualClock`. */
export interface Clock {
  now(): number;
}

/** Injected randomness: `next()` returns a number in [0, 1). */
export interface Random {
  next(): number;
}

/** Identifies one registered target of one target group (a target may be registered on several ports). */
export interface TargetKey {
  readonly targetGroupId: string;
  readonly targetId: string;
  readonly port: number;
}

/** What the engine needs to know about an incoming HTTP request (ALB listeners). */
export interface HttpRequestInfo {
  /** Request method exactly as received (case-sensitive, §4.2). */
  readonly method: string;
  /** Raw path without the query string, e.g. `/api/users` (not percent-decoded, see choices.ts). */
  readonly path: string;
  /** Raw query string without the leading `?` (empty when none). */
  readonly query: string;
  /**
   * Request headers; names in any case. Repeated headers as arrays. `host` is taken from here
   * unless `host` is given.
   */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** Host (authority) when not from the headers, e.g. for HTTP/2 `:authority`. */
  readonly host?: string;
  /** TCP peer address (IPv4 or IPv6), used by source-ip conditions (§4.2). */
  readonly sourceIp: string;
  /** Scheme between client and load balancer. */
  readonly protocol: 'http' | 'https';
  /** Listener port the client connected to (the AWS port, e.g. 443, not the local 8443). */
  readonly port: number;
  /**
   * Availability Zone of the load-balancer node that received the request (§2.4): that node routes it,
   * with its own view of target health and its own balancing state. Absent: the load balancer as one
   * whole (every zone's targets, the reported health, one balancing state), as before nodes existed.
   */
  readonly availabilityZone?: string;
  /**
   * The client connection the request came on (any stable string). Only what-if algorithms that
   * balance connections (least connections, not AWS) use it; see `Engine.connectionClosed`.
   */
  readonly connectionId?: string;
  /**
   * The request's cookies (`Cookie` headers, the first occurrence of a name wins), when the shell can
   * give them without building `headers` (stickiness reads them on every request). Absent: taken from
   * `headers`.
   */
  readonly cookies?: ReadonlyMap<string, string>;
}

/** How the target was chosen, for logs/metrics (`NonStickyRequestCount`, §3.1). */
export type StickinessOutcome =
  /** Target group has no stickiness. */
  | 'none'
  /** A valid sticky cookie selected the target. */
  | 'hit'
  /** Stickiness on, no cookie: algorithm chose and a cookie is issued. */
  | 'new'
  /** Cookie invalid/expired/pointing at an unusable target: re-picked and re-issued. */
  | 'repick';

export interface ForwardDecision {
  readonly kind: 'forward';
  /** Handle for `requestFinished`; the request counts as in flight until then. */
  readonly requestId: number;
  readonly loadBalancerId: string;
  readonly listenerId: string;
  readonly targetGroupId: string;
  readonly target: TargetKey;
  /** 1–50000 for a rule, 0 for the default rule (access-log `matched_rule_priority`, §4.1). */
  readonly matchedRulePriority: number;
  /** `Set-Cookie` header values to add to the response unconditionally (AWSALB, AWSALBCORS, AWSALBTG…). */
  readonly setCookies: readonly string[];
  /**
   * app_cookie stickiness (§3.2): when the target's response sets a cookie named `cookieName`, add
   * `setCookies` to the response. Absent when the TG does not use app_cookie.
   */
  readonly appCookie?: { readonly cookieName: string; readonly setCookies: readonly string[] };
  readonly stickiness: StickinessOutcome;
  /** True when the routing-failover threshold was breached and unhealthy targets were candidates (§1.5). */
  readonly failOpen: boolean;
  /** Actions that were present but not simulated (e.g. `authenticate-oidc`), for `actions_executed`. */
  readonly skippedActions: readonly string[];
}

export interface RedirectDecision {
  readonly kind: 'redirect';
  readonly loadBalancerId: string;
  readonly listenerId: string;
  readonly matchedRulePriority: number;
  readonly status: 301 | 302;
  readonly location: string;
}

export interface FixedResponseDecision {
  readonly kind: 'fixed';
  readonly loadBalancerId: string;
  readonly listenerId: string;
  readonly matchedRulePriority: number;
  readonly status: number;
  readonly contentType?: string;
  readonly body: string;
}

/** The load balancer itself answers with an error (e.g. 503 for a TG with no registered targets, §5.4). */
export interface ErrorDecision {
  readonly kind: 'error';
  readonly loadBalancerId: string;
  readonly listenerId: string;
  /** -1 when no rule was reached, else as for other decisions. */
  readonly matchedRulePriority: number;
  readonly status: number;
  /** Machine-readable cause, e.g. `NoRegisteredTargets`, `AllWeightsZero`, `ListenerNotFound`. */
  readonly reason: string;
  readonly targetGroupId?: string;
}

export type RouteDecision = ForwardDecision | RedirectDecision | FixedResponseDecision | ErrorDecision;

/** NLB flow (§6.2): the tuple the flow hash covers. */
export interface FlowInfo {
  readonly protocol: 'TCP' | 'UDP' | 'TLS' | 'TCP_UDP';
  readonly sourceIp: string;
  readonly sourcePort: number;
  readonly destinationIp: string;
  readonly destinationPort: number;
  /** TCP initial sequence number (or any per-connection nonce); omitted for UDP. */
  readonly sequence?: number;
  /** Availability Zone of the node the flow arrived at (§2.4, §6.2); absent: the load balancer as one whole. */
  readonly availabilityZone?: string;
}

export type ConnectionDecision =
  | {
      readonly kind: 'forward';
      readonly requestId: number;
      readonly loadBalancerId: string;
      readonly listenerId: string;
      readonly targetGroupId: string;
      readonly target: TargetKey;
      readonly failOpen: boolean;
      readonly stickiness: StickinessOutcome;
    }
  | {
      readonly kind: 'error';
      readonly loadBalancerId: string;
      readonly listenerId: string;
      readonly reason: string;
    };

/** How a forwarded request ended, reported by the shell (feeds anomaly detection, §2.1). */
export interface RequestOutcome {
  /** Status the target answered with, when it answered. */
  readonly status?: number;
  /** True when the target could not be reached or reset the connection. */
  readonly connectionError?: boolean;
  /**
   * True when the load balancer answered by itself after choosing the target (e.g. §5.4 464): the
   * request leaves the in-flight set but does not count in the target's request/latency statistics.
   */
  readonly notSent?: boolean;
}

/** A health-check probe the shell must perform (§1.1, §1.3). */
export interface ProbeRequest {
  readonly probeId: number;
  readonly target: TargetKey;
  readonly loadBalancerType: 'application' | 'network';
  readonly protocol: 'HTTP' | 'HTTPS' | 'TCP';
  /** Port to probe: the traffic port or the configured health-check port. */
  readonly port: number;
  /** Path for HTTP(S) probes. */
  readonly path: string;
  /**
   * §1.1 a gRPC target group (`ProtocolVersion: GRPC`): the probe is a gRPC call over HTTP/2 to `path`,
   * and its outcome's `status` is the call's `grpc-status`, judged against `Matcher.GrpcCode`.
   */
  readonly grpc?: boolean;
  readonly timeoutMs: number;
  /** The engine itself records `Target.Timeout` when no result arrives by this time. */
  readonly deadline: number;
  readonly userAgent: string;
  /**
   * The Availability Zone of the load-balancer node that sends this probe (§1.3: every node probes every
   * target on its own); absent for a target group no load balancer uses.
   */
  readonly availabilityZone?: string;
}

/** What one probe saw. */
export type ProbeOutcome =
  /** HTTP(S) response with this status (before the timeout). */
  | { readonly kind: 'response'; readonly status: number }
  /** TCP check: connection established. */
  | { readonly kind: 'connected' }
  /** No complete response within the timeout. */
  | { readonly kind: 'timeout' }
  /** Connection refused/reset, TLS failure, malformed response. */
  | { readonly kind: 'error'; readonly detail?: string };

/** What a probe's outcome means for the target (§1.3): passed, or failed with the reason AWS reports. */
export type ProbeVerdict =
  { readonly ok: true } | { readonly ok: false; readonly reason: TargetHealthReason; readonly description: string };

/** An input of the target health state machine (`core/target-health.ts`, §1.4). */
export type HealthEvent =
  | { readonly type: 'register'; readonly at: number }
  /** A probe was sent; `at` is its scheduled time (the next probe is `interval` later, §1.3). */
  | { readonly type: 'probe-sent'; readonly at: number }
  | { readonly type: 'probe-result'; readonly at: number; readonly verdict: ProbeVerdict }
  | { readonly type: 'deregister'; readonly at: number; readonly delayMs: number }
  | { readonly type: 'delay-elapsed'; readonly at: number };

/** `DescribeTargetHealth` entry, in the API's shape (PascalCase, like the XML/JSON it serialises to). */
export interface TargetHealthDescription {
  readonly Target: { readonly Id: string; readonly Port: number; readonly AvailabilityZone?: string };
  readonly HealthCheckPort: string;
  readonly TargetHealth: {
    readonly State: TargetHealthState;
    readonly Reason?: TargetHealthReason;
    readonly Description?: string;
  };
  /** Present when anomaly detection has data (§2.1, `--include AnomalyDetection`). */
  readonly AnomalyDetection?: { readonly Result: 'anomalous' | 'normal'; readonly MitigationInEffect: 'yes' | 'no' };
}

/** A registered target beyond `DescribeTargetHealth` (`Engine.targetDetails`), for the admin dashboard. */
export interface TargetDetail {
  readonly target: TargetKey;
  readonly state: TargetHealthState;
  /** When the target entered `state` (ms, the engine's clock). */
  readonly since: number;
  /** `draining` / `unhealthy.draining`: when the delay or interval ends (§2.3, §6.6). */
  readonly drainingUntil?: number;
  /** In slow start: when it ends (§2.2). */
  readonly slowStartUntil?: number;
  /** Share of a full target for new requests: slow start (§2.2) times anomaly mitigation (§2.1); 1 = full. */
  readonly weight: number;
  readonly inFlight: number;
}

/** Something the engine observed or decided that a shell may log, count or act on. */
/**
 * One health input a leader engine applied to a target (registration, probe sent or judged,
 * deregistration, end of a delay): what follower engines `mirror` to share its health state.
 */
export type HealthInput = TargetHealthInput | ZoneHealthInput;

/** A health input of one target. */
export interface TargetHealthInput {
  readonly targetGroupId: string;
  /**
   * `availabilityZone` as registered; `zone` the zone the leader put the target in (as registered or
   * placed, simulator choice `target_zone_spread`), so that followers need not place it again.
   */
  readonly target: {
    readonly id: string;
    readonly port: number;
    readonly availabilityZone?: string;
    readonly zone?: string;
  };
  /** The registration call the target joined in (§2.2 slow start compares them). */
  readonly batch: number;
  /**
   * The load-balancer node (by zone) whose view of the target the event is for (§1.3: a probe sent or
   * judged, the end of its `unhealthy.draining`); absent: every node's (registration, deregistration).
   */
  readonly node?: string;
  readonly event: HealthEvent;
}

/** An Availability Zone failed or recovered on the leader (`failZone`, `recoverZone`): its nodes stop or start. */
export interface ZoneHealthInput {
  readonly zone: string;
  readonly failed: boolean;
  readonly at: number;
}

export type EngineEvent =
  /** A leader applied a health input (only with `EngineOptions.replicate`). */
  | ({ readonly type: 'health-input'; readonly at: number } & HealthInput)
  | {
      readonly type: 'target-health-changed';
      readonly at: number;
      readonly target: TargetKey;
      readonly from: TargetHealthState;
      readonly to: TargetHealthState;
      readonly reason?: TargetHealthReason;
    }
  /** A target finished draining (deregistration delay elapsed) and was removed (§2.3). */
  | { readonly type: 'target-removed'; readonly at: number; readonly target: TargetKey }
  /**
   * ALB requests still in flight on a target whose deregistration delay expired: the shell must abort them
   * and answer 502 (§2.3, §5.4). NLB flows get `terminate-connections` instead, or nothing (§6.5).
   */
  | {
      readonly type: 'abort-requests';
      readonly at: number;
      readonly target: TargetKey;
      readonly requestIds: readonly number[];
      readonly status: 502;
      readonly reason: 'DeregistrationDelayExpired';
    }
  /**
   * NLB: the shell resets these flows (TCP: RST to both sides; UDP: the flow ends). `TargetUnhealthy`: the
   * target turned unhealthy (§1.5, §6.6, `target_health_state.unhealthy.connection_termination.enabled`, or
   * the end of its `unhealthy.draining` interval); not emitted while failing open.
   * `DeregistrationDelayExpired`: the delay ended and `deregistration_delay.connection_termination.enabled`
   * is on (§6.5); without it the flows carry on and nothing is emitted.
   */
  | {
      readonly type: 'terminate-connections';
      readonly at: number;
      readonly target: TargetKey;
      readonly requestIds: readonly number[];
      readonly reason: 'TargetUnhealthy' | 'DeregistrationDelayExpired';
    }
  /**
   * An Availability Zone failed or came back (`failZone` / `recoverZone`): its load-balancer nodes stop
   * or resume probing and routing, and leave or rejoin DNS answers (§1.5, §2.4).
   */
  | { readonly type: 'zone-changed'; readonly at: number; readonly availabilityZone: string; readonly failed: boolean }
  /** A Route 53 health check turned healthy or unhealthy (§7.2), with its checkers' count for endpoint checks. */
  | {
      readonly type: 'route53-health-changed';
      readonly at: number;
      readonly healthCheckId: string;
      readonly healthy: boolean;
      readonly checkers?: { readonly healthy: number; readonly total: number };
    }
  /**
   * Route 53 answers another record for a name and type (§7.3–§7.6): a failover, a weighted or
   * multivalue record set that changed with health, or a new model. `clientsMoveBy` is when a client
   * that cached the previous answer for its TTL has moved too.
   */
  | {
      readonly type: 'dns-answer-changed';
      readonly at: number;
      readonly name: string;
      readonly recordType: string;
      readonly from: readonly string[];
      readonly to: readonly string[];
      readonly previousTtlSeconds: number;
      readonly clientsMoveBy: number;
    };
