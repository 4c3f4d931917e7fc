/**
 * HTTP/2 from clients on HTTPS listeners (negotiated by ALPN while `routing.http2.enabled`, §5.2, §8.2):
 * each stream is one request through the shared exchange, sent to the target as HTTP/1.1 like every
 * other request. Sessions honour the listener's idle timeout and at most 128 concurrent streams.
 */
import * as http2 from 'node:http2';
import type * as tls from 'node:tls';
import { HTTP_LIMITS } from '@ha-load-balancer/spec';
import type { EdgeRequest, ElbResponse, Exchange } from '../core/exchange';
import { normaliseAddress, type HeaderList } from '../core/headers';
import type { EdgeRuntime } from './edge-runtime';
import { authenticateThroughIdp } from './idp-client';
import { clientCertificateChain } from './tls';
import { UpstreamCall } from './upstream';

const { NGHTTP2_FLAG_END_STREAM } = http2.constants;

/** Headers HTTP/2 forbids in responses (RFC 9113 §8.2.2). */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

function responseHeaders(status: number, headers: HeaderList): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = { ':status': status };
  for (const [k, v] of headers) {
    const name = k.toLowerCase();
    if (CONNECTION_SPECIFIC.has(name)) continue;
    const cur = out[name];
    out[name] = cur === undefined ? v : Array.isArray(cur) ? [...cur, v] : [String(cur), v];
  }
  return out;
}

export class Http2Edge {
  readonly #server: http2.Http2Server;
  readonly #sessions = new Set<http2.ServerHttp2Session>();
  /** §5.1 the client's certificate chain, read once per connection. */
  readonly #chains = new WeakMap<tls.TLSSocket, string[] | undefined>();

  #chainOf(socket: tls.TLSSocket): string[] | undefined {
    if (!this.#chains.has(socket)) this.#chains.set(socket, clientCertificateChain(socket));
    return this.#chains.get(socket);
  }

  constructor(private readonly rt: EdgeRuntime) {
    this.#server = http2.createServer({
      settings: { maxConcurrentStreams: HTTP_LIMITS.http2MaxConcurrentStreams },
      maxSessionMemory: 64,
    });
    this.#server.on('session', (session) => {
      this.#sessions.add(session);
      // §5.2: a session with no traffic for the idle timeout is closed (GOAWAY, then the socket)
      session.setTimeout(rt.idleMs, () => session.close(() => session.destroy()));
      session.on('close', () => this.#sessions.delete(session));
      session.on('error', () => undefined);
    });
    this.#server.on(
      'stream',
      (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, flags: number, rawHeaders: string[]) =>
        this.#onStream(stream, headers, flags, rawHeaders),
    );
  }

  /** Take a TLS connection whose ALPN chose `h2`. */
  accept(socket: tls.TLSSocket): void {
    this.#server.emit('connection', socket);
  }

  /** Stop new streams on every session (GOAWAY); streams in progress finish. */
  drain(): void {
    for (const s of this.#sessions) s.close();
  }

  cut(): void {
    for (const s of this.#sessions) s.destroy();
  }

  #onStream(
    stream: http2.ServerHttp2Stream,
    headers: http2.IncomingHttpHeaders,
    flags: number,
    rawHeaders: readonly string[],
  ): void {
    stream.on('error', () => undefined);
    const socket = stream.session?.socket as tls.TLSSocket | undefined;
    const pairs: HeaderList = [];
    let authority: string | undefined;
    let headerBytes = 0;
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const k = rawHeaders[i]!;
      const v = rawHeaders[i + 1]!;
      headerBytes += k.length + v.length + 32;
      if (k === ':authority') authority = v;
      else if (!k.startsWith(':')) pairs.push([k, v]);
    }
    if (authority !== undefined && !pairs.some(([k]) => k === 'host')) pairs.unshift(['host', authority]);
    const request: EdgeRequest = {
      method: String(headers[':method'] ?? 'GET'),
      target: String(headers[':path'] ?? '/'),
      httpVersion: '2.0',
      headers: pairs,
      client: { address: normaliseAddress(socket?.remoteAddress ?? '0.0.0.0'), port: socket?.remotePort ?? 0 },
      availabilityZone: this.rt.zoneOf?.(socket?.localAddress),
      ...(socket
        ? {
            tls: {
              protocol: socket.getProtocol?.() ?? undefined,
              cipher: socket.getCipher?.()?.name,
              servername: (socket as tls.TLSSocket & { servername?: string | false }).servername || undefined,
              ...(this.rt.edge.options.listener.mutualAuthentication
                ? { clientCertificateChain: this.#chainOf(socket) }
                : {}),
            },
          }
        : {}),
    };
    const ex = this.rt.edge.begin(request);
    let received = headerBytes;
    let sent = 0;
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      if (ex.step.kind === 'forward') this.rt.inFlight.delete(ex.step.upstream.requestId);
      ex.finish({ receivedBytes: received, sentBytes: sent });
    };
    const writeElb = (r: ElbResponse): void => {
      if (!stream.destroyed && !stream.headersSent) {
        stream.respond(responseHeaders(r.status, r.headers), { endStream: r.body === '' });
        if (r.body !== '') stream.end(r.body);
        sent = Buffer.byteLength(r.body);
      }
      finish();
    };
    const step = ex.step;
    if (step.kind === 'respond') {
      stream.resume(); // read and drop any request body
      stream.on('data', (c: Buffer) => (received += c.length));
      writeElb(step.response);
      return;
    }
    if (step.kind === 'idp') {
      // §4.3: the load balancer asks the identity provider first
      stream.resume();
      stream.on('data', (c: Buffer) => (received += c.length));
      void authenticateThroughIdp(ex, step.call).then(writeElb);
      return;
    }
    const hasBody = (flags & NGHTTP2_FLAG_END_STREAM) === 0;
    const length = headers['content-length'];
    const body = !hasBody
      ? 'none'
      : length !== undefined && /^\d+$/.test(String(length))
        ? { length: Number(length) }
        : 'chunked';
    const call = new UpstreamCall(
      {
        target: step.upstream.target,
        protocol: step.upstream.protocol,
        method: step.upstream.method,
        path: step.upstream.path,
        headers: step.upstream.headers.filter(([k]) => k.toLowerCase() !== 'content-length'),
        body,
        closeAfter: step.upstream.closeAfter,
      },
      this.#relay(ex, stream, writeElb, finish, (n) => (sent += n)),
    );
    this.rt.inFlight.add(step.upstream.requestId, () => {
      call.abort();
      if (!stream.headersSent) writeElb(ex.upstreamFailed('deregistration_delay_expired'));
      else {
        ex.interrupted('deregistration_delay_expired');
        finish();
        stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      }
    });
    stream.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (!call.writeBody(chunk)) stream.pause();
    });
    stream.on('end', () => call.endBody());
    stream.on('close', () => {
      if (finished) return;
      call.abort();
      if (!stream.headersSent) {
        finished = true;
        this.rt.inFlight.delete(step.upstream.requestId);
        ex.clientGone({ receivedBytes: received });
      } else finish();
    });
    this.rt.pools.get(step.upstream.target, step.upstream.protocol).request(call, this.rt.idleMs);
  }

  #relay(
    ex: Exchange,
    stream: http2.ServerHttp2Stream,
    writeElb: (r: ElbResponse) => void,
    finish: () => void,
    count: (n: number) => void,
  ): ConstructorParameters<typeof UpstreamCall>[1] {
    return {
      onHead(_call, status, headers, framing) {
        if (stream.destroyed) return;
        const r = ex.upstreamResponse(status, headers);
        if (r.kind === 'respond') return writeElb(r.response);
        stream.respond(responseHeaders(status, r.headers), { endStream: framing === 'none' });
        if (framing === 'none') finish();
      },
      onBody(_call, chunk) {
        if (stream.destroyed) return;
        count(chunk.length);
        stream.write(chunk);
      },
      onEnd() {
        if (!stream.destroyed && !stream.writableEnded) stream.end();
        finish();
      },
      onFailure(_call, kind, detail, afterHead) {
        if (!afterHead || !stream.headersSent) return writeElb(ex.upstreamFailed(kind, detail));
        ex.interrupted(kind, detail);
        finish();
        stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      },
      onDrain() {
        stream.resume();
      },
    };
  }
}
