/** Listeners, rules, conditions and actions: docs/aws-behaviour.md §4, §6.1, §8.3, §8.4. */
import { range } from './range';

export const LISTENER_LIMITS = {
  port: range(1, 65535),
  tcpIdleTimeoutSeconds: range(60, 6000),
} as const;

export const LISTENER_DEFAULTS = {
  tcpIdleTimeoutSeconds: 350,
  udpIdleTimeoutSeconds: 120,
} as const;

/** §6.1: which target-group protocols each NLB listener protocol may forward to. */
export const NLB_LISTENER_TG_PROTOCOLS: Readonly<Record<string, readonly string[]>> = {
  TCP: ['TCP', 'TCP_UDP'],
  TLS: ['TCP', 'TLS'],
  UDP: ['UDP', 'TCP_UDP'],
  TCP_UDP: ['TCP_UDP'],
};

/** ALB listeners forward to HTTP or HTTPS target groups. */
export const ALB_LISTENER_TG_PROTOCOLS: readonly string[] = ['HTTP', 'HTTPS'];

export const RULE_LIMITS = {
  priority: range(1, 50000),
  actionOrder: range(1, 50000),
  valuesPerCondition: 3,
  valuesPerRule: 5,
  wildcardsPerRule: 5,
  conditionValueLength: range(1, 128),
  httpHeaderNameLength: range(1, 40),
  methodLength: range(1, 40),
  sourceIpValues: 5,
  targetGroupsPerAlbAction: 5,
  targetGroupsPerNlbAction: 1,
  forwardWeight: range(0, 999),
  redirectPort: range(1, 65535),
  redirectHostLength: range(1, 128),
  redirectPathLength: range(1, 128),
  redirectQueryLength: range(0, 128),
  fixedResponseBodyLength: range(0, 1024),
} as const;

/** Conditions that may appear at most once per rule (§4.2). */
export const SINGLE_USE_CONDITIONS = ['host-header', 'path-pattern', 'http-request-method', 'source-ip'] as const;

/** Character sets per condition value (§4.2). */
export const CONDITION_VALUE_PATTERNS = {
  'host-header': /^[A-Za-z0-9\-.*?]+$/,
  'path-pattern': /^[A-Za-z0-9_\-.$/~"'@:+&*?]+$/,
  'http-request-method': /^[A-Z_-]+$/,
  /** RFC 7230 token characters. */
  httpHeaderName: /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/,
} as const;

/** Fixed-response status code grammar (§4.3). */
export const FIXED_RESPONSE_STATUS_PATTERN = /^(2|4|5)\d\d$/;

/** Redirect placeholders (§4.3). */
export const REDIRECT_PLACEHOLDERS = ['#{protocol}', '#{host}', '#{port}', '#{path}', '#{query}'] as const;

/** The single source-ip value AWS refuses (§4.2). */
export const FORBIDDEN_SOURCE_IP = '255.255.255.255/32';

/** A modern TLS policy used by default on HTTPS and TLS listeners (TLS 1.3 with 1.2 fallback). */
export const DEFAULT_SSL_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';

/** TLS versions each well-known ELB security policy accepts (for the simulator's HTTPS listeners). */
export const SSL_POLICY_TLS_VERSIONS: Readonly<
  Record<string, { min: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'; max: 'TLSv1.2' | 'TLSv1.3' }>
> = {
  'ELBSecurityPolicy-TLS13-1-2-2021-06': { min: 'TLSv1.2', max: 'TLSv1.3' },
  'ELBSecurityPolicy-TLS13-1-2-Res-2021-06': { min: 'TLSv1.2', max: 'TLSv1.3' },
  'ELBSecurityPolicy-TLS13-1-3-2021-06': { min: 'TLSv1.3', max: 'TLSv1.3' },
  'ELBSecurityPolicy-TLS-1-2-Ext-2018-06': { min: 'TLSv1.2', max: 'TLSv1.2' },
  'ELBSecurityPolicy-TLS-1-2-2017-01': { min: 'TLSv1.2', max: 'TLSv1.2' },
  'ELBSecurityPolicy-TLS-1-1-2017-01': { min: 'TLSv1.1', max: 'TLSv1.2' },
  'ELBSecurityPolicy-2016-08': { min: 'TLSv1', max: 'TLSv1.2' },
};
