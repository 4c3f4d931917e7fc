/**
 * Resource names the simulator reports where AWS would report generated ones (CloudWatch dimensions,
 * ARNs, DNS names, Route 53 ids). They are derived from the model's ids (construct paths) so they are
 * stable across runs and reloads; the account and Region are placeholders (simulator choice, not AWS
 * behaviour). The AWS-compatible API resolves every ARN and id it hands out back to the model through
 * these same functions.
 */
import { createHash } from 'node:crypto';
import { ELB_CANONICAL_HOSTED_ZONE_IDS_US_EAST_1, SIMULATOR_CHOICE_PARAMS } from '@ha-load-balancer/spec';
import type {
  ListenerModel,
  LoadBalancerModel,
  ResourceIdentity,
  Route53HealthCheckModel,
  RuleModel,
  TargetGroupModel,
} from './types';

export const SIM_ACCOUNT = '123456789012';
export const SIM_REGION = SIMULATOR_CHOICE_PARAMS.defaultRegion;

const ELB_ARN_PREFIX = `arn:aws:elasticloadbalancing:${SIM_REGION}:${SIM_ACCOUNT}:`;

function digest(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

function hex16(s: string): string {
  return digest(s).slice(0, 16);
}

function shortName(r: ResourceIdentity & { name?: string }): string {
  return (r.name ?? r.logicalId).replace(/[^A-Za-z0-9-]/g, '-').slice(0, 32);
}

/** `LoadBalancerName`: `Name` when the template gives one, else the logical id (at most 32 characters). */
export function loadBalancerName(lb: LoadBalancerModel): string {
  return shortName(lb);
}

/** `TargetGroupName`: `Name` when the template gives one, else the logical id (at most 32 characters). */
export function targetGroupName(tg: TargetGroupModel): string {
  return shortName(tg);
}

/** CloudWatch `LoadBalancer` dimension: `app/<name>/<id>` or `net/<name>/<id>`. */
export function loadBalancerDimension(lb: LoadBalancerModel): string {
  return `${lb.type === 'network' ? 'net' : 'app'}/${shortName(lb)}/${hex16(lb.id)}`;
}

/** CloudWatch `TargetGroup` dimension: `targetgroup/<name>/<id>`. */
export function targetGroupDimension(tg: TargetGroupModel): string {
  return `targetgroup/${shortName(tg)}/${hex16(tg.id)}`;
}

export function targetGroupArn(tg: TargetGroupModel): string {
  return `${ELB_ARN_PREFIX}${targetGroupDimension(tg)}`;
}

export function loadBalancerArn(lb: LoadBalancerModel): string {
  return `${ELB_ARN_PREFIX}loadbalancer/${loadBalancerDimension(lb)}`;
}

/** `arn:...:listener/app/<lb name>/<lb id>/<listener id>`, as AWS nests listener ARNs under their load balancer. */
export function listenerArn(lb: LoadBalancerModel, listener: ListenerModel): string {
  return `${ELB_ARN_PREFIX}listener/${loadBalancerDimension(lb)}/${hex16(listener.id)}`;
}

/**
 * `arn:...:listener-rule/app/<lb name>/<lb id>/<listener id>/<rule id>`. The default rule (no `RuleModel`)
 * gets the id derived from `<listener id>/default`.
 */
export function ruleArn(lb: LoadBalancerModel, listener: ListenerModel, rule: RuleModel | 'default'): string {
  const ruleId = rule === 'default' ? `${listener.id}/default` : rule.id;
  return `${ELB_ARN_PREFIX}listener-rule/${loadBalancerDimension(lb)}/${hex16(listener.id)}/${hex16(ruleId)}`;
}

/**
 * `DNSName` in AWS's format: ALB `<name>-<number>.<region>.elb.amazonaws.com` (prefixed `internal-` when
 * internal), NLB `<name>-<hex>.elb.<region>.amazonaws.com`. Nothing resolves these names on the internet.
 */
export function loadBalancerDnsName(lb: LoadBalancerModel): string {
  const name = shortName(lb);
  const prefix = lb.scheme === 'internal' ? 'internal-' : '';
  if (lb.type === 'network') return `${prefix}${name}-${hex16(lb.id)}.elb.${SIM_REGION}.amazonaws.com`;
  const number = String(parseInt(digest(lb.id).slice(0, 8), 16)).padStart(10, '1');
  return `${prefix}${name}-${number}.${SIM_REGION}.elb.amazonaws.com`;
}

/** `arn:aws:lambda:<Region>:<account>:function:<name>` of a function the templates define. */
export function lambdaFunctionArn(functionName: string): string {
  return `arn:aws:lambda:${SIM_REGION}:${SIM_ACCOUNT}:function:${functionName}`;
}

/** `CanonicalHostedZoneId` of the load balancer in the simulator's Region. */
export function canonicalHostedZoneId(lb: LoadBalancerModel): string {
  return ELB_CANONICAL_HOSTED_ZONE_IDS_US_EAST_1[lb.type];
}

/** Route 53 health-check `Id` (a UUID, as Route 53 gives them) derived from the model id. */
export function healthCheckApiId(hc: Route53HealthCheckModel): string {
  const h = digest(`healthcheck:${hc.id}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** A hosted-zone id (`Z` and 20 upper-case letters and digits) for a zone the template names only by name. */
export function hostedZoneIdForName(zoneName: string): string {
  const n = BigInt(`0x${digest(`zone:${zoneName.toLowerCase().replace(/\.$/, '')}`).slice(0, 26)}`);
  return `Z${n.toString(36).toUpperCase().padStart(20, '0').slice(0, 20)}`;
}
