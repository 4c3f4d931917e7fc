/**
 * Performs the engine's Route 53 probes on the real clock (docs/aws-behaviour.md §7.1–§7.2): a TCP
 * connection, or an HTTP/HTTPS `GET ResourcePath` with Route 53's `Host` and `User-Agent`, timed as the
 * checkers time it (connection, status line, first 5,120 body bytes for *_STR_MATCH), on a fresh
 * connection that is closed afterwards. HTTPS probes do not check the certificate and send SNI when
 * `EnableSNI` is on. The observation goes back to the engine, which judges it (`r53ProbeVerdict`).
 * Where a probe goes (a load balancer's listener, a loopback address) is the caller's decision.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import { ROUTE53_PROBE_TIMING, ROUTE53_USER_AGENT_PREFIX } from '@ha-load-balancer/spec';
import type { R53ProbeObservation, Route53ProbeRequest } from '../core/engine';

/** Where one probe connects, and what it sends. */
export interface Route53ProbeTarget {
  readonly host: string;
  readonly port: number;
  /** `Host` header for HTTP(S) probes (§7.1). */
  readonly hostHeader?: string;
  /** TLS server name (SNI) for HTTPS probes with `EnableSNI`. */
  readonly servername?: string;
}

export class Route53Prober {
  readonly #pending = new Set<() => void>();
  #closed = false;

  /** Run one probe; never rejects. */
  probe(p: Route53ProbeRequest, target: Route53ProbeTarget): Promise<R53ProbeObservation> {
    if (this.#closed) return Promise.resolve({ error: 'prober closed' });
    return new Promise<R53ProbeObservation>((resolve) => {
      const start = performance.now();
      const since = (t: number) => Math.round(performance.now() - t);
      let done = false;
      let cleanup: () => void = () => undefined;
      const finish = (o: R53ProbeObservation): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.#pending.delete(cancel);
        cleanup();
        resolve(o);
      };
      const cancel = (): void => finish({ error: 'prober closed' });
      this.#pending.add(cancel);
      let connectMs: number | undefined;
      let status: number | undefined;
      let responseMs: number | undefined;
      let connectedAt = start;
      const timer = setTimeout(
        () => finish({ connectMs, status, responseMs, error: connectMs === undefined ? 'ETIMEDOUT' : 'timeout' }),
        p.timeoutMs,
      );
      if (p.type === 'TCP') {
        const s = net.connect({ host: target.host, port: target.port });
        cleanup = () => s.destroy();
        s.once('connect', () => finish({ connectMs: since(start) }));
        s.once('error', (e: NodeJS.ErrnoException) => finish({ error: e.code ?? e.message }));
        return;
      }
      const tls = p.type.startsWith('HTTPS');
      const mod = tls ? https : http;
      const req = mod.request({
        host: target.host,
        port: target.port,
        method: 'GET',
        path: p.resourcePath ? (p.resourcePath.startsWith('/') ? p.resourcePath : `/${p.resourcePath}`) : '/',
        agent: false,
        headers: {
          'user-agent': `${ROUTE53_USER_AGENT_PREFIX} (ref ha-sim ${p.checker.region}#${p.checker.index})`,
          ...(target.hostHeader ? { host: target.hostHeader } : {}),
          connection: 'close',
        },
        // §7.2: checkers do not validate the certificate.
        ...(tls ? { rejectUnauthorized: false, servername: target.servername ?? '' } : {}),
      });
      cleanup = () => req.destroy();
      req.once('socket', (socket: net.Socket) => {
        socket.once(tls ? 'secureConnect' : 'connect', () => {
          connectMs = since(start);
          connectedAt = performance.now();
        });
      });
      req.once('response', (res) => {
        status = res.statusCode ?? 0;
        responseMs = since(connectedAt);
        connectMs ??= responseMs;
        if (!p.type.endsWith('_STR_MATCH')) {
          finish({ connectMs, status, responseMs });
          return;
        }
        // *_STR_MATCH: the first 5,120 bytes of the body (or all of a shorter one) within the body budget.
        const bodyStart = performance.now();
        const chunks: Buffer[] = [];
        let size = 0;
        const report = () =>
          finish({ connectMs, status, responseMs, bodyMs: since(bodyStart), body: Buffer.concat(chunks) });
        res.on('data', (c: Buffer) => {
          chunks.push(c);
          size += c.length;
          if (size >= ROUTE53_PROBE_TIMING.strMatchSearchBytes) report();
        });
        res.once('end', report);
        res.once('error', (e) => finish({ connectMs, status, responseMs, error: e.message }));
      });
      req.once('error', (e: NodeJS.ErrnoException) => finish({ connectMs, error: e.code ?? e.message }));
      req.end();
    });
  }

  /** Abort every probe in flight. */
  close(): void {
    this.#closed = true;
    for (const c of [...this.#pending]) c();
  }
}
