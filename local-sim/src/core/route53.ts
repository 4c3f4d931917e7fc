/**
 * Route 53 health checks and failover answers (docs/aws-behaviour.md §7.2–§7.5), as pure functions:
 * one probe's verdict, each checker's FailureThreshold hysteresis, the > 18 % aggregate, calculated
 * checks, record health, and the failover choice. The shell runs the probes and the DNS server.
 */
import type { RecordSetModel, Route53HealthCheckModel } from '../model/types';
import { ROUTE53_HEALTHY_CHECKER_FRACTION, ROUTE53_PROBE_TIMING } from '@ha-load-balancer/spec';

/** What one Route 53 checker observed (times in ms from the start of the probe). */
export interface R53ProbeObservation {
  /** Time to establish the TCP (and TLS) connection; undefined = never connected. */
  readonly connectMs?: number;
  /** Status of the HTTP response; undefined = none. */
  readonly status?: number;
  /** Time from connecting to the response status line. */
  readonly responseMs?: number;
  /** Time from the status line to the end of the first 5,120 body bytes (STR_MATCH). */
  readonly bodyMs?: number;
  /** Body text received (STR_MATCH). */
  readonly body?: string;
}

/** §7.2: does one probe pass? */
export function r53ProbePasses(
  check: Pick<Route53HealthCheckModel, 'type' | 'searchString'>,
  o: R53ProbeObservation,
): boolean {
  const t = ROUTE53_PROBE_TIMING;
  if (check.type === 'TCP') return o.connectMs !== undefined && o.connectMs <= t.tcpConnectSeconds * 1000;
  const http = ['HTTP', 'HTTPS', 'HTTP_STR_MATCH', 'HTTPS_STR_MATCH'].includes(check.type);
  if (!http) return true;
  if (o.connectMs === undefined || o.connectMs > t.httpConnectSeconds * 1000) return false;
  if (o.status === undefined || o.status < 200 || o.status >= 400) return false;
  if (o.responseMs === undefined || o.responseMs > t.httpResponseSeconds * 1000) return false;
  if (check.type.endsWith('_STR_MATCH')) {
    if (o.bodyMs === undefined || o.bodyMs > t.strMatchBodySeconds * 1000) return false;
    const head = Buffer.from(o.body ?? '', 'utf8')
      .subarray(0, t.strMatchSearchBytes)
      .toString('utf8');
    return check.searchString !== undefined && head.includes(check.searchString);
  }
  return true;
}

/** One checker's verdict; it flips after `FailureThreshold` consecutive opposite results (§7.1, §7.2). */
export interface CheckerState {
  readonly healthy: boolean;
  readonly opposite: number;
}

/** New checks are healthy until enough data exists (§7.2, secondary quote). */
export const NEW_CHECKER: CheckerState = { healthy: true, opposite: 0 };

export function checkerTransition(state: CheckerState, passed: boolean, failureThreshold: number): CheckerState {
  if (passed === state.healthy) return { healthy: state.healthy, opposite: 0 };
  const opposite = state.opposite + 1;
  return opposite >= failureThreshold ? { healthy: passed, opposite: 0 } : { healthy: state.healthy, opposite };
}

/** §7.2: healthy iff MORE than 18 % of checkers say healthy; `Inverted` after aggregation; `Disabled` ⇒ healthy. */
export function aggregateCheckers(
  checkers: readonly CheckerState[],
  check: Pick<Route53HealthCheckModel, 'inverted' | 'disabled'>,
): boolean {
  if (check.disabled) return true;
  const healthy = checkers.filter((c) => c.healthy).length;
  const raw = checkers.length === 0 ? true : healthy / checkers.length > ROUTE53_HEALTHY_CHECKER_FRACTION;
  return check.inverted ? !raw : raw;
}

/** §7.2 calculated checks: healthy iff healthy children ≥ HealthThreshold (0 ⇒ always healthy). */
export function calculatedHealthy(children: readonly boolean[], healthThreshold: number, inverted = false): boolean {
  const raw = children.filter(Boolean).length >= healthThreshold;
  return inverted ? !raw : raw;
}

export interface HealthLookups {
  /** Current status of a Route 53 health check by model id (or literal id); undefined = unknown (healthy). */
  healthCheck(id: string): boolean | undefined;
  /** §7.5 health of a modelled load balancer (alias with EvaluateTargetHealth). */
  loadBalancer(id: string): boolean;
}

/** §7.3 health of one record: health check and/or alias target health; neither ⇒ always healthy. */
export function recordHealthy(record: RecordSetModel, lookups: HealthLookups): boolean {
  let healthy = true;
  if (record.healthCheckId !== undefined) healthy &&= lookups.healthCheck(record.healthCheckId) ?? true;
  const alias = record.aliasTarget;
  if (alias?.evaluateTargetHealth && alias.loadBalancerId !== undefined)
    healthy &&= lookups.loadBalancer(alias.loadBalancerId);
  return healthy;
}

/**
 * §7.4 failover: primary if healthy; else secondary if healthy; if both are unhealthy, primary
 * ("no record healthy ⇒ all healthy"). A missing secondary leaves the primary.
 */
export function chooseFailover<T>(
  primary: { readonly record: T; readonly healthy: boolean } | undefined,
  secondary: { readonly record: T; readonly healthy: boolean } | undefined,
): T | undefined {
  if (primary && primary.healthy) return primary.record;
  if (secondary && secondary.healthy) return secondary.record;
  return primary?.record ?? secondary?.record;
}

/** Answer for `name`/`type` among the model's records (failover pairs or a simple record), §7.3–§7.4. */
export function answerRecord(
  records: readonly RecordSetModel[],
  name: string,
  type: string,
  lookups: HealthLookups,
): RecordSetModel | undefined {
  const norm = (n: string) => n.toLowerCase().replace(/\.$/, '');
  const group = records.filter((r) => norm(r.name) === norm(name) && r.type === type);
  if (group.length === 0) return undefined;
  const failover = group.filter((r) => r.failover !== undefined);
  if (failover.length === 0) return group[0];
  const entry = (role: 'PRIMARY' | 'SECONDARY') => {
    const r = failover.find((x) => x.failover === role);
    return r ? { record: r, healthy: recordHealthy(r, lookups) } : undefined;
  };
  return chooseFailover(entry('PRIMARY'), entry('SECONDARY'));
}
