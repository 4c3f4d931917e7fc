/**
 * `Engine.updateModel`: a new synthesis of the same app, applied without losing state. What stays keeps
 * its health; template targets that went are deregistered (§2.3), those that came are registered (§1.4).
 */
import { createEngine, seededRandom } from '../../src/core';
import { modelFromTemplate } from '../../src/model';
import { albTemplate, STACK, THREE_TARGETS } from '../model/fixtures';

const clock = {
  t: 1_000_000,
  now(): number {
    return this.t;
  },
};
const model = (targets: readonly { Id: string; Port?: number }[], algorithm = 'round_robin') =>
  modelFromTemplate(
    albTemplate({ targetGroups: { App: { targets, attributes: { 'load_balancing.algorithm.type': algorithm } } } }),
    STACK,
  );
const APP = `${STACK}/Web/App`;

function healthy(engine: ReturnType<typeof createEngine>): void {
  for (let i = 0; i < 5; i++) {
    for (const p of engine.probeDue()) engine.probeResult(p.probeId, { kind: 'response', status: 200 });
    clock.t += 10_000;
  }
}

const states = (engine: ReturnType<typeof createEngine>) =>
  Object.fromEntries(engine.describeTargetHealth(APP).map((d) => [d.Target.Id, d.TargetHealth.State]));

describe('Engine.updateModel', () => {
  test('§2.3/§1.4 targets that left the template drain, new ones start initial, the others keep their health', () => {
    const engine = createEngine(model(THREE_TARGETS), { clock, random: seededRandom(1), cookieKey: 'k' });
    healthy(engine);
    expect(states(engine)).toEqual({ '10.0.1.10': 'healthy', '10.0.2.10': 'healthy', '10.0.3.10': 'healthy' });

    engine.updateModel(model([...THREE_TARGETS.slice(1), { Id: '10.0.4.10', Port: 8080 }]));
    expect(states(engine)).toEqual({
      '10.0.1.10': 'draining',
      '10.0.2.10': 'healthy',
      '10.0.3.10': 'healthy',
      '10.0.4.10': 'initial',
    });
  });

  test('a changed algorithm takes effect for the next pick', () => {
    const engine = createEngine(model(THREE_TARGETS), { clock, random: seededRandom(1), cookieKey: 'k' });
    healthy(engine);
    const request = {
      method: 'GET',
      path: '/',
      query: '',
      headers: {},
      sourceIp: '198.51.100.1',
      protocol: 'http' as const,
      port: 80,
    };
    /** Three requests left in flight, the second one finished, then the pick of a fourth. */
    const fourthAfterSecondFinished = (): { picked: string[]; fourth: string } => {
      const ds = [0, 1, 2].map(() => engine.route(`${STACK}/Web/LB`, '80', request));
      const picked = ds.map((d) => (d.kind === 'forward' ? d.target.targetId : `not forwarded: ${d.kind}`));
      const second = ds[1]!;
      if (second.kind === 'forward') engine.requestFinished(second.requestId, { status: 200 });
      const d = engine.route(`${STACK}/Web/LB`, '80', request);
      for (const x of [...ds, d]) if (x.kind === 'forward') engine.requestFinished(x.requestId, { status: 200 });
      return { picked, fourth: d.kind === 'forward' ? d.target.targetId : `not forwarded: ${d.kind}` };
    };
    // round robin: the fourth request takes the next turn, the first target again
    const rr = fourthAfterSecondFinished();
    expect(new Set(rr.picked).size).toBe(3);
    expect(rr.fourth).toBe(rr.picked[0]);

    engine.updateModel(model(THREE_TARGETS, 'least_outstanding_requests'));
    // least outstanding requests: the only target with nothing in flight
    const lor = fourthAfterSecondFinished();
    expect(new Set(lor.picked).size).toBe(3);
    expect(lor.fourth).toBe(lor.picked[1]);
  });
});
