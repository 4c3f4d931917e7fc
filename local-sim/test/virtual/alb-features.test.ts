/**
 * The ALB features that act on single requests beyond routing, through the shared exchange in virtual
 * time: §4.2 RegexValues conditions, §4.3 rule transforms, §4.3 authenticate actions with the test
 * identity provider. The live shell runs the same exchange (test/live/alb-features.test.ts).
 */
import { createPublicKey, verify } from 'node:crypto';
import { modelFromTemplate } from '../../src/model';
import { loadBalancerArn } from '../../src/model/ids';
import type { IdpCall, IdpReply } from '../../src/core/authenticate';
import { VirtualSimulator, type VirtualResponse } from '../../src/virtual';
import { cookieJar, forwardedHeader, headerOf, idpRedirect } from './responses';
import { albTemplate, forward, IDS, STACK, tgRef, type AlbSpec } from '../model/fixtures';

function sim(spec: AlbSpec, options: ConstructorParameters<typeof VirtualSimulator>[1] = {}): VirtualSimulator {
  const s = new VirtualSimulator(modelFromTemplate(albTemplate(spec), STACK), { seed: 7, ...options });
  s.runUntil(1); // first health checks answered: every target healthy
  return s;
}

describe('virtual: §4.2 RegexValues conditions', () => {
  const spec: AlbSpec = {
    targetGroups: { App: {}, Regional: {}, Orders: {}, Mobile: {} },
    rules: [
      {
        priority: 1,
        conditions: [{ Field: 'host-header', HostHeaderConfig: { RegexValues: ['^api\\.(eu|us)\\.example\\.com$'] } }],
        actions: [forward('Regional')],
      },
      {
        priority: 2,
        conditions: [{ Field: 'path-pattern', PathPatternConfig: { RegexValues: ['^/v[0-9]+/orders$'] } }],
        actions: [forward('Orders')],
      },
      {
        priority: 3,
        conditions: [
          { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'User-Agent', RegexValues: ['Mobile|Android'] } },
        ],
        actions: [forward('Mobile')],
      },
      {
        // lookahead is outside AWS's dialect: reported, never matches
        priority: 4,
        conditions: [{ Field: 'path-pattern', PathPatternConfig: { RegexValues: ['^/(?=x)'] } }],
        actions: [forward('Orders')],
      },
    ],
  };
  const tgOf = (r: VirtualResponse): string | undefined =>
    r.decision.kind === 'forward' ? r.decision.targetGroupId : undefined;

  test('§4.2 host-header regex matches the host (regex_condition_semantics), other hosts fall through', () => {
    const s = sim(spec);
    expect(tgOf(s.request(IDS.lb, IDS.listener, { headers: { host: 'api.eu.example.com' } }))).toBe(IDS.tg('Regional'));
    expect(tgOf(s.request(IDS.lb, IDS.listener, { headers: { host: 'api.asia.example.com' } }))).toBe(IDS.tg('App'));
    // like the wildcard values, the regex sees the host without its port (host_header_port)
    expect(tgOf(s.request(IDS.lb, IDS.listener, { headers: { host: 'api.us.example.com:8443' } }))).toBe(
      IDS.tg('Regional'),
    );
  });

  test('§4.2 path regex is unanchored unless the pattern anchors: ^/v[0-9]+/orders$ takes /v12/orders only', () => {
    const s = sim(spec);
    expect(tgOf(s.request(IDS.lb, IDS.listener, { path: '/v12/orders' }))).toBe(IDS.tg('Orders'));
    expect(tgOf(s.request(IDS.lb, IDS.listener, { path: '/v12/orders/1' }))).toBe(IDS.tg('App'));
    expect(tgOf(s.request(IDS.lb, IDS.listener, { path: '/vx/orders' }))).toBe(IDS.tg('App'));
  });

  test('§4.2 http-header regex finds Mobile anywhere in User-Agent', () => {
    const s = sim(spec);
    const ua = (v: string) => ({ headers: { host: 'example.com', 'user-agent': v } });
    expect(tgOf(s.request(IDS.lb, IDS.listener, ua('Mozilla/5.0 (iPhone) Mobile/15E148')))).toBe(IDS.tg('Mobile'));
    expect(tgOf(s.request(IDS.lb, IDS.listener, ua('Mozilla/5.0 (X11; Linux x86_64)')))).toBe(IDS.tg('App'));
  });

  test('§4.2 a pattern outside the dialect (lookahead) is a model error and never matches', () => {
    const model = modelFromTemplate(albTemplate(spec), STACK);
    expect(model.issues).toContainEqual(
      expect.objectContaining({ severity: 'error', what: "path-pattern regex '^/(?=x)'" }),
    );
    const s = sim(spec);
    expect(tgOf(s.request(IDS.lb, IDS.listener, { path: '/x' }))).toBe(IDS.tg('App'));
  });
});

describe('virtual: §4.3 rule transforms', () => {
  const rule = (transforms: unknown[]) => ({
    rules: [
      {
        priority: 1,
        conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } }],
        actions: [forward('App')],
        transforms,
      },
    ],
  });
  const urlRewrite = (Regex: string, Replace: string) => ({
    Type: 'url-rewrite',
    UrlRewriteConfig: { Rewrites: [{ Regex, Replace }] },
  });
  const hostRewrite = (Regex: string, Replace: string) => ({
    Type: 'host-header-rewrite',
    HostHeaderRewriteConfig: { Rewrites: [{ Regex, Replace }] },
  });

  test('§4.3 url-rewrite rewrites path and query after routing; $1 names the group', () => {
    const s = sim(rule([urlRewrite('^/api/(.*)$', '/$1')]));
    const r = s.request(IDS.lb, IDS.listener, { path: '/api/v1/users', query: 'page=2' });
    expect(r.decision).toMatchObject({ kind: 'forward', matchedRulePriority: 1 });
    expect(r.forwarded?.path).toBe('/v1/users?page=2');
  });

  test('§4.3 host-header-rewrite replaces the Host the target gets; the rule was chosen on the original host', () => {
    const s = sim(rule([hostRewrite('^(.+)\\.example\\.com$', '${1}.internal.example.org')]));
    const r = s.request(IDS.lb, IDS.listener, { path: '/api/x', headers: { host: 'shop.example.com' } });
    expect(forwardedHeader(r, 'host')).toEqual(['shop.internal.example.org']);
    expect(r.forwarded?.path).toBe('/api/x');
  });

  test('§4.3 a rewrite whose regex does not match leaves the request unchanged', () => {
    const s = sim(rule([urlRewrite('^/nothing/(.*)$', '/$1'), hostRewrite('^nomatch$', 'x')]));
    const r = s.request(IDS.lb, IDS.listener, { path: '/api/keep', headers: { host: 'example.com' } });
    expect(r.forwarded?.path).toBe('/api/keep');
    expect(forwardedHeader(r, 'host')).toEqual(['example.com']);
  });

  test('§4.3 transform_failure: a matching rewrite naming a missing group answers 500, nothing forwarded', () => {
    const s = sim(rule([urlRewrite('^/api/(.*)$', '/$2')]));
    const r = s.request(IDS.lb, IDS.listener, { path: '/api/v1' });
    expect(r.status).toBe(500);
    expect(r.forwarded).toBeUndefined();
  });

  test('§4.3 transform_failure: a URL rewritten to something that is not a path answers 500', () => {
    const s = sim(rule([urlRewrite('^/api/(.*)$', '$1')]));
    expect(s.request(IDS.lb, IDS.listener, { path: '/api/v1' }).status).toBe(500);
  });

  test('§4.3 requests of other rules are not rewritten', () => {
    const s = sim(rule([urlRewrite('^/(.*)$', '/rewritten/$1')]));
    expect(s.request(IDS.lb, IDS.listener, { path: '/other' }).forwarded?.path).toBe('/other');
  });
});

describe('virtual: §4.3 authenticate actions', () => {
  const oidc = (on: string, extra: Record<string, unknown> = {}) => ({
    Type: 'authenticate-oidc',
    Order: 1,
    AuthenticateOidcConfig: {
      Issuer: 'https://idp.example.com',
      AuthorizationEndpoint: 'https://idp.example.com/authorize',
      TokenEndpoint: 'https://idp.example.com/token',
      UserInfoEndpoint: 'https://idp.example.com/userinfo',
      ClientId: 'app-client',
      ClientSecret: 's3cret',
      OnUnauthenticatedRequest: on,
      ...extra,
    },
  });
  const protectedSpec = (on: string, extra?: Record<string, unknown>): AlbSpec => ({
    listenerProtocol: 'HTTPS',
    listenerPort: 443,
    defaultActions: [oidc(on, extra), { Type: 'forward', TargetGroupArn: tgRef('App'), Order: 2 }],
  });
  const https = { protocol: 'https' as const, port: 443 };

  /** The browser's part of a login: ALB → 302 to the IdP → IdP → 302 to /oauth2/idpresponse → ALB. */
  function login(
    s: VirtualSimulator,
    path = '/private',
    query = '',
  ): { first: VirtualResponse; callback: VirtualResponse } {
    const first = s.request(IDS.lb, IDS.listener, { ...https, path, query });
    const location = new URL(headerOf(first, 'location')[0]!);
    const back = idpRedirect(s, location);
    const callback = s.request(IDS.lb, IDS.listener, {
      ...https,
      path: back.pathname,
      query: back.search.slice(1),
      headers: { host: 'example.com', cookie: cookieJar(headerOf(first, 'set-cookie')) },
    });
    return { first, callback };
  }

  test('§4.3 OnUnauthenticatedRequest deny: 401, nothing forwarded', () => {
    const s = sim(protectedSpec('deny'));
    const r = s.request(IDS.lb, IDS.listener, { ...https, path: '/private' });
    expect(r.status).toBe(401);
    expect(r.forwarded).toBeUndefined();
  });

  test('§4.3 OnUnauthenticatedRequest allow: forwarded without identity headers, client-sent ones removed', () => {
    const s = sim(protectedSpec('allow'));
    const r = s.request(IDS.lb, IDS.listener, {
      ...https,
      headers: { host: 'example.com', 'x-amzn-oidc-identity': 'mallory' },
    });
    expect(r.decision.kind).toBe('forward');
    expect(forwardedHeader(r, 'x-amzn-oidc-identity')).toEqual([]);
    expect(forwardedHeader(r, 'x-amzn-oidc-data')).toEqual([]);
    expect(forwardedHeader(r, 'x-amzn-oidc-accesstoken')).toEqual([]);
  });

  test('§4.3 OnUnauthenticatedRequest authenticate: 302 to the authorization endpoint with the code-flow parameters', () => {
    const s = sim(
      protectedSpec('authenticate', { Scope: 'openid email', AuthenticationRequestExtraParams: { prompt: 'login' } }),
    );
    const r = s.request(IDS.lb, IDS.listener, { ...https, path: '/private', query: 'a=1' });
    expect(r.status).toBe(302);
    const location = new URL(headerOf(r, 'location')[0]!);
    // the simulator's test identity provider stands in for the configured one (simulator convenience)
    expect(`${location.origin}${location.pathname}`).toBe(s.testIdp.endpoints.authorizationEndpoint);
    expect(location.searchParams.get('client_id')).toBe('app-client');
    expect(location.searchParams.get('redirect_uri')).toBe('https://example.com/oauth2/idpresponse');
    expect(location.searchParams.get('response_type')).toBe('code');
    expect(location.searchParams.get('scope')).toBe('openid email');
    expect(location.searchParams.get('prompt')).toBe('login');
    expect(location.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(headerOf(r, 'set-cookie')).toEqual([
      expect.stringMatching(/^AWSALBAuthNonce=[0-9a-f]{32}; Max-Age=900; Path=\/; Secure; HttpOnly$/),
    ]);
  });

  test('§4.3 full login: the callback sets the session cookie and returns to the original URL; then the identity headers are forwarded', () => {
    const s = sim(protectedSpec('authenticate'));
    const { callback } = login(s, '/private', 'a=1');
    expect(callback.status).toBe(302);
    expect(headerOf(callback, 'location')).toEqual(['https://example.com/private?a=1']);
    const cookies = headerOf(callback, 'set-cookie');
    expect(cookies[0]).toMatch(/^AWSELBAuthSessionCookie-0=[A-Za-z0-9_-]+; Expires=[^;]+; Path=\/; Secure; HttpOnly$/);
    expect(cookies).toContain('AWSALBAuthNonce=; Max-Age=0; Path=/; Secure; HttpOnly');

    const r = s.request(IDS.lb, IDS.listener, {
      ...https,
      path: '/private',
      headers: { host: 'example.com', cookie: cookieJar(cookies) },
    });
    expect(r.decision.kind).toBe('forward');
    expect(forwardedHeader(r, 'x-amzn-oidc-identity')).toEqual(['alice']);
    expect(forwardedHeader(r, 'x-amzn-oidc-accesstoken')).toEqual([expect.stringMatching(/^[0-9a-f]{40}$/)]);
    const [data] = forwardedHeader(r, 'x-amzn-oidc-data');
    const [h, p, sig] = data!.split('.');
    const header = JSON.parse(Buffer.from(h!, 'base64url').toString()) as Record<string, unknown>;
    expect(header).toMatchObject({
      alg: 'ES256',
      kid: s.authKeys.kid,
      iss: s.testIdp.endpoints.issuer,
      client: 'app-client',
      signer: loadBalancerArn(s.engine.model.loadBalancers[0]!),
    });
    expect(JSON.parse(Buffer.from(p!, 'base64url').toString())).toMatchObject({
      sub: 'alice',
      email: 'alice@example.com',
    });
    // ES256 over header.payload, verifiable with the load balancer's public key
    const ok = verify(
      'sha256',
      Buffer.from(`${h}.${p}`),
      { key: createPublicKey(s.authKeys.publicKeyPem), dsaEncoding: 'ieee-p1363' },
      Buffer.from(sig!, 'base64url'),
    );
    expect(ok).toBe(true);
  });

  test('§4.3 a session ends after SessionTimeout: the next request is sent to log in again', () => {
    const s = sim(protectedSpec('authenticate', { SessionTimeout: 60 }));
    const { callback } = login(s);
    const cookie = cookieJar(headerOf(callback, 'set-cookie'));
    const at = (): VirtualResponse =>
      s.request(IDS.lb, IDS.listener, { ...https, path: '/private', headers: { host: 'example.com', cookie } });
    expect(at().decision.kind).toBe('forward');
    s.runFor(60_000);
    expect(at().status).toBe(302);
  });

  test('§4.3 a tampered session cookie is refused with 401', () => {
    const s = sim(protectedSpec('authenticate'));
    const r = s.request(IDS.lb, IDS.listener, {
      ...https,
      headers: { host: 'example.com', cookie: 'AWSELBAuthSessionCookie-0=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
    });
    expect(r.status).toBe(401);
    expect(r.forwarded).toBeUndefined();
  });

  test('§4.3 the identity provider answers error=access_denied: 561', () => {
    const s = sim(protectedSpec('authenticate'));
    const first = s.request(IDS.lb, IDS.listener, { ...https, path: '/private' });
    const state = new URL(headerOf(first, 'location')[0]!).searchParams.get('state')!;
    const r = s.request(IDS.lb, IDS.listener, {
      ...https,
      path: '/oauth2/idpresponse',
      query: `error=access_denied&state=${encodeURIComponent(state)}`,
      headers: { host: 'example.com', cookie: cookieJar(headerOf(first, 'set-cookie')) },
    });
    expect(r.status).toBe(561);
  });

  test('§4.3 a callback without the login nonce cookie is refused with 401', () => {
    const s = sim(protectedSpec('authenticate'));
    const { first } = login(s);
    const state = new URL(headerOf(first, 'location')[0]!).searchParams.get('state')!;
    const r = s.request(IDS.lb, IDS.listener, {
      ...https,
      path: '/oauth2/idpresponse',
      query: `code=abc&state=${encodeURIComponent(state)}`,
    });
    expect(r.status).toBe(401);
  });

  /** The configured identity provider, played by a function: the calls the load balancer makes. */
  function withProvider(answer: (call: IdpCall) => IdpReply): { s: VirtualSimulator; calls: IdpCall[] } {
    const calls: IdpCall[] = [];
    const s = sim(protectedSpec('authenticate'), {
      identityProvider: (call) => {
        calls.push(call);
        return answer(call);
      },
    });
    return { s, calls };
  }

  function callbackWithCode(s: VirtualSimulator): VirtualResponse {
    const first = s.request(IDS.lb, IDS.listener, { ...https, path: '/private' });
    const location = new URL(headerOf(first, 'location')[0]!);
    expect(location.origin).toBe('https://idp.example.com');
    const state = location.searchParams.get('state')!;
    return s.request(IDS.lb, IDS.listener, {
      ...https,
      path: '/oauth2/idpresponse',
      query: `code=the-code&state=${encodeURIComponent(state)}`,
      headers: { host: 'example.com', cookie: cookieJar(headerOf(first, 'set-cookie')) },
    });
  }

  test('§4.3 the code is exchanged at the token endpoint with the client credentials', () => {
    const { s, calls } = withProvider(() => ({ kind: 'response', status: 400, body: '{"error":"invalid_grant"}' }));
    expect(callbackWithCode(s).status).toBe(401);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ purpose: 'token', method: 'POST', url: 'https://idp.example.com/token' });
    expect(new URLSearchParams(calls[0]!.body)).toEqual(
      new URLSearchParams({
        grant_type: 'authorization_code',
        code: 'the-code',
        redirect_uri: 'https://example.com/oauth2/idpresponse',
        client_id: 'app-client',
      }),
    );
    expect(calls[0]!.headers).toContainEqual([
      'authorization',
      `Basic ${Buffer.from('app-client:s3cret').toString('base64')}`,
    ]);
  });

  test('§4.3 auth_error_status: the token endpoint answers 503 → 561', () => {
    const { s } = withProvider(() => ({ kind: 'response', status: 503, body: '' }));
    expect(callbackWithCode(s).status).toBe(561);
  });

  test('§4.3 auth_error_status: the token endpoint cannot be reached → 500', () => {
    const { s } = withProvider(() => ({ kind: 'unreachable', detail: 'connect ECONNREFUSED' }));
    expect(callbackWithCode(s).status).toBe(500);
  });

  test('§4.3 auth_error_status: the user-info endpoint answers 500 → 561', () => {
    const now = Math.floor(Date.UTC(2030, 0, 1) / 1000);
    const idToken = [
      Buffer.from('{"alg":"none"}').toString('base64url'),
      Buffer.from(JSON.stringify({ iss: 'https://idp.example.com', aud: 'app-client', sub: 'bob', exp: now })).toString(
        'base64url',
      ),
      '',
    ].join('.');
    const { s, calls } = withProvider((call) =>
      call.purpose === 'token'
        ? { kind: 'response', status: 200, body: JSON.stringify({ access_token: 'at-1', id_token: idToken }) }
        : { kind: 'response', status: 500, body: '' },
    );
    expect(callbackWithCode(s).status).toBe(561);
    expect(calls.map((c) => [c.purpose, c.url])).toEqual([
      ['token', 'https://idp.example.com/token'],
      ['userinfo', 'https://idp.example.com/userinfo'],
    ]);
    expect(calls[1]!.headers).toContainEqual(['authorization', 'Bearer at-1']);
  });
});
