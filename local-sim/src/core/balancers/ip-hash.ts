/**
 * NOT AN AWS ALGORITHM (ARCHITECTURE.md rule 4; for what-if comparisons only): classic `ip_hash`,
 * hash(client IP) modulo the number of targets. Sticky per client, but most clients move when the pool
 * changes.
 */
import type { Balancer, BalancerFactory, PickContext, PoolTarget } from './balancer';
import { fnv1a } from './flow-hash';

export const ipHash: BalancerFactory = (): Balancer => ({
  algorithm: 'ip_hash (not AWS)',
  pick<T extends PoolTarget>(targets: readonly T[], ctx: PickContext): T {
    return targets[fnv1a(ctx.hashKey ?? '') % targets.length];
  },
});
