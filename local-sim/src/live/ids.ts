/**
 * Resource names the simulator reports where AWS would report generated ones (CloudWatch dimensions,
 * ARNs, DNS names). They are derived from the construct path so they are stable across runs; the
 * account and Region are placeholders (simulator choice, not AWS behaviour).
 */
import { createHash } from 'node:crypto';
import type { LoadBalancerModel, ResourceIdentity, TargetGroupModel } from '../model/types';

export const SIM_ACCOUNT = '123456789012';
export const SIM_REGION = 'us-east-1';

function hex16(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 16);
}

function shortName(r: ResourceIdentity & { name?: string }): string {
  return (r.name ?? r.logicalId).replace(/[^A-Za-z0-9-]/g, '-').slice(0, 32);
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
  return `arn:aws:elasticloadbalancing:${SIM_REGION}:${SIM_ACCOUNT}:${targetGroupDimension(tg)}`;
}

export function loadBalancerArn(lb: LoadBalancerModel): string {
  return `arn:aws:elasticloadbalancing:${SIM_REGION}:${SIM_ACCOUNT}:loadbalancer/${loadBalancerDimension(lb)}`;
}

/**
 * DNS name of a load balancer, in AWS's shape: `<name>-<id>.<region>.elb.amazonaws.com` for ALBs,
 * `<name>-<id>.elb.<region>.amazonaws.com` for NLBs, with `internal-` in front for internal ones. The
 * simulator's name server answers it with the load balancer's local addresses.
 */
export function loadBalancerDnsName(lb: LoadBalancerModel): string {
  const name = `${lb.scheme === 'internal' ? 'internal-' : ''}${shortName(lb)}-${hex16(lb.id)}`.toLowerCase();
  return lb.type === 'network' ? `${name}.elb.${SIM_REGION}.amazonaws.com` : `${name}.${SIM_REGION}.elb.amazonaws.com`;
}
