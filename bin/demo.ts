import { App, Duration, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { IpTarget } from 'aws-cdk-lib/aws-elasticloadbalancingv2-targets';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import {
  Algorithm,
  FailoverRole,
  HaLoadBalancer,
  ListenerAction,
  ListenerCondition,
  LoadBalancerType,
  Stickiness,
  TargetKind,
} from '../lib';

/** The example hosted zone both Regions publish into (imported by id and name, no lookup). */
export const DEMO_ZONE = { hostedZoneId: 'Z0EXAMPLE1234567890', zoneName: 'example.com' };

export interface WebStackProps extends StackProps {
  readonly role: FailoverRole;
  /** First two octets of this Region's VPC, e.g. `10.0`. */
  readonly cidrPrefix: string;
}

/**
 * One Region of the demo: an ALB (HTTPS with HTTP redirect, an API path rule with stickiness and a
 * 90/10 canary split), an NLB TCP listener, and this Region's side of the Route 53 failover pair.
 */
export class WebStack extends Stack {
  public readonly web: HaLoadBalancer;
  public readonly tcp: HaLoadBalancer;

  constructor(scope: Construct, id: string, props: WebStackProps) {
    super(scope, id, props);
    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(`${props.cidrPrefix}.0.0/16`),
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'app', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      flowLogs: { all: { trafficType: ec2.FlowLogTrafficType.REJECT } },
    });
    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', DEMO_ZONE);
    const certificate = new acm.Certificate(this, 'Certificate', {
      domainName: `www.${DEMO_ZONE.zoneName}`,
      validation: acm.CertificateValidation.fromDns(zone),
    });
    const ip = (host: number, port: number) => new IpTarget(`${props.cidrPrefix}.${host < 100 ? 2 : 3}.${host}`, port);

    this.web = new HaLoadBalancer(this, 'Web', {
      vpc,
      accessLogs: true,
      dropInvalidHeaderFields: true,
      deletionProtection: true,
      failover: {
        zone: DEMO_ZONE,
        recordName: 'www',
        role: props.role,
        healthCheck: { protocol: 'HTTPS', path: '/health', interval: Duration.seconds(10), failureThreshold: 3 },
      },
    });

    const site = this.web.addTargetGroup('Site', {
      port: 8080,
      targetKind: TargetKind.IP,
      healthCheck: {
        path: '/health',
        interval: Duration.seconds(10),
        timeout: Duration.seconds(5),
        healthyThreshold: 3,
      },
      deregistrationDelay: Duration.seconds(30),
      slowStart: Duration.seconds(60),
      targets: [ip(10, 8080), ip(11, 8080), ip(110, 8080)],
    });
    const api = this.web.addTargetGroup('Api', {
      port: 9000,
      targetKind: TargetKind.IP,
      algorithm: Algorithm.LEAST_OUTSTANDING_REQUESTS,
      stickiness: Stickiness.lbCookie(Duration.hours(1)),
      healthCheck: { path: '/health', interval: Duration.seconds(10), timeout: Duration.seconds(5) },
      deregistrationDelay: Duration.seconds(30),
      targets: [ip(20, 9000), ip(120, 9000)],
    });
    const canary = this.web.addTargetGroup('ApiCanary', {
      port: 9000,
      targetKind: TargetKind.IP,
      healthCheck: { path: '/health', interval: Duration.seconds(10), timeout: Duration.seconds(5) },
      deregistrationDelay: Duration.seconds(30),
      targets: [ip(30, 9000)],
    });

    const https = this.web.addHttpsListener('Https', {
      certificates: [certificate],
      redirectHttp: true,
      defaultAction: ListenerAction.forward([site]),
    });
    https.addRule('Api', {
      conditions: [ListenerCondition.pathPatterns(['/api/*'])],
      action: ListenerAction.weightedForward(
        [
          { targetGroup: api, weight: 90 },
          { targetGroup: canary, weight: 10 },
        ],
        { stickinessDuration: Duration.hours(1) },
      ),
    });
    https.addRule('Old', {
      conditions: [ListenerCondition.pathPatterns(['/old/*'])],
      action: ListenerAction.redirect({ path: '/new/#{path}', permanent: true }),
    });
    https.addRule('Maintenance', {
      conditions: [ListenerCondition.pathPatterns(['/status'])],
      action: ListenerAction.fixedResponse(200, { contentType: 'application/json', messageBody: '{"status":"ok"}' }),
    });
    const alarms = new sns.Topic(this, 'Alarms', {
      enforceSSL: true,
      masterKey: kms.Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
    });
    const alarmActions = [new cloudwatchActions.SnsAction(alarms)];
    this.web.addAlarms({ alarmActions });

    this.tcp = new HaLoadBalancer(this, 'Tcp', {
      vpc,
      type: LoadBalancerType.NETWORK,
      internetFacing: false,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      crossZone: true,
      accessLogs: true,
      deletionProtection: true,
    });
    const db = this.tcp.addTargetGroup('Db', {
      port: 5432,
      targetKind: TargetKind.IP,
      healthCheck: {
        interval: Duration.seconds(10),
        timeout: Duration.seconds(5),
        healthyThreshold: 3,
        unhealthyThreshold: 3,
      },
      deregistrationDelay: Duration.seconds(120),
      targets: [ip(40, 5432), ip(140, 5432)],
    });
    this.tcp.addTcpListener('Postgres', { port: 5432, defaultAction: ListenerAction.forward([db]) });
    this.tcp.addAlarms({ alarmActions });
    acknowledgeFindings(this);
  }
}

/**
 * cdk-nag findings this design accepts, each with the reason (checked by test/demo.test.ts with the
 * AwsSolutions and NIST 800-53 R5 packs).
 */
function acknowledgeFindings(stack: WebStack): void {
  const ack = (scope: Construct, ids: string[], reason: string) =>
    ids.forEach((id) => Validations.of(scope).acknowledge({ id, reason }));
  const both = (rule: string) => [`AwsSolutions-${rule}`];
  const nist = (rule: string) => [`NIST.800.53.R5-${rule}`];
  ack(
    stack.web,
    both('EC23'),
    'An internet-facing load balancer must accept clients from any address on its listener ports (80 redirects, 443 serves); nothing else is open.',
  );
  ack(
    stack.tcp,
    both('EC23'),
    'The internal NLB admits only the VPC CIDR (Fn::GetAtt Vpc.CidrBlock), which cdk-nag cannot resolve at synth time.',
  );
  ack(
    stack.tcp,
    [...nist('EC2RestrictedCommonPorts'), ...nist('EC2RestrictedSSH')],
    'Port 5432 is open only to the VPC CIDR (a token cdk-nag cannot resolve), never to 0.0.0.0/0.',
  );
  for (const lb of [stack.web, stack.tcp]) {
    const bucket = lb.accessLogsBucket!;
    ack(
      bucket,
      [...both('S1'), ...nist('S3BucketLoggingEnabled')],
      'This bucket is the sink of ELB access logs; logging access to the log sink would need a second sink with the same finding.',
    );
    ack(
      bucket,
      nist('S3DefaultEncryptionKMS'),
      'Elastic Load Balancing writes access logs only to buckets encrypted with SSE-S3 (ALB guide, access logs); SSE-S3 is on.',
    );
    ack(
      bucket,
      nist('S3BucketReplicationEnabled'),
      'Access logs are per-Region diagnostics; each Region keeps its own bucket and the two Regions already back each other up.',
    );
  }
  ack(
    stack.web,
    nist('ALBWAFEnabled'),
    'The demo has no application-specific WAF rules; a web ACL is attached by the team that owns the application traffic.',
  );
  ack(
    stack.web.listeners.find((l) => l.protocol === 'HTTP')!,
    nist('ELBv2ACMCertificateRequired'),
    'This listener only answers 301 redirects to the HTTPS listener, which uses an ACM certificate.',
  );
  ack(
    stack.tcp,
    nist('ELBv2ACMCertificateRequired'),
    'PostgreSQL negotiates TLS end to end with the database (sslmode=verify-full); the NLB passes TCP through untouched.',
  );
  const vpc = stack.node.findChild('Vpc');
  ack(
    vpc,
    nist('VPCNoUnrestrictedRouteToIGW'),
    'Public subnets host the internet-facing ALB and need the default route to the internet gateway; the app subnets are isolated.',
  );
  ack(
    vpc,
    nist('IAMNoInlinePolicy'),
    "The CDK-generated flow-log role has one inline policy limited to writing this VPC's flow-log group.",
  );
  ack(
    vpc,
    nist('CloudWatchLogGroupEncrypted'),
    'Flow-log records (REJECT only) hold connection metadata, encrypted at rest by CloudWatch Logs service keys.',
  );
  ack(
    vpc,
    nist('VPCDefaultSecurityGroupClosed'),
    'Nothing is placed in the default security group; closing it needs a custom-resource Lambda that would add more findings than it removes.',
  );
}

/** The demo app: the same stack in two Regions, primary and secondary of one failover pair. */
export function buildDemoApp(app: App = new App()): { app: App; primary: WebStack; secondary: WebStack } {
  const account = '123456789012';
  const primary = new WebStack(app, 'WebPrimary', {
    env: { account, region: 'us-east-1' },
    role: FailoverRole.PRIMARY,
    cidrPrefix: '10.0',
  });
  const secondary = new WebStack(app, 'WebSecondary', {
    env: { account, region: 'us-west-2' },
    role: FailoverRole.SECONDARY,
    cidrPrefix: '10.1',
  });
  return { app, primary, secondary };
}
