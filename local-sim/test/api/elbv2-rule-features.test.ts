/**
 * CreateRule / ModifyRule with the newer rule features, through the ELBv2 Query API: §4.2 RegexValues
 * conditions, §4.3 rule transforms (`Transforms`, `ResetTransforms`) and §4.3 authenticate actions
 * (`AuthenticateOidcConfig`, `AuthenticateCognitoConfig`). Each change is described in AWS's field
 * names, and the next request through the listener's edge (a `VirtualSimulator` under the harness, with
 * its test identity provider) honours it.
 */
import { modelFromTemplate } from '../../src/model';
import { VirtualSimulator, type VirtualResponse, type VirtualSimulatorOptions } from '../../src/virtual';
import { cookieJar, forwardedHeader, headerOf, idpRedirect } from '../virtual/responses';
import { albTemplate, forward, IDS, STACK } from '../model/fixtures';
import { ApiHarness, memberParams, type Xml } from './harness';

let h: ApiHarness;
let sim: VirtualSimulator;

/** An ALB listener (HTTPS:443 unless told) with App (default) and Api (path /api/*, priority 10). */
function setup(listenerProtocol = 'HTTPS', options: VirtualSimulatorOptions = {}): void {
  const model = modelFromTemplate(
    albTemplate({
      listenerProtocol,
      listenerPort: listenerProtocol === 'HTTPS' ? 443 : 80,
      targetGroups: { App: {}, Api: { targets: [{ Id: '10.0.1.20', Port: 9000 }] } },
      rules: [
        {
          priority: 10,
          conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } }],
          actions: [forward('Api')],
        },
      ],
    }),
    STACK,
  );
  sim = new VirtualSimulator(model, { seed: 7, ...options });
  sim.runUntil(1); // first health checks answered: every target healthy
  h = new ApiHarness(model, sim);
}
beforeEach(() => setup());

const HTTPS = { protocol: 'https' as const, port: 443 };
/** One request through the listener's edge. */
const send = (path: string, headers: Record<string, string> = {}, query = ''): VirtualResponse =>
  sim.request(IDS.lb, IDS.listener, { ...HTTPS, path, query, headers: { host: 'www.example.com', ...headers } });
/** The target group a request went to, or the status the load balancer answered with. */
function routeOf(path: string, headers: Record<string, string> = {}): string {
  const r = send(path, headers);
  return r.decision.kind === 'forward' ? r.decision.targetGroupId : `status ${r.status}`;
}

async function arns(): Promise<{ listener: string; tg: Record<string, string>; rules: Xml[] }> {
  const lb = (await h.elbv2('DescribeLoadBalancers')).LoadBalancers.member[0].LoadBalancerArn as string;
  const listener = (await h.elbv2('DescribeListeners', { LoadBalancerArn: lb })).Listeners.member[0]
    .ListenerArn as string;
  const tgs = (await h.elbv2('DescribeTargetGroups')).TargetGroups.member as Xml[];
  const tg = Object.fromEntries(tgs.map((t) => [String(t.TargetGroupName).replace(/^Web|TG$/g, ''), t.TargetGroupArn]));
  return { listener, tg, rules: await describeRules(listener) };
}
const describeRules = async (listener: string): Promise<Xml[]> =>
  (await h.elbv2('DescribeRules', { ListenerArn: listener })).Rules.member as Xml[];

/** CreateRule at priority 5 forwarding to Api, with `conditions` and any other parameters. */
async function createRule(
  conditions: Record<string, string | number>[],
  extra: Record<string, string | number> = {},
): Promise<Xml> {
  const { listener, tg } = await arns();
  const r = await h.elbv2('CreateRule', {
    ListenerArn: listener,
    Priority: 5,
    ...memberParams('Conditions', conditions),
    ...memberParams('Actions', [{ Type: 'forward', TargetGroupArn: tg.Api }]),
    ...extra,
  });
  return r.Rules.member[0] as Xml;
}
async function createRuleError(
  conditions: Record<string, string | number>[],
  extra: Record<string, string | number> = {},
) {
  const { listener, tg } = await arns();
  return h.elbv2Error('CreateRule', {
    ListenerArn: listener,
    Priority: 5,
    ...memberParams('Conditions', conditions),
    ...memberParams('Actions', [{ Type: 'forward', TargetGroupArn: tg.Api }]),
    ...extra,
  });
}

describe('§4.2 RegexValues conditions', () => {
  test('§4.2 CreateRule host-header RegexValues: described in HostHeaderConfig.RegexValues; the next request matches by regex', async () => {
    const rule = await createRule([
      { Field: 'host-header', 'HostHeaderConfig.RegexValues.member.1': '^api\\.(eu|us)\\.example\\.com$' },
    ]);
    const described = (await describeRules((await arns()).listener)).find((r) => r.RuleArn === rule.RuleArn)!;
    for (const r of [rule, described]) {
      expect(r.Conditions.member).toEqual([
        {
          Field: 'host-header',
          Values: '',
          HostHeaderConfig: { Values: '', RegexValues: { member: ['^api\\.(eu|us)\\.example\\.com$'] } },
        },
      ]);
    }
    expect(routeOf('/', { host: 'api.eu.example.com' })).toBe(IDS.tg('Api'));
    expect(routeOf('/', { host: 'api.us.example.com:443' })).toBe(IDS.tg('Api'));
    expect(routeOf('/', { host: 'api.asia.example.com' })).toBe(IDS.tg('App'));
  });

  test('§4.2 CreateRule path-pattern Values and RegexValues together: either matches', async () => {
    const rule = await createRule([
      {
        Field: 'path-pattern',
        'PathPatternConfig.Values.member.1': '/legacy/*',
        'PathPatternConfig.RegexValues.member.1': '^/v[0-9]+/orders$',
      },
    ]);
    expect(rule.Conditions.member[0]).toEqual({
      Field: 'path-pattern',
      Values: { member: ['/legacy/*'] },
      PathPatternConfig: { Values: { member: ['/legacy/*'] }, RegexValues: { member: ['^/v[0-9]+/orders$'] } },
    });
    expect(routeOf('/v12/orders')).toBe(IDS.tg('Api'));
    expect(routeOf('/legacy/x')).toBe(IDS.tg('Api'));
    expect(routeOf('/v12/orders/1')).toBe(IDS.tg('App'));
  });

  test('§4.2 CreateRule http-header RegexValues: HttpHeaderConfig with the name and the regex; matched anywhere in the value', async () => {
    const rule = await createRule([
      {
        Field: 'http-header',
        'HttpHeaderConfig.HttpHeaderName': 'User-Agent',
        'HttpHeaderConfig.RegexValues.member.1': 'Mobile|Android',
      },
    ]);
    expect(rule.Conditions.member[0]).toEqual({
      Field: 'http-header',
      HttpHeaderConfig: { HttpHeaderName: 'User-Agent', Values: '', RegexValues: { member: ['Mobile|Android'] } },
    });
    expect(routeOf('/', { 'user-agent': 'Mozilla/5.0 (iPhone) Mobile/15E148' })).toBe(IDS.tg('Api'));
    expect(routeOf('/', { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64)' })).toBe(IDS.tg('App'));
  });

  test('§4.2 ModifyRule replaces the conditions: the old regex no longer matches, the new one does', async () => {
    const rule = await createRule([{ Field: 'host-header', 'HostHeaderConfig.RegexValues.member.1': '^old\\.' }]);
    expect(routeOf('/', { host: 'old.example.com' })).toBe(IDS.tg('Api'));
    const r = await h.elbv2('ModifyRule', {
      RuleArn: rule.RuleArn,
      ...memberParams('Conditions', [{ Field: 'host-header', 'HostHeaderConfig.RegexValues.member.1': '^new\\.' }]),
    });
    expect(r.Rules.member[0].Conditions.member[0].HostHeaderConfig).toEqual({
      Values: '',
      RegexValues: { member: ['^new\\.'] },
    });
    expect(routeOf('/', { host: 'old.example.com' })).toBe(IDS.tg('App'));
    expect(routeOf('/', { host: 'new.example.com' })).toBe(IDS.tg('Api'));
  });

  test.each([
    [
      'a lookahead (outside the dialect)',
      { Field: 'path-pattern', 'PathPatternConfig.RegexValues.member.1': '^/(?=x)' },
      "The path-pattern regex '^/(?=x)' uses a lookahead ('(?='), which rule regular expressions do not support",
    ],
    [
      'a backreference',
      { Field: 'host-header', 'HostHeaderConfig.RegexValues.member.1': '^(a)\\1\\.example\\.com$' },
      "The host-header regex '^(a)\\1\\.example\\.com$' uses a backreference ('\\1'), which rule regular expressions do not support",
    ],
    [
      'a Unicode class',
      {
        Field: 'http-header',
        'HttpHeaderConfig.HttpHeaderName': 'X-Name',
        'HttpHeaderConfig.RegexValues.member.1': '\\p{L}+',
      },
      "The http-header regex '\\p{L}+' uses a Unicode character class ('\\p{L}'), which rule regular expressions do not support",
    ],
    [
      'an unbalanced group',
      { Field: 'path-pattern', 'PathPatternConfig.RegexValues.member.1': '^/(a' },
      "The path-pattern regex '^/(a' is not a regular expression: a '(' group is never closed (at 2)",
    ],
    [
      '129 characters',
      { Field: 'path-pattern', 'PathPatternConfig.RegexValues.member.1': `^/${'a'.repeat(127)}` },
      `The path-pattern regex '^/${'a'.repeat(62)}' is not valid; allowed: 1-128 characters`,
    ],
    [
      'RegexValues in the config block of another field',
      {
        Field: 'path-pattern',
        'HostHeaderConfig.RegexValues.member.1': '^a$',
        'PathPatternConfig.Values.member.1': '/a',
      },
      'HostHeaderConfig.RegexValues is not valid for a path-pattern condition; use PathPatternConfig.RegexValues',
    ],
    [
      'RegexValues on a source-ip condition',
      {
        Field: 'source-ip',
        'SourceIpConfig.Values.member.1': '10.0.0.0/8',
        'SourceIpConfig.RegexValues.member.1': '^10\\.',
      },
      'A source-ip condition does not take RegexValues (only host-header, path-pattern and http-header conditions do)',
    ],
    [
      'RegexValues on a query-string condition',
      {
        Field: 'query-string',
        'QueryStringConfig.Values.member.1.Value': 'x',
        'QueryStringConfig.RegexValues.member.1': 'x',
      },
      'A query-string condition does not take RegexValues (only host-header, path-pattern and http-header conditions do)',
    ],
    [
      'four values, RegexValues counted',
      {
        Field: 'path-pattern',
        'PathPatternConfig.Values.member.1': '/a',
        'PathPatternConfig.Values.member.2': '/b',
        'PathPatternConfig.RegexValues.member.1': '^/c',
        'PathPatternConfig.RegexValues.member.2': '^/d',
      },
      "The 'path-pattern' condition has 4 values; the maximum is 3",
    ],
    [
      'an http-header regex without the header name',
      { Field: 'http-header', 'HttpHeaderConfig.RegexValues.member.1': 'x' },
      'An http-header condition needs HttpHeaderConfig.HttpHeaderName',
    ],
  ])('§4.2 CreateRule with %s → ValidationError', async (_what, condition, message) => {
    const e = await createRuleError([condition]);
    expect([e.code, e.message]).toEqual(['ValidationError', message]);
    expect((await arns()).rules.map((r) => r.Priority)).toEqual(['10', 'default']);
  });
});

describe('§4.3 rule transforms', () => {
  const pathRule = { Field: 'path-pattern', 'PathPatternConfig.Values.member.1': '/shop/*' };
  const urlRewrite = (Regex: string, Replace: string) => ({
    Type: 'url-rewrite',
    'UrlRewriteConfig.Rewrites.member.1.Regex': Regex,
    'UrlRewriteConfig.Rewrites.member.1.Replace': Replace,
  });
  const hostRewrite = (Regex: string, Replace: string) => ({
    Type: 'host-header-rewrite',
    'HostHeaderRewriteConfig.Rewrites.member.1.Regex': Regex,
    'HostHeaderRewriteConfig.Rewrites.member.1.Replace': Replace,
  });
  const urlShape = (Regex: string, Replace: string) => ({
    Type: 'url-rewrite',
    UrlRewriteConfig: { Rewrites: { member: [{ Regex, Replace }] } },
  });

  test('§4.3 CreateRule with url-rewrite and host-header-rewrite: Transforms in AWS shape; the target gets the rewritten URL and Host', async () => {
    const rule = await createRule([pathRule], {
      ...memberParams('Transforms', [
        urlRewrite('^/shop/([a-z]+)$', '/product.php?id=$1'),
        hostRewrite('^www\\.(.+)$', 'internal.$1'),
      ]),
    });
    const described = (await describeRules((await arns()).listener)).find((r) => r.RuleArn === rule.RuleArn)!;
    for (const r of [rule, described]) {
      expect(r.Transforms).toEqual({
        member: [
          urlShape('^/shop/([a-z]+)$', '/product.php?id=$1'),
          {
            Type: 'host-header-rewrite',
            HostHeaderRewriteConfig: { Rewrites: { member: [{ Regex: '^www\\.(.+)$', Replace: 'internal.$1' }] } },
          },
        ],
      });
    }
    const r = send('/shop/shoes');
    expect(r.decision).toMatchObject({ kind: 'forward', targetGroupId: IDS.tg('Api'), matchedRulePriority: 5 });
    expect(r.forwarded?.path).toBe('/product.php?id=shoes');
    expect(forwardedHeader(r, 'host')).toEqual(['internal.example.com']);
    // the default rule carries no transforms: its requests go as sent
    expect(send('/other').forwarded?.path).toBe('/other');
  });

  test('§4.3 ModifyRule: Transforms replaces them, leaving them out keeps them, ResetTransforms removes them', async () => {
    const rule = await createRule([pathRule], { ...memberParams('Transforms', [urlRewrite('^/shop/(.*)$', '/a/$1')]) });
    expect(send('/shop/x').forwarded?.path).toBe('/a/x');

    const replaced = await h.elbv2('ModifyRule', {
      RuleArn: rule.RuleArn,
      ...memberParams('Transforms', [urlRewrite('^/shop/(.*)$', '/b/$1')]),
    });
    expect(replaced.Rules.member[0].Transforms).toEqual({ member: [urlShape('^/shop/(.*)$', '/b/$1')] });
    expect(send('/shop/x').forwarded?.path).toBe('/b/x');

    const kept = await h.elbv2('ModifyRule', {
      RuleArn: rule.RuleArn,
      ...memberParams('Conditions', [{ Field: 'path-pattern', 'PathPatternConfig.Values.member.1': '/shop/*' }]),
    });
    expect(kept.Rules.member[0].Transforms).toEqual({ member: [urlShape('^/shop/(.*)$', '/b/$1')] });

    const reset = await h.elbv2('ModifyRule', { RuleArn: rule.RuleArn, ResetTransforms: true });
    expect(reset.Rules.member[0].Transforms).toBeUndefined();
    expect((await describeRules((await arns()).listener))[0].Transforms).toBeUndefined();
    const r = send('/shop/x');
    expect(r.decision).toMatchObject({ kind: 'forward', targetGroupId: IDS.tg('Api') });
    expect(r.forwarded?.path).toBe('/shop/x');

    const both = await h.elbv2Error('ModifyRule', {
      RuleArn: rule.RuleArn,
      ResetTransforms: true,
      ...memberParams('Transforms', [urlRewrite('^/(.*)$', '/$1')]),
    });
    expect([both.code, both.message]).toEqual([
      'ValidationError',
      'ResetTransforms and Transforms cannot be specified together',
    ]);
  });

  test('§4.3 a transform Regex may have 1024 characters (not the 128 of RegexValues); 1025 is refused', async () => {
    const long = `^/shop/${'(x)?'.repeat(254)}$`; // 1024 characters
    expect(long).toHaveLength(1024);
    const rule = await createRule([pathRule], { ...memberParams('Transforms', [urlRewrite(long, '/long')]) });
    expect(rule.Transforms.member[0].UrlRewriteConfig.Rewrites.member[0].Regex).toBe(long);
    const e = await h.elbv2Error('ModifyRule', {
      RuleArn: rule.RuleArn,
      ...memberParams('Transforms', [urlRewrite(`${long}x`, '/long')]),
    });
    expect([e.code, e.message]).toEqual(['ValidationError', 'Transform regex must have 1-1024 characters']);
  });

  test.each([
    [
      'a url-rewrite without its config',
      [{ Type: 'url-rewrite' }],
      'A url-rewrite transform must have exactly one rewrite',
    ],
    [
      'a url-rewrite with the host-header-rewrite config',
      [{ ...hostRewrite('^a$', 'b'), Type: 'url-rewrite' }],
      'A url-rewrite transform must have exactly one rewrite',
    ],
    [
      'a host-header-rewrite without its config',
      [{ Type: 'host-header-rewrite' }],
      'A host-header-rewrite transform must have exactly one rewrite',
    ],
    [
      'two rewrites in one transform',
      [
        {
          ...urlRewrite('^/a$', '/b'),
          'UrlRewriteConfig.Rewrites.member.2.Regex': '^/c$',
          'UrlRewriteConfig.Rewrites.member.2.Replace': '/d',
        },
      ],
      'A url-rewrite transform must have exactly one rewrite',
    ],
    [
      'two url-rewrite transforms',
      [urlRewrite('^/a$', '/b'), urlRewrite('^/c$', '/d')],
      'A rule can have at most one url-rewrite transform',
    ],
    [
      'an unknown Type',
      [{ ...urlRewrite('^/a$', '/b'), Type: 'path-rewrite' }],
      "1 validation error detected: Value 'path-rewrite' at 'transforms.1.member.type' failed to satisfy constraint: Member must satisfy enum value set: [host-header-rewrite, url-rewrite]",
    ],
    ['no Type', [{ 'UrlRewriteConfig.Rewrites.member.1.Regex': '^/a$' }], 'Transforms.member.N.Type is required'],
    [
      'a rewrite without Regex',
      [{ Type: 'url-rewrite', 'UrlRewriteConfig.Rewrites.member.1.Replace': '/b' }],
      "1 validation error detected: Value 'null' at 'transforms.1.member.urlRewriteConfig.rewrites.1.member.regex' failed to satisfy constraint: Member must not be null",
    ],
    [
      'a lookbehind in the Regex',
      [urlRewrite('(?<=/shop)/x', '/y')],
      "The url-rewrite regex '(?<=/shop)/x' uses a lookbehind ('(?<='), which rule regular expressions do not support",
    ],
    [
      'a Replace of 1025 characters',
      [urlRewrite('^/shop/(.*)$', `/${'r'.repeat(1024)}`)],
      'Transform replace must have 0-1024 characters',
    ],
  ])('§4.3 CreateRule with %s → ValidationError', async (_what, transforms, message) => {
    const e = await createRuleError([pathRule], memberParams('Transforms', transforms));
    expect([e.code, e.message]).toEqual(['ValidationError', message]);
    expect((await arns()).rules.map((r) => r.Priority)).toEqual(['10', 'default']);
  });
});

describe('§4.3 authenticate actions', () => {
  const privateRule = { Field: 'path-pattern', 'PathPatternConfig.Values.member.1': '/private/*' };
  const OIDC = {
    Type: 'authenticate-oidc',
    Order: 1,
    'AuthenticateOidcConfig.Issuer': 'https://idp.example.com',
    'AuthenticateOidcConfig.AuthorizationEndpoint': 'https://idp.example.com/authorize',
    'AuthenticateOidcConfig.TokenEndpoint': 'https://idp.example.com/token',
    'AuthenticateOidcConfig.UserInfoEndpoint': 'https://idp.example.com/userinfo',
    'AuthenticateOidcConfig.ClientId': 'app-client',
    'AuthenticateOidcConfig.ClientSecret': 's3cret',
  };
  const COGNITO = {
    Type: 'authenticate-cognito',
    Order: 1,
    'AuthenticateCognitoConfig.UserPoolArn': 'arn:aws:cognito-idp:eu-west-1:111122223333:userpool/eu-west-1_abc',
    'AuthenticateCognitoConfig.UserPoolClientId': 'client1',
    'AuthenticateCognitoConfig.UserPoolDomain': 'myapp',
  };
  const forwardApi = async (order = 2) => ({ Type: 'forward', TargetGroupArn: (await arns()).tg.Api, Order: order });

  async function createAuthRule(actions: Record<string, string | number>[]): Promise<Xml> {
    const { listener } = await arns();
    const r = await h.elbv2('CreateRule', {
      ListenerArn: listener,
      Priority: 5,
      ...memberParams('Conditions', [privateRule]),
      ...memberParams('Actions', actions),
    });
    return r.Rules.member[0] as Xml;
  }
  async function createAuthRuleError(actions: Record<string, string | number>[]) {
    const { listener } = await arns();
    return h.elbv2Error('CreateRule', {
      ListenerArn: listener,
      Priority: 5,
      ...memberParams('Conditions', [privateRule]),
      ...memberParams('Actions', actions),
    });
  }
  test('§4.3 CreateRule authenticate-oidc + forward: AuthenticateOidcConfig with the defaults; the next request is sent to log in, and after the login forwarded with x-amzn-oidc-*', async () => {
    const rule = await createAuthRule([
      {
        ...OIDC,
        'AuthenticateOidcConfig.Scope': 'openid email',
        'AuthenticateOidcConfig.AuthenticationRequestExtraParams.entry.1.key': 'prompt',
        'AuthenticateOidcConfig.AuthenticationRequestExtraParams.entry.1.value': 'login',
      },
      await forwardApi(),
    ]);
    const described = (await describeRules((await arns()).listener)).find((r) => r.RuleArn === rule.RuleArn)!;
    for (const r of [rule, described]) {
      expect(r.Actions.member[0]).toEqual({
        Type: 'authenticate-oidc',
        Order: '1',
        AuthenticateOidcConfig: {
          Issuer: 'https://idp.example.com',
          AuthorizationEndpoint: 'https://idp.example.com/authorize',
          TokenEndpoint: 'https://idp.example.com/token',
          UserInfoEndpoint: 'https://idp.example.com/userinfo',
          ClientId: 'app-client',
          OnUnauthenticatedRequest: 'authenticate',
          Scope: 'openid email',
          SessionCookieName: 'AWSELBAuthSessionCookie',
          SessionTimeout: '604800',
          // a Query map: <entry><key/><value/></entry>, as the SDKs read it
          AuthenticationRequestExtraParams: { entry: { key: 'prompt', value: 'login' } },
        },
      });
      expect(r.Actions.member[1]).toMatchObject({ Type: 'forward', Order: '2', TargetGroupArn: (await arns()).tg.Api });
    }

    // the next request: 302 to the authorization endpoint (the test identity provider stands in for it)
    const first = send('/private/page', {}, 'a=1');
    expect(first.status).toBe(302);
    const location = new URL(headerOf(first, 'location')[0]!);
    expect(`${location.origin}${location.pathname}`).toBe(sim.testIdp.endpoints.authorizationEndpoint);
    expect(location.searchParams.get('client_id')).toBe('app-client');
    expect(location.searchParams.get('scope')).toBe('openid email');
    expect(location.searchParams.get('prompt')).toBe('login');
    expect(routeOf('/public')).toBe(IDS.tg('App'));

    // the login: identity provider → /oauth2/idpresponse → session cookie → forwarded with the identity
    const back = idpRedirect(sim, location);
    const callback = send(back.pathname, { cookie: cookieJar(headerOf(first, 'set-cookie')) }, back.search.slice(1));
    expect(callback.status).toBe(302);
    expect(headerOf(callback, 'location')).toEqual(['https://www.example.com/private/page?a=1']);
    const page = send('/private/page', { cookie: cookieJar(headerOf(callback, 'set-cookie')) });
    expect(page.decision).toMatchObject({ kind: 'forward', targetGroupId: IDS.tg('Api') });
    expect(forwardedHeader(page, 'x-amzn-oidc-identity')).toEqual(['alice']);
    expect(forwardedHeader(page, 'x-amzn-oidc-data')).toHaveLength(1);
  });

  test('§4.3 CreateRule authenticate-cognito with OnUnauthenticatedRequest deny: AuthenticateCognitoConfig; the next request gets 401', async () => {
    const rule = await createAuthRule([
      { ...COGNITO, 'AuthenticateCognitoConfig.OnUnauthenticatedRequest': 'deny' },
      await forwardApi(),
    ]);
    expect(rule.Actions.member[0]).toEqual({
      Type: 'authenticate-cognito',
      Order: '1',
      AuthenticateCognitoConfig: {
        UserPoolArn: 'arn:aws:cognito-idp:eu-west-1:111122223333:userpool/eu-west-1_abc',
        UserPoolClientId: 'client1',
        UserPoolDomain: 'myapp',
        OnUnauthenticatedRequest: 'deny',
        Scope: 'openid',
        SessionCookieName: 'AWSELBAuthSessionCookie',
        SessionTimeout: '604800',
      },
    });
    const r = send('/private/x');
    expect(r.status).toBe(401);
    expect(r.forwarded).toBeUndefined();
  });

  test('§4.3 ModifyRule replaces the actions: allow forwards without identity, forward alone drops authentication; UseExistingClientSecret keeps the secret', async () => {
    const rule = await createAuthRule([OIDC, await forwardApi()]);
    expect(send('/private/x').status).toBe(302);

    const { 'AuthenticateOidcConfig.ClientSecret': _secret, ...withoutSecret } = OIDC;
    const allow = await h.elbv2('ModifyRule', {
      RuleArn: rule.RuleArn,
      ...memberParams('Actions', [
        {
          ...withoutSecret,
          'AuthenticateOidcConfig.UseExistingClientSecret': 'true',
          'AuthenticateOidcConfig.OnUnauthenticatedRequest': 'allow',
        },
        await forwardApi(),
      ]),
    });
    expect(allow.Rules.member[0].Actions.member[0].AuthenticateOidcConfig.OnUnauthenticatedRequest).toBe('allow');
    const action = h.model().listeners[0]!.rules.find((r) => r.priority === 5)!.actions[0]!;
    expect(action).toMatchObject({
      type: 'authenticate-oidc',
      clientSecret: 's3cret',
      onUnauthenticatedRequest: 'allow',
    });
    const allowed = send('/private/x', { 'x-amzn-oidc-identity': 'mallory' });
    expect(allowed.decision).toMatchObject({ kind: 'forward', targetGroupId: IDS.tg('Api') });
    expect(forwardedHeader(allowed, 'x-amzn-oidc-identity')).toEqual([]);

    const noSecret = await h.elbv2Error('ModifyRule', {
      RuleArn: rule.RuleArn,
      ...memberParams('Actions', [withoutSecret, await forwardApi()]),
    });
    expect([noSecret.code, noSecret.message]).toEqual([
      'ValidationError',
      'An authenticate-oidc action needs AuthenticateOidcConfig.ClientSecret (or, when modifying one, UseExistingClientSecret)',
    ]);

    const plain = await h.elbv2('ModifyRule', {
      RuleArn: rule.RuleArn,
      ...memberParams('Actions', [{ Type: 'forward', TargetGroupArn: (await arns()).tg.App }]),
    });
    expect(plain.Rules.member[0].Actions.member.map((a: Xml) => a.Type)).toEqual(['forward']);
    const r = send('/private/x');
    expect(r.decision).toMatchObject({ kind: 'forward', targetGroupId: IDS.tg('App') });
    expect(r.forwarded?.path).toBe('/private/x');
  });

  test.each([
    [
      'authenticate-oidc without AuthenticateOidcConfig',
      [{ Type: 'authenticate-oidc', Order: 1 }],
      'An authenticate-oidc action needs AuthenticateOidcConfig',
    ],
    [
      'authenticate-cognito without AuthenticateCognitoConfig',
      [{ Type: 'authenticate-cognito', Order: 1 }],
      'An authenticate-cognito action needs AuthenticateCognitoConfig',
    ],
    [
      'authenticate-oidc without ClientSecret',
      [{ ...OIDC, 'AuthenticateOidcConfig.ClientSecret': '' }],
      'An authenticate-oidc action needs AuthenticateOidcConfig.ClientSecret (or, when modifying one, UseExistingClientSecret)',
    ],
    [
      'UseExistingClientSecret on a new rule',
      [
        {
          ...OIDC,
          'AuthenticateOidcConfig.ClientSecret': '',
          'AuthenticateOidcConfig.UseExistingClientSecret': 'true',
        },
      ],
      'UseExistingClientSecret needs an existing authenticate-oidc action; give AuthenticateOidcConfig.ClientSecret',
    ],
    [
      'an http:// Issuer',
      [{ ...OIDC, 'AuthenticateOidcConfig.Issuer': 'http://idp.example.com' }],
      "Issuer 'http://idp.example.com' is not valid; allowed: a full URL with the https:// scheme",
    ],
    [
      'no TokenEndpoint',
      [{ ...OIDC, 'AuthenticateOidcConfig.TokenEndpoint': '' }],
      "1 validation error detected: Value 'null' at 'actions.1.member.authenticateOidcConfig.tokenEndpoint' failed to satisfy constraint: Member must not be null",
    ],
    [
      'no UserPoolDomain',
      [{ ...COGNITO, 'AuthenticateCognitoConfig.UserPoolDomain': '' }],
      "1 validation error detected: Value 'null' at 'actions.1.member.authenticateCognitoConfig.userPoolDomain' failed to satisfy constraint: Member must not be null",
    ],
    [
      'OnUnauthenticatedRequest redirect',
      [{ ...OIDC, 'AuthenticateOidcConfig.OnUnauthenticatedRequest': 'redirect' }],
      "1 validation error detected: Value 'redirect' at 'actions.1.member.authenticateOidcConfig.onUnauthenticatedRequest' failed to satisfy constraint: Member must satisfy enum value set: [deny, allow, authenticate]",
    ],
    [
      'SessionTimeout 0',
      [{ ...COGNITO, 'AuthenticateCognitoConfig.SessionTimeout': 0 }],
      "1 validation error detected: Value '0' at 'actions.1.member.authenticateCognitoConfig.sessionTimeout' failed to satisfy constraint: Member must have value between 1-604800",
    ],
    [
      '11 AuthenticationRequestExtraParams',
      [
        {
          ...OIDC,
          ...Object.fromEntries(
            Array.from({ length: 11 }, (_, i) => [
              [`AuthenticateOidcConfig.AuthenticationRequestExtraParams.entry.${i + 1}.key`, `k${i}`],
              [`AuthenticateOidcConfig.AuthenticationRequestExtraParams.entry.${i + 1}.value`, 'v'],
            ]).flat(),
          ),
        },
      ],
      'At most 10 AuthenticationRequestExtraParams are allowed',
    ],
  ])('§4.3 CreateRule with %s → ValidationError', async (_what, auth, message) => {
    const e = await createAuthRuleError([...auth, await forwardApi()]);
    expect([e.code, e.message]).toEqual(['ValidationError', message]);
    expect((await arns()).rules.map((r) => r.Priority)).toEqual(['10', 'default']);
  });

  const TERMINAL_LAST = 'There must be exactly one forward, redirect or fixed-response action, and it must be the last';
  test('§4.3 authenticate must come before the terminal action: after it, alone, or with the same Order → ValidationError', async () => {
    const after = await createAuthRuleError([{ ...OIDC, Order: 2 }, await forwardApi(1)]);
    expect([after.code, after.message]).toEqual(['ValidationError', TERMINAL_LAST]);
    const alone = await createAuthRuleError([OIDC]);
    expect([alone.code, alone.message]).toEqual(['ValidationError', TERMINAL_LAST]);
    const same = await createAuthRuleError([OIDC, await forwardApi(1)]);
    expect([same.code, same.message]).toEqual(['ValidationError', 'Action orders must be unique']);
    expect((await arns()).rules.map((r) => r.Priority)).toEqual(['10', 'default']);
  });

  test('§4.3 authenticate actions only on HTTPS listeners: on an HTTP listener → ValidationError', async () => {
    setup('HTTP');
    const e = await createAuthRuleError([COGNITO, await forwardApi()]);
    expect([e.code, e.message]).toEqual([
      'ValidationError',
      'Authenticate actions are supported only on HTTPS listeners',
    ]);
  });
});
