import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import {
  FailoverProps,
  FailoverRole,
  HaLoadBalancer,
  LoadBalancerType,
  ListenerAction,
  resolveEndpointCheck,
  TargetGroupProtocol,
} from '../lib';
import { caught, CERT, stackWithVpc, synthErrors } from './support/fixtures';

const ZONE = { hostedZoneId: 'Z1', zoneName: 'example.com' };
const HC = 'AWS::Route53::HealthCheck';

type Listeners = (lb: HaLoadBalancer) => void;

const albHttp: Listeners = (lb) => lb.addHttpListener('Http', { defaultAction: ListenerAction.fixedResponse(200) });
const albHttp8080: Listeners = (lb) =>
  lb.addHttpListener('Http', { port: 8080, defaultAction: ListenerAction.fixedResponse(200) });
const albHttps: Listeners = (lb) =>
  lb.addHttpsListener('Https', { certificates: [CERT], defaultAction: ListenerAction.fixedResponse(200) });
const albHttps8443: Listeners = (lb) =>
  lb.addHttpsListener('Https', { port: 8443, certificates: [CERT], defaultAction: ListenerAction.fixedResponse(200) });
const albBoth: Listeners = (lb) =>
  lb.addHttpsListener('Https', {
    certificates: [CERT],
    redirectHttp: true,
    defaultAction: ListenerAction.fixedResponse(200),
  });
const albHttpThenHttps: Listeners = (lb) => {
  albHttp(lb);
  albHttps(lb);
};
const nlbTcp: Listeners = (lb) =>
  lb.addTcpListener('Pg', {
    port: 5432,
    defaultAction: ListenerAction.forward([lb.addTargetGroup('Db', { port: 5432 })]),
  });
const nlbTls: Listeners = (lb) =>
  lb.addTlsListener('Tls', {
    port: 443,
    certificates: [CERT],
    defaultAction: ListenerAction.forward([lb.addTargetGroup('Web', { port: 8080 })]),
  });
const nlbUdpThenTcp: Listeners = (lb) => {
  lb.addUdpListener('Dns', {
    port: 53,
    defaultAction: ListenerAction.forward([lb.addTargetGroup('Udp', { port: 53, protocol: TargetGroupProtocol.UDP })]),
  });
  nlbTcp(lb);
};

/** Build a load balancer whose listeners are declared before or after its failover side. */
function build(
  type: LoadBalancerType,
  listeners: Listeners,
  order: 'listeners after failover' | 'listeners before failover',
  healthCheck: FailoverProps['healthCheck'] = {},
) {
  const { app, stack, vpc } = stackWithVpc();
  const failover = { zone: ZONE, recordName: 'www', role: FailoverRole.PRIMARY, healthCheck };
  if (order === 'listeners after failover') {
    const lb = new HaLoadBalancer(stack, 'Web', { vpc, type, failover });
    listeners(lb);
    return { app, stack, lb };
  }
  const lb = new HaLoadBalancer(stack, 'Web', { vpc, type });
  listeners(lb);
  lb.addFailover(failover);
  return { app, stack, lb };
}

/** Listener protocols a Route 53 check of each type can probe (§7.1). */
const SERVES: Record<string, string[]> = {
  HTTP: ['HTTP', 'TCP'],
  HTTPS: ['HTTPS', 'TLS', 'TCP'],
  TCP: ['HTTP', 'HTTPS', 'TCP', 'TLS'],
};

describe('§7.1 the failover health check probes what a listener serves, whatever the declaration order', () => {
  const shapes = [
    ['ALB HTTP only', LoadBalancerType.APPLICATION, albHttp, 'HTTP', 80],
    ['ALB HTTP only on 8080', LoadBalancerType.APPLICATION, albHttp8080, 'HTTP', 8080],
    ['ALB HTTPS only', LoadBalancerType.APPLICATION, albHttps, 'HTTPS', 443],
    ['ALB HTTPS only on 8443', LoadBalancerType.APPLICATION, albHttps8443, 'HTTPS', 8443],
    ['ALB HTTPS with the HTTP redirect', LoadBalancerType.APPLICATION, albBoth, 'HTTPS', 443],
    ['ALB HTTP declared before HTTPS', LoadBalancerType.APPLICATION, albHttpThenHttps, 'HTTPS', 443],
    ['NLB TCP', LoadBalancerType.NETWORK, nlbTcp, 'TCP', 5432],
    ['NLB TLS', LoadBalancerType.NETWORK, nlbTls, 'TCP', 443],
    ['NLB UDP and TCP', LoadBalancerType.NETWORK, nlbUdpThenTcp, 'TCP', 5432],
  ] as const;
  const orders = ['listeners after failover', 'listeners before failover'] as const;
  const cases = shapes.flatMap(([name, type, listeners, protocol, port]) =>
    orders.map((order) => [name, order, protocol, port, type, listeners] as const),
  );

  test.each(cases)('%s, %s: probes %s port %s', (_name, order, protocol, port, type, listeners) => {
    const { stack } = build(type, listeners, order);
    const t = Template.fromStack(stack);
    const checks = Object.values(t.findResources(HC));
    expect(checks).toHaveLength(1);
    const config = checks[0].Properties.HealthCheckConfig;
    expect({ type: config.Type, port: config.Port }).toEqual({ type: protocol, port });
    expect(config.ResourcePath).toEqual(protocol === 'TCP' ? undefined : '/');
    expect(config.EnableSNI).toEqual(protocol === 'HTTPS' ? true : undefined);
    const served = Object.values(t.findResources('AWS::ElasticLoadBalancingV2::Listener')).map(
      (l) => [l.Properties.Protocol, l.Properties.Port] as const,
    );
    expect(served.some(([p, n]) => n === config.Port && SERVES[config.Type].includes(p))).toBe(true);
  });

  test('an explicit port picks the listener on that port and its protocol', () => {
    const { stack } = build(LoadBalancerType.APPLICATION, albHttpThenHttps, 'listeners after failover', { port: 80 });
    Template.fromStack(stack).hasResourceProperties(HC, {
      HealthCheckConfig: Match.objectLike({ Type: 'HTTP', Port: 80 }),
    });
  });

  test('an explicit TCP check on an ALB probes a listener port', () => {
    const { stack } = build(LoadBalancerType.APPLICATION, albHttps8443, 'listeners before failover', {
      protocol: 'TCP',
    });
    Template.fromStack(stack).hasResourceProperties(HC, {
      HealthCheckConfig: Match.objectLike({ Type: 'TCP', Port: 8443, ResourcePath: Match.absent() }),
    });
  });

  test('an explicit HTTP check through an NLB TCP listener', () => {
    const { stack } = build(LoadBalancerType.NETWORK, nlbTcp, 'listeners after failover', {
      protocol: 'HTTP',
      path: '/health',
    });
    Template.fromStack(stack).hasResourceProperties(HC, {
      HealthCheckConfig: Match.objectLike({ Type: 'HTTP', Port: 5432, ResourcePath: '/health' }),
    });
  });

  test.each([
    [
      'ALB HTTPS check with only an HTTP listener',
      LoadBalancerType.APPLICATION,
      albHttp,
      { protocol: 'HTTPS' },
      /healthCheck probes HTTPS, but no listener serves it \(listeners: HTTP 80\)/,
    ],
    [
      'ALB check on a port no listener uses',
      LoadBalancerType.APPLICATION,
      albHttps,
      { port: 8443 },
      /healthCheck probes 8443, but no listener serves it \(listeners: HTTPS 443\)/,
    ],
    [
      'NLB with only a UDP listener',
      LoadBalancerType.NETWORK,
      (lb: HaLoadBalancer) =>
        lb.addUdpListener('Dns', {
          port: 53,
          defaultAction: ListenerAction.forward([
            lb.addTargetGroup('Udp', { port: 53, protocol: TargetGroupProtocol.UDP }),
          ]),
        }),
      {},
      /no listener serves a protocol Route 53 can check \(listeners: UDP 53\)/,
    ],
    ['no listener at all', LoadBalancerType.NETWORK, () => undefined, {}, /\(listeners: none\)/],
  ] as const)('%s fails with HALB_R53_HEALTH_CHECK_LISTENER', (_name, type, listeners, healthCheck, says) => {
    const { app } = build(
      type,
      listeners as Listeners,
      'listeners after failover',
      healthCheck as FailoverProps['healthCheck'],
    );
    const errors = synthErrors(app).join('\n');
    expect(errors).toMatch(/\[HALB_R53_HEALTH_CHECK_LISTENER\] Test\/Web\/Failover: /);
    expect(errors).toMatch(says);
  });

  test('a path on a check that resolves to TCP fails with HALB_R53_PATH', () => {
    const { app } = build(LoadBalancerType.NETWORK, nlbTls, 'listeners after failover', { path: '/health' });
    expect(synthErrors(app).join('\n')).toMatch(
      /\[HALB_R53_PATH\] Test\/Web\/Failover: healthCheck\.path is set on a TCP health check \(probing TLS port 443\)/,
    );
  });

  test('a check on an internal load balancer is warned about (Route 53 checkers cannot reach it)', () => {
    const { stack, vpc } = stackWithVpc();
    const lb = new HaLoadBalancer(stack, 'Web', {
      vpc,
      internetFacing: false,
      failover: { zone: ZONE, recordName: 'www', role: FailoverRole.PRIMARY, healthCheck: {} },
    });
    albHttp(lb);
    Annotations.fromStack(stack).hasWarning('/Test/Web/Failover', Match.stringLikeRegexp('HALB_W_R53_CHECK_INTERNAL'));
  });

  test('resolveEndpointCheck prefers open listeners, HTTPS, the well-known port, then declaration order', () => {
    const l = (protocol: string, port: number, open = true) => ({
      protocol,
      port,
      open,
      node: { id: `${protocol}${port}` },
    });
    expect(resolveEndpointCheck({}, 'application', [l('HTTPS', 8443), l('HTTPS', 443)])?.port).toBe(443);
    expect(resolveEndpointCheck({}, 'application', [l('HTTPS', 443, false), l('HTTP', 80)])).toMatchObject({
      protocol: 'HTTP',
      port: 80,
    });
    expect(resolveEndpointCheck({ protocol: 'HTTPS' }, 'network', [l('TCP', 22), l('TLS', 443)])?.port).toBe(443);
    expect(resolveEndpointCheck({ protocol: 'HTTP' }, 'network', [l('TLS', 443), l('TCP', 22)])?.port).toBe(22);
    expect(resolveEndpointCheck({}, 'network', [l('UDP', 53)])).toBeUndefined();
  });
});

describe('§8.6 record names: case-insensitive, trailing-dot-insensitive, label by label', () => {
  function record(recordName: string, zoneName = 'example.com') {
    const { stack, vpc } = stackWithVpc();
    new HaLoadBalancer(stack, 'Web', {
      vpc,
      failover: { zone: { hostedZoneId: 'Z1', zoneName }, recordName, role: FailoverRole.PRIMARY },
    });
    return Template.fromStack(stack).findResources('AWS::Route53::RecordSet');
  }
  const names = (r: ReturnType<typeof record>) => Object.values(r).map((x) => x.Properties.Name);

  test.each([
    ['www', 'example.com', 'www.example.com.'],
    ['www.example.com', 'Example.COM', 'www.example.com.'],
    ['WWW.Example.Com', 'example.com.', 'www.example.com.'],
    ['www.example.com.', 'example.com', 'www.example.com.'],
    ['example.com', 'example.com', 'example.com.'],
    ['api.eu', 'example.com', 'api.eu.example.com.'],
    ['*.shop', 'example.com', '*.shop.example.com.'],
  ])('recordName %p in zone %p is %p', (recordName, zoneName, expected) => {
    expect(names(record(recordName, zoneName))).toEqual([expected]);
  });

  test.each([
    ['wwwexample.com', /recordName 'wwwexample\.com' is not in the zone 'example\.com'/],
    ['www.other.com', /recordName 'www\.other\.com' is not in the zone/],
    ['www.other.org.', /recordName 'www\.other\.org\.' is not in the zone/],
  ])('%p fails with HALB_R53_RECORD_OUTSIDE_ZONE', (recordName, says) => {
    const error = caught(() => record(recordName));
    expect(error?.issues.find((i) => i.code === 'HALB_R53_RECORD_OUTSIDE_ZONE')?.message).toMatch(says);
  });

  test.each([
    ['ww w', 'HALB_R53_RECORD_NAME', /the label 'ww w'; allowed: letters, digits, '-' and '_'/],
    ['a..b', 'HALB_R53_RECORD_NAME', /has a label of 0 characters/],
    ['x'.repeat(64), 'HALB_R53_RECORD_NAME', /has a label of 64 characters .*allowed: labels of 1-63 characters/],
    ['www.*', 'HALB_R53_RECORD_NAME', /the label '\*'/],
  ])('recordName %p fails with %s', (recordName, code, says) => {
    const error = caught(() => record(recordName));
    expect(error?.issues.find((i) => i.code === code)?.message).toMatch(says);
  });

  test('zone names are validated as DNS names', () => {
    const error = caught(() => record('www', 'exa mple.com'));
    expect(error?.issues.find((i) => i.code === 'HALB_R53_ZONE_NAME')?.message).toMatch(
      /zone\.zoneName 'exa mple\.com' has the label 'exa mple'/,
    );
  });
});

describe('§8.6 failover pairs across the stacks of one app (checked at synth)', () => {
  function regional(app: App, id: string, role: FailoverRole, props: Partial<FailoverProps> = {}) {
    const region = id.endsWith('West') ? 'us-west-2' : 'us-east-1';
    const stack = new Stack(app, id, { env: { account: '123456789012', region } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
    new HaLoadBalancer(stack, 'Web', { vpc, failover: { zone: ZONE, recordName: 'www', role, ...props } });
  }
  const app = () =>
    new App({
      context: {
        'availability-zones:account=123456789012:region=us-east-1': ['us-east-1a', 'us-east-1b'],
        'availability-zones:account=123456789012:region=us-west-2': ['us-west-2a', 'us-west-2b'],
      },
    });

  test('one PRIMARY and one SECONDARY pass', () => {
    const a = app();
    regional(a, 'East', FailoverRole.PRIMARY);
    regional(a, 'West', FailoverRole.SECONDARY);
    expect(synthErrors(a)).toEqual([]);
  });

  test('two PRIMARY records for one name fail with HALB_R53_FAILOVER_DUPLICATE, naming the first', () => {
    const a = app();
    regional(a, 'East', FailoverRole.PRIMARY);
    regional(a, 'West', FailoverRole.PRIMARY, { recordName: 'WWW.example.com.', setIdentifier: 'west' });
    expect(synthErrors(a).join('\n')).toMatch(
      /\[HALB_R53_FAILOVER_DUPLICATE\] West\/Web\/Failover: a second PRIMARY record for www\.example\.com\. \(A\) in hosted zone Z1; the first is East\/Web\/Failover; allowed: one PRIMARY and one SECONDARY record per name and type\./,
    );
  });

  test('the same set identifier twice fails with HALB_R53_SET_IDENTIFIER_DUPLICATE', () => {
    const a = app();
    regional(a, 'East', FailoverRole.PRIMARY, { setIdentifier: 'web' });
    regional(a, 'West', FailoverRole.SECONDARY, { setIdentifier: 'web' });
    expect(synthErrors(a).join('\n')).toMatch(
      /\[HALB_R53_SET_IDENTIFIER_DUPLICATE\] West\/Web\/Failover: setIdentifier 'web' of www\.example\.com\. \(A\) in hosted zone Z1 is also used by East\/Web\/Failover/,
    );
  });

  test('records of other names or zones do not clash', () => {
    const a = app();
    regional(a, 'East', FailoverRole.PRIMARY);
    regional(a, 'West', FailoverRole.PRIMARY, { recordName: 'api' });
    expect(synthErrors(a)).toEqual([]);
  });

  test('addFailover twice fails with HALB_R53_FAILOVER_TWICE', () => {
    const { stack, vpc } = stackWithVpc();
    const lb = new HaLoadBalancer(stack, 'Web', { vpc });
    lb.addFailover({ zone: ZONE, recordName: 'www', role: FailoverRole.PRIMARY });
    expect(caught(() => lb.addFailover({ zone: ZONE, recordName: 'api', role: FailoverRole.PRIMARY }))?.code).toBe(
      'HALB_R53_FAILOVER_TWICE',
    );
  });
});
