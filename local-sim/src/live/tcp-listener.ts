/**
 * One NLB listener (TCP or TLS) on a real socket (aws-semantics.md §6.1–§6.3): each client connection
 * is one flow; the engine picks the target once by flow hash (§6.2), then bytes are piped both ways
 * until either side closes. TLS listeners terminate TLS with the simulator's self-signed certificate and
 * open plain TCP (TCP target group) or TLS (TLS target group) to the target. Idle flows are reset after
 * the TCP idle timeout (§6.3). UDP listeners are not served by the live shell.
 */
import { randomInt } from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { Engine } from '../core/engine';
import { normaliseAddress } from '../core/headers';
import type { ListenerModel, LoadBalancerModel, TargetGroupModel } from '../model/types';
import { LISTENER_DEFAULTS } from '../spec';
import type { InFlightRegistry } from './http-listener';
import { tlsVersions, type KeyPair } from './tls';

export interface TcpListenerServices {
  readonly engine: Engine;
  readonly inFlight: InFlightRegistry;
  readonly targetGroup: (id: string) => TargetGroupModel | undefined;
  /** TCP idle timeout override in ms (test convenience), else the AWS default (§6.3). */
  readonly idleTimeoutMs?: number;
  readonly connectTimeoutMs: number;
  readonly onError?: (err: unknown) => void;
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
    await new Promise<void>((resolve, reject) => {
      l.#server.once('error', reject);
      l.#server.listen(port, host, () => {
        l.#server.off('error', reject);
        resolve();
      });
    });
    l.#port = (l.#server.address() as AddressInfo).port;
    l.#server.on('error', (err) => services.onError?.(err));
    return l;
  }

  get port(): number {
    return this.#port;
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
    client.on('error', () => undefined);
    client.once('close', () => this.#sockets.delete(client));
    const { engine, inFlight } = this.services;
    const d = engine.routeConnection(this.loadBalancer.id, this.listener.id, {
      protocol: this.listener.protocol === 'TLS' ? 'TLS' : 'TCP',
      sourceIp: normaliseAddress(client.remoteAddress ?? '0.0.0.0'),
      sourcePort: client.remotePort ?? 0,
      destinationIp: '127.0.0.1',
      destinationPort: this.listener.port,
      // §6.2: the TCP flow hash includes the sequence number; a random per-connection nonce stands in.
      sequence: randomInt(0, 2 ** 32),
    });
    if (d.kind === 'error') {
      client.resetAndDestroy();
      return;
    }
    const tg = this.services.targetGroup(d.targetGroupId);
    const opts = { host: d.target.targetId, port: d.target.port };
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
    upstream.once(tg?.protocol === 'TLS' ? 'secureConnect' : 'connect', () => {
      connected = true;
      clearTimeout(connectTimer);
      upstream.pipe(client);
      client.pipe(upstream);
      const idle = this.services.idleTimeoutMs ?? LISTENER_DEFAULTS.tcpIdleTimeoutSeconds * 1000;
      // §6.3: after the idle timeout the flow is gone; data afterwards gets a RST.
      client.setTimeout(idle, () => {
        client.resetAndDestroy();
        upstream.resetAndDestroy();
      });
    });
    upstream.on('error', () => {
      clearTimeout(connectTimer);
      if (!connected) finish(true);
      if (!client.destroyed) client.resetAndDestroy();
    });
    const close = (): void => {
      clearTimeout(connectTimer);
      if (!upstream.destroyed) upstream.destroy();
      if (!client.destroyed) client.destroy();
      finish(!connected);
    };
    upstream.once('close', close);
    client.once('close', close);
  }
}
