/**
 * `least_outstanding_requests` (docs/aws-behaviour.md §2.1): the target with the fewest in-flight requests;
 * ties broken uniformly at random (simulator choice `lor_tie_break`).
 */
import { randomInt } from '../random';
import type { Balancer, BalancerFactory, PickContext, PoolTarget } from './balancer';

export const leastOutstandingRequests: BalancerFactory = (): Balancer => ({
  algorithm: 'least_outstanding_requests',
  pick<T extends PoolTarget>(targets: readonly T[], ctx: PickContext): T {
    let min = Infinity;
    let ties: T[] = [];
    for (const t of targets) {
      if (t.outstanding < min) {
        min = t.outstanding;
        ties = [t];
      } else if (t.outstanding === min) ties.push(t);
    }
    return ties.length === 1 ? ties[0] : ties[randomInt(ctx.random, ties.length)];
  },
});
