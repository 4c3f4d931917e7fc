/**
 * What the benchmarks share: tool checks, CPU pinning, child processes, CPU time and memory from
 * /proc, wrk runs and their parsing, the Node backends, and starting the simulator on the bench app.
 * Everything listens on and connects to 127.0.0.1 only.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { BENCH_TARGET_GROUPS, synthBenchApp, type BenchAppOptions } from './app';

export const ROOT = resolve(__dirname, '..');
const HA_SIM = join(ROOT, 'local-sim', 'bin', 'ha-sim.js');
const BACKEND = join(__dirname, 'backend.js');

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A scratch folder for configs, assemblies and logs of one run. */
export function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'ha-bench-'));
}

function has(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Installs missing Debian packages when running as root; otherwise says what to install. */
export function ensureTools(tools: Record<string, string>): void {
  const missing = Object.keys(tools).filter((t) => !has(t));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((t) => tools[t]!))];
  if (process.getuid?.() !== 0) {
    throw new Error(`missing ${missing.join(', ')}: install the Debian packages ${packages.join(' ')}`);
  }
  console.log(`installing ${packages.join(', ')} with apt-get ...`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', ...packages], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/** The simulator must be compiled (`npm run build`): the benchmark runs what users run. */
export function ensureBuilt(): void {
  if (!existsSync(join(ROOT, 'local-sim', 'dist', 'cli.js'))) {
    throw new Error('local-sim is not built: run "npm run build" first (npm run bench does)');
  }
}

/**
 * Which CPUs the load generator and the system under test run on. With two or more CPUs and
 * `taskset`: wrk alone on CPU 0, proxies and backends on CPU 1, so that CPU time per request is not
 * blurred by the load generator. `undefined` lists mean "not pinned".
 */
export interface Pinning {
  readonly load?: string;
  readonly proxy?: string;
  /** Both CPUs (for rows with several proxy processes). */
  readonly all?: string;
  readonly description: string;
}

export function pinning(enabled: boolean): Pinning {
  const n = cpus().length;
  if (!enabled || n < 2 || !has('taskset')) {
    return { description: enabled ? `not pinned (${n} CPU${n === 1 ? '' : 's'} or no taskset)` : 'not pinned' };
  }
  return {
    load: '0',
    proxy: '1',
    all: `0-${n - 1}`,
    description: 'wrk on CPU 0; the proxy and the three backends on CPU 1',
  };
}

/** Starts a command, optionally pinned to `cpus`, with its output in `log`. */
export function startProcess(cmd: string, args: readonly string[], log: string, cpuList?: string): ChildProcess {
  const out = openSync(log, 'a');
  const [file, argv] = cpuList ? ['taskset', ['-c', cpuList, cmd, ...args]] : [cmd, [...args]];
  const child = spawn(file, argv, { stdio: ['ignore', out, out] });
  child.on('error', (e) => console.error(`${cmd}: ${e.message}`));
  return child;
}

export async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolvePort(port));
    });
  });
}

export async function waitForPort(port: number, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        r(true);
      });
      s.once('error', () => r(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`${what}: nothing accepts connections on 127.0.0.1:${port}`);
}

// ---- /proc ------------------------------------------------------------------------------------------

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function statFields(pid: number): string[] | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** `pid` and every process below it (cluster workers, nginx workers). */
export function processTree(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    const p = Number(name);
    if (!Number.isInteger(p)) continue;
    const f = statFields(p);
    if (f) parent.set(p, Number(f[1]));
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [p, pp] of parent) if (pp === tree[i]) tree.push(p);
  }
  return tree;
}

/** User + system CPU seconds used so far by `pid` and its descendants. */
export function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    const f = statFields(p);
    if (f) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / CLK_TCK;
}

/** Resident memory of `pid` and its descendants, in bytes. */
export function rssBytes(pid: number): number {
  let kb = 0;
  for (const p of processTree(pid)) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      kb += Number(m?.[1] ?? 0);
    } catch {
      // exited meanwhile
    }
  }
  return kb * 1024;
}

/** Open file descriptors of `pid` and its descendants. */
export function openFds(pid: number): number {
  let n = 0;
  for (const p of processTree(pid)) {
    try {
      n += readdirSync(`/proc/${p}/fd`).length;
    } catch {
      // exited meanwhile
    }
  }
  return n;
}

// ---- wrk --------------------------------------------------------------------------------------------

export interface WrkResult {
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Responses with a status outside 2xx/3xx. */
  readonly non2xx: number;
  /** Connect, read, write and timeout errors. */
  readonly socketErrors: number;
}

export interface WrkOptions {
  readonly connections: number;
  readonly seconds: number;
  readonly cpus?: string;
  readonly headers?: readonly string[];
}

function toMs(v: string | undefined): number {
  const m = v ? /([\d.]+)(us|ms|s|m)\b/.exec(v) : null;
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n;
}

export function parseWrk(out: string): WrkResult {
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requests,
    requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN),
    p50Ms: toMs(/\s50%\s+(\S+)/.exec(out)?.[1]),
    p99Ms: toMs(/\s99%\s+(\S+)/.exec(out)?.[1]),
    non2xx: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0),
    socketErrors: errors ? errors.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
  };
}

/** One wrk run (one thread), without blocking this process. */
export async function wrk(url: string, o: WrkOptions): Promise<WrkResult> {
  const args = ['-t1', `-c${o.connections}`, `-d${o.seconds}s`, '--latency'];
  for (const h of o.headers ?? []) args.push('-H', h);
  args.push(url);
  const [file, argv] = o.cpus ? ['taskset', ['-c', o.cpus, 'wrk', ...args]] : ['wrk', args];
  const { stdout } = await promisify(execFile)(file, argv, { encoding: 'utf8', maxBuffer: 1 << 20 });
  return parseWrk(stdout);
}

export interface Measurement extends WrkResult {
  /** CPU time of the proxy's processes per request, in microseconds. */
  readonly cpuUsPerRequest: number;
}

/** A warm-up run (discarded), then a measured run with the proxy's CPU time read before and after. */
export async function measure(
  pid: number,
  url: string,
  o: WrkOptions & { warmupSeconds: number },
): Promise<Measurement> {
  await wrk(url, { ...o, seconds: o.warmupSeconds });
  const before = cpuSeconds(pid);
  const r = await wrk(url, o);
  const used = cpuSeconds(pid) - before;
  return { ...r, cpuUsPerRequest: (used * 1e6) / r.requests };
}

// ---- backends and the simulator ---------------------------------------------------------------------

export async function startBackends(
  dir: string,
  count: number,
  cpuList?: string,
  flap?: (i: number) => string,
): Promise<{ ports: number[]; children: ChildProcess[] }> {
  const ports: number[] = [];
  const children: ChildProcess[] = [];
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    const args = [BACKEND, String(port), ...(flap ? ['--flap', flap(i)] : [])];
    children.push(startProcess(process.execPath, args, join(dir, `backend-${port}.log`), cpuList));
    ports.push(port);
  }
  await Promise.all(ports.map((p) => waitForPort(p, 'backend')));
  return { ports, children };
}

export interface RunningSim {
  readonly child: ChildProcess;
  /** Listener URL by construct path (`Bench/Web/Http`, ...). */
  readonly urls: ReadonlyMap<string, string>;
  readonly admin: string;
  /** The AWS-compatible API, when started (`--api-port 0` in `extra`). */
  readonly api?: string;
  readonly targetGroupArns: ReadonlyMap<string, string>;
}

/** Synthesizes the bench app into `dir/cdk.out` (in this process, no `cdk` CLI). */
export function benchAssembly(dir: string, o: BenchAppOptions): string {
  const out = join(dir, 'cdk.out');
  synthBenchApp(out, o);
  return out;
}

/**
 * `ha-sim start` on an assembly with every bench target group pointed at the backends, free ports,
 * no API or DNS server; resolves once every target is healthy.
 */
export async function startSim(
  dir: string,
  assembly: string,
  backends: readonly number[],
  extra: readonly string[] = [],
  cpuList?: string,
): Promise<RunningSim> {
  const endpoints = join(dir, `endpoints-${Date.now()}.json`);
  const targets = backends.map((p) => `127.0.0.1:${p}`).join(',');
  const args = [
    HA_SIM,
    'start',
    assembly,
    '--ports',
    '0',
    '--admin-port',
    '0',
    ...(extra.includes('--api-port') ? [] : ['--api-port', 'off']),
    '--dns-port',
    'off',
    '--summary-seconds',
    '0',
    '--quiet',
    '--endpoints',
    endpoints,
    ...BENCH_TARGET_GROUPS.flatMap((tg) => ['--targets', `${tg}=${targets}`]),
    ...extra,
  ];
  const child = startProcess(process.execPath, args, join(dir, 'ha-sim.log'), cpuList);
  for (let i = 0; !existsSync(endpoints); i++) {
    if (child.exitCode !== null || i > 600) {
      throw new Error(`ha-sim did not start; its output is in ${join(dir, 'ha-sim.log')}`);
    }
    await sleep(50);
  }
  await sleep(100); // the file is written in one go, but let the writer finish
  const doc = JSON.parse(readFileSync(endpoints, 'utf8')) as {
    admin?: string;
    api?: string;
    loadBalancers: { listeners: { id: string; url?: string }[] }[];
    targetGroups: { id: string; arn: string }[];
  };
  const urls = new Map<string, string>();
  for (const lb of doc.loadBalancers) for (const l of lb.listeners) if (l.url) urls.set(l.id, l.url);
  const admin = doc.admin ?? '';
  await waitHealthy(admin, backends.length);
  const targetGroupArns = new Map(doc.targetGroups.map((t) => [t.id, t.arn]));
  return { child, urls, admin, ...(doc.api ? { api: doc.api } : {}), targetGroupArns };
}

async function waitHealthy(admin: string, perGroup: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      const stats = (await (await fetch(`${admin}/stats`)).json()) as {
        targetGroups: { targets: { state: string }[] }[];
      };
      const healthy = stats.targetGroups.every(
        (tg) => tg.targets.length === perGroup && tg.targets.every((t) => t.state === 'healthy'),
      );
      if (healthy) return;
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  throw new Error('the bench targets did not turn healthy within 60 s');
}

/** The stickiness cookie a first response sets, to send back on every request of a sticky run. */
export async function stickyCookie(url: string): Promise<string> {
  const res = await fetch(url);
  await res.arrayBuffer();
  const cookies = res.headers.getSetCookie().map((c) => c.split(';')[0]!);
  const alb = cookies.find((c) => c.startsWith('AWSALB='));
  if (!alb) throw new Error(`${url} set no AWSALB cookie`);
  return alb;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
