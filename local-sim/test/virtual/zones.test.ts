/**
 * "Fail an Availability Zone" in virtual time (docs/aws-behaviour.md §1.5, §2.4): the zone's node stops
 * and leaves DNS, its targets stop answering, and the other node moves traffic to its own zone's
 * targets — with cross-zone on (after its health checks notice) and off (at once: it never used them).
 */
import { modelFromTemplate } from '../../src/model';
import { VirtualSimulator, type VirtualResponse } from '../../src/virtual';
import { albTemplate, IDS, STACK, type AlbSpec } from '../model/fixtures';

const A = 'us-east-1a';
const B = 'us-east-1b';
/** Placed in turn (simulator choice target_zone_spread): .1 and .3 in zone A, .2 and .4 in zone B. */
const TARGETS = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'].map((Id) => ({ Id, Port: 80 }));
const IN_A = ['10.0.0.1', '10.0.0.3'];
const IN_B = ['10.0.0.2', '10.0.0.4'];

function sim(spec: AlbSpec = {}) {
  return new VirtualSimulator(
    modelFromTemplate(albTemplate({ targetGroups: { App: { targets: TARGETS } }, ...spec }), STACK),
    { seed: 3 },
  );
}

const targetOf = (r: VirtualResponse) => (r.decision.kind === 'forward' ? r.decision.target.targetId : r.decision.kind);

/** Where 20 requests of clients resolving the load balancer's name go, and what they get. */
function clients(s: VirtualSimulator): { targets: Set<string>; statuses: Set<number | undefined> } {
  const targets = new Set<string>();
  const statuses = new Set<number | undefined>();
  for (let i = 0; i < 20; i++) {
    const r = s.request(IDS.lb, IDS.listener, { availabilityZone: s.clientZone(IDS.lb) });
    s.runFor(5);
    targets.add(targetOf(r));
    statuses.add(r.status);
  }
  return { targets, statuses };
}

describe('virtual: failing an Availability Zone (§1.5, §2.4)', () => {
  test.each([
    ['on (ALB default)', {}],
    ['off (TG attribute)', { 'load_balancing.cross_zone.enabled': false }],
  ])('§2.4 failing a zone moves traffic to the other zone’s targets, cross-zone %s', (_label, attributes) => {
    // Given a healthy ALB in two zones
    const s = sim({ targetGroups: { App: { targets: TARGETS, attributes } } });
    s.runUntil(1);
    expect(s.dnsZones(IDS.lb)).toEqual([A, B]);
    expect(clients(s).targets).toEqual(new Set([...IN_A, ...IN_B]));
    // When zone B fails
    const failedAt = s.clock.now();
    s.failZone(B);
    // Then DNS drops its node at once
    expect(s.dnsZones(IDS.lb)).toEqual([A]);
    // and once node A has seen zone B's targets fail (2 × 10 s interval), every request goes to zone A
    s.runUntil(failedAt + 20_000);
    expect(s.engine.describeTargetHealth(IDS.tg()).map((d) => d.TargetHealth.State)).toEqual([
      'healthy',
      'unhealthy',
      'healthy',
      'unhealthy',
    ]);
    expect(clients(s)).toEqual({ targets: new Set(IN_A), statuses: new Set([200]) });
    // and a client still holding zone B's address is refused
    expect(s.request(IDS.lb, IDS.listener, { availabilityZone: B })).toMatchObject({ refused: true });
    // When the zone recovers, its node rejoins DNS and its targets come back
    s.recoverZone(B);
    s.runFor(30_000);
    expect(s.dnsZones(IDS.lb)).toEqual([A, B]);
    expect(clients(s).targets).toEqual(new Set([...IN_A, ...IN_B]));
  });

  test('§2.4 cross-zone on: before node A notices, it still sends to zone B’s dead targets (502)', () => {
    const s = sim();
    s.runUntil(1);
    s.failZone(B);
    const seen = new Map<string, number | undefined>();
    for (let i = 0; i < 4; i++) {
      const r = s.request(IDS.lb, IDS.listener, { availabilityZone: A });
      s.runFor(5);
      seen.set(targetOf(r), r.status);
    }
    expect(seen).toEqual(
      new Map([
        ['10.0.0.1', 200],
        ['10.0.0.2', 502],
        ['10.0.0.3', 200],
        ['10.0.0.4', 502],
      ]),
    );
  });

  test('§2.4 cross-zone off: node A never used zone B’s targets, so the failure costs its clients nothing', () => {
    const s = sim({
      targetGroups: { App: { targets: TARGETS, attributes: { 'load_balancing.cross_zone.enabled': false } } },
    });
    s.runUntil(1);
    s.failZone(B);
    const statuses = new Set<number | undefined>();
    for (let i = 0; i < 6; i++) {
      const r = s.request(IDS.lb, IDS.listener, { availabilityZone: A });
      s.runFor(5);
      statuses.add(r.status);
      expect(IN_A).toContain(targetOf(r));
    }
    expect(statuses).toEqual(new Set([200]));
  });

  test('§1.5 NLB (cross-zone off by default): a zone whose targets all fail leaves DNS while its node is up', () => {
    const s = sim({ lbType: 'network' });
    s.runUntil(1);
    for (const id of IN_B)
      s.setBackend(id, { healthCheck: () => ({ kind: 'refuse' }), request: () => ({ kind: 'refuse' }) });
    s.runFor(20_000);
    expect(s.dnsZones(IDS.lb)).toEqual([A]);
    expect(s.engine.failedZones()).toEqual([]);
  });
});
