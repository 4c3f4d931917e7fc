/**
 * Availability Zones, live (docs/aws-behaviour.md §1.5, §2.4): each zone's load-balancer node has its
 * own loopback address (`127.1.n.z`); a request arriving there is routed by that node; failing a zone
 * closes its node, takes its targets down and drops it from DNS, and the other node moves traffic to its
 * own zone's targets, with cross-zone on and off.
 *
 * Health checks every 200 ms (150 ms timeout): `healthCheckIntervalOverrideMs`, a simulator test
 * convenience and NOT AWS behaviour.
 */
import * as http from 'node:http';
import { promises as dnsPromises } from 'node:dns';
import { modelFromTemplate, Simulator, SimulatorError } from '../../src/index';
import { albTemplate, IDS, STACK } from '../model/fixtures';
import { allHealthy, get } from './helpers';

const A = 'us-east-1a';
const B = 'us-east-1b';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

/** An ALB in two zones with four demo backends: #0 and #2 in zone A, #1 and #3 in zone B (target_zone_spread). */
async function start(crossZone?: boolean, workers?: number): Promise<Simulator> {
  const attributes: Record<string, boolean> =
    crossZone === undefined ? {} : { 'load_balancing.cross_zone.enabled': crossZone };
  const model = modelFromTemplate(albTemplate({ targetGroups: { App: { targets: [], attributes } } }), STACK);
  sim = await Simulator.fromModel(model, {
    ports: 0,
    demoBackends: 4,
    dnsPort: 0,
    healthCheckIntervalOverrideMs: 200,
    healthCheckTimeoutOverrideMs: 150,
    ...(workers ? { workers } : {}),
  });
  await allHealthy(sim, IDS.tg());
  return sim;
}

/** The node of `zone`: its address and the local port of the HTTP listener there. */
function node(s: Simulator, zone: string): { address: string; port: number } {
  const e = s
    .endpoints()
    .dns!.loadBalancers.find((l) => l.id === IDS.lb)!
    .endpoints.find((x) => x.availabilityZone === zone)!;
  return { address: e.address, port: e.port };
}

/** The demo backends that answer `n` requests sent to one node, one connection each. */
async function targetsVia(s: Simulator, zone: string, n = 12): Promise<Set<string>> {
  const { address, port } = node(s, zone);
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const r = await get(`http://${address}:${port}/`);
    expect(r.status).toBe(200);
    seen.add(r.json().target);
  }
  return seen;
}

/** What a client connecting to a node gets when nothing listens there. */
function connectError(address: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get({ host: address, port, path: '/', agent: false }, (res) => {
      res.resume();
      resolve(`status ${res.statusCode}`);
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

async function resolveLb(s: Simulator): Promise<string[]> {
  const r = new dnsPromises.Resolver({ timeout: 5_000, tries: 2 });
  r.setServers([`127.0.0.1:${s.dnsAddress!.port}`]);
  const name = s.endpoints().dns!.loadBalancers.find((l) => l.id === IDS.lb)!.dnsName;
  return (await r.resolve4(name)).sort();
}

const ZONE_A = new Set(['WebAppTG#0', 'WebAppTG#2']);
const BOTH = new Set(['WebAppTG#0', 'WebAppTG#1', 'WebAppTG#2', 'WebAppTG#3']);

describe('live: Availability Zones and load-balancer nodes (§1.5, §2.4)', () => {
  test('§2.4 one node address per zone (127.1.1.1 = us-east-1a, 127.1.1.2 = us-east-1b); targets placed in turn', async () => {
    const s = await start();
    expect(node(s, A).address).toBe('127.1.1.1');
    expect(node(s, B).address).toBe('127.1.1.2');
    expect(s.targets(IDS.tg()).controls.map((c) => c.availabilityZone)).toEqual([A, B, A, B]);
    expect(await resolveLb(s)).toEqual(['127.1.1.1', '127.1.1.2']);
    expect(s.zones()).toEqual([
      { availabilityZone: A, failed: false, loadBalancers: [{ id: IDS.lb, nodeAddress: '127.1.1.1', inDns: true }] },
      { availabilityZone: B, failed: false, loadBalancers: [{ id: IDS.lb, nodeAddress: '127.1.1.2', inDns: true }] },
    ]);
  });

  test('§2.4 failing a zone moves traffic to the other zone’s targets, cross-zone on (ALB default); DNS drops the failed node', async () => {
    // Given: node A sends to targets in both zones
    const s = await start();
    expect(await targetsVia(s, A)).toEqual(BOTH);
    // When zone B fails
    await s.failZone(B);
    // Then its node refuses connections and leaves DNS
    expect(await connectError(node(s, B).address, node(s, B).port)).toBe('ECONNREFUSED');
    expect(await resolveLb(s)).toEqual(['127.1.1.1']);
    // and once node A's health checks find zone B's targets down, it sends only to zone A
    await Promise.all([s.waitForHealth(IDS.tg(), 1, 'unhealthy'), s.waitForHealth(IDS.tg(), 3, 'unhealthy')]);
    expect(await targetsVia(s, A)).toEqual(ZONE_A);
    // When the zone recovers, its node serves and rejoins DNS and its targets take traffic again
    await s.recoverZone(B);
    await allHealthy(s, IDS.tg());
    expect(await resolveLb(s)).toEqual(['127.1.1.1', '127.1.1.2']);
    expect(await targetsVia(s, B)).toEqual(BOTH);
  });

  test('§2.4 failing a zone with cross-zone off: node A only ever used zone A, and keeps serving without an error', async () => {
    const s = await start(false);
    expect(await targetsVia(s, A)).toEqual(ZONE_A);
    expect(await targetsVia(s, B)).toEqual(new Set(['WebAppTG#1', 'WebAppTG#3']));
    await s.failZone(B);
    expect(await resolveLb(s)).toEqual(['127.1.1.1']);
    expect(await targetsVia(s, A)).toEqual(ZONE_A);
    expect(await connectError(node(s, B).address, node(s, B).port)).toBe('ECONNREFUSED');
  });

  test('§2.4 with load-balancer node processes (workers: 2) a node address still routes as its zone’s node, and a failed zone refuses', async () => {
    // (needs the compiled node script, `npm run build`)
    const s = await start(false, 2);
    // cross-zone off: what arrives at a zone's address only ever reaches that zone's targets, whichever
    // node process the primary handed the connection to
    expect(await targetsVia(s, A)).toEqual(ZONE_A);
    expect(await targetsVia(s, B)).toEqual(new Set(['WebAppTG#1', 'WebAppTG#3']));
    await s.failZone(B);
    expect(await connectError(node(s, B).address, node(s, B).port)).toBe('ECONNREFUSED');
    expect(await resolveLb(s)).toEqual(['127.1.1.1']);
    expect(await targetsVia(s, A)).toEqual(ZONE_A);
    await s.settle();
    expect(s.nodes().map((n) => n.requests)).toEqual([18, 18]);
  });

  test('§1.5 the admin port fails and recovers a zone: POST /_sim/zones/<zone>/fail with the admin token; GET is refused', async () => {
    const s = await start();
    await s.stop();
    sim = await Simulator.fromModel(s.model, { ports: 0, demoBackends: 2, dnsPort: 0, adminPort: 0 });
    const admin = sim.adminUrl!;
    const post = { method: 'POST', headers: { 'x-ha-sim-token': sim.adminToken! } };
    // a control changes state: only by POST, and only with the run's token
    expect((await get(`${admin}/_sim/zones/${B}/fail`)).status).toBe(405);
    expect((await get(`${admin}/_sim/zones/${B}/fail`, { method: 'POST' })).status).toBe(403);
    expect(sim.zones().map((z) => z.failed)).toEqual([false, false]);
    const failed = await get(`${admin}/_sim/zones/${B}/fail`, post);
    expect(failed.status).toBe(200);
    expect(failed.json<{ zone: unknown }>().zone).toEqual({
      availabilityZone: B,
      failed: true,
      loadBalancers: [{ id: IDS.lb, nodeAddress: '127.1.1.2', inDns: false }],
    });
    expect(sim.targets(IDS.tg()).get(1).backend!.state.down).toBe(true);
    expect((await get(`${admin}/_sim/zones/us-east-1z/fail`, post)).status).toBe(404);
    expect((await get(`${admin}/_sim/zones/${B}/recover`, post)).status).toBe(200);
    expect(sim.targets(IDS.tg()).get(1).backend!.state.down).toBe(false);
    expect((await get(`${admin}/_sim/zones`)).json<{ failed: boolean }[]>().map((z) => z.failed)).toEqual([
      false,
      false,
    ]);
  });

  test('an unknown zone is SIM_ZONE_NOT_FOUND', async () => {
    const s = await start();
    await expect(s.failZone('eu-west-1a')).rejects.toThrow(SimulatorError);
    await expect(s.failZone('eu-west-1a')).rejects.toMatchObject({ code: 'SIM_ZONE_NOT_FOUND' });
  });

  test('§2.4 --targets host:port@zone registers a target in that zone', async () => {
    const model = modelFromTemplate(albTemplate({ targetGroups: { App: { targets: [] } } }), STACK);
    sim = await Simulator.fromModel(model, {
      ports: 0,
      targets: { [IDS.tg()]: ['127.0.0.1:9@us-east-1b', '127.0.0.1:10'] },
    });
    expect(sim.targets(IDS.tg()).controls.map((c) => c.availabilityZone)).toEqual([B, A]);
    expect(sim.describeTargetHealth(IDS.tg())[0].Target).toEqual({ Id: '127.0.0.1', Port: 9, AvailabilityZone: B });
  });
});
