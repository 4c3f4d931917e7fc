/**
 * authenticate-oidc / authenticate-cognito (docs/aws-behaviour.md §4.3): the OIDC authorization code
 * flow with the load balancer as the client, as a pure state machine. The edge asks
 * `checkSession` for each request of a rule with an authenticate action; a request without a valid
 * session is denied (401), allowed without identity, or redirected (302) to the authorization
 * endpoint. The identity provider's answer to `https://<host>/oauth2/idpresponse` starts an
 * `AuthCallback`, which asks the shell for two HTTP calls (token endpoint, user-info endpoint) and ends
 * in the session cookie and a redirect to the page the user asked for.
 *
 * Pure: time, randomness and keys come in through `AuthContext`; the shell performs the calls. Session
 * cookie and state are AES-256-GCM under the injected secret (node:crypto is computation, not I/O);
 * their format is simulator choice `auth_session_cookie`, the routing of the callback
 * `auth_callback_routing`, the statuses of failures `auth_error_status`.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { AUTHENTICATION_FLOW, AUTH_ERROR_REASONS, ELB_STATUS, type AuthErrorReason } from '@ha-load-balancer/spec';
import type { AuthenticateActionModel } from '../model/types';
import { httpDate, parseCookies } from './cookies';
import type { HeaderList } from './headers';

/** Keys of the load balancer's authentication, made by the shell. */
export interface AuthKeys {
  /** Key id written into the `x-amzn-oidc-data` header (`kid`). */
  readonly kid: string;
  /** ES256 (ECDSA P-256, SHA-256) signature of `data` as r‖s, 64 bytes (JWS form). */
  sign(data: Buffer): Buffer;
  /** 32 bytes: AES-256-GCM key of session cookies and state parameters. */
  readonly secret: Buffer;
}

/** Where the flow talks to the identity provider. */
export interface IdpEndpoints {
  readonly issuer: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly userInfoEndpoint: string;
}

export interface AuthContext {
  readonly keys: AuthKeys;
  readonly nowMs: number;
  readonly randomHex: (n: number) => string;
  /** ARN of the load balancer (`signer` of the data header). */
  readonly loadBalancerArn: string;
  /**
   * The identity provider endpoints of an action: its own, or those of the simulator's test identity
   * provider (`--test-idp`) when the shell replaces them.
   */
  readonly endpoints?: (action: AuthenticateActionModel) => IdpEndpoints;
}

/** An HTTP call the shell makes to the identity provider for the load balancer. */
export interface IdpCall {
  readonly purpose: 'token' | 'userinfo';
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers: HeaderList;
  readonly body?: string;
}

/** What came back from an `IdpCall`. */
export type IdpReply =
  | { readonly kind: 'response'; readonly status: number; readonly body: string }
  /** Refused, unresolvable, TLS failure, or no answer within the timeout. */
  | { readonly kind: 'unreachable'; readonly detail: string };

/** One step of authentication. */
export type AuthStep =
  /** Go on to the rule's next action; `headers` (identity) are added to the forwarded request. */
  | { readonly kind: 'proceed'; readonly headers?: HeaderList }
  /** The load balancer answers by itself. */
  | {
      readonly kind: 'respond';
      readonly status: number;
      readonly headers: HeaderList;
      readonly cause: string;
      /** `error_reason` (§5.5), when AWS has one for the case. */
      readonly errorReason?: AuthErrorReason;
      /** The outcome as CloudWatch counts it (§5.6). */
      readonly metric?: 'ELBAuthSuccess' | 'ELBAuthFailure' | 'ELBAuthError';
    }
  | { readonly kind: 'call'; readonly call: IdpCall };

/** The session a cookie carries. */
interface Session {
  /** Which identity provider and client issued it (`actionKey`). */
  readonly k: string;
  readonly sub: string;
  /** The user claims as the user-info endpoint returned them (JSON). */
  readonly c: string;
  readonly at: string;
  /** Session end (ms). */
  readonly e: number;
}

/** The state parameter of an authorization request (encrypted). */
interface State {
  /** Rule id ('' for the default rule) and the action's index in it. */
  readonly r: string;
  readonly i: number;
  /** URL to return to. */
  readonly u: string;
  readonly t: number;
  readonly n: string;
}

/** Identity of an identity provider configuration: a session is good for the actions that share it. */
function actionKey(a: AuthenticateActionModel): string {
  return `${a.issuer}|${a.clientId}`;
}

function endpointsOf(a: AuthenticateActionModel, ctx: AuthContext): IdpEndpoints {
  return ctx.endpoints?.(a) ?? a;
}

// ---- sealing (AES-256-GCM, base64url of iv ‖ tag ‖ ciphertext) --------------------------------------

function seal(purpose: string, value: unknown, ctx: Pick<AuthContext, 'keys' | 'randomHex'>): string {
  const iv = Buffer.from(ctx.randomHex(24), 'hex');
  const c = createCipheriv('aes-256-gcm', ctx.keys.secret, iv);
  c.setAAD(Buffer.from(purpose));
  const body = Buffer.concat([c.update(JSON.stringify(value), 'utf8'), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64url');
}

function unseal<T>(purpose: string, text: string, keys: AuthKeys): T | undefined {
  try {
    const raw = Buffer.from(text, 'base64url');
    if (raw.length < 29) return undefined;
    const d = createDecipheriv('aes-256-gcm', keys.secret, raw.subarray(0, 12));
    d.setAAD(Buffer.from(purpose));
    d.setAuthTag(raw.subarray(12, 28));
    const plain = Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
    const v = JSON.parse(plain) as unknown;
    return typeof v === 'object' && v !== null ? (v as T) : undefined;
  } catch {
    return undefined;
  }
}

// ---- requests of a protected rule -----------------------------------------------------------------

/** What the edge knows of a request that reaches an authenticate action. */
export interface AuthRequest {
  /** `Cookie` header values. */
  readonly cookies: readonly string[];
  /** The Host value as received (with any port), undefined when the request has none. */
  readonly host: string | undefined;
  /** Origin-form path and query. */
  readonly pathAndQuery: string;
  /** Id of the rule ('' for the default rule) and the index of the authenticate action in it. */
  readonly ruleId: string;
  readonly actionIndex: number;
}

/**
 * §4.3 a request of a rule with an authenticate action: a valid session goes on with the identity
 * headers; otherwise `OnUnauthenticatedRequest` decides (deny 401, allow without identity,
 * authenticate 302 to the authorization endpoint).
 */
export function checkSession(
  action: AuthenticateActionModel,
  req: AuthRequest,
  ctx: AuthContext,
): Exclude<AuthStep, { kind: 'call' }> {
  const cookies = parseCookies(req.cookies);
  const session = readSession(action, cookies, ctx);
  if (session === 'invalid') {
    return failure(ELB_STATUS.unauthorized, 'AuthInvalidCookie', 'the session cookie cannot be read');
  }
  if (session) return { kind: 'proceed', headers: identityHeaders(action, session, ctx) };
  switch (action.onUnauthenticatedRequest) {
    case 'deny':
      return {
        kind: 'respond',
        status: ELB_STATUS.unauthorized,
        headers: [],
        cause: 'no valid session and OnUnauthenticatedRequest is deny',
      };
    case 'allow':
      return { kind: 'proceed' };
    case 'authenticate':
      return authorizationRedirect(action, req, ctx);
  }
}

/** The session of `action` from its (sharded) cookie; undefined when absent, expired or of another provider. */
function readSession(
  action: AuthenticateActionModel,
  cookies: ReadonlyMap<string, string>,
  ctx: AuthContext,
): Session | 'invalid' | undefined {
  let value = '';
  for (let i = 0; ; i++) {
    const part = cookies.get(`${action.sessionCookieName}-${i}`);
    if (part === undefined) break;
    value += part;
  }
  if (value === '') return undefined;
  const s = unseal<Session>('session', value, ctx.keys);
  if (!s || typeof s.e !== 'number' || typeof s.sub !== 'string' || typeof s.c !== 'string') return 'invalid';
  if (s.k !== actionKey(action) || s.e <= ctx.nowMs) return undefined;
  return s;
}

/** 302 to the authorization endpoint with the parameters of the code flow (§4.3). */
function authorizationRedirect(
  action: AuthenticateActionModel,
  req: AuthRequest,
  ctx: AuthContext,
): Extract<AuthStep, { kind: 'respond' }> {
  if (req.host === undefined || req.host === '') {
    // §5.4 401: without a Host no redirect URI can be built
    return failure(ELB_STATUS.unauthorized, 'AuthMissingHostHeader', 'the request has no Host header');
  }
  const nonce = ctx.randomHex(32);
  const state: State = {
    r: req.ruleId,
    i: req.actionIndex,
    u: `https://${req.host}${req.pathAndQuery}`,
    t: ctx.nowMs,
    n: nonce,
  };
  const e = endpointsOf(action, ctx);
  const params: [string, string][] = [
    ['client_id', action.clientId],
    ['redirect_uri', `https://${req.host}${AUTHENTICATION_FLOW.redirectPath}`],
    ['response_type', 'code'],
    ['scope', action.scope],
    ['state', seal('state', state, ctx)],
    ...Object.entries(action.extraParams),
  ];
  const query = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  const location = `${e.authorizationEndpoint}${e.authorizationEndpoint.includes('?') ? '&' : '?'}${query}`;
  const maxAge = AUTHENTICATION_FLOW.loginWindowSeconds;
  return {
    kind: 'respond',
    status: 302,
    headers: [
      ['location', location],
      ['set-cookie', `${AUTHENTICATION_FLOW.nonceCookie}=${nonce}; Max-Age=${maxAge}; Path=/; Secure; HttpOnly`],
    ],
    cause: 'no valid session: redirected to the authorization endpoint',
  };
}

/** base64url with the `=` padding kept, as the ALB writes `x-amzn-oidc-data` (§4.3). */
function paddedBase64Url(b: Buffer): string {
  return b.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** `x-amzn-oidc-accesstoken`, `x-amzn-oidc-identity` and the signed `x-amzn-oidc-data` (§4.3). */
function identityHeaders(action: AuthenticateActionModel, s: Session, ctx: AuthContext): HeaderList {
  const header = {
    typ: 'JWT',
    kid: ctx.keys.kid,
    alg: AUTHENTICATION_FLOW.dataAlgorithm,
    iss: endpointsOf(action, ctx).issuer,
    client: action.clientId,
    signer: ctx.loadBalancerArn,
    exp: Math.floor(s.e / 1000),
  };
  const input = `${paddedBase64Url(Buffer.from(JSON.stringify(header)))}.${paddedBase64Url(Buffer.from(s.c))}`;
  const jwt = `${input}.${paddedBase64Url(ctx.keys.sign(Buffer.from(input)))}`;
  const h = AUTHENTICATION_FLOW.headers;
  return [
    [h.accessToken, s.at],
    [h.identity, s.sub],
    [h.data, jwt],
  ];
}

function failure(status: number, reason: AuthErrorReason, detail: string): Extract<AuthStep, { kind: 'respond' }> {
  return {
    kind: 'respond',
    status,
    headers: [],
    cause: `authentication failed (${reason}): ${detail}`,
    errorReason: reason,
    metric: AUTH_ERROR_REASONS[reason],
  };
}

// ---- the identity provider's answer (/oauth2/idpresponse) -----------------------------------------

/** A step of the callback: another call, or the answer. */
export type CallbackStep = Exclude<AuthStep, { kind: 'proceed' }>;

/** Finds the authenticate action a state names on the listener's current rules. */
export type ActionFinder = (ruleId: string, actionIndex: number) => AuthenticateActionModel | undefined;

/**
 * The exchange of one `/oauth2/idpresponse` request: `start` checks what the identity provider sent
 * back, then each `answered` consumes the reply to the call the previous step asked for.
 */
export class AuthCallback {
  readonly #ctx: AuthContext;
  #action?: AuthenticateActionModel;
  #state?: State;
  #host = '';
  #accessToken = '';
  #nonceCookieClear = `${AUTHENTICATION_FLOW.nonceCookie}=; Max-Age=0; Path=/; Secure; HttpOnly`;

  constructor(ctx: AuthContext) {
    this.#ctx = ctx;
  }

  /** The callback request: `query` without `?`, cookies and Host. */
  start(query: string, cookies: readonly string[], host: string | undefined, find: ActionFinder): CallbackStep {
    const q = new URLSearchParams(query);
    const error = q.get('error');
    if (error !== null) {
      const description = q.get('error_description');
      return {
        kind: 'respond',
        status: ELB_STATUS.identityProviderError,
        headers: [],
        cause: `the identity provider returned error=${error}${description ? ` (${description})` : ''}`,
        metric: 'ELBAuthError',
      };
    }
    if (host === undefined || host === '') {
      return failure(ELB_STATUS.unauthorized, 'AuthMissingHostHeader', 'the callback has no Host header');
    }
    this.#host = host;
    const stateText = q.get('state');
    if (stateText === null) return failure(ELB_STATUS.unauthorized, 'AuthMissingStateParam', 'no state parameter');
    const state = unseal<State>('state', stateText, this.#ctx.keys);
    if (!state || typeof state.t !== 'number' || typeof state.u !== 'string') {
      return failure(ELB_STATUS.unauthorized, 'AuthInvalidStateParam', 'the state parameter cannot be read');
    }
    if (this.#ctx.nowMs - state.t > AUTHENTICATION_FLOW.loginWindowSeconds * 1000) {
      return failure(ELB_STATUS.unauthorized, 'AuthInvalidStateParam', 'the login took longer than 15 minutes');
    }
    const nonce = parseCookies(cookies).get(AUTHENTICATION_FLOW.nonceCookie);
    if (nonce !== state.n) {
      return {
        kind: 'respond',
        status: ELB_STATUS.unauthorized,
        headers: [],
        cause: `authentication failed: the ${AUTHENTICATION_FLOW.nonceCookie} cookie is ${nonce === undefined ? 'missing' : 'not the one of this login'}`,
        metric: 'ELBAuthFailure',
      };
    }
    const code = q.get('code');
    if (code === null || code === '') {
      return failure(ELB_STATUS.unauthorized, 'AuthMissingCodeParam', 'no code parameter');
    }
    const action = find(state.r, state.i);
    if (!action) {
      return failure(
        ELB_STATUS.unauthorized,
        'AuthInvalidStateParam',
        'the rule of this login no longer authenticates',
      );
    }
    this.#action = action;
    this.#state = state;
    const e = endpointsOf(action, this.#ctx);
    const form: [string, string][] = [
      ['grant_type', 'authorization_code'],
      ['code', code],
      ['redirect_uri', `https://${host}${AUTHENTICATION_FLOW.redirectPath}`],
      ['client_id', action.clientId],
    ];
    const headers: [string, string][] = [
      ['content-type', 'application/x-www-form-urlencoded'],
      ['accept', 'application/json'],
    ];
    if (action.clientSecret !== undefined) {
      const basic = `${encodeURIComponent(action.clientId)}:${encodeURIComponent(action.clientSecret)}`;
      headers.push(['authorization', `Basic ${Buffer.from(basic).toString('base64')}`]);
    }
    return {
      kind: 'call',
      call: {
        purpose: 'token',
        method: 'POST',
        url: e.tokenEndpoint,
        headers,
        body: form.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'),
      },
    };
  }

  /** The reply to the last call: the next call, or the answer to the client. */
  answered(call: IdpCall, reply: IdpReply): CallbackStep {
    return call.purpose === 'token' ? this.#token(reply) : this.#userInfo(reply);
  }

  #token(reply: IdpReply): CallbackStep {
    const action = this.#action!;
    if (reply.kind === 'unreachable') {
      return failure(ELB_STATUS.internalServerError, 'AuthTokenEpRequestTimeout', reply.detail);
    }
    const json = parseJson(reply.body);
    if (reply.status < 200 || reply.status > 299) {
      return json?.error === 'invalid_grant'
        ? failure(ELB_STATUS.unauthorized, 'AuthInvalidGrantError', 'the token endpoint refused the code')
        : failure(
            ELB_STATUS.identityProviderError,
            'AuthTokenEpRequestFailed',
            `the token endpoint answered ${reply.status}`,
          );
    }
    if (!json || typeof json.access_token !== 'string') {
      return failure(ELB_STATUS.unauthorized, 'AuthInvalidTokenResponse', 'no access_token in the token response');
    }
    if (typeof json.id_token !== 'string') {
      // §5.4 401: a scope without openid gets no ID token
      return failure(ELB_STATUS.unauthorized, 'AuthInvalidTokenResponse', 'no id_token in the token response');
    }
    const problem = idTokenProblem(json.id_token, endpointsOf(action, this.#ctx).issuer, action.clientId, this.#ctx);
    if (problem) return failure(ELB_STATUS.unauthorized, 'AuthInvalidIdToken', problem);
    this.#accessToken = json.access_token;
    return {
      kind: 'call',
      call: {
        purpose: 'userinfo',
        method: 'GET',
        url: endpointsOf(action, this.#ctx).userInfoEndpoint,
        headers: [
          ['authorization', `Bearer ${json.access_token}`],
          ['accept', 'application/json'],
        ],
      },
    };
  }

  #userInfo(reply: IdpReply): CallbackStep {
    const action = this.#action!;
    const ctx = this.#ctx;
    if (reply.kind === 'unreachable') {
      return failure(ELB_STATUS.internalServerError, 'AuthUserinfoEpRequestTimeout', reply.detail);
    }
    if (reply.status < 200 || reply.status > 299) {
      return failure(
        ELB_STATUS.identityProviderError,
        'AuthUserinfoEpRequestFailed',
        `the user-info endpoint answered ${reply.status}`,
      );
    }
    const claims = parseJson(reply.body);
    if (!claims || typeof claims.sub !== 'string') {
      return failure(ELB_STATUS.unauthorized, 'AuthInvalidUserinfoResponse', 'the user-info response has no sub');
    }
    const size = Buffer.byteLength(reply.body) + Buffer.byteLength(this.#accessToken);
    if (size > AUTHENTICATION_FLOW.maxClaimsBytes) {
      return failure(
        ELB_STATUS.unauthorized,
        'AuthUserinfoResponseSizeExceeded',
        `claims and access token hold ${size} bytes; at most ${AUTHENTICATION_FLOW.maxClaimsBytes}`,
      );
    }
    const end = ctx.nowMs + action.sessionTimeoutSeconds * 1000;
    const session: Session = {
      k: actionKey(action),
      sub: claims.sub,
      c: JSON.stringify(claims),
      at: this.#accessToken,
      e: end,
    };
    const cookies = sessionCookies(action.sessionCookieName, seal('session', session, ctx), end);
    return {
      kind: 'respond',
      status: 302,
      headers: [
        ['location', this.#state!.u],
        ...cookies.map((c): [string, string] => ['set-cookie', c]),
        ['set-cookie', this.#nonceCookieClear],
      ],
      cause: `authenticated ${claims.sub}: session cookie issued`,
      metric: 'ELBAuthSuccess',
    };
  }

  /** The Host of the callback (for tests and logs). */
  get host(): string {
    return this.#host;
  }
}

/** `<name>-0`, `<name>-1`, ... each at most 4 KB with its attributes' name and value (§4.3). */
function sessionCookies(name: string, value: string, endMs: number): string[] {
  const attributes = `; Expires=${httpDate(endMs)}; Path=/; Secure; HttpOnly`;
  const out: string[] = [];
  for (let i = 0, at = 0; at < value.length || i === 0; i++) {
    const room = AUTHENTICATION_FLOW.cookieShardBytes - `${name}-${i}=`.length;
    out.push(`${name}-${i}=${value.slice(at, at + room)}${attributes}`);
    at += room;
  }
  return out;
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The ID token came straight from the token endpoint, so (as OIDC Core §3.1.3.7 allows for that case)
 * its issuer, audience and expiry are checked, not its signature.
 */
function idTokenProblem(token: string, issuer: string, clientId: string, ctx: AuthContext): string | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return 'the ID token is not a JWT';
  const claims = parseJson(Buffer.from(parts[1], 'base64url').toString('utf8'));
  if (!claims) return 'the ID token payload is not JSON';
  if (claims.iss !== issuer) return `the ID token issuer is ${String(claims.iss)}, not ${issuer}`;
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.includes(clientId)) return `the ID token is not for client ${clientId}`;
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= ctx.nowMs) return 'the ID token has expired';
  return undefined;
}
