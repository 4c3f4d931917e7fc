/**
 * The simulator's model builder reads every template shape the constructs now write: regex
 * conditions, rule transforms, authenticate actions, mutual TLS, WAF, LCU reservations and the new
 * load-balancer attributes. Regex conditions, transforms, authenticate actions and mutual TLS become
 * model features the simulator runs; what it cannot simulate yet (WAF) is reported in `model.issues`,
 * never dropped silently and never a crash.
 */
import { Duration, SecretValue } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { modelFromTemplate } from '@ha-load-balancer/local-sim';
import {
  FailoverRole,
  ListenerAction,
  ListenerCondition,
  MutualTls,
  RuleTransform,
  UnauthenticatedAction,
  XffHeaderProcessingMode,
} from '../lib';
import { alb, CERT } from './support/fixtures';

describe('simulator model: the new template shapes are read, and what is not simulated is reported', () => {
  function build() {
    const { stack, lb } = alb({
      accessLogs: true,
      connectionLogs: true,
      clientKeepAlive: Duration.minutes(10),
      preserveHostHeader: true,
      xffHeaderProcessingMode: XffHeaderProcessingMode.REMOVE,
      minimumCapacityUnits: 100,
      webAclArn: 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/web/0123',
      wafFailOpen: true,
      failover: {
        zone: { hostedZoneId: 'Z1', zoneName: 'Example.com' },
        recordName: 'WWW',
        role: FailoverRole.PRIMARY,
        healthCheck: {},
      },
    });
    const trustStore = new elbv2.TrustStore(stack, 'TrustStore', { bucket: new s3.Bucket(stack, 'Ca'), key: 'ca.pem' });
    const site = lb.addTargetGroup('Site', { port: 8080 });
    const https = lb.addHttpsListener('Https', {
      certificates: [CERT],
      mutualTls: MutualTls.verify(trustStore),
      defaultAction: ListenerAction.forward([site]),
    });
    https.addRule('Regex', {
      conditions: [ListenerCondition.pathPatternRegex(['^/v[0-9]+/'])],
      action: ListenerAction.forward([site]),
    });
    https.addRule('Rewrite', {
      conditions: [ListenerCondition.pathPatterns(['/dp/*'])],
      transforms: [RuleTransform.urlRewrite({ regex: '^/dp/(.*)$', replace: '/p?id=$1' })],
      action: ListenerAction.forward([site]),
    });
    https.addRule('Private', {
      conditions: [ListenerCondition.pathPatterns(['/private/*'])],
      action: ListenerAction.authenticateOidc(
        {
          issuer: 'https://idp.example.com',
          authorizationEndpoint: 'https://idp.example.com/authorize',
          tokenEndpoint: 'https://idp.example.com/token',
          userInfoEndpoint: 'https://idp.example.com/userinfo',
          clientId: 'web',
          clientSecret: SecretValue.unsafePlainText('not-a-secret'),
          onUnauthenticatedRequest: UnauthenticatedAction.DENY,
        },
        ListenerAction.forward([site]),
      ),
    });
    return stack;
  }

  test('the model is built; only what the simulator does not run (WAF) is an issue naming its resource', () => {
    const model = modelFromTemplate(Template.fromStack(build()).toJSON(), 'Test');
    const issues = model.issues.map((i) => `${i.severity} ${i.resourcePath}: ${i.what}`);
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^warning Test\/WebWebAcl[0-9A-F]{8}: AWS::WAFv2::WebACLAssociation$/),
      ]),
    );
    // regex conditions, transforms, authenticate actions and mutual TLS are simulated: no issue for them
    expect(issues.filter((i) => /RegexValues|Transforms|authenticate|MutualAuthentication/.test(i))).toEqual([]);
    // The new attributes are known keys, and the connection-log bucket (a Ref) only names a bucket.
    expect(model.issues.filter((i) => /attribute/.test(i.what))).toEqual([]);
    const lb = model.loadBalancers[0];
    expect(lb.attributes).toMatchObject({
      clientKeepAliveSeconds: 600,
      preserveHostHeader: true,
      xffHeaderProcessingMode: 'remove',
    });
  });

  test("§4.2, §4.3, §5.1 the constructs' regex rule, transform, authenticate action and mutual TLS reach the model", () => {
    const model = modelFromTemplate(Template.fromStack(build()).toJSON(), 'Test');
    const https = model.listeners.find((l) => l.protocol === 'HTTPS')!;
    expect(https.rules.map((r) => r.priority)).toEqual([10, 20, 30]);
    expect(https.rules[0]!.conditions).toEqual([{ field: 'path-pattern', values: [], regexValues: ['^/v[0-9]+/'] }]);
    expect(https.rules[1]!.transforms).toEqual([
      { type: 'url-rewrite', rewrites: [{ regex: '^/dp/(.*)$', replace: '/p?id=$1' }] },
    ]);
    const priv = https.rules[2]!;
    expect(priv.actions.map((a) => a.type)).toEqual(['authenticate-oidc', 'forward']);
    expect(priv.actions[0]).toMatchObject({
      onUnauthenticatedRequest: 'deny',
      clientId: 'web',
      clientSecret: 'not-a-secret',
      tokenEndpoint: 'https://idp.example.com/token',
    });
    expect(https.mutualAuthentication).toMatchObject({
      mode: 'verify',
      trustStore: { id: expect.stringMatching(/^Test\/TrustStore/) },
    });
  });
});
