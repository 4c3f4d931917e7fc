import * as net from 'node:net';
import type { Simulator } from '../../src/index';
import { parseAccessLogRecord, type AccessLogEntry } from '../../src/core/access-log';
import { allHealthy, EDGE_HTTP, EDGE_POOL, get, SITE, startFixture, WEB_HTTP, firstRequest } from './helpers';

let sim: Simulator;
let logs: string[];
let entries: AccessLogEntry[];

beforeEach(async () => {
  logs = [];
  entries = [];
  sim = await startFixture({
    accessLog: (line, entry) => {
      logs.push(line);
      entries.push(entry);
    },
  });
});

afterEach(async () => {
  await sim.stop();
});

async function everyTarget(tg: string, f: (i: number) => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: sim.targets(tg).length }, (_, i) => f(i)));
}

describe('gateway errors on a live listener (docs/aws-behaviour.md §5.4)', () => {
  test('§5.4 target resets the connection with the request outstanding → 502', async () => {
    await allHealthy(sim, SITE);
    await everyTarget(SITE, (i) => sim.targets(SITE).get(i).reset());
    const r = await get(sim.url(WEB_HTTP) + '/');
    expect(r.status).toBe(502);
    const rec = parseAccessLogRecord(logs[logs.length - 1]);
    expect(rec.elb_status_code).toBe('502');
    expect(rec.target_status_code).toBe('-');
    // error_reason stays AWS's ("-"); the simulator keeps the cause beside the line.
    expect(rec.error_reason).toBe('-');
    expect(entries[entries.length - 1].simCause).toMatch(/^target_closed: /);
  });

  test('§5.4 connection refused by the target → 502 and TargetConnectionErrorCount', async () => {
    await allHealthy(sim, SITE);
    await everyTarget(SITE, (i) => sim.targets(SITE).get(i).down());
    const r = await get(sim.url(WEB_HTTP) + '/');
    expect(r.status).toBe(502);
    const tg = Object.entries(sim.metrics.snapshot().targetGroups).find(([k]) => k.startsWith('targetgroup/SiteTG'));
    expect(tg?.[1].TargetConnectionErrorCount).toBe(1);
  });

  test('§5.4 target silent for the idle timeout (1 s on the Edge ALB) → 504', async () => {
    await allHealthy(sim, EDGE_POOL);
    await everyTarget(EDGE_POOL, (i) => sim.targets(EDGE_POOL).get(i).hang());
    const started = Date.now();
    const r = await get(sim.url(EDGE_HTTP) + '/');
    expect(r.status).toBe(504);
    // within a second of the bound
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('§5.4 target 5xx responses pass through unchanged and count as HTTPCode_Target_5XX', async () => {
    await allHealthy(sim, SITE);
    await everyTarget(SITE, (i) => sim.targets(SITE).get(i).respondWith(500));
    const r = await get(sim.url(WEB_HTTP) + '/');
    expect(r.status).toBe(500);
    expect(r.headers['x-demo-target']).toMatch(/^SiteTG#/);
    const tg = Object.entries(sim.metrics.snapshot().targetGroups).find(([k]) => k.startsWith('targetgroup/SiteTG'));
    expect(tg?.[1].HTTPCode_Target_5XX_Count).toBe(1);
  });
});

describe('misbehaving raw targets (docs/aws-behaviour.md §5.2, §5.4)', () => {
  let server: net.Server;
  let raw: Simulator;

  async function rawTarget(reply: string): Promise<string> {
    server = net.createServer((s) => {
      s.on('error', () => undefined);
      s.once('data', () => s.end(reply));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    return `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  }

  afterEach(async () => {
    await raw?.stop();
    await new Promise<void>((r) => server.close(() => r()));
  });

  test('§5.2 response header larger than 32 KB → 502', async () => {
    const big = 'x'.repeat(33 * 1024);
    const addr = await rawTarget(`HTTP/1.1 200 OK\r\nX-Big: ${big}\r\nContent-Length: 2\r\n\r\nok`);
    raw = await startFixture({ demoBackends: 0, targets: { [SITE]: [addr] } });
    expect((await get(raw.url(WEB_HTTP) + '/')).status).toBe(502);
  });

  test('§5.4 malformed response status line → 502', async () => {
    const addr = await rawTarget('NOT-HTTP garbage\r\n\r\n');
    raw = await startFixture({ demoBackends: 0, targets: { [SITE]: [addr] } });
    expect((await get(raw.url(WEB_HTTP) + '/')).status).toBe(502);
  });

  test('response header just under 32 KB passes', async () => {
    const ok = 'y'.repeat(30 * 1024);
    const addr = await rawTarget(`HTTP/1.1 200 OK\r\nX-Big: ${ok}\r\nContent-Length: 2\r\n\r\nok`);
    raw = await startFixture({ demoBackends: 0, targets: { [SITE]: [addr] } });
    const r = await get(raw.url(WEB_HTTP) + '/');
    expect(r.status).toBe(200);
    expect(r.body).toBe('ok');
  });
});

describe('client gone (docs/aws-behaviour.md §5.4)', () => {
  let sim2: Simulator;
  afterEach(async () => {
    await sim2?.stop();
  });

  test('§5.4 client closes before the target answers → logged 460, nothing sent', async () => {
    const lines: string[] = [];
    sim2 = await startFixture({ accessLog: (l) => lines.push(l) });
    await allHealthy(sim2, SITE);
    for (let i = 0; i < 3; i++) await sim2.targets(SITE).get(i).hang();
    const logged = new Promise<string>((resolve) => sim2.on('access-log', (line) => resolve(line)));
    const reached = firstRequest(sim2, SITE);
    const s = net.connect(sim2.port(WEB_HTTP), '127.0.0.1', () => s.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n'));
    s.on('error', () => undefined);
    // Close once the request has reached a backend.
    await reached;
    s.destroy();
    expect(parseAccessLogRecord(await logged).elb_status_code).toBe('460');
  });
});
