/**
 * The AWS-compatible API port (default 127.0.0.1:4566 in the CLI): the ELBv2 Query protocol on `/` and the
 * Route 53 REST/XML API under `/2013-04-01/`, so `aws --endpoint-url` and the AWS SDKs work against the
 * running simulator. A thin shell: it reads the request, hands it to the pure handlers in `../api`, and
 * writes their XML. Requests run one at a time, so a change (which reloads the model) never interleaves
 * with another. Signatures (SigV4 `Authorization` headers) are accepted without checking credentials.
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError } from '../api/errors';
import { elbv2ErrorDocument, handleElbv2, type Elbv2Context } from '../api/elbv2/handler';
import { QueryParams } from '../api/query';
import { handleRoute53, route53ErrorDocument, ROUTE53_VERSION, type Route53Context } from '../api/route53/handler';
import { SimulatorError } from '../errors';
import { listen } from './ports';

export interface ApiServices {
  readonly elbv2: Elbv2Context;
  readonly route53: Route53Context;
  /** An unexpected failure inside a handler (the request is answered 500 InternalFailure). */
  readonly onError: (err: unknown) => void;
}

/** Largest request body read (Route 53 change batches are far smaller; ELBv2 requests too). */
const MAX_BODY_BYTES = 1024 * 1024;

export class ApiServer {
  readonly #server: http.Server;
  readonly #services: ApiServices;
  #queue: Promise<void> = Promise.resolve();
  #port = 0;

  private constructor(services: ApiServices) {
    this.#services = services;
    this.#server = http.createServer((req, res) => this.#receive(req, res));
    this.#server.on('clientError', (_e, s) => s.destroy());
  }

  /** Bind the API port. A port in use is SIM_PORT_IN_USE with what to do about it. */
  static async start(services: ApiServices, port: number, host: string): Promise<ApiServer> {
    const api = new ApiServer(services);
    try {
      api.#port = await listen(api.#server, port, host, services.onError);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new SimulatorError(
          'SIM_PORT_IN_USE',
          `API port ${port} is in use; use --api-port N (0 = a free port) or --api-port off`,
          { cause: err },
        );
      }
      throw err;
    }
    return api;
  }

  get url(): string {
    const a = this.#server.address() as AddressInfo | null;
    return `http://127.0.0.1:${a?.port ?? this.#port}`;
  }

  close(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  #receive(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(c);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      this.#queue = this.#queue.then(() => this.#answer(req, res, body, tooLarge));
    });
  }

  async #answer(req: http.IncomingMessage, res: http.ServerResponse, body: string, tooLarge: boolean): Promise<void> {
    const requestId = randomUUID();
    const url = new URL(req.url ?? '/', 'http://api');
    const route53 = url.pathname.startsWith(`/${ROUTE53_VERSION}/`);
    let status = 200;
    let xml: string;
    try {
      if (tooLarge)
        throw new ApiError('RequestEntityTooLarge', `The request body is larger than ${MAX_BODY_BYTES} bytes`, 413);
      xml = route53
        ? await handleRoute53(
            { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body },
            this.#services.route53,
          )
        : await handleElbv2(QueryParams.parse(url.search.slice(1), body), this.#services.elbv2, requestId);
    } catch (err) {
      let apiErr: ApiError;
      if (err instanceof ApiError) apiErr = err;
      else {
        this.#services.onError(err);
        apiErr = new ApiError('InternalFailure', (err as Error)?.message ?? String(err), 500, 'Receiver');
      }
      status = apiErr.status;
      xml = route53 ? route53ErrorDocument(apiErr, requestId) : elbv2ErrorDocument(apiErr, requestId);
    }
    if (res.destroyed) return;
    res.writeHead(status, {
      'content-type': 'text/xml',
      'x-amzn-requestid': requestId,
      'content-length': Buffer.byteLength(xml),
    });
    res.end(xml);
  }
}
