/**
 * The Route 53 REST API without sockets: hosted zones derived from the model's record sets, record and
 * health-check shapes, ChangeResourceRecordSets applied to the engine (§7.3–§7.5), and AWS's error codes.
 */
import { modelFromTemplate } from '../../src/model';
import { hostedZones } from '../../src/api/route53/zones';
import { albTemplate, resource, STACK } from '../model/fixtures';
import { ApiHarness, type Xml } from './harness';

const ZONE = 'Z0EXAMPLE1234567890';
const lbDns = { 'Fn::GetAtt': ['WebLB0A1B2C3D', 'DNSName'] };

const template = () =>
  albTemplate({
    extraResources: {
      HealthCheck: resource('Route53::HealthCheck', 'Web/Failover/HealthCheck', {
        HealthCheckConfig: {
          Type: 'HTTPS',
          FullyQualifiedDomainName: lbDns,
          Port: 443,
          ResourcePath: '/health',
          RequestInterval: 10,
          FailureThreshold: 3,
          Regions: ['us-east-1', 'us-west-2', 'eu-west-1'],
        },
      }),
      Primary: resource('Route53::RecordSet', 'Web/Failover/Primary', {
        HostedZoneId: ZONE,
        Name: 'www.example.com.',
        Type: 'A',
        SetIdentifier: 'primary',
        Failover: 'PRIMARY',
        HealthCheckId: { Ref: 'HealthCheck' },
        AliasTarget: {
          DNSName: lbDns,
          HostedZoneId: { 'Fn::GetAtt': ['WebLB0A1B2C3D', 'CanonicalHostedZoneID'] },
          EvaluateTargetHealth: true,
        },
      }),
      Secondary: resource('Route53::RecordSet', 'Web/Failover/Secondary', {
        HostedZoneId: ZONE,
        Name: 'www.example.com.',
        Type: 'A',
        SetIdentifier: 'secondary',
        Failover: 'SECONDARY',
        TTL: '60',
        ResourceRecords: ['192.0.2.10'],
      }),
      Api: resource('Route53::RecordSet', 'Web/ApiRecord', {
        HostedZoneId: ZONE,
        Name: 'api.example.com.',
        Type: 'CNAME',
        TTL: '300',
        ResourceRecords: ['www.example.com'],
      }),
      Org: resource('Route53::RecordSet', 'Org', {
        HostedZoneName: 'example.org.',
        Name: 'example.org.',
        Type: 'TXT',
        TTL: 300,
        ResourceRecords: ['"hello"'],
      }),
    },
  });

let h: ApiHarness;
beforeEach(() => {
  h = new ApiHarness(modelFromTemplate(template(), STACK));
});

const base = '/2013-04-01';
const changeBatch = (...changes: string[]) =>
  `<?xml version="1.0" encoding="UTF-8"?><ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeBatch><Comment>test</Comment><Changes>${changes.join('')}</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>`;
const change = (action: string, rrs: string) =>
  `<Change><Action>${action}</Action><ResourceRecordSet>${rrs}</ResourceRecordSet></Change>`;
const aRecord = (name: string, value: string, extra = '') =>
  `<Name>${name}</Name><Type>A</Type>${extra}<TTL>60</TTL><ResourceRecords><ResourceRecord><Value>${value}</Value></ResourceRecord></ResourceRecords>`;

/** The answer Route 53 would give now (§7.4), as the value or alias target. */
function answer(name: string, type = 'A'): string | undefined {
  const r = h.engine.resolveRecord(name, type);
  return r ? (r.aliasTarget?.loadBalancerId ?? r.resourceRecords.join(',')) : undefined;
}

async function lbDnsName(): Promise<string> {
  return (await h.elbv2('DescribeLoadBalancers')).LoadBalancers.member[0].DNSName as string;
}

async function healthCheckId(): Promise<string> {
  return (await h.route53('GET', `${base}/healthcheck`)).HealthChecks.HealthCheck[0].Id as string;
}

describe('hosted zones', () => {
  test('zones come from the record sets: by HostedZoneId (name inferred from its records) or HostedZoneName', () => {
    const zones = hostedZones(h.model());
    expect(zones.map((z) => [z.id, z.name, z.records.length])).toEqual([
      [ZONE, 'example.com.', 3],
      [expect.stringMatching(/^Z[0-9A-Z]{20}$/), 'example.org.', 1],
    ]);
  });

  test('ListHostedZones and GetHostedZone in AWS shape; an unknown id is NoSuchHostedZone (404)', async () => {
    const list = await h.route53('GET', `${base}/hostedzone`);
    expect(list.HostedZones.HostedZone[0]).toEqual({
      Id: `/hostedzone/${ZONE}`,
      Name: 'example.com.',
      CallerReference: `ha-sim-${ZONE}`,
      Config: { PrivateZone: 'false' },
      ResourceRecordSetCount: '3',
    });
    expect(list).toMatchObject({ IsTruncated: 'false', MaxItems: '100' });
    const page = await h.route53('GET', `${base}/hostedzone?maxitems=1`);
    expect(page).toMatchObject({ IsTruncated: 'true', MaxItems: '1' });
    const rest = await h.route53('GET', `${base}/hostedzone?marker=${page.NextMarker}`);
    expect(rest.HostedZones.HostedZone.map((z: Xml) => z.Name)).toEqual(['example.org.']);
    expect((await h.route53('GET', `${base}/hostedzone/${ZONE}`)).HostedZone.Name).toBe('example.com.');
    const e = await h.route53Error('GET', `${base}/hostedzone/ZNOPE`);
    expect([e.code, e.status, e.message]).toEqual(['NoSuchHostedZone', 404, 'No hosted zone found with ID: ZNOPE']);
  });
});

describe('ListResourceRecordSets', () => {
  test('records sorted by name (labels reversed), alias targets named by the DNS name DescribeLoadBalancers reports', async () => {
    const r = await h.route53('GET', `${base}/hostedzone/${ZONE}/rrset`);
    const sets = r.ResourceRecordSets.ResourceRecordSet as Xml[];
    expect(sets.map((s) => [s.Name, s.Type, s.SetIdentifier])).toEqual([
      ['api.example.com.', 'CNAME', undefined],
      ['www.example.com.', 'A', 'primary'],
      ['www.example.com.', 'A', 'secondary'],
    ]);
    expect(sets[1]).toEqual({
      Name: 'www.example.com.',
      Type: 'A',
      SetIdentifier: 'primary',
      Failover: 'PRIMARY',
      AliasTarget: { HostedZoneId: 'Z35SXDOTRQ7X7K', DNSName: `${await lbDnsName()}.`, EvaluateTargetHealth: 'true' },
      HealthCheckId: await healthCheckId(),
    });
    expect(sets[2]).toMatchObject({ TTL: '60', ResourceRecords: { ResourceRecord: [{ Value: '192.0.2.10' }] } });
  });

  test('maxitems pages with NextRecordName / NextRecordType / NextRecordIdentifier', async () => {
    const first = await h.route53('GET', `${base}/hostedzone/${ZONE}/rrset?maxitems=2`);
    expect(first).toMatchObject({
      IsTruncated: 'true',
      NextRecordName: 'www.example.com.',
      NextRecordType: 'A',
      NextRecordIdentifier: 'secondary',
    });
    const next = await h.route53(
      'GET',
      `${base}/hostedzone/${ZONE}/rrset?name=www.example.com.&type=A&identifier=secondary`,
    );
    expect(next.ResourceRecordSets.ResourceRecordSet.map((s: Xml) => s.SetIdentifier)).toEqual(['secondary']);
    expect(next.IsTruncated).toBe('false');
    expect((await h.route53Error('GET', `${base}/hostedzone/${ZONE}/rrset?type=A`)).code).toBe('InvalidInput');
  });
});

describe('ChangeResourceRecordSets', () => {
  test('§7.4 UPSERT of the secondary: the failover answer uses the new value; PENDING, then GetChange says INSYNC', async () => {
    // primary unhealthy: its targets never pass a health check (§7.5 EvaluateTargetHealth)
    h.probeAll(500);
    expect(answer('www.example.com')).toBe('192.0.2.10');
    const r = await h.route53(
      'POST',
      `${base}/hostedzone/${ZONE}/rrset/`,
      changeBatch(
        change(
          'UPSERT',
          aRecord(
            'www.example.com',
            '192.0.2.99',
            '<SetIdentifier>secondary</SetIdentifier><Failover>SECONDARY</Failover>',
          ),
        ),
      ),
    );
    expect(r.ChangeInfo).toMatchObject({
      Status: 'PENDING',
      Comment: 'test',
      SubmittedAt: new Date(1_000_000 + 50_000).toISOString(),
    });
    expect(answer('www.example.com')).toBe('192.0.2.99');
    const id = String(r.ChangeInfo.Id).replace('/change/', '');
    expect((await h.route53('GET', `${base}/change/${id}`)).ChangeInfo.Status).toBe('INSYNC');
    expect((await h.route53Error('GET', `${base}/change/CNOPE`)).code).toBe('NoSuchChange');
  });

  test('CREATE then DELETE of a record: it answers, then it is gone', async () => {
    await h.route53(
      'POST',
      `${base}/hostedzone/${ZONE}/rrset/`,
      changeBatch(change('CREATE', aRecord('new.example.com', '192.0.2.1'))),
    );
    expect(answer('new.example.com')).toBe('192.0.2.1');
    const zone = await h.route53('GET', `${base}/hostedzone/${ZONE}`);
    expect(zone.HostedZone.ResourceRecordSetCount).toBe('4');
    await h.route53(
      'POST',
      `${base}/hostedzone/${ZONE}/rrset/`,
      changeBatch(change('DELETE', aRecord('new.example.com', '192.0.2.1'))),
    );
    expect(answer('new.example.com')).toBeUndefined();
  });

  test('§7.5 an alias created through the API to the load balancer DNS name evaluates its target health', async () => {
    const dns = await lbDnsName();
    const alias = `<Name>app.example.com</Name><Type>A</Type><SetIdentifier>p</SetIdentifier><Failover>PRIMARY</Failover><AliasTarget><HostedZoneId>Z35SXDOTRQ7X7K</HostedZoneId><DNSName>dualstack.${dns}</DNSName><EvaluateTargetHealth>true</EvaluateTargetHealth></AliasTarget>`;
    const secondary = aRecord(
      'app.example.com',
      '192.0.2.50',
      '<SetIdentifier>s</SetIdentifier><Failover>SECONDARY</Failover>',
    );
    await h.route53(
      'POST',
      `${base}/hostedzone/${ZONE}/rrset`,
      changeBatch(change('CREATE', alias), change('CREATE', secondary)),
    );
    h.probeAll(200);
    expect(answer('app.example.com')).toBe(`${STACK}/Web/LB`);
    h.probeAll(500);
    expect(answer('app.example.com')).toBe('192.0.2.50');
  });

  test.each([
    [
      'CREATE of an existing record',
      change('CREATE', aRecord('api.example.com', '1.2.3.4').replace('<Type>A</Type>', '<Type>CNAME</Type>')),
      'InvalidChangeBatch',
      "Tried to create resource record set [name='api.example.com.', type='CNAME'] but it already exists",
    ],
    [
      'DELETE with other values',
      change(
        'DELETE',
        aRecord(
          'www.example.com',
          '192.0.2.11',
          '<SetIdentifier>secondary</SetIdentifier><Failover>SECONDARY</Failover>',
        ),
      ),
      'InvalidChangeBatch',
      "Tried to delete resource record set [name='www.example.com.', type='A', set-identifier='secondary'] but the values provided do not match the current values",
    ],
    [
      'DELETE of a missing record',
      change('DELETE', aRecord('nope.example.com', '192.0.2.1')),
      'InvalidChangeBatch',
      "Tried to delete resource record set [name='nope.example.com.', type='A'] but it was not found",
    ],
    [
      'a name outside the zone',
      change('CREATE', aRecord('www.example.net', '192.0.2.1')),
      'InvalidChangeBatch',
      'RRSet with DNS name www.example.net. is not permitted in zone example.com.',
    ],
    [
      'a simple record beside failover records',
      change('CREATE', aRecord('www.example.com', '192.0.2.1')),
      'InvalidChangeBatch',
      'RRSet with DNS name www.example.com., type A cannot be created because a failover record set exists with the same name and type',
    ],
    [
      'a record without TTL',
      change(
        'CREATE',
        '<Name>x.example.com</Name><Type>A</Type><ResourceRecords><ResourceRecord><Value>1.2.3.4</Value></ResourceRecord></ResourceRecords>',
      ),
      'InvalidInput',
      "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords]] in [name='x.example.com.', type='A']",
    ],
    [
      'Failover without SetIdentifier',
      change('CREATE', aRecord('x.example.com', '1.2.3.4', '<Failover>PRIMARY</Failover>')),
      'InvalidInput',
      "Invalid request: A SetIdentifier is required with Failover or Weight in [name='x.example.com.', type='A']",
    ],
    [
      'an unknown health check',
      change('CREATE', aRecord('x.example.com', '1.2.3.4', '<HealthCheckId>abc</HealthCheckId>')),
      'NoSuchHealthCheck',
      'A health check with id abc does not exist.',
    ],
    [
      'an alias to a load balancer that does not exist',
      change(
        'CREATE',
        '<Name>x.example.com</Name><Type>A</Type><AliasTarget><HostedZoneId>Z35SXDOTRQ7X7K</HostedZoneId><DNSName>other-1.us-east-1.elb.amazonaws.com</DNSName><EvaluateTargetHealth>false</EvaluateTargetHealth></AliasTarget>',
      ),
      'InvalidChangeBatch',
      'Tried to create an alias that targets other-1.us-east-1.elb.amazonaws.com., type A in zone Z35SXDOTRQ7X7K, but the alias target name does not lie within the target zone',
    ],
  ])('ChangeResourceRecordSets with %s is refused', async (_what, body, code, message) => {
    const before = h.model();
    const e = await h.route53Error('POST', `${base}/hostedzone/${ZONE}/rrset/`, changeBatch(body));
    expect([e.code, e.message]).toEqual([code, message]);
    expect(h.model()).toBe(before);
  });

  test('a batch is all or nothing: a failing second change leaves the first one unapplied', async () => {
    const e = await h.route53Error(
      'POST',
      `${base}/hostedzone/${ZONE}/rrset/`,
      changeBatch(
        change('CREATE', aRecord('one.example.com', '192.0.2.1')),
        change('DELETE', aRecord('nope.example.com', '192.0.2.1')),
      ),
    );
    expect(e.code).toBe('InvalidChangeBatch');
    expect(answer('one.example.com')).toBeUndefined();
  });

  test('a body that is not XML is InvalidInput', async () => {
    expect(
      (
        await h.route53Error(
          'POST',
          `${base}/hostedzone/${ZONE}/rrset/`,
          '<ChangeResourceRecordSetsRequest><ChangeBatch>',
        )
      ).code,
    ).toBe('InvalidInput');
  });
});

describe('health checks', () => {
  test('ListHealthChecks / GetHealthCheck: the configuration in AWS shape, the endpoint named by the load balancer DNS name', async () => {
    const id = await healthCheckId();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const hc = (await h.route53('GET', `${base}/healthcheck/${id}`)).HealthCheck;
    expect(hc).toEqual({
      Id: id,
      CallerReference: `ha-sim-${STACK}/Web/Failover/HealthCheck`,
      HealthCheckConfig: {
        Port: '443',
        Type: 'HTTPS',
        ResourcePath: '/health',
        FullyQualifiedDomainName: await lbDnsName(),
        RequestInterval: '10',
        FailureThreshold: '3',
        MeasureLatency: 'false',
        Inverted: 'false',
        Disabled: 'false',
        Regions: { Region: ['us-east-1', 'us-west-2', 'eu-west-1'] },
      },
      HealthCheckVersion: '1',
    });
    expect((await h.route53Error('GET', `${base}/healthcheck/nope`)).code).toBe('NoSuchHealthCheck');
  });

  test('§7.2 GetHealthCheckStatus: one observation per checker (2 per Region, simulator choice route53_checkers); Failure after FailureThreshold failed probes', async () => {
    const id = await healthCheckId();
    const status = async (): Promise<Xml[]> =>
      (await h.route53('GET', `${base}/healthcheck/${id}/status`)).HealthCheckObservations
        .HealthCheckObservation as Xml[];
    const before = await status();
    expect(before.map((o) => o.Region).sort()).toEqual([
      'eu-west-1',
      'eu-west-1',
      'us-east-1',
      'us-east-1',
      'us-west-2',
      'us-west-2',
    ]);
    expect(before[0]).toEqual({
      Region: 'us-east-1',
      IPAddress: '127.0.0.1',
      StatusReport: {
        Status: 'Success: the endpoint passed the health check',
        CheckedTime: new Date(1_000_000).toISOString(),
      },
    });
    // the checkers are spread over the 10 s interval: after 3 intervals and one more round every checker has
    // seen FailureThreshold (3) failed probes
    for (let i = 0; i < 4; i++) {
      for (const p of h.engine.route53ProbeDue()) h.engine.route53ProbeResult(p.probeId, {});
      h.clock.advance(10_000);
    }
    const after = await status();
    expect(after).toHaveLength(6);
    expect(after.every((o) => String(o.StatusReport.Status).startsWith('Failure:'))).toBe(true);
  });
});
