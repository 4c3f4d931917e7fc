/**
 * What-if comparison of balancing algorithms in virtual time: the same model, backends and request
 * stream, once per algorithm (AWS's and, clearly marked, classic ones AWS does not offer).
 */
import { ALL_BALANCERS, isAwsAlgorithm, type BalancerName, type PoolTarget } from '../core/balancers';
import { seededRandom } from '../core/random';
import type { HttpRequestInfo } from '../core/types';
import type { SimModel } from '../model/types';
import { RunRecorder } from './recorder';
import { runScenario, type RunOptions, type ScenarioResult } from './runner';
import type { Scenario } from './scenario';
import { VirtualSimulator } from './simulator';

export interface CompareOptions {
  readonly loadBalancerId: string;
  readonly listenerId: string;
  readonly algorithms: readonly BalancerName[];
  readonly requests: number;
  /** Virtual time between two requests. */
  readonly intervalMs: number;
  readonly seed?: number;
  /** Time to let health checks settle before the first request (default 1 ms: first probes answered). */
  readonly warmupMs?: number;
  /** Install backends etc. on each fresh simulator. */
  readonly setup?: (sim: VirtualSimulator) => void;
  /** The i-th request (default: GET / from one of 1,000 client IPs). */
  readonly request?: (i: number) => Partial<HttpRequestInfo>;
}

export interface ComparisonRow {
  readonly algorithm: BalancerName;
  /** False for the classic algorithms AWS does not offer. */
  readonly aws: boolean;
  readonly requests: number;
  readonly perTarget: Readonly<Record<string, number>>;
  readonly statuses: Readonly<Record<string, number>>;
  readonly latencyMs: {
    readonly mean: number;
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly max: number;
  };
}

const BASE: HttpRequestInfo = {
  method: 'GET',
  path: '/',
  query: '',
  headers: { host: 'example.com' },
  sourceIp: '203.0.113.10',
  protocol: 'http',
  port: 80,
};

/** One run per algorithm over the same request stream; counts as it goes (no list of responses). */
export function compareAlgorithms(model: SimModel, options: CompareOptions): ComparisonRow[] {
  return options.algorithms.map((algorithm) => {
    const factory = ALL_BALANCERS[algorithm];
    const sim = new VirtualSimulator(model, { seed: options.seed ?? 1, balancerOverride: () => factory });
    options.setup?.(sim);
    sim.runUntil(sim.clock.now() + (options.warmupMs ?? 1));
    const recorder = new RunRecorder(sim.clock.now(), 1, 1);
    const perTarget: Record<string, number> = {};
    let pending = options.requests;
    for (let i = 0; i < options.requests; i++) {
      const req = options.request?.(i) ?? {
        sourceIp: `198.51.100.${i % 250}`,
        headers: { host: 'example.com', 'x-client': String(i % 1000) },
      };
      const d = sim.send(options.loadBalancerId, options.listenerId, { ...BASE, ...req }, (o) => {
        pending--;
        recorder.outcome(o);
      });
      if (d.kind === 'forward') perTarget[d.target.targetId] = (perTarget[d.target.targetId] ?? 0) + 1;
      sim.runFor(options.intervalMs);
    }
    sim.runFor(60_000);
    const statuses: Record<string, number> = { ...recorder.statuses() };
    if (pending > 0) statuses.pending = pending;
    return {
      algorithm,
      aws: isAwsAlgorithm(algorithm),
      requests: options.requests,
      perTarget,
      statuses,
      latencyMs: rowLatency(recorder),
    };
  });
}

function rowLatency(r: RunRecorder): ComparisonRow['latencyMs'] {
  const l = r.latency();
  return { mean: l.mean, p50: l.p50, p90: l.p90, p99: l.p99, max: l.max };
}

/** One scenario run per algorithm on the scenario's `compare.targetGroup` (or the given one). */
export function compareScenario(
  model: SimModel,
  scenario: Scenario,
  algorithms: readonly BalancerName[],
  options: Omit<RunOptions, 'algorithm'> = {},
): ScenarioResult[] {
  return algorithms.map((algorithm, i) =>
    runScenario(model, scenario, {
      ...options,
      algorithm,
      onProgress: options.onProgress
        ? (done, requests) => options.onProgress!((i + done) / algorithms.length, requests)
        : undefined,
    }),
  );
}

/** The table row of one scenario run (requests per target id, statuses, latency). */
export function comparisonRow(result: ScenarioResult): ComparisonRow {
  const perTarget: Record<string, number> = {};
  for (const t of result.targets) perTarget[t.targetId] = (perTarget[t.targetId] ?? 0) + t.requests;
  const l = result.latencyMs;
  const algorithm = result.algorithm as BalancerName;
  return {
    algorithm,
    aws: isAwsAlgorithm(algorithm),
    requests: result.requests.sent,
    perTarget,
    statuses: result.statuses,
    latencyMs: { mean: l.mean, p50: l.p50, p90: l.p90, p99: l.p99, max: l.max },
  };
}

/** Share of client keys that land on another target when one of `n` targets leaves. */
export interface KeysMovedPoint {
  readonly targets: number;
  /** Keys that moved, as a share of all keys (the leaving target's own keys always move). */
  readonly moved: number;
}

/**
 * For hashing algorithms (consistent hashing, IP hash): how many of `keys` client addresses change
 * target when the last of `n` targets leaves, for n from 2 to `maxTargets`. Consistent hashing moves
 * about 1/n (only the leaving target's clients); hash modulo n moves most of them.
 */
export function keysMoved(algorithm: 'consistent_hash' | 'ip_hash', maxTargets = 20, keys = 10_000): KeysMovedPoint[] {
  const out: KeysMovedPoint[] = [];
  const random = seededRandom(7);
  const addresses = Array.from({ length: keys }, (_, i) => `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`);
  for (let n = 2; n <= maxTargets; n++) {
    const all: PoolTarget[] = Array.from({ length: n }, (_, i) => ({
      key: `10.0.0.${i + 1}:80`,
      weight: 1,
      outstanding: 0,
    }));
    const fewer = all.slice(0, n - 1);
    const before = ALL_BALANCERS[algorithm]();
    const after = ALL_BALANCERS[algorithm]();
    let moved = 0;
    for (const a of addresses) {
      const ctx = { random, now: 0, hashKey: a };
      if (before.pick(all, ctx).key !== after.pick(fewer, ctx).key) moved++;
    }
    out.push({ targets: n, moved: moved / keys });
  }
  return out;
}
