/**
 * The event queue of virtual time: a binary min-heap ordered by time, then by insertion sequence, so
 * that events due at the same moment run in the order they were scheduled (same seed, same run).
 * Push and pop take O(log n); entries live in parallel arrays, so scheduling allocates no wrapper.
 */
export class EventQueue<T> {
  readonly #at: number[] = [];
  readonly #seq: number[] = [];
  readonly #items: T[] = [];
  #nextSeq = 0;

  get size(): number {
    return this.#items.length;
  }

  /** Time of the earliest event, or Infinity when empty. */
  peekAt(): number {
    return this.#items.length > 0 ? this.#at[0] : Infinity;
  }

  push(at: number, item: T): void {
    const at_ = this.#at;
    const seq = this.#seq;
    const items = this.#items;
    const s = this.#nextSeq++;
    let i = items.length;
    at_.push(at);
    seq.push(s);
    items.push(item);
    // sift up
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (at_[parent] < at || (at_[parent] === at && seq[parent] < s)) break;
      at_[i] = at_[parent];
      seq[i] = seq[parent];
      items[i] = items[parent];
      i = parent;
    }
    at_[i] = at;
    seq[i] = s;
    items[i] = item;
  }

  /** Remove and return the earliest event (undefined when empty). */
  pop(): T | undefined {
    const items = this.#items;
    const n = items.length;
    if (n === 0) return undefined;
    const top = items[0];
    const at_ = this.#at;
    const seq = this.#seq;
    const lastAt = at_.pop()!;
    const lastSeq = seq.pop()!;
    const last = items.pop()!;
    const size = n - 1;
    if (size === 0) return top;
    // sift the last entry down from the root
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      const right = child + 1;
      if (right < size && (at_[right] < at_[child] || (at_[right] === at_[child] && seq[right] < seq[child])))
        child = right;
      if (lastAt < at_[child] || (lastAt === at_[child] && lastSeq < seq[child])) break;
      at_[i] = at_[child];
      seq[i] = seq[child];
      items[i] = items[child];
      i = child;
    }
    at_[i] = lastAt;
    seq[i] = lastSeq;
    items[i] = last;
    return top;
  }
}
