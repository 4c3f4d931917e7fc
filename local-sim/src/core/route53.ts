/**
 * Route 53 health checks and record choice (docs/aws-behaviour.md §7.2–§7.6), as pure functions: one
 * probe's verdict, each checker's FailureThreshold hysteresis, the > 18 % aggregate, calculated checks,
 * record health, and the choice among the records of one name and type under the failover, weighted,
 * multivalue and simple routing policies. `route53-checks.ts` keeps the state over time; the shells
 * run the probes and the DNS server.
 */
import type { RecordSetModel, Route53HealthCheckModel } from '../model/types';
import { normalizeDnsName } from '../model/zones';
import {
  ROUTE53_HEALTHY_CHECKER_FRACTION,
  ROUTE53_MULTIVALUE_MAX_ANSWERS,
  ROUTE53_PROBE_TIMING,
} from '@ha-load-balancer/spec';
import type { Random } from './types';

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
  /** Body received (STR_MATCH): text, or the raw bytes. Only the first 5,120 bytes count. */
  readonly body?: string | Uint8Array;
  /** Why the probe failed before a response, when it did (e.g. `ECONNREFUSED`), for status reports. */
  readonly error?: string;
}

/** A probe's verdict and the line a checker reports for it (the `StatusReport.Status` of GetHealthCheckStatus). */
export interface R53ProbeVerdict {
  readonly passed: boolean;
  readonly status: string;
}

const HTTP_TYPES = new Set(['HTTP', 'HTTPS', 'HTTP_STR_MATCH', 'HTTPS_STR_MATCH']);

/** §7.2: the first `strMatchSearchBytes` bytes of a body contain the whole search string. */
export function searchStringInWindow(body: string | Uint8Array | undefined, searchString: string): boolean {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body ?? new Uint8Array());
  return bytes.subarray(0, ROUTE53_PROBE_TIMING.strMatchSearchBytes).includes(Buffer.from(searchString, 'utf8'));
}

/** §7.2: judge one probe, with a status line that says why. */
export function r53ProbeVerdict(
  check: Pick<Route53HealthCheckModel, 'type' | 'searchString'>,
  o: R53ProbeObservation,
): R53ProbeVerdict {
  const t = ROUTE53_PROBE_TIMING;
  const fail = (why: string): R53ProbeVerdict => ({ passed: false, status: `Failure: ${why}` });
  const noConnection = (limitS: number) =>
    fail(o.error ? `connection failed (${o.error})` : `no connection within ${limitS} s`);
  if (check.type === 'TCP') {
    if (o.connectMs === undefined || o.connectMs > t.tcpConnectSeconds * 1000) return noConnection(t.tcpConnectSeconds);
    return { passed: true, status: 'Success: TCP connection established' };
  }
  if (!HTTP_TYPES.has(check.type)) return { passed: true, status: 'Success' };
  if (o.connectMs === undefined || o.connectMs > t.httpConnectSeconds * 1000) return noConnection(t.httpConnectSeconds);
  if (o.status === undefined || o.responseMs === undefined || o.responseMs > t.httpResponseSeconds * 1000)
    return fail(o.error ? `no HTTP response (${o.error})` : `no HTTP response within ${t.httpResponseSeconds} s`);
  if (o.status < 200 || o.status >= 400) return fail(`HTTP status code ${o.status}`);
  if (check.type.endsWith('_STR_MATCH')) {
    if (o.bodyMs === undefined || o.bodyMs > t.strMatchBodySeconds * 1000)
      return fail(`body not received within ${t.strMatchBodySeconds} s`);
    if (check.searchString === undefined || !searchStringInWindow(o.body, check.searchString))
      return fail(`search string not in the first ${t.strMatchSearchBytes} bytes of the body`);
  }
  return { passed: true, status: `Success: HTTP status code ${o.status}` };
}

/** §7.2: does one probe pass? */
export function r53ProbePasses(
  check: Pick<Route53HealthCheckModel, 'type' | 'searchString'>,
  o: R53ProbeObservation,
): boolean {
  return r53ProbeVerdict(check, o).passed;
}

/**
 * §7.1 `Host` header of an HTTP(S) probe: with `IPAddress`, the FQDN (or the address when there is no
 * FQDN), followed by `:port` unless the port is the protocol's default; without `IPAddress`, the FQDN.
 * TCP probes send none.
 */
export function r53HostHeader(check: {
  readonly type: string;
  readonly ipAddress?: string;
  readonly fullyQualifiedDomainName?: string;
  readonly port?: number;
}): string | undefined {
  if (!HTTP_TYPES.has(check.type)) return undefined;
  if (check.ipAddress === undefined) return check.fullyQualifiedDomainName;
  const defaultPort = check.type.startsWith('HTTPS') ? 443 : 80;
  const host =
    check.fullyQualifiedDomainName ?? (check.ipAddress.includes(':') ? `[${check.ipAddress}]` : check.ipAddress);
  return check.port === undefined || check.port === defaultPort ? host : `${host}:${check.port}`;
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
  /**
   * §7.4 health of an alias target that is another name of the hosted zones (a further tree of records):
   * true when that name's chosen records are healthy; undefined when the name is not in the zones.
   */
  aliasName?(name: string, type: string): boolean | undefined;
}

/** §7.3 health of one record: health check and/or alias target health; neither ⇒ always healthy. */
export function recordHealthy(record: RecordSetModel, lookups: HealthLookups): boolean {
  let healthy = true;
  if (record.healthCheckId !== undefined) healthy &&= lookups.healthCheck(record.healthCheckId) ?? true;
  const alias = record.aliasTarget;
  if (alias?.evaluateTargetHealth) {
    if (alias.loadBalancerId !== undefined) healthy &&= lookups.loadBalancer(alias.loadBalancerId);
    else if (alias.dnsName !== undefined) healthy &&= lookups.aliasName?.(alias.dnsName, record.type) ?? true;
  }
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

/** The routing policy of the records that share a name and type. */
export type RoutingPolicy = 'failover' | 'weighted' | 'multivalue' | 'simple';

export function routingPolicyOf(group: readonly RecordSetModel[]): RoutingPolicy {
  if (group.some((r) => r.failover !== undefined)) return 'failover';
  if (group.some((r) => r.weight !== undefined)) return 'weighted';
  if (group.some((r) => r.multiValueAnswer)) return 'multivalue';
  return 'simple';
}

/**
 * The records Route 53 may answer with for one name and type, after health (§7.3–§7.4), before any
 * random pick: the failover record chosen; the weighted records that have a chance (with their weights);
 * the multivalue records eligible (healthy ones, or all when none is); the simple record. `allUnhealthy`
 * says the "no record healthy ⇒ treat all as healthy" rule applied.
 */
export interface Candidates {
  readonly policy: RoutingPolicy;
  readonly records: readonly RecordSetModel[];
  readonly allUnhealthy: boolean;
}

export function candidates(group: readonly RecordSetModel[], lookups: HealthLookups): Candidates {
  const policy = routingPolicyOf(group);
  const health = new Map(group.map((r) => [r, recordHealthy(r, lookups)]));
  const healthy = group.filter((r) => health.get(r));
  const allUnhealthy = group.length > 0 && healthy.length === 0;
  switch (policy) {
    case 'failover': {
      const entry = (role: 'PRIMARY' | 'SECONDARY') => {
        const r = group.find((x) => x.failover === role);
        return r ? { record: r, healthy: health.get(r)! } : undefined;
      };
      const chosen = chooseFailover(entry('PRIMARY'), entry('SECONDARY'));
      return { policy, records: chosen ? [chosen] : [], allUnhealthy };
    }
    case 'weighted': {
      // §7.3: weight-0 records answer only when every record with a non-zero weight is unhealthy; with
      // none healthy, all count as healthy again, and weight 0 stays last.
      const weight = (r: RecordSetModel) => r.weight ?? 0;
      const pool = allUnhealthy ? group : healthy;
      const positive = pool.filter((r) => weight(r) > 0);
      return { policy, records: positive.length > 0 ? positive : pool, allUnhealthy };
    }
    case 'multivalue':
      return { policy, records: allUnhealthy ? group : healthy, allUnhealthy };
    case 'simple':
      // One record per name and type, or a policy the simulator has no input for (latency, geolocation):
      // the first healthy record answers (§7.3 steps 2–4).
      return { policy, records: [healthy[0] ?? group[0]].filter(Boolean), allUnhealthy };
  }
}

/**
 * The records of one answer, drawn from the candidates: one record by weight (uniformly when every
 * candidate weighs 0), up to 8 multivalue records in random order, or the single candidate (§7.3).
 */
export function pickAnswer(c: Candidates, random: Random): RecordSetModel[] {
  const list = [...c.records];
  if (list.length <= 1) return list;
  if (c.policy === 'weighted') {
    const total = list.reduce((s, r) => s + (r.weight ?? 0), 0);
    if (total <= 0) return [list[Math.min(list.length - 1, Math.floor(random.next() * list.length))]];
    let x = random.next() * total;
    for (const r of list) {
      x -= r.weight ?? 0;
      if (x < 0) return [r];
    }
    return [list[list.length - 1]];
  }
  if (c.policy === 'multivalue') {
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.min(i, Math.floor(random.next() * (i + 1)));
      [list[i], list[j]] = [list[j], list[i]];
    }
    return list.slice(0, ROUTE53_MULTIVALUE_MAX_ANSWERS);
  }
  return list.slice(0, 1);
}

/** The records of the model with this name and type (names compared case-insensitively, dot-insensitive). */
export function recordGroup(records: readonly RecordSetModel[], name: string, type: string): RecordSetModel[] {
  const n = normalizeDnsName(name);
  return records.filter((r) => r.type === type && normalizeDnsName(r.name) === n);
}

/** Answer for `name`/`type` among the model's records (§7.3–§7.4): the first record of the answer. */
export function answerRecord(
  records: readonly RecordSetModel[],
  name: string,
  type: string,
  lookups: HealthLookups,
  random: Random = { next: () => 0 },
): RecordSetModel | undefined {
  const group = recordGroup(records, name, type);
  if (group.length === 0) return undefined;
  return pickAnswer(candidates(group, lookups), random)[0];
}

/** How the simulator names a record in reports: its SetIdentifier, else its id. */
export function recordLabel(r: RecordSetModel): string {
  return r.setIdentifier ?? r.id;
}

/**
 * §7.6 what an answer change means for clients that cached the previous answer: they keep using it
 * until its TTL runs out, so the last of them moves `previousTtlSeconds` after the change.
 */
export function clientsMoveBy(changedAt: number, previousTtlSeconds: number): number {
  return changedAt + previousTtlSeconds * 1000;
}
