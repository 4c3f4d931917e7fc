/**
 * Idle timeouts (§5.2) for every HTTP/1.1 connection from one periodic sweep, instead of a socket
 * timeout per connection: Node refreshes a socket's timeout on every read and write, which costs more
 * per request than a counter the sweep compares. A connection counts its own activity; the sweep finds
 * the ones that have been quiet for their timeout.
 *
 * Bounds: a timeout fires no earlier than its bound after the last activity and at most two sweep
 * periods later. The period is an eighth of the smallest timeout watched, at most 250 ms, so a timeout
 * fires within a second of its bound (issue 10) and within a quarter of it for short test timeouts.
 */

/** Something the sweep looks at. */
export interface Swept {
  /** Called every period with the sweep's clock (ms). */
  sweep(now: number): void;
}

const MAX_PERIOD_MS = 250;
const MIN_PERIOD_MS = 10;

class IdleSweep {
  readonly #members = new Set<Swept>();
  #periodMs = MAX_PERIOD_MS;
  #timer?: NodeJS.Timeout;

  /** Watch `member`, whose timeout is `timeoutMs` (the period shrinks for short timeouts). */
  add(member: Swept, timeoutMs: number): void {
    this.#members.add(member);
    const period = Math.max(MIN_PERIOD_MS, Math.min(MAX_PERIOD_MS, Math.floor(timeoutMs / 8)));
    if (period < this.#periodMs) {
      this.#periodMs = period;
      if (this.#timer) clearInterval(this.#timer);
      this.#timer = undefined;
    }
    if (!this.#timer) {
      this.#timer = setInterval(() => this.#sweep(), this.#periodMs);
      this.#timer.unref();
    }
  }

  delete(member: Swept): void {
    this.#members.delete(member);
    if (this.#members.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      this.#periodMs = MAX_PERIOD_MS;
    }
  }

  #sweep(): void {
    const now = Date.now();
    for (const m of this.#members) m.sweep(now);
  }
}

/** The process's one sweep. */
export const idleSweep = new IdleSweep();

/**
 * The idle clock of one connection: `touch()` on every read and write (a counter), `expired(now)` from
 * the sweep says once per quiet spell that the connection has been quiet for `timeoutMs`.
 */
export class IdleClock {
  #activity = 0;
  #seen = 0;
  #since: number;
  #fired = false;

  constructor(now: number) {
    this.#since = now;
  }

  touch(): void {
    this.#activity++;
  }

  /** Activity now, with its exact time (a write that starts a wait, e.g. a request to a target). */
  touchAt(now: number): void {
    this.#activity++;
    this.#seen = this.#activity;
    this.#since = now;
    this.#fired = false;
  }

  /** True once when the connection has been quiet for `timeoutMs` (0: never). */
  expired(now: number, timeoutMs: number): boolean {
    if (this.#activity !== this.#seen) {
      // activity since the last sweep: the quiet spell starts now at the latest
      this.#seen = this.#activity;
      this.#since = now;
      this.#fired = false;
      return false;
    }
    if (this.#fired || timeoutMs <= 0 || now - this.#since < timeoutMs) return false;
    this.#fired = true;
    return true;
  }
}
