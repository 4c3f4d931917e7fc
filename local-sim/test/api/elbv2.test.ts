/**
 * The ELBv2 Query API without sockets: each action against a model and a real engine in virtual time.
 * Field names are AWS's; errors carry AWS's codes; changes take effect in the engine (§1.4, §2.3, §4.1).
 */
import { modelFromTemplate } from '../../src/model';
import { albTemplate, forward, IDS, STACK } from '../model/fixtures';
import { ApiHarness, memberParams, type Xml } from './harness';

const template = () =>
  albTemplate({
    targetGroups: {
      App: { props: { Tags: [{ Key: 'team', Value: 'web' }] } },
      Api: { targets: [{ Id: '10.0.1.20', Port: 9000 }] },
      Spare: { targets: [] },
      Tcp: { targets: [], props: { Protocol: 'TCP' } },
    },
    rules: [
      {
        priority: 10,
        conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } }],
        actions: [forward('Api')],
      },
    ],
  });

let h: ApiHarness;
beforeEach(() => {
  h = new ApiHarness(modelFromTemplate(template(), STACK));
});

const request = (path: string, host = 'www.example.com') => ({
  method: 'GET',
  path,
  query: '',
  headers: { host },
  sourceIp: '198.51.100.7',
  protocol: 'http' as const,
  port: 80,
});
/** Where the engine sends a request now: the target group, or the kind of answer. */
function routeOf(path: string, host?: string): string {
  const d = h.engine.route(IDS.lb, IDS.listener, request(path, host));
  return d.kind === 'forward'
    ? d.targetGroupId
    : d.kind === 'fixed'
      ? `fixed ${d.status}`
      : `${d.kind} ${'status' in d ? d.status : ''}`;
}

async function arns(): Promise<{ lb: string; listener: string; tg: Record<string, string>; rules: Xml[] }> {
  const lb = (await h.elbv2('DescribeLoadBalancers')).LoadBalancers.member[0].LoadBalancerArn as string;
  const listener = (await h.elbv2('DescribeListeners', { LoadBalancerArn: lb })).Listeners.member[0]
    .ListenerArn as string;
  const tgs = (await h.elbv2('DescribeTargetGroups')).TargetGroups.member as Xml[];
  const tg = Object.fromEntries(tgs.map((t) => [String(t.TargetGroupName).replace(/^Web|TG$/g, ''), t.TargetGroupArn]));
  const rules = (await h.elbv2('DescribeRules', { ListenerArn: listener })).Rules.member as Xml[];
  return { lb, listener, tg, rules };
}

describe('Describe* (model → API shapes)', () => {
  test('DescribeLoadBalancers: AWS field names, ARN, DNS name and canonical hosted zone of us-east-1', async () => {
    const lb = (await h.elbv2('DescribeLoadBalancers')).LoadBalancers.member[0];
    expect(lb.LoadBalancerArn).toMatch(
      /^arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer\/app\/WebLB0A1B2C3D\/[0-9a-f]{16}$/,
    );
    expect(lb.LoadBalancerName).toBe('WebLB0A1B2C3D');
    expect(lb.DNSName).toMatch(/^WebLB0A1B2C3D-\d{10}\.us-east-1\.elb\.amazonaws\.com$/);
    expect(lb).toMatchObject({
      CanonicalHostedZoneId: 'Z35SXDOTRQ7X7K',
      CreatedTime: '2024-01-01T00:00:00.000Z',
      Scheme: 'internet-facing',
      State: { Code: 'active' },
      Type: 'application',
      IpAddressType: 'ipv4',
    });
    // §2.4 one entry per zone the load balancer is enabled in
    expect(lb.AvailabilityZones.member).toEqual([{ ZoneName: 'us-east-1a' }, { ZoneName: 'us-east-1b' }]);
  });

  test('DescribeLoadBalancers by Names; an unknown name is LoadBalancerNotFound; names with ARNs is ValidationError', async () => {
    const { lb } = await arns();
    expect(
      (await h.elbv2('DescribeLoadBalancers', memberParams('Names', ['WebLB0A1B2C3D']))).LoadBalancers.member[0]
        .LoadBalancerArn,
    ).toBe(lb);
    expect((await h.elbv2Error('DescribeLoadBalancers', memberParams('Names', ['nope']))).code).toBe(
      'LoadBalancerNotFound',
    );
    const both = { ...memberParams('Names', ['x']), ...memberParams('LoadBalancerArns', [lb]) };
    expect((await h.elbv2Error('DescribeLoadBalancers', both)).code).toBe('ValidationError');
  });

  test('malformed ARNs are ValidationError, well-formed unknown ones the resource NotFound code', async () => {
    const e1 = await h.elbv2Error('DescribeTargetHealth', { TargetGroupArn: 'my-tg' });
    expect([e1.code, e1.message]).toEqual(['ValidationError', "'my-tg' is not a valid target group ARN"]);
    const unknown = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/x/0123456789abcdef';
    const e2 = await h.elbv2Error('DescribeTargetHealth', { TargetGroupArn: unknown });
    expect([e2.code, e2.message, e2.status]).toEqual([
      'TargetGroupNotFound',
      'One or more target groups not found',
      400,
    ]);
    const lbArn = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/x/0123456789abcdef';
    expect((await h.elbv2Error('DescribeListeners', { LoadBalancerArn: lbArn })).code).toBe('LoadBalancerNotFound');
    const lArn = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/x/0123456789abcdef/0123456789abcdef';
    expect((await h.elbv2Error('DescribeRules', { ListenerArn: lArn })).code).toBe('ListenerNotFound');
    expect(
      (await h.elbv2Error('DeleteRule', { RuleArn: lArn.replace('listener/', 'listener-rule/') + '/0123456789abcdef' }))
        .code,
    ).toBe('RuleNotFound');
  });

  test('DescribeListeners: port, protocol and the default forward action with the target group ARN DescribeTargetGroups returns', async () => {
    const { lb, tg } = await arns();
    const l = (await h.elbv2('DescribeListeners', { LoadBalancerArn: lb })).Listeners.member[0];
    expect(l).toMatchObject({ LoadBalancerArn: lb, Port: '80', Protocol: 'HTTP' });
    expect(l.DefaultActions.member[0]).toEqual({
      Type: 'forward',
      TargetGroupArn: tg.App,
      Order: '1',
      ForwardConfig: {
        TargetGroups: { member: [{ TargetGroupArn: tg.App, Weight: '1' }] },
        TargetGroupStickinessConfig: { Enabled: 'false' },
      },
    });
    expect((await h.elbv2Error('DescribeListeners')).code).toBe('ValidationError');
  });

  test('§4.1 DescribeRules: rules by priority, then the default rule (Priority "default", IsDefault true)', async () => {
    const { rules, tg } = await arns();
    expect(rules.map((r) => [r.Priority, r.IsDefault])).toEqual([
      ['10', 'false'],
      ['default', 'true'],
    ]);
    expect(rules[0].Conditions.member[0]).toEqual({
      Field: 'path-pattern',
      Values: { member: ['/api/*'] },
      PathPatternConfig: { Values: { member: ['/api/*'] } },
    });
    expect(rules[0].Actions.member[0].TargetGroupArn).toBe(tg.Api);
    expect(rules[1].Conditions).toBe('');
    const byArn = await h.elbv2('DescribeRules', memberParams('RuleArns', [rules[0].RuleArn]));
    expect(byArn.Rules.member).toHaveLength(1);
  });

  test('DescribeTargetGroups: health-check settings as written, load balancers that use it, filters by load balancer and name', async () => {
    const { lb, tg } = await arns();
    const all = (await h.elbv2('DescribeTargetGroups')).TargetGroups.member as Xml[];
    expect(all.map((t) => t.TargetGroupName)).toEqual(['WebAppTG', 'WebApiTG', 'WebSpareTG', 'WebTcpTG']);
    expect(all[0]).toMatchObject({
      TargetGroupArn: tg.App,
      Protocol: 'HTTP',
      Port: '80',
      HealthCheckProtocol: 'HTTP',
      HealthCheckPort: 'traffic-port',
      HealthCheckEnabled: 'true',
      HealthCheckIntervalSeconds: '10',
      HealthCheckTimeoutSeconds: '5',
      HealthyThresholdCount: '2',
      UnhealthyThresholdCount: '2',
      HealthCheckPath: '/health',
      Matcher: { HttpCode: '200' },
      LoadBalancerArns: { member: [lb] },
      TargetType: 'ip',
      ProtocolVersion: 'HTTP1',
    });
    const ofLb = (await h.elbv2('DescribeTargetGroups', { LoadBalancerArn: lb })).TargetGroups.member as Xml[];
    expect(ofLb.map((t) => t.TargetGroupName)).toEqual(['WebAppTG', 'WebApiTG']);
    const byName = await h.elbv2('DescribeTargetGroups', memberParams('Names', ['WebSpareTG']));
    expect(byName.TargetGroups.member[0].LoadBalancerArns).toBe('');
  });

  test('Marker/PageSize pagination; PageSize outside 1-400 is ValidationError', async () => {
    const first = await h.elbv2('DescribeTargetGroups', { PageSize: 3 });
    expect(first.TargetGroups.member).toHaveLength(3);
    const second = await h.elbv2('DescribeTargetGroups', { PageSize: 3, Marker: first.NextMarker });
    expect(second.TargetGroups.member.map((t: Xml) => t.TargetGroupName)).toEqual(['WebTcpTG']);
    expect(second.NextMarker).toBeUndefined();
    expect((await h.elbv2Error('DescribeTargetGroups', { PageSize: 0 })).message).toBe(
      "1 validation error detected: Value '0' at 'pageSize' failed to satisfy constraint: Member must have value between 1-400",
    );
  });

  test('§8.1/§8.2 DescribeTargetGroupAttributes and DescribeLoadBalancerAttributes: template values and AWS defaults', async () => {
    const { lb, tg } = await arns();
    const tgAttrs = Object.fromEntries(
      ((await h.elbv2('DescribeTargetGroupAttributes', { TargetGroupArn: tg.App })).Attributes.member as Xml[]).map(
        (a) => [a.Key, a.Value],
      ),
    );
    expect(tgAttrs).toMatchObject({
      'deregistration_delay.timeout_seconds': '300',
      'stickiness.enabled': 'false',
      'stickiness.type': 'lb_cookie',
      'load_balancing.algorithm.type': 'round_robin',
      'slow_start.duration_seconds': '0',
      'load_balancing.cross_zone.enabled': 'use_load_balancer_configuration',
      'target_group_health.dns_failover.minimum_healthy_targets.count': '1',
      'target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage': 'off',
    });
    expect(tgAttrs['proxy_protocol_v2.enabled']).toBeUndefined();
    const nlbAttrs = (
      (await h.elbv2('DescribeTargetGroupAttributes', { TargetGroupArn: tg.Tcp })).Attributes.member as Xml[]
    ).map((a) => a.Key);
    expect(nlbAttrs).toEqual(expect.arrayContaining(['proxy_protocol_v2.enabled', 'preserve_client_ip.enabled']));
    const lbAttrs = Object.fromEntries(
      ((await h.elbv2('DescribeLoadBalancerAttributes', { LoadBalancerArn: lb })).Attributes.member as Xml[]).map(
        (a) => [a.Key, a.Value],
      ),
    );
    expect(lbAttrs).toMatchObject({
      'deletion_protection.enabled': 'false',
      'idle_timeout.timeout_seconds': '60',
      'routing.http2.enabled': 'true',
      'routing.http.desync_mitigation_mode': 'defensive',
      'load_balancing.cross_zone.enabled': 'true',
    });
  });

  test('DescribeTags: template tags of a target group, none for a listener; an unknown ARN is its NotFound code', async () => {
    const { tg, listener } = await arns();
    const r = await h.elbv2('DescribeTags', memberParams('ResourceArns', [tg.App, listener]));
    expect(r.TagDescriptions.member).toEqual([
      { ResourceArn: tg.App, Tags: { member: [{ Key: 'team', Value: 'web' }] } },
      { ResourceArn: listener, Tags: '' },
    ]);
    const missing = tg.App.replace(/[0-9a-f]{16}$/, '0000000000000000');
    expect((await h.elbv2Error('DescribeTags', memberParams('ResourceArns', [missing]))).code).toBe(
      'TargetGroupNotFound',
    );
  });

  test('an unknown Action is InvalidAction; another API version is refused', async () => {
    expect((await h.elbv2Error('CreateLoadBalancer')).code).toBe('InvalidAction');
    const e = await h
      .elbv2('DescribeLoadBalancers', { Version: '2012-06-01' })
      .then(() => undefined)
      .catch((err: { code: string }) => err.code);
    expect(e).toBe('InvalidAction');
  });
});

describe('targets', () => {
  test('§1.4 DescribeTargetHealth: template targets go initial → healthy; a target never registered is unused / Target.NotRegistered', async () => {
    const { tg } = await arns();
    const states = async (): Promise<string[]> =>
      (
        (await h.elbv2('DescribeTargetHealth', { TargetGroupArn: tg.App })).TargetHealthDescriptions.member as Xml[]
      ).map((d) => d.TargetHealth.State);
    expect(await states()).toEqual(['initial', 'initial', 'initial']);
    h.probeAll(200);
    expect(await states()).toEqual(['healthy', 'healthy', 'healthy']);
    const one = await h.elbv2('DescribeTargetHealth', {
      TargetGroupArn: tg.App,
      ...memberParams('Targets', [{ Id: '10.9.9.9', Port: 8080 }]),
    });
    expect(one.TargetHealthDescriptions.member).toEqual([
      {
        Target: { Id: '10.9.9.9', Port: '8080' },
        HealthCheckPort: '8080',
        TargetHealth: {
          State: 'unused',
          Reason: 'Target.NotRegistered',
          Description: 'Target is not registered to the target group',
        },
      },
    ]);
  });

  test('§2.1 AnomalyDetection is returned only with Include=AnomalyDetection', async () => {
    const { tg } = await arns();
    h.probeAll(200);
    const plain = await h.elbv2('DescribeTargetHealth', { TargetGroupArn: tg.App });
    expect(plain.TargetHealthDescriptions.member[0].AnomalyDetection).toBeUndefined();
    const withAnomaly = await h.elbv2('DescribeTargetHealth', {
      TargetGroupArn: tg.App,
      ...memberParams('Include', ['AnomalyDetection']),
    });
    expect(withAnomaly.TargetHealthDescriptions.member[0].AnomalyDetection).toEqual({
      Result: 'normal',
      MitigationInEffect: 'no',
    });
  });

  test('§2.2 RegisterTargets: the target joins initial and turns healthy; Port defaults to the target group port', async () => {
    const { tg } = await arns();
    await h.elbv2('RegisterTargets', { TargetGroupArn: tg.Api, ...memberParams('Targets', [{ Id: '10.0.2.20' }]) });
    const d = h.engine.describeTargetHealth(IDS.tg('Api')).find((x) => x.Target.Id === '10.0.2.20');
    expect(d?.Target.Port).toBe(80);
    expect(d?.TargetHealth.State).toBe('initial');
    h.probeAll(200);
    expect(h.engine.describeTargetHealth(IDS.tg('Api')).map((x) => x.TargetHealth.State)).toEqual([
      'healthy',
      'healthy',
    ]);
  });

  test('§2.4 RegisterTargets with an AvailabilityZone: the target is in that zone, and DescribeTargetHealth says so', async () => {
    const { tg } = await arns();
    await h.elbv2('RegisterTargets', {
      TargetGroupArn: tg.Api,
      ...memberParams('Targets', [{ Id: '10.0.2.21', AvailabilityZone: 'us-east-1b' }]),
    });
    const target = { targetGroupId: IDS.tg('Api'), targetId: '10.0.2.21', port: 80 };
    expect(h.engine.targetZone(target)).toBe('us-east-1b');
    const described = await h.elbv2('DescribeTargetHealth', { TargetGroupArn: tg.Api });
    const member = (described.TargetHealthDescriptions.member as Xml[]).find((d) => d.Target.Id === '10.0.2.21');
    expect(member!.Target).toEqual({ Id: '10.0.2.21', Port: '80', AvailabilityZone: 'us-east-1b' });
  });

  test.each([
    [{ Id: 'web-1', Port: 80 }, 'InvalidTarget', "The IP address 'web-1' is not a valid IPv4 or IPv6 address"],
    [
      { Id: '10.0.0.1', Port: 0 },
      'ValidationError',
      "1 validation error detected: Value '0' at 'targets.1.member.port' failed to satisfy constraint: Member must have value between 1-65535",
    ],
    [
      { Id: '10.0.0.1', Port: 65536 },
      'ValidationError',
      "1 validation error detected: Value '65536' at 'targets.1.member.port' failed to satisfy constraint: Member must have value between 1-65535",
    ],
  ])('RegisterTargets %j on an ip target group → %s', async (target, code, message) => {
    const { tg } = await arns();
    const e = await h.elbv2Error('RegisterTargets', { TargetGroupArn: tg.Api, ...memberParams('Targets', [target]) });
    expect([e.code, e.message]).toEqual([code, message]);
  });

  /** `n` ip targets on port 80. */
  const many = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ Id: `10.1.${Math.floor(i / 250)}.${i % 250}`, Port: 80 }));

  test.each([
    [1000, undefined],
    [1001, "You've reached the limit on the number of targets per target group (1000)"],
  ])('§8.4 RegisterTargets: %i targets in one target group (limit 1000) → %s', async (n, message) => {
    const { tg } = await arns();
    const params = { TargetGroupArn: tg.Spare, ...memberParams('Targets', many(n)) };
    if (message)
      expect(await h.elbv2Error('RegisterTargets', params)).toMatchObject({ code: 'TooManyTargets', message });
    else await h.elbv2('RegisterTargets', params);
    expect(h.engine.describeTargetHealth(IDS.tg('Spare'))).toHaveLength(message ? 0 : 1000);
  });

  test.each([
    [996, undefined],
    [997, "You've reached the limit on the number of targets per load balancer (1000)"],
  ])('§8.4 RegisterTargets: 4 targets on the ALB + %i more (limit 1000 per ALB) → %s', async (n, message) => {
    const { tg } = await arns();
    const params = { TargetGroupArn: tg.App, ...memberParams('Targets', many(n)) };
    if (message)
      expect(await h.elbv2Error('RegisterTargets', params)).toMatchObject({ code: 'TooManyTargets', message });
    else await h.elbv2('RegisterTargets', params);
    expect(h.engine.describeTargetHealth(IDS.tg('App'))).toHaveLength(message ? 3 : 999);
  });

  test('§2.3 DeregisterTargets: draining for the deregistration delay, then unused; no new requests meanwhile', async () => {
    const { tg } = await arns();
    h.probeAll(200);
    await h.elbv2('DeregisterTargets', {
      TargetGroupArn: tg.Api,
      ...memberParams('Targets', [{ Id: '10.0.1.20', Port: 9000 }]),
    });
    const state = () => h.engine.describeTargetHealth(IDS.tg('Api'), [{ id: '10.0.1.20', port: 9000 }])[0].TargetHealth;
    expect(state()).toEqual({
      State: 'draining',
      Reason: 'Target.DeregistrationInProgress',
      Description: 'Target deregistration is in progress',
    });
    expect(routeOf('/api/x')).toBe('error 503');
    h.clock.advance(299_999);
    expect(state().State).toBe('draining');
    h.clock.advance(1);
    expect(state().State).toBe('unused');
  });

  test('DeregisterTargets of a target that is not registered is InvalidTarget', async () => {
    const { tg } = await arns();
    const e = await h.elbv2Error('DeregisterTargets', {
      TargetGroupArn: tg.Api,
      ...memberParams('Targets', [{ Id: '10.7.7.7', Port: 9000 }]),
    });
    expect(e.code).toBe('InvalidTarget');
    expect(e.message).toContain("'10.7.7.7:9000'");
  });
});

describe('changes to target groups', () => {
  test('§1.1 ModifyTargetGroup: new health-check settings are described and probed', async () => {
    const { tg } = await arns();
    const r = await h.elbv2('ModifyTargetGroup', {
      TargetGroupArn: tg.App,
      HealthCheckPath: '/ready',
      HealthCheckIntervalSeconds: 30,
      HealthCheckTimeoutSeconds: 6,
      'Matcher.HttpCode': '200-299',
    });
    expect(r.TargetGroups.member[0]).toMatchObject({
      HealthCheckPath: '/ready',
      HealthCheckIntervalSeconds: '30',
      HealthCheckTimeoutSeconds: '6',
      Matcher: { HttpCode: '200-299' },
    });
    expect(
      new Set(
        h.engine
          .probeDue()
          .filter((p) => p.target.targetGroupId === IDS.tg('App'))
          .map((p) => p.path),
      ),
    ).toEqual(new Set(['/ready']));
  });

  test.each([
    [{ HealthCheckIntervalSeconds: 5 }, 'Health check interval must be greater than the timeout.'],
    [
      { HealthCheckIntervalSeconds: 4 },
      "1 validation error detected: Value '4' at 'healthCheckIntervalSeconds' failed to satisfy constraint: Member must have value between 5-300",
    ],
    [
      { HealthyThresholdCount: 11 },
      "1 validation error detected: Value '11' at 'healthyThresholdCount' failed to satisfy constraint: Member must have value between 2-10",
    ],
    [
      { HealthCheckProtocol: 'TCP' },
      "1 validation error detected: Value 'TCP' at 'healthCheckProtocol' failed to satisfy constraint: Member must satisfy enum value set: [HTTP, HTTPS]",
    ],
    [
      { 'Matcher.HttpCode': '200-500' },
      'Matcher HttpCode \'200-500\' is not valid; allowed: codes 200-499 as a list ("200,202") or a range ("200-299")',
    ],
    [{ HealthCheckPath: 'health' }, "Health check path 'health' must start with '/' and have 1-1024 characters"],
    [{ HealthCheckEnabled: false }, 'Health checks cannot be disabled for target groups with target type ip'],
  ])('§1.2 ModifyTargetGroup %j → ValidationError', async (params, message) => {
    const { tg } = await arns();
    const e = await h.elbv2Error('ModifyTargetGroup', { TargetGroupArn: tg.App, ...params });
    expect([e.code, e.message]).toEqual(['ValidationError', message]);
  });

  test('§2.3 ModifyTargetGroupAttributes: a shorter deregistration delay ends draining sooner', async () => {
    const { tg } = await arns();
    const r = await h.elbv2('ModifyTargetGroupAttributes', {
      TargetGroupArn: tg.Api,
      ...memberParams('Attributes', [{ Key: 'deregistration_delay.timeout_seconds', Value: '10' }]),
    });
    expect(r.Attributes.member).toContainEqual({ Key: 'deregistration_delay.timeout_seconds', Value: '10' });
    h.probeAll(200);
    await h.elbv2('DeregisterTargets', {
      TargetGroupArn: tg.Api,
      ...memberParams('Targets', [{ Id: '10.0.1.20', Port: 9000 }]),
    });
    h.clock.advance(10_000);
    expect(h.engine.describeTargetHealth(IDS.tg('Api'), [{ id: '10.0.1.20', port: 9000 }])[0].TargetHealth.State).toBe(
      'unused',
    );
  });

  test.each([
    ['deregistration_delay.timeout_seconds', '3600', undefined],
    [
      'deregistration_delay.timeout_seconds',
      '3601',
      "The value of 'deregistration_delay.timeout_seconds' must be an integer 0-3600 seconds, but was '3601'",
    ],
    ['slow_start.duration_seconds', '30', undefined],
    [
      'slow_start.duration_seconds',
      '29',
      "The value of 'slow_start.duration_seconds' must be an integer 30-900 seconds (or 0 to turn it off), but was '29'",
    ],
    [
      'stickiness.type',
      'source_ip',
      "The value of 'stickiness.type' must be one of 'lb_cookie', 'app_cookie', but was 'source_ip'",
    ],
    [
      'proxy_protocol_v2.enabled',
      'true',
      "Attribute key 'proxy_protocol_v2.enabled' is not recognized for Application Load Balancer target groups",
    ],
    [
      'stickiness.app_cookie.cookie_name',
      'AWSALBAPP-1',
      "The value of 'stickiness.app_cookie.cookie_name' must be a cookie name not starting with 'AWSALB' (reserved), but was 'AWSALBAPP-1'",
    ],
  ])('§8.1 ModifyTargetGroupAttributes %s=%s → %s', async (Key, Value, message) => {
    const { tg } = await arns();
    const params = { TargetGroupArn: tg.App, ...memberParams('Attributes', [{ Key, Value }]) };
    if (message === undefined) {
      await h.elbv2('ModifyTargetGroupAttributes', params);
    } else {
      const e = await h.elbv2Error('ModifyTargetGroupAttributes', params);
      expect([e.code, e.message]).toEqual(['ValidationError', message]);
    }
  });

  test('§2.2 slow start with least_outstanding_requests is refused (AWS allows slow start only with round_robin)', async () => {
    const { tg } = await arns();
    const e = await h.elbv2Error('ModifyTargetGroupAttributes', {
      TargetGroupArn: tg.App,
      ...memberParams('Attributes', [
        { Key: 'slow_start.duration_seconds', Value: '60' },
        { Key: 'load_balancing.algorithm.type', Value: 'least_outstanding_requests' },
      ]),
    });
    expect(e.code).toBe('ValidationError');
    expect(e.message).toContain('slow_start.duration_seconds with least_outstanding_requests');
  });
});

describe('changes to listeners and rules', () => {
  test('§4.3 ModifyListener: a new default action answers the next request', async () => {
    const { listener } = await arns();
    const r = await h.elbv2('ModifyListener', {
      ListenerArn: listener,
      ...memberParams('DefaultActions', [
        {
          Type: 'fixed-response',
          'FixedResponseConfig.StatusCode': '503',
          'FixedResponseConfig.ContentType': 'text/plain',
          'FixedResponseConfig.MessageBody': 'maintenance',
        },
      ]),
    });
    expect(r.Listeners.member[0].DefaultActions.member[0]).toEqual({
      Type: 'fixed-response',
      Order: '1',
      FixedResponseConfig: { MessageBody: 'maintenance', StatusCode: '503', ContentType: 'text/plain' },
    });
    expect(routeOf('/')).toBe('fixed 503');
    expect(routeOf('/api/x')).toBe(IDS.tg('Api'));
  });

  test('ModifyListener errors: UnsupportedProtocol, HTTPS without a certificate, IncompatibleProtocols', async () => {
    const { listener, tg } = await arns();
    expect((await h.elbv2Error('ModifyListener', { ListenerArn: listener, Protocol: 'TCP' })).code).toBe(
      'UnsupportedProtocol',
    );
    expect(
      (await h.elbv2Error('ModifyListener', { ListenerArn: listener, Protocol: 'HTTPS', Port: 443 })).message,
    ).toBe('A certificate must be specified for HTTPS listeners');
    const toTcp = memberParams('DefaultActions', [{ Type: 'forward', TargetGroupArn: tg.Tcp }]);
    expect((await h.elbv2Error('ModifyListener', { ListenerArn: listener, ...toTcp })).code).toBe(
      'IncompatibleProtocols',
    );
  });

  test('§4.1 CreateRule: the new rule routes the next request; a target group it forwards to starts being health-checked (§1.4)', async () => {
    const { listener, tg } = await arns();
    const r = await h.elbv2('CreateRule', {
      ListenerArn: listener,
      Priority: 5,
      ...memberParams('Conditions', [
        { Field: 'host-header', 'HostHeaderConfig.Values.member.1': 'spare.example.com' },
      ]),
      ...memberParams('Actions', [{ Type: 'forward', TargetGroupArn: tg.Spare }]),
      ...memberParams('Tags', [{ Key: 'owner', Value: 'api' }]),
    });
    const rule = r.Rules.member[0];
    expect(rule).toMatchObject({ Priority: '5', IsDefault: 'false' });
    expect(rule.Conditions.member[0]).toEqual({
      Field: 'host-header',
      Values: { member: ['spare.example.com'] },
      HostHeaderConfig: { Values: { member: ['spare.example.com'] } },
    });
    expect(routeOf('/', 'spare.example.com')).toBe('error 503');
    expect(h.model().targetGroups.find((t) => t.id === IDS.tg('Spare'))?.inUse).toBe(true);
    const rules = (await h.elbv2('DescribeRules', { ListenerArn: listener })).Rules.member as Xml[];
    expect(rules.map((x) => x.Priority)).toEqual(['5', '10', 'default']);
    const tags = await h.elbv2('DescribeTags', memberParams('ResourceArns', [rule.RuleArn]));
    expect(tags.TagDescriptions.member[0].Tags.member).toEqual([{ Key: 'owner', Value: 'api' }]);
  });

  test.each([
    ['PriorityInUse', { Priority: 10 }, "Priority '10' is currently in use"],
    [
      'ValidationError',
      { Priority: 50001 },
      "1 validation error detected: Value '50001' at 'priority' failed to satisfy constraint: Member must have value between 1-50000",
    ],
    [
      'ValidationError',
      {
        Priority: 5,
        'Conditions.member.1.PathPatternConfig.Values.member.4': '/d',
        'Conditions.member.1.PathPatternConfig.Values.member.2': '/b',
        'Conditions.member.1.PathPatternConfig.Values.member.3': '/c',
      },
      "The 'path-pattern' condition has 4 values; the maximum is 3",
    ],
    [
      'ValidationError',
      { Priority: 5, 'Conditions.member.1.PathPatternConfig.Values.member.1': 'no spaces' },
      "The path-pattern condition value 'no spaces' is not valid; allowed: A-Z a-z 0-9 _ - . $ / ~ \" ' @ : + & * ?",
    ],
    [
      'ValidationError',
      { Priority: 5, 'Conditions.member.1.HostHeaderConfig.Values.member.1': 'a.example.com' },
      'A path-pattern condition takes PathPatternConfig, not HostHeaderConfig',
    ],
    [
      'ValidationError',
      {
        Priority: 5,
        'Conditions.member.2.Field': 'http-request-method',
        'Conditions.member.2.Values.member.1': 'GET',
      },
      'Values is only for host-header and path-pattern conditions; a http-request-method condition takes HttpRequestMethodConfig',
    ],
    [
      'ValidationError',
      {
        Priority: 5,
        'Actions.member.2.Type': 'fixed-response',
        'Actions.member.2.FixedResponseConfig.StatusCode': '200',
        'Actions.member.2.Order': 2,
      },
      'Every action needs an Order (1-50000) when there are 2 actions',
    ],
  ])('CreateRule → %s (%j)', async (code, extra, message) => {
    const { listener, tg } = await arns();
    const e = await h.elbv2Error('CreateRule', {
      ListenerArn: listener,
      'Conditions.member.1.Field': 'path-pattern',
      'Conditions.member.1.PathPatternConfig.Values.member.1': '/a',
      ...memberParams('Actions', [{ Type: 'forward', TargetGroupArn: tg.Spare }]),
      ...extra,
    });
    expect([e.code, e.message]).toEqual([code, message]);
  });

  test('CreateRule: a redirect that changes nothing is refused as a loop (§4.3)', async () => {
    const { listener } = await arns();
    const e = await h.elbv2Error('CreateRule', {
      ListenerArn: listener,
      Priority: 5,
      ...memberParams('Conditions', [{ Field: 'path-pattern', 'PathPatternConfig.Values.member.1': '/x' }]),
      ...memberParams('Actions', [{ Type: 'redirect', 'RedirectConfig.StatusCode': 'HTTP_301' }]),
    });
    expect([e.code, e.message]).toEqual([
      'ValidationError',
      'The redirect configuration is not valid because it creates a loop.',
    ]);
  });

  test.each([
    [99, undefined],
    [100, 'TooManyRules'],
  ])('§8.4 CreateRule with %i rules on the load balancer (limit 100) → %s', async (existing, code) => {
    const { listener, tg } = await arns();
    for (let p = 100; h.model().listeners[0].rules.length < existing; p++) {
      await h.elbv2('CreateRule', {
        ListenerArn: listener,
        Priority: p,
        ...memberParams('Conditions', [{ Field: 'path-pattern', 'PathPatternConfig.Values.member.1': `/p${p}` }]),
        ...memberParams('Actions', [{ Type: 'forward', TargetGroupArn: tg.Spare }]),
      });
    }
    const params = {
      ListenerArn: listener,
      Priority: 1,
      ...memberParams('Conditions', [{ Field: 'path-pattern', 'PathPatternConfig.Values.member.1': '/last' }]),
      ...memberParams('Actions', [{ Type: 'forward', TargetGroupArn: tg.Spare }]),
    };
    if (code) expect((await h.elbv2Error('CreateRule', params)).code).toBe(code);
    else await h.elbv2('CreateRule', params);
  });

  test('ModifyRule re-routes; the default rule cannot be modified or deleted (OperationNotPermitted)', async () => {
    const { rules } = await arns();
    await h.elbv2('ModifyRule', {
      RuleArn: rules[0].RuleArn,
      ...memberParams('Conditions', [{ Field: 'path-pattern', 'PathPatternConfig.Values.member.1': '/v2/*' }]),
    });
    expect(routeOf('/v2/x')).toBe(IDS.tg('Api'));
    expect(routeOf('/api/x')).toBe(IDS.tg('App'));
    expect((await h.elbv2Error('ModifyRule', { RuleArn: rules[1].RuleArn })).code).toBe('OperationNotPermitted');
    expect((await h.elbv2Error('DeleteRule', { RuleArn: rules[1].RuleArn })).code).toBe('OperationNotPermitted');
  });

  test('DeleteRule: requests the rule matched fall through to the default rule', async () => {
    const { rules } = await arns();
    expect(routeOf('/api/x')).toBe(IDS.tg('Api'));
    await h.elbv2('DeleteRule', { RuleArn: rules[0].RuleArn });
    expect(routeOf('/api/x')).toBe(IDS.tg('App'));
    expect((await h.elbv2Error('DeleteRule', { RuleArn: rules[0].RuleArn })).code).toBe('RuleNotFound');
  });

  test('§4.1 SetRulePriorities changes the evaluation order; a priority taken by another rule is PriorityInUse', async () => {
    const { listener, tg } = await arns();
    const created = await h.elbv2('CreateRule', {
      ListenerArn: listener,
      Priority: 20,
      ...memberParams('Conditions', [{ Field: 'path-pattern', 'PathPatternConfig.Values.member.1': '/api/special' }]),
      ...memberParams('Actions', [{ Type: 'fixed-response', 'FixedResponseConfig.StatusCode': '202' }]),
    });
    const special = created.Rules.member[0].RuleArn as string;
    expect(routeOf('/api/special')).toBe(IDS.tg('Api'));
    const r = await h.elbv2('SetRulePriorities', memberParams('RulePriorities', [{ RuleArn: special, Priority: 1 }]));
    expect(r.Rules.member.map((x: Xml) => x.Priority)).toEqual(['1']);
    expect(routeOf('/api/special')).toBe('fixed 202');
    expect(routeOf(`/api/${'x'}`)).toBe(IDS.tg('Api'));
    const e = await h.elbv2Error(
      'SetRulePriorities',
      memberParams('RulePriorities', [{ RuleArn: special, Priority: 10 }]),
    );
    expect([e.code, e.message]).toEqual(['PriorityInUse', "Priority '10' is currently in use"]);
    void tg;
  });
});
