import assert from 'node:assert/strict';
import { test } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Simulator } from '@ha-load-balancer/local-sim';
import { HaLoadBalancer, ListenerAction } from 'ha-load-balancer';

test('the load balancer forwards to a target', async () => {
  const stack = new Stack(new App(), 'Shop');
  const lb = new HaLoadBalancer(stack, 'Web', { vpc: new ec2.Vpc(stack, 'Vpc', { natGateways: 0 }) });
  const site = lb.addTargetGroup('Site', { port: 8080 });
  lb.addHttpListener('Http', { defaultAction: ListenerAction.forward([site]) });

  const sim = await Simulator.start(stack, { demoBackends: 2, ports: 0 });
  try {
    const res = await fetch(sim.url('Shop/Web/Http') + '/');
    assert.equal(res.status, 200);
  } finally {
    await sim.stop();
  }
});
