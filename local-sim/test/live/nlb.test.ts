import * as net from 'node:net';
import type { Simulator } from '../../src/index';
import { allHealthy, startFixture } from './helpers';

const NET_TCP = 'LiveFixture/Net/Postgres';
const DB = 'LiveFixture/Net/Db';

let sim: Simulator;

beforeEach(async () => {
  sim = await startFixture();
  await allHealthy(sim, DB);
});

afterEach(async () => {
  await sim.stop();
});

/** Open a TCP connection through the NLB, speak HTTP to the demo backend, return which target answered. */
function viaTcp(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: db\r\nConnection: close\r\n\r\n'));
    let got = '';
    s.on('data', (c) => (got += c.toString()));
    s.on('end', () => {
      const m = /"target":"([^"]+)"/.exec(got);
      if (m) resolve(m[1]);
      else reject(new Error(`no target in ${JSON.stringify(got)}`));
    });
    s.on('error', reject);
  });
}

describe('NLB TCP listener on a live socket (aws-semantics.md §6.1, §6.2)', () => {
  test('§6.2 each TCP connection is one flow pinned to one target; connections spread over targets', async () => {
    const port = sim.port(NET_TCP);
    expect(sim.url(NET_TCP)).toBe(`tcp://127.0.0.1:${port}`);
    const seen = new Set<string>();
    for (let i = 0; i < 24; i++) seen.add(await viaTcp(port));
    expect(seen.size).toBeGreaterThan(1);
    for (const t of seen) expect(t).toMatch(/^DbTG#\d$/);
  });

  test('§1.3 TCP health check: a target that refuses connections turns unhealthy', async () => {
    await sim.targets(DB).get(0).down();
    await sim.waitForHealth(DB, 0, 'unhealthy');
    expect(sim.targets(DB).get(0).health()?.TargetHealth.Reason).toBe('Target.FailedHealthChecks');
  });
});
