/** Target-group attributes, quotas and cross-attribute rules: docs/aws-behaviour.md §1.5, §2, §3, §6.4–6.6, §8.1. */
import { range } from './range';

export const TARGET_GROUP_LIMITS = {
  nameLength: range(1, 32),
  port: range(1, 65535),
  deregistrationDelaySeconds: range(0, 3600),
  /** slow_start.duration_seconds: 0 (off) or 30–900. */
  slowStartSeconds: range(30, 900),
  stickinessDurationSeconds: range(1, 604800),
  minimumHealthyTargetsPercentage: range(1, 100),
  unhealthyDrainingIntervalSeconds: range(0, 360000),
  targetsPerTargetGroup: 1000,
  targetsPerLambdaTargetGroup: 1,
  attributeKeyLength: range(1, 256),
} as const;

/** Target-group name: ≤ 32 chars of [A-Za-z0-9-], no leading or trailing hyphen (§8.1). */
export const TARGET_GROUP_NAME_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/;

/** Attribute keys exactly as the API spells them. */
export const TG_ATTR = {
  deregistrationDelay: 'deregistration_delay.timeout_seconds',
  deregistrationConnectionTermination: 'deregistration_delay.connection_termination.enabled',
  stickinessEnabled: 'stickiness.enabled',
  stickinessType: 'stickiness.type',
  lbCookieDuration: 'stickiness.lb_cookie.duration_seconds',
  appCookieName: 'stickiness.app_cookie.cookie_name',
  appCookieDuration: 'stickiness.app_cookie.duration_seconds',
  algorithm: 'load_balancing.algorithm.type',
  anomalyMitigation: 'load_balancing.algorithm.anomaly_mitigation',
  slowStart: 'slow_start.duration_seconds',
  crossZone: 'load_balancing.cross_zone.enabled',
  dnsFailoverCount: 'target_group_health.dns_failover.minimum_healthy_targets.count',
  dnsFailoverPercentage: 'target_group_health.dns_failover.minimum_healthy_targets.percentage',
  routingFailoverCount: 'target_group_health.unhealthy_state_routing.minimum_healthy_targets.count',
  routingFailoverPercentage: 'target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage',
  lambdaMultiValueHeaders: 'lambda.multi_value_headers.enabled',
  preserveClientIp: 'preserve_client_ip.enabled',
  proxyProtocolV2: 'proxy_protocol_v2.enabled',
  unhealthyConnectionTermination: 'target_health_state.unhealthy.connection_termination.enabled',
  unhealthyDrainingInterval: 'target_health_state.unhealthy.draining_interval_seconds',
} as const;

/** Defaults AWS applies when an attribute is absent. */
export const TG_DEFAULTS = {
  deregistrationDelaySeconds: 300,
  stickinessEnabled: false,
  stickinessTypeAlb: 'lb_cookie',
  stickinessTypeNlb: 'source_ip',
  stickinessDurationSeconds: 86400,
  algorithm: 'round_robin',
  anomalyMitigation: 'off',
  slowStartSeconds: 0,
  crossZone: 'use_load_balancer_configuration',
  proxyProtocolV2: false,
  unhealthyConnectionTermination: true,
  unhealthyDrainingIntervalSeconds: 0,
  /** routing-failover count default is 1: fail open only when zero targets are healthy (§1.5). */
  routingFailoverCount: 1,
  /** discrepancy (§1.5): guides say off, API ref says 1; simulator choice `dns_failover_count_default`. */
  dnsFailoverCount: 1,
} as const;

/** Cross-zone values at the target-group level (§2.4). */
export const TG_CROSS_ZONE_VALUES = ['true', 'false', 'use_load_balancer_configuration'] as const;

/** Prefixes reserved for the load balancer's own cookies; an application cookie must not use them (§3.2). */
export const RESERVED_COOKIE_PREFIXES = ['AWSALB', 'AWSALBAPP', 'AWSALBTG'] as const;

/** preserve_client_ip default per target type and protocol (§6.4). */
export function preserveClientIpDefault(targetType: string, protocol: string | undefined): boolean {
  if (targetType === 'instance') return true;
  if (targetType === 'ip') return protocol === 'UDP' || protocol === 'TCP_UDP';
  return false;
}

/** Automatic target weights (§2.1): re-evaluated every 5 s; detection needs ≥ 3 healthy targets. */
export const ANOMALY_DETECTION = {
  evaluationSeconds: 5,
  minimumHealthyTargets: 3,
} as const;
