/**
 * Route 53 health checks over time (docs/aws-behaviour.md §7.1–§7.5): schedules endpoint probes every
 * `RequestInterval`, applies each result with `FailureThreshold` hysteresis, computes calculated checks
 * from their children, and answers failover records. The engine owns one instance; the shell performs
 * the probes. Local model: one checker (every checker would see the same local endpoint), so the
 * > 18 % aggregate equals that checker's verdict.
 */
import type { RecordSetModel, Route53HealthCheckModel, SimModel } from '../model/types';
import { ROUTE53_PROBE_TIMING } from '@ha-load-balancer/spec';
import {
  aggregateCheckers,
  answerRecord,
  calculatedHealthy,
  checkerTransition,
  NEW_CHECKER,
  r53ProbePasses,
  type CheckerState,
  type R53ProbeObservation,
} from './route53';

/** An endpoint probe the shell must perform for a Route 53 health check. */
export interface Route53ProbeRequest {
  readonly probeId: number;
  readonly healthCheckId: string;
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

interface CheckRt {
  readonly model: Route53HealthCheckModel;
  checker: CheckerState;
  nextProbeAt?: number;
  probe?: { readonly id: number; readonly deadline: number };
}

const ENDPOINT_TYPES = new Set(['HTTP', 'HTTPS', 'HTTP_STR_MATCH', 'HTTPS_STR_MATCH', 'TCP']);

function timeoutOf(type: string): number {
  const t = ROUTE53_PROBE_TIMING;
  if (type === 'TCP') return t.tcpConnectSeconds * 1000;
  const http = (t.httpConnectSeconds + t.httpResponseSeconds) * 1000;
  return type.endsWith('_STR_MATCH') ? http + t.strMatchBodySeconds * 1000 : http;
}

export class Route53Checks {
  readonly #checks = new Map<string, CheckRt>();
  readonly #probes = new Map<number, CheckRt>();
  readonly #records: readonly RecordSetModel[];
  readonly #lbHealthy: (id: string) => boolean;
  #nextId = 1;

  constructor(model: SimModel, start: number, loadBalancerHealthy: (id: string) => boolean) {
    this.#records = model.recordSets;
    this.#lbHealthy = loadBalancerHealthy;
    for (const hc of model.healthChecks) {
      this.#checks.set(hc.id, {
        model: hc,
        checker: NEW_CHECKER,
        nextProbeAt: ENDPOINT_TYPES.has(hc.type) && !hc.disabled ? start : undefined,
      });
    }
  }

  #fail(c: CheckRt): void {
    c.checker = checkerTransition(c.checker, false, c.model.failureThreshold);
  }

  /** Record timeouts of probes whose deadline passed. */
  fire(now: number): void {
    for (const c of this.#checks.values()) {
      if (c.probe && c.probe.deadline <= now) {
        this.#probes.delete(c.probe.id);
        c.probe = undefined;
        this.#fail(c);
      }
    }
  }

  probeDue(now: number): Route53ProbeRequest[] {
    this.fire(now);
    const out: Route53ProbeRequest[] = [];
    for (const c of this.#checks.values()) {
      if (c.nextProbeAt === undefined || c.nextProbeAt > now || c.probe) continue;
      const interval = c.model.requestIntervalSeconds * 1000;
      while (c.nextProbeAt <= now) c.nextProbeAt += interval;
      const id = this.#nextId++;
      const timeoutMs = timeoutOf(c.model.type);
      c.probe = { id, deadline: now + timeoutMs };
      this.#probes.set(id, c);
      const fqdn = c.model.fullyQualifiedDomainName;
      const lbId = fqdn?.startsWith('lb:') ? fqdn.slice(3) : undefined;
      out.push({
        probeId: id,
        healthCheckId: c.model.id,
        type: c.model.type,
        ipAddress: c.model.ipAddress,
        fullyQualifiedDomainName: lbId ? undefined : fqdn,
        loadBalancerId: lbId,
        port: c.model.port,
        resourcePath: c.model.resourcePath,
        searchString: c.model.searchString,
        enableSni: c.model.enableSni,
        timeoutMs,
        deadline: now + timeoutMs,
      });
    }
    return out;
  }

  probeResult(probeId: number, observation: R53ProbeObservation, now: number): void {
    this.fire(now);
    const c = this.#probes.get(probeId);
    if (!c || c.probe?.id !== probeId) return;
    this.#probes.delete(probeId);
    c.probe = undefined;
    c.checker = checkerTransition(c.checker, r53ProbePasses(c.model, observation), c.model.failureThreshold);
  }

  nextWakeAt(): number | undefined {
    let min: number | undefined;
    for (const c of this.#checks.values()) {
      const t = c.probe ? c.probe.deadline : c.nextProbeAt;
      if (t !== undefined && (min === undefined || t < min)) min = t;
    }
    return min;
  }

  /**
   * Current status of a health check (§7.2): endpoint checks from their checker, calculated checks from
   * their children, CloudWatch/recovery-control checks healthy (no alarm exists locally). Unknown ids → undefined.
   */
  status(id: string, depth = 0): boolean | undefined {
    const c = this.#checks.get(id) ?? [...this.#checks.values()].find((x) => x.model.logicalId === id);
    if (!c) return undefined;
    const m = c.model;
    if (m.disabled) return true;
    if (m.type === 'CALCULATED') {
      if (depth > 10) return true;
      const children = m.childHealthChecks.map((ch) => this.status(ch, depth + 1) ?? true);
      return calculatedHealthy(children, m.healthThreshold ?? children.length, m.inverted);
    }
    if (!ENDPOINT_TYPES.has(m.type)) return m.inverted ? false : true;
    return aggregateCheckers([c.checker], m);
  }

  /** The record Route 53 would answer for `name`/`type` (§7.3, §7.4). */
  answer(name: string, type: string): RecordSetModel | undefined {
    return answerRecord(this.#records, name, type, {
      healthCheck: (id) => this.status(id),
      loadBalancer: (id) => this.#lbHealthy(id),
    });
  }
}
