/**
 * What every client connection of one ALB listener shares (`http-listener.ts` makes one per listener):
 * the exchange's edge, the pools to targets, the registry of requests in flight, the timeouts. The
 * HTTP/1.1 connections (`http1-connection.ts`), HTTP/2 sessions (`http2-edge.ts`) and WebSocket
 * tunnels (`tunnel.ts`) take it from here.
 */
import type { ListenerEdge } from '../core/exchange';
import type { UpstreamPools } from './upstream';
import type { InFlightRegistry } from './wire';

/** What every connection of one listener shares. */
export interface EdgeRuntime {
  readonly edge: ListenerEdge;
  readonly pools: UpstreamPools;
  readonly inFlight: InFlightRegistry;
  /** Idle timeout towards clients and targets (§5.2). */
  readonly idleMs: number;
  /** `client_keep_alive.seconds` in ms: connections older than this close after their next response. */
  readonly clientKeepAliveMs: number;
  readonly onError: (err: unknown) => void;
  /** True once the simulator is stopping: each connection closes after its current response. */
  readonly stopping: () => boolean;
  /** The zone of the load-balancer node a connection's local address belongs to (§2.4); undefined: none. */
  readonly zoneOf?: (localAddress: string | undefined) => string | undefined;
}
