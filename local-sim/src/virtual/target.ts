/**
 * Simulated targets of scenarios: a latency distribution, a concurrency limit with a first-come
 * first-served queue, an error rate, and switches the timeline flips (fail, slow, fail health checks).
 */
import type { Random } from '../core/types';
import { ok, type Backend, type BackendResponse } from './backend';

/** How long a target takes to answer one request (virtual ms), before any queueing. */
export type LatencySpec =
  | { readonly kind: 'fixed'; readonly ms: number }
  | { readonly kind: 'uniform'; readonly minMs: number; readonly maxMs: number }
  /** exp(N(ln median, sigma²)): most answers near the median, a long tail above it. */
  | { readonly kind: 'lognormal'; readonly medianMs: number; readonly sigma: number }
  /** A measured histogram: bucket i holds answers in (previous upToMs, upToMs], with relative `weight`. */
  | { readonly kind: 'histogram'; readonly buckets: readonly { readonly upToMs: number; readonly weight: number }[] };

/** Draws latencies from a spec with a seeded random source. */
export function latencySampler(spec: LatencySpec, random: Random): () => number {
  switch (spec.kind) {
    case 'fixed':
      return () => spec.ms;
    case 'uniform':
      return () => spec.minMs + random.next() * (spec.maxMs - spec.minMs);
    case 'lognormal': {
      const mu = Math.log(spec.medianMs);
      return () => {
        // Box–Muller: one standard normal from two uniforms (1 - u keeps the logarithm finite)
        const u1 = 1 - random.next();
        const u2 = random.next();
        const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
        return Math.exp(mu + spec.sigma * z);
      };
    }
    case 'histogram': {
      const cumulative: number[] = [];
      let total = 0;
      for (const b of spec.buckets) cumulative.push((total += b.weight));
      return () => {
        const x = random.next() * total;
        let lo = 0;
        let hi = cumulative.length - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (cumulative[mid] > x) hi = mid;
          else lo = mid + 1;
        }
        const from = lo === 0 ? 0 : spec.buckets[lo - 1].upToMs;
        return from + random.next() * (spec.buckets[lo].upToMs - from);
      };
    }
  }
}

/** The behaviour of a simulated target when all is well. */
export interface TargetBehaviour {
  readonly latency: LatencySpec;
  /** Requests served at once; later ones wait first come, first served (default: no limit). */
  readonly concurrency?: number;
  /** Share of requests answered with `errorStatus` (0–1, default 0). */
  readonly errorRate?: number;
  /** Status of those answers (default 500). */
  readonly errorStatus?: number;
}

/** What requests (or health checks) get while the timeline has broken the target. */
export type FailureMode = 'refuse' | 'hang' | number;

/** Latency of a health-check answer from a target that is up (virtual ms). */
export const HEALTH_CHECK_LATENCY_MS = 1;

/**
 * The answer to a request, shared by every target and rewritten by each call: the simulator reads it at
 * once and keeps nothing, and a million requests a second should not mean a million objects (nor one
 * more object per target to bring into the cache).
 */
const ANSWER = { kind: 'response' as const, status: 200, latencyMs: 0 };

/** A target that is up answers health checks with this (shared, never changed). */
const HEALTH_CHECK_PASSED: BackendResponse = Object.freeze(ok(200, HEALTH_CHECK_LATENCY_MS));

export class SimulatedTarget implements Backend {
  /** Fixed latency (the common case, read without a call), or NaN to use `#sample`. */
  readonly #fixedMs: number;
  readonly #sample: () => number;
  readonly #random: Random;
  readonly #errorRate: number;
  readonly #errorStatus: number;
  /** Times at which each of the `concurrency` slots is next free (a min-heap); undefined = no limit. */
  readonly #free: number[] | undefined;
  /** Set while requests fail (`fail` in the timeline). */
  requestFailure?: FailureMode;
  /** Set while health checks fail (`fail` or `failHealthCheck`). */
  healthFailure?: FailureMode;
  /** Latency multiplier (`slow`). */
  slowFactor = 1;

  constructor(
    readonly behaviour: TargetBehaviour,
    random: Random,
    /** Availability Zone, for zone outages. */
    readonly availabilityZone?: string,
  ) {
    this.#random = random;
    this.#sample = latencySampler(behaviour.latency, random);
    this.#fixedMs = behaviour.latency.kind === 'fixed' ? behaviour.latency.ms : NaN;
    this.#errorRate = behaviour.errorRate ?? 0;
    this.#errorStatus = behaviour.errorStatus ?? 500;
    this.#free = behaviour.concurrency !== undefined ? new Array<number>(behaviour.concurrency).fill(0) : undefined;
  }

  healthCheck(): BackendResponse {
    return failed(this.healthFailure) ?? HEALTH_CHECK_PASSED;
  }

  request(now: number): BackendResponse {
    const failure = failed(this.requestFailure);
    if (failure) return failure;
    const fixed = this.#fixedMs;
    const service = (fixed === fixed ? fixed : this.#sample()) * this.slowFactor; // NaN !== NaN
    const answer = ANSWER;
    answer.status = this.#errorRate > 0 && this.#random.next() < this.#errorRate ? this.#errorStatus : 200;
    const free = this.#free;
    if (free === undefined) answer.latencyMs = service;
    else {
      // first come, first served: the request starts when the earliest slot frees up
      const start = Math.max(now, free[0]);
      this.#replaceEarliest(free, start + service);
      answer.latencyMs = start + service - now;
    }
    return answer;
  }

  #replaceEarliest(heap: number[], value: number): void {
    const n = heap.length;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && heap[child + 1] < heap[child]) child++;
      if (value <= heap[child]) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = value;
  }
}

function failed(mode: FailureMode | undefined): BackendResponse | undefined {
  if (mode === undefined) return undefined;
  if (mode === 'refuse' || mode === 'hang') return { kind: mode };
  return ok(mode, HEALTH_CHECK_LATENCY_MS);
}
