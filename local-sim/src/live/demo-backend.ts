/**
 * Demo backends: small HTTP servers on 127.0.0.1 that answer JSON naming the target and echoing the
 * request line and headers they received, with switches to make them misbehave (failing health checks,
 * 5xx, slow, hung, resetting, down/up). They speak their target group's protocol: HTTPS with the
 * simulator's self-signed certificate for an `HTTPS` target group, HTTP/2 (and HTTP/1.1) for protocol
 * versions `HTTP2` and `GRPC`, and gRPC for gRPC calls: `grpc-status` 0 with an empty message, and on the
 * health-check path the first code of `Matcher.GrpcCode` (default 12) while healthy (§1.1). Health checks
 * answer the first code of the matcher while healthy and one outside it while failing. Controllable
 * programmatically and over HTTP:
 *
 *   GET/POST /_sim/fail-health | /_sim/recover | /_sim/status/503 | /_sim/delay/250 | /_sim/hang |
 *            /_sim/reset | /_sim/state
 *
 * They also accept WebSocket upgrades and echo text frames (`echo:<name>:<text>`), enough to show a
 * WebSocket passing through the load balancer. These servers are a simulator convenience, not AWS.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import * as net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { HEALTH_CHECK_USER_AGENT } from '@ha-load-balancer/spec';
import type { KeyPair } from './tls';

export interface DemoBackendOptions {
  /** Name reported in every response (e.g. `Site#0`). */
  readonly name: string;
  /** Health-check path of the target group (requests to it, or with the ELB health-check user agent, are health checks). */
  readonly healthCheckPath?: string;
  /** Port to listen on; 0 (default) picks a free one. */
  readonly port?: number;
  readonly host?: string;
  /** Serve HTTPS with this certificate (an `HTTPS` target group). Default: plain HTTP. */
  readonly tls?: KeyPair;
  /** Also speak HTTP/2 (protocol versions `HTTP2` and `GRPC`): ALPN `h2` over TLS, prior knowledge (h2c) without. */
  readonly http2?: boolean;
  /**
   * Codes the health-check matcher accepts (§1.1): HTTP statuses, or gRPC status codes for a gRPC target
   * group. Healthy checks answer the first; failing ones the first code outside them. Default [200].
   */
  readonly healthyCodes?: readonly number[];
  /** A gRPC target group: health checks are gRPC calls answered with `grpc-status`. */
  readonly grpc?: boolean;
}

/** The first code of `from..to` that the matcher does not accept (what a failing check answers). */
function outside(codes: readonly number[], from: number, to: number, preferred: number): number {
  if (!codes.includes(preferred)) return preferred;
  for (let c = from; c <= to; c++) if (!codes.includes(c)) return c;
  return preferred;
}

/** gRPC UNAVAILABLE: what a failing gRPC health check answers unless the matcher accepts it. */
const GRPC_UNAVAILABLE = 14;

type AnyRequest = http.IncomingMessage | http2.Http2ServerRequest;
type AnyResponse = http.ServerResponse | http2.Http2ServerResponse;

/** The mutable behaviour switches of a demo backend. */
export interface DemoBackendState {
  /** Health checks answer 503 when true. */
  failingHealthChecks: boolean;
  /** Status forced on non-health-check responses (e.g. 503), or undefined for 200. */
  forcedStatus?: number;
  /** Delay before answering, in ms. */
  delayMs: number;
  /** Accept requests but never answer. */
  hung: boolean;
  /** Destroy the connection (TCP RST) when a request arrives. */
  resetting: boolean;
  /** Server closed (connections refused). */
  down: boolean;
}

export interface DemoBackendEvents {
  request: [info: { method: string; url: string; healthCheck: boolean }];
  response: [info: { method: string; url: string; healthCheck: boolean; status: number }];
}

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** One demo backend. */
export class DemoBackend extends EventEmitter<DemoBackendEvents> {
  readonly name: string;
  readonly host: string;
  readonly healthCheckPath: string;
  readonly state: DemoBackendState = {
    failingHealthChecks: false,
    delayMs: 0,
    hung: false,
    resetting: false,
    down: true,
  };
  #server?: net.Server;
  #port: number;
  readonly #options: DemoBackendOptions;
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #requests = 0;

  private constructor(options: DemoBackendOptions) {
    super();
    this.name = options.name;
    this.host = options.host ?? '127.0.0.1';
    this.healthCheckPath = options.healthCheckPath ?? '/';
    this.#port = options.port ?? 0;
    this.#options = options;
  }

  /** Start a demo backend and wait until it listens. */
  static async start(options: DemoBackendOptions): Promise<DemoBackend> {
    const b = new DemoBackend(options);
    await b.up();
    return b;
  }

  get port(): number {
    return this.#port;
  }

  /** Requests answered so far (health checks included). */
  get requestCount(): number {
    return this.#requests;
  }

  get url(): string {
    return `${this.#options.tls ? 'https' : 'http'}://${this.host}:${this.#port}`;
  }

  /** Health checks answer 503 from now on. */
  failHealthChecks(): this {
    this.state.failingHealthChecks = true;
    return this;
  }

  /** Back to normal: health checks pass, 200 responses, no delay, not hung, not resetting, server up. */
  async recover(): Promise<this> {
    Object.assign(this.state, {
      failingHealthChecks: false,
      forcedStatus: undefined,
      delayMs: 0,
      hung: false,
      resetting: false,
    });
    if (this.state.down) await this.up();
    return this;
  }

  /** Every non-health-check response gets this status (e.g. 500, 503). */
  respondWith(status: number | undefined): this {
    this.state.forcedStatus = status;
    return this;
  }

  /** Answer every request (health checks too) after `ms`. */
  slow(ms: number): this {
    this.state.delayMs = ms;
    return this;
  }

  /** Accept requests but never answer them (for idle-timeout 504s). */
  hang(on = true): this {
    this.state.hung = on;
    return this;
  }

  /** Reset the connection on every request (target closed with a request outstanding → 502). */
  reset(on = true): this {
    this.state.resetting = on;
    return this;
  }

  /** Stop listening and drop every connection: connects are refused (→ 502, failed health checks). */
  async down(): Promise<void> {
    if (this.state.down) return;
    this.state.down = true;
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Listen again (on the same port once one was chosen). */
  async up(): Promise<void> {
    if (!this.state.down) return;
    const server = this.#createServer();
    server.on('connection', (s: Socket) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
    this.state.down = false;
  }

  /** Stop for good. */
  async close(): Promise<void> {
    await this.down();
  }

  /**
   * The server for the target group's protocol: HTTP/1.1 (plain or TLS), or HTTP/2 with HTTP/1.1 beside it
   * (ALPN over TLS; the connection preface decides on plain TCP).
   */
  #createServer(): net.Server {
    const handle = (req: AnyRequest, res: AnyResponse): void => this.#handle(req, res);
    // Accept what an ALB may forward (64 KB of request headers, §5.2), not just Node's 16 KB default.
    const h1Options = { maxHeaderSize: 80 * 1024 };
    const { tls, http2: h2 } = this.#options;
    const h1Extras = (s: http.Server): http.Server => {
      s.keepAliveTimeout = 65_000;
      s.on('upgrade', (req, socket: Socket, head) => this.#upgrade(req, socket, head));
      s.on('clientError', (_err, socket) => socket.destroy());
      return s;
    };
    if (tls && h2) {
      const server = http2.createSecureServer({ key: tls.key, cert: tls.cert, allowHTTP1: true }, handle);
      server.on('upgrade', (req, socket: Socket, head) => this.#upgrade(req, socket, head));
      return server;
    }
    if (tls) return h1Extras(https.createServer({ ...h1Options, key: tls.key, cert: tls.cert }, handle));
    if (!h2) return h1Extras(http.createServer(h1Options, handle));
    // h2c by prior knowledge (what an ALB sends an HTTP target group of version HTTP2 or GRPC), or HTTP/1.1
    const h1 = h1Extras(http.createServer(h1Options, handle));
    const h2c = http2.createServer(handle);
    return net.createServer((socket) => {
      socket.once('readable', () => {
        const chunk = socket.read() as Buffer | null;
        if (chunk) socket.unshift(chunk);
        const preface = chunk !== null && chunk.subarray(0, 3).toString('latin1') === 'PRI';
        (preface ? h2c : h1).emit('connection', socket);
      });
    });
  }

  /** Handle `/_sim/...` control paths; returns true when handled. */
  #control(path: string, res: AnyResponse): boolean {
    const m = /^\/_sim\/([a-z-]+)(?:\/(\d+))?\/?$/.exec(path);
    if (!m) return false;
    const [, verb, arg] = m;
    switch (verb) {
      case 'fail-health':
        this.failHealthChecks();
        break;
      case 'recover':
        void this.recover();
        break;
      case 'status':
        this.respondWith(arg ? Number(arg) : undefined);
        break;
      case 'delay':
        this.slow(Number(arg ?? 0));
        break;
      case 'hang':
        this.hang(true);
        break;
      case 'reset':
        this.reset(true);
        break;
      case 'state':
        break;
      default:
        return false;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ target: this.name, port: this.#port, state: this.state }));
    return true;
  }

  #handle(req: AnyRequest, res: AnyResponse): void {
    const url = req.url ?? '/';
    const path = url.split('?')[0];
    if (this.#control(path, res)) return;
    const healthCheck = path === this.healthCheckPath && req.headers['user-agent'] === HEALTH_CHECK_USER_AGENT;
    this.#requests++;
    this.emit('request', { method: req.method ?? '', url, healthCheck });
    if (this.state.resetting) {
      if (req instanceof http.IncomingMessage) req.socket.resetAndDestroy();
      else req.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      return;
    }
    if (this.state.hung) {
      req.resume();
      return;
    }
    const grpc = String(req.headers['content-type'] ?? '').startsWith('application/grpc') && req.httpVersion === '2.0';
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = (): void => {
        if (res.destroyed) return;
        if (grpc) {
          this.#grpcAnswer(res as http2.Http2ServerResponse, healthCheck);
          this.emit('response', { method: req.method ?? '', url, healthCheck, status: 200 });
          return;
        }
        const codes = this.#options.grpc ? [200] : (this.#options.healthyCodes ?? [200]);
        let status = 200;
        if (healthCheck) status = this.state.failingHealthChecks ? outside(codes, 200, 599, 503) : codes[0];
        else if (this.state.forcedStatus !== undefined) status = this.state.forcedStatus;
        const body = JSON.stringify({
          target: this.name,
          port: this.#port,
          healthCheck,
          request: { method: req.method, url, httpVersion: req.httpVersion },
          headers: pairs(req.rawHeaders),
          body: Buffer.concat(chunks).toString('utf8'),
        });
        const headers: http.OutgoingHttpHeaders = {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-demo-target': this.name,
        };
        const cookie = new URL(url, 'http://x').searchParams.get('set-cookie');
        if (cookie) headers['set-cookie'] = cookie;
        res.writeHead(status, headers);
        res.end(body);
        this.emit('response', { method: req.method ?? '', url, healthCheck, status });
      };
      if (this.state.delayMs > 0) {
        const t = setTimeout(() => {
          this.#timers.delete(t);
          answer();
        }, this.state.delayMs);
        this.#timers.add(t);
      } else answer();
    });
  }

  /**
   * A gRPC call (§1.1): HTTP 200 with `grpc-status` in the trailers. The health-check path answers the
   * first code the matcher accepts while healthy and UNAVAILABLE (or another code outside the matcher)
   * while failing; any other method gets an empty message and OK, or the forced status's UNAVAILABLE.
   */
  #grpcAnswer(res: http2.Http2ServerResponse, healthCheck: boolean): void {
    const codes = this.#options.healthyCodes ?? [12];
    let code = 0;
    if (healthCheck) code = this.state.failingHealthChecks ? outside(codes, 0, 99, GRPC_UNAVAILABLE) : codes[0];
    else if (this.state.forcedStatus !== undefined && this.state.forcedStatus >= 500) code = GRPC_UNAVAILABLE;
    res.writeHead(200, { 'content-type': 'application/grpc', 'x-demo-target': this.name });
    res.addTrailers({ 'grpc-status': String(code), 'grpc-message': code === 0 ? '' : `demo backend ${this.name}` });
    if (code === 0) res.end(Buffer.alloc(5));
    else res.end();
  }

  /** Minimal WebSocket server: 101 handshake, then echo text frames. */
  #upgrade(req: http.IncomingMessage, socket: Socket, head: Buffer): void {
    const key = req.headers['sec-websocket-key'];
    if (typeof key !== 'string' || (req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    const accept = createHash('sha1')
      .update(key + WS_GUID)
      .digest('base64');
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${accept}\r\nX-Demo-Target: ${this.name}\r\n\r\n`,
    );
    let buf = head;
    socket.on('error', () => socket.destroy());
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const frame = decodeFrame(buf);
        if (!frame) return;
        buf = buf.subarray(frame.length);
        if (frame.opcode === 0x8) {
          socket.end(encodeFrame(0x8, Buffer.alloc(0)));
          return;
        }
        if (frame.opcode === 0x9) {
          socket.write(encodeFrame(0xa, frame.payload));
          continue;
        }
        if (frame.opcode === 0x1) {
          socket.write(encodeFrame(0x1, Buffer.from(`echo:${this.name}:${frame.payload.toString('utf8')}`)));
        }
      }
    };
    socket.on('data', onData);
    if (head.length > 0) onData(Buffer.alloc(0));
  }
}

function pairs(raw: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i], raw[i + 1]]);
  return out;
}

/** Decode one WebSocket frame (RFC 6455) from the front of `buf`, or undefined if incomplete. */
export function decodeFrame(buf: Buffer): { opcode: number; payload: Buffer; length: number } | undefined {
  if (buf.length < 2) return undefined;
  const opcode = buf[0] & 0x0f;
  const masked = (buf[1] & 0x80) !== 0;
  let len = buf[1] & 0x7f;
  let off = 2;
  if (len === 126) {
    if (buf.length < 4) return undefined;
    len = buf.readUInt16BE(2);
    off = 4;
  } else if (len === 127) {
    if (buf.length < 10) return undefined;
    len = Number(buf.readBigUInt64BE(2));
    off = 10;
  }
  const maskOff = off;
  if (masked) off += 4;
  if (buf.length < off + len) return undefined;
  const payload = Buffer.from(buf.subarray(off, off + len));
  if (masked) for (let i = 0; i < len; i++) payload[i] ^= buf[maskOff + (i % 4)];
  return { opcode, payload, length: off + len };
}

/** Encode one final, unmasked WebSocket frame (server → client). */
export function encodeFrame(opcode: number, payload: Buffer, mask?: Buffer): Buffer {
  const len = payload.length;
  const head: number[] = [0x80 | opcode];
  const m = mask ? 0x80 : 0;
  if (len < 126) head.push(m | len);
  else if (len < 65536) head.push(m | 126, len >> 8, len & 0xff);
  else throw new Error('frame too large for the demo backend');
  const body = Buffer.from(payload);
  if (mask) for (let i = 0; i < len; i++) body[i] ^= mask[i % 4];
  return Buffer.concat([Buffer.from(head), mask ?? Buffer.alloc(0), body]);
}
