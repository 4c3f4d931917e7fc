/**
 * The AWS-compatible API with the real AWS SDK clients (endpoint set to the simulator, dummy credentials,
 * us-east-1): describe, register and deregister with the SDK's own waiters, rule and listener changes
 * that re-route live traffic, and Route 53 record changes that change the answer. Health checks and the
 * deregistration delay use the SIMULATOR TEST CONVENIENCE, NOT AWS timing overrides so the waiters finish
 * in a second or two.
 */
import {
  CreateRuleCommand,
  DeleteRuleCommand,
  DeregisterTargetsCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  PriorityInUseException,
  RegisterTargetsCommand,
  TargetGroupNotFoundException,
  waitUntilTargetDeregistered,
  waitUntilTargetInService,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  ChangeResourceRecordSetsCommand,
  GetHealthCheckStatusCommand,
  ListHealthChecksCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  NoSuchHostedZone,
  Route53Client,
  waitUntilResourceRecordSetsChanged,
} from '@aws-sdk/client-route-53';
import { DemoBackend, Simulator } from '../../src/index';
import { fixtureWithRecords, get, SITE, startFixture, WEB_HTTP } from './helpers';

// The SDK warns once that releases after January 2027 need Node 22; this repository supports Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
/** SDK waiter timing for a simulator with 200 ms health checks (the SDK's defaults are 15 s). */
const FAST_WAITER = { minDelay: 0.1, maxDelay: 0.2, maxWaitTime: 20 };

let sim: Simulator | undefined;
let backend: DemoBackend | undefined;
afterEach(async () => {
  await sim?.stop();
  await backend?.close();
  sim = undefined;
  backend = undefined;
});

function elbv2(s: Simulator): ElasticLoadBalancingV2Client {
  return new ElasticLoadBalancingV2Client({ endpoint: s.apiUrl, region: 'us-east-1', credentials, maxAttempts: 1 });
}

async function siteArn(client: ElasticLoadBalancingV2Client): Promise<string> {
  const tgs = await client.send(new DescribeTargetGroupsCommand({ Names: ['SiteTG'] }));
  return tgs.TargetGroups![0].TargetGroupArn!;
}

describe('ELBv2 with @aws-sdk/client-elastic-load-balancing-v2', () => {
  test('§1.4 waitUntilTargetInService, with the ARN DescribeTargetGroups returned', async () => {
    sim = await startFixture({ apiPort: 0 });
    const client = elbv2(sim);
    const arn = await siteArn(client);
    const targets = sim.targets(SITE).controls.map((c) => ({ Id: c.target.targetId, Port: c.target.port }));
    const result = await waitUntilTargetInService(
      { client, ...FAST_WAITER },
      { TargetGroupArn: arn, Targets: targets },
    );
    expect(result.state).toBe('SUCCESS');
    const health = await client.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
    expect(health.TargetHealthDescriptions!.map((d) => d.TargetHealth!.State)).toEqual([
      'healthy',
      'healthy',
      'healthy',
    ]);
  });

  test('§2.3 DeregisterTargets drains the target (no new requests), waitUntilTargetDeregistered, then RegisterTargets brings it back', async () => {
    sim = await startFixture({ apiPort: 0, deregistrationDelayOverrideMs: 300 });
    const client = elbv2(sim);
    const arn = await siteArn(client);
    const gone = sim.targets(SITE).get(0);
    const target = { Id: gone.target.targetId, Port: gone.target.port };
    await waitUntilTargetInService({ client, ...FAST_WAITER }, { TargetGroupArn: arn });

    await client.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [target] }));
    expect(gone.health()?.TargetHealth.State).toBe('draining');
    const servedBy = new Set<number>();
    for (let i = 0; i < 6; i++) servedBy.add((await get(sim.url(WEB_HTTP) + '/')).json().port);
    expect(servedBy.has(gone.target.port)).toBe(false);
    expect(servedBy.size).toBe(2);
    const drained = await waitUntilTargetDeregistered(
      { client, ...FAST_WAITER },
      { TargetGroupArn: arn, Targets: [target] },
    );
    expect(drained.state).toBe('SUCCESS');
    expect(gone.health()?.TargetHealth).toMatchObject({ State: 'unused', Reason: 'Target.NotRegistered' });

    await client.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [target] }));
    const back = await waitUntilTargetInService({ client, ...FAST_WAITER }, { TargetGroupArn: arn, Targets: [target] });
    expect(back.state).toBe('SUCCESS');
    expect(sim.targets(SITE).length).toBe(3);
  });

  test('§2.2 RegisterTargets of a new server: it joins targets(tg), turns healthy and receives requests', async () => {
    sim = await startFixture({ apiPort: 0 });
    backend = await DemoBackend.start({ name: 'extra', healthCheckPath: '/health' });
    const client = elbv2(sim);
    const arn = await siteArn(client);
    await client.send(
      new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: backend.host, Port: backend.port }] }),
    );
    expect(sim.targets(SITE).get(3).target).toEqual({
      targetGroupId: SITE,
      targetId: backend.host,
      port: backend.port,
    });
    await waitUntilTargetInService({ client, ...FAST_WAITER }, { TargetGroupArn: arn });
    const ports = new Set<number>();
    for (let i = 0; i < 8; i++) ports.add((await get(sim.url(WEB_HTTP) + '/')).json().port);
    expect(ports.has(backend.port)).toBe(true);
  });

  test('§4.1 CreateRule / DeleteRule change what the live listener answers; errors are the SDK exception classes', async () => {
    sim = await startFixture({ apiPort: 0 });
    const client = elbv2(sim);
    const lb = (await client.send(new DescribeLoadBalancersCommand({ Names: ['WebLB'] }))).LoadBalancers![0];
    const listeners = await client.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
    const http = listeners.Listeners!.find((l) => l.Port === 80)!;
    const created = await client.send(
      new CreateRuleCommand({
        ListenerArn: http.ListenerArn,
        Priority: 1,
        Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/sdk/*'] } }],
        Actions: [
          {
            Type: 'fixed-response',
            FixedResponseConfig: { StatusCode: '200', ContentType: 'text/plain', MessageBody: 'from the SDK' },
          },
        ],
      }),
    );
    const rule = created.Rules![0];
    expect(rule.Priority).toBe('1');
    const res = await get(sim.url(WEB_HTTP) + '/sdk/x');
    expect([res.status, res.body]).toEqual([200, 'from the SDK']);
    const rules = await client.send(new DescribeRulesCommand({ ListenerArn: http.ListenerArn }));
    expect(rules.Rules!.map((r) => r.Priority)).toEqual(['1', '10', '20', '30', '40', '50', 'default']);

    await expect(
      client.send(
        new CreateRuleCommand({
          ListenerArn: http.ListenerArn,
          Priority: 1,
          Conditions: [{ Field: 'path-pattern', Values: ['/x'] }],
          Actions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200' } }],
        }),
      ),
    ).rejects.toBeInstanceOf(PriorityInUseException);

    await client.send(new DeleteRuleCommand({ RuleArn: rule.RuleArn }));
    expect((await get(sim.url(WEB_HTTP) + '/sdk/x')).json().request.url).toBe('/sdk/x');

    const missing = lb.LoadBalancerArn!.replace(
      /loadbalancer\/app\/WebLB\/[0-9a-f]+$/,
      'targetgroup/x/0123456789abcdef',
    );
    await expect(client.send(new DescribeTargetHealthCommand({ TargetGroupArn: missing }))).rejects.toBeInstanceOf(
      TargetGroupNotFoundException,
    );
    await expect(client.send(new DescribeTargetHealthCommand({ TargetGroupArn: 'bad' }))).rejects.toMatchObject({
      name: 'ValidationError',
      message: "'bad' is not a valid target group ARN",
      $metadata: { httpStatusCode: 400 },
    });
  });

  test('ModifyListener to another port restarts the listener on its new local port', async () => {
    sim = await startFixture({ apiPort: 0, ports: { offset: 20000 } });
    const client = elbv2(sim);
    const lb = (await client.send(new DescribeLoadBalancersCommand({ Names: ['WebLB'] }))).LoadBalancers![0];
    const http = (
      await client.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))
    ).Listeners!.find((l) => l.Port === 80)!;
    expect(sim.port(WEB_HTTP)).toBe(28080);
    const r = await client.send(new ModifyListenerCommand({ ListenerArn: http.ListenerArn, Port: 9090 }));
    expect(r.Listeners![0].Port).toBe(9090);
    expect(sim.port(WEB_HTTP)).toBe(29090);
    expect((await get(sim.url(WEB_HTTP) + '/teapot')).status).toBe(418);
  });

  test('requests without a signature are served; a malformed one is an AWS error and the API keeps serving', async () => {
    sim = await startFixture({ apiPort: 0, demoBackends: 0 });
    const unsigned = await get(`${sim.apiUrl}/?Action=DescribeLoadBalancers&Version=2015-12-01`);
    expect(unsigned.status).toBe(200);
    expect(unsigned.headers['content-type']).toBe('text/xml');
    expect(unsigned.body).toContain('<LoadBalancerName>WebLB</LoadBalancerName>');
    const bad = await get(`${sim.apiUrl}/`, { method: 'POST', body: '%%%' });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('<Code>MissingAction</Code>');
    expect(bad.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
    expect((await get(`${sim.apiUrl}/2013-04-01/nothing`)).status).toBe(400);
    expect((await get(`${sim.apiUrl}/?Action=DescribeTargetGroups`)).status).toBe(200);
  });
});

describe('Route 53 with @aws-sdk/client-route-53', () => {
  test('zones, records and health checks of the assembly; an UPSERT changes the answer (§7.4) and waitUntilResourceRecordSetsChanged sees INSYNC', async () => {
    sim = await Simulator.start(fixtureWithRecords(), {
      ports: 0,
      apiPort: 0,
      targets: { [SITE]: [] },
      healthCheckIntervalOverrideMs: 200,
    });
    const client = new Route53Client({ endpoint: sim.apiUrl, region: 'us-east-1', credentials, maxAttempts: 1 });
    const zones = await client.send(new ListHostedZonesCommand({}));
    expect(zones.HostedZones!.map((z) => [z.Id, z.Name, z.ResourceRecordSetCount])).toEqual([
      ['/hostedzone/Z0EXAMPLE1234567890', 'example.com.', 2],
    ]);
    const records = await client.send(new ListResourceRecordSetsCommand({ HostedZoneId: zones.HostedZones![0].Id }));
    const lb = sim.declaredModel.loadBalancers.find((b) => b.logicalId === 'WebLB')!;
    const elb = new ElasticLoadBalancingV2Client({ endpoint: sim.apiUrl, region: 'us-east-1', credentials });
    const dns = (await elb.send(new DescribeLoadBalancersCommand({ Names: ['WebLB'] }))).LoadBalancers![0].DNSName;
    expect(records.ResourceRecordSets![0]).toMatchObject({
      Name: 'www.example.com.',
      Failover: 'PRIMARY',
      AliasTarget: { HostedZoneId: 'Z35SXDOTRQ7X7K', DNSName: `${dns}.`, EvaluateTargetHealth: true },
    });
    // The Site group has no targets: the primary alias is unhealthy (§7.5), so the secondary answers.
    expect(sim.engine.resolveRecord('www.example.com', 'A')?.resourceRecords).toEqual(['192.0.2.10']);

    const change = await client.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: 'Z0EXAMPLE1234567890',
        ChangeBatch: {
          Changes: [
            {
              Action: 'UPSERT',
              ResourceRecordSet: {
                Name: 'www.example.com',
                Type: 'A',
                SetIdentifier: 'secondary',
                Failover: 'SECONDARY',
                TTL: 30,
                ResourceRecords: [{ Value: '192.0.2.77' }],
              },
            },
          ],
        },
      }),
    );
    expect(change.ChangeInfo!.Status).toBe('PENDING');
    const synced = await waitUntilResourceRecordSetsChanged({ client, ...FAST_WAITER }, { Id: change.ChangeInfo!.Id });
    expect(synced.state).toBe('SUCCESS');
    expect(sim.engine.resolveRecord('www.example.com', 'A')?.resourceRecords).toEqual(['192.0.2.77']);
    expect(lb.id).toBe('LiveFixture/Web');

    const checks = await client.send(new ListHealthChecksCommand({}));
    expect(checks.HealthChecks![0].HealthCheckConfig).toMatchObject({
      Type: 'HTTP',
      FullyQualifiedDomainName: dns,
      Port: 80,
    });
    const status = await client.send(new GetHealthCheckStatusCommand({ HealthCheckId: checks.HealthChecks![0].Id }));
    // two checkers per Region (simulator choice route53_checkers), each with its own last probe
    expect(status.HealthCheckObservations).toHaveLength(16);
    for (const o of status.HealthCheckObservations!) {
      expect(o).toMatchObject({
        IPAddress: '127.0.0.1',
        StatusReport: { Status: expect.stringMatching(/^(Success|Failure): /) },
      });
    }

    await expect(client.send(new ListResourceRecordSetsCommand({ HostedZoneId: 'ZNOPE' }))).rejects.toBeInstanceOf(
      NoSuchHostedZone,
    );
  });
});
