import { modelFromTemplate } from '../../src/model';
import { ScriptedBackend, VirtualClock, VirtualSimulator, ok } from '../../src/virtual';
import { albTemplate, IDS, STACK, type AlbSpec } from '../model/fixtures';

function sim(spec: AlbSpec = {}, seed = 1) {
  return new VirtualSimulator(modelFromTemplate(albTemplate(spec), STACK), { seed });
}

const healthChanges = (s: VirtualSimulator, targetId: string) =>
  s.events.filter((e) => e.type === 'target-health-changed' && e.target.targetId === targetId);

describe('virtual clock', () => {
  test('never goes backwards', () => {
    const c = new VirtualClock(10);
    c.advance(5);
    expect(c.now()).toBe(15);
    expect(() => c.set(14)).toThrow(/cannot go back/);
  });
});

describe('virtual: health-check timing (§1.3, §1.4)', () => {
  test('§1.4 a failing target turns unhealthy exactly UnhealthyThresholdCount × interval after its last good probe', () => {
    // Given a healthy target (interval 10 s, unhealthy threshold 2), probed at t = 0, 10 s, 20 s, ...
    const s = sim();
    const backend = new ScriptedBackend();
    s.setBackend('10.0.1.10', backend);
    s.runUntil(1); // probe at 0, answered after 1 ms
    expect(s.engine.describeTargetHealth(IDS.tg()).map((d) => d.TargetHealth.State)).toEqual([
      'healthy',
      'healthy',
      'healthy',
    ]);
    // When it starts answering 500 just after the t = 0 probe
    backend.setHealth(ok(500));
    s.runUntil(60_000);
    // Then it turned unhealthy at t = 2 × 10 s, with ALB's ResponseCodeMismatch
    const changes = healthChanges(s, '10.0.1.10');
    expect(changes.map((e) => [e.type === 'target-health-changed' && e.to, e.at])).toEqual([
      ['healthy', 1],
      ['unhealthy', 20_001],
    ]);
    expect(s.engine.describeTargetHealth(IDS.tg())[0].TargetHealth.Reason).toBe('Target.ResponseCodeMismatch');
  });

  test('§1.3 a hanging target times out: unhealthy at 2 × interval + timeout, reason Target.Timeout', () => {
    const s = sim();
    const backend = new ScriptedBackend();
    s.setBackend('10.0.1.10', backend);
    s.runUntil(1);
    backend.setHealth({ kind: 'hang' });
    s.runUntil(60_000);
    const last = healthChanges(s, '10.0.1.10').pop()!;
    expect(last).toMatchObject({ to: 'unhealthy', at: 20_000 + 5_000 });
    expect(s.engine.describeTargetHealth(IDS.tg())[0].TargetHealth.Reason).toBe('Target.Timeout');
  });

  test('§1.4 recovery needs HealthyThresholdCount consecutive passes', () => {
    const s = sim();
    const backend = new ScriptedBackend();
    s.setBackend('10.0.1.10', backend);
    s.runUntil(1);
    backend.setHealth(ok(500));
    s.runUntil(25_000);
    backend.setHealth(ok(200));
    s.runUntil(100_000);
    // probes at 30 s and 40 s pass → healthy at 40 s (+1 ms latency)
    expect(healthChanges(s, '10.0.1.10').pop()).toMatchObject({ to: 'healthy', at: 40_001 });
  });
});

describe('virtual: distributions over 10,000 requests (§2.1)', () => {
  function distribution(algorithm: string, seed: number) {
    const s = sim({ targetGroups: { App: { attributes: { 'load_balancing.algorithm.type': algorithm } } } }, seed);
    s.runUntil(0);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 10_000; i++) {
      const r = s.request(IDS.lb, IDS.listener);
      if (r.decision.kind === 'forward')
        counts[r.decision.target.targetId] = (counts[r.decision.target.targetId] ?? 0) + 1;
      s.runFor(1);
    }
    return Object.values(counts);
  }

  test.each(['round_robin', 'least_outstanding_requests', 'weighted_random'])(
    '§2.1 %s spreads evenly over three healthy targets (±5 %%)',
    (algorithm) => {
      const values = distribution(algorithm, 99);
      expect(values).toHaveLength(3);
      for (const v of values) expect(Math.abs(v - 10_000 / 3)).toBeLessThan(10_000 * 0.05);
    },
  );

  test('§2.1 least_outstanding_requests steers away from a slow target', () => {
    // Given one target 50× slower than the others
    const s = sim(
      { targetGroups: { App: { attributes: { 'load_balancing.algorithm.type': 'least_outstanding_requests' } } } },
      3,
    );
    s.setBackend('10.0.3.10', new ScriptedBackend().setRequest(ok(200, 100)));
    s.runUntil(0);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 10_000; i++) {
      const r = s.request(IDS.lb, IDS.listener);
      if (r.decision.kind === 'forward')
        counts[r.decision.target.targetId] = (counts[r.decision.target.targetId] ?? 0) + 1;
      s.runFor(1);
    }
    // Then it gets far less than a third
    expect(counts['10.0.3.10']).toBeLessThan(1000);
  });

  test('§2.1 weighted_random with anomaly mitigation sends less traffic to a target answering 500s', () => {
    const s = sim(
      {
        targetGroups: {
          App: {
            attributes: {
              'load_balancing.algorithm.type': 'weighted_random',
              'load_balancing.algorithm.anomaly_mitigation': 'on',
            },
            targets: [
              { Id: '10.0.0.1', Port: 80 },
              { Id: '10.0.0.2', Port: 80 },
              { Id: '10.0.0.3', Port: 80 },
              { Id: '10.0.0.4', Port: 80 },
            ],
          },
        },
      },
      11,
    );
    s.setBackend('10.0.0.4', new ScriptedBackend().setRequest(ok(500)));
    s.runUntil(0);
    const late: Record<string, number> = {};
    for (let i = 0; i < 20_000; i++) {
      const r = s.request(IDS.lb, IDS.listener);
      if (i >= 10_000 && r.decision.kind === 'forward')
        late[r.decision.target.targetId] = (late[r.decision.target.targetId] ?? 0) + 1;
      s.runFor(1);
    }
    expect(late['10.0.0.4']).toBeLessThan(600);
    expect(s.engine.describeTargetHealth(IDS.tg()).find((d) => d.Target.Id === '10.0.0.4')?.AnomalyDetection).toEqual({
      Result: 'anomalous',
      MitigationInEffect: 'yes',
    });
  });
});

describe('virtual: slow start (§2.2)', () => {
  test('§2.2 a target registered next to a healthy one ramps up linearly over the slow-start duration', () => {
    const s = sim({
      targetGroups: {
        App: { attributes: { 'slow_start.duration_seconds': 60 }, targets: [{ Id: '10.0.0.1', Port: 80 }] },
      },
    });
    s.runUntil(1_000);
    s.engine.registerTargets(IDS.tg(), [{ id: '10.0.0.2', port: 80 }]);
    s.runUntil(1_001); // probed at 1 000, healthy at 1 001: slow start begins
    const shareIn = (ms: number) => {
      let newcomer = 0;
      const n = 2000;
      for (let i = 0; i < n; i++) {
        const r = s.request(IDS.lb, IDS.listener);
        if (r.decision.kind === 'forward' && r.decision.target.targetId === '10.0.0.2') newcomer++;
        s.runFor(ms / n);
      }
      return newcomer / n;
    };
    const early = shareIn(6_000); // 0–10 % of the ramp
    s.runUntil(31_001);
    const middle = shareIn(1_000); // ≈ 50 % weight → share ≈ 1/3
    s.runUntil(70_000);
    const after = shareIn(1_000); // full share
    expect(early).toBeLessThan(0.08);
    expect(middle).toBeGreaterThan(0.28);
    expect(middle).toBeLessThan(0.38);
    expect(after).toBeCloseTo(0.5, 1);
  });

  test('§2.2 targets registered into an empty target group do not enter slow start', () => {
    const s = sim({ targetGroups: { App: { attributes: { 'slow_start.duration_seconds': 60 } } } });
    s.runUntil(1);
    expect(s.engine.describeTargetHealth(IDS.tg()).map((d) => d.TargetHealth.State)).toEqual([
      'healthy',
      'healthy',
      'healthy',
    ]);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 300; i++) {
      const r = s.request(IDS.lb, IDS.listener);
      if (r.decision.kind === 'forward')
        counts[r.decision.target.targetId] = (counts[r.decision.target.targetId] ?? 0) + 1;
    }
    expect(Object.values(counts)).toEqual([100, 100, 100]);
  });
});

describe('virtual: draining (§2.3)', () => {
  test('§2.3 a long request still running when the deregistration delay expires gets 502', () => {
    const s = sim({
      targetGroups: {
        App: {
          attributes: { 'deregistration_delay.timeout_seconds': 10 },
          targets: [
            { Id: '10.0.0.1', Port: 80 },
            { Id: '10.0.0.2', Port: 80 },
          ],
        },
      },
    });
    s.setBackend('10.0.0.1', new ScriptedBackend().setRequest(ok(200, 60_000)));
    s.runUntil(0);
    const slow = s.request(IDS.lb, IDS.listener);
    expect(slow.decision).toMatchObject({ kind: 'forward', target: { targetId: '10.0.0.1' } });
    s.engine.deregisterTargets(IDS.tg(), [{ id: '10.0.0.1', port: 80 }]);
    s.runUntil(9_999);
    expect(slow.done).toBe(false);
    s.runUntil(10_000);
    expect(slow).toMatchObject({ done: true, status: 502 });
  });
});
