/**
 * Leader and follower engines (`EngineOptions.role`): several load-balancer nodes share one health state
 * (`ha-sim --workers`). The leader probes and decides (§1.3, §1.4, §2.3); followers apply its health inputs
 * and reach the same states at the same times, while balancing, stickiness and requests in flight stay
 * each node's own.
 */
import { createEngine, seededRandom, type Engine, type EngineEvent, type HealthInput } from '../../src/core';
import { modelFromTemplate } from '../../src/model';
import { albTemplate, STACK, THREE_TARGETS } from '../model/fixtures';

const APP = `${STACK}/Web/App`;
const model = modelFromTemplate(
  albTemplate({
    targetGroups: {
      App: { targets: THREE_TARGETS, attributes: { 'deregistration_delay.timeout_seconds': '30' } },
    },
  }),
  STACK,
);
const request = {
  method: 'GET',
  path: '/',
  query: '',
  headers: {},
  sourceIp: '198.51.100.1',
  protocol: 'http' as const,
  port: 80,
};

function pair() {
  const clock = { t: 1_000_000, now: () => clock.t };
  const inputs: HealthInput[] = [];
  const leader = createEngine(model, { clock, random: seededRandom(1), cookieKey: 'k', replicate: true });
  const follower = createEngine(model, { clock, random: seededRandom(2), cookieKey: 'k', role: 'follower' });
  leader.onEvent((e) => {
    if (e.type === 'health-input') inputs.push(e);
  });
  const followerEvents: EngineEvent[] = [];
  follower.onEvent((e) => followerEvents.push(e));
  // the template's targets were registered by the leader's constructor, before anyone listened
  for (const t of THREE_TARGETS) {
    follower.mirror({
      targetGroupId: APP,
      target: { id: t.Id, port: t.Port },
      batch: 1,
      event: { type: 'register', at: clock.t },
    });
  }
  /** Hand the follower what the leader applied so far, as the primary process does over IPC. */
  const sync = () => {
    for (const input of inputs.splice(0)) follower.mirror(input);
  };
  return { clock, leader, follower, sync, followerEvents };
}

const states = (engine: Engine) =>
  engine.describeTargetHealth(APP).map((d) => [d.Target.Id, d.TargetHealth.State, d.TargetHealth.Reason]);

describe('leader and follower engines (ha-sim --workers)', () => {
  test('§1.3/§1.4 the follower never probes and reaches the leader’s states at the same times', () => {
    const { clock, leader, follower, sync } = pair();
    expect(states(follower)).toEqual(states(leader));
    for (let i = 0; i < 6; i++) {
      expect(follower.probeDue()).toEqual([]);
      for (const p of leader.probeDue()) {
        const failing = p.target.targetId === THREE_TARGETS[1]!.Id && i >= 3;
        leader.probeResult(p.probeId, failing ? { kind: 'response', status: 500 } : { kind: 'response', status: 200 });
      }
      sync();
      expect(states(follower)).toEqual(states(leader));
      clock.t += 10_000;
    }
    expect(states(leader).map(([, s]) => s)).toEqual(['healthy', 'unhealthy', 'healthy']);
    expect(follower.nextWakeAt()).toBeUndefined();
  });

  test('§2.3 the follower aborts its own requests when the leader’s deregistration delay ends', () => {
    const { clock, leader, follower, sync, followerEvents } = pair();
    for (let i = 0; i < 6; i++) {
      for (const p of leader.probeDue()) leader.probeResult(p.probeId, { kind: 'response', status: 200 });
      clock.t += 10_000;
    }
    sync();
    // the follower serves three requests, one per target (round robin); the leader serves none
    const ids = [0, 1, 2].map(() => {
      const d = follower.route(`${STACK}/Web/LB`, '80', request);
      if (d.kind !== 'forward') throw new Error(`expected a forward, got ${d.kind}`);
      return { id: d.requestId, target: d.target.targetId };
    });
    const victim = ids.find((r) => r.target === THREE_TARGETS[0]!.Id)!;
    leader.deregisterTargets(APP, [{ id: THREE_TARGETS[0]!.Id, port: THREE_TARGETS[0]!.Port }]);
    sync();
    expect(states(follower)[0]).toEqual(states(leader)[0]);
    expect(states(follower)[0]![1]).toBe('draining');
    // the follower runs no timers of its own: nothing happens there until the leader's delay ends
    clock.t += 30_000;
    follower.advance();
    expect(followerEvents.filter((e) => e.type === 'abort-requests')).toEqual([]);
    leader.advance();
    sync();
    const aborts = followerEvents.filter((e) => e.type === 'abort-requests');
    expect(aborts).toEqual([expect.objectContaining({ requestIds: [victim.id], status: 502, at: 1_090_000 })]);
    expect(follower.describeTargetHealth(APP).map((d) => d.Target.Id)).toEqual(
      leader.describeTargetHealth(APP).map((d) => d.Target.Id),
    );
  });

  test('balancing state is each node’s own: a follower’s round robin does not move the leader’s', () => {
    const { clock, leader, follower, sync } = pair();
    for (let i = 0; i < 6; i++) {
      for (const p of leader.probeDue()) leader.probeResult(p.probeId, { kind: 'response', status: 200 });
      clock.t += 10_000;
    }
    sync();
    const pick = (e: Engine) => {
      const d = e.route(`${STACK}/Web/LB`, '80', request);
      if (d.kind !== 'forward') throw new Error(`expected a forward, got ${d.kind}`);
      e.requestFinished(d.requestId);
      return d.target.targetId;
    };
    const firstOfLeader = pick(leader);
    pick(follower);
    pick(follower);
    // the leader's next pick follows its own previous one, whatever the follower did
    const order = THREE_TARGETS.map((t) => t.Id);
    expect(pick(leader)).toBe(order[(order.indexOf(firstOfLeader) + 1) % 3]);
  });
});

describe('leader and follower engines with Availability Zones (ha-sim --workers)', () => {
  const A = 'us-east-1a';
  const B = 'us-east-1b';
  const LB = `${STACK}/Web/LB`;
  const key = (i: number) => ({ targetGroupId: APP, targetId: THREE_TARGETS[i]!.Id, port: THREE_TARGETS[i]!.Port });

  /** A leader and a follower that took every input the leader applied, its constructor's included. */
  function zonedPair() {
    const clock = { t: 1_000_000, now: () => clock.t };
    const leader = createEngine(model, { clock, random: seededRandom(1), cookieKey: 'k', replicate: true });
    const follower = createEngine(model, { clock, random: seededRandom(2), cookieKey: 'k', role: 'follower' });
    const sync = () => {
      for (const e of leader.advance()) if (e.type === 'health-input') follower.mirror(e);
    };
    sync();
    return { clock, leader, follower, sync };
  }

  const via = (engine: Engine, zone: string) => {
    const d = engine.route(LB, '80', { ...request, availabilityZone: zone });
    if (d.kind !== 'forward') return d.kind === 'error' ? d.reason : d.kind;
    engine.requestFinished(d.requestId);
    return d.target.targetId;
  };

  test('§1.3 the follower mirrors each node’s own view: a target only node B finds failing is avoided by B alone (simulator choice node_health_view)', () => {
    const { clock, leader, follower, sync } = zonedPair();
    // the follower places the targets in the zones the leader did (simulator choice target_zone_spread)
    expect(THREE_TARGETS.map((_, i) => follower.targetZone(key(i)))).toEqual([A, B, A]);
    for (let i = 0; i < 6; i++) {
      for (const p of leader.probeDue()) {
        const failing = p.target.targetId === THREE_TARGETS[0]!.Id && p.availabilityZone === B;
        leader.probeResult(p.probeId, { kind: 'response', status: failing ? 503 : 200 });
      }
      sync();
      clock.t += 10_000;
    }
    expect(leader.nodeHealth(key(0))).toEqual({ [A]: 'healthy', [B]: 'unhealthy' });
    expect(follower.nodeHealth(key(0))).toEqual(leader.nodeHealth(key(0)));
    expect(states(follower)).toEqual(states(leader));
    // node A of the follower still sends to the target; node B of the follower never does
    const viaA = Array.from({ length: 6 }, () => via(follower, A));
    const viaB = Array.from({ length: 6 }, () => via(follower, B));
    expect(viaA).toContain(THREE_TARGETS[0]!.Id);
    expect(new Set(viaB)).toEqual(new Set([THREE_TARGETS[1]!.Id, THREE_TARGETS[2]!.Id]));
  });

  test('§1.5 a zone the leader fails is failed on the follower: its node takes no requests and leaves DNS; recovery comes back too', () => {
    const { clock, leader, follower, sync } = zonedPair();
    for (let i = 0; i < 6; i++) {
      for (const p of leader.probeDue()) leader.probeResult(p.probeId, { kind: 'response', status: 200 });
      sync();
      clock.t += 10_000;
    }
    leader.failZone(B);
    sync();
    expect(follower.failedZones()).toEqual([B]);
    expect(via(follower, B)).toBe('ZoneFailed');
    expect(THREE_TARGETS.map((t) => t.Id)).toContain(via(follower, A));
    expect(follower.dnsZones(LB)).toEqual([A]);
    expect(follower.dnsZones(LB)).toEqual(leader.dnsZones(LB));
    // the failed node's probes stop on the leader; the follower never probes at all
    expect(leader.probeDue().every((p) => p.availabilityZone === A)).toBe(true);
    expect(follower.probeDue()).toEqual([]);
    clock.t += 10_000;
    leader.recoverZone(B);
    sync();
    expect(follower.failedZones()).toEqual([]);
    expect(follower.dnsZones(LB)).toEqual([A, B]);
    expect(THREE_TARGETS.map((_, i) => follower.nodeHealth(key(i)))).toEqual(
      THREE_TARGETS.map((_, i) => leader.nodeHealth(key(i))),
    );
    expect(THREE_TARGETS.map((t) => t.Id)).toContain(via(follower, B));
  });
});
