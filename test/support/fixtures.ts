import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { HaLoadBalancer, HaLoadBalancerProps, HaValidationError, LoadBalancerType } from '../../lib';

export const CERT = elbv2.ListenerCertificate.fromArn(
  'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555',
);

/** A stack in a concrete account/Region with a two-AZ VPC, as users write them. */
export function stackWithVpc(maxAzs = 2): { app: App; stack: Stack; vpc: ec2.Vpc } {
  const app = new App({
    context: { 'availability-zones:account=123456789012:region=us-east-1': ['us-east-1a', 'us-east-1b', 'us-east-1c'] },
  });
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs, natGateways: 0 });
  return { app, stack, vpc };
}

export function alb(props: Partial<HaLoadBalancerProps> = {}): {
  app: App;
  stack: Stack;
  vpc: ec2.Vpc;
  lb: HaLoadBalancer;
} {
  const s = stackWithVpc();
  const lb = new HaLoadBalancer(s.stack, 'Web', { vpc: s.vpc, ...props });
  return { ...s, lb };
}

export function nlb(props: Partial<HaLoadBalancerProps> = {}): {
  app: App;
  stack: Stack;
  vpc: ec2.Vpc;
  lb: HaLoadBalancer;
} {
  return alb({ type: LoadBalancerType.NETWORK, ...props });
}

/** Run `build`; return the validation error it threw, or undefined. */
export function caught(build: () => unknown): HaValidationError | undefined {
  try {
    build();
    return undefined;
  } catch (e) {
    if (e instanceof HaValidationError) return e;
    throw e;
  }
}

/** Messages of synth-time (tier 2) validation across the whole app. */
export function synthErrors(app: App): string[] {
  try {
    app.synth();
    return [];
  } catch (e) {
    return String((e as Error).message)
      .split('\n')
      .filter((l) => l.includes('[HALB_'));
  }
}
