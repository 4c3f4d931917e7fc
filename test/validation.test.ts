import { App, Duration, Lazy, SecretValue, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { InstanceIdTarget, IpTarget } from 'aws-cdk-lib/aws-elasticloadbalancingv2-targets';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  Algorithm,
  AuthenticateOidcOptions,
  FailoverRole,
  HaLoadBalancer,
  IpAddressType,
  ListenerAction,
  ListenerCondition,
  LoadBalancerType,
  MutualTls,
  ProtocolVersion,
  RuleTransform,
  Stickiness,
  TargetGroupProtocol,
  TargetKind,
  UnauthenticatedAction,
  XffHeaderProcessingMode,
} from '../lib';
import { alb, caught, CERT, nlb, stackWithVpc, synthErrors } from './support/fixtures';

type Build = (value: never) => unknown;
interface Row {
  readonly code: string;
  readonly rule: string;
  readonly build: Build;
  readonly legal: unknown;
  readonly illegal: unknown;
  /** Text the user reads in the message for the illegal value. */
  readonly says: RegExp;
}

const s = (n: number) => Duration.seconds(n);
const forwardTo = (lb: HaLoadBalancer, id = 'Tg') => ListenerAction.forward([lb.addTargetGroup(id)]);

function albTg(props: object) {
  return () => alb().lb.addTargetGroup('Tg', props);
}
function nlbTg(props: object) {
  return () => nlb().lb.addTargetGroup('Tg', props);
}
function rule(props: {
  conditions?: ListenerCondition[];
  action?: (lb: HaLoadBalancer) => ListenerAction;
  priority?: number;
  transforms?: RuleTransform[];
}) {
  const { lb } = alb();
  const listener = lb.addHttpListener('Http', { defaultAction: ListenerAction.fixedResponse(404) });
  return listener.addRule('R', {
    conditions: props.conditions ?? [ListenerCondition.pathPatterns(['/a'])],
    action: props.action ? props.action(lb) : ListenerAction.fixedResponse(200),
    priority: props.priority,
    transforms: props.transforms,
  });
}
const OIDC: AuthenticateOidcOptions = {
  issuer: 'https://idp.example.com',
  authorizationEndpoint: 'https://idp.example.com/authorize',
  tokenEndpoint: 'https://idp.example.com/token',
  userInfoEndpoint: 'https://idp.example.com/userinfo',
  clientId: 'web',
  clientSecret: SecretValue.unsafePlainText('not-a-secret'),
};

/** A listener of `protocol` whose default action authenticates with OIDC, then answers 200. */
function authListener(protocol: string, options: Partial<AuthenticateOidcOptions>) {
  const { lb } = alb();
  const defaultAction = ListenerAction.authenticateOidc({ ...OIDC, ...options }, ListenerAction.fixedResponse(200));
  if (protocol === 'HTTPS') lb.addHttpsListener('L', { certificates: [CERT], defaultAction });
  else lb.addHttpListener('L', { defaultAction });
}

function failover(healthCheck: object, extra: object = {}) {
  return alb({
    failover: {
      zone: { hostedZoneId: 'Z1', zoneName: 'example.com' },
      recordName: 'www',
      role: FailoverRole.PRIMARY,
      healthCheck,
      ...extra,
    },
  });
}

const rows: Row[] = [
  // §1.1 health-check ranges
  {
    code: 'HALB_HC_INTERVAL_RANGE',
    rule: '§1.1 interval ≤ 300 s',
    build: (v: number) => albTg({ healthCheck: { interval: s(v) } })(),
    legal: 300,
    illegal: 301,
    says: /healthCheck\.interval is 301 seconds; allowed: 5-300 seconds/,
  },
  {
    code: 'HALB_HC_INTERVAL_RANGE',
    rule: '§1.1 interval ≥ 5 s',
    build: (v: number) => albTg({ healthCheck: { interval: s(v), timeout: s(2) } })(),
    legal: 5,
    illegal: 4,
    says: /is 4 seconds; allowed: 5-300/,
  },
  {
    code: 'HALB_HC_TIMEOUT_RANGE',
    rule: '§1.1 timeout ≤ 120 s',
    build: (v: number) => albTg({ healthCheck: { interval: s(300), timeout: s(v) } })(),
    legal: 120,
    illegal: 121,
    says: /healthCheck\.timeout is 121 seconds; allowed: 2-120 seconds/,
  },
  {
    code: 'HALB_HC_TIMEOUT_RANGE',
    rule: '§1.1 timeout ≥ 2 s',
    build: (v: number) => albTg({ healthCheck: { timeout: s(v) } })(),
    legal: 2,
    illegal: 1,
    says: /allowed: 2-120/,
  },
  {
    code: 'HALB_HC_HEALTHY_THRESHOLD_RANGE',
    rule: '§1.1 healthy threshold ≤ 10',
    build: (v: number) => albTg({ healthCheck: { healthyThreshold: v } })(),
    legal: 10,
    illegal: 11,
    says: /healthyThreshold is 11; allowed: 2-10/,
  },
  {
    code: 'HALB_HC_HEALTHY_THRESHOLD_RANGE',
    rule: '§1.1 healthy threshold ≥ 2',
    build: (v: number) => albTg({ healthCheck: { healthyThreshold: v } })(),
    legal: 2,
    illegal: 1,
    says: /allowed: 2-10/,
  },
  {
    code: 'HALB_HC_UNHEALTHY_THRESHOLD_RANGE',
    rule: '§1.1 unhealthy threshold ≤ 10',
    build: (v: number) => nlbTg({ healthCheck: { unhealthyThreshold: v } })(),
    legal: 10,
    illegal: 11,
    says: /unhealthyThreshold is 11; allowed: 2-10/,
  },
  {
    code: 'HALB_HC_UNHEALTHY_THRESHOLD_RANGE',
    rule: '§1.1 unhealthy threshold ≥ 2',
    build: (v: number) => nlbTg({ healthCheck: { unhealthyThreshold: v } })(),
    legal: 2,
    illegal: 1,
    says: /allowed: 2-10/,
  },
  {
    code: 'HALB_HC_PORT_RANGE',
    rule: '§1.1 health-check port ≤ 65535',
    build: (v: number) => albTg({ healthCheck: { port: v } })(),
    legal: 65535,
    illegal: 65536,
    says: /healthCheck\.port is 65536; allowed: 1-65535/,
  },
  {
    code: 'HALB_HC_PORT_RANGE',
    rule: '§1.1 health-check port ≥ 1',
    build: (v: number) => albTg({ healthCheck: { port: v } })(),
    legal: 1,
    illegal: 0,
    says: /allowed: 1-65535/,
  },
  {
    code: 'HALB_HC_PATH',
    rule: '§1.1 path ≤ 1024 characters',
    build: (v: number) => albTg({ healthCheck: { path: '/' + 'a'.repeat(v - 1) } })(),
    legal: 1024,
    illegal: 1025,
    says: /1025 characters\); allowed: 1-1024 characters/,
  },
  // §1.2 cross-field
  {
    code: 'HALB_HC_INTERVAL_TIMEOUT',
    rule: '§1.2 interval > timeout',
    build: (v: number) => albTg({ healthCheck: { interval: s(v), timeout: s(6) } })(),
    legal: 7,
    illegal: 6,
    says: /interval is 6 seconds and healthCheck\.timeout is 6 seconds; allowed: interval greater than timeout\. AWS: "Health check interval must be greater than the timeout\."/,
  },
  {
    code: 'HALB_HC_INTERVAL_TIMEOUT',
    rule: '§1.2 interval > default timeout (NLB TCP 10 s)',
    build: (v: number) => nlbTg({ healthCheck: { interval: s(v) } })(),
    legal: 11,
    illegal: 10,
    says: /\(timeout default\)/,
  },
  {
    code: 'HALB_HC_MATCHER',
    rule: '§1.2 ALB matcher codes 200-499',
    build: (v: string) => albTg({ healthCheck: { healthyHttpCodes: v } })(),
    legal: '200-499',
    illegal: '200-500',
    says: /healthyHttpCodes is '200-500'; allowed: codes 200-499/,
  },
  {
    code: 'HALB_HC_MATCHER',
    rule: '§1.2 NLB matcher codes 200-599',
    build: (v: string) => nlbTg({ healthCheck: { protocol: 'HTTP', healthyHttpCodes: v } })(),
    legal: '200-599',
    illegal: '200-600',
    says: /allowed: codes 200-599/,
  },
  {
    code: 'HALB_HC_MATCHER',
    rule: '§1.2 matcher grammar',
    build: (v: string) => albTg({ healthCheck: { healthyHttpCodes: v } })(),
    legal: '200,202-204',
    illegal: '2xx',
    says: /as a list \("200,202"\) or a range \("200-299"\)/,
  },
  {
    code: 'HALB_HC_DISABLED',
    rule: '§1.2 health checks off only for Lambda',
    build: (v: TargetKind) => albTg({ targetKind: v, healthCheck: { enabled: false } })(),
    legal: TargetKind.LAMBDA,
    illegal: TargetKind.IP,
    says: /enabled is false; allowed: false only for Lambda target groups/,
  },
  {
    code: 'HALB_HC_PROTOCOL',
    rule: '§1.2 no TCP checks on HTTP target groups',
    build: (v: string) => albTg({ healthCheck: { protocol: v } })(),
    legal: 'HTTPS',
    illegal: 'TCP',
    says: /healthCheck\.protocol is 'TCP'; allowed: 'HTTP', 'HTTPS'/,
  },
  {
    code: 'HALB_HC_HTTP_ONLY',
    rule: '§1.2 path only with HTTP/HTTPS checks',
    build: (v: string) => nlbTg({ healthCheck: { protocol: v, path: '/health' } })(),
    legal: 'HTTP',
    illegal: 'TCP',
    says: /on a TCP health check; allowed: only with HTTP or HTTPS/,
  },
  {
    code: 'HALB_HC_MATCHER',
    rule: '§1.2 gRPC codes only on GRPC target groups',
    build: (v: ProtocolVersion) =>
      albTg({ protocolVersion: v, protocol: TargetGroupProtocol.HTTPS, healthCheck: { healthyGrpcCodes: '0-5' } })(),
    legal: ProtocolVersion.GRPC,
    illegal: ProtocolVersion.HTTP2,
    says: /only with protocolVersion GRPC/,
  },
  // §8.1 target group
  {
    code: 'HALB_TG_PORT_RANGE',
    rule: '§8.1 port ≤ 65535',
    build: (v: number) => albTg({ port: v })(),
    legal: 65535,
    illegal: 65536,
    says: /port is 65536; allowed: 1-65535/,
  },
  {
    code: 'HALB_TG_NAME',
    rule: '§8.1 name ≤ 32 characters',
    build: (v: number) => albTg({ targetGroupName: 'a'.repeat(v) })(),
    legal: 32,
    illegal: 33,
    says: /allowed: 1-32 letters, digits and hyphens/,
  },
  {
    code: 'HALB_TG_NAME',
    rule: '§8.1 name without leading hyphen',
    build: (v: string) => albTg({ targetGroupName: v })(),
    legal: 'a-b',
    illegal: '-ab',
    says: /targetGroupName is '-ab'/,
  },
  {
    code: 'HALB_TG_PROTOCOL',
    rule: '§8.1 ALB target-group protocols',
    build: (v: TargetGroupProtocol) => albTg({ protocol: v })(),
    legal: TargetGroupProtocol.HTTPS,
    illegal: TargetGroupProtocol.TCP,
    says: /protocol behind an Application Load Balancer is 'TCP'; allowed: 'HTTP', 'HTTPS'/,
  },
  {
    code: 'HALB_TG_PROTOCOL',
    rule: '§8.1 NLB target-group protocols',
    build: (v: TargetGroupProtocol) => nlbTg({ protocol: v })(),
    legal: TargetGroupProtocol.TCP_UDP,
    illegal: TargetGroupProtocol.HTTP,
    says: /allowed: 'TCP', 'TLS', 'UDP', 'TCP_UDP'/,
  },
  {
    code: 'HALB_TG_TARGET_COUNT',
    rule: '§4.4 targets per target group ≤ 1000',
    build: (v: number) =>
      albTg({
        targetKind: TargetKind.IP,
        targets: Array.from({ length: v }, (_, i) => new IpTarget(`10.0.${i >> 8}.${i & 255}`)),
      })(),
    legal: 1000,
    illegal: 1001,
    says: /targets: 1001 given; allowed: at most 1000/,
  },
  {
    code: 'HALB_DEREGISTRATION_DELAY_RANGE',
    rule: '§2.3 deregistration delay ≤ 3600 s',
    build: (v: number) => albTg({ deregistrationDelay: s(v) })(),
    legal: 3600,
    illegal: 3601,
    says: /deregistrationDelay is 3601 seconds; allowed: 0-3600 seconds/,
  },
  {
    code: 'HALB_SLOW_START_RANGE',
    rule: '§2.2 slow start ≤ 900 s',
    build: (v: number) => albTg({ slowStart: s(v) })(),
    legal: 900,
    illegal: 901,
    says: /slowStart is 901 seconds; allowed: 30-900 seconds/,
  },
  {
    code: 'HALB_SLOW_START_RANGE',
    rule: '§2.2 slow start ≥ 30 s',
    build: (v: number) => albTg({ slowStart: s(v) })(),
    legal: 30,
    illegal: 29,
    says: /allowed: 30-900/,
  },
  {
    code: 'HALB_SLOW_START_ALGORITHM',
    rule: '§2.2 slow start only with round robin',
    build: (v: Algorithm) => albTg({ slowStart: s(60), algorithm: v })(),
    legal: Algorithm.ROUND_ROBIN,
    illegal: Algorithm.LEAST_OUTSTANDING_REQUESTS,
    says: /with algorithm 'least_outstanding_requests'; allowed: slow start only with 'round_robin'/,
  },
  {
    code: 'HALB_ANOMALY_MITIGATION_ALGORITHM',
    rule: '§2.1 anomaly mitigation only with weighted_random',
    build: (v: Algorithm) => albTg({ anomalyMitigation: true, algorithm: v })(),
    legal: Algorithm.WEIGHTED_RANDOM,
    illegal: Algorithm.ROUND_ROBIN,
    says: /allowed: only with 'weighted_random'/,
  },
  {
    code: 'HALB_STICKINESS_DURATION_RANGE',
    rule: '§3.1 lb_cookie duration ≤ 7 days',
    build: (v: number) => albTg({ stickiness: Stickiness.lbCookie(s(v)) })(),
    legal: 604800,
    illegal: 604801,
    says: /stickiness duration is 604801 seconds; allowed: 1-604800 seconds/,
  },
  {
    code: 'HALB_APP_COOKIE_NAME',
    rule: '§3.2 application cookie name not reserved',
    build: (v: string) => albTg({ stickiness: Stickiness.appCookie(v) })(),
    legal: 'SESSION',
    illegal: 'AWSALBAPP-1',
    says: /cookie name is 'AWSALBAPP-1'; allowed: any name not starting with 'AWSALB'/,
  },
  {
    code: 'HALB_STICKINESS_CROSS_ZONE',
    rule: '§2.4 ALB stickiness needs cross-zone',
    build: (v: boolean) => albTg({ stickiness: Stickiness.lbCookie(), crossZone: v })(),
    legal: true,
    illegal: false,
    says: /crossZone false; allowed: stickiness only with cross-zone/,
  },
  {
    code: 'HALB_STICKINESS_TYPE',
    rule: '§3.5 NLB stickiness is source_ip',
    build: (v: Stickiness) => nlbTg({ stickiness: v })(),
    legal: Stickiness.sourceIp(),
    illegal: Stickiness.lbCookie(),
    says: /stickiness type behind a Network Load Balancer is 'lb_cookie'; allowed: 'source_ip'/,
  },
  {
    code: 'HALB_TG_HEALTH_PERCENTAGE',
    rule: '§1.5 healthy percentage ≤ 100',
    build: (v: number) => albTg({ routingFailover: { percentage: v } })(),
    legal: 100,
    illegal: 101,
    says: /routingFailover\.percentage is 101 %; allowed: 1-100 %/,
  },
  {
    code: 'HALB_TG_HEALTH_ORDER',
    rule: '§1.5 DNS-failover threshold ≥ routing threshold',
    build: (v: number) => albTg({ dnsFailover: { percentage: v }, routingFailover: { percentage: 50 } })(),
    legal: 50,
    illegal: 49,
    says: /dnsFailover\.percentage is 49, below routingFailover\.percentage 50/,
  },
  {
    code: 'HALB_PRESERVE_CLIENT_IP_UDP',
    rule: '§6.4 client IP preservation cannot be off for UDP ip targets',
    build: (v: boolean) =>
      nlbTg({ protocol: TargetGroupProtocol.UDP, targetKind: TargetKind.IP, preserveClientIp: v })(),
    legal: true,
    illegal: false,
    says: /allowed: true \(cannot be disabled for UDP and TCP_UDP\)/,
  },
  {
    code: 'HALB_UNHEALTHY_DRAINING_RANGE',
    rule: '§6.6 unhealthy draining ≤ 360000 s',
    build: (v: number) => nlbTg({ unhealthyDrainingInterval: s(v) })(),
    legal: 360000,
    illegal: 360001,
    says: /allowed: 0-360000 seconds/,
  },
  {
    code: 'HALB_TG_ALB_ONLY',
    rule: '§2.1 NLBs have no algorithm',
    build: (v: Algorithm | undefined) => nlbTg({ algorithm: v })(),
    legal: undefined,
    illegal: Algorithm.ROUND_ROBIN,
    says: /algorithm is set; allowed behind a Network Load Balancer: not set/,
  },
  {
    code: 'HALB_TG_NLB_ONLY',
    rule: '§6.4 proxy protocol is NLB only',
    build: (v: boolean | undefined) => albTg({ proxyProtocolV2: v })(),
    legal: undefined,
    illegal: true,
    says: /proxyProtocolV2 is set; allowed behind an Application Load Balancer: not set/,
  },
  // §8.2 load balancer
  {
    code: 'HALB_LB_NAME',
    rule: '§8.2 name ≤ 32 characters',
    build: (v: number) => alb({ loadBalancerName: 'w'.repeat(v) }),
    legal: 32,
    illegal: 33,
    says: /not starting with 'internal-'/,
  },
  {
    code: 'HALB_LB_NAME',
    rule: "§8.2 name must not start with 'internal-'",
    build: (v: string) => alb({ loadBalancerName: v }),
    legal: 'web-internal',
    illegal: 'internal-web',
    says: /loadBalancerName is 'internal-web'/,
  },
  {
    code: 'HALB_LB_IDLE_TIMEOUT_RANGE',
    rule: '§5.2 idle timeout ≤ 4000 s',
    build: (v: number) => alb({ idleTimeout: s(v) }),
    legal: 4000,
    illegal: 4001,
    says: /idleTimeout is 4001 seconds; allowed: 1-4000 seconds/,
  },
  {
    code: 'HALB_LB_IP_ADDRESS_TYPE',
    rule: '§8.2 NLB IP address types',
    build: (v: IpAddressType) => nlb({ ipAddressType: v }),
    legal: IpAddressType.DUAL_STACK,
    illegal: IpAddressType.DUAL_STACK_WITHOUT_PUBLIC_IPV4,
    says: /allowed: 'ipv4', 'dualstack'/,
  },
  {
    code: 'HALB_LB_ALB_ONLY',
    rule: '§8.2 desync mitigation is ALB only',
    build: (v: boolean | undefined) => nlb({ dropInvalidHeaderFields: v }),
    legal: undefined,
    illegal: true,
    says: /dropInvalidHeaderFields is set on a Network Load Balancer/,
  },
  {
    code: 'HALB_LB_NLB_ONLY',
    rule: '§2.4 ALB cross-zone cannot be set',
    build: (v: boolean | undefined) => alb({ crossZone: v }),
    legal: undefined,
    illegal: false,
    says: /always on for ALBs/,
  },
  {
    code: 'HALB_ACCESS_LOG_PREFIX',
    rule: '§8.2 access-log prefix without AWSLogs',
    build: (v: string) => alb({ accessLogs: { prefix: v } }),
    legal: 'web/logs',
    illegal: 'web/AWSLogs',
    says: /accessLogs\.prefix is 'web\/AWSLogs'; allowed: a prefix that does not contain 'AWSLogs'/,
  },
  {
    code: 'HALB_LB_AVAILABILITY_ZONES',
    rule: '§8.2 ALB needs two Availability Zones',
    build: (v: number) => {
      const { stack, vpc } = stackWithVpc(v);
      return new HaLoadBalancer(stack, 'Web', { vpc });
    },
    legal: 2,
    illegal: 1,
    says: /span 1 Availability Zone\(s\) \(us-east-1a\); allowed: at least 2/,
  },
  // §8.3 listener
  {
    code: 'HALB_LISTENER_PORT_RANGE',
    rule: '§8.3 listener port ≤ 65535',
    build: (v: number) => {
      const { lb } = alb();
      lb.addHttpListener('L', { port: v, defaultAction: ListenerAction.fixedResponse(200) });
    },
    legal: 65535,
    illegal: 65536,
    says: /port is 65536; allowed: 1-65535/,
  },
  {
    code: 'HALB_LISTENER_CERTIFICATE',
    rule: '§8.3 HTTPS listener needs a certificate',
    build: (v: number) => {
      const { lb } = alb();
      lb.addHttpsListener('L', { certificates: v ? [CERT] : [], defaultAction: ListenerAction.fixedResponse(200) });
    },
    legal: 1,
    illegal: 0,
    says: /a HTTPS listener has no certificate/,
  },
  {
    code: 'HALB_LISTENER_PORT_DUPLICATE',
    rule: '§8.3 one listener per port',
    build: (v: number) => {
      const { lb } = alb();
      lb.addHttpListener('A', { port: 80, defaultAction: ListenerAction.fixedResponse(200) });
      lb.addHttpListener('B', { port: v, defaultAction: ListenerAction.fixedResponse(200) });
    },
    legal: 81,
    illegal: 80,
    says: /uses port 80, already used by listener 'A'/,
  },
  {
    code: 'HALB_LISTENER_PROTOCOL',
    rule: '§8.3 ALB listeners are HTTP/HTTPS',
    build: (v: LoadBalancerType) => {
      const { lb } = alb({ type: v });
      lb.addTcpListener('L', { port: 22, defaultAction: forwardTo(lb) });
    },
    legal: LoadBalancerType.NETWORK,
    illegal: LoadBalancerType.APPLICATION,
    says: /uses TCP; allowed on an Application Load Balancer: HTTP, HTTPS/,
  },
  {
    code: 'HALB_DUALSTACK_UDP',
    rule: '§6.1 no UDP on dual-stack NLBs',
    build: (v: IpAddressType) => {
      const { lb } = nlb({ ipAddressType: v });
      lb.addUdpListener('L', {
        port: 53,
        defaultAction: ListenerAction.forward([lb.addTargetGroup('T', { protocol: TargetGroupProtocol.UDP })]),
      });
    },
    legal: IpAddressType.IPV4,
    illegal: IpAddressType.DUAL_STACK,
    says: /uses UDP on a dual-stack load balancer/,
  },
  {
    code: 'HALB_LISTENER_TCP_IDLE_TIMEOUT',
    rule: '§6.3 TCP idle timeout ≤ 6000 s',
    build: (v: number) => {
      const { lb } = nlb();
      lb.addTcpListener('L', { port: 22, tcpIdleTimeout: s(v), defaultAction: forwardTo(lb) });
    },
    legal: 6000,
    illegal: 6001,
    says: /tcpIdleTimeout is 6001 seconds; allowed: 60-6000 seconds/,
  },
  {
    code: 'HALB_LISTENER_TG_PROTOCOL',
    rule: '§6.1 TLS listener forwards to TCP or TLS',
    build: (v: TargetGroupProtocol) => {
      const { lb } = nlb();
      lb.addTlsListener('L', {
        port: 443,
        certificates: [CERT],
        defaultAction: ListenerAction.forward([lb.addTargetGroup('T', { protocol: v })]),
      });
    },
    legal: TargetGroupProtocol.TLS,
    illegal: TargetGroupProtocol.UDP,
    says: /a TLS listener forwards to Test\/Web\/T \(UDP\); allowed target-group protocols: TCP, TLS/,
  },
  {
    code: 'HALB_PROTOCOL_VERSION_LISTENER',
    rule: '§8.1 gRPC target groups only behind HTTPS',
    build: (v: string) => {
      const { lb } = alb();
      const tg = lb.addTargetGroup('T', {
        protocolVersion: ProtocolVersion.GRPC,
        healthCheck: { healthyGrpcCodes: '0' },
      });
      if (v === 'HTTPS')
        lb.addHttpsListener('L', { certificates: [CERT], defaultAction: ListenerAction.forward([tg]) });
      else lb.addHttpListener('L', { defaultAction: ListenerAction.forward([tg]) });
    },
    legal: 'HTTPS',
    illegal: 'HTTP',
    says: /protocolVersion GRPC; allowed: GRPC target groups only behind HTTPS listeners/,
  },
  {
    code: 'HALB_NLB_ACTION',
    rule: '§6.1 NLB default action is forward',
    build: (v: string) => {
      const { lb } = nlb();
      lb.addTcpListener('L', {
        port: 22,
        defaultAction: v === 'forward' ? forwardTo(lb) : ListenerAction.fixedResponse(200),
      });
    },
    legal: 'forward',
    illegal: 'fixed',
    says: /is a fixed-response action; allowed on a Network Load Balancer: forward to exactly one target group/,
  },
  {
    code: 'HALB_FORWARD_TARGET_GROUPS',
    rule: '§4.4 NLB forwards to one target group',
    build: (v: number) => {
      const { lb } = nlb();
      lb.addTcpListener('L', {
        port: 22,
        defaultAction: ListenerAction.forward(Array.from({ length: v }, (_, i) => lb.addTargetGroup(`T${i}`))),
      });
    },
    legal: 1,
    illegal: 2,
    says: /forwards to 2 target groups; allowed: 1-1 \(NLB\)/,
  },
  // §8.4 rules
  {
    code: 'HALB_RULE_PRIORITY_RANGE',
    rule: '§4.1 priority ≤ 50000',
    build: (v: number) => rule({ priority: v }),
    legal: 50000,
    illegal: 50001,
    says: /priority is 50001; allowed: 1-50000/,
  },
  {
    code: 'HALB_RULE_PRIORITY_RANGE',
    rule: '§4.1 priority ≥ 1',
    build: (v: number) => rule({ priority: v }),
    legal: 1,
    illegal: 0,
    says: /priority is 0; allowed: 1-50000/,
  },
  {
    code: 'HALB_RULE_CONDITIONS_REQUIRED',
    rule: '§8.4 a rule has conditions',
    build: (v: number) => rule({ conditions: Array.from({ length: v }, () => ListenerCondition.pathPatterns(['/a'])) }),
    legal: 1,
    illegal: 0,
    says: /has no conditions; allowed: at least one condition/,
  },
  {
    code: 'HALB_RULE_CONDITION_REPEATED',
    rule: '§4.2 one path-pattern condition per rule',
    build: (v: number) => rule({ conditions: Array.from({ length: v }, () => ListenerCondition.pathPatterns(['/a'])) }),
    legal: 1,
    illegal: 2,
    says: /has 2 path-pattern conditions; allowed: at most 1 per rule/,
  },
  {
    code: 'HALB_CONDITION_VALUES',
    rule: '§4.2 ≤ 3 values per condition',
    build: (v: number) =>
      rule({ conditions: [ListenerCondition.pathPatterns(Array.from({ length: v }, (_, i) => `/p${i}`))] }),
    legal: 3,
    illegal: 4,
    says: /path-pattern values: 4 given; allowed: at most 3/,
  },
  {
    code: 'HALB_RULE_VALUES',
    rule: '§4.2 ≤ 5 values per rule',
    build: (v: number) =>
      rule({
        conditions: [
          ListenerCondition.pathPatterns(['/a', '/b', '/c']),
          ListenerCondition.hostHeaders(Array.from({ length: v - 3 }, (_, i) => `h${i}.example.com`)),
        ],
      }),
    legal: 5,
    illegal: 6,
    says: /condition values in total: 6 given; allowed: at most 5/,
  },
  {
    code: 'HALB_RULE_WILDCARDS',
    rule: '§4.2 ≤ 5 wildcards per rule',
    build: (v: number) => rule({ conditions: [ListenerCondition.pathPatterns(['/' + '*'.repeat(v)])] }),
    legal: 5,
    illegal: 6,
    says: /wildcard characters: 6 given; allowed: at most 5/,
  },
  {
    code: 'HALB_CONDITION_VALUE',
    rule: '§4.2 path pattern ≤ 128 characters',
    build: (v: number) => rule({ conditions: [ListenerCondition.pathPatterns(['/' + 'a'.repeat(v - 1)])] }),
    legal: 128,
    illegal: 129,
    says: /has 129 characters; allowed: 1-128/,
  },
  {
    code: 'HALB_CONDITION_VALUE',
    rule: '§4.2 host header needs a dot',
    build: (v: string) => rule({ conditions: [ListenerCondition.hostHeaders([v])] }),
    legal: '*.example.com',
    illegal: 'localhost',
    says: /host-header value 'localhost'; allowed: .* at least one '\.'/,
  },
  {
    code: 'HALB_CONDITION_VALUE',
    rule: '§4.2 source-ip 255.255.255.255/32 is refused',
    build: (v: string) => rule({ conditions: [ListenerCondition.sourceIps([v])] }),
    legal: '255.255.255.254/32',
    illegal: '255.255.255.255/32',
    says: /allowed: any CIDR except 255\.255\.255\.255\/32/,
  },
  {
    code: 'HALB_CONDITION_VALUE',
    rule: '§4.2 source-ip must be a CIDR',
    build: (v: string) => rule({ conditions: [ListenerCondition.sourceIps([v])] }),
    legal: '2001:db8::/32',
    illegal: '10.0.0.1',
    says: /source-ip value '10\.0\.0\.1'; allowed: an IPv4 or IPv6 CIDR block/,
  },
  {
    code: 'HALB_CONDITION_VALUE',
    rule: '§4.2 methods are upper case',
    build: (v: string) => rule({ conditions: [ListenerCondition.httpRequestMethods([v])] }),
    legal: 'PURGE',
    illegal: 'get',
    says: /http-request-method value 'get'/,
  },
  {
    code: 'HALB_CONDITION_HEADER_NAME',
    rule: '§4.2 header name ≤ 40 characters',
    build: (v: number) => rule({ conditions: [ListenerCondition.httpHeader('X'.repeat(v), ['a'])] }),
    legal: 40,
    illegal: 41,
    says: /allowed: 1-40 token characters/,
  },
  {
    code: 'HALB_CONDITION_HEADER_NAME',
    rule: '§4.2 header condition cannot target Host',
    build: (v: string) => rule({ conditions: [ListenerCondition.httpHeader(v, ['a.example.com'])] }),
    legal: 'X-Host',
    illegal: 'Host',
    says: /use ListenerCondition\.hostHeaders for Host/,
  },
  {
    code: 'HALB_FORWARD_TARGET_GROUPS',
    rule: '§4.4 ≤ 5 target groups per action',
    build: (v: number) =>
      rule({
        action: (lb) =>
          ListenerAction.weightedForward(
            Array.from({ length: v }, (_, i) => ({ targetGroup: lb.addTargetGroup(`T${i}`), weight: 1 })),
          ),
      }),
    legal: 5,
    illegal: 6,
    says: /forwards to 6 target groups; allowed: 1-5 \(ALB\)/,
  },
  {
    code: 'HALB_FORWARD_WEIGHT',
    rule: '§4.3 weights 0-999',
    build: (v: number) =>
      rule({
        action: (lb) =>
          ListenerAction.weightedForward([
            { targetGroup: lb.addTargetGroup('A'), weight: v },
            { targetGroup: lb.addTargetGroup('B'), weight: 1 },
          ]),
      }),
    legal: 999,
    illegal: 1000,
    says: /weight of Test\/Web\/A is 1000; allowed: 0-999/,
  },
  {
    code: 'HALB_FORWARD_STICKINESS_DURATION',
    rule: '§3.3 target-group stickiness ≤ 7 days',
    build: (v: number) =>
      rule({ action: (lb) => ListenerAction.forward([lb.addTargetGroup('A')], { stickinessDuration: s(v) }) }),
    legal: 604800,
    illegal: 604801,
    says: /stickinessDuration is 604801 seconds; allowed: 1-604800 seconds/,
  },
  {
    code: 'HALB_FORWARD_STICKINESS_REQUIRED',
    rule: '§3.3 sticky members need target-group stickiness',
    build: (v: number | undefined) =>
      rule({
        action: (lb) =>
          ListenerAction.weightedForward(
            [
              { targetGroup: lb.addTargetGroup('A', { stickiness: Stickiness.lbCookie() }), weight: 1 },
              { targetGroup: lb.addTargetGroup('B'), weight: 1 },
            ],
            { stickinessDuration: v === undefined ? undefined : s(v) },
          ),
      }),
    legal: 60,
    illegal: undefined,
    says: /with stickiness but has no stickinessDuration/,
  },
  {
    code: 'HALB_FORWARD_APP_COOKIE',
    rule: '§3.2 no app_cookie in weighted forwards',
    build: (v: Stickiness) =>
      rule({
        action: (lb) =>
          ListenerAction.weightedForward(
            [
              { targetGroup: lb.addTargetGroup('A', { stickiness: v }), weight: 1 },
              { targetGroup: lb.addTargetGroup('B'), weight: 1 },
            ],
            { stickinessDuration: s(60) },
          ),
      }),
    legal: Stickiness.lbCookie(),
    illegal: Stickiness.appCookie('SESSION'),
    says: /with app_cookie stickiness; allowed: lb_cookie or no stickiness/,
  },
  {
    code: 'HALB_REDIRECT_LOOP',
    rule: '§4.3 a redirect must change something',
    build: (v: string | undefined) =>
      rule({ action: () => ListenerAction.redirect({ protocol: v, path: '/#{path}' }) }),
    legal: 'HTTPS',
    illegal: undefined,
    says: /keeps protocol, host, port and path as they are/,
  },
  {
    code: 'HALB_REDIRECT_LENGTH',
    rule: '§4.3 redirect host ≤ 128 characters',
    build: (v: number) => rule({ action: () => ListenerAction.redirect({ host: 'h'.repeat(v) }) }),
    legal: 128,
    illegal: 129,
    says: /redirect host has 129 characters; allowed: 1-128/,
  },
  {
    code: 'HALB_REDIRECT_PATH',
    rule: '§4.3 redirect path is absolute',
    build: (v: string) => rule({ action: () => ListenerAction.redirect({ path: v }) }),
    legal: '/new',
    illegal: 'new',
    says: /allowed: an absolute path starting with '\/'/,
  },
  {
    code: 'HALB_REDIRECT_PORT',
    rule: '§4.3 redirect port ≤ 65535',
    build: (v: string) => rule({ action: () => ListenerAction.redirect({ port: v }) }),
    legal: '65535',
    illegal: '65536',
    says: /redirect port is '65536'; allowed: 1-65535 or '#\{port\}'/,
  },
  {
    code: 'HALB_FIXED_RESPONSE_STATUS',
    rule: '§4.3 fixed-response status 2XX/4XX/5XX',
    build: (v: number) => rule({ action: () => ListenerAction.fixedResponse(v) }),
    legal: 599,
    illegal: 600,
    says: /status is 600; allowed: 2XX, 4XX or 5XX/,
  },
  {
    code: 'HALB_FIXED_RESPONSE_STATUS',
    rule: '§4.3 no 3XX fixed responses',
    build: (v: number) => rule({ action: () => ListenerAction.fixedResponse(v) }),
    legal: 200,
    illegal: 302,
    says: /status is 302/,
  },
  {
    code: 'HALB_FIXED_RESPONSE_BODY',
    rule: '§4.3 fixed-response body ≤ 1024 characters',
    build: (v: number) => rule({ action: () => ListenerAction.fixedResponse(200, { messageBody: 'x'.repeat(v) }) }),
    legal: 1024,
    illegal: 1025,
    says: /body has 1025 characters; allowed: at most 1024/,
  },
  // §8.5 / §8.6 Route 53
  {
    code: 'HALB_R53_INTERVAL',
    rule: '§7.1 request interval 10 or 30 s',
    build: (v: number) => failover({ interval: s(v) }),
    legal: 30,
    illegal: 20,
    says: /healthCheck\.interval is 20 seconds; allowed: 10 or 30 seconds/,
  },
  {
    code: 'HALB_R53_FAILURE_THRESHOLD',
    rule: '§7.1 failure threshold ≤ 10',
    build: (v: number) => failover({ failureThreshold: v }),
    legal: 10,
    illegal: 11,
    says: /failureThreshold is 11; allowed: 1-10/,
  },
  {
    code: 'HALB_R53_FAILURE_THRESHOLD',
    rule: '§7.1 failure threshold ≥ 1',
    build: (v: number) => failover({ failureThreshold: v }),
    legal: 1,
    illegal: 0,
    says: /allowed: 1-10/,
  },
  {
    code: 'HALB_R53_REGIONS',
    rule: '§7.1 at least three checker regions',
    build: (v: number) => failover({ regions: ['us-east-1', 'us-west-1', 'us-west-2'].slice(0, v) }),
    legal: 3,
    illegal: 2,
    says: /regions has 2 regions; allowed: at least 3/,
  },
  {
    code: 'HALB_R53_REGIONS',
    rule: '§7.1 checker regions from the list',
    build: (v: string) => failover({ regions: ['us-east-1', 'us-west-1', v] }),
    legal: 'sa-east-1',
    illegal: 'eu-central-1',
    says: /entry is 'eu-central-1'/,
  },
  {
    code: 'HALB_R53_PATH',
    rule: '§7.1 resource path ≤ 255 characters',
    build: (v: number) => failover({ path: '/' + 'a'.repeat(v - 1) }),
    legal: 255,
    illegal: 256,
    says: /path has 256 characters; allowed: at most 255/,
  },
  {
    code: 'HALB_R53_SET_IDENTIFIER',
    rule: '§8.6 set identifier ≤ 128 characters',
    build: (v: number) => failover({}, { setIdentifier: 'p'.repeat(v) }),
    legal: 128,
    illegal: 129,
    says: /setIdentifier length is 129 characters; allowed: 1-128 characters/,
  },
  // Issue 8: whole numbers. Every AWS range is one of whole numbers; fractions (and Durations that
  // are fractions of a second) fail with the range's own code before aws-cdk-lib's toSeconds() throws.
  {
    code: 'HALB_HC_HEALTHY_THRESHOLD_RANGE',
    rule: '§1.1 healthy threshold is a whole number',
    build: (v: number) => albTg({ healthCheck: { healthyThreshold: v } })(),
    legal: 3,
    illegal: 2.5,
    says: /healthyThreshold is 2\.5; allowed: 2-10 \(whole number\)\./,
  },
  {
    code: 'HALB_HC_INTERVAL_RANGE',
    rule: '§1.1 interval is a whole number of seconds',
    build: (v: number) => albTg({ healthCheck: { interval: s(v) } })(),
    legal: 10,
    illegal: 10.5,
    says: /healthCheck\.interval is 10\.5 seconds; allowed: 5-300 seconds \(whole number\)\./,
  },
  {
    code: 'HALB_DEREGISTRATION_DELAY_RANGE',
    rule: '§2.3 deregistration delay in milliseconds must be whole seconds',
    build: (v: number) => albTg({ deregistrationDelay: Duration.millis(v) })(),
    legal: 5000,
    illegal: 5500,
    says: /deregistrationDelay is 5\.5 seconds; allowed: 0-3600 seconds \(whole number\)/,
  },
  {
    code: 'HALB_UNHEALTHY_DRAINING_RANGE',
    rule: '§6.6 unhealthy draining interval is whole seconds',
    build: (v: number) => nlbTg({ unhealthyDrainingInterval: Duration.millis(v) })(),
    legal: 2000,
    illegal: 2500,
    says: /unhealthyDrainingInterval is 2\.5 seconds; allowed: 0-360000 seconds \(whole number\)/,
  },
  {
    code: 'HALB_LB_IDLE_TIMEOUT_RANGE',
    rule: '§5.2 idle timeout is whole seconds',
    build: (v: number) => alb({ idleTimeout: s(v) }),
    legal: 61,
    illegal: 60.5,
    says: /idleTimeout is 60\.5 seconds; allowed: 1-4000 seconds \(whole number\)/,
  },
  {
    code: 'HALB_LISTENER_TCP_IDLE_TIMEOUT',
    rule: '§6.3 TCP idle timeout is whole seconds',
    build: (v: number) => {
      const { lb } = nlb();
      lb.addTcpListener('L', { port: 22, tcpIdleTimeout: Duration.millis(v), defaultAction: forwardTo(lb) });
    },
    legal: 60000,
    illegal: 60500,
    says: /tcpIdleTimeout is 60\.5 seconds; allowed: 60-6000 seconds \(whole number\)/,
  },
  {
    code: 'HALB_RULE_PRIORITY_RANGE',
    rule: '§8.4 priority is a whole number',
    build: (v: number) => rule({ priority: v }),
    legal: 10,
    illegal: 10.5,
    says: /priority is 10\.5; allowed: 1-50000 \(whole number\)/,
  },
  {
    code: 'HALB_FORWARD_WEIGHT',
    rule: '§4.3 weights are whole numbers',
    build: (v: number) =>
      rule({
        action: (lb) =>
          ListenerAction.weightedForward([
            { targetGroup: lb.addTargetGroup('A'), weight: v },
            { targetGroup: lb.addTargetGroup('B'), weight: 1 },
          ]),
      }),
    legal: 2,
    illegal: 1.5,
    says: /weight of Test\/Web\/A is 1\.5; allowed: 0-999 \(whole number\)/,
  },
  {
    code: 'HALB_TG_HEALTH_COUNT',
    rule: '§1.5 healthy target counts are whole numbers',
    build: (v: number) => albTg({ dnsFailover: { count: v } })(),
    legal: 1,
    illegal: 1.5,
    says: /dnsFailover\.count is 1\.5; allowed: a whole number of at least 1/,
  },
  // Issue 8: gaps that used to synthesize and fail at deployment.
  {
    code: 'HALB_LISTENER_SSL_POLICY',
    rule: '§8.3 sslPolicy is a predefined ELB security policy',
    build: (v: string) => {
      const { lb } = alb();
      lb.addHttpsListener('L', {
        certificates: [CERT],
        sslPolicy: v,
        defaultAction: ListenerAction.fixedResponse(200),
      });
    },
    legal: 'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09',
    illegal: 'ELBSecurityPolicy-TLS13-1-2-2099-01',
    says: /sslPolicy is 'ELBSecurityPolicy-TLS13-1-2-2099-01', which is not a predefined ELB security policy/,
  },
  {
    code: 'HALB_LISTENER_SSL_POLICY',
    rule: '§8.3 NLB TLS sslPolicy is a predefined ELB security policy',
    build: (v: string) => {
      const { lb } = nlb();
      lb.addTlsListener('L', { port: 443, certificates: [CERT], sslPolicy: v, defaultAction: forwardTo(lb) });
    },
    legal: 'ELBSecurityPolicy-2016-08',
    illegal: 'ELBSecurityPolicy-2016-8',
    says: /allowed: one of the \d+ policies in ELB_SSL_POLICIES/,
  },
  {
    code: 'HALB_CONDITION_VALUE',
    rule: '§4.2 source-ip IPv6 CIDRs are well formed',
    build: (v: string) => rule({ conditions: [ListenerCondition.sourceIps([v])] }),
    legal: '2001:db8:0:0:0:0:0:1/128',
    illegal: '2001:db8:::1/64',
    says: /source-ip value '2001:db8:::1\/64'; allowed: an IPv4 or IPv6 CIDR block/,
  },
  {
    code: 'HALB_CONDITION_VALUE',
    rule: '§4.2 source-ip IPv6 prefix ≤ 128',
    build: (v: number) => rule({ conditions: [ListenerCondition.sourceIps([`2001:db8::/${v}`])] }),
    legal: 128,
    illegal: 129,
    says: /source-ip value '2001:db8::\/129'/,
  },
  {
    code: 'HALB_CONDITION_QUERY_KEY',
    rule: '§4.2 query-string keys ≤ 128 characters',
    build: (v: number) => rule({ conditions: [ListenerCondition.queryStrings([{ key: 'k'.repeat(v), value: 'x' }])] }),
    legal: 128,
    illegal: 129,
    says: /query-string key 'k+' has 129 characters; allowed: 1-128/,
  },
  {
    code: 'HALB_FORWARD_TARGET_GROUP_DUPLICATE',
    rule: '§4.3 a target group appears once per forward',
    build: (v: boolean) =>
      rule({
        action: (lb) => {
          const a = lb.addTargetGroup('A');
          return ListenerAction.forward([a, v ? a : lb.addTargetGroup('B')]);
        },
      }),
    legal: false,
    illegal: true,
    says: /names Test\/Web\/A twice; allowed: each target group once per forward action/,
  },
  {
    code: 'HALB_FORWARD_TARGET_GROUP_KIND',
    rule: '§6.1 an ALB forwards to ALB target groups (imported ones too)',
    build: (v: string) =>
      rule({
        action: (lb) => {
          const arn = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/x/0123456789abcdef';
          const scope = lb.node.scope!;
          return ListenerAction.forward([
            v === 'application'
              ? elbv2.ApplicationTargetGroup.fromTargetGroupAttributes(scope, 'Imported', { targetGroupArn: arn })
              : elbv2.NetworkTargetGroup.fromTargetGroupAttributes(scope, 'Imported', { targetGroupArn: arn }),
          ]);
        },
      }),
    legal: 'application',
    illegal: 'network',
    says: /forwards to target group Test\/Imported, a Network Load Balancer target group; allowed: Application Load Balancer target groups/,
  },
  {
    code: 'HALB_FIXED_RESPONSE_CONTENT_TYPE',
    rule: '§4.3 fixed-response content types',
    build: (v: string) => rule({ action: () => ListenerAction.fixedResponse(200, { contentType: v as 'text/plain' }) }),
    legal: 'application/json',
    illegal: 'application/xml',
    says: /contentType is 'application\/xml'; allowed: 'text\/plain', 'text\/css', 'text\/html', 'application\/javascript', 'application\/json'/,
  },
  {
    code: 'HALB_TG_TARGET_KIND_MISMATCH',
    rule: '§8.1 targets match targetKind',
    build: (v: string) =>
      albTg({
        targetKind: TargetKind.INSTANCE,
        targets: [v === 'instance' ? new InstanceIdTarget('i-0123456789abcdef0') : new IpTarget('10.0.0.1')],
      })(),
    legal: 'instance',
    illegal: 'ip',
    says: /targets\[0\] is an ip target but targetKind is 'instance'; allowed: instance targets \(or leave targetKind unset/,
  },
  {
    code: 'HALB_TG_TARGET_KIND_MISMATCH',
    rule: '§8.1 all targets of one kind (targetKind inferred)',
    build: (v: string) =>
      albTg({
        targets: [new IpTarget('10.0.0.1'), v === 'ip' ? new IpTarget('10.0.0.2') : new InstanceIdTarget('i-1')],
      })(),
    legal: 'ip',
    illegal: 'instance',
    says: /targets\[1\] is an instance target but targets\[0\] is an ip target; allowed: targets of one kind/,
  },
  {
    code: 'HALB_LB_IP_ADDRESS_TYPE',
    rule: '§8.2 dualstack-without-public-ipv4 is internet-facing only',
    build: (v: boolean) => alb({ ipAddressType: IpAddressType.DUAL_STACK_WITHOUT_PUBLIC_IPV4, internetFacing: v }),
    legal: true,
    illegal: false,
    says: /ipAddressType is 'dualstack-without-public-ipv4' on an internal load balancer; allowed: 'ipv4' or 'dualstack'/,
  },
  {
    code: 'HALB_ACCESS_LOG_BUCKET_REGION',
    rule: '§8.2 the access-log bucket is in the load balancer’s Region',
    build: (v: string) => {
      const { stack, vpc } = stackWithVpc();
      const bucket = s3.Bucket.fromBucketAttributes(stack, 'Logs', { bucketName: 'logs', region: v });
      return new HaLoadBalancer(stack, 'Web', { vpc, accessLogs: { bucket } });
    },
    legal: 'us-east-1',
    illegal: 'eu-west-1',
    says: /accessLogs\.bucket Test\/Logs is in eu-west-1; allowed: a bucket in the load balancer's Region, us-east-1/,
  },
  {
    code: 'HALB_ACCESS_LOG_BUCKET_ENCRYPTION',
    rule: '§8.2 the access-log bucket uses SSE-S3',
    build: (v: string) => {
      const { stack, vpc } = stackWithVpc();
      const bucket =
        v === 'kms'
          ? new s3.Bucket(stack, 'Logs', { encryptionKey: new kms.Key(stack, 'Key') })
          : new s3.Bucket(stack, 'Logs', { encryption: s3.BucketEncryption.S3_MANAGED });
      return new HaLoadBalancer(stack, 'Web', { vpc, accessLogs: { bucket } });
    },
    legal: 's3',
    illegal: 'kms',
    says: /accessLogs\.bucket Test\/Logs is encrypted with a KMS key; allowed: a bucket encrypted with SSE-S3/,
  },
  {
    code: 'HALB_ACCESS_LOGS_REGION',
    rule: '§8.2 access logs need a stack with a Region',
    build: (v: boolean) => {
      const app = new App();
      const stack = new Stack(app, 'Test', v ? { env: { region: 'us-east-1' } } : {});
      return new HaLoadBalancer(stack, 'Web', { vpc: new ec2.Vpc(stack, 'Vpc', { natGateways: 0 }), accessLogs: true });
    },
    legal: true,
    illegal: false,
    says: /accessLogs is on in a stack without a Region; allowed: accessLogs in a stack with env: \{ region \}/,
  },
  {
    code: 'HALB_CONNECTION_LOG_PREFIX',
    rule: '§8.2 connection-log prefix without AWSLogs',
    build: (v: string) => alb({ connectionLogs: { prefix: v } }),
    legal: 'conn',
    illegal: 'AWSLogs/conn',
    says: /connectionLogs\.prefix is 'AWSLogs\/conn'; allowed: a prefix that does not contain 'AWSLogs'/,
  },
  {
    code: 'HALB_ALARM_EVALUATION_PERIODS',
    rule: 'CloudWatch evaluation periods ≥ 1',
    build: (v: number) => alb().lb.addAlarms({ evaluationPeriods: v }),
    legal: 1,
    illegal: 0,
    says: /evaluationPeriods is 0; allowed: a whole number of at least 1\./,
  },
  {
    code: 'HALB_ALARM_EVALUATION_PERIODS',
    rule: 'CloudWatch evaluation periods are whole numbers',
    build: (v: number) => alb().lb.addAlarms({ evaluationPeriods: v }),
    legal: 2,
    illegal: 2.5,
    says: /evaluationPeriods is 2\.5; allowed: a whole number of at least 1/,
  },
  {
    code: 'HALB_ALARM_PERIOD',
    rule: 'CloudWatch alarm periods are multiples of 60 s',
    build: (v: number) => alb().lb.addAlarms({ period: s(v) }),
    legal: 120,
    illegal: 90,
    says: /period is 90 seconds; allowed: a whole multiple of 60 seconds/,
  },
  {
    code: 'HALB_ALARM_PERIOD',
    rule: 'CloudWatch alarm period 20 s (valid in CloudWatch, refused by aws-cdk-lib)',
    build: (v: number) => alb().lb.addAlarms({ period: s(v) }),
    legal: 30,
    illegal: 20,
    says: /period is 20 seconds/,
  },
  {
    code: 'HALB_ALARM_EVALUATION_WINDOW',
    rule: 'CloudWatch: period × evaluation periods ≤ one day under hourly periods',
    build: (v: number) => alb().lb.addAlarms({ period: s(60), evaluationPeriods: v }),
    legal: 1440,
    illegal: 1441,
    says: /period × evaluationPeriods is 60 × 1441 = 86460 seconds; allowed: at most 86400 seconds/,
  },
  {
    code: 'HALB_ALARM_THRESHOLD',
    rule: 'ELB 5XX threshold ≥ 0',
    build: (v: number) => alb().lb.addAlarms({ elb5xxThreshold: v }),
    legal: 0,
    illegal: -1,
    says: /elb5xxThreshold is -1; allowed: a number of responses, 0 or more/,
  },
  // Issue 8: load-balancer attributes as typed props.
  {
    code: 'HALB_LB_CLIENT_KEEP_ALIVE_RANGE',
    rule: '§5.2 client keep-alive ≥ 60 s',
    build: (v: number) => alb({ clientKeepAlive: s(v) }),
    legal: 60,
    illegal: 59,
    says: /clientKeepAlive is 59 seconds; allowed: 60-604800 seconds \(whole number\)/,
  },
  {
    code: 'HALB_LB_CLIENT_KEEP_ALIVE_RANGE',
    rule: '§5.2 client keep-alive ≤ 7 days',
    build: (v: number) => alb({ clientKeepAlive: s(v) }),
    legal: 604800,
    illegal: 604801,
    says: /allowed: 60-604800 seconds/,
  },
  {
    code: 'HALB_LB_XFF_MODE',
    rule: '§5.1 X-Forwarded-For modes',
    build: (v: string) => alb({ xffHeaderProcessingMode: v as XffHeaderProcessingMode }),
    legal: 'preserve',
    illegal: 'rewrite',
    says: /xffHeaderProcessingMode is 'rewrite'; allowed: 'append', 'preserve', 'remove'/,
  },
  {
    code: 'HALB_LB_ALB_ONLY',
    rule: '§8.2 client keep-alive is ALB only',
    build: (v: number | undefined) => nlb({ clientKeepAlive: v === undefined ? undefined : s(v) }),
    legal: undefined,
    illegal: 120,
    says: /clientKeepAlive is set on a Network Load Balancer; allowed: not set/,
  },
  {
    code: 'HALB_LB_CAPACITY_UNITS',
    rule: '§8.2 ALB LCU reservation ≥ 100',
    build: (v: number) => alb({ minimumCapacityUnits: v }),
    legal: 100,
    illegal: 99,
    says: /minimumCapacityUnits is 99; allowed: a whole number of at least 100/,
  },
  {
    code: 'HALB_LB_CAPACITY_UNITS',
    rule: '§8.2 NLB LCU reservation ≥ 2750 per zone',
    build: (v: number) => nlb({ minimumCapacityUnits: v }),
    legal: 5500,
    illegal: 5498,
    says: /minimumCapacityUnits is 5498, 2749 per Availability Zone across 2 zones; allowed: 2750-45000 per zone/,
  },
  {
    code: 'HALB_LB_CAPACITY_UNITS',
    rule: '§8.2 NLB LCU reservation ≤ 45000 per zone',
    build: (v: number) => nlb({ minimumCapacityUnits: v }),
    legal: 90000,
    illegal: 90002,
    says: /45001 per Availability Zone/,
  },
  {
    code: 'HALB_LB_WEB_ACL',
    rule: '§8.2 WAF: a regional web ACL',
    build: (v: string) => alb({ webAclArn: `arn:aws:wafv2:us-east-1:123456789012:${v}/webacl/web/0123` }),
    legal: 'regional',
    illegal: 'global',
    says: /webAclArn is 'arn:aws:wafv2:us-east-1:123456789012:global\/webacl\/web\/0123'; allowed: the ARN of a regional AWS WAF web ACL/,
  },
  {
    code: 'HALB_LB_WEB_ACL',
    rule: "§8.2 WAF: a web ACL in the load balancer's Region",
    build: (v: string) => alb({ webAclArn: `arn:aws:wafv2:${v}:123456789012:regional/webacl/web/0123` }),
    legal: 'us-east-1',
    illegal: 'eu-west-1',
    says: /webAclArn names a web ACL in eu-west-1; allowed: a web ACL in the load balancer's Region, us-east-1/,
  },
  {
    code: 'HALB_LISTENER_MUTUAL_TLS',
    rule: '§8.3 mutual TLS verify needs a trust store',
    build: (v: string) => {
      const { lb } = alb();
      lb.addHttpsListener('L', {
        certificates: [CERT],
        mutualTls: v === 'passthrough' ? MutualTls.passthrough() : MutualTls.verify(undefined as never),
        defaultAction: ListenerAction.fixedResponse(200),
      });
    },
    legal: 'passthrough',
    illegal: 'verify',
    says: /mutualTls verify has no trust store/,
  },
  // Issue 8: rule transforms, regex conditions and authenticate actions (§4.2, §4.3).
  {
    code: 'HALB_CONDITION_REGEX',
    rule: '§4.2 RegexValues have no lookaround',
    build: (v: string) => rule({ conditions: [ListenerCondition.pathPatternRegex([v])] }),
    legal: '^/api/(v1|v2)/.*$',
    illegal: '^/api/(?=v1)',
    says: /path-pattern regex '\^\/api\/\(\?=v1\)' uses a lookahead \('\(\?=' at 6\); allowed: regular expressions without lookaround/,
  },
  {
    code: 'HALB_CONDITION_REGEX',
    rule: '§4.2 RegexValues ≤ 128 characters',
    build: (v: number) => rule({ conditions: [ListenerCondition.hostHeaderRegex(['^' + 'a'.repeat(v - 1)])] }),
    legal: 128,
    illegal: 129,
    says: /host-header regex '\^a+' has 129 characters; allowed: 1-128/,
  },
  {
    code: 'HALB_CONDITION_REGEX',
    rule: '§4.2 RegexValues are regular expressions',
    build: (v: string) => rule({ conditions: [ListenerCondition.httpHeaderRegex('X-Id', [v])] }),
    legal: '^[0-9]+$',
    illegal: '^[0-9+$',
    says: /http-header regex '\^\[0-9\+\$' is not a regular expression: a '\[' class is never closed/,
  },
  {
    code: 'HALB_RULE_CONDITION_REPEATED',
    rule: '§4.2 a regex and a value host-header condition are still two host-header conditions',
    build: (v: number) =>
      rule({
        conditions: [
          ListenerCondition.hostHeaderRegex(['^api\\.']),
          ...(v > 1 ? [ListenerCondition.hostHeaders(['api.example.com'])] : []),
        ],
      }),
    legal: 1,
    illegal: 2,
    says: /has 2 host-header conditions; allowed: at most 1 per rule/,
  },
  {
    code: 'HALB_TRANSFORM_REGEX',
    rule: '§4.3 transform regex dialect',
    build: (v: string) => rule({ transforms: [RuleTransform.urlRewrite({ regex: v, replace: '/x' })] }),
    legal: '^/old/(.*)$',
    illegal: '^/old/(?<=a)(.*)$',
    says: /url-rewrite regex '\^\/old\/\(\?<=a\)\(\.\*\)\$' uses a lookbehind/,
  },
  {
    code: 'HALB_TRANSFORM_REGEX',
    rule: '§4.3 transform regex ≤ 1024 characters',
    build: (v: number) =>
      rule({ transforms: [RuleTransform.hostHeaderRewrite({ regex: 'a'.repeat(v), replace: 'b' })] }),
    legal: 1024,
    illegal: 1025,
    says: /host-header-rewrite regex has 1025 characters; allowed: 1-1024/,
  },
  {
    code: 'HALB_TRANSFORM_REPLACE',
    rule: '§4.3 transform replace ≤ 1024 characters',
    build: (v: number) =>
      rule({ transforms: [RuleTransform.urlRewrite({ regex: '^/a$', replace: '/' + 'b'.repeat(v - 1) })] }),
    legal: 1024,
    illegal: 1025,
    says: /url-rewrite replace has 1025 characters; allowed: 0-1024/,
  },
  {
    code: 'HALB_TRANSFORM_REPEATED',
    rule: '§4.3 one transform of each type per rule',
    build: (v: number) =>
      rule({
        transforms: Array.from({ length: v }, () => RuleTransform.urlRewrite({ regex: '^/a$', replace: '/b' })),
      }),
    legal: 1,
    illegal: 2,
    says: /has 2 url-rewrite transforms; allowed: at most 1 per rule/,
  },
  {
    code: 'HALB_AUTH_HTTPS_ONLY',
    rule: '§4.3 authenticate actions only on HTTPS listeners',
    build: (v: string) => authListener(v, {}),
    legal: 'HTTPS',
    illegal: 'HTTP',
    says: /is an authenticate-oidc action on a HTTP listener; allowed: authenticate actions only on HTTPS listeners/,
  },
  {
    code: 'HALB_AUTH_NEXT',
    rule: '§4.1 one authenticate action before the terminal action',
    build: (v: boolean) => {
      const { lb } = alb();
      const terminal = ListenerAction.fixedResponse(200);
      lb.addHttpsListener('L', {
        certificates: [CERT],
        defaultAction: ListenerAction.authenticateOidc(
          OIDC,
          v ? ListenerAction.authenticateOidc(OIDC, terminal) : terminal,
        ),
      });
    },
    legal: false,
    illegal: true,
    says: /is an authenticate-oidc action followed by authenticate-oidc; allowed: one authenticate action, followed by forward, redirect or fixed-response/,
  },
  {
    code: 'HALB_AUTH_SESSION_TIMEOUT',
    rule: '§4.3 session timeout ≤ 7 days',
    build: (v: number) => authListener('HTTPS', { sessionTimeout: s(v) }),
    legal: 604800,
    illegal: 604801,
    says: /sessionTimeout is 604801 seconds; allowed: 1-604800 seconds \(whole number\)/,
  },
  {
    code: 'HALB_AUTH_EXTRA_PARAMS',
    rule: '§4.3 at most 10 extra authentication parameters',
    build: (v: number) =>
      authListener('HTTPS', {
        authenticationRequestExtraParams: Object.fromEntries(Array.from({ length: v }, (_, i) => [`p${i}`, 'x'])),
      }),
    legal: 10,
    illegal: 11,
    says: /authenticationRequestExtraParams: 11 given; allowed: at most 10/,
  },
  {
    code: 'HALB_AUTH_ENDPOINT',
    rule: '§4.3 identity-provider endpoints are https URLs',
    build: (v: string) => authListener('HTTPS', { tokenEndpoint: `${v}://idp.example.com/token` }),
    legal: 'https',
    illegal: 'http',
    says: /tokenEndpoint is 'http:\/\/idp\.example\.com\/token'; allowed: a full URL with the https:\/\/ scheme/,
  },
  {
    code: 'HALB_AUTH_ON_UNAUTHENTICATED',
    rule: '§4.3 OnUnauthenticatedRequest values',
    build: (v: string) => authListener('HTTPS', { onUnauthenticatedRequest: v as UnauthenticatedAction }),
    legal: 'deny',
    illegal: 'redirect',
    says: /onUnauthenticatedRequest is 'redirect'; allowed: 'deny', 'allow', 'authenticate'/,
  },
  {
    code: 'HALB_RULE_PRIORITY_REQUIRED',
    rule: '§4.1 rules on an imported listener have explicit priorities',
    build: (v: number | undefined) => {
      const { stack, vpc } = stackWithVpc();
      const lb = HaLoadBalancer.fromAttributes(stack, 'Existing', {
        type: LoadBalancerType.APPLICATION,
        loadBalancerArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/0123',
        securityGroupIds: ['sg-0123'],
        vpc,
      });
      const listener = lb.importListener('Https', {
        listenerArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/0123/4567',
        protocol: 'HTTPS',
        port: 443,
      });
      listener.addRule('R', {
        priority: v,
        conditions: [ListenerCondition.pathPatterns(['/a'])],
        action: ListenerAction.fixedResponse(200),
      });
    },
    legal: 5,
    illegal: undefined,
    says: /rule 'R' has no priority on an imported listener, whose existing rules are unknown/,
  },
  {
    code: 'HALB_IMPORT_SECURITY_GROUP',
    rule: '§8.2 an imported ALB names its security group',
    build: (v: number) => {
      const { stack, vpc } = stackWithVpc();
      return HaLoadBalancer.fromAttributes(stack, 'Existing', {
        type: LoadBalancerType.APPLICATION,
        loadBalancerArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/0123',
        securityGroupIds: Array.from({ length: v }, (_, i) => `sg-${i}`),
        vpc,
      });
    },
    legal: 1,
    illegal: 0,
    says: /securityGroupIds is empty for an Application Load Balancer/,
  },
  {
    code: 'HALB_R53_RECORD_OUTSIDE_ZONE',
    rule: '§8.6 the record lies in its zone (label boundary)',
    build: (v: string) => failover({}, { recordName: v }),
    legal: 'www.example.com',
    illegal: 'wwwexample.com',
    says: /recordName 'wwwexample\.com' is not in the zone 'example\.com'/,
  },
  {
    code: 'HALB_R53_RECORD_NAME',
    rule: '§8.6 labels ≤ 63 characters',
    build: (v: number) => failover({}, { recordName: 'a'.repeat(v) }),
    legal: 63,
    illegal: 64,
    says: /has a label of 64 characters/,
  },
];

describe('synth-time validation: the last legal value passes, the first illegal one fails with its code', () => {
  test.each(rows.map((r) => [r.code, r.rule, r] as const))('%s: %s', (code, _rule, r) => {
    expect(caught(() => (r.build as (v: unknown) => unknown)(r.legal))).toBeUndefined();
    const error = caught(() => (r.build as (v: unknown) => unknown)(r.illegal));
    expect(error).toBeDefined();
    const issue = error!.issues.find((i) => i.code === code);
    expect(issue).toBeDefined();
    expect(issue!.message).toMatch(r.says);
    expect(error!.message).toContain(`[${code}] ${issue!.path}:`);
  });
});

describe('synth-time validation across constructs (reported together at synth)', () => {
  test('§4.4 at most 100 rules per ALB: 100 pass, 101 fail with HALB_LB_RULE_COUNT', () => {
    const build = (n: number) => {
      const { app, lb } = alb();
      const l = lb.addHttpListener('Http', { defaultAction: ListenerAction.fixedResponse(404) });
      for (let i = 0; i < n; i++)
        l.addRule(`R${i}`, {
          conditions: [ListenerCondition.pathPatterns([`/p${i}`])],
          action: ListenerAction.fixedResponse(200),
        });
      return synthErrors(app);
    };
    expect(build(100)).toEqual([]);
    const errors = build(101);
    expect(errors.join('\n')).toMatch(
      /\[HALB_LB_RULE_COUNT\] Test\/Web: rules on this Application Load Balancer \(default rules excluded\): 101 given; allowed: at most 100\./,
    );
  });

  test('§4.4 at most 50 listeners per load balancer: 51 fail with HALB_LB_LISTENER_COUNT', () => {
    const build = (n: number) => {
      const { app, lb } = alb();
      for (let i = 0; i < n; i++)
        lb.addHttpListener(`L${i}`, { port: 8000 + i, defaultAction: ListenerAction.fixedResponse(404) });
      return synthErrors(app);
    };
    expect(build(50)).toEqual([]);
    expect(build(51).join('\n')).toMatch(/\[HALB_LB_LISTENER_COUNT\].*51 given; allowed: at most 50/);
  });

  test('§4.4 at most 1000 targets per ALB: 1000 pass, 1001 fail with HALB_LB_TARGET_COUNT', () => {
    const build = (n: number) => {
      const { app, lb } = alb();
      const ips = (count: number, base: number) =>
        Array.from({ length: count }, (_, i) => new IpTarget(`10.${base}.${i >> 8}.${i & 255}`));
      lb.addTargetGroup('A', { targetKind: TargetKind.IP, targets: ips(500, 1) });
      lb.addTargetGroup('B', { targetKind: TargetKind.IP, targets: ips(n - 500, 2) });
      return synthErrors(app);
    };
    expect(build(1000)).toEqual([]);
    expect(build(1001).join('\n')).toMatch(
      /\[HALB_LB_TARGET_COUNT\] Test\/Web: targets registered across the target groups of this Application Load Balancer: 1001 given; allowed: at most 1000\./,
    );
  });

  test('§4.4 at most 100 target groups per ALB', () => {
    const build = (n: number) => {
      const { app, lb } = alb();
      for (let i = 0; i < n; i++) lb.addTargetGroup(`T${i}`);
      return synthErrors(app);
    };
    expect(build(100)).toEqual([]);
    expect(build(101).join('\n')).toMatch(/\[HALB_LB_TARGET_GROUP_COUNT\].*101 given; allowed: at most 100/);
  });

  test('every issue of one call is reported together, each with its own code', () => {
    const error = caught(() =>
      alb().lb.addTargetGroup('Tg', {
        port: 0,
        healthCheck: { interval: s(400), healthyThreshold: 20 },
        deregistrationDelay: s(5000),
      }),
    );
    expect(error!.issues.map((i) => i.code)).toEqual(
      expect.arrayContaining([
        'HALB_TG_PORT_RANGE',
        'HALB_HC_INTERVAL_RANGE',
        'HALB_HC_HEALTHY_THRESHOLD_RANGE',
        'HALB_DEREGISTRATION_DELAY_RANGE',
      ]),
    );
    expect(error!.message.split('\n')).toHaveLength(error!.issues.length);
    expect(error!.issues.every((i) => i.path === 'Test/Web/Tg')).toBe(true);
  });

  test('unresolved tokens are never judged at synth time', () => {
    const lazy = Lazy.number({ produce: () => 9999 });
    expect(
      caught(() => alb().lb.addTargetGroup('Tg', { port: lazy, healthCheck: { healthyThreshold: lazy } })),
    ).toBeUndefined();
  });
});
