/** Where access-log lines go: a file (appended), stdout (`-`), or nowhere. */
import { createWriteStream, type WriteStream } from 'node:fs';

export class AccessLogWriter {
  readonly #stream?: WriteStream;
  readonly #stdout: boolean;

  constructor(target: string | undefined) {
    this.#stdout = target === '-';
    if (target && target !== '-') this.#stream = createWriteStream(target, { flags: 'a' });
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
