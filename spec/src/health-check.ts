/** Target-group health checks: docs/aws-behaviour.md §1.1–§1.2. */
import type { LoadBalancerTypeName, TargetTypeName } from './enums';
import { range } from './range';

export const HEALTH_CHECK_LIMITS = {
  intervalSeconds: range(5, 300),
  timeoutSeconds: range(2, 120),
  healthyThresholdCount: range(2, 10),
  unhealthyThresholdCount: range(2, 10),
  port: range(1, 65535),
  pathLength: range(1, 1024),
  /** Matcher.HttpCode code bounds: ALB 200–499, NLB 200–599. */
  httpCode: { application: range(200, 499), network: range(200, 599) } as Record<
    LoadBalancerTypeName,
    ReturnType<typeof range>
  >,
  grpcCode: range(0, 99),
} as const;

export const TRAFFIC_PORT = 'traffic-port';

/** The service's own text when interval ≤ timeout (§1.2). */
export const INTERVAL_NOT_GREATER_THAN_TIMEOUT_TEXT = 'Health check interval must be greater than the timeout.';

export interface HealthCheckDefaults {
  readonly enabled: boolean;
  readonly protocol: 'HTTP' | 'HTTPS' | 'TCP';
  readonly port: typeof TRAFFIC_PORT;
  readonly path: string;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly healthyThresholdCount: number;
  readonly unhealthyThresholdCount: number;
  readonly httpCode: string;
}

/**
 * The health-check settings AWS applies when a field is omitted (§1.1).
 *
 * ALB instance/ip timeout: the ALB guide says 5 s, the API reference says 6 s (HTTP TG) / 10 s (HTTPS TG).
 * This is a documented discrepancy; the simulator follows the API reference because that is what
 * CloudFormation-created target groups report.
 */
export function healthCheckDefaults(
  lbType: LoadBalancerTypeName,
  targetType: TargetTypeName,
  targetGroupProtocol: string | undefined,
  healthCheckProtocol?: string,
): HealthCheckDefaults {
  if (lbType === 'application' && targetType === 'lambda') {
    return {
      enabled: false,
      protocol: 'HTTP',
      port: TRAFFIC_PORT,
      path: '/',
      intervalSeconds: 35,
      timeoutSeconds: 30,
      healthyThresholdCount: 5,
      unhealthyThresholdCount: 5,
      httpCode: '200',
    };
  }
  if (lbType === 'application') {
    const protocol = (healthCheckProtocol ?? (targetGroupProtocol === 'HTTPS' ? 'HTTPS' : 'HTTP')) as 'HTTP' | 'HTTPS';
    return {
      enabled: true,
      protocol,
      port: TRAFFIC_PORT,
      path: '/',
      intervalSeconds: 30,
      timeoutSeconds: protocol === 'HTTPS' ? 10 : 6,
      healthyThresholdCount: 5,
      unhealthyThresholdCount: 2,
      httpCode: '200',
    };
  }
  const tgIsHttp = targetGroupProtocol === 'HTTP' || targetGroupProtocol === 'HTTPS';
  const protocol = (healthCheckProtocol ?? (tgIsHttp ? targetGroupProtocol : 'TCP')) as 'HTTP' | 'HTTPS' | 'TCP';
  return {
    enabled: true,
    protocol,
    port: TRAFFIC_PORT,
    path: '/',
    intervalSeconds: 30,
    timeoutSeconds: protocol === 'HTTP' ? 6 : 10,
    healthyThresholdCount: 5,
    unhealthyThresholdCount: 2,
    httpCode: '200-399',
  };
}

/** Health-check protocols that are never valid (§1.1). */
export const NEVER_HEALTH_CHECK_PROTOCOLS = ['TLS', 'UDP', 'TCP_UDP', 'GENEVE', 'QUIC', 'TCP_QUIC'] as const;

/** gRPC target groups: default path and matcher (§1.1). */
export const GRPC_HEALTH_CHECK_DEFAULTS = { path: '/AWS.ALB/healthcheck', grpcCode: '12' } as const;

/** User agent on health-check requests (unconfirmed for non-Lambda targets, see choices.ts). */
export const HEALTH_CHECK_USER_AGENT = 'ELB-HealthChecker/2.0';

/**
 * Parse a matcher string ("200", "200,202", "200-299", or a mix) into the list of codes it accepts.
 * Returns undefined when the grammar is broken.
 */
export function parseMatcher(matcher: string): number[] | undefined {
  const out: number[] = [];
  for (const part of matcher.split(',')) {
    const p = part.trim();
    const m = /^(\d+)(?:-(\d+))?$/.exec(p);
    if (!m) return undefined;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) return undefined;
    for (let c = lo; c <= hi; c++) out.push(c);
  }
  return out;
}

/**
 * `TargetHealth.Description` texts per reason (§1.4). The reason codes are AWS's; the description wording
 * follows what the console/API show and is not in the reference (treat as approximate).
 */
export const TARGET_HEALTH_DESCRIPTIONS = {
  'Elb.RegistrationInProgress': 'Target registration is in progress',
  'Elb.InitialHealthChecking': 'Initial health checks in progress',
  'Target.ResponseCodeMismatch': 'Health checks failed with these codes: ',
  'Target.Timeout': 'Request timed out',
  'Target.FailedHealthChecks': 'Health checks failed',
  'Target.NotRegistered': 'Target is not registered to the target group',
  'Target.NotInUse': 'Target group is not configured to receive traffic from the load balancer',
  'Target.DeregistrationInProgress': 'Target deregistration is in progress',
  'Target.InvalidState': 'Target is in the stopped or terminated state',
  'Target.IpUnusable': 'The target IP address is reserved for use by a load balancer',
  'Target.HealthCheckDisabled': 'Health checks are disabled',
  'Elb.InternalError': 'Health checks failed due to an internal error',
} as const;
