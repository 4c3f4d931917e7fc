/**
 * NLB UDP listeners, and TCP_UDP listeners (TCP and UDP on the same port), on real sockets
 * (docs/aws-behaviour.md §6.1–§6.3, §6.7).
 *
 * A UDP flow is the datagrams between one client address and port and the listener. Its first datagram
 * asks the engine for a target by flow hash (§6.2: protocol, source and destination, no sequence number),
 * and every later datagram of the flow goes to that target. Each flow has its own UDP socket towards the
 * target, so the target's replies are told apart and relayed to the client's address from the listener's
 * socket. A flow ends after the UDP idle timeout without datagrams either way (§6.3: 120 s, not
 * configurable); the next datagram is a new flow and may reach another target. The engine's
 * `terminate-connections` ends a flow at once (deregistration with connection termination on, which is
 * the default for UDP and TCP_UDP target groups, §6.5). UDP has no RST: nothing is sent to either side.
 *
 * Metrics (§6.7): `NewFlowCount` / `ActiveFlowCount` and their `_UDP` variants per flow, `ProcessedBytes`
 * and `ProcessedBytes_UDP` per datagram payload in either direction.
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { normaliseAddress } from '../core/headers';
import { targetSourceAddress } from '../core/nlb';
import type { ListenerModel, LoadBalancerModel } from '../model/types';
import { LISTENER_DEFAULTS } from '@ha-load-balancer/spec';
import type { FlowRecord, NlbListenerServices } from './flow';
import { TcpListener, type TcpListenerServices } from './tcp-listener';
import type { KeyPair } from './tls';

export interface UdpListenerServices extends NlbListenerServices {
  /** SIMULATOR TEST CONVENIENCE, NOT AWS: the UDP idle timeout in ms instead of 120 s (§6.3). */
  readonly idleTimeoutMs?: number;
}

interface UdpFlow {
  readonly key: string;
  readonly record: FlowRecord;
  readonly requestId: number;
  readonly upstream: dgram.Socket;
  readonly timer: NodeJS.Timeout;
  ended: boolean;
}

function socketType(address: string): dgram.SocketType {
  return net.isIPv6(address) ? 'udp6' : 'udp4';
}

export class UdpListener {
  readonly #socket: dgram.Socket;
  readonly #flows = new Map<string, UdpFlow>();
  #port = 0;

  private constructor(
    readonly loadBalancer: LoadBalancerModel,
    readonly listener: ListenerModel,
    private readonly services: UdpListenerServices,
    host: string,
  ) {
    this.#socket = dgram.createSocket({ type: socketType(host) });
    this.#socket.on('message', (msg, rinfo) => {
      try {
        this.#datagram(msg, rinfo);
      } catch (err) {
        services.onError?.(err);
      }
    });
  }

  static async start(
    loadBalancer: LoadBalancerModel,
    listener: ListenerModel,
    services: UdpListenerServices,
    port: number,
    host: string,
  ): Promise<UdpListener> {
    const l = new UdpListener(loadBalancer, listener, services, host);
    await new Promise<void>((resolve, reject) => {
      l.#socket.once('error', reject);
      l.#socket.bind(port, host, () => {
        l.#socket.off('error', reject);
        resolve();
      });
    });
    l.#socket.on('error', (err) => services.onError?.(err));
    l.#port = l.#socket.address().port;
    return l;
  }

  get port(): number {
    return this.#port;
  }

  get scheme(): 'udp' {
    return 'udp';
  }

  /** Flows open now (tests, stats). */
  get activeFlows(): number {
    return this.#flows.size;
  }

  async close(): Promise<void> {
    for (const f of [...this.#flows.values()]) this.#end(f);
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }

  get #idleMs(): number {
    return this.services.idleTimeoutMs ?? LISTENER_DEFAULTS.udpIdleTimeoutSeconds * 1000;
  }

  #datagram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const key = `${rinfo.address}|${rinfo.port}`;
    const flow = this.#flows.get(key) ?? this.#open(key, rinfo);
    // No target (none registered): the datagram is dropped; UDP has nothing to answer with.
    if (!flow) return;
    flow.record.receivedBytes += msg.length;
    flow.record.packets!.received++;
    this.services.metrics.flowBytes(this.services.loadBalancerDimension, 'UDP', msg.length);
    flow.timer.refresh();
    const target = flow.record.target!;
    flow.upstream.send(msg, target.port, target.targetId, (err) => {
      if (err) this.services.onError?.(err);
      else if (!flow.record.targetSource) this.#sourceOf(flow);
    });
  }

  #open(key: string, rinfo: dgram.RemoteInfo): UdpFlow | undefined {
    const { engine, metrics, inFlight } = this.services;
    const lb = this.services.loadBalancerDimension;
    const client = { ip: normaliseAddress(rinfo.address), port: rinfo.port };
    const d = engine.routeConnection(this.loadBalancer.id, this.listener.id, {
      protocol: 'UDP',
      sourceIp: client.ip,
      sourcePort: client.port,
      destinationIp: this.services.nodeAddress?.() ?? '127.0.0.1',
      destinationPort: this.listener.port,
    });
    if (d.kind === 'error') return undefined;
    const record: FlowRecord = {
      listenerId: this.listener.id,
      loadBalancer: lb,
      protocol: 'UDP',
      client,
      target: d.target,
      // §6.4: UDP flows carry no proxy protocol header (it is prepended to TCP data).
      proxyProtocol: false,
      receivedBytes: 0,
      sentBytes: 0,
      packets: { received: 0, sent: 0 },
      resets: [],
    };
    const upstream = dgram.createSocket({ type: socketType(d.target.targetId) });
    const flow: UdpFlow = {
      key,
      record,
      requestId: d.requestId,
      upstream,
      ended: false,
      timer: setTimeout(() => this.#end(flow), this.#idleMs),
    };
    this.#flows.set(key, flow);
    metrics.flowOpened(lb, 'UDP', this.services.targetGroupDimension?.(d.targetGroupId), d.failOpen);
    const from = normaliseAddress(d.target.targetId);
    upstream.on('message', (reply, r) => {
      // only the target's datagrams belong to the flow
      if (flow.ended || r.port !== d.target.port || normaliseAddress(r.address) !== from) return;
      record.sentBytes += reply.length;
      record.packets!.sent++;
      metrics.flowBytes(lb, 'UDP', reply.length);
      flow.timer.refresh();
      this.#socket.send(reply, rinfo.port, rinfo.address);
    });
    // ICMP errors (nothing listening at the target) are not the client's business: UDP just loses them.
    upstream.on('error', () => undefined);
    // The engine ends the flow (§6.5 connection termination): its state is dropped, nothing is sent.
    inFlight.add(d.requestId, () => this.#end(flow));
    return flow;
  }

  /** §6.4: what the target would see as the source; set once the flow's socket has its local port. */
  #sourceOf(flow: UdpFlow): void {
    const tg = this.services.targetGroup(flow.record.target!.targetGroupId);
    if (!tg) return;
    const node = { ip: this.services.nodeAddress?.() ?? '127.0.0.1', port: flow.upstream.address().port };
    flow.record.targetSource = targetSourceAddress(tg, flow.record.client, node);
  }

  #end(flow: UdpFlow): void {
    if (flow.ended) return;
    flow.ended = true;
    clearTimeout(flow.timer);
    this.#flows.delete(flow.key);
    this.services.inFlight.delete(flow.requestId);
    this.services.engine.requestFinished(flow.requestId);
    try {
      flow.upstream.close();
    } catch {
      // already closed
    }
    this.services.metrics.flowClosed(this.services.loadBalancerDimension, 'UDP');
    this.services.onFlowClosed?.(flow.record);
  }
}

/** How many times a TCP_UDP listener on a free port looks for a port free for both protocols. */
const TCP_UDP_BIND_ATTEMPTS = 20;

/** A TCP_UDP listener (§6.1): a TCP listener and a UDP listener on the same port number. */
export class TcpUdpListener {
  private constructor(
    readonly tcp: TcpListener,
    readonly udp: UdpListener,
  ) {}

  /** Binds TCP first; with port 0 it retries until the UDP port of the same number is free too. */
  static async start(
    loadBalancer: LoadBalancerModel,
    listener: ListenerModel,
    tcpServices: TcpListenerServices,
    udpServices: UdpListenerServices,
    port: number,
    host: string,
    keyPair?: KeyPair,
  ): Promise<TcpUdpListener> {
    for (let attempt = 1; ; attempt++) {
      const tcp = await TcpListener.start(loadBalancer, listener, tcpServices, port, host, keyPair);
      try {
        const udp = await UdpListener.start(loadBalancer, listener, udpServices, tcp.port, host);
        return new TcpUdpListener(tcp, udp);
      } catch (err) {
        await tcp.close();
        const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
        if (port !== 0 || !inUse || attempt >= TCP_UDP_BIND_ATTEMPTS) throw err;
      }
    }
  }

  get port(): number {
    return this.tcp.port;
  }

  get scheme(): 'tcp+udp' {
    return 'tcp+udp';
  }

  async close(): Promise<void> {
    await Promise.all([this.tcp.close(), this.udp.close()]);
  }
}
