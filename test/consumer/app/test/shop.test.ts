import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Simulator } from '@ha-load-balancer/local-sim';
import { ShopStack } from '../src/shop-stack';

function shop(): ShopStack {
  const app = new App({
    context: { 'availability-zones:account=123456789012:region=us-east-1': ['us-east-1a', 'us-east-1b'] },
  });
  return new ShopStack(app, 'Shop', { env: { account: '123456789012', region: 'us-east-1' } });
}

test('the template has one ALB with an HTTP listener and two rules', () => {
  const template = Template.fromStack(shop());
  template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
  template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Protocol: 'HTTP', Port: 80 });
  template.resourceCountIs('AWS::ElasticLoadBalancingV2::ListenerRule', 2);
});

describe('the stack, simulated from the Stack object with jest default timeouts', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await Simulator.start(shop(), { demoBackends: 1, ports: 0 });
  });
  afterAll(() => sim.stop());

  test('the default action forwards to a target: 200 from the demo backend', async () => {
    const res = await fetch(sim.url('Shop/Web/Http') + '/');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { target: string }).target).toMatch(/^WebSite/);
  });

  test('a fixed response answers 200 through the listener', async () => {
    const res = await fetch(sim.url('Shop/Web/Http') + '/ping');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('pong');
  });
});
