import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  buildModel,
  findListener,
  findLoadBalancer,
  findTargetGroup,
  modelFromAssemblyDirectory,
  modelFromTemplate,
  AssemblyError,
} from '../../src/model';
import { albTemplate, attrs, forward, IDS, resource, STACK, tgRef } from './fixtures';

describe('model: identity and references', () => {
  test('§8 resources get logicalId, cdk path and a friendly id without /Resource; lookups accept each', () => {
    // Given a CDK-shaped ALB template
    const model = modelFromTemplate(albTemplate(), STACK);
    // Then
    const lb = model.loadBalancers[0];
    expect(lb).toMatchObject({
      id: IDS.lb,
      logicalId: 'WebLB0A1B2C3D',
      path: `${STACK}/Web/LB/Resource`,
      stackName: STACK,
    });
    expect(findLoadBalancer(model, IDS.lb)).toBe(lb);
    expect(findLoadBalancer(model, `${STACK}/Web/LB/Resource`)).toBe(lb);
    expect(findLoadBalancer(model, 'WebLB0A1B2C3D')).toBe(lb);
    expect(findLoadBalancer(model, `${STACK}/WebLB0A1B2C3D`)).toBe(lb);
    expect(findLoadBalancer(model, 'nope')).toBeUndefined();
  });

  test('§8.3 listener LoadBalancerArn {Ref} and forward TargetGroupArn {Ref} are resolved to model ids', () => {
    const model = modelFromTemplate(albTemplate(), STACK);
    const listener = findListener(model, IDS.listener)!;
    expect(listener.loadBalancerId).toBe(IDS.lb);
    expect(listener.port).toBe(80);
    expect(listener.defaultActions).toEqual([
      {
        type: 'forward',
        order: undefined,
        targetGroups: [{ targetGroupId: IDS.tg(), weight: 1 }],
        targetGroupStickiness: undefined,
      },
    ]);
    expect(model.loadBalancers[0].listenerIds).toEqual([IDS.listener]);
    expect(model.issues).toEqual([]);
  });

  test('resources without aws:cdk:path get <stack>/<logicalId> as id', () => {
    const tpl = albTemplate();
    delete (tpl.Resources!.WebAppTG as { Metadata?: unknown }).Metadata;
    const model = modelFromTemplate(tpl, STACK);
    expect(findTargetGroup(model, 'WebAppTG')!.id).toBe(`${STACK}/WebAppTG`);
  });
});

describe('model: AWS defaults (§1.1, §8.1, §8.2)', () => {
  test('§1.1 ALB instance/ip TG without health-check properties gets the AWS defaults (API-reference timeout)', () => {
    // Given a TG with no HealthCheck* properties at all
    const tpl = albTemplate({
      targetGroups: {
        App: {
          props: {
            HealthCheckIntervalSeconds: undefined,
            HealthCheckPath: undefined,
            HealthCheckTimeoutSeconds: undefined,
            HealthyThresholdCount: undefined,
            UnhealthyThresholdCount: undefined,
            Matcher: undefined,
          },
        },
      },
    });
    const tg = modelFromTemplate(JSON.parse(JSON.stringify(tpl)), STACK).targetGroups[0];
    // Then
    expect(tg.healthCheck).toEqual({
      enabled: true,
      protocol: 'HTTP',
      port: 'traffic-port',
      path: '/',
      intervalSeconds: 30,
      timeoutSeconds: 6,
      healthyThresholdCount: 5,
      unhealthyThresholdCount: 2,
      matcher: { httpCode: '200' },
      successCodes: [200],
    });
  });

  test('§1.1 NLB TCP TG defaults: TCP check, 10 s timeout, matcher 200-399', () => {
    const tpl = albTemplate({
      lbType: 'network',
      targetGroups: {
        App: {
          props: {
            HealthCheckIntervalSeconds: undefined,
            HealthCheckPath: undefined,
            HealthCheckTimeoutSeconds: undefined,
            HealthyThresholdCount: undefined,
            UnhealthyThresholdCount: undefined,
            Matcher: undefined,
          },
        },
      },
    });
    const tg = modelFromTemplate(JSON.parse(JSON.stringify(tpl)), STACK).targetGroups[0];
    expect(tg.loadBalancerType).toBe('network');
    expect(tg.healthCheck).toMatchObject({
      protocol: 'TCP',
      timeoutSeconds: 10,
      intervalSeconds: 30,
      healthyThresholdCount: 5,
    });
    expect(tg.healthCheck.successCodes).toContain(399);
  });

  test('§8.1 target-group attribute defaults are applied and typed', () => {
    const tg = modelFromTemplate(albTemplate(), STACK).targetGroups[0];
    expect(tg.attributes).toMatchObject({
      deregistrationDelaySeconds: 300,
      algorithm: 'round_robin',
      anomalyMitigation: false,
      slowStartSeconds: 0,
      crossZone: 'use_load_balancer_configuration',
      stickiness: {
        enabled: false,
        type: 'lb_cookie',
        lbCookieDurationSeconds: 86400,
        appCookieDurationSeconds: 86400,
      },
      routingFailover: { count: 1, percentage: 'off' },
    });
  });

  test('§8.1 attribute strings become numbers and booleans', () => {
    const tpl = albTemplate({
      targetGroups: {
        App: {
          attributes: {
            'deregistration_delay.timeout_seconds': '30',
            'stickiness.enabled': 'true',
            'stickiness.type': 'app_cookie',
            'stickiness.app_cookie.cookie_name': 'SESSION',
            'load_balancing.algorithm.type': 'weighted_random',
            'load_balancing.algorithm.anomaly_mitigation': 'on',
            'target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage': '50',
          },
        },
      },
    });
    const tg = modelFromTemplate(tpl, STACK).targetGroups[0];
    expect(tg.attributes.deregistrationDelaySeconds).toBe(30);
    expect(tg.attributes.stickiness).toMatchObject({ enabled: true, type: 'app_cookie', appCookieName: 'SESSION' });
    expect(tg.attributes.algorithm).toBe('weighted_random');
    expect(tg.attributes.anomalyMitigation).toBe(true);
    expect(tg.attributes.routingFailover.percentage).toBe(50);
    expect(tg.attributes.raw['deregistration_delay.timeout_seconds']).toBe('30');
  });

  test('§8.2 load-balancer attribute defaults; ALB cross-zone always on', () => {
    const lb = modelFromTemplate(albTemplate({ lbAttributes: { 'idle_timeout.timeout_seconds': '120' } }), STACK)
      .loadBalancers[0];
    expect(lb.attributes).toMatchObject({
      idleTimeoutSeconds: 120,
      deletionProtection: false,
      desyncMitigationMode: 'defensive',
      xffHeaderProcessingMode: 'append',
      http2Enabled: true,
      preserveHostHeader: false,
      crossZone: true,
    });
  });

  test('§8.1 targets keep their ids; port defaults to the TG port', () => {
    const tg = modelFromTemplate(
      albTemplate({
        targetGroups: {
          App: { targets: [{ Id: '10.0.0.5' }, { Id: '10.0.0.6', Port: 9000, AvailabilityZone: 'all' }] },
        },
      }),
      STACK,
    ).targetGroups[0];
    expect(tg.targets).toEqual([
      { id: '10.0.0.5', port: 80 },
      { id: '10.0.0.6', port: 9000, availabilityZone: 'all' },
    ]);
  });
});

describe('model: listener rules (§4.1, §4.2, §4.3)', () => {
  const tpl = albTemplate({
    targetGroups: { Api: {}, Web: {}, Canary: {} },
    defaultActions: [
      {
        Type: 'fixed-response',
        FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain', MessageBody: 'nope' },
      },
    ],
    rules: [
      {
        priority: 20,
        conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['www.example.com'] } }],
        actions: [
          {
            Type: 'forward',
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: tgRef('Web'), Weight: 90 },
                { TargetGroupArn: tgRef('Canary'), Weight: 10 },
              ],
              TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 3600 },
            },
          },
        ],
      },
      {
        priority: 10,
        conditions: [
          { Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } },
          { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Env', Values: ['prod'] } },
          { Field: 'query-string', QueryStringConfig: { Values: [{ Key: 'v', Value: '2' }, { Value: 'beta' }] } },
          { Field: 'source-ip', SourceIpConfig: { Values: ['10.0.0.0/8'] } },
          { Field: 'http-request-method', HttpRequestMethodConfig: { Values: ['GET'] } },
        ],
        actions: [forward('Api')],
      },
      {
        priority: 5,
        conditions: [{ Field: 'path-pattern', Values: ['/old'] }],
        actions: [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } }],
      },
    ],
  });

  test('§4.1 rules are attached to their listener sorted by priority', () => {
    const listener = modelFromTemplate(tpl, STACK).listeners[0];
    expect(listener.rules.map((r) => r.priority)).toEqual([5, 10, 20]);
    expect(listener.rules[0].listenerId).toBe(IDS.listener);
  });

  test('§4.2 conditions from *Config and legacy Values are parsed', () => {
    const listener = modelFromTemplate(tpl, STACK).listeners[0];
    expect(listener.rules[0].conditions).toEqual([{ field: 'path-pattern', values: ['/old'] }]);
    expect(listener.rules[1].conditions).toEqual([
      { field: 'path-pattern', values: ['/api/*'] },
      { field: 'http-header', headerName: 'X-Env', values: ['prod'] },
      { field: 'query-string', values: [{ key: 'v', value: '2' }, { value: 'beta' }] },
      { field: 'source-ip', values: ['10.0.0.0/8'] },
      { field: 'http-request-method', values: ['GET'] },
    ]);
  });

  test('§4.3 weighted forward with target-group stickiness, redirect defaults and fixed-response are modelled', () => {
    const model = modelFromTemplate(tpl, STACK);
    const listener = model.listeners[0];
    expect(listener.rules[2].actions[0]).toEqual({
      type: 'forward',
      order: undefined,
      targetGroups: [
        { targetGroupId: IDS.tg('Web'), weight: 90 },
        { targetGroupId: IDS.tg('Canary'), weight: 10 },
      ],
      targetGroupStickiness: { enabled: true, durationSeconds: 3600 },
    });
    expect(listener.rules[0].actions[0]).toEqual({
      type: 'redirect',
      order: undefined,
      protocol: 'HTTPS',
      host: '#{host}',
      port: '443',
      path: '/#{path}',
      query: '#{query}',
      statusCode: 'HTTP_301',
    });
    expect(listener.defaultActions[0]).toEqual({
      type: 'fixed-response',
      order: undefined,
      statusCode: 404,
      contentType: 'text/plain',
      messageBody: 'nope',
    });
  });

  test('§1.4 a TG referenced by no listener or rule is not in use', () => {
    const model = modelFromTemplate(albTemplate({ targetGroups: { App: {}, Spare: {} } }), STACK);
    expect(findTargetGroup(model, IDS.tg('App'))!.inUse).toBe(true);
    expect(findTargetGroup(model, IDS.tg('Spare'))!.inUse).toBe(false);
    expect(findTargetGroup(model, IDS.tg('App'))!.loadBalancerIds).toEqual([IDS.lb]);
  });
});

describe('model: issues instead of silent ignores', () => {
  test('§4.3 authenticate-oidc action becomes an authenticate model; missing endpoints are reported', () => {
    const tpl = albTemplate({
      listenerProtocol: 'HTTPS',
      listenerPort: 443,
      defaultActions: [
        {
          Type: 'authenticate-oidc',
          Order: 1,
          AuthenticateOidcConfig: { Issuer: 'https://idp', ClientId: 'c1', OnUnauthenticatedRequest: 'deny' },
        },
        { ...forward('App'), Order: 2 },
      ],
    });
    const model = modelFromTemplate(tpl, STACK);
    expect(model.listeners[0].defaultActions.map((a) => a.type)).toEqual(['authenticate-oidc', 'forward']);
    expect(model.listeners[0].defaultActions[0]).toMatchObject({
      issuer: 'https://idp',
      clientId: 'c1',
      onUnauthenticatedRequest: 'deny',
      scope: 'openid',
      sessionCookieName: 'AWSELBAuthSessionCookie',
      sessionTimeoutSeconds: 604800,
    });
    expect(model.issues).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        what: 'authenticate-oidc TokenEndpoint',
        resourcePath: `${STACK}/Web/LB/Http/Resource`,
      }),
    );
  });

  test('§8.1 unknown target-group attributes are reported', () => {
    const model = modelFromTemplate(albTemplate({ targetGroups: { App: { attributes: { 'made.up': 'x' } } } }), STACK);
    expect(model.issues).toEqual([
      expect.objectContaining({ severity: 'warning', what: 'target group attribute made.up' }),
    ]);
  });

  test('Fn::ImportValue that no stack of the assembly exports is an error, and the rule is skipped', () => {
    const tpl = albTemplate({
      rules: [{ priority: 1, conditions: [{ Field: 'path-pattern', Values: ['/x'] }], actions: [forward('App')] }],
    });
    (tpl.Resources!.WebRule0.Properties as Record<string, unknown>).ListenerArn = {
      'Fn::ImportValue': 'Other:Listener',
    };
    const model = modelFromTemplate(tpl, STACK);
    expect(model.listeners[0].rules).toEqual([]);
    expect(model.issues).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        what: 'ListenerArn',
        why: expect.stringContaining('Other:Listener'),
      }),
    );
  });

  test('gateway load balancers are reported as not simulated; a Lambda target naming no resource is an error', () => {
    const tpl = albTemplate({
      targetGroups: {
        App: {},
        Fn: {
          props: {
            TargetType: 'lambda',
            Port: undefined,
            Protocol: undefined,
            Targets: [{ Id: { 'Fn::GetAtt': ['Fn', 'Arn'] } }],
          },
        },
      },
    });
    (tpl.Resources as Record<string, unknown>).Gwlb = resource(
      'ElasticLoadBalancingV2::LoadBalancer',
      'Gwlb/Resource',
      { Type: 'gateway' },
    );
    const model = modelFromTemplate(JSON.parse(JSON.stringify(tpl)), STACK);
    expect(model.loadBalancers).toHaveLength(1);
    expect(model.issues.map((i) => [i.severity, i.what])).toEqual(
      expect.arrayContaining([
        ['error', 'load balancer Type gateway'],
        ['error', 'target Id'],
      ]),
    );
  });
});

describe('model: several stacks and Route 53 (§7)', () => {
  function dnsStack(): Record<string, unknown> {
    return {
      Resources: {
        PrimaryHealthCheck: {
          Type: 'AWS::Route53::HealthCheck',
          Properties: {
            HealthCheckConfig: {
              Type: 'HTTPS',
              FullyQualifiedDomainName: 'primary.example.com',
              ResourcePath: '/health',
              RequestInterval: 10,
              FailureThreshold: 2,
            },
          },
          Metadata: { 'aws:cdk:path': 'Dns/PrimaryCheck/Resource' },
        },
        PrimaryRecord: {
          Type: 'AWS::Route53::RecordSet',
          Properties: {
            Name: 'www.example.com.',
            Type: 'A',
            HostedZoneId: 'Z123',
            SetIdentifier: 'primary',
            Failover: 'PRIMARY',
            HealthCheckId: { Ref: 'PrimaryHealthCheck' },
            AliasTarget: {
              DNSName: { 'Fn::Join': ['', ['dualstack.', { 'Fn::ImportValue': 'WebPrimary:LBDns' }]] },
              HostedZoneId: 'Z35SXDOTRQ7X7K',
              EvaluateTargetHealth: true,
            },
          },
          Metadata: { 'aws:cdk:path': 'Dns/Primary/Resource' },
        },
      },
    };
  }

  test('§7.4 failover record: alias to an LB exported by another stack, health check Ref resolved', () => {
    const web = albTemplate();
    (web as Record<string, unknown>).Outputs = {
      LBDns: { Value: { 'Fn::GetAtt': ['WebLB0A1B2C3D', 'DNSName'] }, Export: { Name: 'WebPrimary:LBDns' } },
    };
    const model = buildModel([
      { stackName: STACK, template: web },
      { stackName: 'Dns', template: dnsStack() },
    ]);
    expect(model.recordSets[0]).toMatchObject({
      id: 'Dns/Primary',
      name: 'www.example.com.',
      failover: 'PRIMARY',
      healthCheckId: 'Dns/PrimaryCheck',
      aliasTarget: { evaluateTargetHealth: true, loadBalancerId: IDS.lb },
    });
    expect(model.healthChecks[0]).toMatchObject({
      type: 'HTTPS',
      port: 443,
      requestIntervalSeconds: 10,
      failureThreshold: 2,
      inverted: false,
    });
    expect(model.issues).toEqual([]);
  });

  test('§7.1 Route 53 health-check defaults: interval 30, failure threshold 3', () => {
    const model = buildModel([
      {
        stackName: 'Dns',
        template: {
          Resources: {
            Hc: {
              Type: 'AWS::Route53::HealthCheck',
              Properties: { HealthCheckConfig: { Type: 'HTTP', IPAddress: '192.0.2.1' } },
            },
          },
        },
      },
    ]);
    expect(model.healthChecks[0]).toMatchObject({ requestIntervalSeconds: 30, failureThreshold: 3, port: 80 });
  });
});

describe('model: cloud assembly directory', () => {
  test('every aws:cloudformation:stack artifact of manifest.json is read', () => {
    // Given a cdk.out-like directory
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-asm-'));
    try {
      fs.writeFileSync(path.join(dir, 'WebPrimary.template.json'), JSON.stringify(albTemplate()));
      fs.writeFileSync(
        path.join(dir, 'manifest.json'),
        JSON.stringify({
          version: '36.0.0',
          artifacts: {
            Tree: { type: 'cdk:tree', properties: { file: 'tree.json' } },
            WebPrimary: { type: 'aws:cloudformation:stack', properties: { templateFile: 'WebPrimary.template.json' } },
          },
        }),
      );
      // When
      const model = modelFromAssemblyDirectory(dir);
      // Then
      expect(model.stackNames).toEqual(['WebPrimary']);
      expect(model.loadBalancers).toHaveLength(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a directory without manifest.json throws SIM_ASSEMBLY_NOT_FOUND', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-asm-'));
    try {
      expect(() => modelFromAssemblyDirectory(dir)).toThrow(
        expect.objectContaining({
          code: 'SIM_ASSEMBLY_NOT_FOUND',
          message: expect.stringContaining('cdk synth'),
        }) as AssemblyError,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('attrs helper mirrors CDK string pairs', () => {
    expect(attrs({ a: true, b: 3 })).toEqual([
      { Key: 'a', Value: 'true' },
      { Key: 'b', Value: '3' },
    ]);
  });
});

describe('model: §8.1 cross-attribute rules are reported', () => {
  test.each([
    [
      { 'slow_start.duration_seconds': 60, 'load_balancing.algorithm.type': 'least_outstanding_requests' },
      'error',
      'slow_start.duration_seconds with least_outstanding_requests',
    ],
    [
      { 'load_balancing.algorithm.anomaly_mitigation': 'on' },
      'error',
      'load_balancing.algorithm.anomaly_mitigation=on with round_robin',
    ],
    [
      { 'load_balancing.algorithm.type': 'weighted_random', 'stickiness.enabled': true },
      'warning',
      'stickiness with weighted_random',
    ],
    [
      { 'stickiness.enabled': true, 'stickiness.type': 'app_cookie' },
      'error',
      'stickiness.app_cookie.cookie_name missing',
    ],
  ])('§8.1 %j → %s', (attributes, severity, what) => {
    const model = modelFromTemplate(albTemplate({ targetGroups: { App: { attributes } } }), STACK);
    expect(model.issues).toEqual([expect.objectContaining({ severity, what })]);
  });
});

describe('model: Availability Zones of load balancers and targets (§2.4, §6.7)', () => {
  const subnet = (az: unknown) => ({ Type: 'AWS::EC2::Subnet', Properties: { AvailabilityZone: az, VpcId: 'vpc-1' } });
  const withSubnets = (subnets: Record<string, unknown>, lbProps: Record<string, unknown> = {}) => {
    const tpl = albTemplate({ extraResources: subnets as never });
    const lb = tpl.Resources!.WebLB0A1B2C3D as { Properties: Record<string, unknown> };
    Object.assign(lb.Properties, lbProps);
    return tpl;
  };

  test('§2.4 zones come from the subnets: a literal AvailabilityZone and Fn::Select of Fn::GetAZs in the stack Region', () => {
    const tpl = withSubnets({
      VpcPublicSubnet1Subnet: subnet({ 'Fn::Select': [1, { 'Fn::GetAZs': '' }] }),
      VpcPublicSubnet2Subnet: subnet('eu-west-1c'),
    });
    const model = buildModel([{ stackName: STACK, template: tpl, region: 'eu-west-1' }]);
    expect(model.loadBalancers[0]).toMatchObject({
      availabilityZones: ['eu-west-1b', 'eu-west-1c'],
      availabilityZonesFrom: 'subnets',
    });
  });

  test('§2.4 SubnetMappings name the zones too; an environment-agnostic stack is in us-east-1 (simulator choice load_balancer_zones)', () => {
    const tpl = withSubnets(
      {
        S1: subnet({ 'Fn::Select': [0, { 'Fn::GetAZs': { Ref: 'AWS::Region' } }] }),
        S2: subnet({ 'Fn::Select': [2, { 'Fn::GetAZs': '' }] }),
      },
      { Subnets: undefined, SubnetMappings: [{ SubnetId: { Ref: 'S1' } }, { SubnetId: { Ref: 'S2' } }] },
    );
    expect(modelFromTemplate(tpl, STACK).loadBalancers[0].availabilityZones).toEqual(['us-east-1a', 'us-east-1c']);
  });

  test('§2.4 subnets made outside the app: as many zones as subnets, the Region’s first unused ones (simulator choice load_balancer_zones)', () => {
    const tpl = withSubnets(
      { Mine: subnet('us-east-1a') },
      { Subnets: ['subnet-0aaa', { Ref: 'Mine' }, 'subnet-0bbb'] },
    );
    expect(modelFromTemplate(tpl, STACK).loadBalancers[0]).toMatchObject({
      availabilityZones: ['us-east-1b', 'us-east-1a', 'us-east-1c'],
      availabilityZonesFrom: 'subnet-count',
    });
  });

  test('§2.4 no subnets the template can count: two zones (simulator choice load_balancer_zones)', () => {
    const tpl = withSubnets({}, { Subnets: { 'Fn::Split': [',', { 'Fn::ImportValue': 'Net:Subnets' }] } });
    expect(modelFromTemplate(tpl, STACK).loadBalancers[0]).toMatchObject({
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      availabilityZonesFrom: 'default',
    });
  });

  test('§2.4 a subnet exported by another stack of the assembly names its zone', () => {
    const net = {
      Resources: { Sub1: subnet('us-west-2b'), Sub2: subnet('us-west-2c') },
      Outputs: {
        A: { Value: { Ref: 'Sub1' }, Export: { Name: { 'Fn::Sub': '${AWS::StackName}-Subnet1' } } },
        B: { Value: { Ref: 'Sub2' }, Export: { Name: { 'Fn::Join': ['-', [{ Ref: 'AWS::StackName' }, 'Subnet2']] } } },
      },
    };
    const tpl = withSubnets(
      {},
      { Subnets: [{ 'Fn::ImportValue': 'Network-Subnet1' }, { 'Fn::ImportValue': 'Network-Subnet2' }] },
    );
    const model = buildModel([
      { stackName: 'Network', template: net as never, region: 'us-west-2' },
      { stackName: STACK, template: tpl, region: 'us-west-2' },
    ]);
    expect(model.loadBalancers[0].availabilityZones).toEqual(['us-west-2b', 'us-west-2c']);
  });

  test('§2.4 an EC2 instance target is in its subnet’s zone', () => {
    const tpl = albTemplate({
      targetGroups: { App: { props: { TargetType: 'instance', Targets: [{ Id: { Ref: 'Web1' } }] } } },
      extraResources: {
        Sub: subnet('us-east-1b'),
        Web1: { Type: 'AWS::EC2::Instance', Properties: { SubnetId: { Ref: 'Sub' }, ImageId: 'ami-1' } },
      } as never,
    });
    expect(modelFromTemplate(tpl, STACK).targetGroups[0].targets).toEqual([
      { id: 'WebPrimary/Web1', port: 80, availabilityZone: 'us-east-1b' },
    ]);
  });

  test('the stack Region comes from the manifest environment (unknown-region: none)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zones-'));
    try {
      fs.writeFileSync(path.join(dir, 'A.template.json'), JSON.stringify(albTemplate()));
      fs.writeFileSync(path.join(dir, 'B.template.json'), JSON.stringify(albTemplate()));
      fs.writeFileSync(
        path.join(dir, 'manifest.json'),
        JSON.stringify({
          artifacts: {
            A: {
              type: 'aws:cloudformation:stack',
              environment: 'aws://111111111111/ap-southeast-2',
              properties: { templateFile: 'A.template.json' },
            },
            B: {
              type: 'aws:cloudformation:stack',
              environment: 'aws://unknown-account/unknown-region',
              properties: { templateFile: 'B.template.json' },
            },
          },
        }),
      );
      const model = modelFromAssemblyDirectory(dir);
      expect(model.loadBalancers.map((lb) => lb.availabilityZones)).toEqual([
        ['ap-southeast-2a', 'ap-southeast-2b'],
        ['us-east-1a', 'us-east-1b'],
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('model: Fn::ImportValue of computed export names', () => {
  test('an Export.Name made with Fn::Sub or Fn::Join of AWS::StackName resolves with the stack name from the manifest', () => {
    const exporter = albTemplate();
    (exporter as Record<string, unknown>).Outputs = {
      Listener: {
        Value: { Ref: 'WebLBHttpListener1234' },
        Export: { Name: { 'Fn::Sub': '${AWS::StackName}:Listener' } },
      },
      Tg: {
        Value: { Ref: 'WebAppTG' },
        Export: { Name: { 'Fn::Join': ['', [{ Ref: 'AWS::StackName' }, ':Tg']] } },
      },
    };
    const importer = {
      Resources: {
        Rule: {
          Type: 'AWS::ElasticLoadBalancingV2::ListenerRule',
          Properties: {
            ListenerArn: { 'Fn::ImportValue': 'Shop-prod:Listener' },
            Priority: 5,
            Conditions: [{ Field: 'path-pattern', Values: ['/x'] }],
            Actions: [{ Type: 'forward', TargetGroupArn: { 'Fn::ImportValue': { 'Fn::Sub': 'Shop-prod:Tg' } } }],
          },
        },
      },
    };
    const model = buildModel([
      { stackName: 'Shop-prod', template: exporter },
      { stackName: 'Rules', template: importer as never },
    ]);
    expect(model.issues).toEqual([]);
    expect(model.listeners[0].rules).toHaveLength(1);
    expect(model.listeners[0].rules[0].actions).toMatchObject([
      { type: 'forward', targetGroups: [{ targetGroupId: IDS.tg(), weight: 1 }] },
    ]);
  });
});
