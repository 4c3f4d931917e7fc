/**
 * What-if comparison of balancing algorithms in virtual time: the same model, backends and request
 * stream, once per algorithm (AWS's and, clearly marked, classic ones AWS does not offer).
 */
import { ALL_BALANCERS, isAwsAlgorithm, type BalancerName } from '../core/balancers';
import type { HttpRequestInfo } from '../core/types';
import type { SimModel } from '../model/types';
import { VirtualSimulator, type VirtualResponse } from './simulator';

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

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function compareAlgorithms(model: SimModel, options: CompareOptions): ComparisonRow[] {
  return options.algorithms.map((algorithm) => {
    const factory = ALL_BALANCERS[algorithm];
    const sim = new VirtualSimulator(model, { seed: options.seed ?? 1, balancerOverride: () => factory });
    options.setup?.(sim);
    sim.runUntil(sim.clock.now() + (options.warmupMs ?? 1));
    const responses: VirtualResponse[] = [];
    for (let i = 0; i < options.requests; i++) {
      const req = options.request?.(i) ?? {
        sourceIp: `198.51.100.${i % 250}`,
        headers: { host: 'example.com', 'x-client': String(i % 1000) },
      };
      responses.push(sim.request(options.loadBalancerId, options.listenerId, req));
      sim.runFor(options.intervalMs);
    }
    sim.runFor(60_000);
    const perTarget: Record<string, number> = {};
    const statuses: Record<string, number> = {};
    const latencies: number[] = [];
    for (const r of responses) {
      if (r.decision.kind === 'forward')
        perTarget[r.decision.target.targetId] = (perTarget[r.decision.target.targetId] ?? 0) + 1;
      const key = r.done ? String(r.status ?? 'reset') : 'pending';
      statuses[key] = (statuses[key] ?? 0) + 1;
      if (r.done && r.doneAt !== undefined) latencies.push(r.doneAt - r.sentAt);
    }
    latencies.sort((a, b) => a - b);
    const mean = latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : 0;
    return {
      algorithm,
      aws: isAwsAlgorithm(algorithm),
      requests: options.requests,
      perTarget,
      statuses,
      latencyMs: {
        mean,
        p50: percentile(latencies, 50),
        p90: percentile(latencies, 90),
        p99: percentile(latencies, 99),
        max: latencies[latencies.length - 1] ?? 0,
      },
    };
  });
}
