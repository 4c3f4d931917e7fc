/**
 * One NLB listener (TCP or TLS) on a real socket (docs/aws-behaviour.md §6.1–§6.3): each client connection
 * is one flow; the engine picks the target once by flow hash (§6.2), then bytes are piped both ways
 * until either side closes. TLS listeners terminate TLS with the simulator's self-signed certificate and
 * open plain TCP (TCP target group) or TLS (TLS target group) to the target. Idle flows are reset after
 * the TCP idle timeout (§6.3). UDP listeners are not served by the live shell.
 *
 * Metrics (`AWS/NetworkELB`, §6.7) are counted as they happen: `NewFlowCount` / `ActiveFlowCount` when a
 * flow gets a target and when it ends, `ProcessedBytes` per chunk in either direction, and one
 * `TCP_{Client,ELB,Target}_Reset_Count` per RST: a client's or target's RST is relayed to the other
 * side (counted once, for its sender; a refused connect is the target's RST); RSTs the load balancer
 * makes itself (no target, other connect failures, idle timeout: one per side) count as ELB resets.
 */
import { randomInt } from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Engine, TargetKey } from '../core/engine';
import { normaliseAddress } from '../core/headers';
import type { Metrics, ResetSource } from '../core/metrics';
import type { ListenerModel, LoadBalancerModel, TargetGroupModel } from '../model/types';
import { LISTENER_DEFAULTS } from '@ha-load-balancer/spec';
import type { InFlightRegistry } from './wire';
import { tlsVersions, type KeyPair } from './tls';
import { listen } from './ports';

export interface TcpListenerServices {
  readonly engine: Engine;
  readonly inFlight: InFlightRegistry;
  readonly targetGroup: (id: string) => TargetGroupModel | undefined;
  /** TCP idle timeout override in ms (test convenience), else the AWS default (§6.3). */
  readonly idleTimeoutMs?: number;
  readonly connectTimeoutMs: number;
  readonly metrics: Metrics;
  /** `LoadBalancer` dimension (`net/name/id`). */
  readonly loadBalancerDimension: string;
  /** `TargetGroup` dimension of a target group id. */
  readonly targetGroupDimension?: (id: string) => string | undefined;
  /**
   * The Availability Zone of the load-balancer node whose address a connection arrived at (§2.4, §6.2);
   * undefined for the listener's own address.
   */
  readonly zoneOf?: (localAddress: string | undefined) => string | undefined;
  /**
   * Where to connect for a target, when it is not simply `targetId:port` (an `alb` target: that ALB's
   * listener on the simulator's host).
   */
  readonly targetAddress?: (target: TargetKey) => { host: string; port: number };
  /** Called once per accepted connection, after it closed and its metrics were counted. */
  readonly onFlowClosed?: (flow: FlowRecord) => void;
  readonly onError?: (err: unknown) => void;
}

/** One NLB flow as the shell saw it (there are no NLB access logs for TCP listeners). */
export interface FlowRecord {
  readonly listenerId: string;
  readonly loadBalancer: string;
  readonly client: { readonly ip: string; readonly port: number };
  /** The target the flow was pinned to; absent when none was available (the client got a RST). */
  target?: TargetKey;
  /** Bytes from the client to the target. */
  receivedBytes: number;
  /** Bytes from the target to the client. */
  sentBytes: number;
  /** Every RST of this flow, by sender. */
  readonly resets: ResetSource[];
}

/** A peer's RST shows up as ECONNRESET on our side of the socket. */
function isReset(err: NodeJS.ErrnoException): boolean {
  return err.code === 'ECONNRESET';
}

export class TcpListener {
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  #port = 0;

  private constructor(
    readonly loadBalancer: LoadBalancerModel,
    readonly listener: ListenerModel,
    private readonly services: TcpListenerServices,
    keyPair: KeyPair | undefined,
  ) {
    const onSocket = (s: net.Socket): void => {
      try {
        this.#flow(s);
      } catch (err) {
        services.onError?.(err);
        s.destroy();
      }
    };
    this.#server = keyPair
      ? tls.createServer({ key: keyPair.key, cert: keyPair.cert, ...tlsVersions(listener.sslPolicy) }, onSocket)
      : net.createServer(onSocket);
    this.#server.on('tlsClientError', (_e: Error, s: net.Socket) => s.destroy());
  }

  static async start(
    loadBalancer: LoadBalancerModel,
    listener: ListenerModel,
    services: TcpListenerServices,
    port: number,
    host: string,
    keyPair?: KeyPair,
  ): Promise<TcpListener> {
    const l = new TcpListener(loadBalancer, listener, services, keyPair);
    l.#port = await listen(l.#server, port, host, (err) => services.onError?.(err));
    return l;
  }

  get port(): number {
    return this.#port;
  }

  /** A connection accepted elsewhere (a load-balancer node address, `lb-nodes.ts`) joins this listener. */
  accept(socket: net.Socket): void {
    this.#server.emit('connection', socket);
  }

  get scheme(): 'tcp' | 'tls' {
    return this.listener.protocol === 'TLS' ? 'tls' : 'tcp';
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      for (const s of this.#sockets) s.destroy();
    });
  }

  #flow(client: net.Socket): void {
    this.#sockets.add(client);
    const { engine, inFlight, metrics } = this.services;
    const lb = this.services.loadBalancerDimension;
    const flow: FlowRecord = {
      listenerId: this.listener.id,
      loadBalancer: lb,
      client: { ip: normaliseAddress(client.remoteAddress ?? '0.0.0.0'), port: client.remotePort ?? 0 },
      receivedBytes: 0,
      sentBytes: 0,
      resets: [],
    };
    const counted = (source: ResetSource): void => {
      flow.resets.push(source);
      metrics.tcpReset(lb, source);
    };
    /** The load balancer itself sends a RST on `socket` (§6.3, §6.7 `TCP_ELB_Reset_Count`). */
    const elbReset = (socket: net.Socket): void => {
      if (socket.destroyed) return;
      counted('elb');
      socket.resetAndDestroy();
    };
    /** Work to do when the client side closes (set once the flow has a target). */
    let settle = (): void => undefined;
    client.once('close', () => {
      this.#sockets.delete(client);
      settle();
      this.services.onFlowClosed?.(flow);
    });
    const d = engine.routeConnection(this.loadBalancer.id, this.listener.id, {
      protocol: this.listener.protocol === 'TLS' ? 'TLS' : 'TCP',
      sourceIp: flow.client.ip,
      sourcePort: flow.client.port,
      destinationIp: '127.0.0.1',
      destinationPort: this.listener.port,
      // §6.2: the TCP flow hash includes the sequence number; a random per-connection nonce stands in.
      sequence: randomInt(0, 2 ** 32),
      availabilityZone: this.services.zoneOf?.(client.localAddress),
    });
    if (d.kind === 'error') {
      client.on('error', () => undefined);
      elbReset(client);
      return;
    }
    flow.target = d.target;
    const tgDimension = this.services.targetGroupDimension?.(d.targetGroupId);
    metrics.flowOpened(lb, tgDimension, d.failOpen);
    const tg = this.services.targetGroup(d.targetGroupId);
    const opts = this.services.targetAddress?.(d.target) ?? { host: d.target.targetId, port: d.target.port };
    const upstream: net.Socket =
      tg?.protocol === 'TLS' ? tls.connect({ ...opts, rejectUnauthorized: false }) : net.connect(opts);
    let connected = false;
    let finished = false;
    const finish = (connectionError: boolean): void => {
      if (finished) return;
      finished = true;
      inFlight.delete(d.requestId);
      engine.requestFinished(d.requestId, { connectionError });
    };
    const connectTimer = setTimeout(() => upstream.destroy(), this.services.connectTimeoutMs);
    inFlight.add(d.requestId, () => {
      upstream.destroy();
      client.destroy();
    });
    client.on('error', (err: NodeJS.ErrnoException) => {
      if (!isReset(err)) return;
      // The client's RST is passed on to the target.
      counted('client');
      if (!upstream.destroyed) upstream.resetAndDestroy();
    });
    upstream.once(tg?.protocol === 'TLS' ? 'secureConnect' : 'connect', () => {
      connected = true;
      clearTimeout(connectTimer);
      client.on('data', (chunk: Buffer) => {
        flow.receivedBytes += chunk.length;
        metrics.flowBytes(lb, chunk.length);
      });
      upstream.on('data', (chunk: Buffer) => {
        flow.sentBytes += chunk.length;
        metrics.flowBytes(lb, chunk.length);
      });
      upstream.pipe(client);
      client.pipe(upstream);
      const idle = this.services.idleTimeoutMs ?? LISTENER_DEFAULTS.tcpIdleTimeoutSeconds * 1000;
      // §6.3: after the idle timeout the flow is gone; data afterwards gets a RST.
      client.setTimeout(idle, () => {
        elbReset(client);
        elbReset(upstream);
      });
    });
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(connectTimer);
      if (!connected) finish(true);
      if (client.destroyed) return;
      if (isReset(err) || err.code === 'ECONNREFUSED') {
        // The target's RST (on connect or later) is passed on to the client.
        counted('target');
        client.resetAndDestroy();
      } else elbReset(client);
    });
    const close = (): void => {
      clearTimeout(connectTimer);
      if (!upstream.destroyed) upstream.destroy();
      if (!client.destroyed) client.destroy();
      finish(!connected);
    };
    upstream.once('close', close);
    settle = () => {
      close();
      metrics.flowClosed(lb);
    };
  }
}
