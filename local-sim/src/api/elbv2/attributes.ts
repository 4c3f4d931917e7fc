/**
 * Load-balancer and target-group attributes in the API's `{Key, Value}` form (§8.1, §8.2): the keys each
 * kind of resource has, their effective values (template value or AWS default), and
 * `ModifyTargetGroupAttributes` as a pure function that validates against the ranges and enums in
 * `@ha-load-balancer/spec` and re-derives the typed attributes the engine reads.
 */
import {
  ALGORITHMS,
  LB_ATTR,
  RESERVED_COOKIE_PREFIXES,
  STICKINESS_TYPES,
  TARGET_GROUP_LIMITS,
  TG_ATTR,
  TG_CROSS_ZONE_VALUES,
  describeRange,
  inRange,
  type Range,
} from '@ha-load-balancer/spec';
import { targetGroupAttributes } from '../../model/attributes';
import type { LoadBalancerModel, TargetGroupModel, Threshold } from '../../model/types';
import { validationError } from '../errors';

/** One `{Key, Value}` attribute (a type alias, so it is also an `XmlNode`). */
export type Attribute = { readonly Key: string; readonly Value: string };

const threshold = (t: Threshold): string => String(t);

/** Every attribute key of this kind of target group with its effective value (DescribeTargetGroupAttributes). */
export function targetGroupAttributeList(tg: TargetGroupModel): Attribute[] {
  const a = tg.attributes;
  const values: Record<string, string> = {};
  const set = (key: string, value: string | number | boolean): void => {
    values[key] = String(value);
  };
  const health = (): void => {
    set(TG_ATTR.dnsFailoverCount, threshold(a.dnsFailover.count));
    set(TG_ATTR.dnsFailoverPercentage, threshold(a.dnsFailover.percentage));
    set(TG_ATTR.routingFailoverCount, threshold(a.routingFailover.count));
    set(TG_ATTR.routingFailoverPercentage, threshold(a.routingFailover.percentage));
  };
  set(TG_ATTR.stickinessEnabled, a.stickiness.enabled);
  set(TG_ATTR.stickinessType, a.stickiness.type);
  if (tg.targetType === 'lambda') {
    set(TG_ATTR.lbCookieDuration, a.stickiness.lbCookieDurationSeconds);
    set(TG_ATTR.lambdaMultiValueHeaders, a.lambdaMultiValueHeaders);
    set(TG_ATTR.crossZone, a.crossZone);
  } else if (tg.loadBalancerType === 'application') {
    set(TG_ATTR.deregistrationDelay, a.deregistrationDelaySeconds);
    set(TG_ATTR.lbCookieDuration, a.stickiness.lbCookieDurationSeconds);
    set(TG_ATTR.appCookieName, a.stickiness.appCookieName ?? '');
    set(TG_ATTR.appCookieDuration, a.stickiness.appCookieDurationSeconds);
    set(TG_ATTR.algorithm, a.algorithm);
    set(TG_ATTR.anomalyMitigation, a.anomalyMitigation ? 'on' : 'off');
    set(TG_ATTR.slowStart, a.slowStartSeconds);
    set(TG_ATTR.crossZone, a.crossZone);
    health();
  } else {
    set(TG_ATTR.deregistrationDelay, a.deregistrationDelaySeconds);
    set(TG_ATTR.deregistrationConnectionTermination, a.deregistrationConnectionTermination);
    set(TG_ATTR.proxyProtocolV2, a.proxyProtocolV2);
    set(TG_ATTR.preserveClientIp, a.preserveClientIp);
    set(TG_ATTR.crossZone, a.crossZone);
    set(TG_ATTR.unhealthyConnectionTermination, a.unhealthyConnectionTermination);
    set(TG_ATTR.unhealthyDrainingInterval, a.unhealthyDrainingIntervalSeconds);
    health();
  }
  return Object.entries(values).map(([Key, Value]) => ({ Key, Value }));
}

/** Every attribute of the load balancer with its effective value (DescribeLoadBalancerAttributes). */
export function loadBalancerAttributeList(lb: LoadBalancerModel): Attribute[] {
  const a = lb.attributes;
  const values: Record<string, string> = {
    [LB_ATTR.accessLogsEnabled]: String(a.accessLogs.enabled),
    [LB_ATTR.accessLogsBucket]: a.accessLogs.bucket ?? '',
    [LB_ATTR.accessLogsPrefix]: a.accessLogs.prefix ?? '',
    [LB_ATTR.deletionProtection]: String(a.deletionProtection),
    [LB_ATTR.crossZone]: String(a.crossZone),
  };
  if (lb.type === 'application') {
    Object.assign(values, {
      [LB_ATTR.idleTimeout]: String(a.idleTimeoutSeconds),
      [LB_ATTR.clientKeepAlive]: String(a.clientKeepAliveSeconds),
      [LB_ATTR.desyncMitigationMode]: a.desyncMitigationMode,
      [LB_ATTR.dropInvalidHeaderFields]: String(a.dropInvalidHeaderFields),
      [LB_ATTR.preserveHostHeader]: String(a.preserveHostHeader),
      [LB_ATTR.tlsVersionAndCipherHeaders]: String(a.tlsVersionAndCipherHeaders),
      [LB_ATTR.xffClientPort]: String(a.xffClientPort),
      [LB_ATTR.xffHeaderProcessingMode]: a.xffHeaderProcessingMode,
      [LB_ATTR.http2Enabled]: String(a.http2Enabled),
    });
  }
  // Keys the template wrote that the simulator does not type (waf.fail_open.enabled, zonal shift, ...).
  for (const [k, v] of Object.entries(a.raw)) if (!(k in values)) values[k] = v;
  return Object.entries(values).map(([Key, Value]) => ({ Key, Value }));
}

function invalid(key: string, value: string, allowed: string): Error {
  return validationError(`The value of '${key}' must be ${allowed}, but was '${value}'`);
}

function checkInt(key: string, value: string, range: Range, unit = ''): void {
  if (!/^\d+$/.test(value) || !inRange(Number(value), range))
    throw invalid(key, value, `an integer ${describeRange(range, unit)}`);
}

function checkOne(key: string, value: string, allowed: readonly string[]): void {
  if (!allowed.includes(value)) throw invalid(key, value, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
}

/** One attribute value on its own (§8.1 ranges and enums). */
function checkValue(tg: TargetGroupModel, key: string, value: string): void {
  const L = TARGET_GROUP_LIMITS;
  switch (key) {
    case TG_ATTR.deregistrationDelay:
      return checkInt(key, value, L.deregistrationDelaySeconds, 'seconds');
    case TG_ATTR.lbCookieDuration:
    case TG_ATTR.appCookieDuration:
      return checkInt(key, value, L.stickinessDurationSeconds, 'seconds');
    case TG_ATTR.slowStart:
      if (value !== '0') checkInt(key, value, L.slowStartSeconds, 'seconds (or 0 to turn it off)');
      return;
    case TG_ATTR.unhealthyDrainingInterval:
      return checkInt(key, value, L.unhealthyDrainingIntervalSeconds, 'seconds');
    case TG_ATTR.stickinessType:
      return checkOne(key, value, tg.targetType === 'lambda' ? ['lb_cookie'] : STICKINESS_TYPES[tg.loadBalancerType]);
    case TG_ATTR.algorithm:
      return checkOne(key, value, ALGORITHMS);
    case TG_ATTR.anomalyMitigation:
      return checkOne(key, value, ['on', 'off']);
    case TG_ATTR.crossZone:
      return checkOne(key, value, TG_CROSS_ZONE_VALUES);
    case TG_ATTR.appCookieName: {
      const reserved = RESERVED_COOKIE_PREFIXES.find((p) => value.startsWith(p));
      if (reserved) throw invalid(key, value, `a cookie name not starting with '${reserved}' (reserved)`);
      return;
    }
    case TG_ATTR.dnsFailoverCount:
    case TG_ATTR.routingFailoverCount:
      if (value !== 'off' && !(/^\d+$/.test(value) && Number(value) >= 1))
        throw invalid(key, value, "'off' or an integer of at least 1");
      return;
    case TG_ATTR.dnsFailoverPercentage:
    case TG_ATTR.routingFailoverPercentage:
      if (value !== 'off') checkInt(key, value, L.minimumHealthyTargetsPercentage, "(or 'off')");
      return;
    default:
      return checkOne(key, value, ['true', 'false']);
  }
}

/**
 * `ModifyTargetGroupAttributes`: the target group with the given attributes changed. Unknown keys, keys of
 * another kind of target group, values out of range and combinations AWS refuses (§8.1: slow start only
 * with round_robin, anomaly mitigation only with weighted_random, DNS failover thresholds not below the
 * routing ones) are `ValidationError`.
 */
export function modifyTargetGroupAttributes(tg: TargetGroupModel, changes: readonly Attribute[]): TargetGroupModel {
  const keys = new Set(targetGroupAttributeList(tg).map((a) => a.Key));
  const raw: Record<string, string> = { ...tg.attributes.raw };
  for (const { Key, Value } of changes) {
    if (!keys.has(Key)) {
      throw validationError(`Attribute key '${Key}' is not recognized for ${describeKind(tg)} target groups`);
    }
    checkValue(tg, Key, Value);
    raw[Key] = Value;
  }
  const errors: string[] = [];
  const attributes = targetGroupAttributes(tg.loadBalancerType, tg.targetType, tg.protocol, raw, (i) => {
    if (i.severity === 'error') errors.push(`${i.what}: ${i.why.replace(/;.*$/, '')}`);
  });
  const order = (kind: 'count' | 'percentage'): void => {
    const d = attributes.dnsFailover[kind];
    const r = attributes.routingFailover[kind];
    if (typeof d === 'number' && typeof r === 'number' && d < r) {
      errors.push(
        `target_group_health.dns_failover.minimum_healthy_targets.${kind} (${d}) must not be below the unhealthy_state_routing one (${r}) (§1.5)`,
      );
    }
  };
  order('count');
  order('percentage');
  if (errors.length > 0) throw validationError(errors.join('; '));
  return { ...tg, attributes };
}

function describeKind(tg: TargetGroupModel): string {
  if (tg.targetType === 'lambda') return 'lambda';
  return tg.loadBalancerType === 'application' ? 'Application Load Balancer' : 'Network Load Balancer';
}
