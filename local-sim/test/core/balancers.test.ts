import {
  AWS_BALANCERS,
  consistentHash,
  entersSlowStart,
  ipHash,
  isAwsAlgorithm,
  leastResponseTime,
  NON_AWS_BALANCERS,
  powerOfTwoChoices,
  evaluateAnomalies,
  flowHash,
  leastConnections,
  leastOutstandingRequests,
  roundRobin,
  weightedRoundRobin,
  seededRandom,
  slowStartWeight,
  weightedRandom,
  type PoolTarget,
} from '../../src/core';
import { SIMULATOR_CHOICE_PARAMS } from '@ha-load-balancer/spec';

const pool = (n: number, over: Partial<PoolTarget>[] = []): PoolTarget[] =>
  Array.from({ length: n }, (_, i) => ({ key: `t${i}`, weight: 1, outstanding: 0, ...(over[i] ?? {}) }));

function counts(keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}

describe('§2.1 round_robin', () => {
  test('§2.1 round_robin visits targets in sequential order', () => {
    const b = roundRobin();
    const ctx = { random: seededRandom(1), now: 0 };
    const targets = pool(3);
    expect(Array.from({ length: 7 }, () => b.pick(targets, ctx).key)).toEqual([
      't0',
      't1',
      't2',
      't0',
      't1',
      't2',
      't0',
    ]);
  });

  test('§2.1 round_robin continues evenly when a target leaves the pool', () => {
    const b = roundRobin();
    const ctx = { random: seededRandom(1), now: 0 };
    for (let i = 0; i < 4; i++) b.pick(pool(3), ctx);
    const two = pool(3).filter((t) => t.key !== 't1');
    const picks = Array.from({ length: 10 }, () => b.pick(two, ctx).key);
    expect(counts(picks)).toEqual({ t0: 5, t2: 5 });
  });

  test('§2.2 round_robin shares follow slow-start weights', () => {
    const b = roundRobin();
    const ctx = { random: seededRandom(1), now: 0 };
    const targets = pool(2, [{ weight: 1 }, { weight: 0.25 }]);
    const c = counts(Array.from({ length: 1000 }, () => b.pick(targets, ctx).key));
    expect(c.t1).toBe(200);
  });
});

describe('§2.1 least_outstanding_requests', () => {
  test('§2.1 picks the target with the fewest in-flight requests', () => {
    const b = leastOutstandingRequests();
    const targets = pool(3, [{ outstanding: 4 }, { outstanding: 1 }, { outstanding: 2 }]);
    expect(b.pick(targets, { random: seededRandom(1), now: 0 }).key).toBe('t1');
  });

  test('§2.1 simulator choice lor_tie_break: ties broken uniformly at random', () => {
    const b = leastOutstandingRequests();
    const ctx = { random: seededRandom(7), now: 0 };
    const targets = pool(3, [{ outstanding: 0 }, { outstanding: 0 }, { outstanding: 5 }]);
    const c = counts(Array.from({ length: 10_000 }, () => b.pick(targets, ctx).key));
    expect(c.t2).toBeUndefined();
    expect(c.t0).toBeGreaterThan(4700);
    expect(c.t1).toBeGreaterThan(4700);
  });
});

describe('§2.1 weighted_random', () => {
  test('§2.1 weighted_random spreads evenly over 10,000 requests (seeded, ±5 %)', () => {
    const b = weightedRandom();
    const ctx = { random: seededRandom(42), now: 0 };
    const c = counts(Array.from({ length: 10_000 }, () => b.pick(pool(4), ctx).key));
    for (const k of ['t0', 't1', 't2', 't3']) expect(Math.abs(c[k] - 2500)).toBeLessThan(125);
  });

  test('§2.1 weighted_random is not sequential (random order)', () => {
    const b = weightedRandom();
    const ctx = { random: seededRandom(3), now: 0 };
    const picks = Array.from({ length: 30 }, () => b.pick(pool(3), ctx).key);
    const sequential = picks.every((k, i) => k === `t${i % 3}`);
    expect(sequential).toBe(false);
  });

  test('§2.1 lowered weight lowers the share proportionally', () => {
    const b = weightedRandom();
    const ctx = { random: seededRandom(5), now: 0 };
    const targets = pool(3, [{}, {}, { weight: 0.1 }]);
    const c = counts(Array.from({ length: 10_000 }, () => b.pick(targets, ctx).key));
    // expected share 0.1 / 2.1 ≈ 4.8 %
    expect(c.t2).toBeGreaterThan(350);
    expect(c.t2).toBeLessThan(600);
  });

  test('§2.1 every AWS algorithm name has a balancer', () => {
    expect(Object.keys(AWS_BALANCERS).sort()).toEqual(['least_outstanding_requests', 'round_robin', 'weighted_random']);
  });
});

describe('§6.2 NLB flow hash', () => {
  test('§6.2 the same flow always lands on the same target; different flows spread', () => {
    const b = flowHash();
    const targets = pool(4);
    const ctx = (k: string) => ({ random: seededRandom(1), now: 0, hashKey: k });
    expect(b.pick(targets, ctx('TCP|1.2.3.4|5000|10.0.0.1|80|1')).key).toBe(
      b.pick(targets, ctx('TCP|1.2.3.4|5000|10.0.0.1|80|1')).key,
    );
    const c = counts(
      Array.from({ length: 4000 }, (_, i) => b.pick(targets, ctx(`TCP|1.2.3.4|${i}|10.0.0.1|80|0`)).key),
    );
    for (const k of ['t0', 't1', 't2', 't3']) expect(c[k]).toBeGreaterThan(800);
  });

  test('§6.2 removing one target only moves the flows that were on it', () => {
    const b = flowHash();
    const all = pool(4);
    const without = all.filter((t) => t.key !== 't2');
    for (let i = 0; i < 500; i++) {
      const ctx = { random: seededRandom(1), now: 0, hashKey: `flow${i}` };
      const before = b.pick(all, ctx).key;
      if (before !== 't2') expect(b.pick(without, ctx).key).toBe(before);
    }
  });
});

describe('§2.2 slow start', () => {
  test('§2.2 a target enters slow start only if another healthy target is not in slow start', () => {
    expect(entersSlowStart(60, [{ healthy: true, inSlowStart: false }])).toBe(true);
    expect(entersSlowStart(60, [{ healthy: true, inSlowStart: true }])).toBe(false);
    expect(entersSlowStart(60, [{ healthy: false, inSlowStart: false }])).toBe(false);
    expect(entersSlowStart(60, [])).toBe(false);
    expect(entersSlowStart(0, [{ healthy: true, inSlowStart: false }])).toBe(false);
  });

  test('§2.2 weight ramps linearly from the chosen minimum (simulator choice slow_start_initial_share) to 1', () => {
    expect(slowStartWeight(0, 0, 60_000)).toBe(SIMULATOR_CHOICE_PARAMS.slowStartMinimumWeight);
    expect(slowStartWeight(30_000, 0, 60_000)).toBeCloseTo(0.5);
    expect(slowStartWeight(45_000, 0, 60_000)).toBeCloseTo(0.75);
    expect(slowStartWeight(60_000, 0, 60_000)).toBe(1);
  });
});

describe('§2.1 anomaly detection and mitigation (simulator choice anomaly_mitigation)', () => {
  const stats = (errs: number[]) => new Map(errs.map((e, i) => [`t${i}`, { requests: 100, errors: e }]));

  test('§2.1 a target with a markedly worse error rate is anomalous; mitigation lowers its weight', () => {
    const r = evaluateAnomalies(stats([1, 0, 2, 50]), new Map(), true);
    expect(r.get('t3')).toEqual({
      result: 'anomalous',
      weight: SIMULATOR_CHOICE_PARAMS.anomaly.mitigatedWeight,
      mitigationInEffect: true,
    });
    expect(r.get('t0')).toMatchObject({ result: 'normal', weight: 1 });
  });

  test('§2.1 detection needs at least 3 healthy targets', () => {
    expect(evaluateAnomalies(stats([0, 50]), new Map(), true).get('t1')).toMatchObject({ result: 'normal' });
  });

  test('§2.1 mitigation off: anomalous but full weight', () => {
    expect(evaluateAnomalies(stats([0, 0, 50]), new Map(), false).get('t2')).toEqual({
      result: 'anomalous',
      weight: 1,
      mitigationInEffect: false,
    });
  });

  test('§2.1 recovered targets ramp back gradually to parity', () => {
    const p = SIMULATOR_CHOICE_PARAMS.anomaly;
    let prev = evaluateAnomalies(stats([0, 0, 50]), new Map(), true);
    const weights: number[] = [];
    for (let i = 0; i < 6; i++) {
      prev = evaluateAnomalies(stats([0, 0, 0]), prev, true);
      weights.push(prev.get('t2')!.weight);
    }
    expect(weights[0]).toBeCloseTo(p.mitigatedWeight * p.recoveryFactor);
    expect(weights[weights.length - 1]).toBe(1);
    expect([...weights].sort((a, b) => a - b)).toEqual(weights);
  });
});

describe('not-AWS algorithms for what-if comparisons (ARCHITECTURE.md rule 4)', () => {
  const ctx = (hashKey: string) => ({ random: seededRandom(1), now: 0, hashKey });

  test('ip_hash and consistent_hash keep a client on one target', () => {
    for (const b of [ipHash(), consistentHash()]) {
      const first = b.pick(pool(5), ctx('198.51.100.7')).key;
      for (let i = 0; i < 10; i++) expect(b.pick(pool(5), ctx('198.51.100.7')).key).toBe(first);
    }
  });

  test('consistent_hash moves only the clients of a removed target; ip_hash moves many more', () => {
    const moved = (factory: typeof ipHash) => {
      const b = factory();
      const all = pool(5);
      const fewer = all.filter((t) => t.key !== 't4');
      let n = 0;
      for (let i = 0; i < 2000; i++) {
        const before = b.pick(all, ctx(`client${i}`)).key;
        if (before !== 't4' && b.pick(fewer, ctx(`client${i}`)).key !== before) n++;
        b.pick(all, ctx('reset')); // restore membership
      }
      return n;
    };
    expect(moved(consistentHash)).toBe(0);
    expect(moved(ipHash)).toBeGreaterThan(500);
  });

  test('power_of_two_choices never picks the busier of its two samples', () => {
    const b = powerOfTwoChoices();
    const targets = pool(2, [{ outstanding: 9 }, { outstanding: 0 }]);
    for (let i = 0; i < 50; i++) expect(b.pick(targets, ctx('')).key).toBe('t1');
  });

  test('least_response_time prefers fast targets and tries unknown ones first', () => {
    const b = leastResponseTime();
    expect(b.pick(pool(3, [{ latencyMs: 50 }, { latencyMs: 5 }, { latencyMs: 20 }]), ctx('')).key).toBe('t1');
    expect(b.pick(pool(2, [{ latencyMs: 5 }, {}]), ctx('')).key).toBe('t1');
  });

  test('non-AWS algorithms are labelled as such', () => {
    expect(isAwsAlgorithm('round_robin')).toBe(true);
    expect(isAwsAlgorithm('ip_hash')).toBe(false);
    for (const f of Object.values(NON_AWS_BALANCERS)) expect(f().algorithm).toMatch(/not AWS/);
  });

  test('weighted_round_robin interleaves weights 3:2:1 smoothly, as nginx does (a b a c b a)', () => {
    const b = weightedRoundRobin({ t0: 3, t1: 2, 't2:80': 1 })();
    const targets = [
      { key: 't0:80', weight: 1, outstanding: 0 },
      { key: 't1:80', weight: 1, outstanding: 0 },
      { key: 't2:80', weight: 1, outstanding: 0 },
    ];
    const picks = Array.from({ length: 12 }, () => b.pick(targets, ctx('')).key.slice(0, 2));
    expect(picks).toEqual(['t0', 't1', 't0', 't2', 't1', 't0', 't0', 't1', 't0', 't2', 't1', 't0']);
  });

  test('weighted_round_robin without configured weights visits targets in order like round_robin', () => {
    const b = weightedRoundRobin()();
    expect(Array.from({ length: 4 }, () => b.pick(pool(3), ctx('')).key)).toEqual(['t0', 't1', 't2', 't0']);
  });

  test('least_connections keeps a connection on its target and counts idle connections (unlike LOR)', () => {
    const b = leastConnections();
    const targets = pool(2); // nothing in flight anywhere: least_outstanding_requests would see a tie
    const on = (connectionId: string) => b.pick(targets, { random: seededRandom(1), now: 0, connectionId }).key;
    // A and B open on different targets; every request of A stays on A's target
    const a = on('A');
    const other = on('B');
    expect(other).not.toBe(a);
    expect([on('A'), on('A'), on('A')]).toEqual([a, a, a]);
    // C ties and goes to the next in turn; now A's target holds 2 open (idle) connections, so D avoids it
    const busier = on('C');
    expect(busier).toBe(a);
    expect(on('D')).not.toBe(busier);
    // once A and C close, A's target has none open and takes E
    b.connectionClosed!('A');
    b.connectionClosed!('C');
    expect(on('E')).toBe(busier);
  });

  test('least_connections re-places a connection whose target left the pool', () => {
    const b = leastConnections();
    const first = b.pick(pool(2), { random: seededRandom(1), now: 0, connectionId: 'A' }).key;
    const rest = pool(2).filter((t) => t.key !== first);
    expect(b.pick(rest, { random: seededRandom(1), now: 0, connectionId: 'A' }).key).toBe(rest[0].key);
  });

  test('least_connections without connection ids balances requests in flight', () => {
    const b = leastConnections();
    const targets = pool(3, [{ outstanding: 4 }, { outstanding: 1 }, { outstanding: 2 }]);
    expect(b.pick(targets, ctx('')).key).toBe('t1');
  });
});

describe('picks that do not grow with the number of targets (issue 11)', () => {
  /** A pool whose members count how often their key is read (a pick that scans reads every key). */
  const counted = (n: number) => {
    let reads = 0;
    const targets = Array.from({ length: n }, (_, i) => ({
      get key() {
        reads++;
        return `t${i}`;
      },
      weight: 1,
      outstanding: 0,
    }));
    return { targets, reads: () => reads };
  };

  test.each([
    ['round_robin', roundRobin],
    ['weighted_random', weightedRandom],
  ])('§2.1 %s with equal weights reads no target when the engine passes the same pool again', (_name, factory) => {
    const b = factory();
    const { targets, reads } = counted(10_000);
    const ctx = { random: seededRandom(3), now: 0, uniformWeights: true };
    b.pick(targets, ctx); // first sight of the pool: its membership is read once
    const before = reads();
    for (let i = 0; i < 1000; i++) b.pick(targets, ctx);
    expect(reads() - before).toBe(0);
  });

  test('§2.1 round_robin with equal weights takes targets in order, as the weighted rotation does', () => {
    const fast = roundRobin();
    const weighted = roundRobin();
    const targets = pool(5);
    const a = Array.from(
      { length: 12 },
      () => fast.pick(targets, { random: seededRandom(1), now: 0, uniformWeights: true }).key,
    );
    const b = Array.from({ length: 12 }, () => weighted.pick(targets, { random: seededRandom(1), now: 0 }).key);
    expect(a).toEqual(b);
  });

  test('§2.1 weighted_random with equal weights chooses exactly what the weighted scan chooses', () => {
    const targets = pool(7);
    const fast = weightedRandom();
    const scan = weightedRandom();
    const r1 = seededRandom(5);
    const r2 = seededRandom(5);
    for (let i = 0; i < 500; i++)
      expect(fast.pick(targets, { random: r1, now: 0, uniformWeights: true }).key).toBe(
        scan.pick(targets, { random: r2, now: 0 }).key,
      );
  });
});
