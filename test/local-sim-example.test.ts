import { App, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Simulator } from '@ha-load-balancer/local-sim';
import { HaLoadBalancer, ListenerAction, ListenerCondition, Stickiness } from 'ha-load-balancer';

/** The stack under test, built exactly as the CDK app builds it. */
function webStack(): Stack {
  const app = new App({
    context: { 'availability-zones:account=123456789012:region=us-east-1': ['us-east-1a', 'us-east-1b'] },
  });
  const stack = new Stack(app, 'Shop', { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
  const lb = new HaLoadBalancer(stack, 'Web', { vpc, accessLogs: true });
  const healthCheck = { path: '/health', interval: Duration.seconds(5), timeout: Duration.seconds(2) };
  const site = lb.addTargetGroup('Site', { port: 8080, healthCheck });
  const api = lb.addTargetGroup('Api', { port: 9000, healthCheck, stickiness: Stickiness.lbCookie(Duration.hours(1)) });
  const http = lb.addHttpListener('Http', { defaultAction: ListenerAction.forward([site]) });
  http.addRule('Api', {
    conditions: [ListenerCondition.pathPatterns(['/api/*'])],
    action: ListenerAction.forward([api]),
  });
  http.addRule('Ping', {
    conditions: [ListenerCondition.pathPatterns(['/ping'])],
    action: ListenerAction.fixedResponse(200, { contentType: 'text/plain', messageBody: 'pong' }),
  });
  return stack;
}

describe('the Shop load balancer, run locally', () => {
  let sim: Simulator;

  beforeAll(async () => {
    // Three demo backends per target group and free ports. Health checks every 300 ms instead of 5 s:
    // a test convenience of the simulator, not AWS behaviour.
    sim = await Simulator.start(webStack(), {
      demoBackends: 3,
      ports: 0,
      healthCheckIntervalOverrideMs: 300,
      healthCheckTimeoutOverrideMs: 250,
    });
    for (const tg of ['Shop/Web/Site', 'Shop/Web/Api']) {
      for (const i of [0, 1, 2]) await sim.waitForHealth(tg, i, 'healthy');
    }
  });
  afterAll(() => sim.stop());

  const get = async (path: string, cookie?: string) => {
    const res = await fetch(sim.url('Shop/Web/Http') + path, { headers: cookie ? { cookie } : {} });
    return { res, body: await res.text() };
  };
  const targetOf = (body: string): string => JSON.parse(body).target;

  test('the default action spreads requests over every healthy site target', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add(targetOf((await get('/')).body));
    expect(seen.size).toBe(3);
  });

  test('/api/* goes to the API target group and sticks to one target with AWSALB', async () => {
    const first = await get('/api/orders');
    const cookie = first.res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    expect(cookie).toMatch(/AWSALB=/);
    const target = targetOf(first.body);
    expect(target).toMatch(/Api/);
    for (let i = 0; i < 5; i++) expect(targetOf((await get('/api/orders', cookie)).body)).toBe(target);
  });

  test('a fixed response never reaches a target', async () => {
    const { res, body } = await get('/ping');
    expect(res.status).toBe(200);
    expect(body).toBe('pong');
  });

  test('a target that fails its health checks leaves the rotation, and comes back', async () => {
    const bad = sim.targets('Shop/Web/Site').get(0);
    await bad.failHealthChecks();
    await sim.waitForHealth('Shop/Web/Site', 0, 'unhealthy');
    expect(bad.health()?.TargetHealth.Reason).toBe('Target.ResponseCodeMismatch');
    for (let i = 0; i < 6; i++) expect(targetOf((await get('/')).body)).not.toBe(bad.backend?.name);
    await bad.recover();
    await sim.waitForHealth('Shop/Web/Site', 0, 'healthy');
  });
});
