import { modelFromTemplate } from '../../src/model';
import { CapacityBackend, compareAlgorithms } from '../../src/virtual';
import { albTemplate, IDS, STACK } from '../model/fixtures';

describe('virtual: what-if comparison of algorithms', () => {
  const model = modelFromTemplate(albTemplate(), STACK);
  const setup = (sim: import('../../src/virtual').VirtualSimulator) => {
    // two fast targets and one with a quarter of the capacity
    sim.setBackend('10.0.1.10', new CapacityBackend(10, 8));
    sim.setBackend('10.0.2.10', new CapacityBackend(10, 8));
    sim.setBackend('10.0.3.10', new CapacityBackend(10, 2));
  };

  test('§2.1 same request stream per algorithm; AWS algorithms labelled; LOR beats round_robin on an uneven pool', () => {
    const rows = compareAlgorithms(model, {
      loadBalancerId: IDS.lb,
      listenerId: IDS.listener,
      algorithms: ['round_robin', 'least_outstanding_requests', 'ip_hash'],
      requests: 3000,
      intervalMs: 1,
      seed: 4,
      setup,
    });
    expect(rows.map((r) => [r.algorithm, r.aws])).toEqual([
      ['round_robin', true],
      ['least_outstanding_requests', true],
      ['ip_hash', false],
    ]);
    for (const r of rows) expect(r.statuses['200']).toBe(3000);
    const [rr, lor] = rows;
    // round robin gives the slow target a full third; LOR gives it less and lowers tail latency
    expect(rr.perTarget['10.0.3.10']).toBe(1000);
    expect(lor.perTarget['10.0.3.10']).toBeLessThan(1000);
    expect(lor.latencyMs.p99).toBeLessThan(rr.latencyMs.p99);
  });

  test('deterministic: the same seed gives the same result', () => {
    const run = () =>
      compareAlgorithms(model, {
        loadBalancerId: IDS.lb,
        listenerId: IDS.listener,
        algorithms: ['weighted_random'],
        requests: 500,
        intervalMs: 2,
        seed: 9,
        setup,
      });
    expect(run()).toEqual(run());
  });
});
