/**
 * How the CLI prints: colour only on a terminal and never with `NO_COLOR` (any value, even empty, turns
 * colour off), times of day for event lines, and a progress line that rewrites itself on a terminal and
 * prints a start line and a finish line elsewhere.
 */
import { styleText } from 'node:util';

type Style = Parameters<typeof styleText>[0];

/** Where the CLI prints (tests pass their own). */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Colour and in-place progress lines are used only when this is true. */
  readonly tty: boolean;
  readonly env: NodeJS.ProcessEnv;
  /** Writes without a newline (in-place progress on a terminal). */
  readonly write: (chunk: string) => void;
}

export function consoleIo(): CliIo {
  return {
    out: (t) => console.log(t),
    err: (t) => console.error(t),
    tty: process.stdout.isTTY === true,
    env: process.env,
    write: (c) => process.stdout.write(c),
  };
}

/** True when output may carry ANSI colour. */
export function colourEnabled(io: Pick<CliIo, 'tty' | 'env'>): boolean {
  return io.tty && io.env.NO_COLOR === undefined && io.env.TERM !== 'dumb';
}

/** A painter bound to one output: the identity when colour is off. */
export function painter(io: Pick<CliIo, 'tty' | 'env'>): (style: Style, text: string) => string {
  if (!colourEnabled(io)) return (_style, text) => text;
  // our own check above decides; Node's stream check would look at process.stdout instead of this output
  return (style, text) => styleText(style, text, { validateStream: false });
}

/** Colour of a target health state. The state's name is always printed too: colour is never the only signal. */
export function healthStyle(state: string): Style {
  if (state === 'healthy') return 'green';
  if (state === 'unhealthy' || state === 'unhealthy.draining') return 'red';
  if (state === 'draining' || state === 'initial') return 'yellow';
  return 'gray';
}

/** `HH:MM:SS` of the wall clock, for event lines. */
export function timeOfDay(date = new Date()): string {
  return date.toISOString().slice(11, 19);
}

/**
 * A long step with visible progress. On a terminal one line is rewritten every second with the elapsed
 * seconds; elsewhere a start line is printed. `done` prints the finish line with the elapsed time.
 */
export class Progress {
  readonly #io: CliIo;
  readonly #startedAt = Date.now();
  readonly #timer?: NodeJS.Timeout;

  constructor(io: CliIo, what: string) {
    this.#io = io;
    if (io.tty) {
      const draw = (): void => io.write(`\r${what} ... ${this.#seconds()} s`);
      draw();
      this.#timer = setInterval(draw, 1000);
      this.#timer.unref();
    } else {
      io.out(`${what} ...`);
    }
  }

  #seconds(): string {
    return ((Date.now() - this.#startedAt) / 1000).toFixed(0);
  }

  #stop(): void {
    if (!this.#timer) return;
    clearInterval(this.#timer);
    this.#io.write('\r\x1b[K');
  }

  /** Stop the progress line and print `message` with the elapsed time; returns the elapsed ms. */
  done(message: string): number {
    this.#stop();
    const ms = Date.now() - this.#startedAt;
    this.#io.out(`${message} (${(ms / 1000).toFixed(1)} s)`);
    return ms;
  }

  /** Stop the progress line without a finish line (the caller reports the failure). */
  fail(): void {
    this.#stop();
  }
}

/**
 * A progress bar for long virtual-time runs, drawn by the caller's updates (the run is synchronous, so
 * no timer could draw it). Only on a terminal: one line rewritten at most ten times a second, then a
 * finish line with the wall time. Elsewhere it prints nothing, so that piped output depends on the
 * seed alone.
 */
export class ProgressBar {
  readonly #io: CliIo;
  readonly #label: string;
  readonly #startedAt = Date.now();
  #drawnAt = 0;

  constructor(io: CliIo, label: string) {
    this.#io = io;
    this.#label = label;
  }

  /** `done` of the work (0–1) and the requests sent so far. */
  update(done: number, requests: number): void {
    if (!this.#io.tty) return;
    const now = Date.now();
    if (now - this.#drawnAt < 100 && done < 1) return;
    this.#drawnAt = now;
    const width = 30;
    const filled = Math.round(done * width);
    this.#io.write(
      `\r${this.#label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(done * 100)
        .toString()
        .padStart(3)} % ${requests.toLocaleString('en-US')} requests`,
    );
  }

  /** Clear the bar and print `message` with the elapsed wall time (terminal only); returns the elapsed ms. */
  done(message: string): number {
    const ms = Date.now() - this.#startedAt;
    if (!this.#io.tty) return ms;
    this.#io.write('\r\x1b[K');
    this.#io.out(`${message} (${(ms / 1000).toFixed(1)} s)`);
    return ms;
  }

  /** Clear the bar without a finish line (the caller reports the failure). */
  fail(): void {
    if (this.#io.tty) this.#io.write('\r\x1b[K');
  }
}
