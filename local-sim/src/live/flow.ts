/**
 * What the NLB listeners (`tcp-listener.ts`, `udp-listener.ts`) share: the services they need from the
 * simulator and the record of one flow (docs/aws-behaviour.md §6). There are no NLB access logs for TCP
 * and UDP listeners; the simulator emits a `flow` event with this record instead.
 */
import type { Engine, TargetKey } from '../core/engine';
import type { Metrics, ResetSource } from '../core/metrics';
import type { TargetGroupModel } from '../model/types';
import type { InFlightRegistry } from './wire';

export interface NlbListenerServices {
  readonly engine: Engine;
  readonly inFlight: InFlightRegistry;
  readonly targetGroup: (id: string) => TargetGroupModel | undefined;
  readonly metrics: Metrics;
  /** `LoadBalancer` dimension (`net/name/id`). */
  readonly loadBalancerDimension: string;
  /** `TargetGroup` dimension of a target group id. */
  readonly targetGroupDimension?: (id: string) => string | undefined;
  /**
   * The private address of the load-balancer node that receives the listener's traffic: the source a
   * target sees without client IP preservation (§6.4); the node of `zone` when the flow arrived at a
   * zone's node address. Default `127.0.0.1`.
   */
  readonly nodeAddress?: (zone?: string) => string;
  /**
   * The Availability Zone of the load-balancer node whose address a connection arrived at (§2.4, §6.2);
   * undefined for the listener's own address.
   */
  readonly zoneOf?: (localAddress: string | undefined) => string | undefined;
  /** Called once per flow, after it ended and its metrics were counted. */
  readonly onFlowClosed?: (flow: FlowRecord) => void;
  readonly onError?: (err: unknown) => void;
}

/**
 * The source address a target sees (§6.4). On AWS, with client IP preservation the packets reach the target
 * from the client's address; without, from the NLB node's private address. The simulator cannot send
 * packets from another address on loopback: the target always sees the simulator's own socket (127.0.0.1
 * and an ephemeral port, simulator choice `client_ip_preservation`), and this says what AWS would show.
 */
export interface TargetSource {
  readonly ip: string;
  readonly port: number;
  /** True when this is the client's own address (client IP preservation in effect). */
  readonly preserved: boolean;
}

/** One NLB flow as the shell saw it. */
export interface FlowRecord {
  readonly listenerId: string;
  readonly loadBalancer: string;
  /** `TCP` for TCP listeners and the TCP side of TCP_UDP listeners, `TLS`, or `UDP`. */
  readonly protocol: 'TCP' | 'TLS' | 'UDP';
  readonly client: { readonly ip: string; readonly port: number };
  /** The target the flow was pinned to; absent when none was available (TCP: the client got a RST). */
  target?: TargetKey;
  /** §6.4 the source address the target would see on AWS (see `TargetSource`). */
  targetSource?: TargetSource;
  /** §6.4 a proxy protocol v2 header was sent to the target before the client's bytes. */
  proxyProtocol?: boolean;
  /** §6.1 the ALPN protocol the TLS listener negotiated with the client, when one was. */
  alpnProtocol?: string;
  /** Bytes from the client to the target (UDP: payload bytes of the datagrams). */
  receivedBytes: number;
  /** Bytes from the target to the client. */
  sentBytes: number;
  /** UDP: datagrams from the client, and from the target. */
  packets?: { received: number; sent: number };
  /** Every TCP RST of this flow, by sender (always empty for UDP). */
  readonly resets: ResetSource[];
}
