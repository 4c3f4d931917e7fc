/**
 * A small OpenID Connect provider for logging in locally (SIMULATOR CONVENIENCE, NOT AWS): the
 * simulator's stand-in for the identity provider of authenticate-oidc and authenticate-cognito actions
 * (docs/aws-behaviour.md §4.3). It speaks the authorization code flow the load balancer uses:
 *
 * - `GET /authorize` shows a login form (any user name; `login_hint=<name>` logs in at once), then
 *   redirects to the `redirect_uri` with `code` and `state`; "Refuse" redirects with
 *   `error=access_denied` (the load balancer answers 561);
 * - `POST /token` exchanges a code (once, within 10 minutes, for the same `redirect_uri` and client)
 *   for an access token and an ES256-signed ID token (`iss` = this provider, `aud` = the client);
 * - `GET /userinfo` answers the claims of the access token's user: `sub`, `name`,
 *   `preferred_username`, `email`, plus any claims configured for that user;
 * - `GET /.well-known/openid-configuration` and `GET /jwks.json` describe it.
 *
 * Sans-I/O: `handle` maps one HTTP request to one response; `live/test-idp.ts` puts it on a socket and
 * the virtual shell calls it directly. Time and randomness are injected. `fail` makes the next calls of
 * an endpoint answer an error status, to see how the load balancer reacts (§4.3: 561).
 */
import { createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

export interface IdpHttpRequest {
  readonly method: string;
  /** Path without the query. */
  readonly path: string;
  /** Query without `?`. */
  readonly query: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
}

export interface IdpHttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface TestIdentityProviderOptions {
  /** Base URL the provider is reached at (`http://127.0.0.1:8405`): issuer and endpoints derive from it. */
  readonly baseUrl: string;
  readonly now: () => number;
  /** `n` random hex digits (codes, tokens). */
  readonly randomHex: (n: number) => string;
  /** Extra claims per user name (the user-info answer); `sub` defaults to the user name. */
  readonly users?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Lifetime of access and ID tokens, seconds (default 3600). */
  readonly tokenLifetimeSeconds?: number;
}

const CODE_LIFETIME_MS = 10 * 60 * 1000;

interface Grant {
  readonly user: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scope: string;
  readonly issuedAt: number;
}

export class TestIdentityProvider {
  readonly #o: TestIdentityProviderOptions;
  readonly #key: KeyObject;
  readonly #kid: string;
  readonly #codes = new Map<string, Grant>();
  readonly #tokens = new Map<string, { user: string; expiresAt: number }>();
  readonly #failures = new Map<'token' | 'userinfo', number[]>();

  constructor(options: TestIdentityProviderOptions) {
    this.#o = options;
    this.#key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    this.#kid = options.randomHex(16);
  }

  get baseUrl(): string {
    return this.#o.baseUrl;
  }

  /** Issuer and endpoints, as an OIDC configuration names them. */
  get endpoints(): {
    issuer: string;
    authorizationEndpoint: string;
    tokenEndpoint: string;
    userInfoEndpoint: string;
  } {
    const b = this.#o.baseUrl;
    return {
      issuer: b,
      authorizationEndpoint: `${b}/authorize`,
      tokenEndpoint: `${b}/token`,
      userInfoEndpoint: `${b}/userinfo`,
    };
  }

  /** The next call(s) of `endpoint` answer `status` (one entry per call), e.g. `fail('token', 503)`. */
  fail(endpoint: 'token' | 'userinfo', ...statuses: number[]): void {
    this.#failures.set(endpoint, [...(this.#failures.get(endpoint) ?? []), ...statuses]);
  }

  handle(req: IdpHttpRequest): IdpHttpResponse {
    try {
      switch (`${req.method} ${req.path}`) {
        case 'GET /authorize':
          return this.#authorize(new URLSearchParams(req.query));
        case 'POST /authorize':
          return this.#login(new URLSearchParams(req.body));
        case 'POST /token':
          return this.#token(req);
        case 'GET /userinfo':
        case 'POST /userinfo':
          return this.#userInfo(req);
        case 'GET /.well-known/openid-configuration':
          return json(200, {
            issuer: this.endpoints.issuer,
            authorization_endpoint: this.endpoints.authorizationEndpoint,
            token_endpoint: this.endpoints.tokenEndpoint,
            userinfo_endpoint: this.endpoints.userInfoEndpoint,
            jwks_uri: `${this.#o.baseUrl}/jwks.json`,
            response_types_supported: ['code'],
            subject_types_supported: ['public'],
            id_token_signing_alg_values_supported: ['ES256'],
          });
        case 'GET /jwks.json':
          return json(200, {
            keys: [
              { ...createPublicKey(this.#key).export({ format: 'jwk' }), kid: this.#kid, alg: 'ES256', use: 'sig' },
            ],
          });
        default:
          return text(404, 'not found');
      }
    } catch (err) {
      return text(500, (err as Error).message);
    }
  }

  #authorize(q: URLSearchParams): IdpHttpResponse {
    const problem = this.#checkAuthorizeRequest(q);
    if (problem) return text(400, problem);
    const hint = q.get('login_hint');
    if (hint) return this.#redirectWithCode(q, hint);
    const hidden = ['client_id', 'redirect_uri', 'scope', 'state']
      .map((k) => `<input type="hidden" name="${k}" value="${escapeHtml(q.get(k) ?? '')}">`)
      .join('\n      ');
    const html = `<!doctype html>
<html>
  <head><title>ha-sim test identity provider</title></head>
  <body style="font-family: sans-serif; max-width: 28em; margin: 4em auto">
    <h1>Log in</h1>
    <p>Local test identity provider of ha-sim (not AWS). Any user name is accepted.</p>
    <form method="post" action="/authorize">
      ${hidden}
      <p><label>User name <input name="username" value="alice" autofocus></label></p>
      <p><label>Email <input name="email" placeholder="alice@example.com"></label></p>
      <p><button name="action" value="login">Log in</button> <button name="action" value="refuse">Refuse</button></p>
    </form>
  </body>
</html>
`;
    return {
      status: 200,
      headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
      body: html,
    };
  }

  #checkAuthorizeRequest(q: URLSearchParams): string | undefined {
    if (q.get('response_type') !== 'code') return 'response_type must be code';
    if (!q.get('client_id')) return 'client_id is missing';
    const redirect = q.get('redirect_uri');
    if (!redirect || !/^https?:\/\/[^/]+\//.test(redirect)) return 'redirect_uri must be an absolute URL';
    return undefined;
  }

  #login(form: URLSearchParams): IdpHttpResponse {
    const problem = this.#checkAuthorizeRequest(new URLSearchParams([...form, ['response_type', 'code']]));
    if (problem) return text(400, problem);
    if (form.get('action') === 'refuse') {
      return redirect(form.get('redirect_uri')!, { error: 'access_denied', state: form.get('state') ?? undefined });
    }
    const user = (form.get('username') ?? '').trim() || 'alice';
    const email = (form.get('email') ?? '').trim();
    return this.#redirectWithCode(form, user, email || undefined);
  }

  #redirectWithCode(q: URLSearchParams, user: string, email?: string): IdpHttpResponse {
    const code = this.#o.randomHex(32);
    this.#codes.set(code, {
      user: email ? `${user}\n${email}` : user,
      clientId: q.get('client_id')!,
      redirectUri: q.get('redirect_uri')!,
      scope: q.get('scope') ?? 'openid',
      issuedAt: this.#o.now(),
    });
    return redirect(q.get('redirect_uri')!, { code, state: q.get('state') ?? undefined });
  }

  #failure(endpoint: 'token' | 'userinfo'): IdpHttpResponse | undefined {
    const queue = this.#failures.get(endpoint);
    const status = queue?.shift();
    return status === undefined ? undefined : json(status, { error: 'temporarily_unavailable' });
  }

  #token(req: IdpHttpRequest): IdpHttpResponse {
    const failed = this.#failure('token');
    if (failed) return failed;
    const form = new URLSearchParams(req.body);
    if (form.get('grant_type') !== 'authorization_code') return json(400, { error: 'unsupported_grant_type' });
    const code = form.get('code') ?? '';
    const grant = this.#codes.get(code);
    this.#codes.delete(code);
    const clientId = basicClientId(req.headers.authorization) ?? form.get('client_id');
    if (
      !grant ||
      this.#o.now() - grant.issuedAt > CODE_LIFETIME_MS ||
      grant.redirectUri !== form.get('redirect_uri') ||
      grant.clientId !== clientId
    ) {
      return json(400, { error: 'invalid_grant' });
    }
    const lifetime = this.#o.tokenLifetimeSeconds ?? 3600;
    const now = this.#o.now();
    const accessToken = this.#o.randomHex(40);
    this.#tokens.set(accessToken, { user: grant.user, expiresAt: now + lifetime * 1000 });
    const [user] = grant.user.split('\n');
    const body: Record<string, unknown> = { access_token: accessToken, token_type: 'Bearer', expires_in: lifetime };
    if (grant.scope.split(' ').includes('openid')) {
      body.id_token = this.#idToken({
        iss: this.endpoints.issuer,
        sub: user,
        aud: grant.clientId,
        iat: Math.floor(now / 1000),
        exp: Math.floor(now / 1000) + lifetime,
      });
    }
    return json(200, body);
  }

  #idToken(claims: Record<string, unknown>): string {
    const enc = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${enc({ alg: 'ES256', typ: 'JWT', kid: this.#kid })}.${enc(claims)}`;
    const sig = sign('sha256', Buffer.from(input), { key: this.#key, dsaEncoding: 'ieee-p1363' });
    return `${input}.${sig.toString('base64url')}`;
  }

  #userInfo(req: IdpHttpRequest): IdpHttpResponse {
    const failed = this.#failure('userinfo');
    if (failed) return failed;
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    const t = m ? this.#tokens.get(m[1]!) : undefined;
    if (!t || t.expiresAt <= this.#o.now()) return json(401, { error: 'invalid_token' });
    const [user, email] = t.user.split('\n');
    return json(200, {
      sub: user,
      name: user,
      preferred_username: user,
      email: email ?? `${user}@example.com`,
      ...(this.#o.users?.[user!] ?? {}),
    });
  }
}

function basicClientId(header: string | undefined): string | undefined {
  const m = /^Basic\s+(.+)$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return decodeURIComponent(colon >= 0 ? decoded.slice(0, colon) : decoded);
}

function json(status: number, body: unknown): IdpHttpResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  };
}

function text(status: number, body: string): IdpHttpResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${body}\n` };
}

function redirect(to: string, params: Record<string, string | undefined>): IdpHttpResponse {
  const q = Object.entries(params)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  return { status: 302, headers: { location: `${to}${to.includes('?') ? '&' : '?'}${q}` }, body: '' };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
