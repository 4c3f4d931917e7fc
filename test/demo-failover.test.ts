/**
 * The demo app (bin/demo.ts) failing over through DNS, end to end (docs/aws-behaviour.md §7.2–§7.6):
 * www.example.com resolves to the primary Region's load balancer; when every primary target fails its
 * health checks, Route 53 answers with the secondary within the time §7 predicts; recovery brings the
 * primary back. Once in virtual time (exact times, the demo's own 10 s intervals), once live over the
 * simulator's DNS server, where health checks run every 200 ms and Route 53 checks every second:
 * SIMULATOR TEST CONVENIENCES, NOT AWS. The live test waits on events, never on sleeps.
 */
import { promises as dnsPromises } from 'node:dns';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { modelOf, ok, ScriptedBackend, Simulator, VirtualSimulator } from '@ha-load-balancer/local-sim';
import { buildDemoApp } from '../bin/demo';

function demoApp(): App {
  const { context } = JSON.parse(readFileSync(join(__dirname, '..', 'cdk.json'), 'utf8'));
  return buildDemoApp(new App({ context })).app;
}

const PRIMARY_TGS = ['WebPrimary/Web/Site', 'WebPrimary/Web/Api', 'WebPrimary/Web/ApiCanary'];

describe('demo failover through Route 53 (§7.2–§7.6)', () => {
  const model = modelOf(demoApp());

  test('virtual time: the answer moves to the secondary once a primary target group has no healthy target, within RequestInterval × FailureThreshold', () => {
    const sim = new VirtualSimulator(model);
    const failing = new ScriptedBackend().setHealth(ok(500));
    sim.runUntil(60_000);
    expect(sim.engine.resolveRecord('www.example.com', 'A')?.setIdentifier).toBe('primary');
    // every primary target fails from t = 60 s on
    for (const tg of model.targetGroups.filter((t) => PRIMARY_TGS.includes(t.id)))
      for (const t of tg.targets) sim.setBackend(t.id, failing);
    sim.runUntil(120_000);
    const [change] = sim.dnsAnswerChanges();
    expect(change).toMatchObject({
      name: 'www.example.com',
      from: ['primary'],
      to: ['secondary'],
      previousTtlSeconds: 60,
    });
    // §7.5 EvaluateTargetHealth: the primary is unhealthy from the moment one of its target groups has no
    // healthy target left, and Route 53 answers the secondary from that moment (§7.3: health is continuous)
    const lastHealthyGone = PRIMARY_TGS.map((tg) =>
      Math.max(
        ...sim.events
          .filter((e) => e.type === 'target-health-changed' && e.target.targetGroupId === tg && e.to === 'unhealthy')
          .map((e) => e.at),
      ),
    );
    expect(change.at).toBe(Math.min(...lastHealthyGone));
    // the demo's endpoint check: RequestInterval 10 s × FailureThreshold 3
    const hc = model.healthChecks.find((h) => h.stackName === 'WebPrimary')!;
    expect([hc.requestIntervalSeconds, hc.failureThreshold]).toEqual([10, 3]);
    expect(change.at - 60_000).toBeLessThanOrEqual(hc.requestIntervalSeconds * 1000 * hc.failureThreshold);
    expect(change.clientsMoveBy).toBe(change.at + 60_000);
  });

  describe('live, over the DNS server', () => {
    let sim: Simulator;
    afterEach(async () => {
      await sim?.stop();
    });

    test('www.example.com: primary → secondary when every primary target fails → primary after recovery', async () => {
      sim = await Simulator.start(model, {
        ports: 0,
        demoBackends: 3,
        dnsPort: 0,
        healthCheckIntervalOverrideMs: 200,
        healthCheckTimeoutOverrideMs: 150,
        route53IntervalOverrideMs: 1_000,
      });
      for (const tg of [...PRIMARY_TGS, 'WebSecondary/Web/Site', 'WebSecondary/Web/Api', 'WebSecondary/Web/ApiCanary'])
        for (let i = 0; i < sim.targets(tg).length; i++) await sim.waitForHealth(tg, i, 'healthy');
      const resolver = new dnsPromises.Resolver({ timeout: 5_000, tries: 2 });
      resolver.setServers([`127.0.0.1:${sim.dnsAddress!.port}`]);
      const dns = sim.endpoints().dns!;
      // one node address per Availability Zone of the load balancer (§2.4)
      const addresses = (lb: string) => [...dns.loadBalancers.find((l) => l.id === lb)!.addresses].sort();
      const resolved = async () => (await resolver.resolve4('www.example.com')).sort();
      expect(addresses('WebPrimary/Web')).toHaveLength(2);
      expect(await resolved()).toEqual(addresses('WebPrimary/Web'));

      for (const tg of PRIMARY_TGS) for (const t of sim.targets(tg).controls) await t.failHealthChecks();
      const change = await sim.waitForDnsAnswer('www.example.com', 'secondary');
      expect(change).toMatchObject({ from: ['primary'], to: ['secondary'], previousTtlSeconds: 60 });
      expect(await resolved()).toEqual(addresses('WebSecondary/Web'));
      expect(sim.engine.loadBalancerHealthy('WebPrimary/Web')).toBe(false);

      for (const tg of PRIMARY_TGS) for (const t of sim.targets(tg).controls) await t.recover();
      await sim.waitForDnsAnswer('www.example.com', 'primary');
      // each zone's node answers again once it sees its targets healthy (every node probes on its own)
      for (const tg of PRIMARY_TGS)
        for (let i = 0; i < sim.targets(tg).length; i++) await sim.waitForHealth(tg, i, 'healthy');
      expect(await resolved()).toEqual(addresses('WebPrimary/Web'));
    });
  });
});
