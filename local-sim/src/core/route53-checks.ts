/**
 * Route 53 over time (docs/aws-behaviour.md §7): the health checkers of every endpoint health check,
 * calculated checks from their children, the answers of the hosted zones, and the changes of those
 * answers with what they mean for clients that cached the previous one (§7.6). The engine owns one
 * instance for its whole life (`update` applies a new model); the shells perform the probes and serve DNS.
 *
 * Checkers (§7.2): every Region of a check (`Regions`, default all eight) has
 * `SIMULATOR_CHOICE_PARAMS.route53CheckersPerRegion` checkers (simulator choice `route53_checkers`),
 * spread evenly over one `RequestInterval`; each keeps its own verdict with `FailureThreshold`
 * hysteresis, and the endpoint is healthy iff more than 18 % of them say so.
 */
import type { RecordSetModel, Route53HealthCheckModel, SimModel } from '../model/types';
import { normalizeDnsName } from '../model/zones';
import { ROUTE53_HEALTH_CHECK_REGIONS, ROUTE53_PROBE_TIMING, SIMULATOR_CHOICE_PARAMS } from '@ha-load-balancer/spec';
import {
  aggregateCheckers,
  answerRecord,
  calculatedHealthy,
  candidates,
  checkerTransition,
  clientsMoveBy,
  NEW_CHECKER,
  recordGroup,
  recordLabel,
  r53ProbeVerdict,
  type CheckerState,
  type HealthLookups,
  type R53ProbeObservation,
} from './route53';
import { answerQuery, recordTtlSeconds, type DnsAnswer, type DnsLookups } from './route53-dns';
import type { Random } from './types';

/** One Route 53 health checker (§7.2). */
export interface CheckerId {
  readonly region: string;
  /** Index of the checker within its Region (0-based). */
  readonly index: number;
}

/** An endpoint probe the shell must perform for one checker of a Route 53 health check. */
export interface Route53ProbeRequest {
  readonly probeId: number;
  readonly healthCheckId: string;
  readonly checker: CheckerId;
  readonly type: string;
  readonly ipAddress?: string;
  /** FQDN to connect to / send as Host; absent when the check targets a modelled load balancer. */
  readonly fullyQualifiedDomainName?: string;
  /** Set when the FQDN is a modelled load balancer's DNS name (`Fn::GetAtt [LB, DNSName]`). */
  readonly loadBalancerId?: string;
  readonly port?: number;
  readonly resourcePath?: string;
  readonly searchString?: string;
  readonly enableSni?: boolean;
  /** Time budget: connect + response (+ body for *_STR_MATCH), §7.2. */
  readonly timeoutMs: number;
  readonly deadline: number;
}

/** What one checker last reported (GetHealthCheckStatus `HealthCheckObservation`). */
export interface CheckerObservation extends CheckerId {
  /** The checker's verdict after FailureThreshold hysteresis. */
  readonly healthy: boolean;
  /** `StatusReport.Status` of its last probe, e.g. `Success: HTTP status code 200`; absent before the first. */
  readonly status?: string;
  /** When its last probe was judged (`StatusReport.CheckedTime`). */
  readonly checkedAt?: number;
}

/** A change of the records Route 53 answers with for one name and type (§7.6). */
export interface DnsAnswerChange {
  readonly at: number;
  /** Record name without the trailing dot, lower case. */
  readonly name: string;
  readonly recordType: string;
  /** Records (SetIdentifier, else id) that could answer before and after: one for failover/simple. */
  readonly from: readonly string[];
  readonly to: readonly string[];
  /** The TTL of the previous answer: how long a client may keep it. */
  readonly previousTtlSeconds: number;
  /** When the last client that cached the previous answer moves: `at + previousTtlSeconds`. */
  readonly clientsMoveBy: number;
}

/** A Route 53 health check changed status (§7.2). */
export interface HealthCheckStatusChange {
  readonly at: number;
  readonly healthCheckId: string;
  readonly healthy: boolean;
  /** Endpoint checks: how many of how many checkers said healthy at the change. */
  readonly checkers?: { readonly healthy: number; readonly total: number };
}

interface CheckerRt extends CheckerId {
  readonly offsetMs: number;
  state: CheckerState;
  nextProbeAt?: number;
  probe?: { readonly id: number; readonly deadline: number };
  last?: { readonly status: string; readonly at: number };
}

interface CheckRt {
  model: Route53HealthCheckModel;
  readonly checkers: CheckerRt[];
}

interface AnswerSnapshot {
  readonly labels: readonly string[];
  readonly ttlSeconds: number;
}

export interface Route53Options {
  /** §7.5 health of a modelled load balancer. */
  readonly loadBalancerHealthy: (loadBalancerId: string) => boolean;
  /** Draws weighted and multivalue answers. */
  readonly random: Random;
}

const ENDPOINT_TYPES = new Set(['HTTP', 'HTTPS', 'HTTP_STR_MATCH', 'HTTPS_STR_MATCH', 'TCP']);
/** Deepest nesting of calculated checks and alias trees followed. */
const MAX_DEPTH = 10;

function timeoutOf(type: string): number {
  const t = ROUTE53_PROBE_TIMING;
  if (type === 'TCP') return t.tcpConnectSeconds * 1000;
  const http = (t.httpConnectSeconds + t.httpResponseSeconds) * 1000;
  return type.endsWith('_STR_MATCH') ? http + t.strMatchBodySeconds * 1000 : http;
}

const probes = (m: Route53HealthCheckModel) => ENDPOINT_TYPES.has(m.type) && !m.disabled;

/** What the checkers probe and how often: when any of it changes, the checkers start again (`update`). */
function probeShape(m: Route53HealthCheckModel): string {
  return JSON.stringify([
    m.type,
    m.ipAddress,
    m.port,
    m.resourcePath,
    m.fullyQualifiedDomainName,
    m.searchString,
    m.requestIntervalSeconds,
    m.enableSni,
    m.regions,
  ]);
}

/** The checkers of a check, Regions interleaved so that consecutive probes come from different Regions. */
function checkersOf(m: Route53HealthCheckModel): CheckerRt[] {
  const regions = m.regions.length > 0 ? m.regions : ROUTE53_HEALTH_CHECK_REGIONS;
  const perRegion = SIMULATOR_CHOICE_PARAMS.route53CheckersPerRegion;
  const n = regions.length * perRegion;
  const intervalMs = m.requestIntervalSeconds * 1000;
  return Array.from({ length: n }, (_, k) => ({
    region: regions[k % regions.length],
    index: Math.floor(k / regions.length),
    offsetMs: Math.floor((k * intervalMs) / n),
    state: NEW_CHECKER,
  }));
}

export class Route53Checks {
  readonly #checks = new Map<string, CheckRt>();
  readonly #probes = new Map<number, { readonly check: CheckRt; readonly checker: CheckerRt }>();
  readonly #options: Route53Options;
  #model: SimModel;
  #nextId = 1;
  /** The answers last reported, by `name|type`; undefined until the first `answerChanges`. */
  #answers?: Map<string, AnswerSnapshot>;
  /** Health-check statuses last reported, by id; undefined until the first `statusChanges`. */
  #statuses?: Map<string, boolean>;

  constructor(model: SimModel, start: number, options: Route53Options) {
    this.#model = model;
    this.#options = options;
    for (const hc of model.healthChecks) this.#checks.set(hc.id, this.#newCheck(hc, start));
  }

  #newCheck(model: Route53HealthCheckModel, now: number): CheckRt {
    const checkers = checkersOf(model);
    if (probes(model)) for (const c of checkers) c.nextProbeAt = now + c.offsetMs;
    return { model, checkers };
  }

  #dropProbes(check: CheckRt): void {
    for (const c of check.checkers) {
      if (c.probe) this.#probes.delete(c.probe.id);
      c.probe = undefined;
    }
  }

  /**
   * Apply a new model: health checks whose probes are unchanged (type, endpoint, path, search string,
   * interval, SNI, Regions) keep their checkers' verdicts, schedules and probes in flight, and take the
   * new FailureThreshold, Inverted, Disabled and calculated settings; other checks start again as new
   * (healthy until data, §7.2); checks that left the model are dropped.
   */
  update(model: SimModel, now: number): void {
    this.#revision++;
    this.#model = model;
    const ids = new Set(model.healthChecks.map((h) => h.id));
    for (const [id, check] of [...this.#checks]) {
      if (ids.has(id)) continue;
      this.#dropProbes(check);
      this.#checks.delete(id);
    }
    for (const hc of model.healthChecks) {
      const old = this.#checks.get(hc.id);
      if (!old || probeShape(old.model) !== probeShape(hc)) {
        if (old) this.#dropProbes(old);
        this.#checks.set(hc.id, this.#newCheck(hc, now));
        continue;
      }
      old.model = hc;
      for (const c of old.checkers) {
        if (!probes(hc)) {
          c.nextProbeAt = undefined;
        } else if (c.nextProbeAt === undefined) {
          c.nextProbeAt = now + c.offsetMs;
        }
      }
      if (!probes(hc)) this.#dropProbes(old);
    }
  }

  /**
   * Counts every change a health check's status or an answer can depend on here (a checker's verdict, a
   * new model), so that the engine looks at the answers again only after one.
   */
  #revision = 0;

  get revision(): number {
    return this.#revision;
  }

  #judge(check: CheckRt, checker: CheckerRt, passed: boolean, status: string, at: number): void {
    this.#revision++;
    checker.state = checkerTransition(checker.state, passed, check.model.failureThreshold);
    checker.last = { status, at };
  }

  /** Record timeouts of probes whose deadline passed. */
  fire(now: number): void {
    for (const check of this.#checks.values()) {
      for (const c of check.checkers) {
        if (!c.probe || c.probe.deadline > now) continue;
        const { id, deadline } = c.probe;
        this.#probes.delete(id);
        c.probe = undefined;
        this.#judge(check, c, false, `Failure: no result within ${timeoutOf(check.model.type) / 1000} s`, deadline);
      }
    }
  }

  probeDue(now: number): Route53ProbeRequest[] {
    this.fire(now);
    const out: Route53ProbeRequest[] = [];
    for (const check of this.#checks.values()) {
      const m = check.model;
      for (const c of check.checkers) {
        if (c.nextProbeAt === undefined || c.nextProbeAt > now || c.probe) continue;
        const interval = m.requestIntervalSeconds * 1000;
        while (c.nextProbeAt <= now) c.nextProbeAt += interval;
        const id = this.#nextId++;
        const timeoutMs = timeoutOf(m.type);
        c.probe = { id, deadline: now + timeoutMs };
        this.#probes.set(id, { check, checker: c });
        const fqdn = m.fullyQualifiedDomainName;
        const lbId = fqdn?.startsWith('lb:') ? fqdn.slice(3) : undefined;
        out.push({
          probeId: id,
          healthCheckId: m.id,
          checker: { region: c.region, index: c.index },
          type: m.type,
          ipAddress: m.ipAddress,
          fullyQualifiedDomainName: lbId ? undefined : fqdn,
          loadBalancerId: lbId,
          port: m.port,
          resourcePath: m.resourcePath,
          searchString: m.searchString,
          enableSni: m.enableSni,
          timeoutMs,
          deadline: now + timeoutMs,
        });
      }
    }
    return out;
  }

  probeResult(probeId: number, observation: R53ProbeObservation, now: number): void {
    this.fire(now);
    const entry = this.#probes.get(probeId);
    if (!entry || entry.checker.probe?.id !== probeId) return;
    this.#probes.delete(probeId);
    entry.checker.probe = undefined;
    const verdict = r53ProbeVerdict(entry.check.model, observation);
    this.#judge(entry.check, entry.checker, verdict.passed, verdict.status, now);
  }

  /**
   * The shell did not perform this probe (simulator choice `route53_external_endpoint`: an endpoint it
   * must not send traffic to): no result is counted, the checker keeps its verdict.
   */
  probeCancelled(probeId: number): void {
    const entry = this.#probes.get(probeId);
    if (!entry || entry.checker.probe?.id !== probeId) return;
    this.#probes.delete(probeId);
    entry.checker.probe = undefined;
  }

  nextWakeAt(): number | undefined {
    let min: number | undefined;
    for (const check of this.#checks.values()) {
      for (const c of check.checkers) {
        const t = c.probe ? c.probe.deadline : c.nextProbeAt;
        if (t !== undefined && (min === undefined || t < min)) min = t;
      }
    }
    return min;
  }

  #find(id: string): CheckRt | undefined {
    return this.#checks.get(id) ?? [...this.#checks.values()].find((x) => x.model.logicalId === id);
  }

  /**
   * Current status of a health check (§7.2): endpoint checks from their checkers, calculated checks from
   * their children, CloudWatch/recovery-control checks healthy (no alarm exists locally). Unknown ids → undefined.
   */
  status(id: string, depth = 0): boolean | undefined {
    const c = this.#find(id);
    if (!c) return undefined;
    const m = c.model;
    if (m.disabled) return true;
    if (m.type === 'CALCULATED') {
      if (depth > MAX_DEPTH) return true;
      // How children without data count is unconfirmed (§7.2); a new child is healthy, like any new check.
      const children = m.childHealthChecks.map((ch) => this.status(ch, depth + 1) ?? true);
      return calculatedHealthy(children, m.healthThreshold ?? children.length, m.inverted);
    }
    if (!ENDPOINT_TYPES.has(m.type)) return !m.inverted;
    return aggregateCheckers(
      c.checkers.map((x) => x.state),
      m,
    );
  }

  /**
   * What each checker of an endpoint health check last reported (GetHealthCheckStatus). Undefined for
   * unknown ids and for calculated, CloudWatch and recovery-control checks, which have no checkers.
   */
  observations(id: string): CheckerObservation[] | undefined {
    const c = this.#find(id);
    if (!c || !ENDPOINT_TYPES.has(c.model.type)) return undefined;
    return c.checkers.map((x) => ({
      region: x.region,
      index: x.index,
      healthy: x.state.healthy,
      ...(x.last ? { status: x.last.status, checkedAt: x.last.at } : {}),
    }));
  }

  #lookups(depth = 0): HealthLookups {
    return {
      healthCheck: (id) => this.status(id),
      loadBalancer: (id) => this.#options.loadBalancerHealthy(id),
      aliasName: (name, type) => {
        const group = recordGroup(this.#model.recordSets, name, type);
        if (group.length === 0) return undefined;
        if (depth > MAX_DEPTH) return true;
        return !candidates(group, this.#lookups(depth + 1)).allUnhealthy;
      },
    };
  }

  /** The record Route 53 would answer for `name`/`type` (§7.3, §7.4); weighted answers drawn at random. */
  answer(name: string, type: string): RecordSetModel | undefined {
    return answerRecord(this.#model.recordSets, name, type, this.#lookups(), this.#options.random);
  }

  /** Answer one DNS question for the hosted zones (§7.3–§7.6); the shell says where load balancers are. */
  query(name: string, type: string, where: Pick<DnsLookups, 'loadBalancerAddresses' | 'loadBalancerNamed'>): DnsAnswer {
    return answerQuery(this.#model, name, type, { ...this.#lookups(), ...where }, this.#options.random);
  }

  #snapshot(): Map<string, AnswerSnapshot> {
    const out = new Map<string, AnswerSnapshot>();
    const lookups = this.#lookups();
    for (const r of this.#model.recordSets) {
      const name = normalizeDnsName(r.name);
      const key = `${name}|${r.type}`;
      if (out.has(key)) continue;
      const c = candidates(recordGroup(this.#model.recordSets, name, r.type), lookups);
      out.set(key, {
        labels: c.records.map(recordLabel).sort(),
        ttlSeconds: Math.max(0, ...c.records.map((x) => recordTtlSeconds(this.#model, x))),
      });
    }
    return out;
  }

  /**
   * Health checks whose status changed since the previous call (§7.2); the first call takes the baseline.
   * Checks new to the model are reported only once they differ from a new check (healthy).
   */
  statusChanges(now: number): HealthCheckStatusChange[] {
    const next = new Map([...this.#checks.keys()].map((id) => [id, this.status(id) ?? true]));
    const before = this.#statuses;
    this.#statuses = next;
    if (!before) return [];
    const out: HealthCheckStatusChange[] = [];
    for (const [id, healthy] of next) {
      const prev = before.get(id) ?? !this.#checks.get(id)!.model.inverted;
      if (prev === healthy) continue;
      const checkers = this.#checks.get(id)!.checkers;
      const isEndpoint = ENDPOINT_TYPES.has(this.#checks.get(id)!.model.type);
      out.push({
        at: now,
        healthCheckId: id,
        healthy,
        ...(isEndpoint
          ? { checkers: { healthy: checkers.filter((c) => c.state.healthy).length, total: checkers.length } }
          : {}),
      });
    }
    return out;
  }

  /**
   * Changes of the answers since the previous call (§7.6): for each name and type whose possible answer
   * changed (another failover record, another set of weighted or multivalue records), when clients that
   * cached the previous answer for its TTL have all moved. The first call only takes the baseline.
   */
  answerChanges(now: number): DnsAnswerChange[] {
    const next = this.#snapshot();
    const before = this.#answers;
    this.#answers = next;
    if (!before) return [];
    const out: DnsAnswerChange[] = [];
    for (const [key, snap] of next) {
      const prev = before.get(key);
      if (!prev || prev.labels.join('\n') === snap.labels.join('\n')) continue;
      const [name, recordType] = key.split('|');
      out.push({
        at: now,
        name,
        recordType,
        from: prev.labels,
        to: snap.labels,
        previousTtlSeconds: prev.ttlSeconds,
        clientsMoveBy: clientsMoveBy(now, prev.ttlSeconds),
      });
    }
    return out;
  }
}
