import fc from 'fast-check';
import { EventQueue } from '../../src/virtual';

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
