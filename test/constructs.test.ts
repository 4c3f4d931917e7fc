import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { InstanceTarget, IpTarget, LambdaTarget } from 'aws-cdk-lib/aws-elasticloadbalancingv2-targets';
import {
  Algorithm,
  DesyncMitigationMode,
  FailoverRole,
  HaLoadBalancer,
  IpAddressType,
  ListenerAction,
  ListenerCondition,
  LoadBalancerType,
  Stickiness,
  TargetGroupProtocol,
  TargetKind,
} from '../lib';
import { alb, CERT, nlb, stackWithVpc } from './support/fixtures';

const LB = 'AWS::ElasticLoadBalancingV2::LoadBalancer';
const LISTENER = 'AWS::ElasticLoadBalancingV2::Listener';
const RULE = 'AWS::ElasticLoadBalancingV2::ListenerRule';
const TG = 'AWS::ElasticLoadBalancingV2::TargetGroup';

/** Some resource of `type` has every `Key`/`Value` pair in its attribute list, in any order. */
function expectAttributes(t: Template, type: string, prop: string, expected: Record<string, string>): void {
  const lists = Object.values(t.findResources(type)).map((r) =>
    Object.fromEntries(((r.Properties?.[prop] ?? []) as { Key: string; Value: string }[]).map((a) => [a.Key, a.Value])),
  );
  expect(lists).toContainEqual(expect.objectContaining(expected));
}

/** Some security group has an ingress rule like each of `rules`, in any order. */
function expectIngress(t: Template, rules: object[]): void {
  for (const rule of rules) {
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: Match.arrayWith([Match.objectLike(rule)]),
    });
  }
}

describe('load balancer', () => {
  test('an internet-facing ALB spans two Availability Zones with its own security group', () => {
    const { stack } = alb();
    const t = Template.fromStack(stack);
    t.hasResourceProperties(LB, {
      Type: 'application',
      Scheme: 'internet-facing',
    });
    t.resourceCountIs('AWS::EC2::SecurityGroup', 1);
    expect(Object.values(t.findResources(LB))[0].Properties.Subnets).toHaveLength(2);
  });

  test('ALB attributes: deletion protection, invalid header fields, desync mitigation, idle timeout', () => {
    const { stack } = alb({
      deletionProtection: true,
      dropInvalidHeaderFields: true,
      desyncMitigationMode: DesyncMitigationMode.STRICTEST,
      idleTimeout: Duration.seconds(120),
    });
    expectAttributes(Template.fromStack(stack), LB, 'LoadBalancerAttributes', {
      'deletion_protection.enabled': 'true',
      'routing.http.drop_invalid_header_fields.enabled': 'true',
      'routing.http.desync_mitigation_mode': 'strictest',
      'idle_timeout.timeout_seconds': '120',
    });
  });

  test('an internal load balancer admits only its VPC', () => {
    const { stack, lb } = alb({ internetFacing: false });
    lb.addHttpListener('Http', { defaultAction: ListenerAction.fixedResponse(404) });
    const t = Template.fromStack(stack);
    t.hasResourceProperties(LB, { Scheme: 'internal' });
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [
        Match.objectLike({
          CidrIp: { 'Fn::GetAtt': [Match.stringLikeRegexp('Vpc'), 'CidrBlock'] },
          FromPort: 80,
          ToPort: 80,
        }),
      ],
    });
  });

  test('dual-stack opens listeners to IPv4 and IPv6 clients', () => {
    const { stack, lb } = alb({ ipAddressType: IpAddressType.DUAL_STACK });
    lb.addHttpListener('Http', { defaultAction: ListenerAction.fixedResponse(404) });
    const t = Template.fromStack(stack);
    t.hasResourceProperties(LB, { IpAddressType: 'dualstack' });
    expectIngress(t, [
      { CidrIp: '0.0.0.0/0', FromPort: 80 },
      { CidrIpv6: '::/0', FromPort: 80 },
    ]);
  });

  test('accessLogs: true creates an encrypted, TLS-only bucket with the policy ELB log delivery needs', () => {
    const { stack } = alb({ accessLogs: true });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: Match.objectLike({ BlockPublicAcls: true, RestrictPublicBuckets: true }),
    });
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Action: 's3:PutObject', Effect: 'Allow', Principal: { AWS: Match.anyValue() } }),
        ]),
      },
    });
    expectAttributes(t, LB, 'LoadBalancerAttributes', { 'access_logs.s3.enabled': 'true' });
  });

  test('access logs to a supplied bucket and prefix', () => {
    const { stack, vpc } = stackWithVpc();
    const bucket = new s3.Bucket(stack, 'Logs');
    new HaLoadBalancer(stack, 'Web', { vpc, accessLogs: { bucket, prefix: 'web' } });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::S3::Bucket', 1);
    expectAttributes(t, LB, 'LoadBalancerAttributes', { 'access_logs.s3.prefix': 'web' });
  });

  test('grantReadAccessLogs lets a principal read the log bucket', () => {
    const { stack, lb } = alb({ accessLogs: true });
    const role = new iam.Role(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() });
    lb.grantReadAccessLogs(role);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['s3:GetObject*']) })]),
      },
    });
  });

  test('grantReadAccessLogs without access logs is an error', () => {
    const { stack, lb } = alb();
    const role = new iam.Role(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() });
    expect(() => lb.grantReadAccessLogs(role)).toThrow(/\[HALB_ACCESS_LOGS_OFF\] Test\/Web/);
  });

  test('without access logs the synth output warns', () => {
    const { stack } = alb();
    Annotations.fromStack(stack).hasWarning('/Test/Web', Match.stringLikeRegexp('HALB_W_NO_ACCESS_LOGS'));
  });
});

describe('listeners', () => {
  test('HTTPS uses a modern TLS policy by default and redirectHttp adds a 301 from port 80', () => {
    const { stack, lb } = alb();
    lb.addHttpsListener('Https', {
      certificates: [CERT],
      redirectHttp: true,
      defaultAction: ListenerAction.fixedResponse(200),
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties(LISTENER, {
      Protocol: 'HTTPS',
      Port: 443,
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      Certificates: [{ CertificateArn: CERT.certificateArn }],
    });
    t.hasResourceProperties(LISTENER, {
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: [
        { Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } },
      ],
    });
    expectIngress(t, [
      { FromPort: 443, CidrIp: '0.0.0.0/0' },
      { FromPort: 80, CidrIp: '0.0.0.0/0' },
    ]);
  });

  test.each(['HTTPS first', 'HTTP first'])(
    'a plain HTTP listener beside HTTPS is warned about, whichever is declared first (%s)',
    (order) => {
      const { stack, lb } = alb();
      const https = () =>
        lb.addHttpsListener('Https', { certificates: [CERT], defaultAction: ListenerAction.fixedResponse(200) });
      if (order === 'HTTPS first') https();
      lb.addHttpListener('Http', { defaultAction: ListenerAction.fixedResponse(200) });
      if (order === 'HTTP first') https();
      Annotations.fromStack(stack).hasWarning('/Test/Web/Http', Match.stringLikeRegexp('HALB_W_HTTP_WITHOUT_REDIRECT'));
    },
  );

  test('the HTTP redirect listener of redirectHttp is not warned about', () => {
    const { stack, lb } = alb();
    lb.addHttpsListener('Https', {
      certificates: [CERT],
      redirectHttp: true,
      defaultAction: ListenerAction.fixedResponse(200),
    });
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('HALB_W_HTTP_WITHOUT_REDIRECT'));
  });

  test('NLB TCP, UDP, TCP_UDP and TLS listeners, with ALPN on TLS', () => {
    const { stack, lb } = nlb({ crossZone: true });
    lb.addTcpListener('Tcp', {
      port: 5432,
      defaultAction: ListenerAction.forward([lb.addTargetGroup('Pg', { port: 5432 })]),
    });
    lb.addUdpListener('Udp', {
      port: 53,
      defaultAction: ListenerAction.forward([
        lb.addTargetGroup('Dns', { port: 53, protocol: TargetGroupProtocol.UDP }),
      ]),
    });
    lb.addTcpUdpListener('Both', {
      port: 5060,
      defaultAction: ListenerAction.forward([
        lb.addTargetGroup('Sip', { port: 5060, protocol: TargetGroupProtocol.TCP_UDP }),
      ]),
    });
    lb.addTlsListener('Tls', {
      port: 443,
      certificates: [CERT],
      alpnPolicy: 'HTTP2Preferred',
      defaultAction: ListenerAction.forward([lb.addTargetGroup('Web', { port: 8443 })]),
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties(LB, { Type: 'network' });
    expectAttributes(t, LB, 'LoadBalancerAttributes', { 'load_balancing.cross_zone.enabled': 'true' });
    for (const [Protocol, Port] of [
      ['TCP', 5432],
      ['UDP', 53],
      ['TCP_UDP', 5060],
    ] as const) {
      t.hasResourceProperties(LISTENER, { Protocol, Port });
    }
    t.hasResourceProperties(LISTENER, {
      Protocol: 'TLS',
      Port: 443,
      AlpnPolicy: ['HTTP2Preferred'],
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
    });
    expectIngress(t, [
      { IpProtocol: 'udp', FromPort: 53 },
      { IpProtocol: 'tcp', FromPort: 5432 },
    ]);
  });
});

describe('target groups', () => {
  test('health checks: only the fields given are written, AWS defaults stay implicit', () => {
    const { stack, lb } = alb();
    lb.addTargetGroup('Tg', {
      port: 8080,
      healthCheck: { path: '/health', interval: Duration.seconds(10), healthyThreshold: 3 },
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties(TG, {
      Port: 8080,
      Protocol: 'HTTP',
      HealthCheckPath: '/health',
      HealthCheckIntervalSeconds: 10,
      HealthyThresholdCount: 3,
      HealthCheckTimeoutSeconds: Match.absent(),
      UnhealthyThresholdCount: Match.absent(),
      Matcher: Match.absent(),
    });
  });

  test('algorithm, slow start, deregistration delay and lb_cookie stickiness become attributes', () => {
    const { stack, lb } = alb();
    lb.addTargetGroup('Site', {
      slowStart: Duration.seconds(60),
      deregistrationDelay: Duration.seconds(30),
      stickiness: Stickiness.lbCookie(Duration.hours(1)),
    });
    lb.addTargetGroup('Api', { algorithm: Algorithm.WEIGHTED_RANDOM, anomalyMitigation: true });
    const t = Template.fromStack(stack);
    expectAttributes(t, TG, 'TargetGroupAttributes', {
      'slow_start.duration_seconds': '60',
      'deregistration_delay.timeout_seconds': '30',
      'stickiness.enabled': 'true',
      'stickiness.type': 'lb_cookie',
      'stickiness.lb_cookie.duration_seconds': '3600',
    });
    expectAttributes(t, TG, 'TargetGroupAttributes', {
      'load_balancing.algorithm.type': 'weighted_random',
      'load_balancing.algorithm.anomaly_mitigation': 'on',
    });
  });

  test('app_cookie stickiness names the application cookie', () => {
    const { stack, lb } = alb();
    lb.addTargetGroup('Tg', { stickiness: Stickiness.appCookie('SESSION', Duration.minutes(30)) });
    expectAttributes(Template.fromStack(stack), TG, 'TargetGroupAttributes', {
      'stickiness.type': 'app_cookie',
      'stickiness.app_cookie.cookie_name': 'SESSION',
      'stickiness.app_cookie.duration_seconds': '1800',
    });
  });

  test('target-group health thresholds for DNS failover and routing failover', () => {
    const { stack, lb } = alb();
    lb.addTargetGroup('Tg', {
      dnsFailover: { count: 2, percentage: 50 },
      routingFailover: { count: 1, percentage: 25 },
    });
    expectAttributes(Template.fromStack(stack), TG, 'TargetGroupAttributes', {
      'target_group_health.dns_failover.minimum_healthy_targets.count': '2',
      'target_group_health.dns_failover.minimum_healthy_targets.percentage': '50',
      'target_group_health.unhealthy_state_routing.minimum_healthy_targets.count': '1',
      'target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage': '25',
    });
  });

  test('NLB: client IP preservation, proxy protocol v2, source_ip stickiness and unhealthy draining', () => {
    const { stack, lb } = nlb();
    lb.addTargetGroup('Tg', {
      port: 5432,
      targetKind: TargetKind.IP,
      preserveClientIp: true,
      proxyProtocolV2: true,
      stickiness: Stickiness.sourceIp(),
      connectionTermination: true,
      unhealthyDrainingInterval: Duration.minutes(5),
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties(TG, { Protocol: 'TCP', TargetType: 'ip' });
    expectAttributes(t, TG, 'TargetGroupAttributes', {
      'preserve_client_ip.enabled': 'true',
      'proxy_protocol_v2.enabled': 'true',
      'stickiness.type': 'source_ip',
      'deregistration_delay.connection_termination.enabled': 'true',
      'target_health_state.unhealthy.connection_termination.enabled': 'false',
      'target_health_state.unhealthy.draining_interval_seconds': '300',
    });
  });

  test('ip and lambda targets', () => {
    const { stack, lb } = alb();
    lb.addTargetGroup('Ips', { targetKind: TargetKind.IP, targets: [new IpTarget('10.0.2.10', 8080)] });
    const fn = new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_20_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler=async()=>({statusCode:200})'),
    });
    lb.addTargetGroup('Fn', { targetKind: TargetKind.LAMBDA, targets: [new LambdaTarget(fn)] });
    const t = Template.fromStack(stack);
    t.hasResourceProperties(TG, { TargetType: 'ip', Targets: [{ Id: '10.0.2.10', Port: 8080 }] });
    t.hasResourceProperties(TG, { TargetType: 'lambda', Port: Match.absent(), Protocol: Match.absent() });
  });

  test('allowTrafficTo opens the traffic port and a differing health-check port to the targets', () => {
    const { stack, vpc, lb } = alb();
    const instance = new ec2.Instance(stack, 'App', {
      vpc,
      instanceType: new ec2.InstanceType('t3.micro'),
      machineImage: ec2.MachineImage.genericLinux({ 'us-east-1': 'ami-12345678' }),
    });
    const tg = lb.addTargetGroup('Tg', {
      port: 8080,
      healthCheck: { port: 8081 },
      targets: [new InstanceTarget(instance)],
    });
    tg.allowTrafficTo(instance);
    lb.addHttpListener('Http', { defaultAction: ListenerAction.forward([tg]) });
    const t = Template.fromStack(stack);
    for (const port of [8080, 8081]) {
      const rule = { IpProtocol: 'tcp', FromPort: port, ToPort: port };
      t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { ...rule, SourceSecurityGroupId: Match.anyValue() });
      t.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
        ...rule,
        DestinationSecurityGroupId: Match.anyValue(),
      });
    }
  });

  test('a target group no listener uses is warned about (its targets would be unused)', () => {
    const { stack, lb } = alb();
    lb.addTargetGroup('Idle');
    Annotations.fromStack(stack).hasWarning('/Test/Web/Idle', Match.stringLikeRegexp('HALB_W_TARGET_GROUP_UNUSED'));
  });

  test('a Lambda target group with cross-zone off is warned about', () => {
    const { stack, lb } = alb();
    lb.addTargetGroup('Fn', { targetKind: TargetKind.LAMBDA, crossZone: false });
    Annotations.fromStack(stack).hasWarning('/Test/Web/Fn', Match.stringLikeRegexp('HALB_W_LAMBDA_CROSS_ZONE'));
  });

  test('weighted_random with stickiness is warned about', () => {
    const { stack, lb } = alb();
    lb.addTargetGroup('Tg', { algorithm: Algorithm.WEIGHTED_RANDOM, stickiness: Stickiness.lbCookie() });
    Annotations.fromStack(stack).hasWarning('/Test/Web/Tg', Match.stringLikeRegexp('HALB_W_STICKY_WEIGHTED_RANDOM'));
  });
});

describe('listener rules', () => {
  function listener() {
    const { stack, lb } = alb();
    const l = lb.addHttpsListener('Https', { certificates: [CERT], defaultAction: ListenerAction.fixedResponse(404) });
    return { stack, lb, l };
  }

  test('§4.1 priorities are allocated in declaration order, ten apart', () => {
    const { l } = listener();
    const p = ['a', 'b', 'c'].map(
      (x) =>
        l.addRule(x, {
          conditions: [ListenerCondition.pathPatterns([`/${x}`])],
          action: ListenerAction.fixedResponse(200),
        }).priority,
    );
    expect(p).toEqual([10, 20, 30]);
  });

  test('appending a rule never renumbers existing rules; explicit priorities fit in between', () => {
    const build = (extra: boolean) => {
      const { stack, l } = listener();
      l.addRule('A', {
        conditions: [ListenerCondition.pathPatterns(['/a'])],
        action: ListenerAction.fixedResponse(200),
      });
      l.addRule('B', {
        conditions: [ListenerCondition.pathPatterns(['/b'])],
        action: ListenerAction.fixedResponse(200),
        priority: 15,
      });
      l.addRule('C', {
        conditions: [ListenerCondition.pathPatterns(['/c'])],
        action: ListenerAction.fixedResponse(200),
      });
      if (extra)
        l.addRule('D', {
          conditions: [ListenerCondition.pathPatterns(['/d'])],
          action: ListenerAction.fixedResponse(200),
        });
      const rules = Template.fromStack(stack).findResources(RULE);
      return Object.fromEntries(
        Object.values(rules).map((r) => [
          r.Properties.Conditions[0].PathPatternConfig.Values[0],
          r.Properties.Priority,
        ]),
      );
    };
    const before = build(false);
    expect(before).toEqual({ '/a': 10, '/b': 15, '/c': 20 });
    expect(build(true)).toEqual({ ...before, '/d': 30 });
  });

  test('§4.2 every condition type', () => {
    const { stack, l } = listener();
    l.addRule('All', {
      conditions: [
        ListenerCondition.hostHeaders(['api.example.com']),
        ListenerCondition.pathPatterns(['/v1/*']),
        ListenerCondition.httpRequestMethods(['GET']),
        ListenerCondition.httpHeader('X-Env', ['blue']),
        ListenerCondition.queryStrings([{ key: 'beta', value: 'on' }]),
      ],
      action: ListenerAction.fixedResponse(200),
    });
    l.addRule('Office', {
      conditions: [ListenerCondition.sourceIps(['203.0.113.0/24'])],
      action: ListenerAction.fixedResponse(403),
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties(RULE, {
      Conditions: Match.arrayWith([
        { Field: 'host-header', HostHeaderConfig: { Values: ['api.example.com'] } },
        { Field: 'path-pattern', PathPatternConfig: { Values: ['/v1/*'] } },
        { Field: 'http-request-method', HttpRequestMethodConfig: { Values: ['GET'] } },
        { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Env', Values: ['blue'] } },
        { Field: 'query-string', QueryStringConfig: { Values: [{ Key: 'beta', Value: 'on' }] } },
      ]),
    });
    t.hasResourceProperties(RULE, {
      Conditions: [{ Field: 'source-ip', SourceIpConfig: { Values: ['203.0.113.0/24'] } }],
    });
  });

  test('§4.3 weighted forward with target-group stickiness', () => {
    const { stack, lb, l } = listener();
    const api = lb.addTargetGroup('Api', { stickiness: Stickiness.lbCookie() });
    const canary = lb.addTargetGroup('Canary');
    l.addRule('Api', {
      conditions: [ListenerCondition.pathPatterns(['/api/*'])],
      action: ListenerAction.weightedForward(
        [
          { targetGroup: api, weight: 90 },
          { targetGroup: canary, weight: 10 },
        ],
        { stickinessDuration: Duration.hours(1) },
      ),
    });
    Template.fromStack(stack).hasResourceProperties(RULE, {
      Actions: [
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: [Match.objectLike({ Weight: 90 }), Match.objectLike({ Weight: 10 })],
            TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 3600 },
          },
        },
      ],
    });
  });

  test('§4.3 redirect and fixed response', () => {
    const { stack, l } = listener();
    l.addRule('Old', {
      conditions: [ListenerCondition.pathPatterns(['/old/*'])],
      action: ListenerAction.redirect({ path: '/new/#{path}', permanent: true }),
    });
    l.addRule('Down', {
      conditions: [ListenerCondition.pathPatterns(['/down'])],
      action: ListenerAction.fixedResponse(503, { contentType: 'text/plain', messageBody: 'maintenance' }),
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties(RULE, {
      Actions: [
        { Type: 'redirect', RedirectConfig: Match.objectLike({ Path: '/new/#{path}', StatusCode: 'HTTP_301' }) },
      ],
    });
    t.hasResourceProperties(RULE, {
      Actions: [
        {
          Type: 'fixed-response',
          FixedResponseConfig: { StatusCode: '503', ContentType: 'text/plain', MessageBody: 'maintenance' },
        },
      ],
    });
  });

  test('duplicate explicit priorities are an error naming the first rule', () => {
    const { l } = listener();
    l.addRule('A', {
      conditions: [ListenerCondition.pathPatterns(['/a'])],
      action: ListenerAction.fixedResponse(200),
      priority: 5,
    });
    expect(() =>
      l.addRule('B', {
        conditions: [ListenerCondition.pathPatterns(['/b'])],
        action: ListenerAction.fixedResponse(200),
        priority: 5,
      }),
    ).toThrow(/\[HALB_RULE_PRIORITY_DUPLICATE\] Test\/Web\/Https: rule 'B' priority is 5, already used by rule 'A'/);
  });

  test('a target group of another load balancer cannot be used', () => {
    const { stack, vpc, l } = (() => {
      const x = listener();
      return { ...x, vpc: x.lb.vpc };
    })();
    const other = new HaLoadBalancer(stack, 'Other', { vpc });
    expect(() =>
      l.addRule('X', {
        conditions: [ListenerCondition.pathPatterns(['/x'])],
        action: ListenerAction.forward([other.addTargetGroup('Tg')]),
      }),
    ).toThrow(/HALB_FORWARD_FOREIGN_TARGET_GROUP/);
  });
});

describe('Route 53 failover', () => {
  function regional(role: FailoverRole, region: string) {
    const app = new App({
      context: { [`availability-zones:account=123456789012:region=${region}`]: [`${region}a`, `${region}b`] },
    });
    const stack = new Stack(app, `Web${role}`, { env: { account: '123456789012', region } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
    const lb = new HaLoadBalancer(stack, 'Web', {
      vpc,
      failover: {
        zone: { hostedZoneId: 'Z0EXAMPLE', zoneName: 'example.com' },
        recordName: 'www',
        role,
        healthCheck: { protocol: 'HTTPS', path: '/health', interval: Duration.seconds(10), failureThreshold: 3 },
      },
    });
    lb.addHttpsListener('Https', { certificates: [CERT], defaultAction: ListenerAction.fixedResponse(200) });
    return { stack, lb };
  }

  test('§7.4 each Region declares its alias record with EvaluateTargetHealth and its health check', () => {
    for (const [role, region] of [
      [FailoverRole.PRIMARY, 'us-east-1'],
      [FailoverRole.SECONDARY, 'us-west-2'],
    ] as const) {
      const t = Template.fromStack(regional(role, region).stack);
      t.hasResourceProperties('AWS::Route53::RecordSet', {
        HostedZoneId: 'Z0EXAMPLE',
        Name: 'www.example.com.',
        Type: 'A',
        Failover: role,
        SetIdentifier: role.toLowerCase(),
        HealthCheckId: { 'Fn::GetAtt': [Match.anyValue(), 'HealthCheckId'] },
        AliasTarget: { DNSName: Match.anyValue(), HostedZoneId: Match.anyValue(), EvaluateTargetHealth: true },
      });
      t.hasResourceProperties('AWS::Route53::HealthCheck', {
        HealthCheckConfig: Match.objectLike({
          Type: 'HTTPS',
          Port: 443,
          ResourcePath: '/health',
          RequestInterval: 10,
          FailureThreshold: 3,
          EnableSNI: true,
        }),
      });
    }
  });

  test('dual-stack load balancers also get an AAAA failover record', () => {
    const { stack, vpc } = stackWithVpc();
    new HaLoadBalancer(stack, 'Web', {
      vpc,
      ipAddressType: IpAddressType.DUAL_STACK,
      failover: {
        zone: { hostedZoneId: 'Z1', zoneName: 'example.com' },
        recordName: 'www',
        role: FailoverRole.SECONDARY,
      },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Route53::RecordSet', { Type: 'AAAA', Failover: 'SECONDARY' });
  });
});

describe('alarms', () => {
  test('ALB: ELB 5XX, unhealthy hosts and p99 response time per target group, and the Route 53 status in us-east-1', () => {
    const { stack, lb } = alb({
      failover: {
        zone: { hostedZoneId: 'Z1', zoneName: 'example.com' },
        recordName: 'www',
        role: FailoverRole.PRIMARY,
        healthCheck: {},
      },
    });
    lb.addHttpListener('Http', { defaultAction: ListenerAction.forward([lb.addTargetGroup('Site')]) });
    const alarms = lb.addAlarms();
    const t = Template.fromStack(stack);
    expect(alarms).toHaveLength(4);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'HTTPCode_ELB_5XX_Count',
      Namespace: 'AWS/ApplicationELB',
      Statistic: 'Sum',
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'UnHealthyHostCount', Statistic: 'Maximum' });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'TargetResponseTime', ExtendedStatistic: 'p99' });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'HealthCheckStatus',
      Namespace: 'AWS/Route53',
      ComparisonOperator: 'LessThanThreshold',
    });
  });

  test('target groups a listener starts using after addAlarms get their alarms too', () => {
    const { stack, lb } = alb();
    const early = lb.addAlarms();
    const site = lb.addTargetGroup('Site');
    lb.addHttpListener('Http', { defaultAction: ListenerAction.forward([site]) });
    expect(early).toHaveLength(1);
    expect(lb.alarms).toHaveLength(3);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'UnHealthyHostCount',
      Dimensions: Match.arrayWith([Match.objectLike({ Name: 'TargetGroup' })]),
    });
  });

  test('NLB: healthy host count per target group', () => {
    const { stack, lb } = nlb();
    lb.addTcpListener('Tcp', {
      port: 22,
      defaultAction: ListenerAction.forward([lb.addTargetGroup('Ssh', { port: 22 })]),
    });
    lb.addAlarms();
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'HealthyHostCount',
      Namespace: 'AWS/NetworkELB',
      Statistic: 'Minimum',
      ComparisonOperator: 'LessThanThreshold',
    });
  });

  test('outside us-east-1 the Route 53 alarm is replaced by a warning (its metric lives only in us-east-1)', () => {
    const app = new App({
      context: { 'availability-zones:account=123456789012:region=eu-west-1': ['eu-west-1a', 'eu-west-1b'] },
    });
    const stack = new Stack(app, 'Eu', { env: { account: '123456789012', region: 'eu-west-1' } });
    const lb = new HaLoadBalancer(stack, 'Web', {
      vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 }),
      type: LoadBalancerType.APPLICATION,
      failover: {
        zone: { hostedZoneId: 'Z1', zoneName: 'example.com' },
        recordName: 'www',
        role: FailoverRole.SECONDARY,
        healthCheck: {},
      },
    });
    lb.addHttpListener('Http', { defaultAction: ListenerAction.fixedResponse(200) });
    lb.addAlarms();
    Template.fromStack(stack).resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { MetricName: 'HealthCheckStatus' },
      0,
    );
    Annotations.fromStack(stack).hasWarning('/Eu/Web', Match.stringLikeRegexp('HALB_W_ROUTE53_ALARM_REGION'));
  });
});
