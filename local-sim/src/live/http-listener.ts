/**
 * One ALB listener (HTTP or HTTPS) on a real socket. Accepts connections and hands them to the
 * HTTP/1.x connection handler or, for `h2` negotiated on HTTPS listeners, to the HTTP/2 edge; both run
 * each request through the shared exchange (`core/exchange.ts`). Stopping is graceful: no new
 * connections, each open one closes after its current response, and what is left after the grace
 * period is cut and logged as a simulator stop, never as a target error.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Engine } from '../core/engine';
import type { EdgeAuthOptions } from '../core/edge-features';
import type { ExchangeRecorder } from '../core/exchange';
import { ListenerEdge, type EdgeTargetGroup } from '../core/exchange';
import type { Metrics } from '../core/metrics';
import type { ListenerModel, LoadBalancerModel } from '../model/types';
import { Http1Connection } from './http1-connection';
import type { EdgeRuntime } from './edge-runtime';
import { Http2Edge } from './http2-edge';
import { listen } from './ports';
import { clientAccepted, mutualTlsOptions, tlsVersions, type KeyPair } from './tls';
import type { UpstreamPools } from './upstream';
import type { InFlightRegistry } from './wire';

/** Shared services a listener uses (owned by the simulator). */
export interface ListenerServices {
  readonly engine: Engine;
  readonly metrics: Metrics;
  readonly pools: UpstreamPools;
  readonly inFlight: InFlightRegistry;
  readonly recorder: ExchangeRecorder;
  readonly loadBalancerDimension: string;
  readonly targetGroup: (id: string) => EdgeTargetGroup | undefined;
  /** `n` random hex digits for trace ids. */
  readonly randomHex: (n: number) => string;
  /** SIMULATOR TEST CONVENIENCE, NOT AWS: idle timeout in ms instead of the LB attribute. */
  readonly idleTimeoutMs?: number;
  /** Maps a redirect Location to the simulator's local ports (simulator convenience); identity when absent. */
  readonly localRedirect?: (location: string) => string;
  /**
   * The Availability Zone of the load-balancer node whose address a connection arrived at (§2.4, the
   * node addresses of `lb-nodes.ts`); undefined for the listener's own address.
   */
  readonly zoneOf?: (localAddress: string | undefined) => string | undefined;
  /** §4.3 authenticate actions (absent: their rules answer 500). */
  readonly auth?: EdgeAuthOptions;
  /** Unexpected internal errors (logged, never thrown). */
  readonly onError?: (err: unknown) => void;
}

/** The wall clock with sub-millisecond precision (processing times in access logs). */
const wallClock = { now: () => performance.timeOrigin + performance.now() };

export class HttpListener {
  readonly #server: net.Server;
  readonly #connections = new Set<Http1Connection>();
  readonly #sockets = new Set<net.Socket>();
  readonly #h2?: Http2Edge;
  readonly #scheme: 'http' | 'https';
  #stopping = false;
  #port = 0;

  private constructor(
    readonly loadBalancer: LoadBalancerModel,
    readonly listener: ListenerModel,
    services: ListenerServices,
    keyPair: KeyPair | undefined,
    trustStorePem: string | undefined,
  ) {
    this.#scheme = listener.protocol === 'HTTPS' ? 'https' : 'http';
    const edge = new ListenerEdge({
      engine: services.engine,
      loadBalancer,
      listener,
      clock: wallClock,
      randomHex: services.randomHex,
      loadBalancerDimension: services.loadBalancerDimension,
      targetGroup: services.targetGroup,
      recorder: services.recorder,
      ...(services.localRedirect ? { localRedirect: services.localRedirect } : {}),
      ...(services.auth ? { auth: services.auth } : {}),
    });
    const rt: EdgeRuntime = {
      edge,
      pools: services.pools,
      inFlight: services.inFlight,
      idleMs: services.idleTimeoutMs ?? loadBalancer.attributes.idleTimeoutSeconds * 1000,
      clientKeepAliveMs: loadBalancer.attributes.clientKeepAliveSeconds * 1000,
      onError: (err) => services.onError?.(err),
      stopping: () => this.#stopping,
      ...(services.zoneOf ? { zoneOf: services.zoneOf } : {}),
    };
    const onSocket = (socket: net.Socket): void => {
      this.#sockets.add(socket);
      services.metrics.connectionOpened(services.loadBalancerDimension);
      socket.once('close', () => {
        this.#sockets.delete(socket);
        services.metrics.connectionClosed(services.loadBalancerDimension);
      });
      socket.on('error', () => undefined);
    };
    const http1 = (socket: net.Socket): void => {
      try {
        const c = new Http1Connection(socket, rt);
        this.#connections.add(c);
        socket.once('close', () => this.#connections.delete(c));
      } catch (err) {
        services.onError?.(err);
        socket.destroy();
      }
    };
    if (keyPair) {
      // HTTPS: ALPN offers h2 while routing.http2.enabled (default true); requests go to targets as HTTP/1.1.
      const h2 = loadBalancer.attributes.http2Enabled;
      if (h2) this.#h2 = new Http2Edge(rt);
      const server = tls.createServer({
        key: keyPair.key,
        cert: keyPair.cert,
        ...tlsVersions(listener.sslPolicy),
        ALPNProtocols: h2 ? ['h2', 'http/1.1'] : ['http/1.1'],
        ...mutualTlsOptions(listener, trustStorePem),
      });
      server.on('connection', onSocket);
      server.on('secureConnection', (socket: tls.TLSSocket) => {
        if (!clientAccepted(listener, socket)) {
          socket.destroy();
          return;
        }
        if (socket.alpnProtocol === 'h2' && this.#h2) this.#h2.accept(socket);
        else http1(socket);
      });
      server.on('tlsClientError', (_err: Error, socket: net.Socket) => socket.destroy());
      this.#server = server;
    } else {
      this.#server = net.createServer({ noDelay: true }, (socket) => {
        onSocket(socket);
        http1(socket);
      });
    }
  }

  static async start(
    loadBalancer: LoadBalancerModel,
    listener: ListenerModel,
    services: ListenerServices,
    port: number,
    host: string,
    keyPair?: KeyPair,
    trustStorePem?: string,
  ): Promise<HttpListener> {
    const l = new HttpListener(loadBalancer, listener, services, keyPair, trustStorePem);
    l.#port = await listen(l.#server, port, host, (err) => services.onError?.(err));
    return l;
  }

  get port(): number {
    return this.#port;
  }

  /** A connection accepted elsewhere (a load-balancer node address, `lb-nodes.ts`) joins this listener. */
  accept(socket: net.Socket): void {
    if (this.#stopping) socket.destroy();
    else this.#server.emit('connection', socket);
  }

  get scheme(): 'http' | 'https' {
    return this.#scheme;
  }

  /** Connections open now. */
  get connections(): number {
    return this.#sockets.size;
  }

  /**
   * Stop: refuse new connections at once, let requests in progress finish for up to `graceMs`, then cut
   * what is left (each cut exchange is logged as a simulator stop).
   */
  async close(graceMs = 0): Promise<void> {
    this.#stopping = true;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const c of this.#connections) c.drain();
    this.#h2?.drain();
    if (this.#sockets.size > 0 && graceMs > 0) {
      await Promise.race([
        new Promise<void>((resolve) => {
          const check = (): void => {
            if (this.#sockets.size === 0) resolve();
          };
          for (const s of this.#sockets) s.once('close', check);
          check();
        }),
        new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref()),
      ]);
    }
    for (const c of [...this.#connections]) c.cut();
    this.#h2?.cut();
    for (const s of this.#sockets) s.destroy();
    await closed;
  }
}
