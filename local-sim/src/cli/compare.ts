/**
 * `ha-sim compare`: what-if comparison of balancing algorithms for one target group, in virtual time
 * (ARCHITECTURE.md). The same request stream and the same simulated backends, once per algorithm, through
 * the same engine the live proxy uses (`virtual/compare.ts`). Algorithms AWS does not offer are marked
 * "not AWS" (rule 4). Deterministic for a given seed.
 */
import { ALL_BALANCERS, type BalancerName } from '../core/balancers';
import { selectRule } from '../core/rules';
import type { HttpRequestInfo } from '../core/types';
import { SimulatorError } from '../errors';
import {
  findTargetGroup,
  type ConditionModel,
  type ListenerModel,
  type RuleModel,
  type SimModel,
  type TargetGroupModel,
} from '../model';
import { compareScenario, comparisonRow, type ComparisonRow, type Scenario, type ScenarioResult } from '../virtual';

/** One simulated target: `latencyMs` per request, `concurrency` requests at once (later ones queue). */
export interface BackendSpec {
  readonly latencyMs: number;
  readonly concurrency: number;
}

export interface CompareCliOptions {
  readonly targetGroup: string;
  readonly requests: number;
  readonly rps: number;
  readonly seed: number;
  readonly algorithms: readonly BalancerName[];
  readonly backends: readonly BackendSpec[];
  readonly json: boolean;
  /** Write an HTML report with charts here. */
  readonly report?: string;
  /** Run this scenario file's workload and targets instead of the flags' (`ha-sim compare --scenario`). */
  readonly scenario?: string;
  /** True when `--algorithms` was given (a scenario's own list applies otherwise). */
  readonly explicitAlgorithms?: true;
}

/**
 * Default pool: two targets and one with a quarter of their capacity, so that the algorithms differ
 * (on identical targets every algorithm spreads alike). A simulator choice, not an AWS fact.
 */
export const DEFAULT_BACKENDS = '10x8,10x8,10x2';
export const DEFAULT_REQUESTS = 3000;
export const DEFAULT_RPS = 1000;
export const DEFAULT_SEED = 1;

/** The values of the compare flags as given (strings), before validation. */
export interface CompareFlags {
  readonly targetGroup?: string;
  readonly requests?: string;
  readonly rps?: string;
  readonly seed?: string;
  readonly algorithms?: string;
  readonly backends?: string;
  readonly json?: boolean;
  readonly report?: string;
  readonly scenario?: string;
}

function positiveInt(name: string, s: string | undefined, dflt: number, min = 1): number {
  if (s === undefined) return dflt;
  const n = Number(s);
  if (s.trim() === '' || !Number.isInteger(n) || n < min)
    throw new SimulatorError(
      'SIM_BAD_OPTION',
      `--${name} must be ${min === 0 ? 'a non-negative' : 'a positive'} integer, got "${s}"`,
    );
  return n;
}

/** `10x8,10x8,10x2` → backends (latency ms × concurrency; `x CONCURRENCY` defaults to 1). */
export function parseBackends(spec: string): BackendSpec[] {
  const items = spec.split(',').map((s) => s.trim());
  return items.map((item) => {
    const m = /^(\d+)(?:x(\d+))?$/.exec(item);
    const latencyMs = Number(m?.[1]);
    const concurrency = Number(m?.[2] ?? 1);
    if (!m || latencyMs < 1 || concurrency < 1)
      throw new SimulatorError(
        'SIM_BAD_OPTION',
        `--backends item "${item}" is not LATENCY_MS[xCONCURRENCY] with positive integers (e.g. 10x8)`,
      );
    return { latencyMs, concurrency };
  });
}

/** Validate the compare flags. Throws SimulatorError('SIM_BAD_OPTION'). */
export function parseCompareOptions(f: CompareFlags): CompareCliOptions {
  if (!f.targetGroup && !f.scenario)
    throw new SimulatorError('SIM_BAD_OPTION', 'compare needs --target-group TG (construct path or logical id)');
  const algorithms = (f.algorithms ?? Object.keys(ALL_BALANCERS).join(','))
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  if (algorithms.length === 0) throw new SimulatorError('SIM_BAD_OPTION', '--algorithms is empty');
  for (const a of algorithms) {
    if (!Object.prototype.hasOwnProperty.call(ALL_BALANCERS, a))
      throw new SimulatorError(
        'SIM_BAD_OPTION',
        `--algorithms: unknown algorithm "${a}"; known: ${Object.keys(ALL_BALANCERS).join(', ')}`,
      );
  }
  const dup = algorithms.find((a, i) => algorithms.indexOf(a) !== i);
  if (dup) throw new SimulatorError('SIM_BAD_OPTION', `--algorithms names "${dup}" twice`);
  return {
    targetGroup: f.targetGroup ?? '',
    requests: positiveInt('requests', f.requests, DEFAULT_REQUESTS),
    rps: positiveInt('rps', f.rps, DEFAULT_RPS),
    seed: positiveInt('seed', f.seed, DEFAULT_SEED, 0),
    algorithms: algorithms as BalancerName[],
    backends: parseBackends(f.backends ?? DEFAULT_BACKENDS),
    json: f.json ?? false,
    ...(f.report !== undefined ? { report: f.report } : {}),
    ...(f.scenario !== undefined ? { scenario: f.scenario } : {}),
    ...(f.algorithms !== undefined ? { explicitAlgorithms: true as const } : {}),
  };
}

/** A literal string that a glob pattern (`*`, `?`, `\` escapes) matches. */
function globExample(pattern: string): string {
  return pattern.replace(/\\(.)|[*?]/g, (_m, escaped: string | undefined) => escaped ?? 'x');
}

const BASE_REQUEST: HttpRequestInfo = {
  method: 'GET',
  path: '/',
  query: '',
  headers: { host: 'example.com' },
  sourceIp: '198.51.100.1',
  protocol: 'http',
  port: 80,
};

/** A request that satisfies every condition of a rule (first value of each condition). */
function requestFor(
  conditions: readonly ConditionModel[],
  base: HttpRequestInfo,
): { request: HttpRequestInfo; fixedSourceIp: boolean } {
  let req: HttpRequestInfo = base;
  let fixedIp = false;
  for (const c of conditions) {
    switch (c.field) {
      case 'host-header':
        req = { ...req, headers: { ...req.headers, host: globExample(c.values[0] ?? 'example.com') } };
        break;
      case 'path-pattern':
        req = { ...req, path: globExample(c.values[0] ?? '/') };
        break;
      case 'http-header':
        req = { ...req, headers: { ...req.headers, [c.headerName.toLowerCase()]: globExample(c.values[0] ?? '') } };
        break;
      case 'http-request-method':
        req = { ...req, method: c.values[0] ?? 'GET' };
        break;
      case 'query-string': {
        const q = c.values[0];
        if (q) {
          const pair = `${q.key !== undefined ? `${encodeURIComponent(globExample(q.key))}=` : 'q='}${encodeURIComponent(globExample(q.value))}`;
          req = { ...req, query: req.query ? `${req.query}&${pair}` : pair };
        }
        break;
      }
      case 'source-ip':
        req = { ...req, sourceIp: (c.values[0] ?? '').split('/')[0] };
        fixedIp = true;
        break;
    }
  }
  return { request: req, fixedSourceIp: fixedIp };
}

function forwardsTo(actions: RuleModel['actions'], tg: TargetGroupModel): boolean {
  return actions.some((a) => a.type === 'forward' && a.targetGroups.some((t) => t.targetGroupId === tg.id));
}

/** Where the comparison sends its requests: a listener and a request that reaches the target group. */
export interface CompareRoute {
  readonly loadBalancerId: string;
  readonly listenerId: string;
  /** The rule whose conditions the request satisfies (undefined: the listener's default action). */
  readonly ruleId?: string;
  readonly request: HttpRequestInfo;
  /** True when the source-ip condition pins every request to one client address. */
  readonly fixedSourceIp: boolean;
}

/**
 * The first ALB listener (template order) whose default action or one of whose rules forwards to `tg`,
 * with a request built from that rule's conditions and checked against the listener's rule order (§4.1).
 */
export function routeTo(model: SimModel, tg: TargetGroupModel): CompareRoute {
  if (tg.loadBalancerType !== 'application')
    throw new SimulatorError(
      'SIM_BAD_OPTION',
      `--target-group ${tg.id} belongs to a ${tg.loadBalancerType} load balancer; compare sends HTTP requests and supports ALB target groups`,
    );
  const candidates: { listener: ListenerModel; rule?: RuleModel }[] = [];
  for (const listener of model.listeners) {
    if (listener.protocol !== 'HTTP' && listener.protocol !== 'HTTPS') continue;
    for (const rule of [...listener.rules].sort((a, b) => a.priority - b.priority))
      if (forwardsTo(rule.actions, tg)) candidates.push({ listener, rule });
    if (forwardsTo(listener.defaultActions, tg)) candidates.push({ listener });
  }
  if (candidates.length === 0)
    throw new SimulatorError('SIM_BAD_OPTION', `no ALB listener or rule forwards to target group ${tg.id}`);
  // Prefer the default action (plain requests), then rules in listener and priority order.
  candidates.sort((a, b) => Number(a.rule !== undefined) - Number(b.rule !== undefined));
  for (const { listener, rule } of candidates) {
    const base = { ...BASE_REQUEST, protocol: listener.protocol === 'HTTPS' ? 'https' : 'http', port: listener.port };
    const { request, fixedSourceIp } = requestFor(rule?.conditions ?? [], base as HttpRequestInfo);
    const selected = selectRule(listener, request);
    if (selected.rule?.id === rule?.id && forwardsTo(selected.actions, tg))
      return {
        loadBalancerId: listener.loadBalancerId,
        listenerId: listener.id,
        ruleId: rule?.id,
        request,
        fixedSourceIp,
      };
  }
  throw new SimulatorError(
    'SIM_BAD_OPTION',
    `cannot build a request that reaches target group ${tg.id}: every rule forwarding to it is shadowed by a rule of higher priority for the requests compare builds`,
  );
}

/** Everything `ha-sim compare` computed (the rows plus what they were computed on). */
export interface CompareReport {
  readonly targetGroup: string;
  readonly configuredAlgorithm: string;
  /** Where requests came from, one line for the reader. */
  readonly requestLine: string;
  /** The simulated targets of the compared group, one line for the reader. */
  readonly targetsLine: string;
  readonly targetIds: readonly string[];
  readonly requests: number;
  readonly rps: number;
  readonly seed: number;
  readonly rows: readonly ComparisonRow[];
  /** The full result of each run (time series, latency CDF) for the HTML report. */
  readonly results: readonly ScenarioResult[];
  readonly scenario: Scenario;
}

function notFound(model: SimModel, ref: string): SimulatorError {
  const known = model.targetGroups.map((t) => t.id).join(', ') || '(none)';
  return new SimulatorError(
    'SIM_TARGET_GROUP_NOT_FOUND',
    `no target group "${ref}" in the cloud assembly; target groups: ${known}`,
  );
}

/**
 * The scenario the compare flags describe: `requests` evenly spaced at `rps` from 250 client
 * addresses (or the one a source-ip condition needs) to the simulated `backends`, after 1 ms in which
 * the first health checks are answered.
 */
export function flagScenario(model: SimModel, o: CompareCliOptions): { scenario: Scenario; route: CompareRoute } {
  const tg = findTargetGroup(model, o.targetGroup);
  if (!tg) throw notFound(model, o.targetGroup);
  const route = routeTo(model, tg);
  const port = tg.port ?? 80;
  const req = route.request;
  const { host, ...headers } = req.headers as Record<string, string>;
  const intervalMs = 1000 / o.rps;
  const scenario: Scenario = {
    name: `compare ${tg.id}`,
    seed: o.seed,
    warmupMs: 1,
    durationMs: 1 + (o.requests + 1) * intervalMs,
    workload: {
      loadBalancer: route.loadBalancerId,
      listener: route.listenerId,
      rate: o.rps,
      arrivals: 'constant',
      paths: [{ path: req.path, weight: 1 }],
      host: host ?? 'example.com',
      clients: 250,
      sessionLength: 1,
      requests: o.requests,
      method: req.method,
      query: req.query,
      headers,
      ...(route.fixedSourceIp ? { sourceIp: req.sourceIp } : {}),
    },
    targets: [
      {
        targetGroup: tg.id,
        behaviour: { latency: { kind: 'fixed', ms: 10 } },
        targets: o.backends.map((b, i) => ({
          id: `10.0.0.${i + 1}`,
          port,
          behaviour: { latency: { kind: 'fixed', ms: b.latencyMs }, concurrency: b.concurrency },
        })),
      },
    ],
    timeline: [],
    compare: { targetGroup: tg.id },
    buckets: 60,
  };
  return { scenario, route };
}

/** Run the comparison on a model. Throws SIM_TARGET_GROUP_NOT_FOUND / SIM_BAD_OPTION. */
export function runComparison(
  model: SimModel,
  o: CompareCliOptions,
  fromFile?: Scenario,
  onProgress?: (done: number, requests: number) => void,
): CompareReport {
  let scenario: Scenario;
  let requestLine: string;
  let targetsLine: string;
  let targetIds: string[];
  let algorithms = o.algorithms;
  if (fromFile) {
    const ref = o.targetGroup || fromFile.compare?.targetGroup;
    if (!ref)
      throw new SimulatorError(
        'SIM_BAD_OPTION',
        'compare --scenario needs compare.targetGroup in the scenario, or --target-group',
      );
    const tg = findTargetGroup(model, ref);
    if (!tg) throw notFound(model, ref);
    scenario = {
      ...fromFile,
      seed: o.seed === DEFAULT_SEED ? fromFile.seed : o.seed,
      compare: { ...fromFile.compare, targetGroup: tg.id },
    };
    if (!o.explicitAlgorithms && fromFile.compare?.algorithms) algorithms = fromFile.compare.algorithms;
    const w = scenario.workload;
    requestLine = `Requests: ${w.method} ${w.host}${w.paths.map((p) => p.path).join('|')} via ${w.dns ? `DNS ${w.dns}` : `load balancer ${w.loadBalancer}`} listener ${w.listener}, ${w.rate} req/s (${w.arrivals}), ${w.clients} clients`;
    const setup = scenario.targets.find((t) => findTargetGroup(model, t.targetGroup)?.id === tg.id);
    targetIds = setup?.targets ? setup.targets.map((t) => t.id) : tg.targets.map((t) => t.id);
    targetsLine = `Simulated targets: ${setup?.targets ? setup.targets.map((t) => `${t.id} ${describeLatency(t.behaviour.latency)}${t.behaviour.concurrency ? ` x${t.behaviour.concurrency}` : ''}${t.weight !== undefined ? ` weight ${t.weight}` : ''}`).join(', ') : `${targetIds.join(', ')} (from the template)`}`;
  } else {
    const built = flagScenario(model, o);
    scenario = built.scenario;
    const req = built.route.request;
    const query = req.query ? `?${req.query}` : '';
    requestLine =
      `Requests: ${req.method} ${req.headers.host}${req.path}${query} via listener ${built.route.listenerId}` +
      (built.route.ruleId ? ` rule ${built.route.ruleId}` : ' default action') +
      (built.route.fixedSourceIp ? ` from ${req.sourceIp}` : ', from 250 client addresses');
    targetIds = o.backends.map((_, i) => `10.0.0.${i + 1}`);
    targetsLine = `Simulated targets (latency ms x requests served at once; more wait in a queue): ${o.backends
      .map((b, i) => `${targetIds[i]} ${b.latencyMs}x${b.concurrency}`)
      .join(', ')}`;
  }
  const tg = findTargetGroup(model, scenario.compare!.targetGroup)!;
  if (tg.loadBalancerType !== 'application')
    throw new SimulatorError(
      'SIM_BAD_OPTION',
      `--target-group ${tg.id} belongs to a ${tg.loadBalancerType} load balancer; compare sends HTTP requests and supports ALB target groups`,
    );
  const results = compareScenario(model, scenario, algorithms, { onProgress });
  return {
    targetGroup: tg.id,
    configuredAlgorithm: tg.attributes.algorithm,
    requestLine,
    targetsLine,
    targetIds,
    requests: results[0]?.requests.sent ?? 0,
    rps: scenario.workload.rate,
    seed: scenario.seed,
    rows: results.map(comparisonRow),
    results,
    scenario,
  };
}

/** `fixed 10 ms`, `lognormal median 20 ms σ 0.5`, ... */
export function describeLatency(l: Scenario['targets'][number]['behaviour']['latency']): string {
  switch (l.kind) {
    case 'fixed':
      return `${l.ms} ms`;
    case 'uniform':
      return `${l.minMs}-${l.maxMs} ms`;
    case 'lognormal':
      return `lognormal median ${l.medianMs} ms sigma ${l.sigma}`;
    case 'histogram':
      return `histogram of ${l.buckets.length} buckets`;
  }
}

function pad(s: string, n: number, right = false): string {
  const fill = ' '.repeat(Math.max(0, n - s.length));
  return right ? fill + s : s + fill;
}

const ms = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/** Statuses that are not 2xx/3xx (ELB or target errors, resets, unfinished requests). */
export function errorCount(row: ComparisonRow): number {
  return Object.entries(row.statuses)
    .filter(([s]) => !/^[23]\d\d$/.test(s))
    .reduce((n, [, c]) => n + c, 0);
}

/** The readable table `ha-sim compare` prints. */
export function formatComparison(r: CompareReport): string {
  const out = [
    `What-if comparison in virtual time: ${r.requests} requests at ${r.rps} req/s, seed ${r.seed}`,
    `Target group ${r.targetGroup} (configured algorithm: ${r.configuredAlgorithm})`,
    r.requestLine,
    r.targetsLine,
    '',
  ];
  const targetIds = r.targetIds.length <= 12 ? r.targetIds : r.targetIds.slice(0, 12);
  const header = ['algorithm', 'offered by', ...targetIds, 'mean ms', 'p50', 'p90', 'p99', 'max', 'errors', 'statuses'];
  const rows = r.rows.map((row) => [
    row.algorithm,
    row.aws ? (row.algorithm === r.configuredAlgorithm ? 'AWS (configured)' : 'AWS') : 'not AWS',
    ...targetIds.map((id) => {
      const n = row.perTarget[id] ?? 0;
      return `${n} (${Math.round((100 * n) / Math.max(1, row.requests))}%)`;
    }),
    ms(row.latencyMs.mean),
    ms(row.latencyMs.p50),
    ms(row.latencyMs.p90),
    ms(row.latencyMs.p99),
    ms(row.latencyMs.max),
    String(errorCount(row)),
    Object.entries(row.statuses)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([s, n]) => `${s}:${n}`)
      .join(' '),
  ]);
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => row[i].length)));
  const numeric = (i: number) => i >= 2 && i < header.length - 1;
  for (const row of all)
    out.push(
      row
        .map((c, i) => pad(c, widths[i], numeric(i)))
        .join('  ')
        .trimEnd(),
    );
  out.push(
    '',
    'Per-target columns: requests forwarded (share). Latency: virtual ms from request to response.',
    '"not AWS": classic algorithms AWS does not offer, for comparison only (ARCHITECTURE.md rule 4).',
  );
  return out.join('\n');
}
