/**
 * What `ha-sim` prints and saves about a running simulator: load balancers, listeners with their local
 * URLs, rules in evaluation order, and target groups with live health. Pure: built from the model, the
 * engine's `DescribeTargetHealth` and the listeners' bound ports.
 */
import type { TargetHealthDescription } from '../core/engine';
import type { ActionModel, ConditionModel, ListenerModel, SimModel, TargetGroupModel } from '../model';
import { loadBalancerDimension, targetGroupArn } from '../model/ids';

/** The name server of a running simulator and what it answers (§7.3–§7.6). */
export interface DnsDescription {
  /** `host:port`, UDP and TCP. */
  readonly server: string;
  readonly zones: readonly string[];
  /** One entry per name and type, with the current answer (record values or node addresses). */
  readonly records: readonly {
    readonly name: string;
    readonly type: string;
    readonly answer: readonly string[];
    /** SetIdentifier of the record answering now, for records with a routing policy. */
    readonly record?: string;
  }[];
  /** False when the system cannot bind 127.1.n.z node addresses and load balancers answer the host. */
  readonly nodeAddresses: boolean;
  readonly loadBalancers: readonly {
    readonly id: string;
    readonly dnsName: string;
    /** What the name answers now: the node addresses of the zones in DNS (§1.5). */
    readonly addresses: readonly string[];
    /** Listeners served on each zone's node address (AWS port → local port). */
    readonly endpoints: readonly {
      readonly listenerId: string;
      readonly protocol: string;
      readonly awsPort: number;
      readonly availabilityZone: string;
      readonly address: string;
      readonly port: number;
    }[];
  }[];
  readonly healthChecks: readonly {
    readonly healthCheckId: string;
    readonly type: string;
    readonly probes: string;
    readonly probed: boolean;
    readonly healthy: boolean;
  }[];
}

/** Everything a user may want to print or save about the running simulator. */
export interface EndpointsDescription {
  readonly admin?: string;
  /** AWS-compatible API endpoint (`aws --endpoint-url`), when started. */
  readonly api?: string;
  /** The DNS server, when started (`dnsPort`). */
  readonly dns?: DnsDescription;
  /** Availability Zones failed with `failZone` and not recovered. */
  readonly failedZones: readonly string[];
  /** SIMULATOR CONVENIENCE: the test identity provider of authenticate actions, when started. */
  readonly testIdp?: string;
  readonly loadBalancers: readonly {
    readonly id: string;
    readonly type: string;
    readonly dimension: string;
    /** One node per zone (§2.4); the model's `availabilityZones`. */
    readonly availabilityZones: readonly string[];
    readonly listeners: readonly {
      readonly id: string;
      readonly protocol: string;
      readonly port: number;
      readonly url?: string;
      readonly simulated: boolean;
      readonly rules: readonly {
        readonly priority: number | 'default';
        readonly conditions: string;
        readonly action: string;
      }[];
    }[];
  }[];
  readonly targetGroups: readonly {
    readonly id: string;
    /** `TargetGroupArn` as the AWS API reports it. */
    readonly arn: string;
    readonly protocol?: string;
    readonly port?: number;
    readonly healthCheck: string;
    readonly targets: readonly {
      readonly index: number;
      readonly address: string;
      readonly backend?: string;
      /** The target's zone (as registered or placed, simulator choice `target_zone_spread`). */
      readonly availabilityZone?: string;
      readonly state: string;
      readonly reason?: string;
    }[];
  }[];
  readonly issues: readonly string[];
}

export function describeCondition(c: ConditionModel): string {
  switch (c.field) {
    case 'http-header':
      return `header ${c.headerName}=${c.values.join('|')}`;
    case 'query-string':
      return `query ${c.values.map((v) => (v.key ? `${v.key}=${v.value}` : v.value)).join('|')}`;
    default:
      return `${c.field} ${c.values.join('|')}`;
  }
}

export function describeActions(actions: readonly ActionModel[], name: (tgId: string) => string): string {
  return actions
    .map((a) => {
      switch (a.type) {
        case 'forward':
          return a.targetGroups.length === 1
            ? `forward → ${name(a.targetGroups[0].targetGroupId)}`
            : `forward → ${a.targetGroups.map((t) => `${name(t.targetGroupId)}:${t.weight}`).join(', ')}`;
        case 'redirect':
          return `redirect ${a.statusCode.replace('HTTP_', '')} → ${a.protocol}://${a.host}:${a.port}${a.path}${a.query ? '?' + a.query : ''}`;
        case 'fixed-response':
          return `fixed ${a.statusCode}`;
        case 'authenticate-oidc':
        case 'authenticate-cognito':
          return `${a.type} (unauthenticated: ${a.onUnauthenticatedRequest})`;
        case 'unsupported':
          return `${a.originalType} (not simulated)`;
      }
    })
    .join(', ');
}

/** What `describeEndpoints` needs from the running simulator. */
export interface EndpointSources {
  readonly model: SimModel;
  readonly adminUrl?: string;
  readonly apiUrl?: string;
  readonly dns?: DnsDescription;
  readonly testIdpUrl?: string;
  /** Local base URL of a listener the live simulator serves, by listener id. */
  readonly listenerUrl: (listenerId: string) => string | undefined;
  readonly health: (targetGroupId: string) => readonly TargetHealthDescription[];
  /** The registered targets in registration order, with the demo backend's or process's name. */
  readonly targets: (targetGroupId: string) => readonly {
    readonly index: number;
    readonly targetId: string;
    readonly port: number;
    readonly name?: string;
    readonly availabilityZone?: string;
  }[];
  readonly failedZones?: readonly string[];
}

function healthCheckText(tg: TargetGroupModel): string {
  const hc = tg.healthCheck;
  if (hc.protocol === 'TCP') return `TCP every ${hc.intervalSeconds}s`;
  return `${hc.protocol} GET ${hc.path} → ${hc.matcher.httpCode ?? hc.matcher.grpcCode}, every ${hc.intervalSeconds}s, timeout ${hc.timeoutSeconds}s, healthy ${hc.healthyThresholdCount}/unhealthy ${hc.unhealthyThresholdCount}`;
}

export function describeEndpoints(src: EndpointSources): EndpointsDescription {
  const { model } = src;
  const tgName = (id: string): string => model.targetGroups.find((t) => t.id === id)?.id ?? id;
  return {
    ...(src.adminUrl ? { admin: src.adminUrl } : {}),
    ...(src.apiUrl ? { api: src.apiUrl } : {}),
    ...(src.dns ? { dns: src.dns } : {}),
    failedZones: src.failedZones ?? [],
    ...(src.testIdpUrl ? { testIdp: src.testIdpUrl } : {}),
    loadBalancers: model.loadBalancers.map((lb) => ({
      id: lb.id,
      type: lb.type,
      dimension: loadBalancerDimension(lb),
      availabilityZones: lb.availabilityZones,
      listeners: lb.listenerIds
        .map((id) => model.listeners.find((l) => l.id === id))
        .filter((l): l is ListenerModel => l !== undefined)
        .map((l) => {
          const url = src.listenerUrl(l.id);
          return {
            id: l.id,
            protocol: l.protocol,
            port: l.port,
            ...(url ? { url } : {}),
            simulated: url !== undefined,
            rules: [
              ...l.rules.map((r) => ({
                priority: r.priority,
                conditions: r.conditions.map(describeCondition).join(' AND '),
                action: describeActions(r.actions, tgName),
              })),
              { priority: 'default' as const, conditions: '-', action: describeActions(l.defaultActions, tgName) },
            ],
          };
        }),
    })),
    targetGroups: model.targetGroups.map((tg) => {
      const health = src.health(tg.id);
      return {
        id: tg.id,
        arn: targetGroupArn(tg),
        protocol: tg.protocol,
        port: tg.port,
        healthCheck: healthCheckText(tg),
        targets: src.targets(tg.id).map((c) => {
          const h = health.find((d) => d.Target.Id === c.targetId && d.Target.Port === c.port);
          return {
            index: c.index,
            address: `${c.targetId}:${c.port}`,
            ...(c.name ? { backend: c.name } : {}),
            ...(c.availabilityZone ? { availabilityZone: c.availabilityZone } : {}),
            state: h?.TargetHealth.State ?? 'unused',
            ...(h?.TargetHealth.Reason ? { reason: h.TargetHealth.Reason } : {}),
          };
        }),
      };
    }),
    issues: model.issues.map((i) => `${i.severity}: ${i.resourcePath}: ${i.what}: ${i.why}`),
  };
}
