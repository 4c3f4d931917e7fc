/**
 * NLB flow hash (docs/aws-behaviour.md §6.2): a stable hash of the flow tuple chooses the target. AWS does
 * not publish its hash; rendezvous (highest-random-weight) hashing over FNV-1a is used, so a flow's
 * target only changes when that target leaves the candidate set.
 */
import type { Balancer, BalancerFactory, PickContext, PoolTarget } from './balancer';

export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // final avalanche (murmur3 fmix32) so that similar keys spread well
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

export const flowHash: BalancerFactory = (): Balancer => ({
  algorithm: 'flow_hash',
  pick<T extends PoolTarget>(targets: readonly T[], ctx: PickContext): T {
    const key = ctx.hashKey ?? '';
    let best = targets[0];
    let bestScore = -1;
    for (const t of targets) {
      const score = fnv1a(`${key}|${t.key}`);
      if (score > bestScore) {
        bestScore = score;
        best = t;
      }
    }
    return best;
  },
});
