/** Typed LoadBalancerAttributes / TargetGroupAttributes with AWS defaults (docs/aws-behaviour.md §1.5, §8.1, §8.2). */
import {
  ALGORITHMS,
  type AlgorithmName,
  LB_ATTR,
  LB_ATTR_OTHER_KEYS,
  LB_DEFAULTS,
  type LoadBalancerTypeName,
  preserveClientIpDefault,
  TG_ATTR,
  TG_CROSS_ZONE_VALUES,
  TG_DEFAULTS,
  DESYNC_MITIGATION_MODES,
  XFF_MODES,
} from '@ha-load-balancer/spec';
import type { LoadBalancerAttributes, ModelIssue, TargetGroupAttributes, Threshold } from './types';

type IssueSink = (issue: Omit<ModelIssue, 'resourcePath'>) => void;

function bool(raw: Readonly<Record<string, string>>, key: string, dflt: boolean, issue: IssueSink): boolean {
  const v = raw[key];
  if (v === undefined) return dflt;
  if (v === 'true') return true;
  if (v === 'false') return false;
  issue({ severity: 'error', what: `attribute ${key}=${v}`, why: `not a boolean; using the default ${dflt}` });
  return dflt;
}

function int(raw: Readonly<Record<string, string>>, key: string, dflt: number, issue: IssueSink): number {
  const v = raw[key];
  if (v === undefined) return dflt;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) {
    issue({ severity: 'error', what: `attribute ${key}=${v}`, why: `not a number; using the default ${dflt}` });
    return dflt;
  }
  return n;
}

function oneOf<T extends string>(
  raw: Readonly<Record<string, string>>,
  key: string,
  allowed: readonly T[],
  dflt: T,
  issue: IssueSink,
): T {
  const v = raw[key];
  if (v === undefined) return dflt;
  if ((allowed as readonly string[]).includes(v)) return v as T;
  issue({ severity: 'error', what: `attribute ${key}=${v}`, why: `not one of ${allowed.join(', ')}; using ${dflt}` });
  return dflt;
}

function threshold(raw: Readonly<Record<string, string>>, key: string, dflt: Threshold, issue: IssueSink): Threshold {
  const v = raw[key];
  if (v === undefined) return dflt;
  if (v === 'off') return 'off';
  return int(raw, key, typeof dflt === 'number' ? dflt : 0, issue) || 'off';
}

/** Attributes whose value only names something elsewhere: a token there changes no behaviour. */
const NAMES_ONLY_KEYS: ReadonlySet<string> = new Set([
  LB_ATTR.accessLogsBucket,
  LB_ATTR.accessLogsPrefix,
  LB_ATTR.connectionLogsBucket,
  LB_ATTR.connectionLogsPrefix,
]);

/** `[{Key, Value}]` → record of strings. */
export function attributeRecord(list: unknown, issue: IssueSink): Record<string, string> {
  const out: Record<string, string> = {};
  if (list === undefined) return out;
  if (!Array.isArray(list)) {
    issue({ severity: 'error', what: 'attributes', why: 'not a list of {Key, Value}; ignored' });
    return out;
  }
  for (const item of list as unknown[]) {
    const { Key, Value } = (item ?? {}) as { Key?: unknown; Value?: unknown };
    if (typeof Key === 'string' && NAMES_ONLY_KEYS.has(Key) && typeof Value === 'object' && Value !== null) {
      // The bucket a deployed load balancer would write to; the simulator writes its log locally.
      out[Key] = JSON.stringify(Value);
      continue;
    }
    if (
      typeof Key !== 'string' ||
      (typeof Value !== 'string' && typeof Value !== 'number' && typeof Value !== 'boolean')
    ) {
      issue({
        severity: 'error',
        what: `attribute ${JSON.stringify(item)}`,
        why: 'key or value is not a literal (an unresolved token?); ignored',
      });
      continue;
    }
    out[Key] = String(Value);
  }
  return out;
}

export function loadBalancerAttributes(
  type: LoadBalancerTypeName,
  raw: Readonly<Record<string, string>>,
  issue: IssueSink,
): LoadBalancerAttributes {
  const known = new Set<string>([...Object.values(LB_ATTR), ...LB_ATTR_OTHER_KEYS]);
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) {
      issue({ severity: 'warning', what: `load balancer attribute ${key}`, why: 'unknown to the simulator; ignored' });
    }
  }
  if (type === 'application' && raw[LB_ATTR.crossZone] === 'false') {
    issue({
      severity: 'warning',
      what: `${LB_ATTR.crossZone}=false on an application load balancer`,
      why: 'ALB cross-zone load balancing is always on (§2.4); treated as true',
    });
  }
  return {
    deletionProtection: bool(raw, LB_ATTR.deletionProtection, LB_DEFAULTS.deletionProtection, issue),
    crossZone: type === 'application' ? true : bool(raw, LB_ATTR.crossZone, LB_DEFAULTS.nlbCrossZone, issue),
    accessLogs: {
      enabled: bool(raw, LB_ATTR.accessLogsEnabled, false, issue),
      bucket: raw[LB_ATTR.accessLogsBucket],
      prefix: raw[LB_ATTR.accessLogsPrefix],
    },
    idleTimeoutSeconds: int(raw, LB_ATTR.idleTimeout, LB_DEFAULTS.idleTimeoutSeconds, issue),
    clientKeepAliveSeconds: int(raw, LB_ATTR.clientKeepAlive, LB_DEFAULTS.clientKeepAliveSeconds, issue),
    desyncMitigationMode: oneOf(
      raw,
      LB_ATTR.desyncMitigationMode,
      DESYNC_MITIGATION_MODES,
      LB_DEFAULTS.desyncMitigationMode,
      issue,
    ),
    dropInvalidHeaderFields: bool(raw, LB_ATTR.dropInvalidHeaderFields, LB_DEFAULTS.dropInvalidHeaderFields, issue),
    preserveHostHeader: bool(raw, LB_ATTR.preserveHostHeader, LB_DEFAULTS.preserveHostHeader, issue),
    xffClientPort: bool(raw, LB_ATTR.xffClientPort, LB_DEFAULTS.xffClientPort, issue),
    xffHeaderProcessingMode: oneOf(
      raw,
      LB_ATTR.xffHeaderProcessingMode,
      XFF_MODES,
      LB_DEFAULTS.xffHeaderProcessingMode,
      issue,
    ),
    http2Enabled: bool(raw, LB_ATTR.http2Enabled, LB_DEFAULTS.http2Enabled, issue),
    tlsVersionAndCipherHeaders: bool(raw, LB_ATTR.tlsVersionAndCipherHeaders, false, issue),
    raw,
  };
}

export function targetGroupAttributes(
  lbType: LoadBalancerTypeName,
  targetType: string,
  protocol: string | undefined,
  raw: Readonly<Record<string, string>>,
  issue: IssueSink,
): TargetGroupAttributes {
  const known = new Set<string>(Object.values(TG_ATTR));
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) {
      issue({ severity: 'warning', what: `target group attribute ${key}`, why: 'unknown to the simulator; ignored' });
    }
  }
  const algorithm = oneOf<AlgorithmName>(raw, TG_ATTR.algorithm, ALGORITHMS, TG_DEFAULTS.algorithm, issue);
  const anomalyMitigation = oneOf(raw, TG_ATTR.anomalyMitigation, ['on', 'off'], TG_DEFAULTS.anomalyMitigation, issue);
  const stickinessDefaultType =
    lbType === 'application' ? TG_DEFAULTS.stickinessTypeAlb : TG_DEFAULTS.stickinessTypeNlb;
  const out: TargetGroupAttributes = {
    deregistrationDelaySeconds: int(raw, TG_ATTR.deregistrationDelay, TG_DEFAULTS.deregistrationDelaySeconds, issue),
    stickiness: {
      enabled: bool(raw, TG_ATTR.stickinessEnabled, TG_DEFAULTS.stickinessEnabled, issue),
      type: raw[TG_ATTR.stickinessType] ?? stickinessDefaultType,
      lbCookieDurationSeconds: int(raw, TG_ATTR.lbCookieDuration, TG_DEFAULTS.stickinessDurationSeconds, issue),
      appCookieName: raw[TG_ATTR.appCookieName],
      appCookieDurationSeconds: int(raw, TG_ATTR.appCookieDuration, TG_DEFAULTS.stickinessDurationSeconds, issue),
    },
    algorithm,
    anomalyMitigation: anomalyMitigation === 'on',
    slowStartSeconds: int(raw, TG_ATTR.slowStart, TG_DEFAULTS.slowStartSeconds, issue),
    crossZone: oneOf(raw, TG_ATTR.crossZone, TG_CROSS_ZONE_VALUES, TG_DEFAULTS.crossZone, issue),
    routingFailover: {
      count: threshold(raw, TG_ATTR.routingFailoverCount, TG_DEFAULTS.routingFailoverCount, issue),
      percentage: threshold(raw, TG_ATTR.routingFailoverPercentage, 'off', issue),
    },
    dnsFailover: {
      count: threshold(raw, TG_ATTR.dnsFailoverCount, TG_DEFAULTS.dnsFailoverCount, issue),
      percentage: threshold(raw, TG_ATTR.dnsFailoverPercentage, 'off', issue),
    },
    proxyProtocolV2: bool(raw, TG_ATTR.proxyProtocolV2, TG_DEFAULTS.proxyProtocolV2, issue),
    preserveClientIp: bool(raw, TG_ATTR.preserveClientIp, preserveClientIpDefault(targetType, protocol), issue),
    deregistrationConnectionTermination: bool(
      raw,
      TG_ATTR.deregistrationConnectionTermination,
      protocol === 'UDP' || protocol === 'TCP_UDP',
      issue,
    ),
    unhealthyConnectionTermination: bool(
      raw,
      TG_ATTR.unhealthyConnectionTermination,
      TG_DEFAULTS.unhealthyConnectionTermination,
      issue,
    ),
    unhealthyDrainingIntervalSeconds: int(
      raw,
      TG_ATTR.unhealthyDrainingInterval,
      TG_DEFAULTS.unhealthyDrainingIntervalSeconds,
      issue,
    ),
    lambdaMultiValueHeaders: bool(raw, TG_ATTR.lambdaMultiValueHeaders, false, issue),
    raw,
  };
  crossAttributeIssues(out, issue);
  return out;
}

/** §8.1 cross-attribute rules, reported because the simulator can only approximate such a target group. */
function crossAttributeIssues(a: TargetGroupAttributes, issue: IssueSink): void {
  if (a.slowStartSeconds !== 0 && a.algorithm !== 'round_robin') {
    issue({
      severity: 'error',
      what: `${TG_ATTR.slowStart} with ${a.algorithm}`,
      why: 'AWS allows slow start only with round_robin (§2.2); the simulator applies the slow-start weights anyway',
    });
  }
  if (a.anomalyMitigation && a.algorithm !== 'weighted_random') {
    issue({
      severity: 'error',
      what: `${TG_ATTR.anomalyMitigation}=on with ${a.algorithm}`,
      why: 'AWS allows anomaly mitigation only with weighted_random (§2.1); the simulator does not mitigate',
    });
  }
  if (a.algorithm === 'weighted_random' && a.stickiness.enabled) {
    issue({
      severity: 'warning',
      what: 'stickiness with weighted_random',
      why: 'AWS does not support sticky sessions with weighted_random (§2.1); the simulator honours the cookie',
    });
  }
  if (a.stickiness.enabled && a.stickiness.type === 'app_cookie' && !a.stickiness.appCookieName) {
    issue({
      severity: 'error',
      what: `${TG_ATTR.appCookieName} missing`,
      why: 'app_cookie stickiness needs a cookie name (§3.2); no AWSALBAPP cookie will be issued',
    });
  }
}
