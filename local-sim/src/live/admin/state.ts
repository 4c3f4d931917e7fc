/**
 * What the dashboard shows, as one JSON document (`GET /api/state`, and each `state` event of
 * `/events`): load balancers with their listeners, rules and node addresses; target groups with each
 * target's health, reason code, time in state, draining and slow start; Route 53 records with the record
 * answering now; the Availability Zones, failed or not, with their nodes and the health of their
 * targets; and the raw metric counters (the same numbers `/metrics` renders), from which the page draws
 * its charts.
 */
import { normalizeDnsName } from '../../model/zones';
import { loadBalancerDimension, targetGroupArn, targetGroupDimension } from '../../model/ids';
import { LATENCY_BUCKETS_SECONDS, type MetricsSnapshot } from '../../core/metrics';
import type { DnsAnswerChange } from '../../core/engine';
import type { EndpointsDescription } from '../endpoints';
import type { AdminHost, ZoneDescription } from '../simulator-api';

export interface DashboardTarget {
  readonly index: number;
  /** `id:port`. */
  readonly address: string;
  /** The demo backend's or process's name, when the simulator started the target. */
  readonly name?: string;
  /** What the health and up/down controls act on: a demo backend, a process, or nothing (`--targets`). */
  readonly kind: 'demo' | 'process' | 'external';
  readonly state: string;
  readonly reason?: string;
  readonly description?: string;
  /** The zone the target was registered in (`DescribeTargetHealth`'s `Target.AvailabilityZone`). */
  readonly availabilityZone?: string;
  /**
   * The zone the target is in: as registered, or as the simulator placed it (simulator choice
   * `target_zone_spread`); absent while not registered and for targets in every zone (Lambda, `alb`).
   */
  readonly zone?: string;
  /**
   * §1.3 each load-balancer node's own view of the target's health, by the node's zone (the reported
   * `state` combines them, simulator choice `node_health_view`).
   */
  readonly nodeHealth?: Readonly<Record<string, string>>;
  /** When the target entered its state (ms since the epoch). */
  readonly since?: number;
  readonly drainingUntil?: number;
  readonly slowStartUntil?: number;
  /** Share of new requests relative to a full target (slow start, anomaly mitigation). */
  readonly weight?: number;
  readonly inFlight?: number;
  readonly anomaly?: string;
}

export interface DashboardTargetGroup {
  readonly id: string;
  readonly arn: string;
  /** CloudWatch `TargetGroup` dimension. */
  readonly dimension: string;
  readonly protocol?: string;
  readonly port?: number;
  readonly loadBalancerType: string;
  readonly loadBalancerIds: readonly string[];
  readonly inUse: boolean;
  readonly healthCheck: string;
  readonly algorithm: string;
  readonly stickiness: string;
  readonly slowStartSeconds: number;
  readonly deregistrationDelaySeconds: number;
  readonly targets: readonly DashboardTarget[];
}

/** One Availability Zone (§1.5, §2.4): `Simulator.zones()` plus the health of the targets in it. */
export interface DashboardZone extends ZoneDescription {
  /** Registered targets in the zone, over every target group, and how many of them are healthy. */
  readonly targets: { readonly healthy: number; readonly total: number };
}

export interface DashboardRecord {
  readonly name: string;
  readonly type: string;
  /** What the name resolves to now. */
  readonly answer: readonly string[];
  /** The records of this name and type: failover role / weight, health check and which one answers. */
  readonly records: readonly {
    readonly id: string;
    readonly setIdentifier?: string;
    readonly role?: string;
    readonly weight?: number;
    readonly healthCheckId?: string;
    readonly healthy?: boolean;
    readonly target: string;
    readonly answering: boolean;
  }[];
}

export interface DashboardState {
  /** When the state was taken (ms since the epoch). */
  readonly at: number;
  readonly admin?: string;
  readonly api?: string;
  readonly loadBalancers: readonly (EndpointsDescription['loadBalancers'][number] & {
    readonly dnsName?: string;
    /** Node addresses (one per load balancer; one per zone once zones are simulated) and what they serve. */
    readonly nodes: readonly { readonly address: string; readonly listeners: readonly string[] }[];
    readonly answers: readonly string[];
  })[];
  readonly targetGroups: readonly DashboardTargetGroup[];
  /** The load balancers' Availability Zones, failed or not, with their nodes (`POST /_sim/zones/...` fails one). */
  readonly zones: readonly DashboardZone[];
  /**
   * The load-balancer node processes and what each served (`Simulator.nodes()`): one entry per node of
   * `--workers N`, or one for this process.
   */
  readonly processes: readonly DashboardNode[];
  readonly dns?: {
    readonly server: string;
    readonly records: readonly DashboardRecord[];
    readonly healthChecks: readonly {
      readonly id: string;
      readonly type: string;
      readonly probes: string;
      readonly healthy: boolean;
      readonly checkers?: { readonly healthy: number; readonly total: number };
    }[];
    /** The latest answer changes (§7.6), newest last. */
    readonly changes: readonly DnsAnswerChange[];
  };
  readonly metrics: MetricsSnapshot;
  readonly latencyBucketsSeconds: readonly number[];
  /** Is the request timeline recording (someone watches it)? */
  readonly timeline: { readonly recording: boolean };
  readonly issues: readonly string[];
}

export interface DashboardNode {
  readonly node: number;
  readonly pid?: number;
  /** `RequestCount` this node counted (ALB). */
  readonly requests: number;
  /** `NewFlowCount` this node counted (NLB). */
  readonly flows: number;
  readonly activeConnections: number;
}

/** How many answer changes the state carries. */
const DNS_CHANGES_SHOWN = 10;

function stickinessText(st: { enabled: boolean; type: string; appCookieName?: string }): string {
  if (!st.enabled) return 'off';
  return st.type === 'app_cookie' ? `app_cookie (${st.appCookieName ?? ''})` : st.type;
}

/** The dashboard's view of the running simulator now. */
export function dashboardState(sim: AdminHost, recording: boolean): DashboardState {
  const e = sim.endpoints();
  const model = sim.model;
  const dnsLbs = new Map((e.dns?.loadBalancers ?? []).map((l) => [l.id, l]));
  const loadBalancers = e.loadBalancers.map((lb) => {
    const d = dnsLbs.get(lb.id);
    const nodes = new Map<string, string[]>();
    for (const ep of d?.endpoints ?? []) {
      const list = nodes.get(ep.address) ?? [];
      list.push(`${ep.protocol}:${ep.awsPort} → ${ep.address}:${ep.port}`);
      nodes.set(ep.address, list);
    }
    return {
      ...lb,
      ...(d ? { dnsName: d.dnsName } : {}),
      nodes: [...nodes].map(([address, listeners]) => ({ address, listeners })),
      answers: d?.addresses ?? [],
    };
  });

  const targetGroups = model.targetGroups.map((tg): DashboardTargetGroup => {
    const health = sim.engine.describeTargetHealth(tg.id);
    const details = sim.engine.targetDetails(tg.id);
    const controls = sim.targets(tg.id).controls;
    const targets = controls.map((c): DashboardTarget => {
      const h = health.find((x) => x.Target.Id === c.target.targetId && x.Target.Port === c.target.port);
      const d = details.find((x) => x.target.targetId === c.target.targetId && x.target.port === c.target.port);
      const registered = d !== undefined;
      const zone = registered ? sim.engine.targetZone(c.target) : undefined;
      const views = registered ? sim.engine.nodeHealth(c.target) : {};
      return {
        index: c.index,
        address: `${c.target.targetId}:${c.target.port}`,
        ...(c.name ? { name: c.name } : {}),
        kind: c.backend ? 'demo' : c.process ? 'process' : 'external',
        state: h?.TargetHealth.State ?? 'unused',
        ...(h?.TargetHealth.Reason
          ? { reason: h.TargetHealth.Reason }
          : registered
            ? {}
            : { reason: 'Target.NotRegistered' }),
        ...(h?.TargetHealth.Description ? { description: h.TargetHealth.Description } : {}),
        ...(h?.Target.AvailabilityZone ? { availabilityZone: h.Target.AvailabilityZone } : {}),
        ...(zone !== undefined ? { zone } : {}),
        ...(Object.keys(views).length > 0 ? { nodeHealth: views } : {}),
        ...(d
          ? {
              since: d.since,
              ...(d.drainingUntil !== undefined ? { drainingUntil: d.drainingUntil } : {}),
              ...(d.slowStartUntil !== undefined ? { slowStartUntil: d.slowStartUntil } : {}),
              weight: d.weight,
              inFlight: d.inFlight,
            }
          : {}),
        ...(h?.AnomalyDetection ? { anomaly: h.AnomalyDetection.Result } : {}),
      };
    });
    const described = e.targetGroups.find((t) => t.id === tg.id);
    return {
      id: tg.id,
      arn: targetGroupArn(tg),
      dimension: targetGroupDimension(tg),
      ...(tg.protocol ? { protocol: tg.protocol } : {}),
      ...(tg.port !== undefined ? { port: tg.port } : {}),
      loadBalancerType: tg.loadBalancerType,
      loadBalancerIds: tg.loadBalancerIds,
      inUse: tg.inUse,
      healthCheck: described?.healthCheck ?? '',
      algorithm: tg.loadBalancerType === 'network' ? 'flow hash (§6.2)' : tg.attributes.algorithm,
      stickiness: stickinessText(tg.attributes.stickiness),
      slowStartSeconds: tg.attributes.slowStartSeconds,
      deregistrationDelaySeconds: tg.attributes.deregistrationDelaySeconds,
      targets,
    };
  });

  return {
    at: Date.now(),
    ...(e.admin ? { admin: e.admin } : {}),
    ...(e.api ? { api: e.api } : {}),
    loadBalancers,
    targetGroups,
    zones: zonesPart(sim, targetGroups),
    processes: sim.nodes().map((n) => ({
      node: n.node,
      ...(n.pid !== undefined ? { pid: n.pid } : {}),
      requests: n.requests,
      flows: n.flows,
      activeConnections: n.activeConnections,
    })),
    ...(e.dns ? { dns: dnsPart(sim, e) } : route53Part(sim)),
    metrics: sim.metrics.snapshot(),
    latencyBucketsSeconds: LATENCY_BUCKETS_SECONDS,
    timeline: { recording },
    issues: e.issues,
  };
}

/** Each zone with the targets in it: registered ones, by the zone the engine puts them in. */
function zonesPart(sim: AdminHost, targetGroups: readonly DashboardTargetGroup[]): DashboardZone[] {
  const targets = targetGroups.flatMap((tg) => tg.targets);
  return sim.zones().map((z) => {
    const inZone = targets.filter((t) => t.zone === z.availabilityZone);
    return {
      ...z,
      targets: { healthy: inZone.filter((t) => t.state === 'healthy').length, total: inZone.length },
    };
  });
}

/** Route 53 records by name and type, with the record the engine answers with now (§7.3–§7.5). */
function records(sim: AdminHost, answerOf: (name: string, type: string) => readonly string[]): DashboardRecord[] {
  const model = sim.model;
  const byKey = new Map<string, typeof model.recordSets>();
  for (const r of model.recordSets) {
    const key = `${normalizeDnsName(r.name)}|${r.type}`;
    byKey.set(key, [...(byKey.get(key) ?? []), r]);
  }
  const lbName = (id: string) => model.loadBalancers.find((l) => l.id === id);
  return [...byKey].map(([key, list]) => {
    const [name, type] = key.split('|') as [string, string];
    const chosen = sim.engine.resolveRecord(name, type);
    return {
      name,
      type,
      answer: answerOf(name, type),
      records: list.map((r) => {
        const healthy = r.healthCheckId !== undefined ? sim.engine.healthCheckStatus(r.healthCheckId) : undefined;
        const lb = r.aliasTarget?.loadBalancerId ? lbName(r.aliasTarget.loadBalancerId) : undefined;
        return {
          id: r.id,
          ...(r.setIdentifier ? { setIdentifier: r.setIdentifier } : {}),
          ...(r.failover ? { role: r.failover } : {}),
          ...(r.weight !== undefined ? { weight: r.weight } : {}),
          ...(r.healthCheckId ? { healthCheckId: r.healthCheckId } : {}),
          ...(healthy !== undefined ? { healthy } : {}),
          target: lb
            ? `alias → ${lb.id} (${loadBalancerDimension(lb)})`
            : r.aliasTarget
              ? `alias → ${r.aliasTarget.dnsName ?? '?'}`
              : r.resourceRecords.join(' '),
          answering: chosen?.id === r.id,
        };
      }),
    };
  });
}

function dnsPart(sim: AdminHost, e: EndpointsDescription): NonNullable<DashboardState['dns']> {
  const dns = e.dns!;
  const answers = new Map(dns.records.map((r) => [`${r.name}|${r.type}`, r.answer]));
  return {
    server: dns.server,
    records: records(sim, (name, type) => answers.get(`${name}|${type}`) ?? []),
    healthChecks: dns.healthChecks.map((h) => ({
      id: h.healthCheckId,
      type: h.type,
      probes: h.probes,
      healthy: h.healthy,
      ...checkers(sim, h.healthCheckId),
    })),
    changes: sim.dnsAnswerChanges().slice(-DNS_CHANGES_SHOWN),
  };
}

/** Without the DNS server the records are still shown, with the record answering (no addresses). */
function route53Part(sim: AdminHost): { dns?: DashboardState['dns'] } {
  if (sim.model.recordSets.length === 0) return {};
  return {
    dns: {
      server: 'off',
      records: records(sim, () => []),
      healthChecks: sim.route53Targets().map((t) => ({
        id: t.healthCheckId,
        type: t.type,
        probes: t.probes,
        healthy: sim.engine.healthCheckStatus(t.healthCheckId) ?? true,
        ...checkers(sim, t.healthCheckId),
      })),
      changes: sim.dnsAnswerChanges().slice(-DNS_CHANGES_SHOWN),
    },
  };
}

function checkers(sim: AdminHost, id: string): { checkers?: { healthy: number; total: number } } {
  const obs = sim.engine.healthCheckObservations(id);
  if (!obs || obs.length === 0) return {};
  return { checkers: { healthy: obs.filter((o) => o.healthy).length, total: obs.length } };
}
