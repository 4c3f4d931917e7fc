import { Duration, SecretValue } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  DesyncMitigationMode,
  ListenerAction,
  ListenerCondition,
  MutualTls,
  RuleTransform,
  UnauthenticatedAction,
  XffHeaderProcessingMode,
} from '../lib';
import { alb, CERT, nlb, synthErrors } from './support/fixtures';

const LB = 'AWS::ElasticLoadBalancingV2::LoadBalancer';
const LISTENER = 'AWS::ElasticLoadBalancingV2::Listener';
const RULE = 'AWS::ElasticLoadBalancingV2::ListenerRule';

function attributes(t: Template): Record<string, string> {
  const [lb] = Object.values(t.findResources(LB));
  return Object.fromEntries(
    (lb.Properties.LoadBalancerAttributes as { Key: string; Value: string }[]).map((a) => [a.Key, a.Value]),
  );
}

function httpsListener() {
  const s = alb();
  const listener = s.lb.addHttpsListener('Https', {
    certificates: [CERT],
    defaultAction: ListenerAction.fixedResponse(404),
  });
  return { ...s, listener };
}

describe('§4.3 rule transforms', () => {
  test('host-header-rewrite and url-rewrite are written as Transforms of the rule', () => {
    const { stack, lb, listener } = httpsListener();
    listener.addRule('Products', {
      conditions: [ListenerCondition.pathPatterns(['/dp/*'])],
      transforms: [
        RuleTransform.urlRewrite({ regex: '^/dp/([A-Za-z0-9]+)/?$', replace: '/product.php?id=$1' }),
        RuleTransform.hostHeaderRewrite({ regex: '^www\\.(.+)$', replace: 'internal.$1' }),
      ],
      action: ListenerAction.forward([lb.addTargetGroup('Shop')]),
    });
    Template.fromStack(stack).hasResourceProperties(RULE, {
      Priority: 10,
      Transforms: [
        {
          Type: 'url-rewrite',
          UrlRewriteConfig: { Rewrites: [{ Regex: '^/dp/([A-Za-z0-9]+)/?$', Replace: '/product.php?id=$1' }] },
        },
        {
          Type: 'host-header-rewrite',
          HostHeaderRewriteConfig: { Rewrites: [{ Regex: '^www\\.(.+)$', Replace: 'internal.$1' }] },
        },
      ],
    });
  });

  test('a replacement naming a capture group the regex lacks is warned about (a matching request gets 500)', () => {
    const { stack, listener } = httpsListener();
    listener.addRule('R', {
      conditions: [ListenerCondition.pathPatterns(['/a/*'])],
      transforms: [RuleTransform.urlRewrite({ regex: '^/a/(.*)$', replace: '/b/$2' })],
      action: ListenerAction.fixedResponse(200),
    });
    Annotations.fromStack(stack).hasWarning(
      '/Test/Web/Https/R',
      Match.stringLikeRegexp('HALB_W_TRANSFORM_GROUP.*replace uses \\$2 but the regex has 1 capture group'),
    );
  });

  test('rules without transforms have no Transforms property', () => {
    const { stack, listener } = httpsListener();
    listener.addRule('R', {
      conditions: [ListenerCondition.pathPatterns(['/a'])],
      action: ListenerAction.fixedResponse(200),
    });
    Template.fromStack(stack).hasResourceProperties(RULE, { Transforms: Match.absent() });
  });
});

describe('§4.2 RegexValues conditions', () => {
  test('host-header, path-pattern and http-header regexes are written as RegexValues, beside value conditions', () => {
    const { stack, listener } = httpsListener();
    listener.addRule('Api', {
      conditions: [
        ListenerCondition.httpRequestMethods(['GET']),
        ListenerCondition.hostHeaderRegex(['^(api|www)\\.example\\.com$']),
        ListenerCondition.pathPatternRegex(['^/v[0-9]+/']),
        ListenerCondition.httpHeaderRegex('X-Tenant', ['^t-[0-9]{4}$']),
      ],
      action: ListenerAction.fixedResponse(200),
    });
    Template.fromStack(stack).hasResourceProperties(RULE, {
      Conditions: [
        { Field: 'http-request-method', HttpRequestMethodConfig: { Values: ['GET'] } },
        { Field: 'host-header', HostHeaderConfig: { RegexValues: ['^(api|www)\\.example\\.com$'] } },
        { Field: 'path-pattern', PathPatternConfig: { RegexValues: ['^/v[0-9]+/'] } },
        {
          Field: 'http-header',
          HttpHeaderConfig: { HttpHeaderName: 'X-Tenant', RegexValues: ['^t-[0-9]{4}$'] },
        },
      ],
    });
  });

  test('regex values count towards the five values of a rule but carry no wildcards', () => {
    const { listener } = httpsListener();
    expect(() =>
      listener.addRule('R', {
        conditions: [
          ListenerCondition.pathPatternRegex(['^/a/.*$', '^/b/.*$', '^/c/.*$']),
          ListenerCondition.hostHeaderRegex(['^x.*$', '^y.*$']),
        ],
        action: ListenerAction.fixedResponse(200),
      }),
    ).not.toThrow();
    expect(() =>
      listener.addRule('S', {
        conditions: [
          ListenerCondition.pathPatternRegex(['^/a/.*$', '^/b/.*$', '^/c/.*$']),
          ListenerCondition.hostHeaderRegex(['^x.*$', '^y.*$']),
          ListenerCondition.httpHeaderRegex('X-A', ['^z$']),
        ],
        action: ListenerAction.fixedResponse(200),
      }),
    ).toThrow(/\[HALB_RULE_VALUES\].*condition values in total: 6 given; allowed: at most 5/);
  });
});

describe('§4.3 authenticate actions', () => {
  const oidc = {
    issuer: 'https://idp.example.com',
    authorizationEndpoint: 'https://idp.example.com/authorize',
    tokenEndpoint: 'https://idp.example.com/token',
    userInfoEndpoint: 'https://idp.example.com/userinfo',
    clientId: 'web',
    clientSecret: SecretValue.unsafePlainText('not-a-secret'),
  };

  test('authenticate-oidc runs before the forward of an HTTPS default action, with OnUnauthenticatedRequest', () => {
    const { stack, lb } = alb();
    const site = lb.addTargetGroup('Site');
    lb.addHttpsListener('Https', {
      certificates: [CERT],
      defaultAction: ListenerAction.authenticateOidc(
        {
          ...oidc,
          onUnauthenticatedRequest: UnauthenticatedAction.DENY,
          sessionTimeout: Duration.hours(8),
          scope: 'openid email',
        },
        ListenerAction.forward([site]),
      ),
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties(LISTENER, {
      Protocol: 'HTTPS',
      DefaultActions: [
        {
          Type: 'authenticate-oidc',
          Order: 1,
          AuthenticateOidcConfig: Match.objectLike({
            Issuer: 'https://idp.example.com',
            AuthorizationEndpoint: 'https://idp.example.com/authorize',
            ClientId: 'web',
            OnUnauthenticatedRequest: 'deny',
            SessionTimeout: '28800',
            Scope: 'openid email',
          }),
        },
        { Type: 'forward', Order: 2, TargetGroupArn: Match.anyValue() },
      ],
    });
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupEgress: Match.arrayWith([Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443 })]),
    });
  });

  test.each([UnauthenticatedAction.ALLOW, UnauthenticatedAction.AUTHENTICATE])(
    'OnUnauthenticatedRequest %s is written as given',
    (on) => {
      const { stack, listener } = httpsListener();
      listener.addRule('Private', {
        conditions: [ListenerCondition.pathPatterns(['/private/*'])],
        action: ListenerAction.authenticateOidc(
          { ...oidc, onUnauthenticatedRequest: on },
          ListenerAction.fixedResponse(200),
        ),
      });
      Template.fromStack(stack).hasResourceProperties(RULE, {
        Actions: [
          Match.objectLike({
            Type: 'authenticate-oidc',
            AuthenticateOidcConfig: Match.objectLike({ OnUnauthenticatedRequest: on }),
          }),
          Match.objectLike({ Type: 'fixed-response' }),
        ],
      });
    },
  );

  test('authenticate-cognito on a rule, then forward; the forwarded target group counts as in use', () => {
    const { stack, lb, listener } = httpsListener();
    const pool = new cognito.UserPool(stack, 'Pool');
    const client = pool.addClient('Client', {
      generateSecret: true,
      oAuth: { callbackUrls: ['https://www.example.com/oauth2/idpresponse'] },
    });
    const domain = pool.addDomain('Domain', { cognitoDomain: { domainPrefix: 'example-web' } });
    const admin = lb.addTargetGroup('Admin');
    listener.addRule('Admin', {
      conditions: [ListenerCondition.pathPatterns(['/admin/*'])],
      action: ListenerAction.authenticateCognito(
        { userPool: pool, userPoolClient: client, userPoolDomain: domain },
        ListenerAction.forward([admin]),
      ),
    });
    expect(admin.inUse).toBe(true);
    Template.fromStack(stack).hasResourceProperties(RULE, {
      Actions: [
        Match.objectLike({
          Type: 'authenticate-cognito',
          Order: 1,
          AuthenticateCognitoConfig: Match.objectLike({
            UserPoolArn: Match.anyValue(),
            UserPoolClientId: Match.anyValue(),
          }),
        }),
        Match.objectLike({ Type: 'forward', Order: 2 }),
      ],
    });
  });

  test('on an NLB an authenticate action is HALB_NLB_ACTION', () => {
    const { lb } = nlb();
    expect(() =>
      lb.addTlsListener('Tls', {
        port: 443,
        certificates: [CERT],
        defaultAction: ListenerAction.authenticateOidc(oidc, ListenerAction.forward([lb.addTargetGroup('T')])),
      }),
    ).toThrow(/\[HALB_NLB_ACTION\].*is an authenticate-oidc action; allowed on a Network Load Balancer/);
  });
});

describe('§5.1–5.3, §8.2 load-balancer attributes as typed props', () => {
  test('client keep-alive, host header, X-Forwarded-For, desync, invalid headers and WAF fail-open become attributes', () => {
    const { stack } = alb({
      clientKeepAlive: Duration.minutes(10),
      preserveHostHeader: true,
      xffHeaderProcessingMode: XffHeaderProcessingMode.PRESERVE,
      preserveXffClientPort: true,
      desyncMitigationMode: DesyncMitigationMode.STRICTEST,
      dropInvalidHeaderFields: true,
      wafFailOpen: true,
    });
    expect(attributes(Template.fromStack(stack))).toMatchObject({
      'client_keep_alive.seconds': '600',
      'routing.http.preserve_host_header.enabled': 'true',
      'routing.http.xff_header_processing.mode': 'preserve',
      'routing.http.xff_client_port.enabled': 'true',
      'routing.http.desync_mitigation_mode': 'strictest',
      'routing.http.drop_invalid_header_fields.enabled': 'true',
      'waf.fail_open.enabled': 'true',
    });
  });

  test('connection logs share the access-log bucket unless given their own', () => {
    const { stack } = alb({ accessLogs: true, connectionLogs: { prefix: 'conn' } });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::S3::Bucket', 1);
    expect(attributes(t)).toMatchObject({
      'access_logs.s3.enabled': 'true',
      'connection_logs.s3.enabled': 'true',
      'connection_logs.s3.prefix': 'conn',
    });
  });

  test('connection logs alone get a bucket of their own', () => {
    const { stack, lb } = alb({ connectionLogs: true });
    Template.fromStack(stack).resourceCountIs('AWS::S3::Bucket', 1);
    expect(lb.connectionLogsBucket).toBeDefined();
    expect(lb.accessLogsBucket).toBeUndefined();
  });

  test('minimum capacity units become MinimumLoadBalancerCapacity (ALB and NLB)', () => {
    Template.fromStack(alb({ minimumCapacityUnits: 200 }).stack).hasResourceProperties(LB, {
      MinimumLoadBalancerCapacity: { CapacityUnits: 200 },
    });
    Template.fromStack(nlb({ minimumCapacityUnits: 5500 }).stack).hasResourceProperties(LB, {
      Type: 'network',
      MinimumLoadBalancerCapacity: { CapacityUnits: 5500 },
    });
  });

  test('an NLB with reserved capacity cannot have TLS listeners (HALB_LB_CAPACITY_TLS, at synth)', () => {
    const { app, lb } = nlb({ minimumCapacityUnits: 5500 });
    lb.addTlsListener('Tls', {
      port: 443,
      certificates: [CERT],
      defaultAction: ListenerAction.forward([lb.addTargetGroup('T')]),
    });
    expect(synthErrors(app).join('\n')).toMatch(
      /\[HALB_LB_CAPACITY_TLS\] Test\/Web: minimumCapacityUnits is set on a Network Load Balancer with TLS listener\(s\) 'Tls'/,
    );
  });

  test('a WAF web ACL is associated with the load balancer', () => {
    const arn = 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/web/0123-abcd';
    const { stack, lb } = alb({ webAclArn: arn });
    Template.fromStack(stack).hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      WebACLArn: arn,
      ResourceArn: { Ref: Match.stringLikeRegexp('Web') },
    });
    expect(lb.webAclAssociation).toBeDefined();
  });

  test('mutual TLS verify with a trust store, and passthrough', () => {
    const { stack, lb } = alb();
    const bucket = new s3.Bucket(stack, 'Ca');
    const trustStore = new elbv2.TrustStore(stack, 'TrustStore', { bucket, key: 'ca.pem' });
    lb.addHttpsListener('Verify', {
      certificates: [CERT],
      mutualTls: MutualTls.verify(trustStore, { advertiseTrustStoreCaNames: true }),
      defaultAction: ListenerAction.fixedResponse(200),
    });
    lb.addHttpsListener('Pass', {
      port: 8443,
      certificates: [CERT],
      mutualTls: MutualTls.passthrough(),
      defaultAction: ListenerAction.fixedResponse(200),
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties(LISTENER, {
      Port: 443,
      MutualAuthentication: Match.objectLike({
        Mode: 'verify',
        TrustStoreArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('TrustStore'), 'TrustStoreArn'] },
        AdvertiseTrustStoreCaNames: 'on',
      }),
    });
    t.hasResourceProperties(LISTENER, { Port: 8443, MutualAuthentication: Match.objectLike({ Mode: 'passthrough' }) });
  });

  test('mutual TLS on an HTTP listener is HALB_LISTENER_MUTUAL_TLS', () => {
    const { lb } = alb();
    expect(() =>
      // JavaScript callers can pass any prop; the listener checks its protocol itself.
      lb.addHttpListener('Http', {
        defaultAction: ListenerAction.fixedResponse(200),
        ...({ mutualTls: MutualTls.passthrough() } as object),
      }),
    ).toThrow(
      /\[HALB_LISTENER_MUTUAL_TLS\] Test\/Web\/Http: mutualTls is set on a HTTP listener; allowed: mutual TLS only on HTTPS listeners/,
    );
  });
});
