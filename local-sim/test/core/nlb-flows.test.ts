/**
 * The engine's decisions about open NLB flows (docs/aws-behaviour.md §2.3, §6.5, §6.6): which flows are cut
 * when a target turns unhealthy or finishes draining, and which carry on. Virtual time; the shells perform
 * `terminate-connections` on sockets (test/live/nlb-termination.test.ts).
 */
import { createEngine, seededRandom, type ConnectionDecision, type Engine, type EngineEvent } from '../../src/core';
import { modelFromTemplate } from '../../src/model';
import { albTemplate, IDS, STACK, type TgSpec } from '../model/fixtures';

class TestClock {
  t = 1_000_000;
  now(): number {
    return this.t;
  }
}

/** An NLB with one listener and one target group of three targets (10.0.1.10, 10.0.2.10, 10.0.3.10). */
function nlb(tg: TgSpec = {}, protocol = 'TCP') {
  const clock = new TestClock();
  const template = albTemplate({
    lbType: 'network',
    listenerProtocol: protocol,
    targetGroups: {
      App: {
        ...tg,
        props: { Protocol: protocol, HealthCheckProtocol: 'TCP', HealthCheckPath: undefined, Matcher: undefined },
      },
    },
  });
  const engine = createEngine(modelFromTemplate(template, STACK), { clock, random: seededRandom(1), cookieKey: 'k' });
  for (const p of engine.probeDue()) engine.probeResult(p.probeId, { kind: 'connected' });
  return { engine, clock };
}

const FLOW = {
  protocol: 'TCP' as const,
  sourceIp: '198.51.100.9',
  sourcePort: 40_000,
  destinationIp: '10.0.0.100',
  destinationPort: 80,
  sequence: 1,
};

function forwarded(d: ConnectionDecision): Extract<ConnectionDecision, { kind: 'forward' }> {
  if (d.kind !== 'forward') throw new Error(`expected a forward decision, got ${JSON.stringify(d)}`);
  return d;
}

/** Probe every due target, failing `failing`, every interval (10 s) `rounds` times. */
function probeRounds(engine: Engine, clock: TestClock, failing: string, rounds: number): void {
  for (let i = 0; i < rounds; i++) {
    clock.t += 10_000;
    for (const p of engine.probeDue()) {
      engine.probeResult(p.probeId, p.target.targetId === failing ? { kind: 'error' } : { kind: 'connected' });
    }
  }
}

const cuts = (events: EngineEvent[]) =>
  events.filter((e) => e.type === 'terminate-connections' || e.type === 'abort-requests');

const states = (engine: Engine) => engine.describeTargetHealth(IDS.tg()).map((d) => d.TargetHealth.State);

describe('engine: NLB deregistration (§2.3, §6.5)', () => {
  test('§6.5 flows are not cut when the deregistration delay ends (connection_termination default false)', () => {
    const { engine, clock } = nlb({ attributes: { 'deregistration_delay.timeout_seconds': 30 } });
    const d = forwarded(engine.routeConnection(IDS.lb, IDS.listener, FLOW));
    engine.advance();
    engine.deregisterTargets(IDS.tg(), [{ id: d.target.targetId, port: d.target.port }]);
    clock.t += 30_000;
    const events = engine.advance();
    // the target is gone, its flow is not touched
    expect(events).toContainEqual(expect.objectContaining({ type: 'target-removed', target: d.target }));
    expect(cuts(events)).toEqual([]);
    expect(states(engine)).toHaveLength(2);
    // and the flow still ends normally later
    engine.requestFinished(d.requestId);
    expect(cuts(engine.advance())).toEqual([]);
  });

  test('§6.5 with deregistration_delay.connection_termination.enabled the flows still open are reset when the delay ends', () => {
    const { engine, clock } = nlb({
      attributes: {
        'deregistration_delay.timeout_seconds': 30,
        'deregistration_delay.connection_termination.enabled': true,
      },
    });
    const d = forwarded(engine.routeConnection(IDS.lb, IDS.listener, FLOW));
    engine.deregisterTargets(IDS.tg(), [{ id: d.target.targetId, port: d.target.port }]);
    clock.t += 29_999;
    expect(cuts(engine.advance())).toEqual([]);
    clock.t += 1;
    expect(cuts(engine.advance())).toEqual([
      {
        type: 'terminate-connections',
        at: clock.t,
        target: d.target,
        requestIds: [d.requestId],
        reason: 'DeregistrationDelayExpired',
      },
    ]);
  });

  test('§6.5 UDP target groups terminate by default: their flows end when the delay ends', () => {
    const { engine, clock } = nlb({ attributes: { 'deregistration_delay.timeout_seconds': 30 } }, 'UDP');
    const d = forwarded(
      engine.routeConnection(IDS.lb, IDS.listener, { ...FLOW, protocol: 'UDP', sequence: undefined }),
    );
    engine.deregisterTargets(IDS.tg(), [{ id: d.target.targetId, port: d.target.port }]);
    clock.t += 30_000;
    expect(cuts(engine.advance())).toEqual([
      expect.objectContaining({ type: 'terminate-connections', requestIds: [d.requestId] }),
    ]);
  });

  test('§2.3 new flows never go to a draining target', () => {
    const { engine } = nlb({ attributes: { 'deregistration_delay.timeout_seconds': 300 } });
    engine.deregisterTargets(IDS.tg(), [{ id: '10.0.2.10', port: 8080 }]);
    expect(states(engine)).toEqual(['healthy', 'draining', 'healthy']);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      seen.add(
        forwarded(engine.routeConnection(IDS.lb, IDS.listener, { ...FLOW, sourcePort: 1024 + i })).target.targetId,
      );
    }
    expect([...seen].sort()).toEqual(['10.0.1.10', '10.0.3.10']);
  });
});

describe('engine: NLB flows of an unhealthy target (§1.5, §6.6)', () => {
  test('§6.6 with termination off and a draining interval, the flows carry on until the interval ends, then are reset', () => {
    const { engine, clock } = nlb({
      attributes: {
        'target_health_state.unhealthy.connection_termination.enabled': false,
        'target_health_state.unhealthy.draining_interval_seconds': 60,
      },
    });
    const d = forwarded(engine.routeConnection(IDS.lb, IDS.listener, FLOW));
    engine.advance();
    probeRounds(engine, clock, d.target.targetId, 2);
    expect(engine.describeTargetHealth(IDS.tg(), [{ id: d.target.targetId, port: 8080 }])[0].TargetHealth.State).toBe(
      'unhealthy.draining',
    );
    expect(cuts(engine.advance())).toEqual([]);
    expect(engine.inFlight(d.target)).toBe(1);
    const drainingFrom = clock.t;
    clock.t = drainingFrom + 60_000;
    const events = engine.advance();
    expect(cuts(events)).toEqual([
      {
        type: 'terminate-connections',
        at: drainingFrom + 60_000,
        target: d.target,
        requestIds: [d.requestId],
        reason: 'TargetUnhealthy',
      },
    ]);
    expect(engine.inFlight(d.target)).toBe(0);
  });

  test('§6.6 with termination off and no draining interval, flows of an unhealthy target are left open', () => {
    const { engine, clock } = nlb({
      attributes: { 'target_health_state.unhealthy.connection_termination.enabled': false },
    });
    const d = forwarded(engine.routeConnection(IDS.lb, IDS.listener, FLOW));
    probeRounds(engine, clock, d.target.targetId, 2);
    const events = engine.advance();
    expect(events).toContainEqual(expect.objectContaining({ type: 'target-health-changed', to: 'unhealthy' }));
    expect(cuts(events)).toEqual([]);
    expect(engine.inFlight(d.target)).toBe(1);
  });

  test('§1.5 the flows of a target that turns unhealthy while the TG fails open are not reset', () => {
    const { engine, clock } = nlb({ targets: [{ Id: '10.0.0.1', Port: 80 }] });
    const d = forwarded(engine.routeConnection(IDS.lb, IDS.listener, FLOW));
    probeRounds(engine, clock, '10.0.0.1', 2);
    const events = engine.advance();
    expect(events).toContainEqual(expect.objectContaining({ type: 'target-health-changed', to: 'unhealthy' }));
    expect(cuts(events)).toEqual([]);
    expect(engine.inFlight(d.target)).toBe(1);
  });

  test('§6.6 simulator choice nlb_udp_unhealthy_flows: UDP flows of a target that turns unhealthy carry on', () => {
    const { engine, clock } = nlb({}, 'UDP');
    const d = forwarded(
      engine.routeConnection(IDS.lb, IDS.listener, { ...FLOW, protocol: 'UDP', sequence: undefined }),
    );
    probeRounds(engine, clock, d.target.targetId, 2);
    const events = engine.advance();
    expect(events).toContainEqual(expect.objectContaining({ type: 'target-health-changed', to: 'unhealthy' }));
    expect(cuts(events)).toEqual([]);
    expect(engine.inFlight(d.target)).toBe(1);
  });
});
