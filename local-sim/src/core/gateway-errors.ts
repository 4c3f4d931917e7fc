/**
 * Upstream failures → the status code the ALB itself sends (docs/aws-behaviour.md §5.4), keeping the cause
 * for logs and metrics. One function decides; the live shell only classifies what its socket saw.
 *
 * Pure: no I/O. `classifyUpstreamError` looks only at the `code`/`name` strings of an error object.
 */
import { ELB_STATUS, HTTP_LIMITS, type ProtocolVersionName } from '@ha-load-balancer/spec';

/** Why a request could not be completed by a target. */
export type UpstreamFailureKind =
  /** Target answered the TCP connect with RST / ICMP unreachable (ECONNREFUSED). */
  | 'connect_refused'
  /** Connection reset while connecting. */
  | 'connect_reset'
  /** TCP connect to the target took longer than 10 s. */
  | 'connect_timeout'
  /** The target sent nothing within the idle timeout. */
  | 'target_idle_timeout'
  /** The target closed the connection (RST or FIN) while a request was outstanding. */
  | 'target_closed'
  /** The target's response status line or headers could not be parsed. */
  | 'bad_response_headers'
  /** The target's response header block was larger than 32 KB. */
  | 'response_headers_too_large'
  /** TLS handshake to the target failed or took longer than 10 s. */
  | 'tls_failure'
  /** The request was still in flight when the target's deregistration delay expired. */
  | 'deregistration_delay_expired'
  /** The target group has no registered targets. */
  | 'no_registered_targets'
  /** The target announced a Content-Length larger than the body it sent. */
  | 'content_length_mismatch'
  /** The request's protocol does not fit the target group's protocol version (`protocolVersionError`). */
  | 'incompatible_protocol_version';

export interface GatewayError {
  readonly kind: UpstreamFailureKind;
  /** HTTP status the load balancer sends to the client. */
  readonly status: number;
  /** Human-readable cause for logs (AWS's wording, paraphrased from §5.4). */
  readonly cause: string;
  /** Counts in the target group's `TargetConnectionErrorCount` (§5.6): connection never established. */
  readonly targetConnectionError: boolean;
  /** Whether a target was chosen (the access log then names it; `RequestCount` counts it). */
  readonly dispatched: boolean;
  /** Extra detail from the socket layer (error code/message), if any. */
  readonly detail?: string;
}

const TABLE: Readonly<Record<UpstreamFailureKind, Omit<GatewayError, 'kind' | 'detail'>>> = {
  connect_refused: {
    status: ELB_STATUS.badGateway,
    cause: 'The target refused the connection (TCP RST on connect or ICMP unreachable).',
    targetConnectionError: true,
    dispatched: true,
  },
  connect_reset: {
    status: ELB_STATUS.badGateway,
    cause: 'The target reset the connection while it was being established.',
    targetConnectionError: true,
    dispatched: true,
  },
  connect_timeout: {
    status: ELB_STATUS.gatewayTimeout,
    cause: `The TCP connection to the target took longer than ${HTTP_LIMITS.targetConnectTimeoutSeconds} s.`,
    targetConnectionError: true,
    dispatched: true,
  },
  target_idle_timeout: {
    status: ELB_STATUS.gatewayTimeout,
    cause: 'The target did not respond before the idle timeout elapsed.',
    targetConnectionError: false,
    dispatched: true,
  },
  target_closed: {
    status: ELB_STATUS.badGateway,
    cause: 'The target closed the connection (RST or FIN) with a request outstanding.',
    targetConnectionError: false,
    dispatched: true,
  },
  bad_response_headers: {
    status: ELB_STATUS.badGateway,
    cause: 'The target sent a malformed or invalid response.',
    targetConnectionError: false,
    dispatched: true,
  },
  response_headers_too_large: {
    status: ELB_STATUS.badGateway,
    cause: `The target's response header was larger than ${HTTP_LIMITS.responseHeaderBytes / 1024} KB.`,
    targetConnectionError: false,
    dispatched: true,
  },
  tls_failure: {
    status: ELB_STATUS.badGateway,
    cause: `The TLS handshake with the target failed or took longer than ${HTTP_LIMITS.targetTlsHandshakeTimeoutSeconds} s.`,
    targetConnectionError: true,
    dispatched: true,
  },
  deregistration_delay_expired: {
    status: ELB_STATUS.badGateway,
    cause: 'The deregistration delay expired while the request was in flight.',
    targetConnectionError: false,
    dispatched: true,
  },
  no_registered_targets: {
    status: ELB_STATUS.serviceUnavailable,
    cause: 'The target group has no registered targets.',
    targetConnectionError: false,
    dispatched: false,
  },
  content_length_mismatch: {
    status: ELB_STATUS.gatewayTimeout,
    cause: 'The target sent a Content-Length larger than the body it sent.',
    targetConnectionError: false,
    dispatched: true,
  },
  incompatible_protocol_version: {
    status: ELB_STATUS.incompatibleProtocol,
    cause: "The request protocol is incompatible with the target group's protocol version.",
    targetConnectionError: false,
    dispatched: false,
  },
};

/** The status AWS sends for an upstream failure, with its cause (§5.4). */
export function gatewayError(kind: UpstreamFailureKind, detail?: string): GatewayError {
  return { kind, ...TABLE[kind], ...(detail !== undefined ? { detail } : {}) };
}

/** What `protocolVersionError` looks at in a request. */
export interface RequestProtocol {
  /** 1 for HTTP/1.0 and HTTP/1.1, 2 for HTTP/2. */
  readonly httpVersionMajor: number;
  readonly method: string;
  /** The request's `content-type` header, if any. */
  readonly contentType?: string;
}

/** gRPC requests carry `content-type: application/grpc` or `application/grpc+<codec>` (and similar). */
export function isGrpcRequest(contentType: string | undefined): boolean {
  return contentType !== undefined && contentType.trim().toLowerCase().startsWith('application/grpc');
}

/**
 * §5.4 HTTP 464: the request protocol is incompatible with the target group's `ProtocolVersion`. The ALB
 * answers by itself after choosing the target group; nothing is sent to a target.
 *
 * - HTTP/1.x request → `HTTP2` or `GRPC` target group;
 * - gRPC request (`content-type: application/grpc*`) → `HTTP1` target group;
 * - HTTP/2 request with a method other than `POST` → `GRPC` target group.
 *
 * Anything else passes (e.g. a gRPC request to an `HTTP2` target group: AWS forwards it without
 * gRPC-specific features; a non-gRPC HTTP/2 `POST` to a `GRPC` target group: not listed by AWS).
 */
export function protocolVersionError(
  protocolVersion: ProtocolVersionName,
  request: RequestProtocol,
): GatewayError | undefined {
  const http1 = request.httpVersionMajor < 2;
  const grpc = isGrpcRequest(request.contentType);
  const incompatible =
    protocolVersion === 'HTTP1' ? grpc : protocolVersion === 'HTTP2' ? http1 : http1 || request.method !== 'POST';
  if (!incompatible) return undefined;
  const version = http1 ? 'HTTP/1.x' : 'HTTP/2';
  const what = grpc ? `gRPC (${version})` : `${version} ${request.method}`;
  return gatewayError('incompatible_protocol_version', `${what} request to a ${protocolVersion} target group`);
}

/** The minimal shape of a socket / undici / TLS error that classification looks at. */
export interface ErrorLike {
  readonly code?: string;
  readonly name?: string;
  readonly message?: string;
  readonly cause?: unknown;
}

/**
 * Map an error from the socket layer to a failure kind. `phase` says whether the connection to the
 * target had been established (errors after connect mean the target went away mid-request).
 */
export function classifyUpstreamError(err: ErrorLike, phase: 'connect' | 'request'): UpstreamFailureKind {
  const inner = err.cause && typeof err.cause === 'object' ? (err.cause as ErrorLike) : undefined;
  const codes = [err.code, inner?.code].filter((c): c is string => typeof c === 'string');
  const names = [err.name, inner?.name].filter((c): c is string => typeof c === 'string');
  const has = (test: (code: string) => boolean): boolean => codes.some(test);
  if (has((c) => c === 'ECONNREFUSED' || c === 'EHOSTUNREACH' || c === 'ENETUNREACH')) return 'connect_refused';
  if (has((c) => c === 'UND_ERR_CONNECT_TIMEOUT' || c === 'ETIMEDOUT') || names.includes('ConnectTimeoutError')) {
    return 'connect_timeout';
  }
  if (has((c) => c === 'UND_ERR_HEADERS_TIMEOUT' || c === 'UND_ERR_BODY_TIMEOUT')) return 'target_idle_timeout';
  if (has((c) => c === 'UND_ERR_HEADERS_OVERFLOW')) return 'response_headers_too_large';
  if (has((c) => c === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH')) return 'content_length_mismatch';
  if (has((c) => c.startsWith('HPE_')) || names.includes('HTTPParserError')) return 'bad_response_headers';
  if (has((c) => c.startsWith('ERR_TLS') || c.startsWith('ERR_SSL') || /CERT|SSL/.test(c))) return 'tls_failure';
  return phase === 'connect' ? 'connect_reset' : 'target_closed';
}
