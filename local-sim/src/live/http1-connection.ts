/**
 * One client connection speaking HTTP/1.x to an ALB listener: bytes in through the lenient parser
 * (`core/http1.ts`), each request through the shared exchange (`core/exchange.ts`), forwarded requests
 * to targets through `upstream.ts`, responses written back. One request at a time (pipelined requests
 * wait in the parser), keep-alive per RFC 7230, §5.2 idle timeout (408 for a half-sent request),
 * `client_keep_alive.seconds`, §5.3 connection closes, WebSocket upgrades (`tunnel.ts`).
 */
import type * as net from 'node:net';
import type * as tls from 'node:tls';
import { ELB_STATUS, HTTP_LIMITS } from '@ha-load-balancer/spec';
import { bodyFraming, type BodyFraming } from '../core/desync';
import type { EdgeRequest, ElbResponse, Exchange } from '../core/exchange';
import { normaliseAddress, type HeaderList } from '../core/headers';
import { Http1Parser, latin1, type ParseErrorKind, type RequestHead, type ResponseFraming } from '../core/http1';
import { authenticateThroughIdp } from './idp-client';
import { clientCertificateChain } from './tls';
import { openTunnel } from './tunnel';
import { readDirect } from './direct-read';
import { writeLatin1 } from './direct-write';
import { IdleClock, idleSweep, type Swept } from './idle-sweep';
import type { UpstreamFailureKind } from '../core/gateway-errors';
import { UpstreamCall, type UpstreamHandlers } from './upstream';
import { headerBlock, httpDate, statusLine, type InFlightHolder } from './wire';
import type { EdgeRuntime } from './edge-runtime';

type UpstreamFraming = Parameters<UpstreamHandlers['onHead']>[3];

const LIMITS = {
  startLineBytes: HTTP_LIMITS.requestLineBytes,
  // request line + all header lines + line ends and the blank line
  headBytes: HTTP_LIMITS.requestLineBytes + HTTP_LIMITS.requestHeaderBytes + 4,
};

const PARSE_STATUS: Readonly<Record<ParseErrorKind, number>> = {
  malformed: ELB_STATUS.badRequest,
  'request-line-too-long': ELB_STATUS.uriTooLong,
  'head-too-large': ELB_STATUS.badRequest,
  'http2-preface': ELB_STATUS.httpVersionNotSupported,
  'bad-chunk': ELB_STATUS.badRequest,
  incomplete: ELB_STATUS.badRequest,
};

/** What the connection needs to know of a request's headers (bits of `scanHeaders`). */
const UPGRADE_HEADER = 1;
const CONNECTION_UPGRADE = 2;
const CONNECTION_CLOSE = 4;
const CONNECTION_KEEP_ALIVE = 8;
const EXPECT = 16;
const EXPECT_CONTINUE = 32;

/** Those facts in one pass over the headers (a number: nothing allocated per request). */
function scanHeaders(headers: HeaderList): number {
  let f = 0;
  for (const [k, v] of headers) {
    const n = k.length;
    if (n === 10 && k.toLowerCase() === 'connection') {
      if (CLOSE.test(v)) f |= CONNECTION_CLOSE;
      if (KEEP_ALIVE.test(v)) f |= CONNECTION_KEEP_ALIVE;
      if (UPGRADE.test(v)) f |= CONNECTION_UPGRADE;
    } else if (n === 7 && k.toLowerCase() === 'upgrade') f |= UPGRADE_HEADER;
    else if (n === 6 && k.toLowerCase() === 'expect') f |= CONTINUE.test(v) ? EXPECT | EXPECT_CONTINUE : EXPECT;
  }
  return f;
}

const CLOSE = /(^|,)\s*close\s*(,|$)/i;
const KEEP_ALIVE = /(^|,)\s*keep-alive\s*(,|$)/i;
const UPGRADE = /(^|,)\s*upgrade\s*(,|$)/i;
const CONTINUE = /^\s*100-continue\s*$/i;

/** Body chunks up to this size are written together with what precedes them, as one latin1 string. */
const INLINE_BODY_BYTES = 16 * 1024;

/** The current request on a connection. */
interface Current {
  readonly ex: Exchange;
  readonly request: EdgeRequest;
  readonly keepAlive: boolean;
  /** The client sent all of its request (its body, if any, is read). */
  requestDone: boolean;
  /** The response is complete (or the exchange gave up on the client). */
  responseDone: boolean;
  headWritten: boolean;
  /** Re-chunk a body whose length is unknown (chunked or close-delimited from the target). */
  chunked: boolean;
  closeAfter: boolean;
  call?: UpstreamCall;
  /** The engine's id of the forwarded request (in the in-flight registry until the exchange ends). */
  requestId?: number;
  receivedBytes: number;
  sentBytes: number;
}

export class Http1Connection implements UpstreamHandlers, InFlightHolder, Swept {
  readonly #socket: net.Socket;
  readonly #rt: EdgeRuntime;
  readonly #parser: Http1Parser<RequestHead>;
  readonly #client: EdgeRequest['client'];
  readonly #tls?: EdgeRequest['tls'];
  /** The node that accepted this connection routes its requests (§2.4). */
  readonly #zone?: string;
  readonly #openedAt = Date.now();
  #cur?: Current;
  #closed = false;
  #tunneled = false;
  /** Bytes of a request head that is still arriving (for a 408's log line). */
  #partial = 0;
  /** Reads land in the shared read buffer (`direct-read.ts`): request body chunks are copied when kept. */
  readonly #direct: boolean;
  /** Response body chunks are written (or copied) before `onBody` returns. */
  readonly transientChunks = true;
  /** A relayed response head not written yet: it leaves with the first body bytes, or at `onFlush`. */
  #pendingHead?: string;

  constructor(socket: net.Socket, rt: EdgeRuntime) {
    this.#socket = socket;
    this.#rt = rt;
    this.#client = { address: normaliseAddress(socket.remoteAddress ?? '0.0.0.0'), port: socket.remotePort ?? 0 };
    this.#zone = rt.zoneOf?.(socket.localAddress);
    const tlsSocket = socket as tls.TLSSocket;
    if (tlsSocket.encrypted) {
      this.#tls = {
        protocol: tlsSocket.getProtocol() ?? undefined,
        cipher: tlsSocket.getCipher()?.name,
        servername: (tlsSocket as tls.TLSSocket & { servername?: string | false }).servername || undefined,
        ...(rt.edge.options.listener.mutualAuthentication
          ? { clientCertificateChain: clientCertificateChain(tlsSocket) }
          : {}),
      };
    }
    this.#parser = new Http1Parser<RequestHead>('request', LIMITS, {
      onHead: (head) => this.#onHead(head),
      onBody: (chunk) => this.#onBody(chunk),
      onEnd: () => this.#onRequestEnd(),
      onError: (kind, detail) => this.#onParseError(kind, detail),
    });
    socket.setNoDelay(true);
    idleSweep.add(this, rt.idleMs);
    rt.inFlight.addHolder(this);
    this.#direct = readDirect(socket, (chunk: Buffer) => {
      if (this.#tunneled) {
        // the tunnel's own 'data' listener takes the bytes (a copy: the read buffer is shared)
        if (this.#direct) socket.emit('data', Buffer.from(chunk));
        return;
      }
      this.#clock.touch();
      if (!this.#cur) {
        // the first byte of a request head starts its clock (simulator choice header_timeout)
        if (this.#partial === 0) this.#armHeadTimer();
        this.#partial += chunk.length;
      }
      this.#parser.execute(chunk, this.#direct);
    });
    socket.on('end', () => {
      if (!this.#tunneled) this.#onClientEnd();
    });
    socket.on('close', () => this.#onClientClose());
    socket.on('error', () => undefined);
  }

  /** Stop reading new requests: close now when idle, else after the current response. */
  drain(): void {
    if (!this.#cur && !this.#parser.inMessage) this.#socket.end();
  }

  /** Cut the connection (simulator stop after its grace period): the current exchange is logged as such. */
  cut(): void {
    const cur = this.#cur;
    if (cur && !cur.responseDone) {
      cur.call?.abort();
      cur.ex.stopped();
      this.#finish(cur);
    }
    this.#socket.destroy();
  }

  // ---- requests ------------------------------------------------------------------------------------

  #onHead(head: RequestHead): ResponseFraming | 'upgrade' {
    const version = head.version === 'HTTP/1.1' ? '1.1' : (/^HTTP\/(\d\.\d)$/.exec(head.version)?.[1] ?? head.version);
    const headers = head.headers;
    const h = scanHeaders(headers);
    const upgrade = (h & (UPGRADE_HEADER | CONNECTION_UPGRADE)) === (UPGRADE_HEADER | CONNECTION_UPGRADE);
    const request: EdgeRequest =
      this.#tls || upgrade
        ? {
            method: head.method,
            target: head.target,
            httpVersion: version,
            headers,
            client: this.#client,
            ...(this.#tls ? { tls: this.#tls } : {}),
            ...(upgrade ? { upgrade: true } : {}),
            rawVersion: head.version,
            availabilityZone: this.#zone,
          }
        : {
            // the usual request: one object shape
            method: head.method,
            target: head.target,
            httpVersion: version,
            headers,
            client: this.#client,
            rawVersion: head.version,
            availabilityZone: this.#zone,
          };
    const framing: BodyFraming | undefined = bodyFraming(headers);
    const ex = this.#rt.edge.begin(request, { unframeable: framing === undefined });
    const keepAlive =
      version === '1.1' ? (h & CONNECTION_CLOSE) === 0 : version === '1.0' && (h & CONNECTION_KEEP_ALIVE) !== 0;
    const cur: Current = {
      ex,
      request,
      keepAlive,
      requestDone: false,
      responseDone: false,
      headWritten: false,
      chunked: false,
      closeAfter: false,
      receivedBytes: head.headBytes,
      sentBytes: 0,
    };
    this.#cur = cur;
    this.#partial = 0;
    this.#clearHeadTimer();
    const step = ex.step;
    if (step.kind === 'respond') {
      this.#writeElb(cur, step.response);
      // an unreadable body or a closing response: nothing more is read from this connection
      if (!framing || step.response.close) return { kind: 'none' };
      return framing;
    }
    if (step.kind === 'idp') {
      // §4.3: the load balancer asks the identity provider first; the request body is read and dropped
      void authenticateThroughIdp(ex, step.call).then((r) => this.#writeElb(cur, r));
      return framing ?? { kind: 'none' };
    }
    if (upgrade) {
      // From here on the tunnel owns the connection; this object only keeps the connection count.
      this.#tunneled = true;
      this.#cur = undefined;
      idleSweep.delete(this); // the tunnel keeps its own timeouts
      openTunnel(this.#socket, this.#parser, cur.ex, step.upstream, this.#rt, () => (cur.responseDone = true));
      return 'upgrade';
    }
    const body =
      framing!.kind === 'none'
        ? 'none'
        : framing!.kind === 'chunked'
          ? 'chunked'
          : { length: (framing as { length: number }).length };
    if (body !== 'none' && (h & EXPECT_CONTINUE) !== 0) this.#socket.write('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
    // Expect is answered here, never passed on (the load balancer adds none of its own)
    const upstreamHeaders =
      (h & EXPECT) !== 0
        ? step.upstream.headers.filter(([k]) => !(k.length === 6 && k.toLowerCase() === 'expect'))
        : step.upstream.headers;
    const call = new UpstreamCall(
      {
        target: step.upstream.target,
        protocol: step.upstream.protocol,
        method: step.upstream.method,
        path: step.upstream.path,
        headers: upstreamHeaders,
        body,
        closeAfter: step.upstream.closeAfter,
      },
      this,
    );
    cur.call = call;
    cur.requestId = step.upstream.requestId;
    // §2.3: the engine aborts requests still running when their target's deregistration delay ends (it
    // finds this one through `inFlightRequest`: this connection is registered once, not per request)
    this.#rt.pools.get(step.upstream.target, step.upstream.protocol).request(call, this.#rt.idleMs);
    return framing!;
  }

  #onBody(chunk: Buffer): void {
    const cur = this.#cur;
    if (!cur) return;
    cur.receivedBytes += chunk.length;
    if (cur.call && !cur.call.done && !cur.call.writeBody(this.#direct ? Buffer.from(chunk) : chunk))
      this.#socket.pause();
  }

  #onRequestEnd(): void {
    const cur = this.#cur;
    if (!cur) return;
    cur.requestDone = true;
    cur.call?.endBody();
    if (cur.responseDone) this.#next(cur);
  }

  // ---- responses (this object is the handler of every upstream call it makes: no closure per request) ----

  /** The current exchange, if `call` is still its upstream call and the response is still wanted. */
  #live(call: UpstreamCall): Current | undefined {
    const cur = this.#cur;
    if (!cur || cur.call !== call || cur.responseDone || this.#closed) return undefined;
    return cur;
  }

  onHead(call: UpstreamCall, status: number, headers: HeaderList, framing: UpstreamFraming): void {
    const cur = this.#live(call);
    if (!cur) return;
    const r = cur.ex.upstreamResponse(status, headers);
    if (r.kind === 'respond') {
      call.abort();
      this.#writeElb(cur, r.response);
      return;
    }
    cur.closeAfter = r.close || !cur.keepAlive || this.#expired() || this.#rt.stopping();
    const noBody = framing === 'none';
    cur.chunked = !noBody && framing !== 'length' && cur.request.httpVersion === '1.1';
    // An HTTP/1.0 client gets a body of unknown length delimited by the connection's end.
    if (!noBody && framing !== 'length' && !cur.chunked) cur.closeAfter = true;
    let head = statusLine(status) + headerBlock(r.headers);
    if (cur.chunked) head += 'transfer-encoding: chunked\r\n';
    head += cur.closeAfter ? 'connection: close\r\n\r\n' : 'connection: keep-alive\r\n\r\n';
    cur.headWritten = true;
    // The head waits for the body that came with it (usually in the same packet from the target): both
    // leave in one write, made when the target's read has been handed over at the latest (`onFlush`).
    this.#pendingHead = head;
  }

  onBody(call: UpstreamCall, chunk: Buffer): void {
    const cur = this.#live(call);
    if (!cur) return;
    const socket = this.#socket;
    const n = chunk.length;
    cur.sentBytes += n;
    this.#clock.touch();
    let head = this.#pendingHead;
    this.#pendingHead = undefined;
    let ok: boolean;
    if (n <= INLINE_BODY_BYTES) {
      // small bodies join the head as latin1 text (one char per byte): one write, no corking
      const text = latin1(chunk, 0, n);
      if (head === undefined) head = '';
      ok = writeLatin1(socket, cur.chunked ? `${head}${n.toString(16)}\r\n${text}\r\n` : head + text);
    } else {
      if (head !== undefined || cur.chunked) {
        socket.cork();
        if (head !== undefined) socket.write(head, 'latin1');
        if (cur.chunked) {
          socket.write(`${n.toString(16)}\r\n`, 'latin1');
          socket.write(Buffer.from(chunk));
          ok = socket.write('\r\n', 'latin1');
        } else ok = socket.write(Buffer.from(chunk));
        socket.uncork();
      } else ok = socket.write(Buffer.from(chunk)); // the chunk may be a view of the shared read buffer
    }
    if (!ok) {
      // back-pressure: stop reading the target until the client has taken what it has
      const up = call.socket;
      up?.pause();
      socket.once('drain', () => up?.resume());
    }
  }

  onEnd(call: UpstreamCall): void {
    const cur = this.#live(call);
    if (!cur) return;
    const head = this.#pendingHead;
    this.#pendingHead = undefined;
    this.#clock.touch();
    if (head !== undefined) writeLatin1(this.#socket, cur.chunked ? `${head}0\r\n\r\n` : head);
    else if (cur.chunked) writeLatin1(this.#socket, '0\r\n\r\n');
    this.#finish(cur);
  }

  onFailure(call: UpstreamCall, kind: UpstreamFailureKind, detail: string, afterHead: boolean): void {
    const cur = this.#live(call);
    if (!cur) return;
    if (!afterHead || !cur.headWritten) {
      this.#writeElb(cur, cur.ex.upstreamFailed(kind, detail));
      return;
    }
    // The response had started: the client can only see its connection drop (§5.4 in the log).
    this.onFlush();
    cur.ex.interrupted(kind, detail);
    this.#finish(cur);
    this.#socket.destroy();
  }

  onDrain(call: UpstreamCall): void {
    if (this.#live(call)) this.#socket.resume();
  }

  onFlush(): void {
    const head = this.#pendingHead;
    if (head === undefined) return;
    this.#pendingHead = undefined;
    this.#clock.touch();
    if (!this.#closed) writeLatin1(this.#socket, head);
  }

  /** The engine's id of the forwarded request this connection is still answering, if any. */
  inFlightRequest(): number | undefined {
    const cur = this.#cur;
    return cur && !cur.responseDone ? cur.requestId : undefined;
  }

  /** §2.3: the engine aborts a request still running when its target's deregistration delay ends. */
  abortInFlight(requestId: number): void {
    const cur = this.#cur;
    if (cur && cur.requestId === requestId) this.#abort(cur, 'deregistration_delay_expired');
  }

  /** §2.3: the deregistration delay ended with the request in flight (502, or a cut response). */
  #abort(cur: Current, kind: 'deregistration_delay_expired'): void {
    if (cur.responseDone) return;
    cur.call?.abort();
    if (!cur.headWritten) this.#writeElb(cur, cur.ex.upstreamFailed(kind));
    else {
      cur.ex.interrupted(kind);
      this.#finish(cur);
      this.#socket.destroy();
    }
  }

  /** Write a response the load balancer generated, then finish the exchange. */
  #writeElb(cur: Current, response: ElbResponse): void {
    if (cur.responseDone) return;
    cur.closeAfter = response.close || !cur.keepAlive || this.#expired() || this.#rt.stopping();
    const noBody = cur.request.method === 'HEAD' || response.status === 204 || response.status === 304;
    const head =
      statusLine(response.status) +
      headerBlock(response.headers) +
      `date: ${httpDate()}\r\n` +
      (cur.closeAfter ? 'connection: close\r\n\r\n' : 'connection: keep-alive\r\n\r\n');
    cur.headWritten = true;
    this.#clock.touch();
    if (!this.#closed) {
      if (noBody || response.body === '') this.#socket.write(head, 'latin1');
      else this.#socket.write(head + response.body, 'utf8');
    }
    cur.sentBytes = noBody ? 0 : Buffer.byteLength(response.body);
    this.#finish(cur);
  }

  #finish(cur: Current): void {
    if (cur.responseDone) return;
    cur.responseDone = true;
    cur.ex.finish({ receivedBytes: cur.receivedBytes, sentBytes: cur.sentBytes });
    if (cur.closeAfter) {
      this.#cur = undefined;
      this.#socket.end();
      return;
    }
    if (cur.requestDone) this.#next(cur);
  }

  /** Both halves of the exchange are done: read the next request, if the client sent one. */
  #next(cur: Current): void {
    if (this.#cur !== cur) return;
    this.#cur = undefined;
    if (this.#rt.stopping()) {
      this.#socket.end();
      return;
    }
    this.#socket.resume();
    this.#parser.resume();
  }

  /** Reads and writes of this connection, for its idle timeout (§5.2), looked at by the sweep. */
  readonly #clock = new IdleClock(Date.now());
  /** A request head has begun (at `#headSince`) and is not complete yet. */
  #headArmed = false;
  #headSince = 0;

  /** The idle sweep (`idle-sweep.ts`): the head timeout, then the idle timeout. */
  sweep(now: number): void {
    if (this.#tunneled || this.#closed) return;
    if (this.#headArmed && now - this.#headSince >= this.#rt.idleMs) this.#headTimeout();
    else if (this.#clock.expired(now, this.#rt.idleMs)) this.#onIdle();
  }

  #armHeadTimer(): void {
    this.#headArmed = true;
    this.#headSince = Date.now();
  }

  #clearHeadTimer(): void {
    this.#headArmed = false;
  }

  /**
   * A request head still incomplete an idle timeout after its first byte: 408 and the connection closed,
   * however slowly the bytes keep coming (simulator choice `header_timeout`).
   */
  #headTimeout(): void {
    if (!this.#headArmed) return;
    this.#headArmed = false;
    if (this.#cur || this.#partial === 0 || this.#closed) return;
    this.#requestTimeout('the client did not complete its request head within the idle timeout');
  }

  /** §5.4 408, logged, and the connection closed. */
  #requestTimeout(cause: string): void {
    const response = this.#rt.edge.malformed(
      this.#client,
      ELB_STATUS.requestTimeout,
      cause,
      { receivedBytes: this.#partial },
      this.#tls,
    );
    this.#partial = 0;
    this.#clearHeadTimer();
    this.#socket.end(
      statusLine(408) +
        headerBlock(response.headers) +
        `date: ${httpDate()}\r\nconnection: close\r\n\r\n` +
        response.body,
    );
  }

  #expired(): boolean {
    return Date.now() - this.#openedAt >= this.#rt.clientKeepAliveMs;
  }

  // ---- connection events ---------------------------------------------------------------------------

  #onParseError(kind: ParseErrorKind, detail: string): void {
    const cur = this.#cur;
    if (cur && !cur.responseDone) {
      // the body of a forwarded request was malformed (a bad chunk): the target gets no more of it
      cur.call?.abort();
      this.#writeElb(cur, cur.ex.upstreamFailed('target_closed', `malformed request body: ${detail}`));
      this.#socket.destroy();
      return;
    }
    const status = PARSE_STATUS[kind];
    const response = this.#rt.edge.malformed(
      this.#client,
      status,
      `malformed request (${kind}: ${detail})`,
      {
        receivedBytes: this.#partial,
      },
      this.#tls,
    );
    this.#partial = 0;
    if (!this.#closed) {
      this.#socket.end(
        statusLine(status) +
          headerBlock(response.headers) +
          `date: ${httpDate()}\r\nconnection: close\r\n\r\n` +
          response.body,
      );
    }
  }

  /** No byte in either direction for the idle timeout (§5.2). */
  #onIdle(): void {
    const cur = this.#cur;
    if (cur && !cur.responseDone) {
      // waiting for the target: the target side has its own timeout (504)
      if (cur.call && !cur.requestDone) {
        // the client stopped sending its body
        cur.call.abort();
        this.#writeElb(cur, cur.ex.clientStalled());
      }
      return;
    }
    if (this.#partial > 0) {
      // §5.4 408: the client started a request and sent nothing more for the idle timeout
      this.#requestTimeout('the client sent nothing within the idle timeout');
      return;
    }
    this.#socket.end();
  }

  #onClientEnd(): void {
    this.#parser.finish();
    const cur = this.#cur;
    if (!cur || cur.responseDone) this.#socket.end();
  }

  #onClientClose(): void {
    this.#closed = true;
    this.#headArmed = false;
    idleSweep.delete(this);
    this.#rt.inFlight.deleteHolder(this);
    const cur = this.#cur;
    if (cur && !cur.responseDone) {
      cur.responseDone = true;
      cur.call?.abort();
      if (!cur.headWritten) cur.ex.clientGone({ receivedBytes: cur.receivedBytes });
      else cur.ex.finish({ receivedBytes: cur.receivedBytes, sentBytes: cur.sentBytes });
    }
    this.#cur = undefined;
  }
}
