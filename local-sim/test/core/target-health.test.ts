import {
  classifyProbe,
  transition,
  unregisteredStatus,
  type HealthEvent,
  type HealthSettings,
  type ProbeVerdict,
  type TargetHealthStatus,
} from '../../src/core';

const settings: HealthSettings = {
  enabled: true,
  inUse: true,
  intervalMs: 10_000,
  healthyThresholdCount: 3,
  unhealthyThresholdCount: 2,
  registrationDelayMs: 0,
};
const PASS: ProbeVerdict = { ok: true };
const FAIL: ProbeVerdict = { ok: false, reason: 'Target.Timeout', description: 'Request timed out' };

function run(events: HealthEvent[], s: HealthSettings = settings, start: TargetHealthStatus = unregisteredStatus(0)) {
  let st = start;
  const effects = [];
  for (const e of events) {
    const [next, eff] = transition(st, e, s);
    st = next;
    effects.push(...eff);
  }
  return { status: st, effects };
}
const result = (at: number, verdict: ProbeVerdict): HealthEvent => ({ type: 'probe-result', at, verdict });

describe('§1.3 probe classification', () => {
  test.each([
    ['application', { kind: 'response', status: 500 }, 'Target.ResponseCodeMismatch'],
    ['application', { kind: 'timeout' }, 'Target.Timeout'],
    ['application', { kind: 'error' }, 'Target.FailedHealthChecks'],
    ['network', { kind: 'response', status: 500 }, 'Target.FailedHealthChecks'],
    ['network', { kind: 'timeout' }, 'Target.FailedHealthChecks'],
    ['network', { kind: 'error' }, 'Target.FailedHealthChecks'],
  ] as const)('§1.3 %s, %j → %s', (lbType, outcome, reason) => {
    expect(classifyProbe(lbType, [200], outcome)).toMatchObject({ ok: false, reason });
  });

  test('§1.3 status in the matcher is a success; TCP connect is a success', () => {
    expect(classifyProbe('application', [200, 201], { kind: 'response', status: 201 })).toEqual({ ok: true });
    expect(classifyProbe('network', [200], { kind: 'connected' })).toEqual({ ok: true });
  });

  test('§1.3 ALB ResponseCodeMismatch description lists the code seen', () => {
    expect(classifyProbe('application', [200], { kind: 'response', status: 503 })).toMatchObject({
      description: expect.stringContaining('[503]'),
    });
  });
});

describe('§1.4 target health state machine', () => {
  test('§1.4 register → initial / Elb.RegistrationInProgress and the first probe is scheduled', () => {
    const { status, effects } = run([{ type: 'register', at: 1000 }]);
    expect(status).toMatchObject({ state: 'initial', reason: 'Elb.RegistrationInProgress' });
    expect(effects).toContainEqual({ type: 'schedule-probe', at: 1000 });
  });

  test('§1.4 first probe sent → Elb.InitialHealthChecking; next probe one interval after the scheduled time', () => {
    const { status, effects } = run([
      { type: 'register', at: 0 },
      { type: 'probe-sent', at: 0 },
    ]);
    expect(status).toMatchObject({ state: 'initial', reason: 'Elb.InitialHealthChecking' });
    expect(effects).toContainEqual({ type: 'schedule-probe', at: 10_000 });
  });

  test('§1.4 initial + one passing probe → healthy', () => {
    const { status } = run([{ type: 'register', at: 0 }, { type: 'probe-sent', at: 0 }, result(5, PASS)]);
    expect(status.state).toBe('healthy');
    expect(status.reason).toBeUndefined();
  });

  test('§1.4 simulator choice initial_to_unhealthy: initial needs UnhealthyThresholdCount failures', () => {
    const one = run([{ type: 'register', at: 0 }, result(1, FAIL)]);
    expect(one.status.state).toBe('initial');
    const two = run([{ type: 'register', at: 0 }, result(1, FAIL), result(2, FAIL)]);
    expect(two.status).toMatchObject({ state: 'unhealthy', reason: 'Target.Timeout' });
  });

  test('§1.4 healthy → unhealthy after UnhealthyThresholdCount consecutive failures, not before', () => {
    const healthy = run([{ type: 'register', at: 0 }, result(1, PASS)]).status;
    expect(run([result(2, FAIL)], settings, healthy).status.state).toBe('healthy');
    expect(run([result(2, FAIL), result(3, PASS), result(4, FAIL)], settings, healthy).status.state).toBe('healthy');
    const { status, effects } = run([result(2, FAIL), result(3, FAIL)], settings, healthy);
    expect(status.state).toBe('unhealthy');
    expect(effects).toContainEqual({
      type: 'state-changed',
      from: 'healthy',
      to: 'unhealthy',
      reason: 'Target.Timeout',
    });
  });

  test('§1.4 unhealthy → healthy after HealthyThresholdCount consecutive passes', () => {
    const unhealthy = run([{ type: 'register', at: 0 }, result(1, FAIL), result(2, FAIL)]).status;
    expect(run([result(3, PASS), result(4, PASS)], settings, unhealthy).status.state).toBe('unhealthy');
    expect(
      run([result(3, PASS), result(4, PASS), result(5, FAIL), result(6, PASS)], settings, unhealthy).status.state,
    ).toBe('unhealthy');
    expect(run([result(3, PASS), result(4, PASS), result(5, PASS)], settings, unhealthy).status.state).toBe('healthy');
  });

  test('§1.4 unhealthy reason follows the latest failure', () => {
    const unhealthy = run([{ type: 'register', at: 0 }, result(1, FAIL), result(2, FAIL)]).status;
    const mismatch: ProbeVerdict = { ok: false, reason: 'Target.ResponseCodeMismatch', description: 'x' };
    expect(run([result(3, mismatch)], settings, unhealthy).status.reason).toBe('Target.ResponseCodeMismatch');
  });

  test('§1.4 TG not used by any listener → unused / Target.NotInUse, never probed', () => {
    const { status, effects } = run([{ type: 'register', at: 0 }], { ...settings, inUse: false });
    expect(status).toMatchObject({ state: 'unused', reason: 'Target.NotInUse' });
    expect(effects.some((e) => e.type === 'schedule-probe')).toBe(false);
  });

  test('§1.4 health checks disabled (lambda) → unavailable / Target.HealthCheckDisabled', () => {
    const { status } = run([{ type: 'register', at: 0 }], { ...settings, enabled: false });
    expect(status).toMatchObject({ state: 'unavailable', reason: 'Target.HealthCheckDisabled' });
  });

  test('§2.3 deregister → draining / Target.DeregistrationInProgress; probes stop; removed when the delay ends', () => {
    const healthy = run([{ type: 'register', at: 0 }, result(1, PASS)]).status;
    const d = run([{ type: 'deregister', at: 100, delayMs: 300_000 }], settings, healthy);
    expect(d.status).toMatchObject({
      state: 'draining',
      reason: 'Target.DeregistrationInProgress',
      drainingUntil: 300_100,
    });
    expect(d.effects).toContainEqual({ type: 'stop-probing' });
    expect(run([{ type: 'delay-elapsed', at: 300_099 }], settings, d.status).status.state).toBe('draining');
    const done = run([{ type: 'delay-elapsed', at: 300_100 }], settings, d.status);
    expect(done.status).toMatchObject({ state: 'unused', reason: 'Target.NotRegistered' });
    expect(done.effects).toContainEqual({ type: 'removed' });
  });

  test('§2.3 probe results are ignored while draining', () => {
    const draining = run([
      { type: 'register', at: 0 },
      result(1, PASS),
      { type: 'deregister', at: 2, delayMs: 1000 },
    ]).status;
    expect(run([result(3, FAIL), result(4, FAIL)], settings, draining).status.state).toBe('draining');
  });
});

describe('§6.6 NLB unhealthy.draining', () => {
  const nlb: HealthSettings = { ...settings, unhealthyDrainingMs: 60_000 };
  const healthy = () => run([{ type: 'register', at: 0 }, result(1, PASS)], nlb).status;

  test('§6.6 failing healthy target → unhealthy.draining for the interval, then unhealthy', () => {
    const d = run([result(2, FAIL), result(3, FAIL)], nlb, healthy());
    expect(d.status).toMatchObject({ state: 'unhealthy.draining', drainingUntil: 60_003 });
    expect(run([{ type: 'delay-elapsed', at: 60_002 }], nlb, d.status).status.state).toBe('unhealthy.draining');
    expect(run([{ type: 'delay-elapsed', at: 60_003 }], nlb, d.status).status.state).toBe('unhealthy');
  });

  test('§6.6 recovery within the interval → healthy', () => {
    const d = run([result(2, FAIL), result(3, FAIL)], nlb, healthy()).status;
    expect(run([result(4, PASS), result(5, PASS), result(6, PASS)], nlb, d).status.state).toBe('healthy');
  });

  test('§6.6 interval 0 (default): straight to unhealthy', () => {
    expect(run([result(2, FAIL), result(3, FAIL)], settings, healthy()).status.state).toBe('unhealthy');
  });
});
