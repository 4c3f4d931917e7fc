/**
 * NOT AN AWS ALGORITHM (for what-if comparisons only): consistent hashing on a ring with virtual nodes.
 * A client keeps its target while the target stays; only ~1/n of clients move when the pool changes.
 * A pick is a binary search on the ring; the ring is rebuilt only when the membership changes.
 */
import { membershipTracker, type Balancer, type BalancerFactory, type PickContext, type PoolTarget } from './balancer';
import { fnv1a } from './flow-hash';

/** Points per target on the ring: enough for shares within a few per cent of even. */
export const VIRTUAL_NODES = 100;

export const consistentHash: BalancerFactory = (): Balancer => {
  const changed = membershipTracker();
  let ring: { hash: number; key: string }[] = [];
  let array: readonly PoolTarget[] | undefined;
  let byKey = new Map<string, PoolTarget>();
  return {
    algorithm: 'consistent_hash (not AWS)',
    pick<T extends PoolTarget>(targets: readonly T[], ctx: PickContext): T {
      if (changed(targets)) {
        ring = targets
          .flatMap((t) =>
            Array.from({ length: VIRTUAL_NODES }, (_, i) => ({ hash: fnv1a(`${t.key}#${i}`), key: t.key })),
          )
          .sort((a, b) => a.hash - b.hash);
      }
      if (targets !== array) {
        array = targets;
        byKey = new Map(targets.map((t) => [t.key, t]));
      }
      const h = fnv1a(ctx.hashKey ?? '');
      let lo = 0;
      let hi = ring.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (ring[mid].hash < h) lo = mid + 1;
        else hi = mid;
      }
      return (byKey.get(ring[lo % ring.length].key) as T | undefined) ?? targets[0];
    },
  };
};
