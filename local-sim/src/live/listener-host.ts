/**
 * What serves requests in one process: the engine that routes them, the metrics they count, the
 * keep-alive pools to targets, the registry of requests in flight, the exchange recorder (metrics and
 * access-log entries), and the listeners on their sockets. The simulator has one when it serves in its
 * own process; with `--workers N` each worker process (one load-balancer node) has its own
 * (`node-worker.ts`), and the primary keeps health, control and the other servers.
 */
import { HTTP_LIMITS } from '@ha-load-balancer/spec';
import type { AccessLogEntry } from '../core/access-log';
import type * as net from 'node:net';
import type { AuthKeys, IdpEndpoints } from '../core/authenticate';
import type { EdgeAuthOptions } from '../core/edge-features';
import type { Engine, EngineEvent, TargetKey } from '../core/engine';
import type { ExchangeObservation } from '../core/exchange';
import type { Metrics } from '../core/metrics';
import { exchangeRecorder } from '../core/record';
import { loadBalancerArn, loadBalancerDimension, targetGroupArn, targetGroupDimension } from '../model/ids';
import type { ListenerModel, LoadBalancerModel, SimModel, TargetGroupModel } from '../model/types';
import { HttpListener } from './http-listener';
import { randomHex } from './random-hex';
import type { FlowRecord, NlbListenerServices } from './flow';
import { TcpListener, type TcpListenerServices } from './tcp-listener';
import { TcpUdpListener, UdpListener, type UdpListenerServices } from './udp-listener';
import type { KeyPair } from './tls';
import { UpstreamPools } from './upstream';
import { InFlightRegistry } from './wire';

/** A listener on a socket, whichever process owns the socket. */
export interface LiveListener {
  readonly port: number;
  readonly scheme: 'http' | 'https' | 'tcp' | 'tls' | 'udp' | 'tcp+udp';
  close(graceMs?: number): Promise<void>;
}

/**
 * The live shell serves ALB HTTP/HTTPS and NLB TCP/TLS/UDP/TCP_UDP listeners (§6.1); others (QUIC, GENEVE)
 * are reported at start-up.
 */
export function servedAs(lb: LoadBalancerModel, l: ListenerModel): 'http' | 'tcp' | 'udp' | 'tcp_udp' | undefined {
  if (lb.type === 'application' && (l.protocol === 'HTTP' || l.protocol === 'HTTPS')) return 'http';
  if (lb.type !== 'network') return undefined;
  if (l.protocol === 'TCP' || l.protocol === 'TLS') return 'tcp';
  if (l.protocol === 'UDP') return 'udp';
  if (l.protocol === 'TCP_UDP') return 'tcp_udp';
  return undefined;
}

/**
 * SIMULATOR CONVENIENCE, NOT AWS: a redirect to this load balancer's own listener port (e.g. HTTP:80 →
 * HTTPS:443) is rewritten to the local port that listener is bound to, so `curl -L` follows it. Only
 * applied when the Location names the simulator's own host (127.0.0.1 / localhost); the access log
 * keeps AWS's Location.
 */
export function localRedirect(
  model: SimModel,
  lb: LoadBalancerModel,
  location: string,
  localPortOf: (listenerId: string) => number | undefined,
): string {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return location;
  }
  if (!['127.0.0.1', 'localhost'].includes(url.hostname)) return location;
  const scheme = url.protocol.replace(':', '');
  const awsPort = url.port ? Number(url.port) : scheme === 'https' ? 443 : 80;
  const target = lb.listenerIds
    .map((id) => model.listeners.find((l) => l.id === id))
    .find((l) => l && l.port === awsPort && l.protocol.toLowerCase() === scheme);
  const port = target ? localPortOf(target.id) : undefined;
  if (port === undefined) return location;
  const m = /^([a-z][a-z0-9+.-]*:\/\/[^/:?#]+(?::\d+)?)(.*)$/i.exec(location);
  if (!m) return location;
  return `${m[1]!.replace(/:\d+$/, '')}:${port}${m[2]}`;
}

export interface ListenerHostOptions {
  readonly engine: Engine;
  readonly metrics: Metrics;
  /** The model being served now (replaced on reload). */
  readonly model: () => SimModel;
  /** SIMULATOR TEST CONVENIENCE, NOT AWS: idle timeout in ms instead of the load balancer's attribute. */
  readonly idleTimeoutOverrideMs?: number;
  /** TCP connect timeout to targets (AWS: 10 s, §5.2). */
  readonly connectTimeoutMs?: number;
  /** SIMULATOR TEST CONVENIENCE, NOT AWS: NLB UDP idle timeout in ms instead of 120 s (§6.3). */
  readonly udpIdleTimeoutOverrideMs?: number;
  /**
   * The address of a load balancer's node (in `zone`, else its first): the source a target sees without
   * client IP preservation (§6.4).
   */
  readonly nodeAddress?: (loadBalancerId: string, zone?: string) => string;
  /**
   * §2.4 the Availability Zone of the load-balancer node whose address (`lb-nodes.ts`) a connection
   * arrived at; undefined for a listener's own address (routed by the load balancer as one whole).
   */
  readonly zoneOf?: (localAddress: string | undefined) => string | undefined;
  /**
   * Where a target is reached when not at `targetId:port`: a Lambda target's local server, an `alb`
   * target's listener (§6.1). Undefined for ordinary targets.
   */
  readonly targetAddress?: (target: TargetKey) => { host: string; port: number } | undefined;
  /** Access-log entries (§5.5): asked whether anyone takes them before each one is built. */
  readonly accessLog: { active(): boolean; write(entry: AccessLogEntry): void };
  /** Every finished HTTP exchange (when set). */
  readonly onExchange?: (o: ExchangeObservation) => void;
  /** Every finished NLB flow (when set). */
  readonly onFlow?: (f: FlowRecord) => void;
  /** SIMULATOR CONVENIENCE, NOT AWS: maps a redirect Location to the local port of the listener it names. */
  readonly localRedirect?: (lb: LoadBalancerModel, location: string) => string;
  /**
   * §4.3 authenticate actions: the load balancer's keys (the same in every node, so a session cookie is
   * good everywhere) and, with the test identity provider, the endpoints that replace the actions' own.
   */
  readonly auth?: { keys(): AuthKeys; testIdp?(): IdpEndpoints | undefined };
  readonly onError: (err: unknown) => void;
}

export class ListenerHost {
  readonly pools: UpstreamPools;
  readonly inFlight = new InFlightRegistry();
  readonly #o: ListenerHostOptions;
  readonly #tgInfo = new WeakMap<TargetGroupModel, { model: TargetGroupModel; dimension: string; arn: string }>();
  readonly #recorder;
  /** Connections that arrived at a node address, by the node's zone: a zone failure cuts them. */
  readonly #nodeSockets = new Map<string, Set<net.Socket>>();

  constructor(o: ListenerHostOptions) {
    this.#o = o;
    const connectTimeoutMs = o.connectTimeoutMs ?? HTTP_LIMITS.targetConnectTimeoutSeconds * 1000;
    this.pools = new UpstreamPools({
      connectTimeoutMs,
      tlsTimeoutMs: HTTP_LIMITS.targetTlsHandshakeTimeoutSeconds * 1000,
      ...(o.targetAddress ? { address: o.targetAddress } : {}),
    });
    this.#recorder = exchangeRecorder(
      o.metrics,
      o.accessLog,
      (x: ExchangeObservation) => this.#certificateArn(x),
      o.onExchange ? (x) => o.onExchange!(x) : undefined,
    );
  }

  /**
   * The engine's effects on requests and flows this process serves: §2.3 ALB requests still running when
   * draining ends answer 502; §6.5, §6.6 NLB flows are reset (TCP) or dropped (UDP).
   */
  onEngineEvent(e: EngineEvent): void {
    if (e.type === 'abort-requests' || e.type === 'terminate-connections')
      for (const id of e.requestIds) this.inFlight.abort(id);
    if (e.type === 'zone-changed' && e.failed) {
      // a failed zone's node is gone: what came in through it is cut
      for (const s of this.#nodeSockets.get(e.availabilityZone) ?? []) s.destroy();
      this.#nodeSockets.delete(e.availabilityZone);
    }
  }

  /**
   * A connection accepted at a load-balancer node address (`lb-nodes.ts`; in a worker process, handed
   * over by the primary) joins `live`, whose server routes it as that zone's node (§2.4). Listeners
   * without TCP connections (UDP) refuse it.
   */
  acceptOnNode(live: LiveListener | undefined, socket: net.Socket): void {
    const target = live instanceof TcpUdpListener ? live.tcp : live;
    if (!(target instanceof HttpListener || target instanceof TcpListener)) {
      socket.destroy();
      return;
    }
    const zone = this.#o.zoneOf?.(socket.localAddress);
    if (zone !== undefined) {
      let open = this.#nodeSockets.get(zone);
      if (!open) this.#nodeSockets.set(zone, (open = new Set()));
      open.add(socket);
      socket.once('close', () => open.delete(socket));
    }
    target.accept(socket);
  }

  /** Start one listener on `port` (0 = free port) at `host`; `undefined` for listeners the live shell does not serve. */
  async start(
    lb: LoadBalancerModel,
    listener: ListenerModel,
    port: number,
    host: string,
    tls: KeyPair | undefined,
    trustStorePem?: string,
  ): Promise<HttpListener | TcpListener | UdpListener | TcpUdpListener | undefined> {
    const kind = servedAs(lb, listener);
    if (kind === 'http') {
      return HttpListener.start(lb, listener, this.#httpServices(lb), port, host, tls, trustStorePem);
    }
    if (kind === 'tcp') return TcpListener.start(lb, listener, this.#tcpServices(lb), port, host, tls);
    if (kind === 'udp') return UdpListener.start(lb, listener, this.#udpServices(lb), port, host);
    if (kind === 'tcp_udp')
      return TcpUdpListener.start(lb, listener, this.#tcpServices(lb), this.#udpServices(lb), port, host);
    return undefined;
  }

  close(): void {
    this.pools.close();
  }

  /** Target groups as listeners see them, read from the current model (so a reload takes effect). */
  #targetGroupInfo(id: string): { model: TargetGroupModel; dimension: string; arn: string } | undefined {
    const tg = this.#o.model().targetGroups.find((t) => t.id === id);
    if (!tg) return undefined;
    // per model object: dimension and ARN are hashes of the construct path, computed once
    let info = this.#tgInfo.get(tg);
    if (!info)
      this.#tgInfo.set(tg, (info = { model: tg, dimension: targetGroupDimension(tg), arn: targetGroupArn(tg) }));
    return info;
  }

  #certificateArn(o: ExchangeObservation): string | undefined {
    if (o.scheme !== 'https') return undefined;
    const model = this.#o.model();
    const lb = model.loadBalancers.find((b) => loadBalancerDimension(b) === o.loadBalancer);
    const listener = model.listeners.find((l) => l.loadBalancerId === lb?.id && l.port === o.listenerPort);
    return listener?.certificateArns[0];
  }

  #httpServices(lb: LoadBalancerModel) {
    const o = this.#o;
    return {
      engine: o.engine,
      metrics: o.metrics,
      pools: this.pools,
      inFlight: this.inFlight,
      recorder: this.#recorder,
      loadBalancerDimension: loadBalancerDimension(lb),
      targetGroup: (id: string) => this.#targetGroupInfo(id),
      randomHex,
      ...(o.idleTimeoutOverrideMs !== undefined ? { idleTimeoutMs: o.idleTimeoutOverrideMs } : {}),
      onError: o.onError,
      ...(o.localRedirect ? { localRedirect: (location: string) => o.localRedirect!(lb, location) } : {}),
      ...(o.zoneOf ? { zoneOf: o.zoneOf } : {}),
      ...(o.auth ? { auth: edgeAuth(o.auth, lb) } : {}),
    };
  }

  #nlbServices(lb: LoadBalancerModel): NlbListenerServices {
    const o = this.#o;
    return {
      engine: o.engine,
      inFlight: this.inFlight,
      targetGroup: (id: string) => o.model().targetGroups.find((t) => t.id === id),
      metrics: o.metrics,
      loadBalancerDimension: loadBalancerDimension(lb),
      targetGroupDimension: (id: string) => this.#targetGroupInfo(id)?.dimension,
      ...(o.nodeAddress ? { nodeAddress: (zone?: string) => o.nodeAddress!(lb.id, zone) } : {}),
      ...(o.zoneOf ? { zoneOf: o.zoneOf } : {}),
      ...(o.onFlow ? { onFlowClosed: o.onFlow } : {}),
      onError: o.onError,
    };
  }

  #tcpServices(lb: LoadBalancerModel): TcpListenerServices {
    const o = this.#o;
    return {
      ...this.#nlbServices(lb),
      idleTimeoutMs: o.idleTimeoutOverrideMs,
      connectTimeoutMs: o.connectTimeoutMs ?? HTTP_LIMITS.targetConnectTimeoutSeconds * 1000,
      ...(o.targetAddress ? { targetAddress: o.targetAddress } : {}),
    };
  }

  #udpServices(lb: LoadBalancerModel): UdpListenerServices {
    return { ...this.#nlbServices(lb), idleTimeoutMs: this.#o.udpIdleTimeoutOverrideMs };
  }
}

/** The edge's view of `auth` for the listeners of `lb` (§4.3). */
function edgeAuth(auth: NonNullable<ListenerHostOptions['auth']>, lb: LoadBalancerModel): EdgeAuthOptions {
  return {
    keys: () => auth.keys(),
    loadBalancerArn: loadBalancerArn(lb),
    // simulator convenience: with the test identity provider every action logs in there
    endpoints: (action) => auth.testIdp?.() ?? action,
  };
}
