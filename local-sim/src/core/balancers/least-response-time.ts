/**
 * NOT AN AWS ALGORITHM (for what-if comparisons only): least response time — the lowest
 * smoothed latency × (in-flight + 1); targets without data yet score 0 so they get tried.
 */
import type { Balancer, BalancerFactory, PoolTarget } from './balancer';

export const leastResponseTime: BalancerFactory = (): Balancer => ({
  algorithm: 'least_response_time (not AWS)',
  pick<T extends PoolTarget>(targets: readonly T[]): T {
    let best = targets[0];
    let bestScore = Infinity;
    for (const t of targets) {
      const score = (t.latencyMs ?? 0) * (t.outstanding + 1);
      if (score < bestScore) {
        bestScore = score;
        best = t;
      }
    }
    return best;
  },
});
