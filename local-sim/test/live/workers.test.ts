/**
 * `workers: 2` (`ha-sim --workers 2`): two load-balancer node processes serve the listeners; the primary
 * decides health and owns registration (live/node-workers.ts says what is shared and what is per node).
 * Each new connection goes to the next node (the cluster's round-robin hand-off), so the tests know which
 * node serves which connection. Health checks every 200 ms: SIMULATOR TEST CONVENIENCE, NOT AWS.
 * Needs the compiled node script (`npm run build`, which `npm test` runs first).
 */
import type { AccessLogEntry } from '../../src/core/access-log';
import type { Simulator } from '../../src/index';
import { allHealthy, get, startFixture, SITE, API, WEB_HTTP, type EchoBody } from './helpers';

const targetOf = async (url: string, headers: Record<string, string> = {}) =>
  (await get(url, { headers })).json<EchoBody>().target;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('load-balancer nodes in their own processes (workers: 2)', () => {
  let sim: Simulator;

  beforeAll(async () => {
    sim = await startFixture({ workers: 2 });
    await allHealthy(sim, SITE);
    await allHealthy(sim, API);
    await sim.settle();
  });

  afterAll(async () => {
    await sim?.stop();
  });

  const served = () => sim.nodes().map((n) => n.requests);

  test('two node processes; each new connection goes to the next node: 20 connections → 10 requests each', async () => {
    expect(sim.nodes().map((n) => n.node)).toEqual([1, 2]);
    expect(sim.nodes().every((n) => n.pid !== undefined && n.pid !== process.pid && alive(n.pid))).toBe(true);
    await sim.settle();
    const before = served();
    for (let i = 0; i < 20; i++) expect((await get(`${sim.url(WEB_HTTP)}/`)).status).toBe(200);
    await sim.settle();
    expect(served().map((n, i) => n - before[i]!)).toEqual([10, 10]);
    // the primary's counters are the sum of the nodes' (§5.6)
    const lb = Object.values(sim.metrics.snapshot().loadBalancers);
    expect(lb.reduce((a, c) => a + (c.RequestCount ?? 0), 0)).toBe(served().reduce((a, b) => a + b, 0));
  });

  test('§2.1 balancing state is per node: each node takes the healthy targets in turn on its own', async () => {
    const picks: string[] = [];
    for (let i = 0; i < 12; i++) picks.push(await targetOf(`${sim.url(WEB_HTTP)}/`));
    // connections alternate between the nodes; each node's round robin gives every target 2 of its 6
    const byNode = [picks.filter((_, i) => i % 2 === 0), picks.filter((_, i) => i % 2 === 1)];
    for (const node of byNode) {
      expect([...node].sort()).toEqual(['SiteTG#0', 'SiteTG#0', 'SiteTG#1', 'SiteTG#1', 'SiteTG#2', 'SiteTG#2']);
      expect(node.slice(3)).toEqual(node.slice(0, 3));
    }
  });

  test('§3.1 the stickiness cookie key is shared: a cookie one node issued keeps its target on the other', async () => {
    const first = await get(`${sim.url(WEB_HTTP)}/api/a`);
    const cookies = (first.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
    expect(cookies).toMatch(/AWSALB=/);
    const target = first.json<EchoBody>().target;
    const next: string[] = [];
    for (let i = 0; i < 6; i++) next.push(await targetOf(`${sim.url(WEB_HTTP)}/api/b`, { cookie: cookies }));
    expect(next).toEqual(Array(6).fill(target));
  });

  test('§1.4 health is shared: a target the primary finds unhealthy gets no request from any node, and returns', async () => {
    const failing = sim.targets(SITE).get(0);
    await failing.failHealthChecks();
    await sim.waitForHealth(SITE, 0, 'unhealthy');
    await sim.settle();
    const during: string[] = [];
    for (let i = 0; i < 12; i++) during.push(await targetOf(`${sim.url(WEB_HTTP)}/`));
    expect(during.filter((t) => t === 'SiteTG#0')).toEqual([]);
    expect(new Set(during)).toEqual(new Set(['SiteTG#1', 'SiteTG#2']));

    await failing.recover();
    await sim.waitForHealth(SITE, 0, 'healthy');
    await sim.settle();
    const after: string[] = [];
    for (let i = 0; i < 12; i++) after.push(await targetOf(`${sim.url(WEB_HTTP)}/`));
    expect(after.filter((t) => t === 'SiteTG#0')).toHaveLength(4);
  });

  test('§5.5 access-log entries of both nodes reach the primary while someone takes them', async () => {
    const entries: AccessLogEntry[] = [];
    const take = (_line: string, entry: AccessLogEntry) => entries.push(entry);
    sim.on('access-log', take);
    await sim.settle(); // the nodes have been told to forward entries
    for (let i = 0; i < 4; i++) await get(`${sim.url(WEB_HTTP)}/log/${i}`);
    await sim.settle();
    sim.off('access-log', take);
    expect(entries.map((e) => e.request?.url).sort()).toEqual([0, 1, 2, 3].map((i) => `http://127.0.0.1:80/log/${i}`));
  });
});

describe('draining and stop with load-balancer nodes (workers: 2)', () => {
  test('§2.3 a request in flight on a node when the deregistration delay ends gets 502; stop ends the node processes', async () => {
    // deregistration delay of 300 ms: SIMULATOR TEST CONVENIENCE, NOT AWS
    const sim = await startFixture({ workers: 2, deregistrationDelayOverrideMs: 300 });
    try {
      await allHealthy(sim, SITE);
      await sim.settle();
      for (let i = 0; i < 3; i++) await sim.targets(SITE).get(i).hang();
      const pending = get(`${sim.url(WEB_HTTP)}/slow`);
      const victim = await new Promise<number>((resolve) => {
        sim.targets(SITE).controls.forEach((c, i) =>
          c.backend!.on('request', (r: { healthCheck: boolean }) => {
            if (!r.healthCheck) resolve(i);
          }),
        );
      });
      const t = sim.targets(SITE).get(victim).target;
      sim.deregisterTargets(SITE, [{ id: t.targetId, port: t.port }]);
      const reply = await pending;
      expect(reply.status).toBe(502);
      expect(reply.headers.server).toBe('awselb/2.0');
    } finally {
      const pids = sim.nodes().map((n) => n.pid!);
      await sim.stop();
      expect(pids.map(alive)).toEqual([false, false]);
    }
  });
});
