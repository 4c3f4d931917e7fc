/** A clock that only moves when told to: the time source of virtual-time scenarios. */
import type { Clock } from '../core/types';

export class VirtualClock implements Clock {
  #now: number;

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** Move to `t` (never backwards). */
  set(t: number): void {
    if (t < this.#now) throw new Error(`VirtualClock cannot go back from ${this.#now} to ${t}`);
    this.#now = t;
  }

  advance(ms: number): void {
    this.set(this.#now + ms);
  }
}
