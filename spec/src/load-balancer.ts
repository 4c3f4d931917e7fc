/** Load-balancer level facts: docs/aws-behaviour.md §2.4, §5.2, §8.2, §4.4. */
import type { LoadBalancerTypeName } from './enums';
import { range } from './range';

export const LOAD_BALANCER_LIMITS = {
  nameLength: range(1, 32),
  idleTimeoutSeconds: range(1, 4000),
  clientKeepAliveSeconds: range(60, 604800),
  attributes: 20,
  attributeValueLength: 1024,
  /** Application Load Balancers need subnets in at least two Availability Zones. */
  albMinAvailabilityZones: 2,
  nlbMinAvailabilityZones: 1,
  listenersPerLoadBalancer: 50,
  rulesPerAlb: 100,
  targetGroupsPerAlb: 100,
  certificatesPerLoadBalancer: 25,
  targetsPerAlb: 1000,
  targetsPerNlb: 3000,
  /** LCU reservation (`MinimumLoadBalancerCapacity.CapacityUnits`): an ALB reserves at least 100 LCUs. */
  albMinimumCapacityUnits: 100,
  /** An NLB reserves 2750-45000 LCUs per Availability Zone; not with TLS listeners. */
  nlbCapacityUnitsPerZone: range(2750, 45000),
} as const;

/**
 * A regional AWS WAF web ACL (`AWS::WAFv2::WebACLAssociation.WebACLArn`); web ACLs of scope
 * CLOUDFRONT (`global/webacl`) cannot protect a load balancer. Groups: partition, Region, account.
 */
export const WAF_REGIONAL_WEB_ACL_ARN = /^arn:(aws[a-z-]*):wafv2:([a-z0-9-]+):(\d{12}):regional\/webacl\/[^/]+\/[^/]+$/;

/** LB name: ≤ 32 of [A-Za-z0-9-], no leading/trailing hyphen, not starting with "internal-" (§8.2). */
export const LOAD_BALANCER_NAME_PATTERN = /^(?!internal-)[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/;

export const LB_ATTR = {
  deletionProtection: 'deletion_protection.enabled',
  crossZone: 'load_balancing.cross_zone.enabled',
  accessLogsEnabled: 'access_logs.s3.enabled',
  accessLogsBucket: 'access_logs.s3.bucket',
  accessLogsPrefix: 'access_logs.s3.prefix',
  idleTimeout: 'idle_timeout.timeout_seconds',
  clientKeepAlive: 'client_keep_alive.seconds',
  desyncMitigationMode: 'routing.http.desync_mitigation_mode',
  dropInvalidHeaderFields: 'routing.http.drop_invalid_header_fields.enabled',
  preserveHostHeader: 'routing.http.preserve_host_header.enabled',
  xffClientPort: 'routing.http.xff_client_port.enabled',
  xffHeaderProcessingMode: 'routing.http.xff_header_processing.mode',
  http2Enabled: 'routing.http2.enabled',
  tlsVersionAndCipherHeaders: 'routing.http.x_amzn_tls_version_and_cipher_suite.enabled',
  wafFailOpen: 'waf.fail_open.enabled',
  connectionLogsEnabled: 'connection_logs.s3.enabled',
  connectionLogsBucket: 'connection_logs.s3.bucket',
  connectionLogsPrefix: 'connection_logs.s3.prefix',
} as const;

export const LB_DEFAULTS = {
  scheme: 'internet-facing',
  ipAddressType: 'ipv4',
  deletionProtection: false,
  idleTimeoutSeconds: 60,
  clientKeepAliveSeconds: 3600,
  desyncMitigationMode: 'defensive',
  dropInvalidHeaderFields: false,
  preserveHostHeader: false,
  xffClientPort: false,
  xffHeaderProcessingMode: 'append',
  http2Enabled: true,
  /** NLB cross-zone is off by default; ALB cross-zone is always on. */
  nlbCrossZone: false,
} as const;

/** Access-log prefixes must not contain "AWSLogs" (§8.2). */
export const ACCESS_LOG_FORBIDDEN_PREFIX_TEXT = 'AWSLogs';

/**
 * Other LoadBalancerAttributes keys AWS accepts (§8.2) that the simulator reads but that change no
 * routing behaviour (logging destinations, WAF, zonal shift, IPv6 IGW policy, NLB DNS policy).
 */
export const LB_ATTR_OTHER_KEYS = [
  'connection_logs.s3.enabled',
  'connection_logs.s3.bucket',
  'connection_logs.s3.prefix',
  'health_check_logs.s3.enabled',
  'health_check_logs.s3.bucket',
  'health_check_logs.s3.prefix',
  'waf.fail_open.enabled',
  'ipv6.deny_all_igw_traffic',
  'zonal_shift.config.enabled',
  'dns_record.client_routing_policy',
  'secondary_ips.auto_assigned.per_subnet',
] as const;

/**
 * `CanonicalHostedZoneId` of load balancers in US East (N. Virginia), the Region the simulator reports
 * (ELB endpoints and quotas table): the hosted zone an alias record to the load balancer names.
 */
export const ELB_CANONICAL_HOSTED_ZONE_IDS_US_EAST_1: Record<LoadBalancerTypeName, string> = {
  application: 'Z35SXDOTRQ7X7K',
  network: 'Z26RNL4JYFTOTI',
};
