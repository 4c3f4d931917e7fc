/**
 * Scenario files (YAML, see scenarios/README.md): the app, a workload, the simulated targets and a
 * timeline of failures, parsed and checked into one typed `Scenario`. Every problem names the file,
 * the key and what is allowed (`SIM_SCENARIO_INVALID`).
 */
import { parse as parseYaml } from 'yaml';
import { ALL_BALANCERS, type BalancerName } from '../core/balancers';
import { SimulatorError } from '../errors';
import type { FailureMode, LatencySpec, TargetBehaviour } from './target';

/** Where the app comes from (paths relative to the scenario file). */
export interface ScenarioApp {
  /** A cloud assembly directory (`cdk.out`). */
  readonly assembly?: string;
  /** A CDK project folder (with `cdk.json`), synthesized as `ha-sim start` does. */
  readonly project?: string;
}

export interface Workload {
  /** Load balancer the clients connect to (with `listener`), unless `dns` is given. */
  readonly loadBalancer?: string;
  /** A DNS name the clients resolve through Route 53 (§7), caching each answer for its TTL (§7.6). */
  readonly dns?: string;
  /** Listener: id, construct path, or port (with `dns`: always a port). */
  readonly listener: string;
  /** Requests per second. */
  readonly rate: number;
  readonly arrivals: 'constant' | 'poisson';
  /** Request paths with relative weights. */
  readonly paths: readonly { readonly path: string; readonly weight: number }[];
  /** Host header (default: the DNS name, else `example.com`). */
  readonly host: string;
  /** Clients, each with its own address, cookie jar, DNS cache and connection. */
  readonly clients: number;
  /** Requests per client session (one keep-alive connection and one cookie jar); default 1. */
  readonly sessionLength: number;
  /** Stop after this many requests (default: when the duration ends). */
  readonly requests?: number;
  /** Request method (default GET), query string and extra headers of every request. */
  readonly method: string;
  readonly query: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Every client sends from this address (default: one address per client). */
  readonly sourceIp?: string;
}

/** The simulated targets of one target group. */
export interface TargetGroupSetup {
  readonly targetGroup: string;
  readonly behaviour: TargetBehaviour;
  /**
   * The targets to register instead of the template's, or undefined to keep the template's targets
   * (which then get `behaviour`, and zones from `zones` in order).
   */
  readonly targets?: readonly SimTargetSpec[];
  /** Zones given to the template's targets in turn (when `targets` is undefined). */
  readonly zones?: readonly string[];
}

export interface SimTargetSpec {
  readonly id: string;
  readonly port?: number;
  readonly zone?: string;
  /** Configured weight for weighted_round_robin (not AWS); default 1. */
  readonly weight?: number;
  readonly behaviour: TargetBehaviour;
}

/** Which targets a timeline action touches: ids (`id` or `id:port`) of one group, or all of them. */
export interface TargetSelection {
  readonly targetGroup: string;
  /** Undefined = every target of the group. */
  readonly ids?: readonly string[];
}

export type TimelineAction =
  | { readonly kind: 'deregister'; readonly select: TargetSelection }
  | { readonly kind: 'register'; readonly select: TargetSelection }
  | { readonly kind: 'fail'; readonly select: TargetSelection; readonly mode: FailureMode }
  | { readonly kind: 'failHealthCheck'; readonly select: TargetSelection; readonly mode: FailureMode }
  | { readonly kind: 'slow'; readonly select: TargetSelection; readonly factor: number }
  | { readonly kind: 'recover'; readonly select: TargetSelection }
  | { readonly kind: 'failZone'; readonly zone: string; readonly mode: FailureMode }
  | { readonly kind: 'recoverZone'; readonly zone: string }
  | { readonly kind: 'failRegion'; readonly stacks: readonly string[] }
  | { readonly kind: 'recoverRegion'; readonly stacks: readonly string[] }
  | {
      readonly kind: 'setWeights';
      readonly listener: string;
      /** Rule priority; undefined = the listener's default action. */
      readonly rule?: number;
      readonly weights: Readonly<Record<string, number>>;
    }
  | { readonly kind: 'setRate'; readonly rate: number };

export interface TimelineEvent {
  readonly at: number;
  readonly action: TimelineAction;
  /** Index of the entry in the file (flap entries expand to several events with the same index). */
  readonly entry: number;
}

export interface Scenario {
  readonly name: string;
  readonly description?: string;
  readonly app?: ScenarioApp;
  readonly seed: number;
  readonly durationMs: number;
  /** Traffic starts after this (health checks run from 0). */
  readonly warmupMs: number;
  readonly workload: Workload;
  readonly targets: readonly TargetGroupSetup[];
  readonly timeline: readonly TimelineEvent[];
  /** For `ha-sim compare --scenario`: the target group whose algorithm varies, and the algorithms. */
  readonly compare?: { readonly targetGroup: string; readonly algorithms?: readonly BalancerName[] };
  /** Time-series buckets in charts and the summary (default 60). */
  readonly buckets: number;
}

type Json = unknown;
type Obj = Record<string, Json>;

class Reader {
  constructor(readonly file: string) {}

  fail(at: string, message: string): never {
    throw new SimulatorError('SIM_SCENARIO_INVALID', `${this.file}: ${at}: ${message}`);
  }

  obj(v: Json, at: string): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(at, 'must be a mapping');
    return v as Obj;
  }

  keys(o: Obj, at: string, allowed: readonly string[]): void {
    for (const k of Object.keys(o))
      if (!allowed.includes(k)) this.fail(at ? `${at}.${k}` : k, `unknown key; allowed: ${allowed.join(', ')}`);
  }

  str(v: Json, at: string): string {
    if (typeof v === 'number') return String(v);
    if (typeof v !== 'string' || v.trim() === '') this.fail(at, 'must be a non-empty string');
    return v;
  }

  num(v: Json, at: string, min: number, max = Infinity, integer = false): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v)))
      this.fail(at, `must be ${integer ? 'an integer' : 'a number'} from ${min}${max < Infinity ? ` to ${max}` : ''}`);
    return v;
  }

  /** `250ms`, `30s`, `5m`, `1h` or a number of milliseconds. */
  duration(v: Json, at: string): number {
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
    const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/.exec(v) : null;
    if (!m) return this.fail(at, `must be a duration such as 250ms, 30s, 5m or 1h, got ${JSON.stringify(v)}`);
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
    return Number(m[1]) * unit;
  }

  list(v: Json, at: string): Json[] {
    if (!Array.isArray(v)) this.fail(at, 'must be a list');
    return v;
  }
}

function latency(r: Reader, v: Json, at: string): LatencySpec {
  if (typeof v === 'string' || typeof v === 'number') return { kind: 'fixed', ms: r.duration(v, at) };
  const o = r.obj(v, at);
  const kinds = Object.keys(o);
  if (kinds.length !== 1) r.fail(at, 'give exactly one of fixed, uniform, lognormal, histogram');
  const [kind] = kinds;
  const body = o[kind];
  switch (kind) {
    case 'fixed':
      return { kind, ms: r.duration(body, `${at}.fixed`) };
    case 'uniform': {
      const [min, max] = r.list(body, `${at}.uniform`).map((x, i) => r.duration(x, `${at}.uniform[${i}]`));
      if (max === undefined || max < min) r.fail(`${at}.uniform`, 'must be [MIN, MAX] with MIN ≤ MAX');
      return { kind, minMs: min, maxMs: max };
    }
    case 'lognormal': {
      const l = r.obj(body, `${at}.lognormal`);
      r.keys(l, `${at}.lognormal`, ['median', 'sigma']);
      return {
        kind,
        medianMs: r.duration(l.median, `${at}.lognormal.median`),
        sigma: r.num(l.sigma, `${at}.lognormal.sigma`, 0, 5),
      };
    }
    case 'histogram': {
      const buckets = r.list(body, `${at}.histogram`).map((b, i) => {
        const pair = r.list(b, `${at}.histogram[${i}]`);
        if (pair.length !== 2) r.fail(`${at}.histogram[${i}]`, 'must be [UP_TO, WEIGHT]');
        return {
          upToMs: r.duration(pair[0], `${at}.histogram[${i}][0]`),
          weight: r.num(pair[1], `${at}.histogram[${i}][1]`, 0),
        };
      });
      if (buckets.length === 0 || buckets.every((b) => b.weight === 0))
        r.fail(`${at}.histogram`, 'needs at least one bucket with a positive weight');
      for (let i = 1; i < buckets.length; i++)
        if (buckets[i].upToMs <= buckets[i - 1].upToMs) r.fail(`${at}.histogram`, 'bucket bounds must increase');
      return { kind, buckets };
    }
    default:
      return r.fail(at, `unknown latency "${kind}"; use fixed, uniform, lognormal or histogram`);
  }
}

const BEHAVIOUR_KEYS = ['latency', 'concurrency', 'errorRate', 'errorStatus'];

function behaviour(r: Reader, o: Obj, at: string, base?: TargetBehaviour): TargetBehaviour {
  return {
    latency:
      o.latency !== undefined ? latency(r, o.latency, `${at}.latency`) : (base?.latency ?? { kind: 'fixed', ms: 10 }),
    concurrency:
      o.concurrency !== undefined ? r.num(o.concurrency, `${at}.concurrency`, 1, 1e6, true) : base?.concurrency,
    errorRate: o.errorRate !== undefined ? r.num(o.errorRate, `${at}.errorRate`, 0, 1) : base?.errorRate,
    errorStatus:
      o.errorStatus !== undefined ? r.num(o.errorStatus, `${at}.errorStatus`, 100, 599, true) : base?.errorStatus,
  };
}

function failureMode(r: Reader, v: Json, at: string): FailureMode {
  if (v === undefined) return 'refuse';
  if (v === 'refuse' || v === 'hang') return v;
  if (typeof v === 'number') return r.num(v, at, 100, 599, true);
  return r.fail(at, 'must be refuse, hang or an HTTP status');
}

function selection(r: Reader, v: Json, at: string): TargetSelection {
  const o = r.obj(v, at);
  r.keys(o, at, ['targetGroup', 'targets', 'mode', 'factor', 'every', 'times']);
  const targetGroup = r.str(o.targetGroup, `${at}.targetGroup`);
  if (o.targets === undefined || o.targets === 'all') return { targetGroup };
  const ids = r.list(o.targets, `${at}.targets`).map((t, i) => r.str(t, `${at}.targets[${i}]`));
  return { targetGroup, ids };
}

const ACTIONS = [
  'deregister',
  'register',
  'fail',
  'failHealthCheck',
  'slow',
  'recover',
  'flap',
  'failZone',
  'recoverZone',
  'failRegion',
  'recoverRegion',
  'setWeights',
  'setRate',
] as const;

function timeline(r: Reader, v: Json): TimelineEvent[] {
  const out: TimelineEvent[] = [];
  r.list(v, 'timeline').forEach((e, entry) => {
    const at = `timeline[${entry}]`;
    const o = r.obj(e, at);
    const kinds = Object.keys(o).filter((k) => k !== 'at');
    if (kinds.length !== 1 || !(ACTIONS as readonly string[]).includes(kinds[0]))
      r.fail(at, `needs "at" and exactly one action of ${ACTIONS.join(', ')}`);
    const time = r.duration(o.at, `${at}.at`);
    const kind = kinds[0] as (typeof ACTIONS)[number];
    const body = o[kind];
    const where = `${at}.${kind}`;
    const push = (t: number, action: TimelineAction) => out.push({ at: t, action, entry });
    switch (kind) {
      case 'deregister':
      case 'register':
      case 'recover':
        push(time, { kind, select: selection(r, body, where) });
        break;
      case 'fail':
      case 'failHealthCheck':
        push(time, {
          kind,
          select: selection(r, body, where),
          mode: failureMode(r, r.obj(body, where).mode, `${where}.mode`),
        });
        break;
      case 'slow':
        push(time, {
          kind,
          select: selection(r, body, where),
          factor: r.num(r.obj(body, where).factor, `${where}.factor`, 0),
        });
        break;
      case 'flap': {
        // alternately failing and recovering health checks: `times` failures, `every` apart
        const b = r.obj(body, where);
        const select = selection(r, body, where);
        const every = r.duration(b.every, `${where}.every`);
        if (every <= 0) r.fail(`${where}.every`, 'must be longer than 0');
        const times = r.num(b.times, `${where}.times`, 1, 1000, true);
        const mode = failureMode(r, b.mode, `${where}.mode`);
        for (let i = 0; i < times; i++) {
          push(time + 2 * i * every, { kind: 'failHealthCheck', select, mode });
          push(time + (2 * i + 1) * every, { kind: 'recover', select });
        }
        break;
      }
      case 'failZone':
      case 'recoverZone': {
        const b = r.obj(body, where);
        r.keys(b, where, kind === 'failZone' ? ['zone', 'mode'] : ['zone']);
        const zone = r.str(b.zone, `${where}.zone`);
        push(
          time,
          kind === 'failZone' ? { kind, zone, mode: failureMode(r, b.mode, `${where}.mode`) } : { kind, zone },
        );
        break;
      }
      case 'failRegion':
      case 'recoverRegion': {
        const b = r.obj(body, where);
        r.keys(b, where, ['stacks']);
        const stacks = r.list(b.stacks, `${where}.stacks`).map((s, i) => r.str(s, `${where}.stacks[${i}]`));
        if (stacks.length === 0) r.fail(`${where}.stacks`, 'names at least one stack');
        push(time, { kind, stacks });
        break;
      }
      case 'setWeights': {
        const b = r.obj(body, where);
        r.keys(b, where, ['listener', 'rule', 'weights']);
        const w = r.obj(b.weights, `${where}.weights`);
        const weights: Record<string, number> = {};
        for (const [tg, n] of Object.entries(w)) weights[tg] = r.num(n, `${where}.weights.${tg}`, 0, 999, true);
        push(time, {
          kind,
          listener: r.str(b.listener, `${where}.listener`),
          rule: b.rule !== undefined ? r.num(b.rule, `${where}.rule`, 1, 50_000, true) : undefined,
          weights,
        });
        break;
      }
      case 'setRate': {
        const b = r.obj(body, where);
        r.keys(b, where, ['rate']);
        push(time, { kind, rate: r.num(b.rate, `${where}.rate`, 0) });
        break;
      }
    }
  });
  return out.sort((a, b) => a.at - b.at || a.entry - b.entry);
}

function targetSetups(r: Reader, v: Json): TargetGroupSetup[] {
  if (v === undefined) return [];
  const o = r.obj(v, 'targets');
  return Object.entries(o).map(([tg, spec]) => {
    const at = `targets.${tg}`;
    const s = r.obj(spec, at);
    r.keys(s, at, [...BEHAVIOUR_KEYS, 'count', 'zones', 'list']);
    const base = behaviour(r, s, at);
    const zones =
      s.zones !== undefined ? r.list(s.zones, `${at}.zones`).map((z, i) => r.str(z, `${at}.zones[${i}]`)) : undefined;
    if (s.count !== undefined && s.list !== undefined) r.fail(at, 'give count or list, not both');
    if (s.count !== undefined) {
      const count = r.num(s.count, `${at}.count`, 0, 1_000_000, true);
      const targets = Array.from({ length: count }, (_, i) => ({
        id: `sim-${i + 1}`,
        ...(zones && zones.length > 0 ? { zone: zones[i % zones.length] } : {}),
        behaviour: base,
      }));
      return { targetGroup: tg, behaviour: base, targets };
    }
    if (s.list !== undefined) {
      const targets = r.list(s.list, `${at}.list`).map((t, i) => {
        const w = `${at}.list[${i}]`;
        const x = r.obj(t, w);
        r.keys(x, w, ['id', 'port', 'zone', 'weight', ...BEHAVIOUR_KEYS]);
        return {
          id: r.str(x.id, `${w}.id`),
          ...(x.port !== undefined ? { port: r.num(x.port, `${w}.port`, 1, 65535, true) } : {}),
          ...(x.zone !== undefined ? { zone: r.str(x.zone, `${w}.zone`) } : {}),
          ...(x.weight !== undefined ? { weight: r.num(x.weight, `${w}.weight`, 0, 1000) } : {}),
          behaviour: behaviour(r, x, w, base),
        };
      });
      return { targetGroup: tg, behaviour: base, targets };
    }
    return { targetGroup: tg, behaviour: base, ...(zones ? { zones } : {}) };
  });
}

function workload(r: Reader, v: Json): Workload {
  const o = r.obj(v, 'workload');
  r.keys(o, 'workload', [
    'loadBalancer',
    'dns',
    'listener',
    'rate',
    'arrivals',
    'paths',
    'host',
    'clients',
    'sessionLength',
    'requests',
    'method',
    'query',
    'headers',
    'sourceIp',
  ]);
  const headers: Record<string, string> = {};
  if (o.headers !== undefined)
    for (const [k, v] of Object.entries(r.obj(o.headers, 'workload.headers')))
      headers[k.toLowerCase()] = r.str(v, `workload.headers.${k}`);
  if ((o.loadBalancer === undefined) === (o.dns === undefined))
    r.fail('workload', 'give loadBalancer or dns (one of them)');
  const arrivals = o.arrivals ?? 'poisson';
  if (arrivals !== 'constant' && arrivals !== 'poisson') r.fail('workload.arrivals', 'must be constant or poisson');
  let paths: { path: string; weight: number }[] = [{ path: '/', weight: 1 }];
  if (Array.isArray(o.paths)) paths = o.paths.map((p, i) => ({ path: r.str(p, `workload.paths[${i}]`), weight: 1 }));
  else if (o.paths !== undefined)
    paths = Object.entries(r.obj(o.paths, 'workload.paths')).map(([path, w]) => ({
      path,
      weight: r.num(w, `workload.paths.${path}`, 0),
    }));
  if (paths.length === 0 || paths.every((p) => p.weight === 0))
    r.fail('workload.paths', 'needs a path with a positive weight');
  for (const p of paths) if (!p.path.startsWith('/')) r.fail('workload.paths', `"${p.path}" must start with /`);
  const dns = o.dns !== undefined ? r.str(o.dns, 'workload.dns') : undefined;
  return {
    ...(o.loadBalancer !== undefined ? { loadBalancer: r.str(o.loadBalancer, 'workload.loadBalancer') } : {}),
    ...(dns ? { dns } : {}),
    listener: r.str(o.listener, 'workload.listener'),
    rate: r.num(o.rate, 'workload.rate', 0),
    arrivals,
    paths,
    host: o.host !== undefined ? r.str(o.host, 'workload.host') : (dns?.replace(/\.$/, '') ?? 'example.com'),
    clients: o.clients !== undefined ? r.num(o.clients, 'workload.clients', 1, 10_000_000, true) : 100,
    sessionLength: o.sessionLength !== undefined ? r.num(o.sessionLength, 'workload.sessionLength', 1, 1e9, true) : 1,
    ...(o.requests !== undefined ? { requests: r.num(o.requests, 'workload.requests', 1, 1e12, true) } : {}),
    method: o.method !== undefined ? r.str(o.method, 'workload.method') : 'GET',
    query: o.query !== undefined ? String(o.query) : '',
    headers,
    ...(o.sourceIp !== undefined ? { sourceIp: r.str(o.sourceIp, 'workload.sourceIp') } : {}),
  };
}

/** Check a parsed scenario document. `file` names it in error messages. */
export function scenarioFromObject(doc: Json, file = 'scenario'): Scenario {
  const r = new Reader(file);
  const o = r.obj(doc, '(top level)');
  r.keys(o, '', [
    'name',
    'description',
    'app',
    'seed',
    'duration',
    'warmup',
    'workload',
    'targets',
    'timeline',
    'compare',
    'buckets',
  ]);
  let app: ScenarioApp | undefined;
  if (o.app !== undefined) {
    const a = r.obj(o.app, 'app');
    r.keys(a, 'app', ['assembly', 'project']);
    if ((a.assembly === undefined) === (a.project === undefined))
      r.fail('app', 'give assembly or project (one of them)');
    app =
      a.assembly !== undefined
        ? { assembly: r.str(a.assembly, 'app.assembly') }
        : { project: r.str(a.project, 'app.project') };
  }
  const durationMs = r.duration(o.duration, 'duration');
  if (durationMs <= 0) r.fail('duration', 'must be longer than 0');
  const warmupMs = o.warmup !== undefined ? r.duration(o.warmup, 'warmup') : 0;
  if (warmupMs >= durationMs) r.fail('warmup', 'must be shorter than duration');
  let compare: Scenario['compare'];
  if (o.compare !== undefined) {
    const c = r.obj(o.compare, 'compare');
    r.keys(c, 'compare', ['targetGroup', 'algorithms']);
    const algorithms =
      c.algorithms !== undefined
        ? r.list(c.algorithms, 'compare.algorithms').map((a, i) => {
            const name = r.str(a, `compare.algorithms[${i}]`);
            if (!Object.prototype.hasOwnProperty.call(ALL_BALANCERS, name))
              r.fail(
                `compare.algorithms[${i}]`,
                `unknown algorithm "${name}"; known: ${Object.keys(ALL_BALANCERS).join(', ')}`,
              );
            return name as BalancerName;
          })
        : undefined;
    compare = { targetGroup: r.str(c.targetGroup, 'compare.targetGroup'), ...(algorithms ? { algorithms } : {}) };
  }
  const scenario: Scenario = {
    name: r.str(o.name, 'name'),
    ...(o.description !== undefined ? { description: r.str(o.description, 'description') } : {}),
    ...(app ? { app } : {}),
    seed: o.seed !== undefined ? r.num(o.seed, 'seed', 0, 2 ** 32 - 1, true) : 1,
    durationMs,
    warmupMs,
    workload: workload(r, o.workload),
    targets: targetSetups(r, o.targets),
    timeline: o.timeline !== undefined ? timeline(r, o.timeline) : [],
    ...(compare ? { compare } : {}),
    buckets: o.buckets !== undefined ? r.num(o.buckets, 'buckets', 1, 1000, true) : 60,
  };
  for (const e of scenario.timeline)
    if (e.at > durationMs) r.fail(`timeline[${e.entry}].at`, `is after the end of the scenario (${durationMs} ms)`);
  return scenario;
}

/** Parse a scenario file's text (YAML 1.2; JSON is YAML too). */
export function parseScenario(text: string, file = 'scenario'): Scenario {
  let doc: Json;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new SimulatorError(
      'SIM_SCENARIO_INVALID',
      `${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  return scenarioFromObject(doc, file);
}
