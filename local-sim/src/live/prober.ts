/**
 * Performs the health-check probes the engine asks for (docs/aws-behaviour.md §1.1, §1.3) on the real clock:
 * HTTP/HTTPS `GET path` with the ELB health-checker user agent, one fresh connection per probe that is
 * closed afterwards; gRPC target groups get a gRPC call (`grpc-probe.ts`); TCP checks succeed when the
 * connection is established within the timeout.
 * The outcome is classified only as far as the engine needs (response status / connected / timeout /
 * error); the engine applies the matcher and thresholds.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { ProbeOutcome, ProbeRequest } from '../core/engine';
import { grpcProbe } from './grpc-probe';

/** Where a target key's probes go. */
export type ProbeAddress = (probe: ProbeRequest) => { host: string; port: number };

export class Prober {
  readonly #pending = new Set<() => void>();
  #closed = false;

  constructor(readonly address: ProbeAddress) {}

  /** Run one probe; never rejects. */
  probe(p: ProbeRequest): Promise<ProbeOutcome> {
    if (this.#closed) return Promise.resolve({ kind: 'error', detail: 'prober closed' });
    const { host, port } = this.address(p);
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
        const s = net.connect({ host, port });
        cleanup = () => s.destroy();
        s.once('connect', () => finish({ kind: 'connected' }));
        s.once('error', (e: NodeJS.ErrnoException) => finish({ kind: 'error', detail: e.code ?? e.message }));
        return;
      }
      if (p.grpc) {
        cleanup = grpcProbe({ host, port, tls: p.protocol === 'HTTPS', path: p.path, userAgent: p.userAgent }, finish);
        return;
      }
      const mod = p.protocol === 'HTTPS' ? https : http;
      const req = mod.request({
        host,
        port,
        method: 'GET',
        path: p.path,
        agent: false,
        headers: { 'user-agent': p.userAgent, connection: 'close', host: `${host}:${port}` },
        // §1.1: HTTPS checks do not validate the target certificate.
        ...(p.protocol === 'HTTPS' ? { rejectUnauthorized: false } : {}),
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
