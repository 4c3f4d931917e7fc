/**
 * `round_robin` (docs/aws-behaviour.md §2.1): targets in sequential order. Implemented as smooth weighted
 * round robin so that slow-start weights (§2.2) shape the share; with equal weights it is plain
 * sequential order, taken in constant time (a cursor) whatever the number of targets. When the pool's
 * membership changes the rotation restarts, so the remaining targets share evenly again.
 */
import { membershipTracker, type Balancer, type BalancerFactory, type PickContext, type PoolTarget } from './balancer';
import { smoothWeightedPick } from './weighted-round-robin';

export const roundRobin: BalancerFactory = (): Balancer => {
  const changed = membershipTracker();
  let current = new Map<string, number>();
  let cursor = 0;
  return {
    algorithm: 'round_robin',
    pick<T extends PoolTarget>(targets: readonly T[], ctx: PickContext): T {
      if (changed(targets)) {
        current = new Map();
        cursor = 0;
      }
      if (ctx.uniformWeights) {
        // equal weights: smooth weighted round robin visits the targets in order, one each
        if (cursor >= targets.length) cursor = 0;
        return targets[cursor++];
      }
      return smoothWeightedPick(targets, current, (t) => t.weight);
    },
  };
};
