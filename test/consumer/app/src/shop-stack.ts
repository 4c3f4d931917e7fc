import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { HaLoadBalancer, ListenerAction, ListenerCondition, Stickiness } from 'ha-load-balancer';

/** A user's stack: an internet-facing ALB with a site, a sticky API and a fixed response. */
export class ShopStack extends Stack {
  readonly lb: HaLoadBalancer;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 0 });
    this.lb = new HaLoadBalancer(this, 'Web', { vpc, accessLogs: true });
    const healthCheck = { path: '/health', interval: Duration.seconds(5), timeout: Duration.seconds(2) };
    const site = this.lb.addTargetGroup('Site', { port: 8080, healthCheck });
    const api = this.lb.addTargetGroup('Api', {
      port: 9000,
      healthCheck,
      stickiness: Stickiness.lbCookie(Duration.hours(1)),
    });
    const http = this.lb.addHttpListener('Http', { defaultAction: ListenerAction.forward([site]) });
    http.addRule('Api', {
      conditions: [ListenerCondition.pathPatterns(['/api/*'])],
      action: ListenerAction.forward([api]),
    });
    http.addRule('Ping', {
      conditions: [ListenerCondition.pathPatterns(['/ping'])],
      action: ListenerAction.fixedResponse(200, { contentType: 'text/plain', messageBody: 'pong' }),
    });
  }
}
