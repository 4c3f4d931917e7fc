/**
 * `ha-sim`: run a synthesized ha-load-balancer (or any ELBv2 CloudFormation) configuration locally.
 *
 *   ha-sim start [cdk.out] [--targets TG=host:port,...] [--demo-backends N] [--port-offset N] ...
 *   ha-sim demo            synthesize bin/app.ts into .sim/cdk.out and start it with demo backends
 *   ha-sim start|demo --config sim.json   the same options from a JSON file (flags override it)
 *   ha-sim compare [cdk.out] --target-group TG [--requests N] [--rps N] [--seed N] [--algorithms a,b] [--json]
 *   ha-sim --help
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import {
  DEFAULT_BACKENDS,
  DEFAULT_REQUESTS,
  DEFAULT_RPS,
  DEFAULT_SEED,
  formatComparison,
  parseCompareOptions,
  runComparison,
  type CompareCliOptions,
} from './compare-command';
import { ALL_BALANCERS, NON_AWS_BALANCERS } from './core/balancers';
import { isHostPort, mergeConfig, readConfigFile, type SimConfigFile } from './config';
import { SimulatorError, type SimErrorCode } from './live/errors';
import { modelOf } from './live/source';
import type { PortMode } from './live/ports';
import { Simulator, type EndpointsDescription, type HealthChange, type SimulatorOptions } from './live/simulator';

const USAGE = `ha-sim: run AWS load balancers from a CDK cloud assembly locally, with AWS's behaviour

Usage:
  ha-sim start [CDK_OUT] [options]   start the simulator on a cloud assembly (default ./cdk.out)
  ha-sim demo [options]              synthesize the demo app (bin/app.ts) into .sim/cdk.out and start
                                     it with 3 demo backends per target group (what "npm run sim" runs)
  ha-sim compare [CDK_OUT] --target-group TG [options]
                                     what-if comparison of balancing algorithms for one target group in
                                     virtual time (no sockets; deterministic for a seed)
  ha-sim --help                      show this help

Options of start and demo:
  --targets TG=HOST:PORT[,HOST:PORT...]
                          register these addresses as the targets of target group TG (construct path,
                          stack/logicalId or logical id); repeat for several groups
  --demo-backends N       start N demo backends per target group in use (start: 0, demo: 3)
  --ports MODE            "aws" (default: listener port P binds to P, or 8000+P when P < 1024) or 0 (free ports)
  --port-offset N         add N to every mapped listener port (several simulators side by side)
  --host ADDR             bind address (default 127.0.0.1)
  --admin-port N          stats, /metrics and controls (default 8404; 0 = free port; "off" to disable)
  --access-log FILE|-     write ALB access-log lines to FILE, or to stdout with "-"
  --endpoints FILE        write the endpoint list as JSON (demo: .sim/endpoints.json)
  --summary-seconds N     print a one-line summary every N seconds (default 10; 0 = never)
  --no-synth              demo: reuse .sim/cdk.out instead of running "cdk synth"
  --config FILE           read the options below from a JSON file; flags given on the command line
                          override it (--targets TG=... replaces only TG's list from the file)
  -q, --quiet             print only the endpoint table and errors
  -h, --help              show this help

Config file (--config), every key optional, unknown keys are errors:
  {
    "targets": { "<target group>": ["host:port", ...] },   same as --targets
    "demoBackends": 2,                                       --demo-backends
    "ports": "aws" | 0 | { "offset": 10 },                   --ports / --port-offset
    "host": "127.0.0.1",                                     --host
    "adminPort": 8404 | "off",                               --admin-port
    "accessLog": "-" | "FILE",                               --access-log
    "summarySeconds": 10                                     --summary-seconds
  }

Options of compare:
  --target-group TG       the target group to compare (construct path, stack/logicalId or logical id);
                          requests go through the first ALB listener (default action, else rule) that
                          forwards to it, built to satisfy that rule's conditions
  --algorithms A,B,...    default: all, AWS's first: ${Object.keys(ALL_BALANCERS).join(', ')}
                          (${Object.keys(NON_AWS_BALANCERS).join(', ')} are not offered by AWS: marked "not AWS")
  --requests N            requests per algorithm (default ${DEFAULT_REQUESTS})
  --rps N                 request rate in virtual time (default ${DEFAULT_RPS})
  --seed N                random seed (default ${DEFAULT_SEED}); the same seed gives the same result
  --backends LxC,...      simulated targets, one per item: latency L ms while at most C requests are in
                          flight, proportionally slower beyond (default ${DEFAULT_BACKENDS}: two targets
                          and one with a quarter of their capacity; simulator choice)
  --json                  print the result rows as JSON instead of the table

Served: ALB HTTP/HTTPS listeners (HTTP/1.1, HTTP/2 over TLS, WebSocket), NLB TCP/TLS listeners.
Not served: UDP listeners, Lambda targets, authenticate-* actions (reported at start-up).

Demo-backend controls (while running), e.g. with curl on the admin port:
  curl -X POST http://127.0.0.1:8404/_sim/targets/<target-group>/<index>/fail-health
  verbs: fail-health, recover, status/503, delay/500, hang, reset, down, up, deregister, register
  or on a demo backend itself: GET <backend>/_sim/fail-health | recover | status/503 | delay/500 | hang | reset
  http://127.0.0.1:8404/ (HTML)   /metrics (Prometheus)   /stats (JSON)
`;

/** The parsed command line: `options` etc. for start/demo, `compare` for compare. */
export interface CliArgs {
  readonly command: 'start' | 'demo' | 'compare' | 'help';
  readonly assembly?: string;
  readonly options: SimulatorOptions;
  readonly endpointsFile?: string;
  readonly summarySeconds: number;
  readonly synth: boolean;
  readonly quiet: boolean;
  /** The `--config` file, when given. */
  readonly configFile?: string;
  /** compare: the validated compare options. */
  readonly compare?: CompareCliOptions;
}

/** Every option of every command; COMPARE_ONLY / START_ONLY say which command rejects which. */
const OPTIONS = {
  targets: { type: 'string', multiple: true },
  'demo-backends': { type: 'string' },
  ports: { type: 'string' },
  'port-offset': { type: 'string' },
  host: { type: 'string' },
  'admin-port': { type: 'string' },
  'access-log': { type: 'string' },
  endpoints: { type: 'string' },
  'summary-seconds': { type: 'string' },
  config: { type: 'string' },
  'no-synth': { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
  'target-group': { type: 'string' },
  requests: { type: 'string' },
  rps: { type: 'string' },
  seed: { type: 'string' },
  algorithms: { type: 'string' },
  backends: { type: 'string' },
  json: { type: 'boolean' },
} as const;

const COMPARE_ONLY = ['target-group', 'requests', 'rps', 'seed', 'algorithms', 'backends', 'json'];
const START_ONLY = [
  'targets',
  'demo-backends',
  'ports',
  'port-offset',
  'host',
  'admin-port',
  'access-log',
  'endpoints',
  'summary-seconds',
  'config',
  'no-synth',
  'quiet',
];

function int(name: string, s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  if (s.trim() === '' || !Number.isInteger(n) || n < 0)
    throw new SimulatorError('SIM_BAD_OPTION', `--${name} must be a non-negative integer, got "${s}"`);
  return n;
}

/**
 * Parse the command line (exported for tests). Throws SimulatorError('SIM_BAD_OPTION') on bad input,
 * including a bad `--config` file. `readFile` reads the config file (tests pass their own).
 */
export function parseCli(argv: readonly string[], readFile?: (file: string) => string): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, options: OPTIONS });
  } catch (err) {
    throw new SimulatorError('SIM_BAD_OPTION', (err as Error).message);
  }
  const v = parsed.values;
  const [cmd, ...rest] = parsed.positionals;
  const none = { options: {}, summarySeconds: 0, synth: false, quiet: false };
  if (v.help || cmd === undefined || cmd === 'help') return { command: 'help', ...none };
  if (cmd !== 'start' && cmd !== 'demo' && cmd !== 'compare')
    throw new SimulatorError('SIM_BAD_OPTION', `unknown command "${cmd}"`);
  const notHere = Object.keys(v).filter((k) => (cmd === 'compare' ? START_ONLY : COMPARE_ONLY).includes(k));
  if (notHere.length > 0)
    throw new SimulatorError(
      'SIM_BAD_OPTION',
      `${notHere.map((k) => `--${k}`).join(', ')} cannot be used with "${cmd}"`,
    );
  if (rest.length > 1) throw new SimulatorError('SIM_BAD_OPTION', `unexpected argument "${rest[1]}"`);
  if (cmd === 'compare') {
    return {
      command: 'compare',
      assembly: rest[0],
      ...none,
      compare: parseCompareOptions({
        targetGroup: v['target-group'],
        requests: v.requests,
        rps: v.rps,
        seed: v.seed,
        algorithms: v.algorithms,
        backends: v.backends,
        json: v.json ?? false,
      }),
    };
  }

  const targets: Record<string, string[]> = {};
  for (const t of v.targets ?? []) {
    const eq = t.indexOf('=');
    if (eq <= 0) throw new SimulatorError('SIM_BAD_OPTION', `--targets expects TG=host:port[,host:port], got "${t}"`);
    const addrs = t
      .slice(eq + 1)
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
    for (const a of addrs) {
      if (!isHostPort(a))
        throw new SimulatorError('SIM_BAD_OPTION', `--targets address "${a}" is not host:port (port 1-65535)`);
    }
    (targets[t.slice(0, eq)] ??= []).push(...addrs);
  }
  let ports: PortMode | undefined;
  if (v.ports !== undefined) {
    if (v.ports === '0') ports = 0;
    else if (v.ports === 'aws') ports = 'aws';
    else throw new SimulatorError('SIM_BAD_OPTION', `--ports must be "aws" or 0, got "${v.ports}"`);
  }
  const offset = int('port-offset', v['port-offset']);
  if (offset !== undefined && ports !== 0) ports = { offset };
  let adminPort: number | false | undefined;
  if (v['admin-port'] === 'off') adminPort = false;
  else {
    adminPort = int('admin-port', v['admin-port']);
    if (adminPort !== undefined && adminPort > 65535)
      throw new SimulatorError('SIM_BAD_OPTION', `--admin-port must be 0-65535 or "off", got "${v['admin-port']}"`);
  }
  const flags: SimConfigFile = {
    targets: v.targets ? targets : undefined,
    demoBackends: int('demo-backends', v['demo-backends']),
    ports,
    host: v.host || undefined,
    adminPort,
    accessLog: v['access-log'] || undefined,
    summarySeconds: int('summary-seconds', v['summary-seconds']),
  };
  const c = v.config !== undefined ? mergeConfig(readConfigFile(v.config, readFile), flags) : mergeConfig({}, flags);
  const options: SimulatorOptions = {
    demoBackends: c.demoBackends ?? (cmd === 'demo' ? 3 : 0),
    targets: c.targets ?? {},
    ports: c.ports ?? 'aws',
    adminPort: c.adminPort ?? 8404,
    ...(c.host ? { host: c.host } : {}),
    ...(c.accessLog ? { accessLog: c.accessLog } : {}),
  };
  return {
    command: cmd,
    assembly: rest[0],
    options,
    endpointsFile: v.endpoints,
    summarySeconds: c.summarySeconds ?? 10,
    synth: !v['no-synth'],
    quiet: v.quiet ?? false,
    ...(v.config !== undefined ? { configFile: v.config } : {}),
  };
}

/** The repository root: the nearest directory above this file (or cwd) holding cdk.json. */
function repoRoot(): string {
  for (const start of [process.cwd(), __dirname]) {
    let dir = path.resolve(start);
    for (;;) {
      if (existsSync(path.join(dir, 'cdk.json'))) return dir;
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return process.cwd();
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => pad(c, widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The human-readable endpoint table printed at start-up (exported for tests). */
export function formatEndpoints(e: EndpointsDescription): string {
  const out: string[] = [];
  for (const lb of e.loadBalancers) {
    out.push(`Load balancer ${lb.id} (${lb.type}, ${lb.dimension})`);
    for (const l of lb.listeners) {
      out.push(`  ${l.protocol}:${l.port}  ${l.url ?? '(not simulated by the live proxy)'}   [${l.id}]`);
      const rows = [
        ['    priority', 'conditions', 'action'],
        ...l.rules.map((r) => [`    ${r.priority}`, r.conditions, r.action]),
      ];
      out.push(table(rows));
    }
  }
  out.push('');
  for (const tg of e.targetGroups) {
    out.push(`Target group ${tg.id} (${tg.protocol ?? '-'}:${tg.port ?? '-'}) health check: ${tg.healthCheck}`);
    if (tg.targets.length === 0) out.push('    (no registered targets)');
    else {
      out.push(
        table([
          ['    #', 'target', 'backend', 'state', 'reason'],
          ...tg.targets.map((t) => [`    ${t.index}`, t.address, t.backend ?? '-', t.state, t.reason ?? '']),
        ]),
      );
    }
  }
  if (e.admin)
    out.push(
      '',
      `Stats: ${e.admin}/stats   Metrics: ${e.admin}/metrics   Controls: ${e.admin}/_sim/targets/<tg>/<i>/<verb>`,
    );
  if (e.issues.length > 0) out.push('', 'Not simulated:', ...e.issues.map((i) => `  ${i}`));
  return out.join('\n');
}

/** `WebPrimary/Web/Site/Resource` → `WebPrimary/Site` (stack and construct name). */
function shortId(id: string): string {
  const parts = id.replace(/(\/Resource)+$/, '').split('/');
  return parts.length <= 2 ? parts.join('/') : `${parts[0]}/${parts[parts.length - 1]}`;
}

function time(): string {
  return new Date().toISOString().slice(11, 19);
}

function summaryLine(sim: Simulator): string {
  const snap = sim.metrics.snapshot();
  let requests = 0;
  let elb5xx = 0;
  let elb4xx = 0;
  for (const c of Object.values(snap.loadBalancers)) {
    requests += c.RequestCount ?? 0;
    elb5xx += c.HTTPCode_ELB_5XX_Count ?? 0;
    elb4xx += c.HTTPCode_ELB_4XX_Count ?? 0;
  }
  let t5xx = 0;
  for (const c of Object.values(snap.targetGroups)) t5xx += c.HTTPCode_Target_5XX_Count ?? 0;
  const groups = sim
    .endpoints()
    .targetGroups.filter((tg) => tg.targets.length > 0)
    .map(
      (tg) =>
        `${shortId(tg.id)} ${tg.targets.filter((t) => t.state === 'healthy').length}/${tg.targets.length} healthy`,
    );
  return `[${time()}] requests ${requests} | ELB 4xx ${elb4xx} 5xx ${elb5xx} | target 5xx ${t5xx} | ${groups.join(' | ')}`;
}

async function run(args: CliArgs): Promise<void> {
  let assembly = args.assembly ?? 'cdk.out';
  let endpointsFile = args.endpointsFile;
  if (args.command === 'demo') {
    const root = repoRoot();
    const out = path.join(root, '.sim', 'cdk.out');
    assembly = args.assembly ?? out;
    endpointsFile ??= path.join(root, '.sim', 'endpoints.json');
    if (args.synth) {
      if (!existsSync(path.join(root, 'bin', 'app.ts'))) {
        throw new SimulatorError('SIM_SYNTH_FAILED', `no demo app at ${path.join(root, 'bin', 'app.ts')}`);
      }
      mkdirSync(path.dirname(out), { recursive: true });
      console.log(`Synthesizing ${path.join(root, 'bin', 'app.ts')} into ${out} ...`);
      const r = spawnSync('npx', ['cdk', 'synth', '-o', out, '--quiet'], { cwd: root, stdio: 'inherit' });
      if (r.status !== 0)
        throw new SimulatorError('SIM_SYNTH_FAILED', `"npx cdk synth" exited with ${r.status ?? r.signal}`);
    }
  }
  const sim = await Simulator.start(path.resolve(assembly), args.options);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping ...`);
    sim
      .stop()
      .then(() => process.exit(0))
      .catch((err) => {
        console.error(err);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  sim.on('error', (err) => console.error(`[${time()}] error: ${(err as Error).message ?? err}`));
  // A development tool keeps serving other clients after a bug in one request; the error is printed.
  process.on('uncaughtException', (err) => console.error(`[${time()}] uncaught: ${err.stack ?? err}`));
  process.on('unhandledRejection', (err) => console.error(`[${time()}] unhandled rejection: ${String(err)}`));

  const endpoints = sim.endpoints();
  console.log(formatEndpoints(endpoints));
  if (endpointsFile) {
    mkdirSync(path.dirname(path.resolve(endpointsFile)), { recursive: true });
    writeFileSync(endpointsFile, JSON.stringify(endpoints, null, 2) + '\n');
    console.log(`\nEndpoints written to ${endpointsFile}`);
  }
  const first = endpoints.loadBalancers.flatMap((lb) => lb.listeners).find((l) => l.url);
  if (first) console.log(`Try: curl -skL ${first.url}/ | head -c 400`);
  console.log('Ctrl-C to stop.\n');

  if (!args.quiet) {
    sim.on('health', (c: HealthChange) => {
      const name =
        sim.targets(c.targetGroupId).controls[c.index]?.backend?.name ?? `${c.target.targetId}:${c.target.port}`;
      console.log(
        `[${time()}] ${c.targetGroupId} ${name} (${c.target.targetId}:${c.target.port}): ${c.from} → ${c.to}${c.reason ? ` (${c.reason})` : ''}`,
      );
    });
    // Requests the load balancer answered by itself (gateway errors, 463, 400 ...) with their cause.
    sim.on('access-log', (_line, entry) => {
      if (!entry.simCause) return;
      const req = entry.request ? `${entry.request.method} ${entry.request.url}` : '(unparsable request)';
      console.log(`[${time()}] ${entry.elbStatusCode} ${req}: ${entry.simCause}`);
    });
    if (args.summarySeconds > 0) {
      setInterval(() => console.log(summaryLine(sim)), args.summarySeconds * 1000).unref();
    }
  }
}

/** Where the CLI prints (tests capture it). */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const CONSOLE_IO: CliIo = { out: (t) => console.log(t), err: (t) => console.error(t) };

/** Errors in what the user asked for (exit 2), as opposed to failures while running (exit 1). */
const USAGE_ERRORS: ReadonlySet<SimErrorCode> = new Set([
  'SIM_BAD_OPTION',
  'SIM_SOURCE_NOT_FOUND',
  'SIM_TARGET_GROUP_NOT_FOUND',
  'SIM_LISTENER_NOT_FOUND',
  'SIM_LOAD_BALANCER_NOT_FOUND',
  'SIM_AMBIGUOUS_ID',
]);

function compare(assembly: string | undefined, options: CompareCliOptions, io: CliIo): void {
  const model = modelOf(path.resolve(assembly ?? 'cdk.out'));
  const report = runComparison(model, options);
  io.out(options.json ? JSON.stringify(report.rows, null, 2) : formatComparison(report));
}

/**
 * Run the CLI. Returns the exit code, or -1 while `start`/`demo` keep serving. Usage errors (bad flags,
 * a bad config file, unknown target group or algorithm) print the message without a stack trace and
 * return 2.
 */
export async function main(argv: readonly string[] = process.argv.slice(2), io: CliIo = CONSOLE_IO): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCli(argv);
  } catch (err) {
    if (!(err instanceof SimulatorError)) throw err;
    io.err(`${err.message}\n(run "ha-sim --help" for the commands and options)`);
    return 2;
  }
  if (args.command === 'help') {
    io.out(USAGE);
    return 0;
  }
  try {
    if (args.command === 'compare' && args.compare) {
      compare(args.assembly, args.compare, io);
      return 0;
    }
    await run(args);
    return -1; // keep running
  } catch (err) {
    if (err instanceof SimulatorError) {
      io.err(err.message);
      return USAGE_ERRORS.has(err.code) && args.command === 'compare' ? 2 : 1;
    }
    io.err(String((err as Error)?.stack ?? err));
    return 1;
  }
}

if (require.main === module) {
  void main().then((code) => {
    if (code >= 0) process.exit(code);
  });
}
