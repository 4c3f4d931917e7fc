/**
 * Targets the simulator starts itself: a command per target group, run once per instance, each told
 * its port through an environment variable. One `ha-sim start` then brings up load balancer and
 * application together. Output is handed over line by line, tagged with the target's name, so the CLI
 * can prefix it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** How to start the targets of one target group (config file key `processes`). */
export interface TargetProcessSpec {
  /** Shell command that starts one target; it must listen on 127.0.0.1 at the port it is given. */
  readonly command: string;
  /** How many targets to start. Default 1. */
  readonly instances?: number;
  /** Environment variable that carries the port. Default `PORT`. */
  readonly portEnv?: string;
  /** Working directory. Default: the simulator's. */
  readonly cwd?: string;
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
}

export const DEFAULT_PORT_ENV = 'PORT';

/** One output line of a target process. */
export interface TargetOutput {
  readonly name: string;
  readonly stream: 'stdout' | 'stderr';
  readonly line: string;
}

export interface TargetProcessEvents {
  readonly onOutput: (output: TargetOutput) => void;
  /** The process ended without being asked to (a crash is a failure worth seeing, not hidden). */
  readonly onExit: (name: string, code: number | null, signal: NodeJS.Signals | null) => void;
}

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released for the target to take). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** How long a target may take to exit after SIGTERM before it is killed. */
const STOP_GRACE_MS = 3000;

export class TargetProcess {
  readonly host = '127.0.0.1';
  #child?: ChildProcess;
  #exited?: Promise<void>;
  #stopping = false;

  private constructor(
    readonly name: string,
    readonly port: number,
    readonly spec: TargetProcessSpec,
    private readonly extraEnv: Readonly<Record<string, string>>,
    private readonly events: TargetProcessEvents,
  ) {}

  /** Start instance `name` on a free port. */
  static async start(
    name: string,
    spec: TargetProcessSpec,
    extraEnv: Readonly<Record<string, string>>,
    events: TargetProcessEvents,
  ): Promise<TargetProcess> {
    const p = new TargetProcess(name, await freePort(), spec, extraEnv, events);
    p.#spawn();
    return p;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  #spawn(): void {
    this.#stopping = false;
    const child = spawn(this.spec.command, {
      cwd: this.spec.cwd,
      env: {
        ...process.env,
        ...this.spec.env,
        ...this.extraEnv,
        [this.spec.portEnv ?? DEFAULT_PORT_ENV]: String(this.port),
      },
      shell: true,
      // its own process group, so that stopping it also stops what the shell started
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    for (const stream of ['stdout', 'stderr'] as const) {
      let partial = '';
      child[stream]!.setEncoding('utf8');
      child[stream]!.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) this.events.onOutput({ name: this.name, stream, line: line.replace(/\r$/, '') });
      });
      child[stream]!.on('end', () => {
        if (partial) this.events.onOutput({ name: this.name, stream, line: partial });
        partial = '';
      });
    }
    this.#exited = new Promise((resolve) => {
      child.once('error', (err) => {
        this.events.onOutput({ name: this.name, stream: 'stderr', line: `cannot start: ${err.message}` });
        resolve();
      });
      child.once('exit', (code, signal) => {
        if (!this.#stopping) this.events.onExit(this.name, code, signal);
        resolve();
      });
    });
  }

  #signal(signal: NodeJS.Signals): void {
    const pid = this.#child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  }

  /** Stop the target (SIGTERM, then SIGKILL after a grace period). Idempotent. */
  async stop(): Promise<void> {
    if (!this.running) {
      await this.#exited;
      return;
    }
    this.#stopping = true;
    this.#signal('SIGTERM');
    const timer = setTimeout(() => this.#signal('SIGKILL'), STOP_GRACE_MS);
    await this.#exited;
    clearTimeout(timer);
  }

  /** Start it again on the same port (after `stop`, or after it crashed). */
  async restart(): Promise<void> {
    await this.stop();
    this.#spawn();
  }
}
