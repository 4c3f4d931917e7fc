import { seededRandom } from '../../src/core/random';
import { latencySampler, SimulatedTarget } from '../../src/virtual';

const draw = (n: number, f: () => number) => Array.from({ length: n }, f);

describe('virtual: simulated targets', () => {
  test('fixed latency is exact; uniform stays within its bounds', () => {
    expect(draw(3, latencySampler({ kind: 'fixed', ms: 7 }, seededRandom(1)))).toEqual([7, 7, 7]);
    const u = draw(2000, latencySampler({ kind: 'uniform', minMs: 5, maxMs: 9 }, seededRandom(2)));
    expect(Math.min(...u)).toBeGreaterThanOrEqual(5);
    expect(Math.max(...u)).toBeLessThan(9);
  });

  test('log-normal latency has the given median and a long upper tail', () => {
    const v = draw(20_000, latencySampler({ kind: 'lognormal', medianMs: 20, sigma: 0.5 }, seededRandom(3))).sort(
      (a, b) => a - b,
    );
    expect(v[10_000]).toBeGreaterThan(19);
    expect(v[10_000]).toBeLessThan(21);
    // exp(0.5 × 2.326) ≈ 3.2: the 99th percentile is about 3.2 × the median
    expect(v[19_800] / v[10_000]).toBeGreaterThan(2.9);
    expect(v[19_800] / v[10_000]).toBeLessThan(3.5);
  });

  test('a histogram is followed bucket by bucket', () => {
    const v = draw(
      10_000,
      latencySampler(
        {
          kind: 'histogram',
          buckets: [
            { upToMs: 10, weight: 3 },
            { upToMs: 100, weight: 1 },
          ],
        },
        seededRandom(4),
      ),
    );
    const low = v.filter((x) => x <= 10).length;
    expect(low).toBeGreaterThan(7300);
    expect(low).toBeLessThan(7700);
    expect(Math.max(...v)).toBeLessThanOrEqual(100);
  });

  test('with a concurrency limit, requests beyond it wait first come, first served', () => {
    // two slots, 10 ms each: requests 3 and 4 arriving at once wait for a slot
    const t = new SimulatedTarget({ latency: { kind: 'fixed', ms: 10 }, concurrency: 2 }, seededRandom(1));
    const latencies = [0, 0, 0, 0, 25].map((now) => {
      const r = t.request(now);
      return r.kind === 'response' ? r.latencyMs : -1;
    });
    expect(latencies).toEqual([10, 10, 20, 20, 10]);
  });

  test('the error rate answers that share of requests with the error status', () => {
    const t = new SimulatedTarget(
      { latency: { kind: 'fixed', ms: 1 }, errorRate: 0.25, errorStatus: 503 },
      seededRandom(5),
    );
    const statuses = draw(8000, () => {
      const r = t.request(0);
      return r.kind === 'response' ? r.status : 0;
    });
    const errors = statuses.filter((s) => s === 503).length;
    expect(errors).toBeGreaterThan(1850);
    expect(errors).toBeLessThan(2150);
    expect(statuses.filter((s) => s !== 503 && s !== 200)).toEqual([]);
  });

  test('timeline switches: failing requests and health checks, slowing down', () => {
    const t = new SimulatedTarget({ latency: { kind: 'fixed', ms: 10 } }, seededRandom(1));
    t.requestFailure = 'refuse';
    t.healthFailure = 500;
    expect(t.request(0)).toEqual({ kind: 'refuse' });
    expect(t.healthCheck()).toMatchObject({ kind: 'response', status: 500 });
    t.requestFailure = t.healthFailure = undefined;
    t.slowFactor = 4;
    expect(t.request(0)).toMatchObject({ kind: 'response', status: 200, latencyMs: 40 });
    expect(t.healthCheck()).toMatchObject({ kind: 'response', status: 200 });
  });
});
