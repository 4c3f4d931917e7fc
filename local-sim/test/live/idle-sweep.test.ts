/**
 * §5.2 idle timeouts of HTTP/1.1 connections come from one periodic sweep (`live/idle-sweep.ts`): never
 * before the bound, and at most two sweep periods after it.
 */
import * as net from 'node:net';
import type { Simulator } from '../../src/index';
import { IdleClock } from '../../src/live/idle-sweep';
import { allHealthy, EDGE_HTTP, EDGE_POOL, startFixture } from './helpers';

describe('§5.2 the idle clock of a connection', () => {
  test('§5.2 quiet for the timeout → expired once; activity starts a new quiet spell', () => {
    const c = new IdleClock(0);
    expect(c.expired(999, 1000)).toBe(false);
    expect(c.expired(1000, 1000)).toBe(true);
    expect(c.expired(1500, 1000)).toBe(false); // once per quiet spell
    c.touch();
    // the sweep that sees the activity starts the spell (at 1600: never earlier than the activity)
    expect(c.expired(1600, 1000)).toBe(false);
    expect(c.expired(2599, 1000)).toBe(false);
    expect(c.expired(2600, 1000)).toBe(true);
  });

  test('§5.2 touchAt starts the spell at the given time; a timeout of 0 never expires', () => {
    const c = new IdleClock(0);
    c.touchAt(5000);
    expect(c.expired(5999, 1000)).toBe(false);
    expect(c.expired(6000, 1000)).toBe(true);
    const never = new IdleClock(0);
    expect(never.expired(1e9, 0)).toBe(false);
  });
});

describe('§5.2 idle keep-alive connections (1 s idle timeout on the Edge ALB)', () => {
  let sim: Simulator;

  beforeEach(async () => {
    sim = await startFixture();
    await allHealthy(sim, EDGE_POOL);
  });

  afterEach(async () => {
    await sim.stop();
  });

  test('§5.2 a keep-alive connection quiet after its response is closed one idle timeout later (within half a second)', async () => {
    const s = net.connect(sim.port(EDGE_HTTP), '127.0.0.1');
    let answeredAt = 0;
    const closedAt = new Promise<number>((resolve) => s.once('close', () => resolve(Date.now())));
    s.on('data', (c: Buffer) => {
      if (answeredAt === 0 && c.toString('latin1').startsWith('HTTP/1.1 200')) answeredAt = Date.now();
    });
    s.write('GET / HTTP/1.1\r\nHost: edge.example\r\n\r\n');
    const quiet = (await closedAt) - answeredAt;
    expect(answeredAt).toBeGreaterThan(0);
    expect(quiet).toBeGreaterThanOrEqual(1000);
    expect(quiet).toBeLessThan(1500);
  });
});
