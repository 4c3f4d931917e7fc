/**
 * The `ha-sim` command line: the usage text, the options of each command, and `parseCli`, which turns
 * argv (and a `--config` file) into one validated shape. Pure apart from reading the config file.
 */
import { parseArgs } from 'node:util';
import { ALL_BALANCERS, NON_AWS_BALANCERS } from '../core/balancers';
import { SimulatorError } from '../errors';
import type { PortMode } from '../live/ports';
import type { SimulatorOptions } from '../live/simulator';
import {
  DEFAULT_BACKENDS,
  DEFAULT_REQUESTS,
  DEFAULT_RPS,
  DEFAULT_SEED,
  parseCompareOptions,
  type CompareCliOptions,
} from './compare';
import { isHostPort, MAX_WORKERS, mergeConfig, readConfigFile, type SimConfigFile } from './config';
import type { RunCliOptions } from './run';
import { ASSEMBLY_DIR, STATE_DIR } from './synth';

export const EXIT = { ok: 0, runtime: 1, usage: 2 } as const;

/** Port of the AWS-compatible API in the CLI (the port local AWS emulators commonly use). */
export const DEFAULT_API_PORT = 4566;
/** Port of the DNS server `start` and `demo` run unless told otherwise. */
export const DEFAULT_DNS_PORT = 5300;

export const USAGE = `ha-sim: run AWS load balancers from a CDK app locally, with AWS's behaviour

Usage:
  ha-sim start [CDK_OUT] [options]   start the simulator. Without CDK_OUT, in a CDK project (a folder
                                     with cdk.json): synthesize the app into ${ASSEMBLY_DIR} first
  ha-sim demo [CDK_OUT] [options]    "start" with 3 demo backends per target group and the endpoint
                                     list in ${STATE_DIR}/endpoints.json (what "npm run sim" runs here)
  ha-sim compare [CDK_OUT] --target-group TG [options]
                                     what-if comparison of balancing algorithms for one target group in
                                     virtual time (no sockets; deterministic for a seed)
  ha-sim run SCENARIO [CDK_OUT] [options]
                                     run a scenario file (workload, simulated targets, a timeline of
                                     failures) in virtual time and print what clients saw, with detection
                                     and failover times against the theoretical figures
  ha-sim --help | --version

Options of start and demo:
  --watch                 re-synthesize when the app's sources change (cdk.json "watch" include/exclude,
                          as "cdk watch" reads them) and apply the new assembly without a restart: a rule
                          change re-routes, a removed target drains, untouched connections stay open.
                          With CDK_OUT: reload whenever its manifest.json changes
  --no-synth              reuse the last ${ASSEMBLY_DIR} instead of synthesizing the app
  -c, --context KEY=VALUE context for the synthesis (like "cdk synth -c"); repeatable
  --targets TG=HOST:PORT[@AZ][,HOST:PORT[@AZ]...]
                          register these addresses as the targets of target group TG (construct path,
                          stack/logicalId or logical id), in Availability Zone AZ when given (else the
                          load balancer's zones in turn); repeatable
  --demo-backends N       start N demo backends per target group in use (start: 0, demo: 3)
  --ports MODE            "aws" (default: listener port P binds to P, or 8000+P when P < 1024) or 0 (free ports)
  --port-offset N         add N to every mapped listener port (several simulators side by side)
  --host ADDR             bind address of the listeners, the AWS API and the DNS server (default 127.0.0.1)
  --admin-port N          the admin port: dashboard, /stats, /metrics and target controls (default 8404;
                          0 = free port; "off" to disable)
  --admin-host ADDR       bind address of the admin port (default 127.0.0.1, whatever --host is; 0.0.0.0
                          opens the dashboard and its controls to the network)
  --api-port N            AWS-compatible API for "aws --endpoint-url" and the AWS SDKs: ELBv2 and Route 53
                          (default 4566; 0 = free port; "off" to disable)
  --dns-port N            name server for the app's Route 53 hosted zones, UDP and TCP on --host
                          (default 5300; 0 = free port; "off" to disable): dig @127.0.0.1 -p 5300 NAME
  --test-idp N            start the test identity provider on port N (0 = free port; default off) and log
                          in there for every authenticate-oidc/-cognito action (simulator convenience)
  --trust-store NAME=FILE CA bundle (PEM) of a verify-mode mutual TLS trust store, NAME being its name,
                          logical id, construct path or ARN; repeatable (AWS reads it from S3)
  --access-log FILE|-     write ALB access-log lines to FILE, or to stdout with "-"
  --endpoints FILE        write the endpoint list as JSON (demo: ${STATE_DIR}/endpoints.json)
  --summary-seconds N     print a one-line summary every N seconds (default 10; 0 = never)
  --workers N             serve the listeners with N load-balancer node processes, one event loop each
                          (default 1: everything in one process). The nodes share health, registration,
                          the stickiness cookie key and the sockets; each keeps its own balancing state
  --config FILE           read options from a JSON file; command-line flags override it (--targets TG=...
                          replaces only TG's list from the file)
  -q, --quiet             print only the endpoint table and errors

Config file (--config), every key optional, unknown keys are errors:
  {
    "targets": { "<target group>": ["host:port[@az]", ...] }, same as --targets
    "processes": { "<target group>": {                      targets the simulator starts itself:
        "command": "node server.js",                         shell command of one target
        "instances": 2,                                      how many (default 1)
        "portEnv": "PORT",                                   variable that carries its port (default PORT)
        "cwd": ".", "env": { "NAME": "value" } } },          relative to the config file
    "demoBackends": 2,                                       --demo-backends
    "ports": "aws" | 0 | { "offset": 10 },                   --ports / --port-offset
    "host": "127.0.0.1",                                     --host
    "adminPort": 8404 | "off",                               --admin-port
    "adminHost": "127.0.0.1",                                --admin-host
    "apiPort": 4566 | "off",                                 --api-port
    "dnsPort": 5300 | "off",                                 --dns-port
    "testIdpPort": 0 | "off",                                --test-idp
    "trustStores": { "<trust store>": "ca.pem" },            --trust-store (relative to the file)
    "accessLog": "-" | "FILE",                               --access-log
    "summarySeconds": 10,                                    --summary-seconds
    "workers": 2                                             --workers
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
  --report FILE           also write an HTML report with charts (latency CDF per algorithm, load per target
                          over time, errors over time, keys moved by the hashing algorithms); opens offline
  --scenario FILE         take the workload and the simulated targets from a scenario file (its
                          compare.targetGroup, unless --target-group; its compare.algorithms, unless
                          --algorithms; its app, unless CDK_OUT)
  --no-synth, -c          as for start

Options of run:
  SCENARIO                a scenario file (YAML; format in scenarios/README.md of ha-load-balancer). Its app
                          is used unless CDK_OUT is given; without either, the CDK project of this folder
  --seed N                replace the scenario's seed; the same seed gives the same result byte for byte
  --report FILE           also write an HTML report with charts (latency CDF, load per target over time,
                          errors over time, failures measured against theory); opens offline
  --json                  print the result as JSON instead of the summary
  --no-synth, -c          as for start

Served: ALB HTTP/HTTPS listeners (HTTP/1.1, HTTP/2 over TLS, WebSocket), NLB TCP/TLS/UDP/TCP_UDP listeners.
Lambda targets: Node.js handlers run locally from the assembly's assets (or inline code); functions of other
runtimes and container images cannot, are listed at start-up, and get 502.
Authenticate actions: deny → 401, allow → forwarded without identity; authenticate → the configured
identity provider, or the test identity provider with --test-idp. Mutual TLS: verify (with --trust-store)
and passthrough. Regex conditions and rule transforms as AWS applies them.
Not served: QUIC listeners (reported at start-up).

The admin port while running: http://127.0.0.1:8404/ is the dashboard (live health, charts, the request
timeline with why each rule and target was chosen, and buttons for the controls); /stats (JSON), /metrics
(Prometheus), /api/requests (the timeline as JSON). Controls change state only by POST with the admin
token, which ha-sim prints at start-up (set HA_SIM_ADMIN_TOKEN to choose it):
  curl -X POST -H "X-HA-Sim-Token: $TOKEN" http://127.0.0.1:8404/_sim/targets/<target-group>/<index>/fail-health
  verbs: fail-health, recover, status/503, delay/500, hang, reset, down, up, deregister, register
  curl -X POST -H "X-HA-Sim-Token: $TOKEN" http://127.0.0.1:8404/_sim/zones/us-east-1a/fail   (and /recover)
                          an Availability Zone fails: its load-balancer nodes stop and leave DNS, its
                          targets go down; the other zones' nodes take the traffic (GET /_sim/zones lists them)
Requests whose Host or Origin is not the admin server are refused (DNS rebinding, other web pages).

Environment:
  NO_COLOR                no colour (colour is used only on a terminal anyway)
  HA_SIM_ADMIN_TOKEN      the admin token the controls require (default: a random one per run)
  CDK_VALIDATION          ha-sim runs the app with CDK_VALIDATION=false (aws-cdk-lib's template validation
                          costs seconds and changes nothing the simulator reads); set it to keep validation

Exit codes: 0 success, 1 runtime failure (synthesis failed, port in use, ...), 2 usage error (bad option,
unknown target group, no assembly, nothing to serve).
`;

/** The parsed command line. */
export interface CliArgs {
  readonly command: 'start' | 'demo' | 'compare' | 'run' | 'help' | 'version';
  /** The cloud-assembly directory given on the command line, if any. */
  readonly assembly?: string;
  readonly options: SimulatorOptions;
  readonly endpointsFile?: string;
  readonly summarySeconds: number;
  readonly synth: boolean;
  readonly watch: boolean;
  readonly quiet: boolean;
  /** `--context KEY=VALUE` pairs for the synthesis. */
  readonly context: Readonly<Record<string, string>>;
  /** The `--config` file, when given. */
  readonly configFile?: string;
  /** compare: the validated compare options. */
  readonly compare?: CompareCliOptions;
  /** run: the scenario file and options. */
  readonly run?: RunCliOptions;
}

/** Every option of every command; COMPARE_ONLY / START_ONLY say which command rejects which. */
const OPTIONS = {
  targets: { type: 'string', multiple: true },
  'demo-backends': { type: 'string' },
  ports: { type: 'string' },
  'port-offset': { type: 'string' },
  host: { type: 'string' },
  'admin-port': { type: 'string' },
  'admin-host': { type: 'string' },
  'api-port': { type: 'string' },
  'dns-port': { type: 'string' },
  'test-idp': { type: 'string' },
  'trust-store': { type: 'string', multiple: true },
  'access-log': { type: 'string' },
  endpoints: { type: 'string' },
  'summary-seconds': { type: 'string' },
  workers: { type: 'string' },
  config: { type: 'string' },
  watch: { type: 'boolean' },
  'no-synth': { type: 'boolean' },
  context: { type: 'string', short: 'c', multiple: true },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  'target-group': { type: 'string' },
  requests: { type: 'string' },
  rps: { type: 'string' },
  seed: { type: 'string' },
  algorithms: { type: 'string' },
  backends: { type: 'string' },
  json: { type: 'boolean' },
  report: { type: 'string' },
  scenario: { type: 'string' },
} as const;

const COMPARE_ONLY = ['target-group', 'requests', 'rps', 'algorithms', 'backends', 'scenario'];
const RUN_AND_COMPARE = ['seed', 'json', 'report'];
const START_ONLY = [
  'targets',
  'demo-backends',
  'ports',
  'port-offset',
  'host',
  'admin-port',
  'admin-host',
  'api-port',
  'dns-port',
  'test-idp',
  'trust-store',
  'access-log',
  'endpoints',
  'summary-seconds',
  'workers',
  'config',
  'watch',
  'quiet',
];

function int(name: string, s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  if (s.trim() === '' || !Number.isInteger(n) || n < 0)
    throw new SimulatorError('SIM_BAD_OPTION', `--${name} must be a non-negative integer, got "${s}"`);
  return n;
}

/** `--workers`: 1 to MAX_WORKERS. */
function workers(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  if (s.trim() === '' || !Number.isInteger(n) || n < 1 || n > MAX_WORKERS)
    throw new SimulatorError('SIM_BAD_OPTION', `--workers must be an integer 1-${MAX_WORKERS}, got "${s}"`);
  return n;
}

/** `--admin-port` / `--api-port`: 0-65535 or "off" (false). */
function portOrOff(name: string, s: string | undefined): number | false | undefined {
  if (s === 'off') return false;
  const port = int(name, s);
  if (port !== undefined && port > 65535)
    throw new SimulatorError('SIM_BAD_OPTION', `--${name} must be 0-65535 or "off", got "${s}"`);
  return port;
}

function contextPairs(pairs: readonly string[] | undefined): Record<string, string> {
  const context: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new SimulatorError('SIM_BAD_OPTION', `--context expects KEY=VALUE, got "${pair}"`);
    context[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return context;
}

/** `--trust-store NAME=FILE` pairs (§5.1, simulator choice `local_trust_store`). */
function trustStoreFiles(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of values) {
    const eq = t.indexOf('=');
    if (eq <= 0 || eq === t.length - 1) {
      throw new SimulatorError('SIM_BAD_OPTION', `--trust-store expects NAME=FILE, got "${t}"`);
    }
    out[t.slice(0, eq)] = t.slice(eq + 1);
  }
  return out;
}

function targetLists(values: readonly string[] | undefined): Record<string, string[]> {
  const targets: Record<string, string[]> = {};
  for (const t of values ?? []) {
    const eq = t.indexOf('=');
    if (eq <= 0)
      throw new SimulatorError('SIM_BAD_OPTION', `--targets expects TG=host:port[@az][,host:port[@az]], got "${t}"`);
    const addrs = t
      .slice(eq + 1)
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
    for (const a of addrs) {
      if (!isHostPort(a))
        throw new SimulatorError(
          'SIM_BAD_OPTION',
          `--targets address "${a}" is not host:port (port 1-65535) or host:port@availability-zone`,
        );
    }
    (targets[t.slice(0, eq)] ??= []).push(...addrs);
  }
  return targets;
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
  const none = { options: {}, summarySeconds: 0, synth: false, watch: false, quiet: false, context: {} };
  if (v.version) return { command: 'version', ...none };
  if (v.help || cmd === undefined || cmd === 'help') return { command: 'help', ...none };
  if (cmd !== 'start' && cmd !== 'demo' && cmd !== 'compare' && cmd !== 'run')
    throw new SimulatorError('SIM_BAD_OPTION', `unknown command "${cmd}"`);
  const refused =
    cmd === 'compare'
      ? START_ONLY
      : cmd === 'run'
        ? [...START_ONLY, ...COMPARE_ONLY]
        : [...COMPARE_ONLY, ...RUN_AND_COMPARE];
  const notHere = Object.keys(v).filter((k) => refused.includes(k));
  if (notHere.length > 0)
    throw new SimulatorError(
      'SIM_BAD_OPTION',
      `${notHere.map((k) => `--${k}`).join(', ')} cannot be used with "${cmd}"`,
    );
  if (cmd === 'run') {
    if (rest.length === 0) throw new SimulatorError('SIM_BAD_OPTION', 'run needs a SCENARIO file');
    if (rest.length > 2) throw new SimulatorError('SIM_BAD_OPTION', `unexpected argument "${rest[2]}"`);
    const seed = v.seed !== undefined ? int('seed', v.seed) : undefined;
    return {
      command: 'run',
      ...none,
      ...(rest[1] !== undefined ? { assembly: rest[1] } : {}),
      synth: !v['no-synth'],
      context: contextPairs(v.context),
      run: {
        scenario: rest[0],
        ...(seed !== undefined ? { seed } : {}),
        ...(v.report !== undefined ? { report: v.report } : {}),
        json: v.json ?? false,
      },
    };
  }
  if (rest.length > 1) throw new SimulatorError('SIM_BAD_OPTION', `unexpected argument "${rest[1]}"`);
  const common = {
    ...(rest[0] !== undefined ? { assembly: rest[0] } : {}),
    synth: !v['no-synth'],
    context: contextPairs(v.context),
  };
  if (cmd === 'compare') {
    return {
      command: 'compare',
      ...none,
      ...common,
      compare: parseCompareOptions({
        targetGroup: v['target-group'],
        requests: v.requests,
        rps: v.rps,
        seed: v.seed,
        algorithms: v.algorithms,
        backends: v.backends,
        json: v.json ?? false,
        report: v.report,
        scenario: v.scenario,
      }),
    };
  }

  let ports: PortMode | undefined;
  if (v.ports !== undefined) {
    if (v.ports === '0') ports = 0;
    else if (v.ports === 'aws') ports = 'aws';
    else throw new SimulatorError('SIM_BAD_OPTION', `--ports must be "aws" or 0, got "${v.ports}"`);
  }
  const offset = int('port-offset', v['port-offset']);
  if (offset !== undefined && ports !== 0) ports = { offset };
  const adminPort = portOrOff('admin-port', v['admin-port']);
  const apiPort = portOrOff('api-port', v['api-port']);
  const dnsPort = portOrOff('dns-port', v['dns-port']);
  const testIdpPort = portOrOff('test-idp', v['test-idp']);
  const flags: SimConfigFile = {
    targets: v.targets ? targetLists(v.targets) : undefined,
    demoBackends: int('demo-backends', v['demo-backends']),
    ports,
    host: v.host || undefined,
    adminPort,
    adminHost: v['admin-host'] || undefined,
    apiPort,
    dnsPort,
    accessLog: v['access-log'] || undefined,
    summarySeconds: int('summary-seconds', v['summary-seconds']),
    workers: workers(v.workers),
    testIdpPort,
    trustStores: v['trust-store'] ? trustStoreFiles(v['trust-store']) : undefined,
  };
  const c = v.config !== undefined ? mergeConfig(readConfigFile(v.config, readFile), flags) : mergeConfig({}, flags);
  const options: SimulatorOptions = {
    demoBackends: c.demoBackends ?? (cmd === 'demo' ? 3 : 0),
    targets: c.targets ?? {},
    ports: c.ports ?? 'aws',
    adminPort: c.adminPort ?? 8404,
    apiPort: c.apiPort ?? DEFAULT_API_PORT,
    dnsPort: c.dnsPort ?? DEFAULT_DNS_PORT,
    ...(c.processes ? { processes: c.processes } : {}),
    ...(c.host ? { host: c.host } : {}),
    ...(c.adminHost ? { adminHost: c.adminHost } : {}),
    ...(c.accessLog ? { accessLog: c.accessLog } : {}),
    ...(c.workers !== undefined && c.workers > 1 ? { workers: c.workers } : {}),
    ...(c.testIdpPort !== undefined && c.testIdpPort !== false ? { testIdpPort: c.testIdpPort } : {}),
    ...(c.trustStores ? { trustStores: c.trustStores } : {}),
  };
  return {
    command: cmd,
    ...common,
    options,
    ...(v.endpoints !== undefined ? { endpointsFile: v.endpoints } : {}),
    summarySeconds: c.summarySeconds ?? 10,
    watch: v.watch ?? false,
    quiet: v.quiet ?? false,
    ...(v.config !== undefined ? { configFile: v.config } : {}),
  };
}
