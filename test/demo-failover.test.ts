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
import {
  DeregisterTargetsCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
  waitUntilTargetDeregistered,
  type TargetDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { ListHostedZonesCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { modelOf, ok, ScriptedBackend, Simulator, VirtualSimulator } from '@ha-load-balancer/local-sim';
import { buildDemoApp } from '../bin/demo';

// The SDK warns once that releases after January 2027 need Node 22; this repository supports Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

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

  test('virtual time: deregistering every primary target moves the answer to the secondary when draining starts (§2.3, §7.5), and re-registering brings it back once the targets and the primary Route 53 check are healthy again (§1.4, §7.2)', () => {
    const sim = new VirtualSimulator(model);
    const primary = model.targetGroups.filter((t) => PRIMARY_TGS.includes(t.id));
    sim.schedule(60_000, () => {
      for (const tg of primary) sim.engine.deregisterTargets(tg.id, tg.targets);
    });
    sim.runUntil(61_000);
    const [away] = sim.dnsAnswerChanges();
    // draining targets are not healthy: the alias's EvaluateTargetHealth fails at once (§7.5)
    expect(away).toMatchObject({ name: 'www.example.com', from: ['primary'], to: ['secondary'], at: 60_000 });
    sim.schedule(90_000, () => {
      for (const tg of primary) sim.engine.registerTargets(tg.id, tg.targets);
    });
    sim.runUntil(180_000);
    const back = sim.dnsAnswerChanges()[1]!;
    expect(back).toMatchObject({ from: ['secondary'], to: ['primary'] });
    // §1.4: a registered target needs HealthyThresholdCount passing checks, one per interval. Meanwhile the
    // primary's own Route 53 check, probing its HTTPS listener, saw 503s (no healthy target, §1.5) long
    // enough to fail (RequestInterval × FailureThreshold, §7.2); the record comes back only when both the
    // alias's target health and that check are healthy again, at the later of the two.
    const healthyAgain = primary.map((tg) =>
      Math.min(
        ...sim.events
          .filter(
            (e) =>
              e.type === 'target-health-changed' &&
              e.target.targetGroupId === tg.id &&
              e.to === 'healthy' &&
              e.at > 90_000,
          )
          .map((e) => e.at),
      ),
    );
    const hc = model.healthChecks.find((h) => h.stackName === 'WebPrimary')!;
    const checkChanges = sim.events.filter((e) => e.type === 'route53-health-changed' && e.healthCheckId === hc.id);
    expect(checkChanges.map((e) => e.type === 'route53-health-changed' && e.healthy)).toEqual([false, true]);
    const [checkFailed, checkBack] = checkChanges.map((e) => e.at);
    expect(checkFailed! - 60_000).toBeLessThanOrEqual(hc.requestIntervalSeconds * 1000 * hc.failureThreshold);
    expect(back.at).toBe(Math.max(checkBack!, ...healthyAgain));
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

    test('through the AWS SDK: the PRIMARY record names a load balancer; deregistering its targets moves www.example.com to the secondary; registering them again brings it back', async () => {
      sim = await Simulator.start(model, {
        ports: 0,
        demoBackends: 2,
        dnsPort: 0,
        apiPort: 0,
        healthCheckIntervalOverrideMs: 200,
        healthCheckTimeoutOverrideMs: 150,
        deregistrationDelayOverrideMs: 300,
        route53IntervalOverrideMs: 1_000,
      });
      for (const tg of sim.model.targetGroups)
        for (let i = 0; i < sim.targets(tg.id).length; i++) await sim.waitForHealth(tg.id, i, 'healthy');
      const r53 = new Route53Client({ endpoint: sim.apiUrl, region: 'us-east-1', credentials, maxAttempts: 1 });
      const elbv2 = new ElasticLoadBalancingV2Client({
        endpoint: sim.apiUrl,
        region: 'us-east-1',
        credentials,
        maxAttempts: 1,
      });

      // what a user would do: the PRIMARY record's alias names the load balancer by its DNS name
      const zones = await r53.send(new ListHostedZonesCommand({}));
      const zone = zones.HostedZones!.find((z) => z.Name === 'example.com.')!;
      const records = await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zone.Id }));
      const primaryRecord = records.ResourceRecordSets!.find(
        (r) => r.Name === 'www.example.com.' && r.Type === 'A' && r.Failover === 'PRIMARY',
      )!;
      const aliasName = primaryRecord
        .AliasTarget!.DNSName!.toLowerCase()
        .replace(/^dualstack\./, '')
        .replace(/\.$/, '');
      const lbs = await elbv2.send(new DescribeLoadBalancersCommand({}));
      const lb = lbs.LoadBalancers!.find((l) => l.DNSName!.toLowerCase() === aliasName)!;
      expect(lb).toBeDefined();
      const tgs = await elbv2.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: lb.LoadBalancerArn! }));
      const registered: { arn: string; targets: TargetDescription[] }[] = [];
      for (const tg of tgs.TargetGroups!) {
        const health = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn! }));
        const targets = health.TargetHealthDescriptions!.map((d) => ({ Id: d.Target!.Id!, Port: d.Target!.Port! }));
        registered.push({ arn: tg.TargetGroupArn!, targets });
      }
      expect(registered.map((r) => r.targets.length)).toEqual([2, 2, 2]);

      for (const { arn, targets } of registered)
        await elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: targets }));
      // draining targets are not healthy: the alias's target health moves the answer at once (§7.5)
      await sim.waitForDnsAnswer('www.example.com', 'secondary');
      const away = sim.dnsAnswerChanges().at(-1);
      expect(away).toMatchObject({ from: ['primary'], to: ['secondary'], previousTtlSeconds: 60 });
      for (const { arn, targets } of registered)
        await waitUntilTargetDeregistered(
          { client: elbv2, minDelay: 0.1, maxDelay: 0.2, maxWaitTime: 20 },
          { TargetGroupArn: arn, Targets: targets },
        );
      // the primary's Route 53 check probes its HTTPS listener, which answers 503 without targets (§1.5)
      const check = sim.model.healthChecks.find((h) => h.stackName === 'WebPrimary')!;
      await sim.waitForRoute53Health(check.id, false);

      for (const { arn, targets } of registered)
        await elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: targets }));
      await sim.waitForDnsAnswer('www.example.com', 'primary');
      expect(sim.dnsAnswerChanges().at(-1)).toMatchObject({ from: ['secondary'], to: ['primary'] });
    });
  });
});
