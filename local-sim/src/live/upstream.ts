/**
 * The load balancer's side towards targets: keep-alive HTTP/1.1 connections per target, one request at
 * a time on each, read with the same HTTP/1.x parser as client requests (`core/http1.ts`). Failures are
 * reported as the kinds `core/gateway-errors.ts` maps to statuses (§5.4): refused, reset, connect
 * timeout, TLS failure, the target closing with a request outstanding, a malformed or oversized
 * response head, a silent target, a body shorter than its Content-Length.
 *
 * Written for the proxy's hot path: no promise or closure per chunk, response heads relayed as parsed
 * header pairs, idle connections reused last-in first-out and closed before a typical target's own
 * keep-alive timeout, so a request is never sent on a connection the target is about to close.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { HTTP_LIMITS } from '@ha-load-balancer/spec';
import { classifyUpstreamError, type UpstreamFailureKind } from '../core/gateway-errors';
import type { HeaderList } from '../core/headers';
import { Http1Parser, responseFraming, type ResponseHead } from '../core/http1';
import type { TargetKey } from '../core/types';
import { readDirect } from './direct-read';
import { writeLatin1 } from './direct-write';
import { IdleClock, idleSweep, type Swept } from './idle-sweep';

/**
 * What happens to one request sent to a target. Exactly one of `onHead`+`onEnd` / `onFailure` ends it.
 * Each callback names its call, so that one object can serve every request of a connection without a
 * closure per request (and ignore callbacks of a call it gave up on).
 */
export interface UpstreamHandlers {
  /** The response head (1xx informational heads are skipped; 101 ends the exchange as an upgrade). */
  onHead(
    call: UpstreamCall,
    status: number,
    headers: HeaderList,
    framing: 'none' | 'length' | 'chunked' | 'close',
  ): void;
  /** A chunk of the response body; see `transientChunks`. */
  onBody(call: UpstreamCall, chunk: Buffer): void;
  /**
   * True: this handler is done with each `onBody` chunk when the call returns, so a chunk may be a view
   * of the shared read buffer (no copy). Otherwise every chunk is the handler's to keep.
   */
  readonly transientChunks?: boolean;
  onEnd(call: UpstreamCall): void;
  /** `afterHead`: the response had started (its head was delivered) when it failed. */
  onFailure(call: UpstreamCall, kind: UpstreamFailureKind, detail: string, afterHead: boolean): void;
  /** The target can take more request body again (after `writeBody` returned false). */
  onDrain?(call: UpstreamCall): void;
  /** Everything the target sent in one read has been handed over (a good moment to flush writes). */
  onFlush?(call: UpstreamCall): void;
}

/** One request to send. */
export interface UpstreamSend {
  readonly target: TargetKey;
  readonly protocol: 'HTTP' | 'HTTPS';
  readonly method: string;
  readonly path: string;
  readonly headers: HeaderList;
  /** How the request body is framed towards the target (`none`: no body). */
  readonly body: 'none' | 'chunked' | { readonly length: number };
  /** Close the connection after this exchange (§5.3 defensive mode). */
  readonly closeAfter: boolean;
  /** An upgrade request: the protocol asked for (`websocket`); sent with `Connection: upgrade`. */
  readonly upgrade?: string;
}

export interface UpstreamOptions {
  /** TCP connect timeout (§5.2: 10 s → 504). */
  readonly connectTimeoutMs: number;
  /** TLS handshake timeout (§5.2: 10 s → 502). */
  readonly tlsTimeoutMs?: number;
  /** Idle connections are closed after this long (kept below Node's 5 s default keep-alive). */
  readonly keepAliveMs?: number;
  /**
   * Where a target is reached when that is not `targetId:port` (a Lambda target: the local server that
   * invokes the function, `lambda-target.ts`).
   */
  readonly address?: (target: TargetKey) => { host: string; port: number } | undefined;
}

const KEEP_ALIVE_MS = 4_000;

/**
 * Request heads written at the end of the event-loop turn that produced them (`setImmediate`: after
 * every read of the turn is handled), in order. Each write to a target wakes its process; written one
 * by one as requests arrive, each wake-up tends to preempt the proxy and the target runs for one
 * request. Gathered, the targets find several requests waiting when they run. Measured beside the
 * build that wrote them at once (bench/README.md): about 5 % less CPU per request for the proxy, 13 %
 * less for the targets, 9 % more requests per second, and a quarter fewer involuntary context
 * switches. Only heads of requests without a body wait: nothing else is written on their connections
 * until the response, and a connection closed meanwhile is skipped.
 */
export class TurnWrites {
  readonly #pending: (net.Socket | string)[] = [];
  #scheduled = false;
  readonly #flush = (): void => {
    this.#scheduled = false;
    const p = this.#pending;
    for (let i = 0; i < p.length; i += 2) {
      const socket = p[i] as net.Socket;
      if (!socket.destroyed) writeLatin1(socket, p[i + 1] as string);
    }
    p.length = 0;
  };

  add(socket: net.Socket, data: string): void {
    this.#pending.push(socket, data);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flush);
    }
  }
}

const turnWrites = new TurnWrites();
const MAX_IDLE_PER_TARGET = 256;

/** A request in progress on one connection. */
export class UpstreamCall {
  #conn?: UpstreamConnection;
  #done = false;
  #headSent = false;
  #pendingBody?: Buffer[];
  #bodyEnded = false;
  #aborted = false;

  constructor(
    readonly send: UpstreamSend,
    readonly handlers: UpstreamHandlers,
  ) {}

  get done(): boolean {
    return this.#done;
  }

  /** Called by the pool when a connection is ready. */
  attach(conn: UpstreamConnection): void {
    if (this.#aborted) {
      conn.release(false);
      return;
    }
    this.#conn = conn;
    conn.start(this);
    this.#headSent = true;
    const pending = this.#pendingBody;
    this.#pendingBody = undefined;
    if (pending) for (const c of pending) conn.writeBody(c, this.send.body === 'chunked');
    if (this.#bodyEnded) conn.endBody(this.send.body === 'chunked');
  }

  /** More request body; returns false when the caller should wait for `onDrain`. */
  writeBody(chunk: Buffer): boolean {
    if (this.#done || chunk.length === 0) return true;
    if (!this.#headSent || !this.#conn) {
      (this.#pendingBody ??= []).push(chunk);
      return true;
    }
    return this.#conn.writeBody(chunk, this.send.body === 'chunked');
  }

  endBody(): void {
    if (this.#done) return;
    this.#bodyEnded = true;
    if (this.#headSent && this.#conn) this.#conn.endBody(this.send.body === 'chunked');
  }

  /** Give up on the request (client gone, deregistration delay over): its connection is closed. */
  abort(): void {
    this.#aborted = true;
    this.#done = true;
    this.#conn?.destroy();
  }

  /** The socket, for WebSocket tunnels after a 101. */
  get socket(): net.Socket | undefined {
    return this.#conn?.socket;
  }

  finished(): void {
    this.#done = true;
  }
}

/** One keep-alive connection to a target. */
export class UpstreamConnection implements Swept {
  readonly #parser: Http1Parser<ResponseHead>;
  #call?: UpstreamCall;
  #afterHead = false;
  #reusable = true;
  #idleTimer?: NodeJS.Timeout;
  #closed = false;
  #tunnel = false;
  /** Reads land in the shared read buffer (`direct-read.ts`): kept bytes must be copied. */
  readonly #direct: boolean;

  constructor(
    readonly socket: net.Socket,
    readonly pool: TargetPool,
  ) {
    this.#parser = new Http1Parser<ResponseHead>(
      'response',
      { startLineBytes: HTTP_LIMITS.responseHeaderBytes, headBytes: HTTP_LIMITS.responseHeaderBytes },
      {
        onHead: (head) => this.#onHead(head),
        onBody: (chunk) => {
          const call = this.#call;
          // a chunk read into the shared buffer is copied unless the handler uses it before returning
          if (call)
            call.handlers.onBody(call, this.#direct && !call.handlers.transientChunks ? Buffer.from(chunk) : chunk);
        },
        onEnd: () => this.#onEnd(),
        onError: (kind, detail) =>
          this.#fail(
            kind === 'head-too-large'
              ? 'response_headers_too_large'
              : kind === 'incomplete'
                ? 'target_closed'
                : 'bad_response_headers',
            detail,
          ),
      },
    );
    this.#direct = readDirect(socket, (chunk: Buffer) => {
      if (this.#tunnel) {
        // the tunnel's own 'data' listener takes the bytes (a copy: the read buffer is shared)
        if (this.#direct) socket.emit('data', Buffer.from(chunk));
        return;
      }
      this.#clock.touch();
      const call = this.#call;
      if (!call) {
        // bytes from an idle connection: the target is not speaking HTTP as expected; never reuse it
        this.destroy();
        return;
      }
      this.#parser.execute(chunk, this.#direct);
      if (this.#tunnel) {
        // a 101 just turned the connection into a tunnel: what the target sent past its head in the same
        // read (its first WebSocket frames) goes to the tunnel first, ahead of the next reads
        const rest = this.#parser.takeRemainder();
        if (rest && rest.length > 0) socket.emit('data', Buffer.from(rest));
        return;
      }
      call.handlers.onFlush?.(call);
    });
    socket.on('end', () => this.#onClose('the target closed the connection (FIN)'));
    socket.on('close', () => this.#onClose('the connection to the target closed'));
    socket.on('error', (err: NodeJS.ErrnoException) => this.#onClose(err.code ?? err.message));
    socket.on('drain', () => {
      const call = this.#call;
      if (call) call.handlers.onDrain?.(call);
    });
  }

  /** Reads and writes; the sweep looks at it while a request is out (§5.2 504). */
  readonly #clock = new IdleClock(Date.now());

  sweep(now: number): void {
    if (this.#call && this.#clock.expired(now, this.#idleMs)) this.idleTimeout();
  }

  get idle(): boolean {
    return this.#call === undefined && !this.#closed;
  }

  #idleMs = 0;

  /** The listener's idle timeout while a request is out (§5.2 504); set only when it changes. */
  set idleTimeoutMs(ms: number) {
    if (ms === this.#idleMs || this.#closed) return;
    this.#idleMs = ms;
    idleSweep.add(this, ms);
  }

  start(call: UpstreamCall): void {
    this.#call = call;
    // the target's idle timeout (§5.2 504) runs from the request on
    this.#clock.touchAt(Date.now());
    this.#afterHead = false;
    const s = call.send;
    let head = `${s.method} ${s.path} HTTP/1.1\r\n`;
    for (const [k, v] of s.headers) {
      // the body is framed here, towards the target; the client's framing headers are not passed on
      if (k.length === 14 && k.toLowerCase() === 'content-length') continue;
      head += `${k}: ${v}\r\n`;
    }
    if (s.body === 'chunked') head += 'transfer-encoding: chunked\r\n';
    else if (typeof s.body === 'object') head += `content-length: ${s.body.length}\r\n`;
    if (s.upgrade !== undefined) head += `connection: upgrade\r\nupgrade: ${s.upgrade}\r\n\r\n`;
    else head += s.closeAfter ? 'connection: close\r\n\r\n' : 'connection: keep-alive\r\n\r\n';
    if (s.closeAfter) this.#reusable = false;
    // a request without a body leaves with the others of this event-loop turn (see `TurnWrites`);
    // one with a body goes now, its body right behind it
    if (s.body === 'none' && s.upgrade === undefined) turnWrites.add(this.socket, head);
    else writeLatin1(this.socket, head);
  }

  writeBody(chunk: Buffer, chunked: boolean): boolean {
    if (this.#closed) return true;
    this.#clock.touch();
    if (!chunked) return this.socket.write(chunk);
    this.socket.cork();
    this.socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
    this.socket.write(chunk);
    const ok = this.socket.write('\r\n', 'latin1');
    this.socket.uncork();
    return ok;
  }

  endBody(chunked: boolean): void {
    if (chunked && !this.#closed) this.socket.write('0\r\n\r\n', 'latin1');
  }

  #onHead(head: ResponseHead): NonNullable<ReturnType<typeof responseFraming>> | 'upgrade' {
    const call = this.#call!;
    if (head.status === 101) {
      // The connection becomes a tunnel (WebSocket): it leaves the pool and this object's hands.
      this.#afterHead = true;
      this.#reusable = false;
      this.#tunnel = true;
      this.#call = undefined;
      this.pool.forget(this);
      idleSweep.delete(this);
      call.finished();
      call.handlers.onHead(call, 101, head.headers, 'close');
      return 'upgrade';
    }
    if (head.status >= 100 && head.status < 200) return { kind: 'none' }; // informational, e.g. 100 Continue
    const framing = responseFraming(call.send.method, head);
    if (!framing) {
      this.#fail('bad_response_headers', 'conflicting or unreadable Content-Length');
      return { kind: 'none' };
    }
    for (const [k, v] of head.headers) {
      if (k.length === 10 && k.toLowerCase() === 'connection' && /(^|,)\s*close\s*(,|$)/i.test(v))
        this.#reusable = false;
    }
    if (head.version === 'HTTP/1.0' || framing.kind === 'close') this.#reusable = false;
    this.#afterHead = true;
    call.handlers.onHead(call, head.status, head.headers, framing.kind);
    return framing;
  }

  #onEnd(): void {
    const call = this.#call;
    if (!call || !this.#afterHead) return; // an informational response ended
    this.#call = undefined;
    call.finished();
    call.handlers.onEnd(call);
    this.release(this.#reusable);
  }

  #fail(kind: UpstreamFailureKind, detail: string): void {
    const call = this.#call;
    this.#call = undefined;
    this.destroy();
    if (call && !call.done) {
      call.finished();
      call.handlers.onFailure(call, kind, detail, this.#afterHead);
    }
  }

  #onClose(detail: string): void {
    if (this.#closed || this.#tunnel) return;
    if (this.#call && this.#afterHead && this.#parser.framing.kind === 'close') {
      // a close-delimited body ends with the connection
      this.#closed = true;
      this.pool.forget(this);
      idleSweep.delete(this);
      this.#parser.finish();
      return;
    }
    this.#closed = true;
    this.pool.forget(this);
    idleSweep.delete(this);
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    const call = this.#call;
    this.#call = undefined;
    if (call && !call.done) {
      call.finished();
      const kind: UpstreamFailureKind =
        this.#afterHead && this.#parser.framing.kind === 'length' ? 'content_length_mismatch' : 'target_closed';
      call.handlers.onFailure(call, kind, detail, this.#afterHead);
    }
    this.socket.destroy();
  }

  /** Back to the pool (keep-alive) or closed. */
  release(reusable: boolean): void {
    this.#call = undefined;
    if (!reusable || this.#closed || !this.pool.keep(this)) {
      this.destroy();
      return;
    }
    this.#idleSince = Date.now();
    if (!this.#idleTimer) this.#armIdle(this.pool.keepAliveMs);
  }

  /** When this connection last went back to the pool (ms). */
  #idleSince = 0;

  /**
   * One timer per connection, armed when it goes idle and not already armed: a connection reused
   * before the timer fires keeps it (no timer created and cleared per request); on firing, a
   * connection idle for the whole keep-alive time closes, one reused meanwhile waits out the rest.
   */
  #armIdle(ms: number): void {
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      if (this.#call || this.#closed) return; // busy: armed again when released
      const left = this.pool.keepAliveMs - (Date.now() - this.#idleSince);
      if (left > 0) this.#armIdle(left);
      else this.destroy();
    }, ms);
    this.#idleTimer.unref();
  }

  destroy(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    idleSweep.delete(this);
    this.#closed = true;
    this.pool.forget(this);
    this.socket.destroy();
  }

  /** The target has sent nothing for the idle timeout while a request is outstanding (§5.4 504). */
  idleTimeout(): void {
    if (this.#call) this.#fail('target_idle_timeout', 'no data from the target within the idle timeout');
  }
}

/** Keep-alive connections to one target (host, port, protocol). */
export class TargetPool {
  readonly #idle: UpstreamConnection[] = [];
  readonly #all = new Set<UpstreamConnection>();
  readonly keepAliveMs: number;

  constructor(
    readonly target: TargetKey,
    readonly protocol: 'HTTP' | 'HTTPS',
    private readonly options: UpstreamOptions,
  ) {
    this.keepAliveMs = options.keepAliveMs ?? KEEP_ALIVE_MS;
  }

  /** Send a request: on an idle connection, or a new one. `idleMs`: the listener's idle timeout. */
  request(call: UpstreamCall, idleMs: number): void {
    let conn = this.#idle.pop();
    while (conn && !conn.idle) conn = this.#idle.pop();
    if (conn) {
      conn.idleTimeoutMs = idleMs;
      call.attach(conn);
      return;
    }
    this.#connect(call, idleMs);
  }

  #connect(call: UpstreamCall, idleMs: number): void {
    const mapped = this.options.address?.(this.target);
    const host = mapped?.host ?? this.target.targetId;
    const port = mapped?.port ?? this.target.port;
    const https = this.protocol === 'HTTPS' && mapped === undefined;
    let connected = false;
    const socket: net.Socket = https
      ? // targets behind an ALB need no valid certificate (§1.1)
        tls.connect({ host, port, rejectUnauthorized: false, servername: net.isIP(host) ? undefined : host })
      : net.connect({ host, port });
    socket.setNoDelay(true);
    const connectTimer = setTimeout(
      () => {
        fail(
          https && socketConnected ? 'tls_failure' : 'connect_timeout',
          https && socketConnected ? 'TLS handshake took too long' : 'connect timeout',
        );
      },
      https ? this.options.connectTimeoutMs + (this.options.tlsTimeoutMs ?? 0) : this.options.connectTimeoutMs,
    );
    let socketConnected = false;
    socket.once('connect', () => (socketConnected = true));
    const fail = (kind: UpstreamFailureKind, detail: string): void => {
      if (connected) return;
      connected = true;
      clearTimeout(connectTimer);
      socket.destroy();
      if (!call.done) {
        call.finished();
        call.handlers.onFailure(call, kind, detail, false);
      }
    };
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (connected) return;
      // a reset during the TLS handshake is a TLS failure (§5.4 502), not a connect failure
      const kind =
        https && socketConnected && err.code === 'ECONNRESET' ? 'tls_failure' : classifyUpstreamError(err, 'connect');
      fail(kind, err.code ?? err.message);
    });
    socket.once(https ? 'secureConnect' : 'connect', () => {
      if (connected) return;
      connected = true;
      clearTimeout(connectTimer);
      const conn = new UpstreamConnection(socket, this);
      this.#all.add(conn);
      conn.idleTimeoutMs = idleMs;
      call.attach(conn);
    });
  }

  keep(conn: UpstreamConnection): boolean {
    if (this.#idle.length >= MAX_IDLE_PER_TARGET) return false;
    this.#idle.push(conn);
    return true;
  }

  forget(conn: UpstreamConnection): void {
    this.#all.delete(conn);
    const i = this.#idle.indexOf(conn);
    if (i >= 0) this.#idle.splice(i, 1);
  }

  close(): void {
    for (const c of [...this.#all]) c.destroy();
    this.#idle.length = 0;
  }
}

/** Pools per target and protocol; the live simulator owns one. */
export class UpstreamPools {
  readonly #pools = new WeakMap<TargetKey, Map<string, TargetPool>>();
  readonly #all = new Set<TargetPool>();

  constructor(private readonly options: UpstreamOptions) {}

  get(target: TargetKey, protocol: 'HTTP' | 'HTTPS'): TargetPool {
    let byProtocol = this.#pools.get(target);
    if (!byProtocol) this.#pools.set(target, (byProtocol = new Map()));
    let pool = byProtocol.get(protocol);
    if (!pool) {
      pool = new TargetPool(target, protocol, this.options);
      byProtocol.set(protocol, pool);
      this.#all.add(pool);
    }
    return pool;
  }

  close(): void {
    for (const p of this.#all) p.close();
    this.#all.clear();
  }
}
