/**
 * The ready scenarios of scenarios/, run on the demo app in virtual time with their own seed; the
 * key numbers are asserted exactly (same seed, same result). Issue 11.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import {
  compareScenario,
  modelOf,
  parseScenario,
  runScenario,
  type Scenario,
  type ScenarioResult,
  type SimModel,
} from '@ha-load-balancer/local-sim';
import { App } from 'aws-cdk-lib';
import { buildDemoApp } from '../bin/demo';

let model: SimModel;
beforeAll(() => {
  // the scenarios' app is the project (`app: { project: .. }`): synthesized with cdk.json's context, which
  // gives the demo's load balancers their Availability Zones (us-east-1a and us-east-1b for WebPrimary)
  const { context } = JSON.parse(readFileSync(join(__dirname, '..', 'cdk.json'), 'utf8'));
  model = modelOf(buildDemoApp(new App({ context })).app);
});

const load = (name: string): Scenario =>
  parseScenario(readFileSync(join(__dirname, '..', 'scenarios', `${name}.yaml`), 'utf8'), `${name}.yaml`);

/** Requests sent to targets matching `id` (target id or group id) in whole time buckets within [from, to). */
function sentBetween(r: ScenarioResult, id: string, from: number, to: number): number {
  let n = 0;
  for (const t of r.targets) {
    if (t.targetId !== id && t.targetGroupId !== id) continue;
    t.series.forEach((count, i) => {
      const start = r.startMs + i * r.bucketMs;
      if (start >= from && start + r.bucketMs <= to) n += count;
    });
  }
  return n;
}

describe('ready scenarios on the demo app (virtual time, fixed seeds)', () => {
  test('§2.3 rolling deployment with a deregistration delay: no request fails', () => {
    const r = runScenario(model, load('rolling-deployment'));
    expect(r.requests).toEqual({ sent: 71_740, completed: 71_740, errors: 0 });
    expect(r.statuses).toEqual({ '200': 71_740 });
    expect(r.failures.map((f) => [f.action, f.at, f.errors])).toEqual([
      ['deregister', 30_000, 0],
      ['deregister', 150_000, 0],
      ['deregister', 270_000, 0],
    ]);
    // each target is out for a while, then back under slow start (§2.2): nobody gets a third
    expect(r.targets.map((t) => [t.targetId, t.requests])).toEqual([
      ['10.0.2.10', 23_773],
      ['10.0.2.11', 23_698],
      ['10.0.3.110', 24_269],
    ]);
    // while 10.0.2.10 is deregistered (30 s to 90 s) it gets no new request
    expect(sentBetween(r, '10.0.2.10', 36_000, 90_000)).toBe(0);
  });

  test('§1.4 Availability Zone outage: 502s until interval × threshold at most, then none', () => {
    const r = runScenario(model, load('az-outage'));
    expect(r.requests).toEqual({ sent: 71_518, completed: 71_518, errors: 1_465 });
    expect(r.errorsByCause).toEqual({ '502 connect_refused': 1_465 });
    const [f] = r.failures;
    expect(f).toMatchObject({
      action: 'failZone',
      detectedAfterMs: 10_000,
      theoreticalDetectMs: 20_000,
      theoreticalFailoverMs: 20_000,
      errors: 1_465,
      formula: '10 s interval × 2 unhealthy threshold (§1.4)',
    });
    expect(f.lastErrorAfterMs).toBeLessThanOrEqual(f.detectedAfterMs!);
    // the three targets of us-east-1a (of the load balancer's two zones) get nothing between detection and recovery
    const zoneA = r.targets.filter((t) => t.zone === 'us-east-1a').map((t) => t.targetId);
    expect(zoneA).toEqual(['sim-1', 'sim-3', 'sim-5']);
    expect(zoneA.map((id) => sentBetween(r, id, 72_000, 180_000))).toEqual([0, 0, 0]);
  });

  test('§7.4–§7.6 regional failover through Route 53 with client TTL caching', () => {
    const r = runScenario(model, load('regional-failover'));
    expect(r.requests).toEqual({ sent: 71_625, completed: 71_625, errors: 11_979 });
    expect(r.errorsByCause).toEqual({ 'none region_unavailable': 11_979 });
    // Route 53 answers with the secondary 10 s after the failure (alias target health, at most 20 s),
    // and again with the primary once it is healthy for its checks
    expect(r.dns).toEqual([
      { at: 0, answer: 'primary' },
      { at: 70_000, answer: 'secondary' },
      { at: 301_877, answer: 'primary' },
    ]);
    const [f] = r.failures;
    expect(f).toMatchObject({ detectedAfterMs: 10_000, theoreticalDetectMs: 20_000, theoreticalFailoverMs: 80_000 });
    // clients keep their cached answer up to the 60 s TTL: the last failure comes after detection, within the bound
    expect(f.lastErrorAfterMs).toBeGreaterThan(f.detectedAfterMs!);
    expect(f.lastErrorAfterMs).toBeLessThanOrEqual(80_000);
    expect(Math.round(f.lastErrorAfterMs!)).toBe(69_126);
  });

  test('§3.3 canary weight shift: 90/10, then 50/50 with sticky sessions, then all on the canary', () => {
    const r = runScenario(model, load('canary-weight-shift'));
    expect(r.requests).toEqual({ sent: 71_625, completed: 71_625, errors: 0 });
    const phase = (from: number, to: number) => [
      sentBetween(r, 'WebPrimary/Web/ApiCanary', from, to),
      sentBetween(r, 'WebPrimary/Web/Api', from, to),
    ];
    expect(phase(0, 120_000)).toEqual([2_163, 20_411]); // 9.6 % on the canary
    expect(phase(120_000, 240_000)).toEqual([9_578, 13_233]); // sessions keep their group (AWSALBTG)
    expect(phase(240_000, 360_000)).toEqual([23_915, 0]); // weight 0: the cookie no longer counts
  });

  test('§2.3/§3.4 sticky sessions during scale-in: sessions on removed targets move, none fail', () => {
    const r = runScenario(model, load('sticky-scale-in'));
    expect(r.requests).toEqual({ sent: 23_684, completed: 23_684, errors: 0 });
    expect(r.sessions).toEqual({ total: 683, moved: 89 });
    expect(sentBetween(r, '10.0.2.21', 120_000, 240_000)).toBe(0);
    expect(sentBetween(r, '10.0.3.121', 120_000, 240_000)).toBe(0);
  });

  test('§2.1 heterogeneous targets: least outstanding requests avoids the slow target, round robin does not', () => {
    const [rr, lor, wrr] = compareScenario(model, load('heterogeneous-targets'), [
      'round_robin',
      'least_outstanding_requests',
      'weighted_round_robin',
    ]);
    const slow = (r: ScenarioResult) => r.targets.find((t) => t.targetId === '10.0.3.110')!.requests;
    expect(rr.requests.sent).toBe(70_619);
    expect(slow(rr)).toBe(23_539); // a third: its queue grows until requests time out (504)
    expect(rr.errorsByCause).toEqual({ '504 target_idle_timeout': 1_442 });
    expect(slow(lor)).toBe(11_223);
    expect(lor.requests.errors).toBe(0);
    expect(lor.latencyMs.p99).toBeLessThan(100);
    expect(rr.latencyMs.p99).toBeGreaterThan(10_000);
    // weighted round robin (not AWS) with weights 4:4:1
    expect(slow(wrr)).toBe(7_847);
  });

  test('same seed, same result byte for byte; another seed, another result', () => {
    const s = load('az-outage');
    const a = JSON.stringify(runScenario(model, s));
    expect(JSON.stringify(runScenario(model, s))).toBe(a);
    expect(JSON.stringify(runScenario(model, s, { seed: 2 }))).not.toBe(a);
  });
});
