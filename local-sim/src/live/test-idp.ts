/**
 * SIMULATOR CONVENIENCE, NOT AWS: the test identity provider (`idp/test-idp.ts`) on a real HTTP socket,
 * for logging in to rules with authenticate actions (docs/aws-behaviour.md §4.3) without a real
 * identity provider. `ha-sim --test-idp` starts it and points every authenticate action at it.
 * Also serves the load balancer's public keys at `/elb-public-keys/<kid>`, the stand-in for AWS's
 * `https://public-keys.auth.elb.<region>.amazonaws.com/<kid>`, so a target can check `x-amzn-oidc-data`.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TestIdentityProvider } from '../idp/test-idp';
import { randomHex } from './random-hex';

/** Largest request body read (login forms and token requests are a few hundred bytes). */
const MAX_BODY_BYTES = 64 * 1024;

export interface TestIdpServerOptions {
  /** Extra claims per user name (see `TestIdentityProviderOptions.users`). */
  readonly users?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** PEM of the load balancer's public key `kid`, when it is one. */
  readonly publicKey?: (kid: string) => string | undefined;
}

export class TestIdpServer {
  readonly #server: http.Server;
  readonly #options: TestIdpServerOptions;
  #provider?: TestIdentityProvider;

  private constructor(options: TestIdpServerOptions) {
    this.#options = options;
    this.#server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_BODY_BYTES) chunks.push(c);
      });
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://idp.invalid');
        const keyPath = /^\/elb-public-keys\/([^/]+)$/.exec(url.pathname);
        if (keyPath && req.method === 'GET') {
          const pem = options.publicKey?.(decodeURIComponent(keyPath[1]!));
          res.writeHead(pem ? 200 : 404, { 'content-type': 'text/plain' }).end(pem ?? 'no such key\n');
          return;
        }
        if (size > MAX_BODY_BYTES) {
          res.writeHead(413, { 'content-type': 'text/plain' }).end('request body too large\n');
          return;
        }
        const headers: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
        const r = this.provider.handle({
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.search.slice(1),
          headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.writeHead(r.status, r.headers).end(r.body);
      });
      req.on('error', () => res.destroy());
    });
    this.#server.on('clientError', (_err, socket) => socket.destroy());
  }

  /** Listen on `port` (0: a free one) at `host`; the provider's issuer is `http://host:port`. */
  static async start(port: number, host: string, options: TestIdpServerOptions = {}): Promise<TestIdpServer> {
    const s = new TestIdpServer(options);
    await new Promise<void>((resolve, reject) => {
      s.#server.once('error', reject);
      s.#server.listen(port, host, () => {
        s.#server.off('error', reject);
        resolve();
      });
    });
    const a = s.#server.address() as AddressInfo;
    const shown = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    s.#provider = new TestIdentityProvider({
      baseUrl: `http://${shown}:${a.port}`,
      now: () => Date.now(),
      randomHex,
      ...(s.#options.users ? { users: s.#options.users } : {}),
    });
    return s;
  }

  /** The provider (its endpoints, `fail` to make the next token or user-info calls answer an error). */
  get provider(): TestIdentityProvider {
    if (!this.#provider) throw new Error('the test identity provider is not listening yet');
    return this.#provider;
  }

  get url(): string {
    return this.provider.baseUrl;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
