/**
 * Stopping the live simulator and the client-side timeouts: stop refuses new connections at once, lets
 * requests in progress finish within the grace period, then cuts and logs what is left as a simulator
 * stop, never as a target error; HTTP/2 sessions and slow request heads honour the idle timeout within a
 * second of the bound (§5.2); a POST whose body the target never reads keeps its access-log line.
 */
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { parseAccessLogRecord } from '../../src/core/access-log';
import { Simulator } from '../../src/live/simulator';
import { allHealthy, firstRequest, FIXTURE, get, raw, SITE, startFixture, WEB_HTTP, WEB_HTTPS } from './helpers';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

function connect(port: number): Promise<'connected' | string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve('connected');
    });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

describe('stop({ graceMs })', () => {
  test('a request in progress finishes within the grace period; new connections are refused at once', async () => {
    const logs: string[] = [];
    sim = await startFixture({ demoBackends: 1, accessLog: (l) => logs.push(l) });
    await allHealthy(sim, SITE);
    const port = sim.port(WEB_HTTP);
    await sim.targets(SITE).get(0).slow(300);
    const reached = firstRequest(sim, SITE);
    const inFlight = get(`http://127.0.0.1:${port}/`);
    await reached;
    const stopped = sim.stop({ graceMs: 5_000 });
    expect(await connect(port)).toBe('ECONNREFUSED');
    const reply = await inFlight;
    expect(reply.status).toBe(200);
    expect(reply.headers.connection).toBe('close');
    await stopped;
    expect(parseAccessLogRecord(logs[logs.length - 1]!)).toMatchObject({
      elb_status_code: '200',
      target_status_code: '200',
    });
  });

  test('after the grace period what is left is cut and logged as a simulator stop (503), not as a target error', async () => {
    const logs: string[] = [];
    const causes: string[] = [];
    sim = await startFixture({ demoBackends: 1, accessLog: (l, e) => (logs.push(l), causes.push(e.simCause ?? '')) });
    await allHealthy(sim, SITE);
    await sim.targets(SITE).get(0).hang();
    const reached = firstRequest(sim, SITE);
    const client = raw(sim.port(WEB_HTTP), 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await reached;
    const metrics = sim.metrics;
    await sim.stop({ graceMs: 100 });
    await client;
    const rec = parseAccessLogRecord(logs[logs.length - 1]!);
    expect(rec).toMatchObject({ elb_status_code: '503', target_status_code: '-' });
    expect(causes[causes.length - 1]).toMatch(/simulator stopped .*not a target error/);
    const tg = Object.values(metrics.snapshot().targetGroups).find((c) => (c.RequestCountPerTarget ?? 0) > 0)!;
    expect(tg.TargetConnectionErrorCount ?? 0).toBe(0);
  });
});

describe('client timeouts within a second of their bound (§5.2)', () => {
  test('an idle HTTP/2 session is closed after the idle timeout', async () => {
    sim = await startFixture({ demoBackends: 1, idleTimeoutOverrideMs: 500 });
    const started = Date.now();
    const session = http2.connect(`https://127.0.0.1:${sim.port(WEB_HTTPS)}`, { rejectUnauthorized: false });
    session.on('error', () => undefined);
    await new Promise<void>((resolve) => session.once('close', () => resolve()));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(1_500);
  });

  test('a client that trickles its request head is answered 408 an idle timeout after the first byte (simulator choice header_timeout)', async () => {
    sim = await startFixture({ demoBackends: 1, idleTimeoutOverrideMs: 600 });
    const started = Date.now();
    const reply = await new Promise<string>((resolve) => {
      const s = net.connect(sim!.port(WEB_HTTP), '127.0.0.1');
      let got = '';
      const lines = ['GET / HTTP/1.1\r\n', 'Host: x\r\n', 'X-A: 1\r\n', 'X-B: 2\r\n', 'X-C: 3\r\n', 'X-D: 4\r\n'];
      let i = 0;
      const tick = setInterval(() => {
        if (i < lines.length && !s.destroyed) s.write(lines[i++]!);
      }, 150);
      s.on('data', (c) => (got += c.toString()));
      s.on('close', () => {
        clearInterval(tick);
        resolve(got);
      });
      s.on('error', () => undefined);
    });
    const elapsed = Date.now() - started;
    expect(reply).toMatch(/^HTTP\/1\.1 408 /);
    expect(elapsed).toBeGreaterThanOrEqual(550);
    expect(elapsed).toBeLessThan(1_600);
  });
});

describe('a POST whose body the target does not read', () => {
  let target: net.Server;
  afterEach(() => new Promise<void>((resolve) => target.close(() => resolve())));

  test('sent with Connection: close: answered, logged, and no internal error', async () => {
    // a target that answers at once and closes without reading the body
    target = net.createServer((s) => {
      s.once('data', () => s.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok'));
      s.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const logs: string[] = [];
    const errors: unknown[] = [];
    sim = await Simulator.start(FIXTURE, {
      ports: 0,
      targets: { [SITE]: [`127.0.0.1:${(target.address() as net.AddressInfo).port}`] },
      accessLog: (l) => logs.push(l),
    });
    sim.on('error', (e) => errors.push(e));
    await sim.waitForHealth(SITE, 0, 'healthy').catch(() => undefined);
    const body = 'x'.repeat(256 * 1024);
    const reply = await raw(
      sim.port(WEB_HTTP),
      `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    expect(reply).toMatch(/^HTTP\/1\.1 200 /);
    expect(logs.some((l) => parseAccessLogRecord(l).request.startsWith('POST '))).toBe(true);
    expect(errors).toEqual([]);
  });
});
