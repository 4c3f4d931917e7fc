/** Where access-log lines go: a file (appended), stdout (`-`), or nowhere. */
import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import { SimulatorError } from '../errors';

export class AccessLogWriter {
  readonly #stream?: WriteStream;
  readonly #stdout: boolean;

  constructor(target: string | undefined) {
    this.#stdout = target === '-';
    if (target && target !== '-') {
      // Opened now, so that a path that cannot be written fails the start with a clear message.
      let fd: number;
      try {
        fd = openSync(target, 'a');
      } catch (err) {
        throw new SimulatorError(
          'SIM_BAD_OPTION',
          `access log ${target} cannot be written (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
          { cause: err },
        );
      }
      this.#stream = createWriteStream(target, { fd });
    }
  }

  /** True when lines go somewhere (a file or stdout). */
  get active(): boolean {
    return this.#stdout || this.#stream !== undefined;
  }

  write(line: string): void {
    if (this.#stdout) process.stdout.write(line + '\n');
    else this.#stream?.write(line + '\n');
  }

  close(): Promise<void> {
    const s = this.#stream;
    if (!s) return Promise.resolve();
    return new Promise((resolve) => s.end(() => resolve()));
  }
}
