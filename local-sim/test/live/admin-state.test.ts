/**
 * `GET /api/state` (the dashboard's data, also each `state` event of `/events`): targets with health,
 * reason and what their controls act on; Route 53 records with the one answering (§7.4); the node
 * processes; and the same counters `/metrics` renders (§5.6).
 */
import { Simulator } from '../../src/index';
import type { DashboardState } from '../../src/live/admin/state';
import { allHealthy, fixtureWithRecords, get, SITE, WEB_HTTP } from './helpers';

let sim: Simulator | undefined;

afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const state = async (s: Simulator): Promise<DashboardState> => (await get(`${s.adminUrl}/api/state`)).json();

test('§1.4 §7.4 §5.6 /api/state: target health with reason, the answering Route 53 record, node processes, the /metrics counters', async () => {
  sim = await Simulator.start(fixtureWithRecords(), {
    ports: 0,
    adminPort: 0,
    demoBackends: 2,
    healthCheckIntervalOverrideMs: 200,
    healthCheckTimeoutOverrideMs: 150,
  });
  await allHealthy(sim, SITE);
  sim.targets(SITE).get(1).backend!.failHealthChecks();
  await sim.waitForHealth(SITE, 1, 'unhealthy');
  for (let i = 0; i < 3; i++) expect((await get(`${sim.url(WEB_HTTP)}/page/${i}`)).status).toBe(200);

  const s = await state(sim);
  const site = s.targetGroups.find((t) => t.id === SITE)!;
  expect(site.targets.map((t) => [t.index, t.kind, t.state])).toEqual([
    [0, 'demo', 'healthy'],
    [1, 'demo', 'unhealthy'],
  ]);
  expect(site.targets[1]!.reason).toBe(sim.targets(SITE).get(1).health()!.TargetHealth.Reason);
  expect(site.targets[1]!.since).toBeLessThanOrEqual(s.at);
  expect(site.deregistrationDelaySeconds).toBe(5);

  // Route 53: the failover pair, the primary answering while its health check has not failed (§7.4)
  const www = s.dns!.records.find((r) => r.name === 'www.example.com' && r.type === 'A')!;
  expect(www.records.map((r) => [r.setIdentifier, r.role, r.answering])).toEqual([
    ['primary', 'PRIMARY', true],
    ['secondary', 'SECONDARY', false],
  ]);
  expect(www.records[1]!.target).toBe('192.0.2.10');

  // one node: this process, with the requests it counted (the same RequestCount /metrics renders)
  const requestCount = Object.values(s.metrics.loadBalancers).reduce((n, c) => n + (c.RequestCount ?? 0), 0);
  const active = Object.values(s.metrics.loadBalancers).reduce((n, c) => n + (c.ActiveConnectionCount ?? 0), 0);
  expect(s.processes).toEqual([
    { node: 1, pid: process.pid, requests: requestCount, flows: 0, activeConnections: active },
  ]);
  const lb = s.loadBalancers.find((l) => l.id === 'LiveFixture/Web')!;
  const counted = s.metrics.loadBalancers[lb.dimension]!.RequestCount!;
  expect(counted).toBeGreaterThanOrEqual(3);
  const text = await sim.prometheus.render();
  const line = new RegExp(`^aws_applicationelb_RequestCount\\{LoadBalancer="${lb.dimension}"\\} (\\d+)$`, 'm').exec(
    text,
  );
  // requests between the two reads (Route 53 health checks through the listener) only add
  expect(Number(line![1])).toBeGreaterThanOrEqual(counted);
  const buckets = s.metrics.targetResponseTimeBuckets[site.dimension]!;
  expect(buckets).toHaveLength(s.latencyBucketsSeconds.length + 1);
  expect(buckets.reduce((a, b) => a + b, 0)).toBe(s.metrics.targetGroups[site.dimension]!.TargetResponseTimeCount);
});
