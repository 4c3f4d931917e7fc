import {
  aggregateCheckers,
  answerRecord,
  calculatedHealthy,
  checkerTransition,
  chooseFailover,
  createEngine,
  NEW_CHECKER,
  r53ProbePasses,
  seededRandom,
  type CheckerState,
} from '../../src/core';
import { modelFromTemplate } from '../../src/model';
import type { RecordSetModel } from '../../src/model/types';
import { albTemplate, IDS, STACK, type AlbSpec } from '../model/fixtures';

describe('§7.2 Route 53 endpoint probes', () => {
  const http = { type: 'HTTP', searchString: undefined };
  test.each([
    [{ connectMs: 100, status: 200, responseMs: 100 }, true],
    [{ connectMs: 100, status: 302, responseMs: 100 }, true],
    [{ connectMs: 100, status: 404, responseMs: 100 }, false],
    [{ connectMs: 4001, status: 200, responseMs: 1 }, false],
    [{ connectMs: 100, status: 200, responseMs: 2001 }, false],
    [{}, false],
  ])('§7.2 HTTP: %j → %s (connect ≤ 4 s, 2xx/3xx within 2 s)', (o, expected) => {
    expect(r53ProbePasses(http, o)).toBe(expected);
  });

  test('§7.2 STR_MATCH: search string must appear within the first 5,120 bytes', () => {
    const check = { type: 'HTTP_STR_MATCH', searchString: 'OK' };
    const base = { connectMs: 1, status: 200, responseMs: 1, bodyMs: 1 };
    expect(r53ProbePasses(check, { ...base, body: 'all OK' })).toBe(true);
    expect(r53ProbePasses(check, { ...base, body: 'x'.repeat(5120) + 'OK' })).toBe(false);
    expect(r53ProbePasses(check, { ...base, body: 'ok' })).toBe(false);
  });

  test('§7.2 TCP: connection within 10 s', () => {
    expect(r53ProbePasses({ type: 'TCP', searchString: undefined }, { connectMs: 9_999 })).toBe(true);
    expect(r53ProbePasses({ type: 'TCP', searchString: undefined }, { connectMs: 10_001 })).toBe(false);
  });
});

describe('§7.2 checker hysteresis and aggregation', () => {
  test('§7.1 a checker flips after FailureThreshold consecutive opposite results, both directions', () => {
    let s: CheckerState = NEW_CHECKER;
    s = checkerTransition(s, false, 3);
    s = checkerTransition(s, false, 3);
    expect(s.healthy).toBe(true);
    s = checkerTransition(s, true, 3); // streak broken
    s = checkerTransition(s, false, 3);
    s = checkerTransition(s, false, 3);
    s = checkerTransition(s, false, 3);
    expect(s.healthy).toBe(false);
    s = checkerTransition(s, true, 3);
    s = checkerTransition(s, true, 3);
    expect(s.healthy).toBe(false);
    s = checkerTransition(s, true, 3);
    expect(s.healthy).toBe(true);
  });

  const checkers = (healthy: number, total: number): CheckerState[] =>
    Array.from({ length: total }, (_, i) => ({ healthy: i < healthy, opposite: 0 }));

  test('§7.2 healthy iff more than 18 % of checkers report healthy', () => {
    expect(aggregateCheckers(checkers(2, 10), { inverted: false, disabled: false })).toBe(true);
    expect(aggregateCheckers(checkers(18, 100), { inverted: false, disabled: false })).toBe(false);
    expect(aggregateCheckers(checkers(19, 100), { inverted: false, disabled: false })).toBe(true);
  });

  test('§7.1 Inverted flips the aggregate; Disabled is always healthy', () => {
    expect(aggregateCheckers(checkers(0, 10), { inverted: true, disabled: false })).toBe(true);
    expect(aggregateCheckers(checkers(0, 10), { inverted: false, disabled: true })).toBe(true);
  });

  test('§7.2 calculated: healthy children ≥ HealthThreshold; 0 always healthy; above the child count never', () => {
    expect(calculatedHealthy([true, false, true], 2)).toBe(true);
    expect(calculatedHealthy([true, false, false], 2)).toBe(false);
    expect(calculatedHealthy([false], 0)).toBe(true);
    expect(calculatedHealthy([true, true], 3)).toBe(false);
  });
});

describe('§7.4 failover answers', () => {
  const rec = (id: string, failover: 'PRIMARY' | 'SECONDARY', extra: Partial<RecordSetModel> = {}): RecordSetModel => ({
    id,
    logicalId: id,
    stackName: 'Dns',
    kind: 'RecordSet',
    name: 'www.example.com.',
    type: 'A',
    failover,
    setIdentifier: id,
    resourceRecords: [],
    ...extra,
  });

  test.each([
    [true, true, 'p'],
    [true, false, 'p'],
    [false, true, 's'],
    [false, false, 'p'],
  ])('§7.4 primary healthy=%s, secondary healthy=%s → %s', (p, s, expected) => {
    expect(chooseFailover({ record: 'p', healthy: p }, { record: 's', healthy: s })).toBe(expected);
  });

  test('§7.3/§7.4 a secondary without a health check is always healthy; alias health comes from the LB', () => {
    const records = [
      rec('p', 'PRIMARY', { aliasTarget: { evaluateTargetHealth: true, loadBalancerId: 'lb1' } }),
      rec('s', 'SECONDARY'),
    ];
    const lookups = (lbHealthy: boolean) => ({ healthCheck: () => undefined, loadBalancer: () => lbHealthy });
    expect(answerRecord(records, 'WWW.example.com', 'A', lookups(true))?.id).toBe('p');
    expect(answerRecord(records, 'www.example.com.', 'A', lookups(false))?.id).toBe('s');
    expect(answerRecord(records, 'www.example.com', 'AAAA', lookups(false))).toBeUndefined();
  });

  test('§7.3 a record with a failing health check is unhealthy', () => {
    const records = [rec('p', 'PRIMARY', { healthCheckId: 'hc' }), rec('s', 'SECONDARY', { healthCheckId: 'hc2' })];
    const lookups = { healthCheck: (id: string) => id !== 'hc', loadBalancer: () => true };
    expect(answerRecord(records, 'www.example.com', 'A', lookups)?.id).toBe('s');
  });
});

describe('§7.5 load-balancer health for EvaluateTargetHealth', () => {
  function engineFor(spec: AlbSpec) {
    const clock = {
      t: 0,
      now() {
        return this.t;
      },
    };
    const engine = createEngine(modelFromTemplate(albTemplate(spec), STACK), {
      clock,
      random: seededRandom(1),
      cookieKey: 'k',
    });
    return { engine, clock };
  }
  const answer = (engine: ReturnType<typeof createEngine>, status: number) => {
    for (const p of engine.probeDue()) engine.probeResult(p.probeId, { kind: 'response', status });
  };

  test('§7.5 healthy iff every used target group has at least one healthy target', () => {
    const { engine, clock } = engineFor({});
    answer(engine, 200);
    expect(engine.loadBalancerHealthy(IDS.lb)).toBe(true);
    clock.t += 10_000;
    answer(engine, 500);
    clock.t += 10_000;
    answer(engine, 500);
    expect(engine.loadBalancerHealthy(IDS.lb)).toBe(false);
  });

  test('§7.5 a used target group with no registered targets makes the load balancer unhealthy', () => {
    const { engine } = engineFor({ targetGroups: { App: { targets: [] } } });
    expect(engine.loadBalancerHealthy(IDS.lb)).toBe(false);
  });

  test('§1.5 dns_failover percentage threshold counts for DNS health', () => {
    const { engine, clock } = engineFor({
      targetGroups: {
        App: { attributes: { 'target_group_health.dns_failover.minimum_healthy_targets.percentage': 50 } },
      },
    });
    answer(engine, 200);
    clock.t += 10_000;
    for (const p of engine.probeDue())
      engine.probeResult(p.probeId, { kind: 'response', status: p.target.targetId === '10.0.1.10' ? 200 : 500 });
    clock.t += 10_000;
    for (const p of engine.probeDue())
      engine.probeResult(p.probeId, { kind: 'response', status: p.target.targetId === '10.0.1.10' ? 200 : 500 });
    // 1 of 3 healthy = 33 % < 50 %
    expect(engine.loadBalancerHealthy(IDS.lb)).toBe(false);
  });
});
