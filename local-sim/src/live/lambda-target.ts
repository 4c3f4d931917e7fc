/**
 * A Lambda target of one target group, as the live proxy reaches it: a small HTTP server on 127.0.0.1
 * that the normal forward path sends requests to (the target group registers the function's ARN; the
 * simulator maps that target to this server's port). Each request becomes the ALB event
 * (`core/lambda-event.ts`), the function runs locally (`lambda-runtime.ts`), and its result becomes the
 * response. When AWS's load balancer would answer 502 itself (the function threw, timed out, returned
 * something that is not a response, or more than 1 MB; or the function cannot run locally), this server
 * closes the connection without a response, which the exchange answers with an ELB-generated 502; the
 * Lambda-specific reason is reported through `onFailure`. (Request bodies over 1 MB with a
 * Content-Length are answered 413 by the exchange before a request is sent here.)
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { albLambdaEvent, albLambdaResponse, type LambdaFailure } from '../core/lambda-event';
import type { HeaderList } from '../core/headers';
import { LAMBDA_TARGET_LIMITS } from '@ha-load-balancer/spec';
import type { LambdaRuntime } from './lambda-runtime';

export interface LambdaFailureReport {
  readonly functionName: string;
  readonly targetGroupId: string;
  /** The load balancer's `error_reason` (§5.5) for it. */
  readonly reason: LambdaFailure | 'LambdaNotRunnable';
  readonly detail: string;
}

export interface LambdaTargetOptions {
  readonly targetGroupId: string;
  readonly targetGroupArn: string;
  /** `lambda.multi_value_headers.enabled` of the target group. */
  readonly multiValueHeaders: () => boolean;
  readonly functionName: string;
  /** The local runner, or why the function cannot run here (every request then gets 502). */
  readonly runtime: LambdaRuntime | { readonly notRunnable: string };
  readonly onFailure: (report: LambdaFailureReport) => void;
}

export class LambdaTarget {
  readonly #server: http.Server;
  #port = 0;

  private constructor(private readonly o: LambdaTargetOptions) {
    this.#server = http.createServer({ maxHeaderSize: 80 * 1024 }, (req, res) => void this.#handle(req, res));
    this.#server.keepAliveTimeout = 65_000;
    this.#server.on('clientError', (_e, s) => s.destroy());
  }

  static async start(options: LambdaTargetOptions): Promise<LambdaTarget> {
    const t = new LambdaTarget(options);
    await new Promise<void>((resolve, reject) => {
      t.#server.once('error', reject);
      t.#server.listen(0, '127.0.0.1', () => {
        t.#server.off('error', reject);
        resolve();
      });
    });
    t.#port = (t.#server.address() as AddressInfo).port;
    return t;
  }

  get port(): number {
    return this.#port;
  }

  /** The load balancer answers 502 itself: no response on this connection, and the reason reported. */
  #fail(req: http.IncomingMessage, reason: LambdaFailureReport['reason'], detail: string): void {
    this.o.onFailure({ functionName: this.o.functionName, targetGroupId: this.o.targetGroupId, reason, detail });
    req.socket.destroy();
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > LAMBDA_TARGET_LIMITS.requestBodyBytes) tooLarge = true;
      else chunks.push(c);
    }
    const runtime = this.o.runtime;
    if ('notRunnable' in runtime) return this.#fail(req, 'LambdaNotRunnable', runtime.notRunnable);
    if (tooLarge)
      return this.#fail(req, 'LambdaRequestTooLarge', `a request body of ${size} bytes (chunked) is over 1 MB`);
    const headers: HeaderList = [];
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!;
      // the proxy's connection to this server, not the client's request
      if (/^(connection|keep-alive|transfer-encoding|content-length)$/i.test(name)) continue;
      headers.push([name, req.rawHeaders[i + 1]!]);
    }
    const multi = this.o.multiValueHeaders();
    const made = albLambdaEvent(
      { method: req.method ?? 'GET', target: req.url ?? '/', headers, body: Buffer.concat(chunks) },
      { targetGroupArn: this.o.targetGroupArn, multiValueHeaders: multi },
    );
    if (made.kind === 'error') return this.#fail(req, made.reason, 'request body over 1 MB');
    const traceId = headers.find(([k]) => k.toLowerCase() === 'x-amzn-trace-id')?.[1];
    const result = await runtime.invoke(made.event, traceId);
    if (result.kind === 'timeout') {
      return this.#fail(req, 'LambdaTimeout', `Task timed out after ${(result.afterMs / 1000).toFixed(2)} seconds`);
    }
    if (result.kind === 'error')
      return this.#fail(req, 'LambdaUnhandled', `${result.errorType}: ${result.errorMessage}`);
    const response = albLambdaResponse(result.json, multi);
    if (response.kind === 'error') return this.#fail(req, response.reason, response.detail);
    if (res.destroyed) return;
    const out: string[] = [];
    for (const [k, v] of response.headers) {
      if (/^(content-length|transfer-encoding|connection)$/i.test(k)) continue;
      out.push(k, v);
    }
    out.push('content-length', String(response.body.length));
    res.writeHead(response.status, out);
    res.end(response.body);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }
}
