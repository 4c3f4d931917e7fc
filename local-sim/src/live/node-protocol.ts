/**
 * Messages between the primary process and its load-balancer node processes (`ha-sim --workers N`),
 * over the cluster IPC channel (structured clone, in order). The primary decides health and owns
 * control; each node serves connections with its own engine (a follower, `EngineOptions.role`).
 */
import type { AccessLogEntry } from '../core/access-log';
import type { HealthInput } from '../core/engine';
import type { ExchangeObservation } from '../core/exchange';
import type { MetricsRows } from '../core/metrics';
import type { SimModel } from '../model/types';
import type { FlowRecord } from './flow';
import type { IdpEndpoints } from '../core/authenticate';
import type { AuthKeyMaterial } from '../idp/alb-keys';
import type { KeyPair } from './tls';

/** What a node forwards to the primary, as the primary asks (nothing by default: it costs per request). */
export interface NodeForwarding {
  readonly accessLog: boolean;
  readonly exchanges: boolean;
  readonly flows: boolean;
}

/** What every node starts from: the primary's model, keys and settings, and the health applied so far. */
export interface NodeSettings {
  readonly model: SimModel;
  /** The stickiness cookie key every node shares (§3: a cookie from one node works on any other). */
  readonly cookieKey: Uint8Array;
  readonly tls?: KeyPair;
  /** §4.3 the load balancer's authentication keys and the test identity provider's endpoints. */
  readonly auth?: NodeAuth;
  readonly idleTimeoutOverrideMs?: number;
  readonly connectTimeoutMs?: number;
  readonly forwarding: NodeForwarding;
  /** Health inputs the primary's engine applied before this node existed, in order. */
  readonly health: readonly HealthInput[];
}

export type ToNode =
  | ({
      readonly t: 'init';
      /** 1-based node number. */
      readonly node: number;
    } & NodeSettings)
  | { readonly t: 'listen'; readonly seq: number; readonly listeners: readonly ListenSpec[] }
  | { readonly t: 'close'; readonly seq: number; readonly ids: readonly string[]; readonly graceMs: number }
  | { readonly t: 'health'; readonly inputs: readonly HealthInput[] }
  | { readonly t: 'model'; readonly model: SimModel }
  /** Local ports of every listener (redirects to the simulator's own listeners, a simulator convenience). */
  | { readonly t: 'ports'; readonly ports: Readonly<Record<string, number>> }
  | { readonly t: 'forwarding'; readonly forwarding: NodeForwarding }
  /** What only the primary knows: node addresses and their zones (§2.4), Lambda and `alb` targets' addresses. */
  | { readonly t: 'addresses'; readonly addresses: SharedAddresses }
  /**
   * A connection the primary accepted at a node address of listener `id`; the socket comes with the
   * message. The node routes it as the zone's node whose address it arrived at.
   */
  | { readonly t: 'accept'; readonly id: string }
  /** Answer `synced` once everything sent before has been applied. */
  | { readonly t: 'sync'; readonly seq: number }
  | { readonly t: 'stop'; readonly seq: number; readonly graceMs: number };

/** See the `addresses` message. */
export interface SharedAddresses {
  readonly nodes: readonly { readonly address: string; readonly loadBalancerId: string; readonly zone: string }[];
  /** By `<target group id>|<target id>|<port>`. */
  readonly targets: Readonly<Record<string, { readonly host: string; readonly port: number }>>;
}

export interface ListenSpec {
  readonly id: string;
  readonly port: number;
  readonly host: string;
  /** §5.1 verify mode: the CA bundle of the listener's trust store (PEM). */
  readonly trustStorePem?: string;
}

/** What every node needs for authenticate actions (§4.3): the same keys everywhere. */
export interface NodeAuth {
  readonly keys: AuthKeyMaterial;
  readonly testIdp?: IdpEndpoints;
}

export type FromNode =
  | { readonly t: 'ready' }
  | { readonly t: 'listening'; readonly seq: number; readonly ports: Readonly<Record<string, number>> }
  | { readonly t: 'closed'; readonly seq: number }
  | { readonly t: 'synced'; readonly seq: number; readonly metrics: MetricsRows }
  | { readonly t: 'stopped'; readonly seq: number; readonly metrics: MetricsRows }
  /** Cumulative counters, about once a second while anything changes. */
  | { readonly t: 'metrics'; readonly metrics: MetricsRows }
  | {
      readonly t: 'records';
      readonly accessLog: readonly AccessLogEntry[];
      readonly exchanges: readonly ExchangeObservation[];
      readonly flows: readonly FlowRecord[];
    }
  | { readonly t: 'failed'; readonly seq?: number; readonly code?: string; readonly message: string };
