/**
 * One NLB listener (TCP, TLS, or the TCP side of TCP_UDP) on a real socket (docs/aws-behaviour.md
 * §6.1–§6.6): each client connection is one flow; the engine picks the target once by flow hash (§6.2),
 * then bytes are piped both ways until either side closes. TLS listeners terminate TLS with the simulator's
 * self-signed certificate, offer the ALPN protocols of their `AlpnPolicy` (§6.1), and open plain TCP (TCP
 * target group) or TLS (TLS target group) to the target. With `proxy_protocol_v2.enabled` a PPv2 header
 * naming the client and the listener goes first (§6.4). Idle flows are reset after the TCP idle timeout
 * (§6.3), and the engine's `terminate-connections` resets the flows of a target that turned unhealthy or
 * whose deregistration delay ended with connection termination on (§6.5, §6.6).
 *
 * Metrics (`AWS/NetworkELB`, §6.7) are counted as they happen: `NewFlowCount` / `ActiveFlowCount` (and
 * their `_TCP` / `_TLS` variants) when a flow gets a target and when it ends, `ProcessedBytes` per chunk in
 * either direction, and one `TCP_{Client,ELB,Target}_Reset_Count` per RST: a client's or target's RST is
 * relayed to the other side (counted once, for its sender; a refused connect is the target's RST); RSTs the
 * load balancer makes itself (no target, other connect failures, idle timeout, termination: one per side)
 * count as ELB resets.
 */
import { randomInt } from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { normaliseAddress } from '../core/headers';
import type { ResetSource } from '../core/metrics';
import { alpnProtocols, proxyHeaderV2, targetSourceAddress } from '../core/nlb';
import type { ListenerModel, LoadBalancerModel } from '../model/types';
import type { TargetKey } from '../core/engine';
import { LISTENER_DEFAULTS } from '@ha-load-balancer/spec';
import type { FlowRecord, NlbListenerServices } from './flow';
import { tlsVersions, type KeyPair } from './tls';
import { listen } from './ports';
import { latin1 } from '../core/http1';
import { readDirect } from './direct-read';
import { writeLatin1 } from './direct-write';
import { IdleClock, idleSweep, type Swept } from './idle-sweep';

export type { FlowRecord } from './flow';

export interface TcpListenerServices extends NlbListenerServices {
  /** SIMULATOR TEST CONVENIENCE, NOT AWS: TCP idle timeout in ms instead of the AWS default (§6.3). */
  readonly idleTimeoutMs?: number;
  readonly connectTimeoutMs: number;
  /**
   * Where to connect for a target, when it is not simply `targetId:port` (an `alb` target: that ALB's
   * listener on the simulator's host).
   */
  readonly targetAddress?: (target: TargetKey) => { host: string; port: number } | undefined;
}

/** A peer's RST shows up as ECONNRESET on our side of the socket. */
function isReset(err: NodeJS.ErrnoException): boolean {
  return err.code === 'ECONNRESET';
}

export class TcpListener {
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  /** TLS listeners: the certificate and versions of the listener's policy, and its ALPN list (§6.1). */
  readonly #secure?: { readonly context: tls.SecureContext; readonly alpn?: readonly string[] };
  #port = 0;

  private constructor(
    readonly loadBalancer: LoadBalancerModel,
    readonly listener: ListenerModel,
    private readonly services: TcpListenerServices,
    keyPair: KeyPair | undefined,
  ) {
    if (keyPair) {
      this.#secure = {
        context: tls.createSecureContext({ key: keyPair.key, cert: keyPair.cert, ...tlsVersions(listener.sslPolicy) }),
        alpn: alpnProtocols(listener.alpnPolicy),
      };
    }
    // TLS is layered on the accepted socket by hand (not tls.Server), so that the load balancer can still
    // send a TCP RST on it: Node resets only plain TCP handles.
    this.#server = net.createServer((raw) => {
      try {
        this.#accept(raw);
      } catch (err) {
        services.onError?.(err);
        raw.destroy();
      }
    });
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

  get #idleMs(): number {
    return this.services.idleTimeoutMs ?? LISTENER_DEFAULTS.tcpIdleTimeoutSeconds * 1000;
  }

  #accept(raw: net.Socket): void {
    this.#sockets.add(raw);
    raw.once('close', () => this.#sockets.delete(raw));
    // errors are handled on the socket that carries the flow (the TLS socket for TLS listeners)
    raw.on('error', () => undefined);
    const secure = this.#secure;
    if (!secure) {
      this.#flow(raw, raw);
      return;
    }
    const client = new tls.TLSSocket(raw, {
      isServer: true,
      secureContext: secure.context,
      ...(secure.alpn ? { ALPNProtocols: [...secure.alpn] } : {}),
    });
    // A failed handshake (including no common ALPN protocol, simulator choice nlb_alpn_mismatch) ends the
    // connection before any flow exists; a handshake that never completes ends at the idle timeout.
    const failed = (): void => {
      raw.destroy();
    };
    client.once('error', failed);
    raw.setTimeout(this.#idleMs, failed);
    client.once('secure', () => {
      client.off('error', failed);
      raw.setTimeout(0);
      try {
        this.#flow(client, raw);
      } catch (err) {
        this.services.onError?.(err);
        raw.destroy();
      }
    });
  }

  /**
   * One flow: `client` carries the client's bytes (the TLS socket of a TLS listener), `clientTcp` is the
   * TCP connection under it (where RSTs are sent).
   */
  #flow(client: net.Socket, clientTcp: net.Socket): void {
    const { engine, inFlight, metrics } = this.services;
    const lb = this.services.loadBalancerDimension;
    const protocol = this.listener.protocol === 'TLS' ? 'TLS' : 'TCP';
    // §2.4: a connection that arrived at a zone's node address is that node's flow
    const zone = this.services.zoneOf?.(clientTcp.localAddress);
    const nodeAddress = this.services.nodeAddress?.(zone) ?? '127.0.0.1';
    const alpn = client instanceof tls.TLSSocket && client.alpnProtocol ? client.alpnProtocol : undefined;
    const flow: FlowRecord = {
      listenerId: this.listener.id,
      loadBalancer: lb,
      protocol,
      client: {
        ip: normaliseAddress(clientTcp.remoteAddress ?? '0.0.0.0'),
        port: clientTcp.remotePort ?? 0,
      },
      ...(alpn ? { alpnProtocol: alpn } : {}),
      receivedBytes: 0,
      sentBytes: 0,
      resets: [],
    };
    const counted = (source: ResetSource): void => {
      flow.resets.push(source);
      metrics.tcpReset(lb, source);
    };
    /** The load balancer itself sends a RST on a TCP connection (§6.3, §6.6, §6.7 `TCP_ELB_Reset_Count`). */
    const elbReset = (socket: net.Socket): void => {
      if (socket.destroyed) return;
      counted('elb');
      socket.resetAndDestroy();
    };
    /** Work to do when the client side closes (set once the flow has a target). */
    let settle = (): void => undefined;
    clientTcp.once('close', () => {
      settle();
      this.services.onFlowClosed?.(flow);
    });
    const d = engine.routeConnection(this.loadBalancer.id, this.listener.id, {
      protocol,
      sourceIp: flow.client.ip,
      sourcePort: flow.client.port,
      destinationIp: nodeAddress,
      destinationPort: this.listener.port,
      // §6.2: the TCP flow hash includes the sequence number; a random per-connection nonce stands in.
      sequence: randomInt(0, 2 ** 32),
      availabilityZone: zone,
    });
    if (d.kind === 'error') {
      client.on('error', () => undefined);
      elbReset(clientTcp);
      return;
    }
    flow.target = d.target;
    metrics.flowOpened(lb, protocol, this.services.targetGroupDimension?.(d.targetGroupId), d.failOpen);
    const tg = this.services.targetGroup(d.targetGroupId);
    const opts = this.services.targetAddress?.(d.target) ?? { host: d.target.targetId, port: d.target.port };
    // §6.4: the PPv2 header goes first on the TCP connection (before a TLS handshake to a TLS target).
    const header = tg?.attributes.proxyProtocolV2
      ? proxyHeaderV2(flow.client, { ip: nodeAddress, port: this.listener.port })
      : undefined;
    flow.proxyProtocol = header !== undefined;
    const upstreamTcp = net.connect(opts);
    if (header) upstreamTcp.write(header);
    const targetTls = tg?.protocol === 'TLS';
    // To a TLS target the load balancer offers the protocol it agreed with the client (simulator choice
    // nlb_alpn_target), so that the bytes that follow mean the same to the target.
    const upstream: net.Socket = targetTls
      ? tls.connect({
          socket: upstreamTcp,
          rejectUnauthorized: false,
          ...(net.isIP(opts.host) === 0 ? { servername: opts.host } : {}),
          ...(alpn ? { ALPNProtocols: [alpn] } : {}),
        })
      : upstreamTcp;
    let connected = false;
    let finished = false;
    const finish = (connectionError: boolean): void => {
      if (finished) return;
      finished = true;
      inFlight.delete(d.requestId);
      engine.requestFinished(d.requestId, { connectionError });
    };
    const connectTimer = setTimeout(() => upstream.destroy(), this.services.connectTimeoutMs);
    // The engine resets the flows of a target that turned unhealthy, or whose deregistration delay ended
    // with connection termination on (§6.5, §6.6): a RST to each side.
    inFlight.add(d.requestId, () => {
      elbReset(clientTcp);
      elbReset(upstreamTcp);
    });
    client.on('error', (err: NodeJS.ErrnoException) => {
      if (!isReset(err)) return;
      // The client's RST is passed on to the target.
      counted('client');
      if (!upstreamTcp.destroyed) upstreamTcp.resetAndDestroy();
    });
    upstream.once(targetTls ? 'secureConnect' : 'connect', () => {
      connected = true;
      clearTimeout(connectTimer);
      if (tg) {
        flow.targetSource = targetSourceAddress(tg, flow.client, { ip: nodeAddress, port: upstreamTcp.localPort ?? 0 });
      }
      // §6.3: after the idle timeout (no byte either way) the flow is gone; data afterwards gets a RST.
      // One idle sweep looks at every flow (no timer refreshed per chunk).
      const idle = new FlowIdle(this.#idleMs, () => {
        elbReset(clientTcp);
        elbReset(upstreamTcp);
      });
      relay(client, upstream, idle, (n) => {
        flow.receivedBytes += n;
        metrics.flowBytes(lb, protocol, n);
      });
      relay(upstream, client, idle, (n) => {
        flow.sentBytes += n;
        metrics.flowBytes(lb, protocol, n);
      });
      clientTcp.once('close', () => idle.stop());
      upstream.once('close', () => idle.stop());
    });
    let upstreamFailed = false;
    const onUpstreamError = (err: NodeJS.ErrnoException): void => {
      if (upstreamFailed) return;
      upstreamFailed = true;
      clearTimeout(connectTimer);
      if (!connected) finish(true);
      if (clientTcp.destroyed) return;
      if (isReset(err) || err.code === 'ECONNREFUSED') {
        // The target's RST (on connect or later) is passed on to the client.
        counted('target');
        clientTcp.resetAndDestroy();
      } else elbReset(clientTcp);
    };
    upstreamTcp.on('error', onUpstreamError);
    if (upstream !== upstreamTcp) upstream.on('error', onUpstreamError);
    const close = (): void => {
      clearTimeout(connectTimer);
      if (!upstream.destroyed) upstream.destroy();
      if (!upstreamTcp.destroyed) upstreamTcp.destroy();
      if (!client.destroyed) client.destroy();
      if (!clientTcp.destroyed) clientTcp.destroy();
      finish(!connected);
    };
    upstream.once('close', close);
    settle = () => {
      close();
      metrics.flowClosed(lb, protocol);
    };
  }
}

/** A flow's idle timeout (§6.3): both directions touch one clock; the idle sweep looks at it. */
class FlowIdle implements Swept {
  readonly clock = new IdleClock(Date.now());
  #stopped = false;

  constructor(
    private readonly timeoutMs: number,
    private readonly onIdle: () => void,
  ) {
    idleSweep.add(this, timeoutMs);
  }

  sweep(now: number): void {
    if (!this.#stopped && this.clock.expired(now, this.timeoutMs)) {
      this.stop();
      this.onIdle();
    }
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    idleSweep.delete(this);
  }
}

/**
 * Bytes from `from` to `to` as they arrive, with back-pressure (reading `from` pauses while `to` has
 * not taken what it was given), and `from`'s end passed on as `to`'s (FIN). Plain TCP sockets are read
 * into the shared buffer and written straight to the other socket's handle (`direct-read.ts`,
 * `direct-write.ts`): no stream pipe, 'data' event or timer per chunk. Bytes go as latin1 text, one
 * char per byte, so every byte value passes unchanged.
 */
function relay(from: net.Socket, to: net.Socket, idle: FlowIdle, count: (bytes: number) => void): void {
  const pass = (chunk: Buffer, shared: boolean): void => {
    const n = chunk.length;
    count(n);
    idle.clock.touch();
    // a view of the shared read buffer is written (copied) before this returns; an own chunk as it is
    const ok = shared ? writeLatin1(to, latin1(chunk, 0, n)) : to.write(chunk);
    if (!ok && !to.destroyed) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  };
  // what `from` read before the flow had its target (a client speaks first) goes first
  for (let chunk = from.read() as Buffer | null; chunk !== null; chunk = from.read() as Buffer | null) {
    pass(chunk, false);
  }
  const direct = readDirect(from, (chunk: Buffer) => pass(chunk, direct));
  from.once('end', () => {
    if (!to.destroyed) to.end();
  });
}
