/**
 * NOT AN AWS ALGORITHM (for what-if comparisons only): consistent hashing on a ring with virtual nodes.
 * A client keeps its target while the target stays; only ~1/n of clients move when the pool changes.
 */
import type { Balancer, BalancerFactory, PickContext, PoolTarget } from './balancer';
import { fnv1a } from './flow-hash';

const VIRTUAL_NODES = 100;

export const consistentHash: BalancerFactory = (): Balancer => {
  let members = '';
  let ring: { hash: number; key: string }[] = [];
  return {
    algorithm: 'consistent_hash (not AWS)',
    pick<T extends PoolTarget>(targets: readonly T[], ctx: PickContext): T {
      const signature = targets.map((t) => t.key).join('\n');
      if (signature !== members) {
        members = signature;
        ring = targets
          .flatMap((t) =>
            Array.from({ length: VIRTUAL_NODES }, (_, i) => ({ hash: fnv1a(`${t.key}#${i}`), key: t.key })),
          )
          .sort((a, b) => a.hash - b.hash);
      }
      const h = fnv1a(ctx.hashKey ?? '');
      let lo = 0;
      let hi = ring.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (ring[mid].hash < h) lo = mid + 1;
        else hi = mid;
      }
      const key = ring[lo % ring.length].key;
      return targets.find((t) => t.key === key) ?? targets[0];
    },
  };
};
