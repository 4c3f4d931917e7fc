/**
 * NOT AN AWS ALGORITHM (ARCHITECTURE.md rule 4; for what-if comparisons only): least connections, as
 * HAProxy's `leastconn` balances a connection. A client connection is given, when it opens, to the
 * target with the fewest open connections (busy or idle), and all its requests go there until it
 * closes. AWS's `least_outstanding_requests` instead counts requests in flight and chooses again for
 * every request, so under keep-alive an idle connection weighs nothing there and one here.
 *
 * Requests without a connection id count as connections of their own that last as long as the request
 * (the count is then the number of requests in flight). Ties go round robin, as in HAProxy.
 */
import { membershipTracker, type Balancer, type BalancerFactory, type PickContext, type PoolTarget } from './balancer';

export const leastConnections: BalancerFactory = (): Balancer => {
  const changed = membershipTracker();
  /** Target key of each open connection. */
  const connections = new Map<string, string>();
  /** Open connections per target key. */
  const open = new Map<string, number>();
  let array: readonly PoolTarget[] | undefined;
  let byKey = new Map<string, PoolTarget>();
  let turn = 0;

  const leastLoaded = <T extends PoolTarget>(targets: readonly T[], count: (t: T) => number): T => {
    let best = targets[0];
    let min = Infinity;
    const start = turn++ % targets.length;
    for (let i = 0; i < targets.length; i++) {
      const t = targets[(start + i) % targets.length];
      const c = count(t);
      if (c < min) {
        min = c;
        best = t;
      }
    }
    return best;
  };

  const close = (id: string): void => {
    const key = connections.get(id);
    if (key === undefined) return;
    connections.delete(id);
    const n = (open.get(key) ?? 1) - 1;
    if (n > 0) open.set(key, n);
    else open.delete(key);
  };

  return {
    algorithm: 'least_connections (not AWS)',
    pick<T extends PoolTarget>(targets: readonly T[], ctx: PickContext): T {
      if (changed(targets) || targets !== array) {
        array = targets;
        byKey = new Map(targets.map((t) => [t.key, t]));
      }
      const id = ctx.connectionId;
      if (id === undefined) return leastLoaded(targets, (t) => (open.get(t.key) ?? 0) + t.outstanding);
      const pinned = connections.get(id);
      const current = pinned !== undefined ? (byKey.get(pinned) as T | undefined) : undefined;
      if (current) return current;
      // a new connection, or one whose target left the pool (unhealthy, draining): choose again
      close(id);
      const chosen = leastLoaded(targets, (t) => open.get(t.key) ?? 0);
      connections.set(id, chosen.key);
      open.set(chosen.key, (open.get(chosen.key) ?? 0) + 1);
      return chosen;
    },
    connectionClosed: close,
  };
};
