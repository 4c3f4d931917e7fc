import fc from 'fast-check';
import { modelFromTemplate } from '../../src/model';
import { EventQueue, VirtualSimulator } from '../../src/virtual';
import { albTemplate, STACK } from '../model/fixtures';

describe('virtual: the event queue (binary heap, time then sequence)', () => {
  test('pops in time order; events due at the same time in the order they were scheduled', () => {
    const q = new EventQueue<string>();
    q.push(30, 'c');
    q.push(10, 'a1');
    q.push(20, 'b');
    q.push(10, 'a2');
    q.push(10, 'a3');
    expect(q.size).toBe(5);
    expect(q.peekAt()).toBe(10);
    expect(Array.from({ length: 5 }, () => q.pop())).toEqual(['a1', 'a2', 'a3', 'b', 'c']);
    expect(q.pop()).toBeUndefined();
    expect(q.peekAt()).toBe(Infinity);
  });

  test('property: any interleaving of pushes and pops matches a stable sort by time', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 50 }), fc.constant(-1)), { maxLength: 300 }), (ops) => {
        const q = new EventQueue<number>();
        const model: { at: number; seq: number }[] = [];
        let seq = 0;
        for (const op of ops) {
          if (op >= 0) {
            q.push(op, seq);
            model.push({ at: op, seq: seq++ });
          } else {
            model.sort((a, b) => a.at - b.at || a.seq - b.seq);
            expect(q.pop()).toBe(model.shift()?.seq);
          }
        }
        model.sort((a, b) => a.at - b.at || a.seq - b.seq);
        expect(Array.from({ length: q.size }, () => q.pop())).toEqual(model.map((m) => m.seq));
      }),
    );
  });
});

describe('virtual: workload callbacks (scheduleWorkload)', () => {
  test('run in time order with other events, without re-evaluating the engine after them', () => {
    const sim = new VirtualSimulator(modelFromTemplate(albTemplate(), STACK), { seed: 3 });
    sim.runUntil(1000); // first probes answered; the next are 30 s away
    const order: string[] = [];
    const ticks: number[] = [];
    sim.onTick((now) => ticks.push(now));
    sim.scheduleWorkload(2000, () => order.push('workload@2000'));
    sim.schedule(2000, () => order.push('control@2000'));
    sim.scheduleWorkload(3000, () => order.push('workload@3000'));
    sim.schedule(4000, () => order.push('control@4000'));
    sim.runUntil(5000);
    expect(order).toEqual(['workload@2000', 'control@2000', 'workload@3000', 'control@4000']);
    // a tick after each step with a control callback and at the end of the run; none at 3000
    expect(ticks).toEqual([2000, 4000, 5000]);
  });

  test('the same callback may wait in the queue several times', () => {
    const sim = new VirtualSimulator(modelFromTemplate(albTemplate(), STACK), { seed: 3 });
    const at: number[] = [];
    const arrive = () => at.push(sim.clock.now());
    sim.scheduleWorkload(30, arrive);
    sim.scheduleWorkload(10, arrive);
    sim.scheduleWorkload(20, arrive);
    sim.runUntil(100);
    expect(at).toEqual([10, 20, 30]);
  });
});
