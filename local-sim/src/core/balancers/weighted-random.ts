/**
 * `weighted_random` (docs/aws-behaviour.md §2.1): random order, each target chosen with probability
 * proportional to its weight (1 normally; lowered by anomaly mitigation, see `../anomaly.ts`). With
 * equal weights the pick takes constant time whatever the number of targets.
 */
import { randomInt } from '../random';
import type { Balancer, BalancerFactory, PickContext, PoolTarget } from './balancer';

export function weightedChoice<T extends { readonly weight: number }>(items: readonly T[], r: number): T {
  const total = items.reduce((s, t) => s + Math.max(0, t.weight), 0);
  if (total <= 0) return items[Math.min(items.length - 1, Math.floor(r * items.length))];
  let x = r * total;
  for (const t of items) {
    x -= Math.max(0, t.weight);
    if (x < 0) return t;
  }
  return items[items.length - 1];
}

export const weightedRandom: BalancerFactory = (): Balancer => ({
  algorithm: 'weighted_random',
  pick<T extends PoolTarget>(targets: readonly T[], ctx: PickContext): T {
    // equal weights: the same index weightedChoice would find for the same random number
    if (ctx.uniformWeights) return targets[randomInt(ctx.random, targets.length)];
    return weightedChoice(targets, ctx.random.next());
  },
});
