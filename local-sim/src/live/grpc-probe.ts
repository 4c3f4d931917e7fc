/**
 * A gRPC health-check probe (docs/aws-behaviour.md §1.1): the ALB checks a target of a `GRPC` target group
 * with a gRPC call over HTTP/2 to the health-check path (default `/AWS.ALB/healthcheck`) and judges the
 * call's `grpc-status` against `Matcher.GrpcCode` (default 12, UNIMPLEMENTED: a server that does not know
 * the method is alive). HTTP/2 over TLS for an HTTPS target group (any certificate), prior-knowledge
 * HTTP/2 (h2c) for HTTP. One connection per probe, closed afterwards.
 */
import * as http2 from 'node:http2';
import type { ProbeOutcome } from '../core/engine';

/**
 * The gRPC status of a response without `grpc-status` (gRPC's HTTP-to-gRPC status mapping):
 * 400 INTERNAL, 401 UNAUTHENTICATED, 403 PERMISSION_DENIED, 404 UNIMPLEMENTED, 429/502/503/504
 * UNAVAILABLE, anything else UNKNOWN.
 */
export function grpcStatusOfHttp(status: number): number {
  const map: Record<number, number> = { 400: 13, 401: 16, 403: 7, 404: 12, 429: 14, 502: 14, 503: 14, 504: 14 };
  return map[status] ?? 2;
}

/** An empty gRPC message: not compressed, length 0. */
const EMPTY_MESSAGE = Buffer.alloc(5);

export interface GrpcProbe {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly path: string;
  readonly userAgent: string;
}

/** Call `path` once; resolves with the outcome (`status` = grpc-status), or never when `onCleanup` aborts it. */
export function grpcProbe(p: GrpcProbe, finish: (o: ProbeOutcome) => void): () => void {
  const session = http2.connect(`${p.tls ? 'https' : 'http'}://${p.host}:${p.port}`, {
    // §1.1: the target's certificate is not checked
    ...(p.tls ? { rejectUnauthorized: false } : {}),
  });
  session.on('error', (e: NodeJS.ErrnoException) => finish({ kind: 'error', detail: e.code ?? e.message }));
  const req = session.request({
    ':method': 'POST',
    ':path': p.path,
    'content-type': 'application/grpc',
    te: 'trailers',
    'user-agent': p.userAgent,
  });
  let httpStatus = 0;
  let grpcStatus: number | undefined;
  const read = (headers: http2.IncomingHttpHeaders): void => {
    const s = headers['grpc-status'];
    if (s !== undefined && /^\d+$/.test(String(s))) grpcStatus = Number(s);
  };
  req.on('response', (headers) => {
    httpStatus = Number(headers[':status'] ?? 0);
    read(headers);
  });
  req.on('trailers', read);
  req.on('data', () => undefined);
  req.on('end', () =>
    finish({ kind: 'response', status: grpcStatus ?? (httpStatus === 200 ? 2 : grpcStatusOfHttp(httpStatus)) }),
  );
  req.on('error', (e: NodeJS.ErrnoException) => finish({ kind: 'error', detail: e.code ?? e.message }));
  req.end(EMPTY_MESSAGE);
  return () => {
    req.destroy();
    session.destroy();
  };
}
