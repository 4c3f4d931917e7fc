/** Enumerations exactly as CloudFormation and the ELBv2 API spell them (docs/aws-behaviour.md §1, §4, §6, §8). */

export const LOAD_BALANCER_TYPES = ['application', 'network'] as const;
export type LoadBalancerTypeName = (typeof LOAD_BALANCER_TYPES)[number];

export const SCHEMES = ['internet-facing', 'internal'] as const;
export type SchemeName = (typeof SCHEMES)[number];

/** §8.2 IpAddressType per load-balancer type. */
export const LB_IP_ADDRESS_TYPES: Record<LoadBalancerTypeName, readonly string[]> = {
  application: ['ipv4', 'dualstack', 'dualstack-without-public-ipv4'],
  network: ['ipv4', 'dualstack'],
};

/** §8.2 IP address types that only an internet-facing load balancer may use. */
export const INTERNET_FACING_ONLY_IP_ADDRESS_TYPES: readonly string[] = ['dualstack-without-public-ipv4'];

export const ALB_PROTOCOLS = ['HTTP', 'HTTPS'] as const;
export const NLB_PROTOCOLS = ['TCP', 'TLS', 'UDP', 'TCP_UDP'] as const;
export type AlbProtocol = (typeof ALB_PROTOCOLS)[number];
export type NlbProtocol = (typeof NLB_PROTOCOLS)[number];
export type ElbProtocol = AlbProtocol | NlbProtocol;

export const TARGET_TYPES = ['instance', 'ip', 'lambda', 'alb'] as const;
export type TargetTypeName = (typeof TARGET_TYPES)[number];

export const PROTOCOL_VERSIONS = ['HTTP1', 'HTTP2', 'GRPC'] as const;
export type ProtocolVersionName = (typeof PROTOCOL_VERSIONS)[number];

/** §1.1 health-check protocols per load-balancer type. */
export const HEALTH_CHECK_PROTOCOLS: Record<LoadBalancerTypeName, readonly string[]> = {
  application: ['HTTP', 'HTTPS'],
  network: ['TCP', 'HTTP', 'HTTPS'],
};

/** §2.1 ALB routing algorithms. */
export const ALGORITHMS = ['round_robin', 'least_outstanding_requests', 'weighted_random'] as const;
export type AlgorithmName = (typeof ALGORITHMS)[number];

/** §3 stickiness types per load-balancer type. */
export const STICKINESS_TYPES: Record<LoadBalancerTypeName, readonly string[]> = {
  application: ['lb_cookie', 'app_cookie'],
  network: ['source_ip'],
};

/** §5.3 desync mitigation modes. */
export const DESYNC_MITIGATION_MODES = ['monitor', 'defensive', 'strictest'] as const;
export type DesyncMitigationMode = (typeof DESYNC_MITIGATION_MODES)[number];

/** §5.1 X-Forwarded-For processing modes. */
export const XFF_MODES = ['append', 'preserve', 'remove'] as const;
export type XffMode = (typeof XFF_MODES)[number];

/** §4.3 fixed-response content types. */
export const FIXED_RESPONSE_CONTENT_TYPES = [
  'text/plain',
  'text/css',
  'text/html',
  'application/javascript',
  'application/json',
] as const;

/** §4.3 redirect status codes. */
export const REDIRECT_STATUS_CODES = ['HTTP_301', 'HTTP_302'] as const;

/** §6.1 ALPN policies for NLB TLS listeners. */
export const ALPN_POLICIES = ['HTTP1Only', 'HTTP2Only', 'HTTP2Optional', 'HTTP2Preferred', 'None'] as const;
export type AlpnPolicyName = (typeof ALPN_POLICIES)[number];

/**
 * §6.1 the ALPN preference list each policy offers, most preferred first; `None` (the default)
 * negotiates no ALPN.
 */
export const ALPN_POLICY_PROTOCOLS: Readonly<Record<AlpnPolicyName, readonly string[]>> = {
  HTTP1Only: ['http/1.1', 'http/1.0'],
  HTTP2Only: ['h2'],
  HTTP2Optional: ['http/1.1', 'http/1.0', 'h2'],
  HTTP2Preferred: ['h2', 'http/1.1', 'http/1.0'],
  None: [],
};

/** §1.4 TargetHealthStateEnum. */
export const TARGET_HEALTH_STATES = [
  'initial',
  'healthy',
  'unhealthy',
  'unhealthy.draining',
  'unused',
  'draining',
  'unavailable',
] as const;
export type TargetHealthState = (typeof TARGET_HEALTH_STATES)[number];

/** §1.4 TargetHealthReasonEnum. */
export const TARGET_HEALTH_REASONS = [
  'Elb.RegistrationInProgress',
  'Elb.InitialHealthChecking',
  'Target.ResponseCodeMismatch',
  'Target.Timeout',
  'Target.FailedHealthChecks',
  'Target.NotRegistered',
  'Target.NotInUse',
  'Target.DeregistrationInProgress',
  'Target.InvalidState',
  'Target.IpUnusable',
  'Target.HealthCheckDisabled',
  'Elb.InternalError',
] as const;
export type TargetHealthReason = (typeof TARGET_HEALTH_REASONS)[number];
