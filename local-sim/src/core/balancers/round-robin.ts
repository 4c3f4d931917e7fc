/**
 * `round_robin` (docs/aws-behaviour.md §2.1): targets in sequential order. Implemented as smooth weighted
 * round robin so that slow-start weights (§2.2) shape the share; with equal weights it is plain
 * sequential order. When the pool's membership changes the rotation restarts, so the remaining targets
 * share evenly again.
 */
import type { Balancer, BalancerFactory, PoolTarget } from './balancer';

export const roundRobin: BalancerFactory = (): Balancer => {
  let current = new Map<string, number>();
  let members = '';
  return {
    algorithm: 'round_robin',
    pick<T extends PoolTarget>(targets: readonly T[]): T {
      const signature = targets.map((t) => t.key).join('\n');
      if (signature !== members) {
        members = signature;
        current = new Map();
      }
      let total = 0;
      let best: T = targets[0];
      let bestValue = -Infinity;
      for (const t of targets) {
        const w = Math.max(0, t.weight);
        total += w;
        const v = (current.get(t.key) ?? 0) + w;
        current.set(t.key, v);
        if (v > bestValue) {
          bestValue = v;
          best = t;
        }
      }
      current.set(best.key, (current.get(best.key) ?? 0) - total);
      return best;
    },
  };
};
