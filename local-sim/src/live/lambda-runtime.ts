/**
 * Runs a Node.js Lambda function of the assembly locally (simulator choice `lambda_local_concurrency`):
 * each invocation in progress has a child process of its own (an "execution environment") that loads
 * the function's `Handler` (`file.export`) from its asset folder (or its inline code, written to
 * `index.js`), with the function's literal environment variables and the variables Lambda sets. An idle
 * process is reused for the next invocation (a warm start); a process whose invocation runs past the
 * function's `Timeout` is killed, as Lambda ends the environment. What the function prints arrives as
 * output lines. Async handlers, promise-returning handlers and callback handlers are supported.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { SIMULATOR_CHOICE_PARAMS } from '@ha-load-balancer/spec';
import type { LambdaFunctionModel } from '../model/types';
import { SIM_REGION } from '../model/ids';

/** The runner each child process executes: load the handler once, then serve invocations over IPC. */
const RUNNER = String.raw`
const path = require('node:path');
const fs = require('node:fs');
const { pathToFileURL } = require('node:url');
const [dir, handlerSpec] = [process.env.LAMBDA_TASK_ROOT, process.env._HANDLER];
let handler;
async function load() {
  const dot = handlerSpec.lastIndexOf('.');
  const file = handlerSpec.slice(0, dot);
  const name = handlerSpec.slice(dot + 1);
  const candidates = ['.js', '.mjs', '.cjs'].map((x) => path.join(dir, file + x));
  const found = candidates.find((f) => fs.existsSync(f));
  if (!found) throw new Error('Runtime.ImportModuleError: cannot find ' + file + '.js, .mjs or .cjs in ' + dir);
  const mod = await import(pathToFileURL(found).href);
  const fn = mod[name] ?? (mod.default && mod.default[name]);
  if (typeof fn !== 'function') throw new Error('Runtime.HandlerNotFound: ' + handlerSpec + ' is undefined or not exported');
  return fn;
}
const loading = load().then((fn) => (handler = fn));
loading.catch(() => undefined);
const errorOf = (e) => ({ errorType: (e && e.name) || 'Error', errorMessage: String((e && e.message) || e) });
process.on('message', async (msg) => {
  if (!msg || msg.type !== 'invoke') return;
  const reply = (r) => process.send(Object.assign({ id: msg.id }, r));
  try {
    await loading;
    const context = Object.assign({}, msg.context, {
      getRemainingTimeInMillis: () => Math.max(0, msg.context.deadline - Date.now()),
      callbackWaitsForEmptyEventLoop: true,
    });
    let result;
    if (handler.length >= 3) {
      result = await new Promise((resolve, reject) => {
        const r = handler(msg.event, context, (err, value) => (err ? reject(err) : resolve(value)));
        if (r && typeof r.then === 'function') r.then(resolve, reject);
      });
    } else result = await handler(msg.event, context);
    reply({ ok: true, result: JSON.stringify(result === undefined ? null : result) });
  } catch (e) {
    reply({ ok: false, error: errorOf(e) });
  }
});
`;

/** How one invocation ended. */
export type InvocationResult =
  | { readonly kind: 'result'; readonly json: string }
  | { readonly kind: 'error'; readonly errorType: string; readonly errorMessage: string }
  | { readonly kind: 'timeout'; readonly afterMs: number };

export interface LambdaOutputLine {
  readonly functionName: string;
  readonly stream: 'stdout' | 'stderr';
  readonly line: string;
}

class Environment {
  readonly child: ChildProcess;
  busy = false;
  #pending?: (r: InvocationResult) => void;

  constructor(
    command: { cwd: string; env: NodeJS.ProcessEnv },
    onOutput: (stream: 'stdout' | 'stderr', line: string) => void,
    onExit: (env: Environment) => void,
  ) {
    this.child = spawn(process.execPath, ['-e', RUNNER], {
      cwd: command.cwd,
      env: command.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      createInterface({ input: this.child[stream]! }).on('line', (line) => onOutput(stream, line));
    }
    this.child.on(
      'message',
      (m: { ok: boolean; result?: string; error?: { errorType: string; errorMessage: string } }) => {
        const done = this.#pending;
        this.#pending = undefined;
        this.busy = false;
        done?.(m.ok ? { kind: 'result', json: m.result ?? 'null' } : { kind: 'error', ...m.error! });
      },
    );
    this.child.on('exit', (code, signal) => {
      const done = this.#pending;
      this.#pending = undefined;
      done?.({
        kind: 'error',
        errorType: 'Runtime.ExitError',
        errorMessage: `the function's process exited (${signal ?? `code ${code}`}) during the invocation`,
      });
      onExit(this);
    });
    this.child.on('error', () => undefined);
  }

  invoke(message: unknown): Promise<InvocationResult> {
    this.busy = true;
    return new Promise((resolve) => {
      this.#pending = resolve;
      this.child.send(message as never, (err) => {
        if (err && this.#pending === resolve) {
          this.#pending = undefined;
          resolve({ kind: 'error', errorType: 'Runtime.ExitError', errorMessage: err.message });
        }
      });
    });
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

/** The local runner of one function: a pool of warm processes, at most `lambdaLocalConcurrency` at once. */
export class LambdaRuntime {
  readonly #idle: Environment[] = [];
  readonly #all = new Set<Environment>();
  readonly #waiting: (() => void)[] = [];
  readonly #root: string;
  readonly #inlineDir?: string;
  #nextId = 1;
  #closed = false;

  constructor(
    readonly fn: LambdaFunctionModel,
    private readonly onOutput: (line: LambdaOutputLine) => void = () => undefined,
  ) {
    if (fn.code.kind === 'inline') {
      // Lambda writes inline Node.js code to index.js
      this.#inlineDir = mkdtempSync(path.join(tmpdir(), 'ha-sim-lambda-'));
      writeFileSync(path.join(this.#inlineDir, 'index.js'), fn.code.source);
      this.#root = this.#inlineDir;
    } else if (fn.code.kind === 'asset') this.#root = fn.code.directory;
    else throw new Error(`function ${fn.functionName} has no local code`);
  }

  #env(): NodeJS.ProcessEnv {
    const fn = this.fn;
    return {
      PATH: process.env.PATH,
      ...fn.environment,
      AWS_REGION: SIM_REGION,
      AWS_DEFAULT_REGION: SIM_REGION,
      AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
      AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime ?? 'nodejs'}`,
      LAMBDA_TASK_ROOT: this.#root,
      _HANDLER: fn.handler ?? 'index.handler',
      TZ: ':UTC',
    };
  }

  async #environment(): Promise<Environment> {
    for (;;) {
      const idle = this.#idle.pop();
      if (idle) return idle;
      if (this.#all.size < SIMULATOR_CHOICE_PARAMS.lambdaLocalConcurrency) {
        const env = new Environment(
          { cwd: this.#root, env: this.#env() },
          (stream, line) => this.onOutput({ functionName: this.fn.functionName, stream, line }),
          (e) => {
            this.#all.delete(e);
            const i = this.#idle.indexOf(e);
            if (i >= 0) this.#idle.splice(i, 1);
            this.#waiting.shift()?.();
          },
        );
        this.#all.add(env);
        return env;
      }
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
  }

  /** Invoke the function with `event`; resolves with its result, its error, or a timeout. */
  async invoke(event: unknown, requestId?: string): Promise<InvocationResult> {
    if (this.#closed) return { kind: 'error', errorType: 'Runtime.Closed', errorMessage: 'the simulator stopped' };
    const env = await this.#environment();
    const timeoutMs = this.fn.timeoutSeconds * 1000;
    const id = this.#nextId++;
    const context = {
      functionName: this.fn.functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: this.fn.arn,
      memoryLimitInMB: String(this.fn.memoryMb),
      awsRequestId: requestId ?? `sim-${id}`,
      deadline: Date.now() + timeoutMs,
    };
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<InvocationResult>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'timeout', afterMs: timeoutMs }), timeoutMs);
    });
    const result = await Promise.race([env.invoke({ type: 'invoke', id, event, context }), timedOut]);
    clearTimeout(timer);
    if (result.kind === 'timeout') env.kill();
    else if (this.#all.has(env) && !this.#closed) {
      this.#idle.push(env);
      this.#waiting.shift()?.();
    }
    return result;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const exits = [...this.#all].map(
      (e) =>
        new Promise<void>((resolve) => {
          if (e.child.exitCode !== null || e.child.signalCode !== null) resolve();
          else e.child.once('exit', () => resolve());
          e.kill();
        }),
    );
    await Promise.all(exits);
    for (const w of this.#waiting.splice(0)) w();
    if (this.#inlineDir) rmSync(this.#inlineDir, { recursive: true, force: true });
  }
}
