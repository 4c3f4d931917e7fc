/** Route 53 health checks, failover records and alias TTLs: docs/aws-behaviour.md §7, §8.5, §8.6. */
import { range } from './range';

/**
 * DNS names (§8.6): labels of 1-63 characters and at most 255 octets on the wire, which is 253
 * characters written without the final dot. Names compare case-insensitively.
 */
export const DNS_NAME_LIMITS = {
  labelLength: range(1, 63),
  nameLength: range(1, 253),
} as const;

/** Characters of one label of a record or zone name: letters, digits, `-` and `_` (`*` alone as the leftmost label, §8.6). */
export const DNS_LABEL_PATTERN = /^[A-Za-z0-9_-]+$/;

export const ROUTE53_HEALTH_CHECK_TYPES = [
  'HTTP',
  'HTTPS',
  'HTTP_STR_MATCH',
  'HTTPS_STR_MATCH',
  'TCP',
  'CALCULATED',
  'CLOUDWATCH_METRIC',
  'RECOVERY_CONTROL',
] as const;

/** RequestInterval may only be 10 or 30 seconds, and cannot change after creation. */
export const ROUTE53_REQUEST_INTERVALS = [10, 30] as const;

export const ROUTE53_LIMITS = {
  failureThreshold: range(1, 10),
  port: range(1, 65535),
  resourcePathLength: range(0, 255),
  fqdnLength: range(1, 255),
  searchStringLength: range(1, 255),
  minRegions: 3,
  setIdentifierLength: range(1, 128),
  recordNameLength: range(1, 1024),
  ttl: range(0, 2147483647),
  /** Health-checked records: AWS recommends a TTL of at most 60 s. */
  recommendedMaxTtlWithHealthCheck: 60,
} as const;

export const ROUTE53_DEFAULTS = {
  requestIntervalSeconds: 30,
  failureThreshold: 3,
  /** Port used when omitted (CDK's choice; the API default is unconfirmed). */
  httpPort: 80,
  httpsPort: 443,
} as const;

/** Health-checker regions (§7.1). */
export const ROUTE53_HEALTH_CHECK_REGIONS = [
  'us-east-1',
  'us-west-1',
  'us-west-2',
  'eu-west-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-northeast-1',
  'sa-east-1',
] as const;

/**
 * Route 53 health-check requests carry a `User-Agent` that starts with this (followed by a reference id
 * and a report link; AWS Knowledge Center, "unwanted health checks").
 */
export const ROUTE53_USER_AGENT_PREFIX = 'Amazon-Route53-Health-Check-Service';

/** Probe timing per type (§7.2). */
export const ROUTE53_PROBE_TIMING = {
  httpConnectSeconds: 4,
  httpResponseSeconds: 2,
  strMatchBodySeconds: 2,
  strMatchSearchBytes: 5120,
  tcpConnectSeconds: 10,
} as const;

/** An endpoint is healthy iff MORE than this fraction of checkers report healthy (§7.2). */
export const ROUTE53_HEALTHY_CHECKER_FRACTION = 0.18;

/** Alias records to ELB use the load balancer's 60 s TTL (§7.6). */
export const ELB_ALIAS_TTL_SECONDS = 60;

/** Multivalue answer routing returns up to this many records per response (§7.3). */
export const ROUTE53_MULTIVALUE_MAX_ANSWERS = 8;

/**
 * The SOA record Route 53 creates for a public hosted zone (§7.6): the Route 53 guide's example
 * `ns-2048.awsdns-64.net. hostmaster.example.com. 1 7200 900 1209600 86400`, published with a TTL of
 * 900 s. A resolver caches a negative answer (NXDOMAIN, or no record of the type asked) for the smaller
 * of the SOA's TTL and its minimum (RFC 2308), so 900 s.
 */
export const ROUTE53_SOA = {
  serial: 1,
  refreshSeconds: 7200,
  retrySeconds: 900,
  expireSeconds: 1209600,
  minimumSeconds: 86400,
  ttlSeconds: 900,
} as const;

/** Route 53 publishes health-check metrics (HealthCheckStatus) only in US East (N. Virginia). */
export const ROUTE53_METRICS_REGION = 'us-east-1';

export const FAILOVER_ROLES = ['PRIMARY', 'SECONDARY'] as const;
export type FailoverRoleName = (typeof FAILOVER_ROLES)[number];
