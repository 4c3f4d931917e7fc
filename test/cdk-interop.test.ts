/**
 * Working with aws-cdk-lib: typed access to the L2 objects, imported target groups and load
 * balancers, target kinds taken from the targets, and the errors aws-cdk-lib would throw for input
 * this library accepts caught first, with this library's code, path and allowed values.
 */
import { Duration } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { InstanceIdTarget, IpTarget, LambdaTarget } from 'aws-cdk-lib/aws-elasticloadbalancingv2-targets';
import {
  Algorithm,
  HaLoadBalancer,
  IpAddressType,
  ListenerAction,
  ListenerCondition,
  LoadBalancerType,
  TargetGroupProtocol,
  TargetKind,
} from '../lib';
import { alb, caught, CERT, nlb, stackWithVpc, synthErrors } from './support/fixtures';

const TG = 'AWS::ElasticLoadBalancingV2::TargetGroup';
const LISTENER = 'AWS::ElasticLoadBalancingV2::Listener';
const RULE = 'AWS::ElasticLoadBalancingV2::ListenerRule';
const TG_ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/legacy/0123456789abcdef';
const ALB_ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/0123456789abcdef';
const NLB_ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/db/0123456789abcdef';

describe('typed access to the aws-cdk-lib objects, no casts', () => {
  test('lb.alb / lb.nlb, tg.applicationTargetGroup / tg.networkTargetGroup and listener accessors', () => {
    const { stack, lb } = alb();
    const site = lb.addTargetGroup('Site');
    const http = lb.addHttpListener('Http', { defaultAction: ListenerAction.forward([site]) });
    const metric: cloudwatch.Metric | undefined = lb.alb?.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT);
    const tgMetric = site.applicationTargetGroup?.metrics.targetResponseTime();
    new cloudwatch.Alarm(stack, 'Target5xx', { metric: metric!, threshold: 1, evaluationPeriods: 1 });
    expect(lb.alb).toBe(lb.loadBalancer);
    expect(lb.nlb).toBeUndefined();
    expect(site.networkTargetGroup).toBeUndefined();
    expect(tgMetric?.metricName).toBe('TargetResponseTime');
    expect(http.applicationListener).toBe(http.listener);
    expect(http.networkListener).toBeUndefined();
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'HTTPCode_Target_5XX_Count',
      Namespace: 'AWS/ApplicationELB',
    });

    const n = nlb();
    expect(n.lb.alb).toBeUndefined();
    expect(n.lb.nlb?.metrics.activeFlowCount().metricName).toBe('ActiveFlowCount');
    const db = n.lb.addTargetGroup('Db', { port: 5432 });
    n.lb.addTcpListener('Pg', { port: 5432, defaultAction: ListenerAction.forward([db]) });
    expect(db.networkTargetGroup?.metrics.healthyHostCount().metricName).toBe('HealthyHostCount');
    expect(db.applicationTargetGroup).toBeUndefined();
  });
});

describe('forward actions accept aws-cdk-lib target groups', () => {
  test('an imported ALB target group and one created with elbv2 directly', () => {
    const { stack, vpc, lb } = alb();
    const legacy = elbv2.ApplicationTargetGroup.fromTargetGroupAttributes(stack, 'Legacy', { targetGroupArn: TG_ARN });
    const plain = new elbv2.ApplicationTargetGroup(stack, 'Plain', { vpc, port: 8080 });
    const http = lb.addHttpListener('Http', { defaultAction: ListenerAction.forward([legacy]) });
    http.addRule('Split', {
      conditions: [ListenerCondition.pathPatterns(['/new/*'])],
      action: ListenerAction.weightedForward([
        { targetGroup: legacy, weight: 1 },
        { targetGroup: plain, weight: 3 },
        { targetGroup: lb.addTargetGroup('Ours'), weight: 1 },
      ]),
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties(LISTENER, { DefaultActions: [{ Type: 'forward', TargetGroupArn: TG_ARN }] });
    t.hasResourceProperties(RULE, {
      Actions: [
        Match.objectLike({
          ForwardConfig: Match.objectLike({
            TargetGroups: [
              { TargetGroupArn: TG_ARN, Weight: 1 },
              { TargetGroupArn: { Ref: Match.stringLikeRegexp('Plain') }, Weight: 3 },
              { TargetGroupArn: { Ref: Match.stringLikeRegexp('Ours') }, Weight: 1 },
            ],
          }),
        }),
      ],
    });
  });

  test('an NLB forwards to an imported NLB target group', () => {
    const { stack, lb } = nlb();
    const db = elbv2.NetworkTargetGroup.fromTargetGroupAttributes(stack, 'Db', { targetGroupArn: TG_ARN });
    lb.addTcpListener('Pg', { port: 5432, defaultAction: ListenerAction.forward([db]) });
    Template.fromStack(stack).hasResourceProperties(LISTENER, {
      Protocol: 'TCP',
      DefaultActions: [{ Type: 'forward', TargetGroupArn: TG_ARN }],
    });
  });
});

describe('target kinds follow the targets', () => {
  test('IpTarget without targetKind gives an ip target group (aws-cdk-lib would have thrown)', () => {
    const { stack, lb } = alb();
    const tg = lb.addTargetGroup('Ips', {
      port: 8080,
      targets: [new IpTarget('10.0.2.10'), new IpTarget('10.0.3.10')],
    });
    expect(tg.targetKind).toBe(TargetKind.IP);
    tg.addTarget(new IpTarget('10.0.2.11'));
    Template.fromStack(stack).hasResourceProperties(TG, {
      TargetType: 'ip',
      Targets: [{ Id: '10.0.2.10' }, { Id: '10.0.3.10' }, { Id: '10.0.2.11' }],
    });
  });

  test('LambdaTarget without targetKind gives a lambda target group without port or protocol', () => {
    const { stack, lb } = alb();
    const fn = new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler=async()=>({statusCode:200})'),
    });
    const tg = lb.addTargetGroup('Fn', { targets: [new LambdaTarget(fn)] });
    expect(tg.targetKind).toBe(TargetKind.LAMBDA);
    Template.fromStack(stack).hasResourceProperties(TG, { TargetType: 'lambda', Port: Match.absent() });
  });

  test('adding a target of another kind later is HALB_TG_TARGET_KIND_MISMATCH, not an aws-cdk-lib error', () => {
    const { lb } = alb();
    const tg = lb.addTargetGroup('Ips', { targets: [new IpTarget('10.0.2.10')] });
    const error = caught(() => tg.addTarget(new InstanceIdTarget('i-0123456789abcdef0')));
    expect(error?.code).toBe('HALB_TG_TARGET_KIND_MISMATCH');
    expect(error?.message).toMatch(
      /\[HALB_TG_TARGET_KIND_MISMATCH\] Test\/Web\/Ips: targets\[0\] is an instance target but targetKind is 'ip'/,
    );
  });

  test('a target class whose kind shows only when bound is checked by what aws-cdk-lib binds', () => {
    const { lb } = alb();
    const custom: elbv2.IApplicationLoadBalancerTarget = {
      attachToApplicationTargetGroup: () => ({ targetType: elbv2.TargetType.IP, targetJson: { id: '10.0.2.20' } }),
    };
    const tg = lb.addTargetGroup('Instances', { targetKind: TargetKind.INSTANCE });
    const error = caught(() => tg.addTarget(custom));
    expect(error?.message).toMatch(
      /\[HALB_TG_TARGET_KIND_MISMATCH\] Test\/Web\/Instances: a target registers as ip but the group's targets are instance/,
    );
  });

  test('an Auto Scaling group in props gets both the traffic and the health-check port, whatever the order', () => {
    const { stack, vpc, lb } = alb();
    const asg = new autoscaling.AutoScalingGroup(stack, 'Asg', {
      vpc,
      instanceType: new ec2.InstanceType('t3.micro'),
      machineImage: ec2.MachineImage.genericLinux({ 'us-east-1': 'ami-12345678' }),
    });
    const tg = lb.addTargetGroup('Web', { port: 8080, healthCheck: { port: 8081 }, targets: [asg] });
    expect(tg.targetKind).toBe(TargetKind.INSTANCE);
    lb.addHttpListener('Http', { defaultAction: ListenerAction.forward([tg]) });
    const t = Template.fromStack(stack);
    for (const port of [8080, 8081]) {
      t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        IpProtocol: 'tcp',
        FromPort: port,
        ToPort: port,
        GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('AsgInstanceSecurityGroup'), 'GroupId'] },
      });
    }
  });

  test('addTargets: one call makes an ip target group and the rule that forwards to it', () => {
    const { stack, lb } = alb();
    const http = lb.addHttpListener('Http', { defaultAction: ListenerAction.fixedResponse(404) });
    const api = http.addTargets('Api', {
      port: 9000,
      conditions: [ListenerCondition.pathPatterns(['/api/*'])],
      targets: [new IpTarget('10.0.2.10', 9000)],
      healthCheck: { path: '/health' },
    });
    expect(api.targetKind).toBe(TargetKind.IP);
    expect(api.inUse).toBe(true);
    expect(lb.targetGroups).toContain(api);
    const t = Template.fromStack(stack);
    t.hasResourceProperties(TG, { Port: 9000, TargetType: 'ip', HealthCheckPath: '/health' });
    t.hasResourceProperties(RULE, {
      Priority: 10,
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } }],
      Actions: [Match.objectLike({ Type: 'forward', TargetGroupArn: { Ref: Match.stringLikeRegexp('Api') } })],
    });
  });

  test('addTargets on an NLB listener is HALB_RULE_NLB', () => {
    const { lb } = nlb();
    const tcp = lb.addTcpListener('Tcp', { port: 22, defaultAction: ListenerAction.forward([lb.addTargetGroup('T')]) });
    expect(caught(() => tcp.addTargets('More', { conditions: [] }))?.code).toBe('HALB_RULE_NLB');
  });
});

describe('extending a load balancer created elsewhere', () => {
  test('HaLoadBalancer.fromAttributes: listeners, rules and target groups on an imported ALB', () => {
    const { stack, vpc } = stackWithVpc();
    const lb = HaLoadBalancer.fromAttributes(stack, 'Shared', {
      type: LoadBalancerType.APPLICATION,
      loadBalancerArn: ALB_ARN,
      securityGroupIds: ['sg-0123456789abcdef0'],
      vpc,
    });
    const api = lb.addTargetGroup('Api', { port: 9000, targets: [new IpTarget('10.0.2.10')] });
    const https = lb.addHttpsListener('Https', {
      port: 8443,
      certificates: [CERT],
      defaultAction: ListenerAction.fixedResponse(404),
    });
    https.addRule('Api', {
      conditions: [ListenerCondition.pathPatterns(['/api/*'])],
      action: ListenerAction.forward([api]),
    });
    expect(lb.alb?.loadBalancerArn).toBe(ALB_ARN);
    expect(lb.nlb).toBeUndefined();
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 0);
    t.hasResourceProperties(LISTENER, { LoadBalancerArn: ALB_ARN, Port: 8443, Protocol: 'HTTPS' });
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: 'sg-0123456789abcdef0',
      FromPort: 8443,
      CidrIp: '0.0.0.0/0',
    });
    t.hasResourceProperties(TG, { Port: 9000, TargetType: 'ip' });
  });

  test('importListener: rules on an existing listener need explicit priorities', () => {
    const { stack, vpc } = stackWithVpc();
    const lb = HaLoadBalancer.fromAttributes(stack, 'Shared', {
      type: LoadBalancerType.APPLICATION,
      loadBalancerArn: ALB_ARN,
      securityGroupIds: ['sg-0123456789abcdef0'],
      vpc,
    });
    const listenerArn = `${ALB_ARN.replace(':loadbalancer/', ':listener/')}/fedcba9876543210`;
    const existing = lb.importListener('Https', { listenerArn, protocol: 'HTTPS', port: 443 });
    existing.addTargets('Reports', {
      priority: 120,
      port: 8080,
      conditions: [ListenerCondition.hostHeaders(['reports.example.com'])],
      targets: [new IpTarget('10.0.3.10')],
    });
    const t = Template.fromStack(stack);
    t.resourceCountIs(LISTENER, 0);
    t.hasResourceProperties(RULE, { ListenerArn: listenerArn, Priority: 120 });
    expect(existing.imported).toBe(true);
    expect(() =>
      existing.addRule('NoPriority', {
        conditions: [ListenerCondition.pathPatterns(['/x'])],
        action: ListenerAction.fixedResponse(200),
      }),
    ).toThrow(/HALB_RULE_PRIORITY_REQUIRED/);
  });

  test('what is known about an imported NLB is checked: protocols, dual-stack UDP', () => {
    const { stack, vpc } = stackWithVpc();
    const lb = HaLoadBalancer.fromAttributes(stack, 'Db', {
      type: LoadBalancerType.NETWORK,
      loadBalancerArn: NLB_ARN,
      ipAddressType: IpAddressType.DUAL_STACK,
      vpc,
    });
    const pg = lb.addTargetGroup('PgTargets', { port: 5432 });
    lb.addTcpListener('Pg', { port: 5432, defaultAction: ListenerAction.forward([pg]) });
    Template.fromStack(stack).hasResourceProperties(LISTENER, { LoadBalancerArn: NLB_ARN, Protocol: 'TCP' });
    const udp = lb.addTargetGroup('DnsTargets', { port: 53, protocol: TargetGroupProtocol.UDP });
    expect(
      caught(() => lb.addUdpListener('Dns', { port: 53, defaultAction: ListenerAction.forward([udp]) }))?.code,
    ).toBe('HALB_DUALSTACK_UDP');
    expect(
      caught(() => lb.addHttpsListener('Web', { certificates: [CERT], defaultAction: ListenerAction.forward([pg]) }))
        ?.code,
    ).toBe('HALB_LISTENER_PROTOCOL');
    expect(
      caught(() => lb.addTcpListener('Again', { port: 5432, defaultAction: ListenerAction.forward([pg]) }))?.code,
    ).toBe('HALB_LISTENER_PORT_DUPLICATE');
  });

  test('unused target groups of an imported load balancer are warned about at synth, like any other', () => {
    const { app, stack, vpc } = stackWithVpc();
    const lb = HaLoadBalancer.fromAttributes(stack, 'Shared', {
      type: LoadBalancerType.APPLICATION,
      loadBalancerArn: ALB_ARN,
      securityGroupIds: ['sg-1'],
      vpc,
    });
    lb.addTargetGroup('Idle');
    expect(synthErrors(app)).toEqual([]);
    Annotations.fromStack(stack).hasWarning('/Test/Shared/Idle', Match.stringLikeRegexp('HALB_W_TARGET_GROUP_UNUSED'));
  });
});

describe('what aws-cdk-lib would throw is reported first, with this library’s code, path and allowed values', () => {
  const s = Duration.seconds;
  test.each([
    [
      'fractional health-check interval',
      () => alb().lb.addTargetGroup('T', { healthCheck: { interval: s(10.5) } }),
      'HALB_HC_INTERVAL_RANGE',
      'Test/Web/T',
      /allowed: 5-300 seconds \(whole number\)/,
    ],
    [
      'fractional stickiness duration',
      () => alb().lb.addTargetGroup('T', { stickiness: undefined, deregistrationDelay: Duration.millis(1500) }),
      'HALB_DEREGISTRATION_DELAY_RANGE',
      'Test/Web/T',
      /1\.5 seconds/,
    ],
    [
      'fractional client keep-alive',
      () => alb({ clientKeepAlive: Duration.millis(90500) }),
      'HALB_LB_CLIENT_KEEP_ALIVE_RANGE',
      'Test/Web',
      /90\.5 seconds; allowed: 60-604800 seconds/,
    ],
    [
      'client keep-alive under a minute',
      () => alb({ clientKeepAlive: s(30) }),
      'HALB_LB_CLIENT_KEEP_ALIVE_RANGE',
      'Test/Web',
      /30 seconds; allowed: 60-604800/,
    ],
    [
      'alarm period of 45 s',
      () => alb().lb.addAlarms({ period: s(45) }),
      'HALB_ALARM_PERIOD',
      'Test/Web',
      /45 seconds; allowed: a whole multiple of 60 seconds/,
    ],
    [
      'ALB capacity of 50 LCUs',
      () => alb({ minimumCapacityUnits: 50 }),
      'HALB_LB_CAPACITY_UNITS',
      'Test/Web',
      /at least 100/,
    ],
    [
      'NLB capacity of 100 LCUs',
      () => nlb({ minimumCapacityUnits: 100 }),
      'HALB_LB_CAPACITY_UNITS',
      'Test/Web',
      /2750-45000 per zone/,
    ],
    [
      'internal dualstack-without-public-ipv4',
      () => alb({ internetFacing: false, ipAddressType: IpAddressType.DUAL_STACK_WITHOUT_PUBLIC_IPV4 }),
      'HALB_LB_IP_ADDRESS_TYPE',
      'Test/Web',
      /on an internal load balancer/,
    ],
    [
      'fractional TCP idle timeout',
      () => {
        const { lb } = nlb();
        lb.addTcpListener('L', {
          port: 22,
          tcpIdleTimeout: Duration.millis(61500),
          defaultAction: ListenerAction.forward([lb.addTargetGroup('T')]),
        });
      },
      'HALB_LISTENER_TCP_IDLE_TIMEOUT',
      'Test/Web/L',
      /61\.5 seconds/,
    ],
  ] as const)('%s', (_name, build, code, path, says) => {
    const error = caught(build);
    expect(error).toBeDefined();
    const issue = error!.issues.find((i) => i.code === code);
    expect(issue).toMatchObject({ code, path });
    expect(issue!.message).toMatch(says);
  });

  test('slow start 0 (off) with weighted_random is legal and synthesizes (aws-cdk-lib refuses any slowStart there)', () => {
    const { stack, lb } = alb();
    lb.addTargetGroup('T', { algorithm: Algorithm.WEIGHTED_RANDOM, slowStart: Duration.seconds(0) });
    Template.fromStack(stack).hasResourceProperties(TG, {
      TargetGroupAttributes: Match.arrayWith([{ Key: 'load_balancing.algorithm.type', Value: 'weighted_random' }]),
    });
  });
});
