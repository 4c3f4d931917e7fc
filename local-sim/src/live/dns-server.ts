/**
 * The simulator's authoritative name server for the hosted zones of the assembly (docs/aws-behaviour.md
 * §7.3–§7.6): UDP and TCP on one port (default 127.0.0.1:5300 from the CLI), so that
 * `dig @127.0.0.1 -p 5300 www.example.com` shows Route 53's answer as health changes. A thin shell:
 * `dns-wire.ts` turns packets into questions and answers into packets, the engine decides the answer.
 * A malformed packet gets an error response (or none) and never stops the server.
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import type { DnsAnswer } from '../core/engine';
import { dnsExchange, type DnsQuestionInfo } from './dns-wire';

/** Idle TCP connections are closed after this long (RFC 7766 suggests tens of seconds). */
const TCP_IDLE_MS = 30_000;
/** Largest DNS message over TCP (two-byte length prefix). */
const TCP_MAX_MESSAGE = 65_535;
/** Attempts to find a port free for both UDP and TCP when asked for port 0. */
const FREE_PORT_ATTEMPTS = 20;

export interface DnsServerOptions {
  readonly host: string;
  /** 0 = a free port (the same for UDP and TCP). */
  readonly port: number;
  readonly answer: (name: string, type: string) => DnsAnswer;
  /** Each question answered, for logs. */
  readonly onQuery?: (q: DnsQuestionInfo & { transport: 'udp' | 'tcp'; rcode?: string }) => void;
  readonly onError?: (err: unknown) => void;
}

export class DnsServer {
  readonly #udp: dgram.Socket;
  readonly #tcp: net.Server;
  readonly #sockets = new Set<net.Socket>();
  readonly #options: DnsServerOptions;
  #closed = false;

  private constructor(udp: dgram.Socket, tcp: net.Server, options: DnsServerOptions) {
    this.#udp = udp;
    this.#tcp = tcp;
    this.#options = options;
    udp.on('message', (msg, rinfo) => this.#udpMessage(msg, rinfo));
    udp.on('error', (err) => options.onError?.(err));
    tcp.on('connection', (s) => this.#tcpConnection(s));
    tcp.on('error', (err) => options.onError?.(err));
  }

  /** Bind UDP and TCP on `host:port`; with port 0, one free port for both. Rejects like `listen` does. */
  static async start(options: DnsServerOptions): Promise<DnsServer> {
    const type = net.isIPv6(options.host) ? 'udp6' : 'udp4';
    let lastError: unknown;
    for (let attempt = 0; attempt < (options.port === 0 ? FREE_PORT_ATTEMPTS : 1); attempt++) {
      const udp = dgram.createSocket({ type, reuseAddr: false });
      try {
        await new Promise<void>((resolve, reject) => {
          udp.once('error', reject);
          udp.bind(options.port, options.host, () => {
            udp.off('error', reject);
            resolve();
          });
        });
      } catch (err) {
        udp.close();
        throw err;
      }
      const port = udp.address().port;
      const tcp = net.createServer();
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject);
          tcp.listen(port, options.host, () => {
            tcp.off('error', reject);
            resolve();
          });
        });
        return new DnsServer(udp, tcp, options);
      } catch (err) {
        lastError = err;
        udp.close();
        tcp.close();
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || options.port !== 0) throw err;
      }
    }
    throw lastError;
  }

  get port(): number {
    return this.#udp.address().port;
  }

  get host(): string {
    return this.#options.host;
  }

  #exchange(msg: Buffer, transport: 'udp' | 'tcp'): Buffer | undefined {
    const ex = dnsExchange(msg, transport, this.#options.answer);
    if (ex.question) this.#options.onQuery?.({ ...ex.question, transport, rcode: ex.rcode });
    return ex.response;
  }

  #udpMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    try {
      const response = this.#exchange(msg, 'udp');
      if (response && !this.#closed) this.#udp.send(response, rinfo.port, rinfo.address);
    } catch (err) {
      this.#options.onError?.(err);
    }
  }

  /** RFC 7766: two-byte length, then the message; several queries may follow on one connection. */
  #tcpConnection(socket: net.Socket): void {
    this.#sockets.add(socket);
    socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      if (pending.length > TCP_MAX_MESSAGE + 2) {
        socket.destroy();
        return;
      }
      while (pending.length >= 2) {
        const length = pending.readUInt16BE(0);
        if (pending.length < 2 + length) break;
        const msg = pending.subarray(2, 2 + length);
        pending = pending.subarray(2 + length);
        try {
          const response = this.#exchange(Buffer.from(msg), 'tcp');
          if (response && !socket.destroyed) {
            const prefix = Buffer.alloc(2);
            prefix.writeUInt16BE(response.length, 0);
            socket.write(Buffer.concat([prefix, response]));
          }
        } catch (err) {
          this.#options.onError?.(err);
          socket.destroy();
          return;
        }
      }
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of this.#sockets) s.destroy();
    await Promise.all([
      new Promise<void>((resolve) => this.#udp.close(() => resolve())),
      new Promise<void>((resolve) => this.#tcp.close(() => resolve())),
    ]);
  }
}
