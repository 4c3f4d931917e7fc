/**
 * Availability Zones and load-balancer nodes in the pure engine (docs/aws-behaviour.md §1.3, §1.4, §1.5,
 * §2.4, §7.5): one node per enabled zone, each probing on its own and keeping its own balancing state;
 * cross-zone decides which targets a node may use; failed zones leave DNS.
 */
import {
  createEngine,
  seededRandom,
  type ConnectionDecision,
  type Engine,
  type HttpRequestInfo,
  type RouteDecision,
} from '../../src/core';
import { modelFromTemplate } from '../../src/model';
import { albTemplate, IDS, STACK, type AlbSpec } from '../model/fixtures';

const A = 'us-east-1a';
const B = 'us-east-1b';

class TestClock {
  t = 1_000_000;
  now(): number {
    return this.t;
  }
}

/** Four targets; the fixture's two subnets give the load balancer zones us-east-1a and us-east-1b. */
const FOUR = [
  { Id: '10.0.1.1', Port: 80 },
  { Id: '10.0.2.1', Port: 80 },
  { Id: '10.0.1.2', Port: 80 },
  { Id: '10.0.2.2', Port: 80 },
];

function setup(spec: AlbSpec = {}) {
  const clock = new TestClock();
  const model = modelFromTemplate(albTemplate({ targetGroups: { App: { targets: FOUR } }, ...spec }), STACK);
  const engine = createEngine(model, { clock, random: seededRandom(7), cookieKey: 'k' });
  return { clock, model, engine };
}

function req(zone?: string): HttpRequestInfo {
  return {
    method: 'GET',
    path: '/',
    query: '',
    headers: { host: 'www.example.com' },
    sourceIp: '198.51.100.1',
    protocol: 'http',
    port: 80,
    ...(zone ? { availabilityZone: zone } : {}),
  };
}

function target(d: RouteDecision | ConnectionDecision): string {
  if (d.kind !== 'forward') throw new Error(`expected a forward decision, got ${JSON.stringify(d)}`);
  return d.target.targetId;
}

/** Answer each due probe: `status(targetId, node zone)`. */
function answer(engine: Engine, status: (id: string, zone?: string) => number = () => 200): void {
  for (const p of engine.probeDue()) {
    engine.probeResult(p.probeId, { kind: 'response', status: status(p.target.targetId, p.availabilityZone) });
  }
}

const zoneOf = (engine: Engine, id: string) => engine.targetZone({ targetGroupId: IDS.tg(), targetId: id, port: 80 });

describe('zones: targets and nodes (§2.4)', () => {
  test('§2.4 the load balancer has one node per zone of its subnets', () => {
    const { model } = setup();
    expect(model.loadBalancers[0].availabilityZones).toEqual([A, B]);
  });

  test('§2.4 targets without a zone are placed in the zones in turn (simulator choice target_zone_spread)', () => {
    const { engine } = setup();
    expect(FOUR.map((t) => zoneOf(engine, t.Id))).toEqual([A, B, A, B]);
    // DescribeTargetHealth shows AvailabilityZone only when it was given at registration, as AWS does
    expect(engine.describeTargetHealth(IDS.tg())[0].Target).toEqual({ Id: '10.0.1.1', Port: 80 });
  });

  test('§2.4 a target keeps its zone when registered again (simulator choice target_zone_spread)', () => {
    const { engine, clock } = setup({
      targetGroups: { App: { targets: FOUR, attributes: { 'deregistration_delay.timeout_seconds': 0 } } },
    });
    engine.deregisterTargets(IDS.tg(), [{ id: '10.0.2.1', port: 80 }]);
    clock.t += 1;
    engine.registerTargets(IDS.tg(), [
      { id: '10.0.9.9', port: 80 },
      { id: '10.0.2.1', port: 80 },
    ]);
    expect(zoneOf(engine, '10.0.2.1')).toBe(B);
    expect(zoneOf(engine, '10.0.9.9')).toBe(A);
  });

  test('§2.4 a zone given at registration is kept and shown by DescribeTargetHealth', () => {
    const { engine } = setup({
      targetGroups: { App: { targets: [{ Id: '10.0.5.5', Port: 80, AvailabilityZone: B }] } },
    });
    expect(zoneOf(engine, '10.0.5.5')).toBe(B);
    expect(engine.describeTargetHealth(IDS.tg())[0].Target).toEqual({ Id: '10.0.5.5', Port: 80, AvailabilityZone: B });
  });

  test('§1.4 a target in a zone the load balancer is not enabled in is unused / Target.NotInUse and never probed', () => {
    const { engine } = setup({
      targetGroups: { App: { targets: [{ Id: '10.0.7.7', Port: 80, AvailabilityZone: 'us-east-1f' }, FOUR[0]] } },
    });
    expect(engine.describeTargetHealth(IDS.tg())[0].TargetHealth).toMatchObject({
      State: 'unused',
      Reason: 'Target.NotInUse',
    });
    expect(engine.probeDue().map((p) => p.target.targetId)).toEqual(['10.0.1.1', '10.0.1.1']);
  });
});

describe('zones: each node health-checks on its own (§1.3)', () => {
  test('§1.3 every node probes every target, each probe naming its node', () => {
    const { engine } = setup();
    const probes = engine.probeDue();
    expect(probes.map((p) => `${p.target.targetId}@${p.availabilityZone}`)).toEqual([
      `10.0.1.1@${A}`,
      `10.0.1.1@${B}`,
      `10.0.2.1@${A}`,
      `10.0.2.1@${B}`,
      `10.0.1.2@${A}`,
      `10.0.1.2@${B}`,
      `10.0.2.2@${A}`,
      `10.0.2.2@${B}`,
    ]);
  });

  test('§1.3 a target only one node reaches: that node routes to it, the other does not; the reported state stays (simulator choice node_health_view)', () => {
    // Given a target that answers node A's probes but not node B's (cross-zone on: ALB default)
    const { engine } = setup();
    answer(engine, (id, zone) => (id === '10.0.1.1' && zone === B ? 503 : 200));
    expect(engine.describeTargetHealth(IDS.tg())[0].TargetHealth.State).toBe('initial');
    expect(engine.nodeHealth({ targetGroupId: IDS.tg(), targetId: '10.0.1.1', port: 80 })).toEqual({
      [A]: 'healthy',
      [B]: 'initial',
    });
    // Then node A uses it, node B never does
    const viaA = Array.from({ length: 8 }, () => target(engine.route(IDS.lb, IDS.listener, req(A))));
    const viaB = Array.from({ length: 8 }, () => target(engine.route(IDS.lb, IDS.listener, req(B))));
    expect(viaA).toContain('10.0.1.1');
    expect(viaB).not.toContain('10.0.1.1');
    expect(new Set(viaB)).toEqual(new Set(['10.0.2.1', '10.0.1.2', '10.0.2.2']));
  });

  test('§1.3 the reported state follows once every node agrees (simulator choice node_health_view)', () => {
    const { engine } = setup();
    answer(engine);
    expect(engine.describeTargetHealth(IDS.tg()).map((d) => d.TargetHealth.State)).toEqual([
      'healthy',
      'healthy',
      'healthy',
      'healthy',
    ]);
  });

  test('§2.4 each node keeps its own round-robin position', () => {
    const { engine } = setup();
    answer(engine);
    const a1 = target(engine.route(IDS.lb, IDS.listener, req(A)));
    const a2 = target(engine.route(IDS.lb, IDS.listener, req(A)));
    // node B has not routed yet: it starts at the beginning of its own rotation
    const b1 = target(engine.route(IDS.lb, IDS.listener, req(B)));
    expect([a1, a2, b1]).toEqual(['10.0.1.1', '10.0.2.1', '10.0.1.1']);
  });
});

describe('zones: cross-zone (§2.4)', () => {
  test('§2.4 ALB: cross-zone on by default, a node sends to targets in every zone', () => {
    const { engine } = setup();
    answer(engine);
    const viaA = new Set(Array.from({ length: 8 }, () => target(engine.route(IDS.lb, IDS.listener, req(A)))));
    expect(viaA).toEqual(new Set(FOUR.map((t) => t.Id)));
  });

  test('§2.4 ALB with TG load_balancing.cross_zone.enabled=false: a node sends to its own zone only', () => {
    const { engine } = setup({
      targetGroups: { App: { targets: FOUR, attributes: { 'load_balancing.cross_zone.enabled': false } } },
    });
    answer(engine);
    const viaA = new Set(Array.from({ length: 8 }, () => target(engine.route(IDS.lb, IDS.listener, req(A)))));
    const viaB = new Set(Array.from({ length: 8 }, () => target(engine.route(IDS.lb, IDS.listener, req(B)))));
    expect(viaA).toEqual(new Set(['10.0.1.1', '10.0.1.2']));
    expect(viaB).toEqual(new Set(['10.0.2.1', '10.0.2.2']));
  });

  test('§2.4 NLB: cross-zone off by default, each node hashes flows over its own zone', () => {
    const { engine } = setup({ lbType: 'network' });
    answer(engine, () => 200);
    const flows = (zone: string) =>
      new Set(
        Array.from({ length: 20 }, (_, i) =>
          target(
            engine.routeConnection(IDS.lb, IDS.listener, {
              protocol: 'TCP',
              sourceIp: '198.51.100.9',
              sourcePort: 40_000 + i,
              destinationIp: '127.1.1.1',
              destinationPort: 80,
              sequence: i,
              availabilityZone: zone,
            }),
          ),
        ),
      );
    expect(flows(A)).toEqual(new Set(['10.0.1.1', '10.0.1.2']));
    expect(flows(B)).toEqual(new Set(['10.0.2.1', '10.0.2.2']));
  });

  test('§2.4 NLB with load_balancing.cross_zone.enabled=true: each node uses every zone', () => {
    const { engine } = setup({ lbType: 'network', lbAttributes: { 'load_balancing.cross_zone.enabled': true } });
    answer(engine, () => 200);
    const seen = new Set(
      Array.from({ length: 40 }, (_, i) =>
        target(
          engine.routeConnection(IDS.lb, IDS.listener, {
            protocol: 'TCP',
            sourceIp: '198.51.100.9',
            sourcePort: 40_000 + i,
            destinationIp: '127.1.1.1',
            destinationPort: 80,
            sequence: i,
            availabilityZone: A,
          }),
        ),
      ),
    );
    expect(seen).toEqual(new Set(FOUR.map((t) => t.Id)));
  });

  test('§1.5/§5.4 cross-zone off and no target in the node’s zone → 503', () => {
    const { engine } = setup({
      targetGroups: {
        App: {
          targets: [{ Id: '10.0.1.1', Port: 80, AvailabilityZone: A }],
          attributes: { 'load_balancing.cross_zone.enabled': false },
        },
      },
    });
    answer(engine);
    expect(engine.route(IDS.lb, IDS.listener, req(B))).toMatchObject({
      kind: 'error',
      status: 503,
      reason: 'NoRegisteredTargets',
    });
    expect(target(engine.route(IDS.lb, IDS.listener, req(A)))).toBe('10.0.1.1');
  });
});

describe('zones: DNS answers and zone failure (§1.5, §7.5)', () => {
  test('§1.5 DNS answers with every healthy zone', () => {
    const { engine } = setup();
    answer(engine);
    expect(engine.dnsZones(IDS.lb)).toEqual([A, B]);
  });

  test('§1.5 cross-zone off: a zone with no healthy target leaves DNS; when no zone is healthy DNS answers all', () => {
    const { engine, clock } = setup({
      targetGroups: { App: { targets: FOUR, attributes: { 'load_balancing.cross_zone.enabled': false } } },
    });
    const zoneBDown = (id: string) => (['10.0.2.1', '10.0.2.2'].includes(id) ? 503 : 200);
    answer(engine, zoneBDown);
    clock.t += 10_000;
    answer(engine, zoneBDown);
    expect(engine.dnsZones(IDS.lb)).toEqual([A]);
    expect(engine.loadBalancerHealthy(IDS.lb)).toBe(true);
    clock.t += 10_000;
    answer(engine, () => 503);
    clock.t += 10_000;
    answer(engine, () => 503);
    expect(engine.dnsZones(IDS.lb)).toEqual([A, B]);
    expect(engine.loadBalancerHealthy(IDS.lb)).toBe(false);
  });

  test('§1.5 cross-zone on: one zone’s targets failing keeps both zones in DNS', () => {
    const { engine, clock } = setup();
    const zoneBDown = (id: string) => (['10.0.2.1', '10.0.2.2'].includes(id) ? 503 : 200);
    answer(engine, zoneBDown);
    clock.t += 10_000;
    answer(engine, zoneBDown);
    expect(engine.dnsZones(IDS.lb)).toEqual([A, B]);
  });

  test('§1.5 a failed zone: its node stops probing and routing and leaves DNS; zone-changed events', () => {
    const { engine, clock } = setup();
    answer(engine);
    engine.advance();
    // When zone B fails
    engine.failZone(B);
    expect(engine.failedZones()).toEqual([B]);
    expect(engine.dnsZones(IDS.lb)).toEqual([A]);
    expect(engine.route(IDS.lb, IDS.listener, req(B))).toMatchObject({ kind: 'error', reason: 'ZoneFailed' });
    clock.t += 10_000;
    const probes = engine.probeDue();
    expect(probes).toHaveLength(4);
    expect(probes.every((p) => p.availabilityZone === A)).toBe(true);
    expect(engine.advance()).toContainEqual({
      type: 'zone-changed',
      at: clock.t - 10_000,
      availabilityZone: B,
      failed: true,
    });
  });

  test('§1.5 failing a zone moves traffic to the other zone’s targets once node A sees them fail (cross-zone on)', () => {
    const { engine, clock } = setup();
    answer(engine);
    // Zone B fails: its node stops, and its targets stop answering (the shell takes them down)
    engine.failZone(B);
    const inB = (id: string) => ['10.0.2.1', '10.0.2.2'].includes(id);
    for (let i = 0; i < 2; i++) {
      clock.t += 10_000;
      answer(engine, (id) => (inB(id) ? 503 : 200));
    }
    const viaA = new Set(Array.from({ length: 8 }, () => target(engine.route(IDS.lb, IDS.listener, req(A)))));
    expect(viaA).toEqual(new Set(['10.0.1.1', '10.0.1.2']));
    expect(engine.describeTargetHealth(IDS.tg()).map((d) => d.TargetHealth.State)).toEqual([
      'healthy',
      'unhealthy',
      'healthy',
      'unhealthy',
    ]);
  });

  test('§1.5 every zone failed: the load balancer is unhealthy for Route 53 (§7.5)', () => {
    const { engine } = setup();
    answer(engine);
    engine.failZone(A);
    engine.failZone(B);
    expect(engine.loadBalancerHealthy(IDS.lb)).toBe(false);
  });

  test('§1.3 a recovered node starts from the reported state and probes at once (simulator choice node_recovery_health)', () => {
    const { engine, clock } = setup();
    answer(engine);
    engine.failZone(B);
    // while node B is down, a target in zone A fails node A's checks
    for (let i = 0; i < 2; i++) {
      clock.t += 10_000;
      answer(engine, (id) => (id === '10.0.1.1' ? 503 : 200));
    }
    expect(engine.describeTargetHealth(IDS.tg())[0].TargetHealth.State).toBe('unhealthy');
    clock.t += 1_000;
    engine.recoverZone(B);
    // node B does not route to the unhealthy target it never saw fail
    const viaB = Array.from({ length: 6 }, () => target(engine.route(IDS.lb, IDS.listener, req(B))));
    expect(viaB).not.toContain('10.0.1.1');
    // and probes at once
    expect(engine.probeDue().filter((p) => p.availabilityZone === B)).toHaveLength(4);
    expect(engine.dnsZones(IDS.lb)).toEqual([A, B]);
  });
});
