/**
 * One ALB listener (HTTP or HTTPS) on a real socket: parses requests, enforces the §5.2 limits, asks the
 * engine for a decision (route → forward / redirect / fixed-response / error), rewrites headers per §5.1,
 * proxies to the chosen target through a pooled keep-alive undici `Pool`, streams bodies both ways,
 * passes WebSocket upgrades through, and maps every upstream failure through `gatewayError` (§5.4).
 *
 * Never throws out of a socket callback: a malformed request gets a 400 and the server keeps serving.
 */
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import type { Engine, ForwardDecision, HttpRequestInfo, RouteDecision, TargetKey } from '../core/engine';
import { type AccessLogEntry, formatAccessLogLine } from '../core/access-log';
import {
  classifyUpstreamError,
  gatewayError,
  protocolVersionError,
  type GatewayError,
  type RequestProtocol,
} from '../core/gateway-errors';
import {
  forwardRequestHeaders,
  headerValues,
  normaliseAddress,
  traceRoot,
  type ForwardingAttributes,
  type HeaderList,
} from '../core/headers';
import type { Metrics } from '../core/metrics';
import type { ListenerModel, LoadBalancerModel, TargetGroupModel } from '../model/types';
import { ACCEPTED_TRANSFER_ENCODINGS, ELB_STATUS, HTTP_LIMITS } from '@ha-load-balancer/spec';
import { tlsVersions, type KeyPair } from './tls';
import { listen } from './ports';

/** Shared services a listener uses (owned by the simulator). */
export interface ListenerServices {
  readonly engine: Engine;
  readonly metrics: Metrics;
  readonly pools: PoolRegistry;
  readonly inFlight: InFlightRegistry;
  readonly accessLog: (line: string, entry: AccessLogEntry) => void;
  /**
   * Whether anyone takes access-log lines right now (a file, stdout, a callback or an `access-log`
   * listener). When it answers false, lines are neither built nor formatted. Absent: always.
   */
  readonly accessLogActive?: () => boolean;
  readonly loadBalancerDimension: string;
  readonly targetGroup: (id: string) => { model: TargetGroupModel; dimension: string; arn: string } | undefined;
  /** Idle timeout override in ms (test convenience), else the LB attribute. */
  readonly idleTimeoutMs?: number;
  /** Maps a redirect Location to the simulator's local ports (simulator convenience); identity when absent. */
  readonly localRedirect?: (location: string) => string;
  /** Called on unexpected internal errors (logged, never thrown). */
  readonly onError?: (err: unknown) => void;
}

/** Keep-alive connection pools, one per target origin. */
export class PoolRegistry {
  readonly #pools = new Map<string, Pool>();
  /** Per target key object (stable in the engine): pools by protocol and idle timeout, without building keys. */
  readonly #byTarget = new WeakMap<TargetKey, Map<string | undefined, Map<number, Pool>>>();

  constructor(private readonly options: { idleTimeoutMs: number; connectTimeoutMs: number }) {}

  get(target: TargetKey, protocol: string | undefined, idleTimeoutMs: number): Pool {
    let byProtocol = this.#byTarget.get(target);
    if (!byProtocol) this.#byTarget.set(target, (byProtocol = new Map()));
    let byIdle = byProtocol.get(protocol);
    if (!byIdle) byProtocol.set(protocol, (byIdle = new Map()));
    let pool = byIdle.get(idleTimeoutMs);
    if (!pool || pool.destroyed) {
      pool = this.#pool(target, protocol, idleTimeoutMs);
      byIdle.set(idleTimeoutMs, pool);
    }
    return pool;
  }

  #pool(target: TargetKey, protocol: string | undefined, idleTimeoutMs: number): Pool {
    const scheme = protocol === 'HTTPS' ? 'https' : 'http';
    const host = target.targetId.includes(':') ? `[${target.targetId}]` : target.targetId;
    const origin = `${scheme}://${host}:${target.port}`;
    const key = `${origin}|${idleTimeoutMs}`;
    let pool = this.#pools.get(key);
    if (!pool) {
      pool = new Pool(origin, {
        connections: 256,
        pipelining: 1,
        keepAliveTimeout: Math.min(4_000, idleTimeoutMs),
        headersTimeout: idleTimeoutMs,
        bodyTimeout: idleTimeoutMs,
        maxHeaderSize: HTTP_LIMITS.responseHeaderBytes,
        connect: {
          timeout: this.options.connectTimeoutMs,
          // §1.1 / targets behind an ALB: the ALB does not validate target certificates.
          ...(scheme === 'https' ? { rejectUnauthorized: false } : {}),
        },
      });
      this.#pools.set(key, pool);
    }
    return pool;
  }

  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((p) => p.destroy().catch(ignore)));
  }
}

/** Requests forwarded and not yet finished, so the engine can abort them (§2.3 → 502). */
export class InFlightRegistry {
  readonly #map = new Map<number, (kind: 'deregistration_delay_expired') => void>();
  add(id: number, abort: (kind: 'deregistration_delay_expired') => void): void {
    this.#map.set(id, abort);
  }
  delete(id: number): void {
    this.#map.delete(id);
  }
  abort(id: number): void {
    this.#map.get(id)?.('deregistration_delay_expired');
  }
}

/** Body of responses the load balancer generates itself: simulator choice `elb_error_page` (spec/choices.ts). */
function errorPage(status: number): string {
  const text = `${status} ${http.STATUS_CODES[status] ?? ''}`.trim();
  return `<html>\r\n<head><title>${text}</title></head>\r\n<body>\r\n<center><h1>${text}</h1></center>\r\n</body>\r\n</html>\r\n`;
}

function rawResponse(status: number, headers: Record<string, string> = {}, body = errorPage(status)): string {
  const lines = [`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}`, 'Server: awselb/2.0'];
  lines.push(
    `Date: ${new Date().toUTCString()}`,
    'Content-Type: text/html',
    `Content-Length: ${Buffer.byteLength(body)}`,
  );
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  lines.push('Connection: close');
  return lines.join('\r\n') + '\r\n\r\n' + body;
}

function ignore(): void {}

function pairs(raw: readonly string[]): HeaderList {
  const out: HeaderList = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i], raw[i + 1]]);
  return out;
}

/** §5.2: an HTTPS listener accepts up to 128 parallel requests per HTTP/2 connection. */
const HTTP2_MAX_CONCURRENT_STREAMS = 128;

const RESPONSE_HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade']);

/**
 * Random hex digits for trace ids, cut from a pool of random bytes refilled 64 KiB at a time (one
 * `randomBytes` call per ~5,000 trace ids instead of one per request).
 */
const RANDOM_POOL_BYTES = 64 * 1024;
let randomPool = randomBytes(RANDOM_POOL_BYTES);
let randomPoolOffset = 0;

function randomHex(n: number): string {
  const bytes = Math.ceil(n / 2);
  if (randomPoolOffset + bytes > randomPool.length) {
    randomPool = randomBytes(Math.max(RANDOM_POOL_BYTES, bytes));
    randomPoolOffset = 0;
  }
  const hex = randomPool.toString('hex', randomPoolOffset, randomPoolOffset + bytes);
  randomPoolOffset += bytes;
  return hex.length === n ? hex : hex.slice(0, n);
}

const traceSource = () => ({ nowMs: Date.now(), randomHex });

/**
 * The abort signal handed to undici for one forwarded request: the part of `AbortSignal` undici uses
 * (`aborted`, `reason`, one `abort` listener), without an `AbortController` / `EventTarget` per request.
 * `abort()` sets the same reason as `AbortController.abort()` (a DOMException named `AbortError`).
 */
class RequestAbort {
  aborted = false;
  reason: unknown = undefined;
  #listener: (() => void) | undefined;

  on(_event: 'abort', listener: () => void): this {
    this.#listener = listener;
    return this;
  }

  once(event: 'abort', listener: () => void): this {
    return this.on(event, listener);
  }

  removeListener(_event: 'abort', listener: () => void): this {
    if (this.#listener === listener) this.#listener = undefined;
    return this;
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = new DOMException('This operation was aborted', 'AbortError');
    const listener = this.#listener;
    this.#listener = undefined;
    listener?.();
  }
}

/** Attributes that shape forwarded headers, from the LB model. */
function forwardingAttributes(lb: LoadBalancerModel): ForwardingAttributes {
  return {
    xffMode: lb.attributes.xffHeaderProcessingMode,
    xffClientPort: lb.attributes.xffClientPort,
    preserveHostHeader: lb.attributes.preserveHostHeader,
    dropInvalidHeaderFields: lb.attributes.dropInvalidHeaderFields,
  };
}

export class HttpListener {
  readonly #server: http.Server;
  readonly #sockets = new Set<net.Socket>();
  readonly #scheme: 'http' | 'https';
  readonly #idleMs: number;
  readonly #forwarding: ForwardingAttributes;
  #port = 0;

  private constructor(
    readonly loadBalancer: LoadBalancerModel,
    readonly listener: ListenerModel,
    private readonly services: ListenerServices,
    keyPair: KeyPair | undefined,
  ) {
    this.#scheme = listener.protocol === 'HTTPS' ? 'https' : 'http';
    this.#idleMs = services.idleTimeoutMs ?? loadBalancer.attributes.idleTimeoutSeconds * 1000;
    this.#forwarding = forwardingAttributes(loadBalancer);
    const serverOptions: http.ServerOptions = {
      // Node's limit covers request line + headers; the §5.2 limits are enforced per request below.
      maxHeaderSize: HTTP_LIMITS.requestHeaderBytes + HTTP_LIMITS.requestLineBytes,
      requestTimeout: 0,
      headersTimeout: this.#idleMs,
      keepAliveTimeout: this.#idleMs,
      // How often Node looks for connections past headersTimeout (→ 408, §5.4).
      connectionsCheckingInterval: Math.max(100, Math.min(this.#idleMs / 4, 30_000)),
    };
    if (keyPair && !loadBalancer.attributes.http2Enabled) {
      this.#server = https.createServer({
        ...serverOptions,
        key: keyPair.key,
        cert: keyPair.cert,
        ...tlsVersions(listener.sslPolicy),
      });
    } else if (keyPair) {
      // HTTPS listeners negotiate HTTP/2 by ALPN when routing.http2.enabled (default true); requests go to
      // targets as HTTP/1.1 either way (§5.2, §8.2).
      const server = http2.createSecureServer({
        key: keyPair.key,
        cert: keyPair.cert,
        ...tlsVersions(listener.sslPolicy),
        allowHTTP1: true,
        settings: { maxConcurrentStreams: HTTP2_MAX_CONCURRENT_STREAMS },
        maxSessionMemory: 64,
      });
      // The HTTP/1.1 fallback reads these from the server object, like http.Server options.
      Object.assign(server, serverOptions);
      this.#server = server as unknown as http.Server;
    } else {
      this.#server = http.createServer(serverOptions);
    }
    this.#server.on('connection', (s: net.Socket) => this.#onConnection(s));
    // HTTPS: requests arrive on the TLS socket, not the TCP one seen by 'connection'.
    if (keyPair) this.#server.on('secureConnection', (s: tls.TLSSocket) => this.#connectedAt.set(s, Date.now()));
    this.#server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      this.#handle(req, res).catch((err) => this.#internalError(err, res));
    });
    this.#server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      try {
        this.#upgrade(req, socket, head);
      } catch (err) {
        services.onError?.(err);
        socket.destroy();
      }
    });
    this.#server.on('clientError', (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: net.Socket) =>
      this.#clientError(err, socket),
    );
    this.#server.on('tlsClientError', (_err: Error, socket: net.Socket) => socket.destroy());
  }

  static async start(
    loadBalancer: LoadBalancerModel,
    listener: ListenerModel,
    services: ListenerServices,
    port: number,
    host: string,
    keyPair?: KeyPair,
  ): Promise<HttpListener> {
    const l = new HttpListener(loadBalancer, listener, services, keyPair);
    l.#port = await listen(l.#server, port, host, (err) => services.onError?.(err));
    return l;
  }

  get port(): number {
    return this.#port;
  }

  get scheme(): 'http' | 'https' {
    return this.#scheme;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      for (const s of this.#sockets) s.destroy();
      this.#server.closeAllConnections?.();
    });
  }

  readonly #connectedAt = new WeakMap<net.Socket, number>();

  #onConnection(socket: net.Socket): void {
    this.#sockets.add(socket);
    this.#connectedAt.set(socket, Date.now());
    this.services.metrics.connectionOpened(this.services.loadBalancerDimension);
    socket.on('error', ignore);
    socket.once('close', () => {
      this.#sockets.delete(socket);
      this.services.metrics.connectionClosed(this.services.loadBalancerDimension);
    });
  }

  #internalError(err: unknown, res: http.ServerResponse): void {
    this.services.onError?.(err);
    if (!res.headersSent && !res.destroyed) {
      this.#sendElb(res, 500);
    } else res.destroy();
  }

  /** Malformed requests the HTTP parser rejects (§5.4: 400; oversized URL: 414; bad TE: 501). */
  #clientError(err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: net.Socket): void {
    let status: number = ELB_STATUS.badRequest;
    if (err.code === 'HPE_HEADER_OVERFLOW' && err.rawPacket && !err.rawPacket.includes('\r\n')) {
      status = ELB_STATUS.uriTooLong;
    } else if (err.rawPacket && err.rawPacket.subarray(0, 14).toString('latin1') === 'PRI * HTTP/2.0') {
      // §5.4 505: HTTP/2 frames on an HTTP/1 connection.
      status = ELB_STATUS.httpVersionNotSupported;
    } else if (err.code === 'HPE_INVALID_TRANSFER_ENCODING') {
      // §5.2: only chunked / identity are accepted (else 501); other TE errors are malformed (400).
      const te = /\r\ntransfer-encoding:([^\r\n]*)/i.exec(err.rawPacket?.toString('latin1') ?? '')?.[1] ?? '';
      const unsupported = te
        .split(',')
        .map((t) => t.trim().toLowerCase())
        .some((t) => t !== '' && !(ACCEPTED_TRANSFER_ENCODINGS as readonly string[]).includes(t));
      status = unsupported ? ELB_STATUS.notImplemented : ELB_STATUS.badRequest;
    } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      status = ELB_STATUS.requestTimeout;
    } else if (err.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    if (socket.writable && !socket.destroyed) {
      const body = errorPage(status);
      socket.end(rawResponse(status, {}, body));
      this.#log({
        clientSocket: socket,
        startMs: Date.now(),
        status,
        sentBytes: Buffer.byteLength(body),
        actions: [],
        cause: `malformed request (${err.code ?? err.message})`,
      });
    } else socket.destroy();
    this.services.metrics.recordRequest({
      loadBalancer: this.services.loadBalancerDimension,
      targetChosen: false,
      elbStatusCode: status,
    });
  }

  /** Request headers as received, without HTTP/2 pseudo-headers (`:authority` becomes `host`). */
  #requestHeaders(req: http.IncomingMessage): HeaderList {
    const all = pairs(req.rawHeaders);
    if (req.httpVersionMajor !== 2) return all;
    const out = all.filter(([k]) => !k.startsWith(':'));
    const authority = all.find(([k]) => k === ':authority')?.[1];
    if (authority !== undefined && !out.some(([k]) => k.toLowerCase() === 'host')) out.unshift(['host', authority]);
    return out;
  }

  #requestInfo(req: http.IncomingMessage, requestHeaders = this.#requestHeaders(req)): HttpRequestInfo {
    const url = req.url ?? '/';
    const origin = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(url);
    const pathAndQuery = origin ? url.slice(origin[0].length) || '/' : url;
    const q = pathAndQuery.indexOf('?');
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of requestHeaders) {
      const n = k.toLowerCase();
      const cur = headers[n];
      if (cur === undefined) headers[n] = v;
      else headers[n] = Array.isArray(cur) ? [...cur, v] : [cur, v];
    }
    return {
      method: req.method ?? 'GET',
      path: q >= 0 ? pathAndQuery.slice(0, q) : pathAndQuery,
      query: q >= 0 ? pathAndQuery.slice(q + 1) : '',
      headers,
      ...(origin ? { host: origin[0].replace(/^[a-z][a-z0-9+.-]*:\/\//i, '') } : {}),
      sourceIp: normaliseAddress(req.socket.remoteAddress ?? '0.0.0.0'),
      protocol: this.#scheme,
      port: this.listener.port,
    };
  }

  /** What §5.4 464 looks at: HTTP version, method and content type. */
  #requestProtocol(req: http.IncomingMessage): RequestProtocol {
    const contentType = req.headers['content-type'];
    return {
      httpVersionMajor: req.httpVersionMajor,
      method: req.method ?? 'GET',
      ...(contentType !== undefined ? { contentType } : {}),
    };
  }

  /** Early checks before routing (§5.2 sizes, §5.4 TRACE / Transfer-Encoding). Returns a status or undefined. */
  #precheck(req: http.IncomingMessage, requestHeaders = this.#requestHeaders(req)): number | undefined {
    const url = req.url ?? '';
    const requestLine = `${req.method} ${url} HTTP/${req.httpVersion}`;
    if (Buffer.byteLength(requestLine) > HTTP_LIMITS.requestLineBytes) return ELB_STATUS.uriTooLong;
    // UTF-8 takes at most 3 bytes per UTF-16 code unit: exact byte counts only near a limit.
    let bound = 0;
    for (const [k, v] of requestHeaders) {
      const upper = 3 * (k.length + v.length) + 2;
      if (upper > HTTP_LIMITS.singleHeaderBytes) {
        if (Buffer.byteLength(k) + Buffer.byteLength(v) + 2 > HTTP_LIMITS.singleHeaderBytes) {
          return ELB_STATUS.badRequest;
        }
      }
      bound += upper + 2;
    }
    if (bound > HTTP_LIMITS.requestHeaderBytes) {
      let total = 0;
      for (const [k, v] of requestHeaders) total += Buffer.byteLength(k) + Buffer.byteLength(v) + 4;
      if (total > HTTP_LIMITS.requestHeaderBytes) return ELB_STATUS.badRequest;
    }
    for (const te of headerValues(requestHeaders, 'transfer-encoding')) {
      for (const token of te.split(',')) {
        const t = token.trim().toLowerCase();
        if (t && !(ACCEPTED_TRANSFER_ENCODINGS as readonly string[]).includes(t)) return ELB_STATUS.notImplemented;
      }
    }
    if (req.method === 'TRACE') return ELB_STATUS.methodNotAllowed;
    return undefined;
  }

  #sendElb(
    res: http.ServerResponse,
    status: number,
    extraHeaders: Record<string, string> = {},
    body?: string,
    contentType?: string,
  ): number {
    const payload = body ?? errorPage(status);
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return 0;
    }
    res.writeHead(status, {
      server: 'awselb/2.0',
      'content-type': contentType ?? 'text/html',
      'content-length': String(Buffer.byteLength(payload)),
      ...extraHeaders,
    });
    res.end(payload);
    return Buffer.byteLength(payload);
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const startMs = Date.now();
    const t0 = performance.now();
    res.on('error', ignore);
    req.on('error', ignore);
    // client_keep_alive.seconds (§5.2): after this long the connection is closed after the current response.
    const opened = this.#connectedAt.get(req.socket);
    if (opened !== undefined && startMs - opened >= this.loadBalancer.attributes.clientKeepAliveSeconds * 1000) {
      res.shouldKeepAlive = false;
    }
    const lbDim = this.services.loadBalancerDimension;
    const headers = this.#requestHeaders(req);
    const early = this.#precheck(req, headers);
    if (early !== undefined) {
      req.resume();
      const sent = this.#sendElb(res, early, req.httpVersionMajor === 2 ? {} : { connection: 'close' });
      this.services.metrics.recordRequest({ loadBalancer: lbDim, targetChosen: false, elbStatusCode: early });
      this.#log({
        clientSocket: req.socket,
        req,
        startMs,
        status: early,
        sentBytes: sent,
        actions: [],
        matchedRulePriority: undefined,
      });
      return;
    }
    const client = {
      address: normaliseAddress(req.socket.remoteAddress ?? '0.0.0.0'),
      port: req.socket.remotePort ?? 0,
      protocol: this.#scheme,
      listenerPort: this.listener.port,
    };
    const fwd = forwardRequestHeaders(headers, req.url ?? '/', client, this.#forwarding, traceSource());
    if (!fwd.ok) {
      req.resume();
      const sent = this.#sendElb(res, fwd.status);
      this.services.metrics.recordRequest({ loadBalancer: lbDim, targetChosen: false, elbStatusCode: fwd.status });
      this.#log({
        clientSocket: req.socket,
        req,
        startMs,
        status: fwd.status,
        sentBytes: sent,
        actions: [],
        cause: 'X-Forwarded-For carries more than 30 addresses',
      });
      return;
    }
    const decision: RouteDecision = this.services.engine.route(
      this.loadBalancer.id,
      this.listener.id,
      this.#requestInfo(req, headers),
    );
    const traceId = traceRoot(fwd.traceId);
    switch (decision.kind) {
      case 'redirect': {
        req.resume();
        const location = this.services.localRedirect?.(decision.location) ?? decision.location;
        const sent = this.#sendElb(res, decision.status, { location }, '', 'text/html');
        this.services.metrics.recordRequest({
          loadBalancer: lbDim,
          targetChosen: false,
          elbStatusCode: decision.status,
          action: 'redirect',
          ruleEvaluations: 1,
        });
        this.#log({
          clientSocket: req.socket,
          req,
          startMs,
          status: decision.status,
          sentBytes: sent,
          actions: ['redirect'],
          matchedRulePriority: decision.matchedRulePriority,
          redirectUrl: decision.location,
          traceId,
          processing: [performance.now() - t0, 0, 0],
        });
        return;
      }
      case 'fixed': {
        req.resume();
        const sent = this.#sendElb(
          res,
          decision.status,
          {},
          decision.body,
          decision.contentType ?? 'text/plain; charset=utf-8',
        );
        this.services.metrics.recordRequest({
          loadBalancer: lbDim,
          targetChosen: false,
          elbStatusCode: decision.status,
          action: 'fixed-response',
          ruleEvaluations: 1,
        });
        this.#log({
          clientSocket: req.socket,
          req,
          startMs,
          status: decision.status,
          sentBytes: sent,
          actions: ['fixed-response'],
          matchedRulePriority: decision.matchedRulePriority,
          traceId,
          processing: [performance.now() - t0, 0, 0],
        });
        return;
      }
      case 'error': {
        req.resume();
        const sent = this.#sendElb(res, decision.status);
        const tg = decision.targetGroupId ? this.services.targetGroup(decision.targetGroupId) : undefined;
        this.services.metrics.recordRequest({
          loadBalancer: lbDim,
          targetGroup: tg?.dimension,
          targetChosen: false,
          elbStatusCode: decision.status,
          ruleEvaluations: 1,
        });
        this.#log({
          clientSocket: req.socket,
          req,
          startMs,
          status: decision.status,
          sentBytes: sent,
          actions: [],
          matchedRulePriority: decision.matchedRulePriority,
          cause: decision.reason,
          traceId,
          targetGroupArn: tg?.arn,
        });
        return;
      }
      case 'forward': {
        const tg = this.services.targetGroup(decision.targetGroupId);
        const incompatible = tg
          ? protocolVersionError(tg.model.protocolVersion, this.#requestProtocol(req))
          : undefined;
        if (incompatible) {
          // §5.4 464: answered by the load balancer after choosing the target group; no target sees it.
          req.resume();
          this.services.engine.requestFinished(decision.requestId, { notSent: true });
          const sent = this.#sendElb(res, incompatible.status);
          this.services.metrics.recordRequest({
            loadBalancer: lbDim,
            targetGroup: tg?.dimension,
            targetChosen: false,
            elbStatusCode: incompatible.status,
            ruleEvaluations: 1,
          });
          this.#log({
            clientSocket: req.socket,
            req,
            startMs,
            status: incompatible.status,
            sentBytes: sent,
            actions: [],
            matchedRulePriority: decision.matchedRulePriority,
            cause: `${incompatible.kind}: ${incompatible.cause} (${incompatible.detail})`,
            traceId,
            targetGroupArn: tg?.arn,
          });
          return;
        }
        const extra: HeaderList = [];
        if (this.#scheme === 'https' && this.loadBalancer.attributes.tlsVersionAndCipherHeaders) {
          // §5.1: x-amzn-tls-version / x-amzn-tls-cipher-suite (OpenSSL names).
          const sock = req.socket as tls.TLSSocket;
          const version = sock.getProtocol?.();
          const cipher = sock.getCipher?.()?.name;
          if (version) extra.push(['x-amzn-tls-version', version]);
          if (cipher) extra.push(['x-amzn-tls-cipher-suite', cipher]);
        }
        const invalid =
          fwd.invalidHeaderNames.length === 0
            ? undefined
            : this.loadBalancer.attributes.dropInvalidHeaderFields
              ? ('dropped' as const)
              : ('forwarded' as const);
        const forwarded = extra.length === 0 ? fwd.headers : [...fwd.headers, ...extra];
        await this.#forward(req, res, decision, forwarded, traceId, startMs, t0, invalid);
        return;
      }
    }
  }

  async #forward(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    d: ForwardDecision,
    headers: HeaderList,
    traceId: string,
    startMs: number,
    t0: number,
    invalidHeaders?: 'dropped' | 'forwarded',
  ): Promise<void> {
    const { engine, metrics, pools, inFlight } = this.services;
    const tg = this.services.targetGroup(d.targetGroupId);
    const lbDim = this.services.loadBalancerDimension;
    const pool = pools.get(d.target, tg?.model.protocol, this.#idleMs);
    const ac = new RequestAbort();
    let abortKind: 'deregistration_delay_expired' | undefined;
    let finished = false;
    let clientGone = false;
    // §5.4 460: the client closed its connection before the response; the target request is abandoned.
    const onClientClose = (): void => {
      if (!res.headersSent) {
        clientGone = true;
        ac.abort();
      }
    };
    res.once('close', onClientClose);
    inFlight.add(d.requestId, (kind) => {
      abortKind = kind;
      ac.abort();
      if (res.headersSent) {
        // Response already streaming: the client sees the connection drop.
        res.destroy();
      }
    });
    const hasBody =
      req.headers['content-length'] !== undefined
        ? req.headers['content-length'] !== '0'
        : req.headers['transfer-encoding'] !== undefined;
    const url = req.url ?? '/';
    const origin = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(url);
    const path = origin ? url.slice(origin[0].length) || '/' : url;
    // undici refuses `expect`; Node already answered `100 Continue` to the client.
    const upstreamHeaders: string[] = [];
    for (const [k, v] of headers) if (k.toLowerCase() !== 'expect') upstreamHeaders.push(k, v);
    const tSend = performance.now();
    const done = (status: number | undefined, connectionError: boolean): void => {
      if (finished) return;
      finished = true;
      inFlight.delete(d.requestId);
      engine.requestFinished(d.requestId, { status, connectionError });
    };
    let upstream;
    try {
      upstream = await pool.request({
        method: req.method ?? 'GET',
        path,
        headers: upstreamHeaders,
        body: hasBody ? req : undefined,
        signal: ac as unknown as AbortSignal,
        headersTimeout: this.#idleMs,
        bodyTimeout: this.#idleMs,
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (clientGone && !abortKind) {
        done(undefined, false);
        metrics.recordRequest({
          loadBalancer: lbDim,
          targetGroup: tg?.dimension,
          targetChosen: true,
          elbStatusCode: 460,
        });
        this.#log({
          clientSocket: req.socket,
          req,
          startMs,
          status: 460,
          sentBytes: 0,
          actions: [...d.skippedActions, 'forward'],
          matchedRulePriority: d.matchedRulePriority,
          traceId,
          targetGroupArn: tg?.arn,
          target: d.target,
          processing: [tSend - t0, -1, -1],
        });
        return;
      }
      if (!abortKind && (code === 'UND_ERR_INVALID_ARG' || err instanceof TypeError)) {
        // A bug on our side, not a target failure: report it and answer 500.
        done(undefined, false);
        return this.#internalError(err, res);
      }
      const ge: GatewayError = abortKind
        ? gatewayError(abortKind)
        : gatewayError(classifyUpstreamError(err as Error, 'request'), (err as NodeJS.ErrnoException).code);
      done(undefined, ge.targetConnectionError || ge.kind === 'target_closed');
      req.resume();
      const sent = this.#sendElb(res, ge.status);
      metrics.recordRequest({
        loadBalancer: lbDim,
        targetGroup: tg?.dimension,
        targetChosen: true,
        elbStatusCode: ge.status,
        action: 'forward',
        ruleEvaluations: 1,
        targetConnectionError: ge.targetConnectionError,
        unhealthyRouting: d.failOpen,
        nonSticky: d.stickiness === 'new' || d.stickiness === 'repick',
      });
      this.#log({
        clientSocket: req.socket,
        req,
        startMs,
        status: ge.status,
        sentBytes: sent,
        actions: [...d.skippedActions, 'forward'],
        matchedRulePriority: d.matchedRulePriority,
        traceId,
        targetGroupArn: tg?.arn,
        target: d.target,
        cause: `${ge.kind}: ${ge.cause}${ge.detail ? ` (${ge.detail})` : ''}`,
        processing: [tSend - t0, -1, -1],
      });
      return;
    }
    res.off('close', onClientClose);
    const tHeaders = performance.now();
    const status = upstream.statusCode;
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(upstream.headers)) {
      if (v === undefined || RESPONSE_HOP_BY_HOP.has(k)) continue;
      out[k] = v;
    }
    const cookies: string[] = [];
    const existing = out['set-cookie'];
    if (existing !== undefined) cookies.push(...(Array.isArray(existing) ? existing : [existing]));
    if (d.appCookie && cookies.some((c) => c.split('=')[0].trim() === d.appCookie!.cookieName)) {
      cookies.push(...d.appCookie.setCookies);
    }
    cookies.push(...d.setCookies);
    if (cookies.length > 0) out['set-cookie'] = cookies;
    let sentBytes = 0;
    try {
      res.writeHead(status, out);
    } catch (err) {
      // Invalid header from the target: §5.4 malformed response → 502.
      upstream.body.destroy();
      done(undefined, false);
      const ge = gatewayError('bad_response_headers', (err as Error).message);
      const sent = this.#sendElb(res, ge.status);
      metrics.recordRequest({
        loadBalancer: lbDim,
        targetGroup: tg?.dimension,
        targetChosen: true,
        elbStatusCode: ge.status,
        action: 'forward',
      });
      this.#log({
        clientSocket: req.socket,
        req,
        startMs,
        status: ge.status,
        sentBytes: sent,
        actions: ['forward'],
        matchedRulePriority: d.matchedRulePriority,
        traceId,
        targetGroupArn: tg?.arn,
        target: d.target,
        targetStatus: status,
        cause: `${ge.kind}: ${ge.cause}${ge.detail ? ` (${ge.detail})` : ''}`,
      });
      return;
    }
    upstream.body.on('data', (chunk: Buffer) => {
      sentBytes += chunk.length;
      if (!res.write(chunk)) {
        upstream.body.pause();
        res.once('drain', () => upstream.body.resume());
      }
    });
    await new Promise<void>((resolve) => {
      upstream.body.once('end', () => {
        res.end();
        resolve();
      });
      upstream.body.once('error', () => {
        // Headers are gone already: the only signal left is closing the client connection.
        res.destroy();
        resolve();
      });
      res.once('close', () => {
        if (!upstream.body.destroyed && !upstream.body.readableEnded) upstream.body.destroy();
        resolve();
      });
    });
    const tEnd = performance.now();
    done(status, false);
    metrics.recordRequest({
      loadBalancer: lbDim,
      targetGroup: tg?.dimension,
      targetChosen: true,
      targetStatusCode: status,
      action: 'forward',
      ruleEvaluations: 1,
      nonSticky: d.stickiness === 'new' || d.stickiness === 'repick',
      unhealthyRouting: d.failOpen,
      targetResponseTime: (tHeaders - tSend) / 1000,
      processedBytes: sentBytes,
      invalidHeaders,
    });
    this.#log({
      clientSocket: req.socket,
      req,
      startMs,
      status,
      sentBytes,
      actions: [...d.skippedActions, 'forward'],
      matchedRulePriority: d.matchedRulePriority,
      traceId,
      targetGroupArn: tg?.arn,
      target: d.target,
      targetStatus: status,
      processing: [tSend - t0, tHeaders - tSend, tEnd - tHeaders],
    });
  }

  /** WebSocket (and any other) upgrade: route once, then pipe raw bytes both ways (§3.4, §5.1). */
  #upgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    const startMs = Date.now();
    socket.on('error', () => undefined);
    const lbDim = this.services.loadBalancerDimension;
    const reject = (status: number, extra: Record<string, string> = {}, body?: string): void => {
      if (!socket.destroyed) socket.end(rawResponse(status, extra, body));
      this.services.metrics.recordRequest({ loadBalancer: lbDim, targetChosen: false, elbStatusCode: status });
      this.#log({ clientSocket: socket, req, startMs, status, sentBytes: 0, actions: [], ws: true });
    };
    const early = this.#precheck(req);
    if (early !== undefined) return reject(early);
    const client = {
      address: normaliseAddress(socket.remoteAddress ?? '0.0.0.0'),
      port: socket.remotePort ?? 0,
      protocol: this.#scheme,
      listenerPort: this.listener.port,
    };
    const fwd = forwardRequestHeaders(
      this.#requestHeaders(req),
      req.url ?? '/',
      client,
      forwardingAttributes(this.loadBalancer),
      traceSource(),
      {
        keepUpgrade: true,
      },
    );
    if (!fwd.ok) return reject(fwd.status);
    const d = this.services.engine.route(this.loadBalancer.id, this.listener.id, this.#requestInfo(req));
    if (d.kind === 'redirect') {
      return reject(d.status, { Location: this.services.localRedirect?.(d.location) ?? d.location }, '');
    }
    if (d.kind === 'fixed') return reject(d.status, { 'Content-Type': d.contentType ?? 'text/plain' }, d.body);
    if (d.kind === 'error') return reject(d.status);
    const tg = this.services.targetGroup(d.targetGroupId);
    if (tg && protocolVersionError(tg.model.protocolVersion, this.#requestProtocol(req))) {
      // §5.4 464: an HTTP/1.1 upgrade to an HTTP2 / GRPC target group.
      this.services.engine.requestFinished(d.requestId, { notSent: true });
      return reject(ELB_STATUS.incompatibleProtocol);
    }
    const { engine, inFlight } = this.services;
    let finished = false;
    const finish = (status: number | undefined, connectionError: boolean): void => {
      if (finished) return;
      finished = true;
      inFlight.delete(d.requestId);
      engine.requestFinished(d.requestId, { status, connectionError });
    };
    const opts = { host: d.target.targetId, port: d.target.port };
    const upstream: net.Socket =
      tg?.model.protocol === 'HTTPS' ? tls.connect({ ...opts, rejectUnauthorized: false }) : net.connect(opts);
    let connected = false;
    const connectTimer = setTimeout(
      () => upstream.destroy(Object.assign(new Error('connect timeout'), { code: 'UND_ERR_CONNECT_TIMEOUT' })),
      HTTP_LIMITS.targetConnectTimeoutSeconds * 1000,
    );
    inFlight.add(d.requestId, () => {
      upstream.destroy();
      socket.destroy();
    });
    upstream.once(tg?.model.protocol === 'HTTPS' ? 'secureConnect' : 'connect', () => {
      connected = true;
      clearTimeout(connectTimer);
      const lines = [`${req.method} ${req.url} HTTP/1.1`, ...fwd.headers.map(([k, v]) => `${k}: ${v}`)];
      upstream.write(lines.join('\r\n') + '\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
      upstream.setTimeout(this.#idleMs, () => upstream.destroy());
      socket.setTimeout(this.#idleMs, () => socket.destroy());
    });
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(connectTimer);
      if (!connected) {
        const ge = gatewayError(classifyUpstreamError(err, 'connect'), err.code);
        finish(undefined, ge.targetConnectionError);
        reject(ge.status);
      }
      socket.destroy();
    });
    const close = (): void => {
      clearTimeout(connectTimer);
      upstream.destroy();
      socket.destroy();
      if (connected && !finished) {
        finish(101, false);
        this.services.metrics.recordRequest({
          loadBalancer: lbDim,
          targetGroup: tg?.dimension,
          targetChosen: true,
          targetStatusCode: 101,
          action: 'forward',
        });
        this.#log({
          clientSocket: socket,
          req,
          startMs,
          status: 101,
          sentBytes: socket.bytesWritten,
          actions: ['forward'],
          matchedRulePriority: d.matchedRulePriority,
          targetGroupArn: tg?.arn,
          target: d.target,
          targetStatus: 101,
          traceId: traceRoot(fwd.traceId),
          ws: true,
        });
      }
    };
    upstream.once('close', close);
    socket.once('close', close);
  }

  readonly #bytesLogged = new WeakMap<net.Socket, number>();

  /** Bytes read from a client connection since its previous access-log line (keep-alive connections). */
  #receivedSinceLastLog(socket: net.Socket): number {
    const total = socket.bytesRead ?? 0;
    const before = this.#bytesLogged.get(socket) ?? 0;
    this.#bytesLogged.set(socket, total);
    return Math.max(0, total - before);
  }

  #log(o: {
    clientSocket: net.Socket;
    req?: http.IncomingMessage;
    startMs: number;
    status: number;
    sentBytes: number;
    actions: string[];
    matchedRulePriority?: number;
    redirectUrl?: string;
    errorReason?: string;
    /** Simulator-only: why the load balancer answered by itself (not an access-log field). */
    cause?: string;
    traceId?: string;
    targetGroupArn?: string;
    target?: TargetKey;
    targetStatus?: number;
    processing?: [number, number, number];
    ws?: boolean;
  }): void {
    try {
      if (this.services.accessLogActive && !this.services.accessLogActive()) {
        // Nobody takes lines: only keep the per-connection byte count current for later lines.
        this.#receivedSinceLastLog(o.clientSocket);
        return;
      }
      const req = o.req;
      const tlsSocket = o.clientSocket as tls.TLSSocket;
      const isTls = this.#scheme === 'https';
      const host = req ? (req.headers.host ?? '').replace(/:\d+$/, '') || '127.0.0.1' : '';
      const pathPart = req
        ? /^[a-z][a-z0-9+.-]*:\/\//i.test(req.url ?? '')
          ? new URL(req.url ?? '/').pathname
          : req.url
        : '';
      const type = o.ws ? (isTls ? 'wss' : 'ws') : req?.httpVersionMajor === 2 ? 'h2' : isTls ? 'https' : 'http';
      const [rp, tp, sp] = o.processing ?? [-1000, -1000, -1000];
      const toS = (ms: number): number => (ms < 0 ? -1 : ms / 1000);
      const entry: AccessLogEntry = {
        type,
        timeMs: Date.now(),
        elb: this.services.loadBalancerDimension,
        clientIp: normaliseAddress(o.clientSocket.remoteAddress ?? '-'),
        clientPort: o.clientSocket.remotePort ?? 0,
        ...(o.target ? { target: { ip: o.target.targetId, port: o.target.port } } : {}),
        requestProcessingTime: toS(rp),
        targetProcessingTime: o.target && o.processing ? toS(tp) : -1,
        responseProcessingTime: o.target && o.processing ? toS(sp) : -1,
        elbStatusCode: o.status,
        ...(o.targetStatus !== undefined ? { targetStatusCode: o.targetStatus } : {}),
        receivedBytes: this.#receivedSinceLastLog(o.clientSocket),
        sentBytes: o.sentBytes,
        ...(req
          ? {
              request: {
                method: req.method ?? '-',
                url: `${o.ws ? (isTls ? 'wss' : 'ws') : this.#scheme}://${host}:${this.listener.port}${pathPart}`,
                httpVersion: req.httpVersion,
              },
            }
          : {}),
        userAgent: req?.headers['user-agent'],
        sslCipher: isTls ? tlsSocket.getCipher?.()?.name : undefined,
        sslProtocol: isTls ? (tlsSocket.getProtocol?.() ?? undefined) : undefined,
        targetGroupArn: o.targetGroupArn,
        traceId: o.traceId,
        domainName: isTls ? (tlsSocket as tls.TLSSocket & { servername?: string }).servername || undefined : undefined,
        chosenCertArn: isTls ? 'arn:aws:acm:us-east-1:123456789012:certificate/local-sim-self-signed' : undefined,
        matchedRulePriority: o.matchedRulePriority,
        requestCreationTimeMs: o.startMs,
        actionsExecuted: o.actions,
        redirectUrl: o.redirectUrl,
        errorReason: o.errorReason,
        ...(o.cause ? { simCause: o.cause } : {}),
        targetPortList: o.target ? [`${o.target.targetId}:${o.target.port}`] : undefined,
        targetStatusCodeList: o.targetStatus !== undefined ? [o.targetStatus] : undefined,
      };
      this.services.accessLog(formatAccessLogLine(entry), entry);
    } catch (err) {
      this.services.onError?.(err);
    }
  }
}
