/**
 * The shapes of one request exchange at an ALB listener (`exchange.ts`): the request as the edge
 * received it, the steps the shell performs, what the target's response becomes, the state an exchange
 * fills in and the observation it leaves behind. Types only: the exchange and the edge features
 * (`edge-features.ts`) both build on them without importing each other.
 */
import type { DesyncClassification } from './desync';
import type { AuthCallback, IdpCall } from './authenticate';
import type { ElbResponse } from './elb-response';
import type { HeaderList } from './headers';
import type { TargetGroupModel } from '../model/types';
import type { ForwardDecision, RouteDecision, StickinessOutcome, TargetKey } from './types';

/** The request as the edge received it. */
export interface EdgeRequest {
  readonly method: string;
  /** The request-target as sent: origin form (`/a?b`) or absolute form (`http://h/a`). */
  readonly target: string;
  /** `1.0`, `1.1` or `2.0`, or what an HTTP/1.x request line said (classification reads it). */
  readonly httpVersion: string;
  /** Header lines as received (HTTP/2: pseudo-headers removed, `:authority` as `host`). */
  readonly headers: HeaderList;
  readonly client: { readonly address: string; readonly port: number };
  /** HTTPS listeners: what the TLS handshake negotiated. */
  readonly tls?: {
    readonly protocol?: string;
    readonly cipher?: string;
    readonly servername?: string;
    /** Mutual TLS (§5.1): the certificate chain the client presented, PEM, leaf first. */
    readonly clientCertificateChain?: readonly string[];
  };
  /** A WebSocket (or other) upgrade request. */
  readonly upgrade?: boolean;
  /**
   * HTTP/1.x requests: the request line's protocol token as sent (`HTTP/1.1`); classification (§5.3)
   * needs it. Absent for HTTP/2, which desync mitigation does not apply to.
   */
  readonly rawVersion?: string;
  /**
   * The Availability Zone of the load-balancer node the client connected to (§2.4): that node routes the
   * request. Absent: the load balancer as one whole (the listener's own local address).
   */
  readonly availabilityZone?: string;
}

/** What the shell sends to the target for a forwarded request. */
export interface UpstreamRequest {
  readonly requestId: number;
  readonly target: TargetKey;
  /** Target-group protocol: how to talk to the target. */
  readonly protocol: 'HTTP' | 'HTTPS';
  readonly method: string;
  /** Origin-form path and query. */
  readonly path: string;
  readonly headers: HeaderList;
  /** Close the connection to the target after this request (§5.3 defensive, Ambiguous request). */
  readonly closeAfter: boolean;
}

export type ExchangeStep =
  | { readonly kind: 'respond'; readonly response: ElbResponse }
  | { readonly kind: 'forward'; readonly upstream: UpstreamRequest }
  /**
   * §4.3 authentication: the load balancer calls the identity provider (token, then user-info
   * endpoint). The shell performs `call` and hands the reply to `Exchange.idpAnswered`.
   */
  | { readonly kind: 'idp'; readonly call: IdpCall };

/** The target's response as the client gets it. */
export interface Relay {
  readonly kind: 'relay';
  readonly status: number;
  /** The target's headers minus hop-by-hop ones, plus the load balancer's cookies. */
  readonly headers: HeaderList;
  /** Close the client connection after this response (§5.3 defensive, Ambiguous request). */
  readonly close: boolean;
}

/** Everything one exchange left behind: what the metrics and the access log are made of. */
export interface ExchangeObservation {
  readonly loadBalancer: string;
  readonly scheme: 'http' | 'https';
  /** The listener port as configured (80, 443, ...). */
  readonly listenerPort: number;
  readonly request: EdgeRequest;
  /** Clock time the request was received (ms). */
  readonly receivedAtMs: number;
  /** Clock time the exchange finished (ms). */
  readonly finishedAtMs: number;
  /** ms from receipt until the request went to the target (or until the answer, when none did). */
  readonly requestProcessingMs: number;
  /** ms the target took to send its response headers; -1 when no target answered. */
  readonly targetProcessingMs: number;
  /** ms from the target's response headers to the end of the response; -1 when no target answered. */
  readonly responseProcessingMs: number;
  /** Status the client received (460: none, the client had left). */
  readonly status: number;
  /** The load balancer generated the status itself (not a target's status passed through). */
  readonly generated: boolean;
  readonly targetStatus?: number;
  readonly action?: 'forward' | 'redirect' | 'fixed-response';
  /** `actions_executed` (§5.5), in order. */
  readonly actions: readonly string[];
  /** `error_reason` (§5.5), e.g. an `Auth*` reason of a failed authenticate action. */
  readonly errorReason?: string;
  /** §5.6 ELBAuthSuccess / ELBAuthFailure / ELBAuthError: how an authentication ended, when one did. */
  readonly authOutcome?: 'ELBAuthSuccess' | 'ELBAuthFailure' | 'ELBAuthError';
  /** Set once a rule was evaluated: 0 for the default rule (§4.1). */
  readonly matchedRulePriority?: number;
  readonly targetGroup?: { readonly id: string; readonly dimension: string; readonly arn: string };
  readonly target?: TargetKey;
  /** A target was chosen for the request (`RequestCount`, §5.6). */
  readonly targetChosen: boolean;
  readonly stickiness?: StickinessOutcome;
  readonly failOpen?: boolean;
  readonly targetConnectionError?: boolean;
  readonly redirectUrl?: string;
  /** The Root trace id the target saw. */
  readonly traceId?: string;
  readonly invalidHeaders?: 'dropped' | 'forwarded';
  readonly classification: DesyncClassification;
  /** Simulator only: why the load balancer answered by itself (gateway-error kind, §5.4 cause). */
  readonly cause?: string;
  readonly receivedBytes: number;
  readonly sentBytes: number;
}

/** Receives each finished exchange (metrics, access log, request timeline). */
export type ExchangeRecorder = (observation: ExchangeObservation) => void;

/** A target group as the edge needs it. */
export interface EdgeTargetGroup {
  readonly model: TargetGroupModel;
  readonly dimension: string;
  readonly arn: string;
}

/** The mutable part of an exchange while it runs (what becomes the observation). */
export interface ExchangeState {
  decision?: RouteDecision;
  classification: DesyncClassification;
  closeAfter: boolean;
  /** Set by the shell's parser: the body framing could not be determined (§5.3, choice desync_unframeable). */
  readonly unframeable: boolean;
  traceId?: string;
  matchedRulePriority?: number;
  action?: 'forward' | 'redirect' | 'fixed-response';
  actions: readonly string[];
  redirectUrl?: string;
  forward?: ForwardDecision;
  targetChosen: boolean;
  target?: TargetKey;
  stickiness?: StickinessOutcome;
  failOpen?: boolean;
  invalidHeaders?: 'dropped' | 'forwarded';
  sentToTargetAt?: number;
  /** What the forwarded request gets beyond §5.1 (identity headers, rewrites, mTLS headers). */
  forwardExtras?: ForwardExtras;
  /** §4.3: an authenticate action ran before the terminal action (`actions_executed`). */
  authenticated?: boolean;
  errorReason?: string;
  authOutcome?: ExchangeObservation['authOutcome'];
  /** §4.3: the running callback of an authentication (IdP calls pending). */
  authCallback?: { readonly flow: AuthCallback; call: IdpCall };
  targetGroupOf(id: string): EdgeTargetGroup | undefined;
  answer(response: ElbResponse, cause?: string): ExchangeStep;
}

/** Changes to a forwarded request decided before routing (`edge-features.ts`). */
export interface ForwardExtras {
  readonly authenticated: boolean;
  /** The rewritten origin-form path and query (§4.3 url-rewrite). */
  readonly pathAndQuery?: string;
  /** Headers to forward instead of `headers` (Host rewrite, identity and mTLS headers added). */
  apply(headers: HeaderList): HeaderList;
}
