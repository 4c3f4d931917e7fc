/**
 * NOT AN AWS ALGORITHM (ARCHITECTURE.md rule 4; for what-if comparisons only): smooth weighted round
 * robin as nginx does it (`server ... weight=N`). Each pick adds every target's weight to its running
 * score, sends to the highest score and takes the total off the winner, so weights 3:2:1 interleave as
 * a a b a c b rather than a a a b b c. ALB target groups have no per-target weights; the weights
 * here come from the what-if scenario.
 */
import { membershipTracker, type Balancer, type BalancerFactory, type PoolTarget } from './balancer';

/**
 * One smooth weighted round-robin step over `targets` with running scores `current` (by target key).
 * Targets with weight 0 are skipped while any target has a positive weight.
 */
export function smoothWeightedPick<T extends PoolTarget>(
  targets: readonly T[],
  current: Map<string, number>,
  weightOf: (t: T) => number,
): T {
  let total = 0;
  let best: T = targets[0];
  let bestValue = -Infinity;
  for (const t of targets) {
    const w = Math.max(0, weightOf(t));
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
}

/**
 * @param weights configured weight by target (`id` or `id:port`); targets not named weigh 1. The
 * engine's own weight (slow start, anomaly mitigation) multiplies it.
 */
export function weightedRoundRobin(weights: Readonly<Record<string, number>> = {}): BalancerFactory {
  const configured = (key: string): number => {
    const byKey = weights[key];
    if (byKey !== undefined) return byKey;
    const id = key.slice(0, key.lastIndexOf(':'));
    return weights[id] ?? 1;
  };
  return (): Balancer => {
    const changed = membershipTracker();
    let current = new Map<string, number>();
    return {
      algorithm: 'weighted_round_robin (not AWS)',
      pick<T extends PoolTarget>(targets: readonly T[]): T {
        if (changed(targets)) current = new Map();
        return smoothWeightedPick(targets, current, (t) => configured(t.key) * t.weight);
      },
    };
  };
}
