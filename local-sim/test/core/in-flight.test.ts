/**
 * The table of requests in flight (core/in-flight.ts): a ring by id with an overflow Map for entries
 * whose slot an older, still open entry holds. Same answers as a Map, whatever the order of ending.
 */
import { InFlightTable } from '../../src/core/in-flight';
import { seededRandom } from '../../src/core/random';

describe('InFlightTable', () => {
  it('finds, removes and forgets entries by id', () => {
    const t = new InFlightTable<{ n: number }>(4);
    const a = { n: 1 };
    t.set(1, a);
    expect(t.get(1)).toBe(a);
    expect(t.size).toBe(1);
    expect(t.delete(1)).toBe(true);
    expect(t.delete(1)).toBe(false);
    expect(t.get(1)).toBeUndefined();
    expect(t.size).toBe(0);
  });

  it('keeps an id whose slot an older open entry holds, and never confuses the two', () => {
    const t = new InFlightTable<{ n: number }>(4);
    const old = { n: 1 };
    t.set(1, old); // slot 1, left open
    for (let id = 2; id <= 9; id++) {
      t.set(id, { n: id });
      if (id !== 5 && id !== 9) t.delete(id);
    }
    // 5 and 9 share slot 1 with the open id 1
    expect(t.get(1)).toBe(old);
    expect(t.get(5)).toEqual({ n: 5 });
    expect(t.get(9)).toEqual({ n: 9 });
    expect(t.get(13)).toBeUndefined();
    expect(t.entries().map(([id]) => id)).toEqual([1, 5, 9]);
    expect(t.delete(5)).toBe(true);
    expect(t.get(5)).toBeUndefined();
    expect(t.get(1)).toBe(old);
    expect(t.size).toBe(2);
  });

  it('grows when many entries stay open, and lists them oldest first', () => {
    const t = new InFlightTable<{ n: number }>(4);
    for (let id = 1; id <= 100; id++) t.set(id, { n: id });
    expect(t.size).toBe(100);
    for (let id = 1; id <= 100; id++) expect(t.get(id)).toEqual({ n: id });
    expect(t.entries().map(([id]) => id)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it('answers as a Map does under random starts and ends', () => {
    const random = seededRandom(42);
    const t = new InFlightTable<{ n: number }>(8);
    const m = new Map<number, { n: number }>();
    let next = 1;
    for (let step = 0; step < 20_000; step++) {
      if (m.size === 0 || random.next() < 0.5) {
        const v = { n: next };
        t.set(next, v);
        m.set(next, v);
        next++;
      } else {
        // end a random open id, sometimes a long-lived one
        const open = [...m.keys()];
        const id = open[Math.floor(random.next() * open.length)];
        expect(t.delete(id)).toBe(true);
        m.delete(id);
      }
      const probe = 1 + Math.floor(random.next() * next);
      expect(t.get(probe)).toBe(m.get(probe));
      expect(t.size).toBe(m.size);
    }
    expect(t.entries()).toEqual([...m.entries()].sort((a, b) => a[0] - b[0]));
  });
});
