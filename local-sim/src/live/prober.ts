/**
 * Performs the health-check probes the engine asks for (docs/aws-behaviour.md §1.1, §1.3) on the real clock:
 * HTTP/HTTPS `GET path` with the ELB health-checker user agent, one fresh connection per probe that is
 * closed afterwards; gRPC target groups get a gRPC call (`grpc-probe.ts`); TCP checks succeed when the
 * connection is established within the timeout.
 * The outcome is classified only as far as the engine needs (response status / connected / timeout /
 * error); the engine applies the matcher and thresholds.
 *
 * NLB probes (§1.1): the `Host` header names the load-balancer node and the listener port, and with
 * `proxy_protocol_v2.enabled` every probe connection starts with a PPv2 header without address data.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { ProbeOutcome, ProbeRequest } from '../core/engine';
import { grpcProbe } from './grpc-probe';
import { hostPort, proxyHeaderV2Local } from '../core/nlb';

/** Where a probe goes and how its connection starts. */
export interface ProbeTarget {
  readonly host: string;
  readonly port: number;
  /** `Host` header of HTTP(S) probes; default the target's `host:port`. */
  readonly hostHeader?: string;
  /** §1.1: begin the connection with a PPv2 LOCAL header (the target group has proxy protocol v2 on). */
  readonly proxyProtocol?: boolean;
}

/** Where a target key's probes go. */
export type ProbeAddress = (probe: ProbeRequest) => ProbeTarget;

/** A TCP connection that begins with the PPv2 LOCAL header (§1.1), for TCP probes and under HTTP(S). */
function connectWithHeader(host: string, port: number): net.Socket {
  const s = net.connect({ host, port });
  // under TLS the TLS socket reports the errors; a raw socket must not throw them unheard
  s.on('error', () => undefined);
  s.write(proxyHeaderV2Local());
  return s;
}

export class Prober {
  readonly #pending = new Set<() => void>();
  #closed = false;

  constructor(readonly address: ProbeAddress) {}

  /** Run one probe; never rejects. */
  probe(p: ProbeRequest): Promise<ProbeOutcome> {
    if (this.#closed) return Promise.resolve({ kind: 'error', detail: 'prober closed' });
    const { host, port, hostHeader, proxyProtocol } = this.address(p);
    return new Promise<ProbeOutcome>((resolve) => {
      let done = false;
      let cleanup: () => void = () => undefined;
      const finish = (o: ProbeOutcome): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.#pending.delete(cancel);
        cleanup();
        resolve(o);
      };
      const cancel = (): void => finish({ kind: 'error', detail: 'prober closed' });
      this.#pending.add(cancel);
      const timer = setTimeout(() => finish({ kind: 'timeout' }), p.timeoutMs);
      if (p.protocol === 'TCP') {
        const s = proxyProtocol ? connectWithHeader(host, port) : net.connect({ host, port });
        cleanup = () => s.destroy();
        s.once('connect', () => finish({ kind: 'connected' }));
        s.once('error', (e: NodeJS.ErrnoException) => finish({ kind: 'error', detail: e.code ?? e.message }));
        return;
      }
      if (p.grpc) {
        cleanup = grpcProbe({ host, port, tls: p.protocol === 'HTTPS', path: p.path, userAgent: p.userAgent }, finish);
        return;
      }
      const secure = p.protocol === 'HTTPS';
      const mod = secure ? https : http;
      const req = mod.request({
        host,
        port,
        method: 'GET',
        path: p.path,
        headers: { 'user-agent': p.userAgent, connection: 'close', host: hostHeader ?? hostPort(host, port) },
        // §1.1: HTTPS checks do not validate the target certificate.
        ...(secure ? { rejectUnauthorized: false } : {}),
        // §1.1: with proxy protocol v2 the header comes first on the connection, before TLS (a connection
        // of our own, no agent); otherwise a fresh connection from a throw-away agent.
        ...(proxyProtocol
          ? {
              createConnection: () =>
                secure
                  ? tls.connect({ socket: connectWithHeader(host, port), rejectUnauthorized: false })
                  : connectWithHeader(host, port),
            }
          : { agent: false }),
      });
      cleanup = () => req.destroy();
      req.once('response', (res) => {
        const status = res.statusCode ?? 0;
        // A check succeeds on a complete response: drain the body, then report.
        res.on('data', () => undefined);
        res.once('end', () => finish({ kind: 'response', status }));
        res.once('error', (e) => finish({ kind: 'error', detail: e.message }));
      });
      req.once('error', (e: NodeJS.ErrnoException) => finish({ kind: 'error', detail: e.code ?? e.message }));
      req.end();
    });
  }

  /** Abort every probe in flight. */
  close(): void {
    this.#closed = true;
    for (const c of [...this.#pending]) c();
  }
}
