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
  /**
   * True when every target's weight is 1 (no slow start, no anomaly mitigation). The engine knows this
   * without looking at each target; it lets round robin and weighted random pick in constant time.
   */
  readonly uniformWeights?: boolean;
  /**
   * The client connection the request arrived on. Only algorithms that balance connections rather
   * than requests (least connections, not AWS) use it: a connection stays on its target until
   * `Balancer.connectionClosed`.
   */
  readonly connectionId?: string;
}

export interface Balancer {
  /** `load_balancing.algorithm.type` value, or a descriptive name for non-AWS algorithms. */
  readonly algorithm: string;
  /**
   * Choose one of `targets` (never empty when called); may keep per-pool state between calls. The
   * engine passes the same array again while the pool is unchanged, so an algorithm may compare arrays
   * by identity before it looks at their members.
   */
  pick<T extends PoolTarget>(targets: readonly T[], ctx: PickContext): T;
  /** The client connection `connectionId` has closed (connection-balancing algorithms only). */
  connectionClosed?(connectionId: string): void;
}

/**
 * Tells whether `targets` holds other members than at the last call, comparing the array by identity
 * first, so that an unchanged pool costs nothing whatever its size.
 */
export function membershipTracker(): (targets: readonly PoolTarget[]) => boolean {
  let last: readonly PoolTarget[] | undefined;
  let members = '';
  return (targets) => {
    if (targets === last) return false;
    last = targets;
    const signature = targets.map((t) => t.key).join('\n');
    if (signature === members) return false;
    members = signature;
    return true;
  };
}

export type BalancerFactory = () => Balancer;
