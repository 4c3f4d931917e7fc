/**
 * One interface for every target-selection algorithm (STYLE.md: pool with a pick hook). Adding an
 * algorithm is one file exporting a `BalancerFactory`.
 */
import type { Random } from '../types';

/** What an algorithm may look at when choosing. */
export interface PoolTarget {
  /** Stable key of the target within its target group. */
  readonly key: string;
  /** Relative share: 1 = full target; < 1 during slow start (§2.2) or anomaly mitigation (§2.1). */
  readonly weight: number;
  /** Requests currently in flight to this target (least_outstanding_requests, §2.1). */
  readonly outstanding: number;
  /** Smoothed response time (ms) of recent requests, when known (used only by non-AWS algorithms). */
  readonly latencyMs?: number;
}

export interface PickContext {
  readonly random: Random;
  readonly now: number;
  /** Flow-hash key (NLB §6.2), or the client IP for hashing algorithms on HTTP listeners. */
  readonly hashKey?: string;
}

export interface Balancer {
  /** `load_balancing.algorithm.type` value, or a descriptive name for non-AWS algorithms. */
  readonly algorithm: string;
  /** Choose one of `targets` (never empty when called); may keep per-pool state between calls. */
  pick<T extends PoolTarget>(targets: readonly T[], ctx: PickContext): T;
}

export type BalancerFactory = () => Balancer;
