/**
 * NOT AN AWS ALGORITHM (for what-if comparisons only): power of two choices — sample two targets at
 * random and send to the one with fewer in-flight requests.
 */
import { randomInt } from '../random';
import type { Balancer, BalancerFactory, PickContext, PoolTarget } from './balancer';

export const powerOfTwoChoices: BalancerFactory = (): Balancer => ({
  algorithm: 'power_of_two_choices (not AWS)',
  pick<T extends PoolTarget>(targets: readonly T[], ctx: PickContext): T {
    if (targets.length === 1) return targets[0];
    const a = randomInt(ctx.random, targets.length);
    let b = randomInt(ctx.random, targets.length - 1);
    if (b >= a) b++;
    return targets[b].outstanding < targets[a].outstanding ? targets[b] : targets[a];
  },
});
