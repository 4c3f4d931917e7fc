import { Duration, Lazy } from 'aws-cdk-lib';
import { IpTarget } from 'aws-cdk-lib/aws-elasticloadbalancingv2-targets';
import {
  Algorithm,
  FailoverRole,
  HaLoadBalancer,
  IpAddressType,
  ListenerAction,
  ListenerCondition,
  LoadBalancerType,
  ProtocolVersion,
  Stickiness,
  TargetGroupProtocol,
  TargetKind,
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
}) {
  const { lb } = alb();
  const listener = lb.addHttpListener('Http', { defaultAction: ListenerAction.fixedResponse(404) });
  return listener.addRule('R', {
    conditions: props.conditions ?? [ListenerCondition.pathPatterns(['/a'])],
    action: props.action ? props.action(lb) : ListenerAction.fixedResponse(200),
    priority: props.priority,
  });
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
