import type { HealthChange, Simulator } from '../../src/index';
import { allHealthy, countChecks, firstRequest, get, SITE, startFixture, WEB_HTTP } from './helpers';

let sim: Simulator;

beforeEach(async () => {
  sim = await startFixture();
});

afterEach(async () => {
  await sim.stop();
});

describe('active health checks against live targets, every 200 ms (healthCheckIntervalOverrideMs: a simulator test convenience, not AWS) (docs/aws-behaviour.md §1.3, §1.4)', () => {
  test('§1.4 initial → healthy after one passing check', async () => {
    const changes: HealthChange[] = [];
    sim.on('health', (c) => changes.push(c));
    await allHealthy(sim, SITE);
    const site = changes.filter((c) => c.targetGroupId === SITE);
    expect(site.every((c) => c.from === 'initial' && c.to === 'healthy')).toBe(true);
    expect(sim.describeTargetHealth(SITE).map((d) => d.TargetHealth.State)).toEqual(['healthy', 'healthy', 'healthy']);
  });

  test('§1.4 healthy → unhealthy after UnhealthyThresholdCount (2) failed checks of every node, back after HealthyThresholdCount (2)', async () => {
    await allHealthy(sim, SITE);
    const target = sim.targets(SITE).get(0);
    const failing = countChecks(sim, SITE, 0, 503);
    await target.failHealthChecks();
    await sim.waitForHealth(SITE, 0, 'unhealthy');
    // §1.3 every node (one per zone of the load balancer) probes on its own; the state follows them all
    const nodes = sim.loadBalancer('LiveFixture/Web').availabilityZones.length;
    expect(failing.stop()).toBe(2 * nodes);
    expect(target.health()?.TargetHealth.Reason).toBe('Target.ResponseCodeMismatch');
    const passing = countChecks(sim, SITE, 0, 200);
    await target.recover();
    await sim.waitForHealth(SITE, 0, 'healthy');
    expect(passing.stop()).toBe(2 * nodes);
    // and traffic comes back to it: the next three requests (round robin) include it
    const targets = new Set<string>();
    for (let i = 0; i < 3; i++) targets.add((await get(sim.url(WEB_HTTP) + '/')).json().target);
    expect(targets.has('SiteTG#0')).toBe(true);
  });

  test('§1.3 a target that refuses connections is unhealthy with Target.FailedHealthChecks', async () => {
    await allHealthy(sim, SITE);
    await sim.targets(SITE).get(1).down();
    await sim.waitForHealth(SITE, 1, 'unhealthy');
    expect(sim.targets(SITE).get(1).health()?.TargetHealth.Reason).toBe('Target.FailedHealthChecks');
  });

  test('§1.4 unhealthy targets receive no traffic while others are healthy', async () => {
    await allHealthy(sim, SITE);
    await sim.targets(SITE).get(2).failHealthChecks();
    await sim.waitForHealth(SITE, 2, 'unhealthy');
    for (let i = 0; i < 12; i++) {
      expect((await get(sim.url(WEB_HTTP) + '/')).json().target).not.toBe('SiteTG#2');
    }
  });

  test('§1.5 fail open: with every target unhealthy, requests go to all targets', async () => {
    await allHealthy(sim, SITE);
    for (let i = 0; i < 3; i++) await sim.targets(SITE).get(i).failHealthChecks();
    await Promise.all([0, 1, 2].map((i) => sim.waitForHealth(SITE, i, 'unhealthy')));
    const seen = new Set<string>();
    for (let i = 0; i < 9; i++) {
      const r = await get(sim.url(WEB_HTTP) + '/');
      expect(r.status).toBe(200);
      seen.add(r.json().target);
    }
    expect(seen.size).toBe(3);
    const tg = Object.entries(sim.metrics.snapshot().targetGroups).find(([k]) => k.startsWith('targetgroup/SiteTG'));
    expect(tg?.[1].UnhealthyRoutingRequestCount).toBe(9);
    expect(tg?.[1].UnHealthyHostCount).toBe(3);
  });

  test('§2.3 a request still in flight when the deregistration delay (200 ms: deregistrationDelayOverrideMs, not AWS) expires gets 502', async () => {
    await sim.stop();
    sim = await startFixture({ deregistrationDelayOverrideMs: 200 });
    await allHealthy(sim, SITE);
    for (let i = 0; i < 3; i++) await sim.targets(SITE).get(i).slow(5_000);
    const reached = firstRequest(sim, SITE);
    const pending = get(sim.url(WEB_HTTP) + '/slow');
    // Wait until the request reaches a backend, then deregister that backend.
    const index = await reached;
    sim.targets(SITE).get(index).deregister();
    expect((await pending).status).toBe(502);
  });
});
