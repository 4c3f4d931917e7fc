/**
 * The CDK app the benchmarks run in the simulator, written with the construct library as a user would:
 *
 * - `Bench/Web/Http`: an ALB HTTP listener forwarding to `Bench/Web/Site` (round robin);
 * - `Bench/Web/Rules`: an ALB HTTP listener with five path rules evaluated before its default action,
 *   which forwards to `Bench/Web/Sticky` (lb_cookie stickiness);
 * - `Bench/Net/Flows`: an NLB TCP listener forwarding to `Bench/Net/Tcp`.
 *
 * Health checks probe `/health` (bench/backend.js can make it fail on a schedule for the soak run).
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { HaLoadBalancer, ListenerAction, ListenerCondition, LoadBalancerType, Stickiness, TargetKind } from '../lib';

export const BENCH_LISTENERS = {
  plain: 'Bench/Web/Http',
  rules: 'Bench/Web/Rules',
  tcp: 'Bench/Net/Flows',
} as const;

export const BENCH_TARGET_GROUPS = ['Bench/Web/Site', 'Bench/Web/Sticky', 'Bench/Net/Tcp'] as const;

export interface BenchAppOptions {
  readonly healthCheckSeconds: number;
  /** Deregistration delay of the target groups (AWS's default is 300 s). */
  readonly deregistrationDelaySeconds?: number;
}

export function synthBenchApp(outdir: string, o: BenchAppOptions): void {
  const app = new App({
    outdir,
    context: {
      'availability-zones:account=123456789012:region=us-east-1': ['us-east-1a', 'us-east-1b'],
      // construct paths in the assembly, as "cdk synth" writes them, so targets can be named by path
      'aws:cdk:enable-path-metadata': true,
    },
  });
  const stack = new Stack(app, 'Bench', { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
  const healthCheck = {
    path: '/health',
    interval: Duration.seconds(o.healthCheckSeconds),
    timeout: Duration.seconds(2),
    healthyThreshold: 2,
    unhealthyThreshold: 2,
  };

  const deregistrationDelay =
    o.deregistrationDelaySeconds === undefined ? undefined : Duration.seconds(o.deregistrationDelaySeconds);
  const common = { port: 8080, targetKind: TargetKind.IP, deregistrationDelay };

  const web = new HaLoadBalancer(stack, 'Web', { vpc });
  const site = web.addTargetGroup('Site', { ...common, healthCheck });
  const sticky = web.addTargetGroup('Sticky', {
    ...common,
    healthCheck,
    stickiness: Stickiness.lbCookie(Duration.hours(1)),
  });
  web.addHttpListener('Http', { port: 80, defaultAction: ListenerAction.forward([site]) });
  const rules = web.addHttpListener('Rules', { port: 81, defaultAction: ListenerAction.forward([sticky]) });
  for (let i = 0; i < 5; i++) {
    rules.addRule(`Rule${i}`, {
      conditions: [ListenerCondition.pathPatterns([`/section${i}/*`])],
      action: ListenerAction.fixedResponse(200, { contentType: 'text/plain', messageBody: `section ${i}` }),
    });
  }

  const net = new HaLoadBalancer(stack, 'Net', { vpc, type: LoadBalancerType.NETWORK });
  const tcp = net.addTargetGroup('Tcp', common);
  net.addTcpListener('Flows', { port: 82, defaultAction: ListenerAction.forward([tcp]) });
  app.synth();
}
