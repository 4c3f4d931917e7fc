/**
 * `GET /api/state` (the dashboard's data, also each `state` event of `/events`): targets with health,
 * reason and what their controls act on; Route 53 records with the one answering (§7.4); the node
 * processes; the Availability Zones with their nodes and targets (§1.5, §2.4); and the same counters
 * `/metrics` renders (§5.6).
 */
import { modelFromTemplate, Simulator } from '../../src/index';
import type { DashboardState } from '../../src/live/admin/state';
import { albTemplate, IDS, STACK } from '../model/fixtures';
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

test('§1.5 §2.4 §1.3 /api/state: each zone with its node addresses and healthy targets, each target with its zone and every node’s view; a failed zone says so and its node leaves DNS', async () => {
  const A = 'us-east-1a';
  const B = 'us-east-1b';
  const TG = IDS.tg();
  // an ALB in two zones, four demo backends placed in turn: #0 and #2 in zone A, #1 and #3 in zone B
  sim = await Simulator.fromModel(modelFromTemplate(albTemplate({ targetGroups: { App: { targets: [] } } }), STACK), {
    ports: 0,
    adminPort: 0,
    dnsPort: 0,
    demoBackends: 4,
    healthCheckIntervalOverrideMs: 200,
    healthCheckTimeoutOverrideMs: 150,
  });
  await allHealthy(sim, TG);
  const answers = (st: DashboardState) => st.loadBalancers.find((l) => l.id === IDS.lb)!.answers;

  let s = await state(sim);
  expect(s.zones).toEqual([
    {
      availabilityZone: A,
      failed: false,
      loadBalancers: [{ id: IDS.lb, nodeAddress: '127.1.1.1', inDns: true }],
      targets: { healthy: 2, total: 2 },
    },
    {
      availabilityZone: B,
      failed: false,
      loadBalancers: [{ id: IDS.lb, nodeAddress: '127.1.1.2', inDns: true }],
      targets: { healthy: 2, total: 2 },
    },
  ]);
  let app = s.targetGroups.find((t) => t.id === TG)!;
  expect(app.targets.map((t) => [t.index, t.zone])).toEqual([
    [0, A],
    [1, B],
    [2, A],
    [3, B],
  ]);
  // healthy is reported when both nodes see it so (a strict majority, node_health_view)
  expect(app.targets[1]!.nodeHealth).toEqual({ [A]: 'healthy', [B]: 'healthy' });
  expect(answers(s)).toEqual(['127.1.1.1', '127.1.1.2']);

  // When zone B fails: the state says so at once, and its node leaves the load balancer's DNS answers
  await sim.failZone(B);
  s = await state(sim);
  expect(s.zones.map((z) => [z.availabilityZone, z.failed, z.loadBalancers])).toEqual([
    [A, false, [{ id: IDS.lb, nodeAddress: '127.1.1.1', inDns: true }]],
    [B, true, [{ id: IDS.lb, nodeAddress: '127.1.1.2', inDns: false }]],
  ]);
  expect(answers(s)).toEqual(['127.1.1.1']);
  expect(s.zones).toEqual(sim.zones().map((z, i) => ({ ...z, targets: s.zones[i]!.targets })));

  // and once node A's checks find zone B's targets down, zone B has no healthy target left
  await Promise.all([sim.waitForHealth(TG, 1, 'unhealthy'), sim.waitForHealth(TG, 3, 'unhealthy')]);
  s = await state(sim);
  expect(s.zones.map((z) => z.targets)).toEqual([
    { healthy: 2, total: 2 },
    { healthy: 0, total: 2 },
  ]);
  app = s.targetGroups.find((t) => t.id === TG)!;
  expect(app.targets[1]!.nodeHealth![A]).toBe('unhealthy');
  expect(app.targets[1]!.nodeHealth).toEqual(sim.engine.nodeHealth(sim.targets(TG).get(1).target));

  // When it recovers, the state says so and its node is answered again
  await sim.recoverZone(B);
  s = await state(sim);
  expect(s.zones.map((z) => z.failed)).toEqual([false, false]);
  expect(answers(s)).toEqual(['127.1.1.1', '127.1.1.2']);
});
