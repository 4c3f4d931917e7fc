import {
  answerQuery,
  candidates,
  createEngine,
  pickAnswer,
  r53HostHeader,
  r53ProbeVerdict,
  searchStringInWindow,
  seededRandom,
  SIM_NAME_SERVER,
  type DnsLookups,
} from '../../src/core';
import { buildModel } from '../../src/model';
import type { CfnTemplate, RecordSetModel, SimModel } from '../../src/model/types';
import { assignZones, inferZoneName } from '../../src/model/zones';
import { albTemplate, IDS, STACK } from '../model/fixtures';

type Json = Record<string, unknown>;

const record = (name: string, props: Json): Json => ({
  Type: 'AWS::Route53::RecordSet',
  Properties: { HostedZoneId: { Ref: 'Zone' }, Name: name, ...props },
});

/** A DNS stack with a hosted zone and the given records (plus whatever else is passed). */
function dnsModel(resources: Record<string, Json>, extra: { stackName: string; template: CfnTemplate }[] = []) {
  const template = {
    Resources: { Zone: { Type: 'AWS::Route53::HostedZone', Properties: { Name: 'example.com.' } }, ...resources },
  } as unknown as CfnTemplate;
  return buildModel([...extra, { stackName: 'Dns', template }]);
}

const healthy: DnsLookups = {
  healthCheck: () => true,
  loadBalancer: () => true,
  loadBalancerAddresses: (_id, type) => (type === 'A' ? ['127.1.1.1'] : []),
};

const ask = (model: SimModel, name: string, type: string, lookups: DnsLookups = healthy, seed = 1) =>
  answerQuery(model, name, type, lookups, seededRandom(seed));

describe('§7.3 hosted zones of an assembly', () => {
  test('a HostedZone resource, a HostedZoneName and an imported zone id each give a zone', () => {
    const model = buildModel([
      {
        stackName: 'Dns',
        template: {
          Resources: {
            Zone: { Type: 'AWS::Route53::HostedZone', Properties: { Name: 'Corp.Example.', VPCs: [{ VPCId: 'v' }] } },
            A: record('app.corp.example.', { Type: 'A', TTL: '300', ResourceRecords: ['192.0.2.1'] }),
            B: {
              Type: 'AWS::Route53::RecordSet',
              Properties: {
                HostedZoneName: 'example.org.',
                Name: 'www.example.org.',
                Type: 'A',
                TTL: '60',
                ResourceRecords: ['192.0.2.2'],
              },
            },
            C: {
              Type: 'AWS::Route53::RecordSet',
              Properties: {
                HostedZoneId: 'Z0IMPORTED',
                Name: 'www.example.net.',
                Type: 'A',
                TTL: '60',
                ResourceRecords: ['192.0.2.3'],
              },
            },
          },
        } as unknown as CfnTemplate,
      },
    ]);
    expect(model.hostedZones).toEqual([
      { id: 'Dns/Zone', name: 'corp.example', private: true, source: 'resource', logicalId: 'Zone', stackName: 'Dns' },
      { id: 'zone:Z0IMPORTED', name: 'example.net', hostedZoneId: 'Z0IMPORTED', private: false, source: 'inferred' },
      { id: 'zone:example.org', name: 'example.org', private: false, source: 'named' },
    ]);
    expect(model.recordSets.map((r) => r.zone)).toEqual(['Dns/Zone', 'zone:example.org', 'zone:Z0IMPORTED']);
  });

  test.each([
    [['www.example.com.'], 'example.com'],
    [['www.example.com', 'api.eu.example.com'], 'example.com'],
    [['example.com.', 'www.example.com.'], 'example.com'],
    [['a.b.c.example.com', 'x.b.c.example.com'], 'b.c.example.com'],
  ])('simulator choice imported_zone_name: records %j → zone %s', (names, zone) => {
    expect(inferZoneName(names)).toBe(zone);
  });

  test('records in a zone known only by name share the HostedZone resource of that name', () => {
    const r = {
      id: 'r',
      logicalId: 'r',
      stackName: 's',
      kind: 'RecordSet',
      name: 'www.example.com.',
      type: 'A',
      resourceRecords: [],
    };
    const out = assignZones(
      [{ id: 'Dns/Zone', logicalId: 'Zone', stackName: 'Dns', name: 'example.com.', private: false }],
      [{ record: r as RecordSetModel, ref: { kind: 'name', value: 'EXAMPLE.com.' } }],
    );
    expect(out.records[0].zone).toBe('Dns/Zone');
    expect(out.zones).toHaveLength(1);
  });
});

describe('§7.3–§7.6 DNS answers for the hosted zones', () => {
  const plain = dnsModel({
    Www: record('www.example.com.', { Type: 'A', TTL: '300', ResourceRecords: ['192.0.2.10', '192.0.2.11'] }),
    Txt: record('www.example.com.', { Type: 'TXT', TTL: '120', ResourceRecords: ['"v=spf1 -all"'] }),
    Alias: record('app.example.com.', {
      Type: 'A',
      AliasTarget: { DNSName: 'www.example.com.', HostedZoneId: { Ref: 'Zone' }, EvaluateTargetHealth: false },
    }),
    Cname: record('old.example.com.', { Type: 'CNAME', TTL: '30', ResourceRecords: ['www.example.com'] }),
    Wild: record('*.dev.example.com.', { Type: 'A', TTL: '10', ResourceRecords: ['192.0.2.99'] }),
    Deep: record('a.b.example.com.', { Type: 'A', TTL: '10', ResourceRecords: ['192.0.2.7'] }),
  });

  test('§7.6 plain records answer with their values and TTL', () => {
    expect(ask(plain, 'WWW.Example.com.', 'A')).toEqual({
      rcode: 'NOERROR',
      authoritative: true,
      answers: [
        { name: 'www.example.com', type: 'A', ttl: 300, data: '192.0.2.10' },
        { name: 'www.example.com', type: 'A', ttl: 300, data: '192.0.2.11' },
      ],
      authority: [],
      zone: 'example.com',
    });
  });

  test('a name that does not exist: NXDOMAIN with the zone SOA (900 s, minimum 86400 s)', () => {
    const a = ask(plain, 'nope.example.com', 'A');
    expect(a.rcode).toBe('NXDOMAIN');
    expect(a.answers).toEqual([]);
    expect(a.authority).toEqual([
      {
        name: 'example.com',
        type: 'SOA',
        ttl: 900,
        data: `${SIM_NAME_SERVER} hostmaster.example.com 1 7200 900 1209600 86400`,
      },
    ]);
  });

  test('a name without the type asked, and an empty non-terminal: NOERROR, no answer, SOA', () => {
    for (const [name, type] of [
      ['www.example.com', 'AAAA'],
      ['b.example.com', 'A'],
    ]) {
      const a = ask(plain, name, type);
      expect([a.rcode, a.answers.length, a.authority[0]?.type]).toEqual(['NOERROR', 0, 'SOA']);
    }
  });

  test('a name outside every hosted zone: REFUSED, not authoritative', () => {
    expect(ask(plain, 'www.example.org', 'A')).toEqual({
      rcode: 'REFUSED',
      authoritative: false,
      answers: [],
      authority: [],
    });
  });

  test('the apex answers SOA and NS of the simulator name server', () => {
    expect(ask(plain, 'example.com', 'SOA').answers[0].type).toBe('SOA');
    expect(ask(plain, 'example.com', 'NS').answers).toEqual([
      { name: 'example.com', type: 'NS', ttl: 900, data: SIM_NAME_SERVER },
    ]);
  });

  test('§7.4 an alias to another record of the zone answers with its values and TTL under the alias name', () => {
    expect(ask(plain, 'app.example.com', 'A').answers).toEqual([
      { name: 'app.example.com', type: 'A', ttl: 300, data: '192.0.2.10' },
      { name: 'app.example.com', type: 'A', ttl: 300, data: '192.0.2.11' },
    ]);
  });

  test('a CNAME answers any type and is followed inside the zone', () => {
    expect(ask(plain, 'old.example.com', 'A').answers.map((r) => [r.name, r.type, r.ttl, r.data])).toEqual([
      ['old.example.com', 'CNAME', 30, 'www.example.com'],
      ['www.example.com', 'A', 300, '192.0.2.10'],
      ['www.example.com', 'A', 300, '192.0.2.11'],
    ]);
  });

  test('a wildcard answers names below it that do not exist', () => {
    expect(ask(plain, 'x.dev.example.com', 'A').answers).toEqual([
      { name: 'x.dev.example.com', type: 'A', ttl: 10, data: '192.0.2.99' },
    ]);
  });

  test('ANY answers every type at the name', () => {
    expect(ask(plain, 'www.example.com', 'ANY').answers.map((r) => r.type)).toEqual(['A', 'A', 'TXT']);
  });

  test('§7.5/§7.6 an alias to a load balancer answers with its node addresses and TTL 60', () => {
    const web = albTemplate();
    (web as Json).Outputs = {
      Dns: { Value: { 'Fn::GetAtt': ['WebLB0A1B2C3D', 'DNSName'] }, Export: { Name: 'Web:Dns' } },
    };
    const model = dnsModel(
      {
        Www: record('www.example.com.', {
          Type: 'A',
          AliasTarget: {
            DNSName: { 'Fn::ImportValue': 'Web:Dns' },
            HostedZoneId: 'Z35SXDOTRQ7X7K',
            EvaluateTargetHealth: true,
          },
        }),
      },
      [{ stackName: STACK, template: web }],
    );
    const lookups: DnsLookups = {
      ...healthy,
      loadBalancerAddresses: (id, type) => (id === IDS.lb && type === 'A' ? ['127.1.1.1', '127.1.1.2'] : []),
    };
    expect(ask(model, 'www.example.com', 'A', lookups).answers).toEqual([
      { name: 'www.example.com', type: 'A', ttl: 60, data: '127.1.1.1' },
      { name: 'www.example.com', type: 'A', ttl: 60, data: '127.1.1.2' },
    ]);
    expect(ask(model, 'www.example.com', 'AAAA', lookups)).toMatchObject({ rcode: 'NOERROR', answers: [] });
  });

  test("a load balancer's own DNS name answers with its node addresses", () => {
    const lookups: DnsLookups = {
      ...healthy,
      loadBalancerNamed: (n) => (n === 'web-1.elb.amazonaws.com' ? 'lb' : undefined),
    };
    expect(ask(plain, 'Web-1.elb.amazonaws.com.', 'A', lookups).answers).toEqual([
      { name: 'web-1.elb.amazonaws.com', type: 'A', ttl: 60, data: '127.1.1.1' },
    ]);
  });
});

describe('§7.3 weighted and multivalue answers', () => {
  const weighted = (w: Record<string, number>, checks: Record<string, string> = {}) =>
    dnsModel(
      Object.fromEntries(
        Object.entries(w).map(([id, weight]) => [
          id,
          record('api.example.com.', {
            Type: 'A',
            TTL: '60',
            SetIdentifier: id,
            Weight: weight,
            ResourceRecords: [`192.0.2.${Object.keys(w).indexOf(id) + 1}`],
            ...(checks[id] ? { HealthCheckId: checks[id] } : {}),
          }),
        ]),
      ),
    );
  const group = (m: SimModel) => m.recordSets;
  const lookupsDown = (down: string[]) => ({
    healthCheck: (id: string) => !down.includes(id),
    loadBalancer: () => true,
  });

  test('§7.3 weight-0 records answer only when every non-zero record is unhealthy', () => {
    const m = weighted({ a: 3, b: 1, z: 0 }, { a: 'hc-a', b: 'hc-b', z: 'hc-z' });
    const ids = (down: string[]) => candidates(group(m), lookupsDown(down)).records.map((r) => r.setIdentifier);
    expect(ids([])).toEqual(['a', 'b']);
    expect(ids(['hc-a'])).toEqual(['b']);
    expect(ids(['hc-a', 'hc-b'])).toEqual(['z']);
    // none healthy: all count as healthy again, weight 0 stays out
    expect(ids(['hc-a', 'hc-b', 'hc-z'])).toEqual(['a', 'b']);
  });

  test('§7.3 answers are drawn in proportion to the weights (seeded Random)', () => {
    const m = weighted({ a: 3, b: 1 });
    const c = candidates(group(m), lookupsDown([]));
    const random = seededRandom(7);
    const counts = { a: 0, b: 0 };
    for (let i = 0; i < 4000; i++) counts[pickAnswer(c, random)[0].setIdentifier as 'a' | 'b']++;
    expect(counts.a / 4000).toBeGreaterThan(0.72);
    expect(counts.a / 4000).toBeLessThan(0.78);
  });

  test('§7.3 every weight 0: all equally likely', () => {
    const m = weighted({ a: 0, b: 0 });
    const c = candidates(group(m), lookupsDown([]));
    const random = seededRandom(3);
    const seen = new Set(Array.from({ length: 200 }, () => pickAnswer(c, random)[0].setIdentifier));
    expect([...seen].sort()).toEqual(['a', 'b']);
  });

  test('§7.3 multivalue: up to 8 healthy records; all unhealthy → up to 8 of them', () => {
    const resources = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [
        `R${i}`,
        record('mv.example.com.', {
          Type: 'A',
          TTL: '60',
          SetIdentifier: `r${i}`,
          MultiValueAnswer: true,
          HealthCheckId: `hc${i}`,
          ResourceRecords: [`192.0.2.${i + 1}`],
        }),
      ]),
    );
    const m = dnsModel(resources);
    const lookups = (down: (i: number) => boolean): DnsLookups => ({
      ...healthy,
      healthCheck: (id) => !down(Number(id.slice(2))),
    });
    const even = ask(
      m,
      'mv.example.com',
      'A',
      lookups((i) => i % 2 === 1),
    ).answers.map((r) => r.data);
    expect(even.sort()).toEqual(['192.0.2.1', '192.0.2.3', '192.0.2.5', '192.0.2.7', '192.0.2.9']);
    const all = ask(
      m,
      'mv.example.com',
      'A',
      lookups(() => false),
    ).answers;
    expect(all).toHaveLength(8);
    expect(new Set(all.map((r) => r.data)).size).toBe(8);
    expect(
      ask(
        m,
        'mv.example.com',
        'A',
        lookups(() => true),
      ).answers,
    ).toHaveLength(8);
  });
});

describe('§7.2 probe verdicts', () => {
  const strMatch = { type: 'HTTP_STR_MATCH', searchString: 'READY' };
  const ok = { connectMs: 1, status: 200, responseMs: 1, bodyMs: 1 };

  test.each([
    ['x'.repeat(5115) + 'READY', true],
    ['x'.repeat(5116) + 'READY', false],
    ['é'.repeat(2557) + 'READY', true], // 5,114 bytes of é, the search string ends at byte 5,119
    ['é'.repeat(2558) + 'READY', false],
  ])('§7.2 the search string must lie wholly in the first 5,120 bytes (%#)', (body, passes) => {
    expect(searchStringInWindow(body, 'READY')).toBe(passes);
    expect(r53ProbeVerdict(strMatch, { ...ok, body: Buffer.from(body) }).passed).toBe(passes);
  });

  test.each([
    [{ type: 'HTTP' }, { connectMs: 1, status: 200, responseMs: 1 }, 'Success: HTTP status code 200'],
    [{ type: 'HTTP' }, { connectMs: 1, status: 503, responseMs: 1 }, 'Failure: HTTP status code 503'],
    [{ type: 'HTTPS' }, { error: 'ECONNREFUSED' }, 'Failure: connection failed (ECONNREFUSED)'],
    [{ type: 'HTTP' }, { connectMs: 4_001 }, 'Failure: no connection within 4 s'],
    [{ type: 'HTTP' }, { connectMs: 1, status: 200, responseMs: 2_001 }, 'Failure: no HTTP response within 2 s'],
    [strMatch, { ...ok, body: 'nope' }, 'Failure: search string not in the first 5120 bytes of the body'],
    [strMatch, { ...ok, bodyMs: 2_001, body: 'READY' }, 'Failure: body not received within 2 s'],
    [{ type: 'TCP' }, { connectMs: 9_000 }, 'Success: TCP connection established'],
    [{ type: 'TCP' }, { connectMs: 10_001 }, 'Failure: no connection within 10 s'],
  ])('§7.2 %j observing %j reports "%s"', (check, o, status) => {
    expect(r53ProbeVerdict({ searchString: undefined, ...check }, o).status).toBe(status);
  });
});

describe('§7.2 Route 53 checks in the engine', () => {
  function hcModel(config: Json, extra: Record<string, Json> = {}): SimModel {
    return buildModel([
      {
        stackName: 'Dns',
        template: {
          Resources: {
            Check: {
              Type: 'AWS::Route53::HealthCheck',
              Properties: {
                HealthCheckConfig: {
                  Type: 'HTTP',
                  FullyQualifiedDomainName: 'a.example.com',
                  RequestInterval: 10,
                  ...config,
                },
              },
            },
            ...extra,
          },
        } as unknown as CfnTemplate,
      },
    ]);
  }
  function run(model: SimModel) {
    const clock = {
      t: 0,
      now() {
        return this.t;
      },
    };
    const engine = createEngine(model, { clock, random: seededRandom(1), cookieKey: 'k' });
    /** Advance to `until`, answering every Route 53 probe with `status` after 1 ms. */
    const runTo = (until: number, status: number | ((region: string) => number)) => {
      for (;;) {
        const next = engine.route53NextWakeAt();
        if (next === undefined || next > until) break;
        clock.t = Math.max(clock.t, next);
        for (const p of engine.route53ProbeDue()) {
          const s = typeof status === 'number' ? status : status(p.checker.region);
          engine.route53ProbeResult(p.probeId, { connectMs: 0, status: s, responseMs: 0 });
        }
      }
      clock.t = until;
    };
    return { engine, clock, runTo };
  }

  test('§7.1 Regions: two checkers per Region (simulator choice route53_checkers), probes spread over the interval', () => {
    const { engine } = run(hcModel({ Regions: ['us-east-1', 'eu-west-1', 'sa-east-1'] }));
    const due = engine.route53ProbeDue(0);
    expect(due.map((p) => `${p.checker.region}#${p.checker.index}`)).toEqual(['us-east-1#0']);
    expect(engine.healthCheckObservations('Dns/Check')!.map((o) => `${o.region}#${o.index}`)).toEqual([
      'us-east-1#0',
      'eu-west-1#0',
      'sa-east-1#0',
      'us-east-1#1',
      'eu-west-1#1',
      'sa-east-1#1',
    ]);
    // 6 checkers over 10 s: next probe 10/6 s later
    expect(engine.route53NextWakeAt()).toBe(1_666);
  });

  test('§7.2 a new health check is healthy until its checkers have data', () => {
    const { engine } = run(hcModel({}));
    expect(engine.healthCheckStatus('Dns/Check')).toBe(true);
    expect(engine.healthCheckObservations('Dns/Check')!.every((o) => o.healthy && o.status === undefined)).toBe(true);
  });

  test('§7.1 Inverted: a failing endpoint is healthy and a passing one unhealthy', () => {
    const { engine, runTo } = run(hcModel({ Inverted: true, FailureThreshold: 1 }));
    expect(engine.healthCheckStatus('Dns/Check')).toBe(false); // new: healthy before inversion
    runTo(10_000, 500);
    expect(engine.healthCheckStatus('Dns/Check')).toBe(true);
  });

  test('§7.1 Disabled: never probed, always healthy', () => {
    const { engine } = run(hcModel({ Disabled: true }));
    expect(engine.route53NextWakeAt()).toBeUndefined();
    expect(engine.healthCheckStatus('Dns/Check')).toBe(true);
  });

  test('§7.2 CALCULATED: healthy while at least HealthThreshold children are healthy', () => {
    const model = hcModel(
      { FailureThreshold: 1 },
      {
        Other: {
          Type: 'AWS::Route53::HealthCheck',
          Properties: { HealthCheckConfig: { Type: 'TCP', IPAddress: '192.0.2.1', Port: 22, RequestInterval: 10 } },
        },
        Both: {
          Type: 'AWS::Route53::HealthCheck',
          Properties: {
            HealthCheckConfig: {
              Type: 'CALCULATED',
              HealthThreshold: 2,
              ChildHealthChecks: [{ Ref: 'Check' }, { Ref: 'Other' }],
            },
          },
        },
      },
    );
    const { engine, clock } = run(model);
    expect(engine.healthCheckStatus('Dns/Both')).toBe(true);
    expect(engine.healthCheckObservations('Dns/Both')).toBeUndefined();
    for (; clock.t <= 10_000; clock.t += 100) {
      for (const p of engine.route53ProbeDue()) {
        if (p.healthCheckId === 'Dns/Check')
          engine.route53ProbeResult(p.probeId, { connectMs: 0, status: 500, responseMs: 0 });
        else engine.route53ProbeResult(p.probeId, { connectMs: 0 });
      }
    }
    expect(engine.healthCheckStatus('Dns/Check')).toBe(false);
    expect(engine.healthCheckStatus('Dns/Other')).toBe(true);
    expect(engine.healthCheckStatus('Dns/Both')).toBe(false);
  });

  test('updateModel keeps the checkers of a check whose probes did not change, and restarts a changed one', () => {
    const { engine, clock, runTo } = run(hcModel({ FailureThreshold: 1 }));
    runTo(10_000, 500);
    expect(engine.healthCheckStatus('Dns/Check')).toBe(false);
    // FailureThreshold changes: the verdicts stay
    engine.updateModel(hcModel({ FailureThreshold: 3 }));
    expect(engine.healthCheckStatus('Dns/Check')).toBe(false);
    expect(
      engine.healthCheckObservations('Dns/Check')!.every((o) => o.status === 'Failure: HTTP status code 500'),
    ).toBe(true);
    // the path changes: a new check, healthy until data (§7.2)
    clock.t += 1;
    engine.updateModel(hcModel({ FailureThreshold: 3, ResourcePath: '/health' }));
    expect(engine.healthCheckStatus('Dns/Check')).toBe(true);
    expect(engine.healthCheckObservations('Dns/Check')!.every((o) => o.status === undefined)).toBe(true);
  });

  test('a cancelled probe (endpoint the shell must not reach) counts nothing', () => {
    const { engine, clock } = run(hcModel({ FailureThreshold: 1 }));
    for (let i = 0; i < 40; i++) {
      for (const p of engine.route53ProbeDue()) engine.route53ProbeCancelled(p.probeId);
      clock.t += 1_000;
    }
    engine.advance();
    expect(engine.healthCheckStatus('Dns/Check')).toBe(true);
    expect(engine.healthCheckObservations('Dns/Check')!.every((o) => o.status === undefined)).toBe(true);
  });

  test('§7.3/§7.6 dnsQuery and answer-change events through the engine (failover on a health check)', () => {
    const model = hcModel(
      { FailureThreshold: 1 },
      {
        Zone: { Type: 'AWS::Route53::HostedZone', Properties: { Name: 'example.com' } },
        P: record('www.example.com.', {
          Type: 'A',
          TTL: '30',
          SetIdentifier: 'p',
          Failover: 'PRIMARY',
          HealthCheckId: { Ref: 'Check' },
          ResourceRecords: ['192.0.2.1'],
        }),
        S: record('www.example.com.', {
          Type: 'A',
          TTL: '30',
          SetIdentifier: 's',
          Failover: 'SECONDARY',
          ResourceRecords: ['192.0.2.2'],
        }),
      },
    );
    const { engine, runTo } = run(model);
    const where = { loadBalancerAddresses: () => [] };
    expect(engine.advance()).toEqual([]);
    expect(engine.dnsQuery('www.example.com', 'A', where).answers.map((r) => r.data)).toEqual(['192.0.2.1']);
    runTo(10_000, 500);
    expect(engine.dnsQuery('www.example.com', 'A', where).answers.map((r) => r.data)).toEqual(['192.0.2.2']);
    const changes = engine.advance().filter((e) => e.type === 'dns-answer-changed');
    expect(changes).toEqual([
      {
        type: 'dns-answer-changed',
        at: 10_000,
        name: 'www.example.com',
        recordType: 'A',
        from: ['p'],
        to: ['s'],
        previousTtlSeconds: 30,
        clientsMoveBy: 40_000,
      },
    ]);
  });
});

describe('§7.1 Host header of Route 53 probes', () => {
  test.each([
    [{ type: 'HTTP', ipAddress: '192.0.2.1', fullyQualifiedDomainName: 'a.example.com', port: 80 }, 'a.example.com'],
    [{ type: 'HTTPS', ipAddress: '192.0.2.1', fullyQualifiedDomainName: 'a.example.com', port: 443 }, 'a.example.com'],
    [
      { type: 'HTTPS', ipAddress: '192.0.2.1', fullyQualifiedDomainName: 'a.example.com', port: 8443 },
      'a.example.com:8443',
    ],
    [{ type: 'HTTP', ipAddress: '192.0.2.1', port: 8080 }, '192.0.2.1:8080'],
    [{ type: 'HTTP', ipAddress: '2001:db8::1', port: 80 }, '[2001:db8::1]'],
    [{ type: 'HTTP_STR_MATCH', fullyQualifiedDomainName: 'a.example.com', port: 8080 }, 'a.example.com'],
    [{ type: 'TCP', ipAddress: '192.0.2.1', port: 22 }, undefined],
  ])('§7.1 %j → Host %s', (check, host) => {
    expect(r53HostHeader(check)).toBe(host);
  });
});
