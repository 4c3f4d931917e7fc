/**
 * Targets the simulator starts itself (config file `processes`): one process per instance, the port in
 * an environment variable, output handed over line by line with the target's name, down/up through the
 * same controls as demo backends, and everything stopped with the simulator.
 */
import type { Simulator, TargetOutput } from '../../src';
import { allHealthy, get, startFixture, SITE, WEB_HTTP } from './helpers';

/** A tiny HTTP server: answers "<name> <port>" and prints one line when it listens. */
const SERVER = `node -e "
const http = require('node:http');
const name = process.env.HA_SIM_TARGET_NAME;
http.createServer((q, s) => s.end(name + ' ' + process.env.APP_PORT)).listen(Number(process.env.APP_PORT), '127.0.0.1', () => console.log('listening on ' + process.env.APP_PORT));
"`;

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('target processes', () => {
  test('each instance gets its own port in portEnv, its output is tagged, and it serves as a target', async () => {
    const output: TargetOutput[] = [];
    sim = await startFixture({
      demoBackends: 1,
      processes: { [SITE]: { command: SERVER, instances: 2, portEnv: 'APP_PORT' } },
    });
    sim.on('target-output', (o) => output.push(o));
    const site = sim.targets(SITE);
    expect(site.length).toBe(2);
    expect(site.controls.map((c) => c.name)).toEqual(['SiteTG#0', 'SiteTG#1']);
    await allHealthy(sim, SITE);
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add((await get(sim.url(WEB_HTTP) + '/')).body);
    expect([...seen].sort()).toEqual(site.controls.map((c) => `${c.name} ${c.target.port}`).sort());
    // lines printed while nobody listened yet (during start-up) are handed to the first listener
    for (const c of site.controls) {
      expect(output).toContainEqual({ name: c.name, stream: 'stdout', line: `listening on ${c.target.port}` });
    }
  });

  test('down stops the process (the target turns unhealthy), up starts it again on the same port', async () => {
    sim = await startFixture({ demoBackends: 1, processes: { [SITE]: { command: SERVER, portEnv: 'APP_PORT' } } });
    await allHealthy(sim, SITE);
    const target = sim.targets(SITE).get(0);
    const pid = target.process!.pid!;
    await target.down();
    expect(alive(pid)).toBe(false);
    await sim.waitForHealth(SITE, 0, 'unhealthy');
    await target.up();
    await sim.waitForHealth(SITE, 0, 'healthy');
    expect((await get(sim.url(WEB_HTTP) + '/')).body).toBe(`SiteTG#0 ${target.target.port}`);
  });

  test('a process that exits by itself is reported; stop() ends the others', async () => {
    const exits: [string, number | null][] = [];
    sim = await startFixture({
      demoBackends: 1,
      processes: {
        [SITE]: { command: 'node -e "process.exit(3)"' },
        'LiveFixture/Web/Api': { command: SERVER, portEnv: 'APP_PORT' },
      },
    });
    sim.on('target-exit', (name, code) => exits.push([name, code]));
    await new Promise<void>((resolve) => sim!.once('target-exit', () => resolve()));
    expect(exits).toEqual([['SiteTG#0', 3]]);
    const api = sim.targets('LiveFixture/Web/Api').get(0).process!;
    expect(alive(api.pid!)).toBe(true);
    await sim.stop();
    expect(alive(api.pid!)).toBe(false);
  });
});

describe('admin controls name what they act on', () => {
  test('an unknown target group or index is a 404 with a message, not a 500', async () => {
    sim = await startFixture({ demoBackends: 1, adminPort: 0 });
    const admin = sim.adminUrl!;
    const post = { method: 'POST', headers: { 'x-ha-sim-token': sim.adminToken! } };
    type Refused = { ok: false; error: { code: string; message: string } };
    const unknownGroup = await get(`${admin}/_sim/targets/Nope/0/fail-health`, post);
    expect(unknownGroup.status).toBe(404);
    expect(unknownGroup.json<Refused>().error.code).toBe('SIM_TARGET_GROUP_NOT_FOUND');
    expect(unknownGroup.json<Refused>().error.message).toMatch(
      /^SIM_TARGET_GROUP_NOT_FOUND: no target group "Nope" \(known: /,
    );
    const badIndex = await get(`${admin}/_sim/targets/${encodeURIComponent(SITE)}/7/fail-health`, post);
    expect(badIndex.status).toBe(404);
    expect(badIndex.json<Refused>().error).toEqual({
      code: 'SIM_TARGET_NOT_FOUND',
      message: 'SIM_TARGET_NOT_FOUND: target group LiveFixture/Web/Site has 1 targets; index 7 does not exist',
    });
    const ok = await get(`${admin}/_sim/targets/${encodeURIComponent(SITE)}/0/recover`, post);
    expect(ok.status).toBe(200);
  });
});
