import * as path from 'node:path';
import { main } from '../../src/cli';
import { errorCount, parseBackends, parseCompareOptions, routeTo, runComparison } from '../../src/cli/compare';
import { ALL_BALANCERS, NON_AWS_BALANCERS } from '../../src/core/balancers';
import { findTargetGroup, modelFromTemplate } from '../../src/model';
import type { ComparisonRow } from '../../src/virtual';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'live', 'cdk.out');
const SITE = 'LiveFixture/Web/Site';
const API = 'LiveFixture/Web/Api';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t + '\n'), err: (t) => (err += t + '\n') });
  return { code, out, err };
}

async function rows(argv: string[]): Promise<ComparisonRow[]> {
  const r = await run([...argv, '--json']);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as ComparisonRow[];
}

describe('ha-sim compare (in-process, fixture cloud assembly)', () => {
  test('prints one row per algorithm, AWS algorithms first, classic ones marked "not AWS"', async () => {
    // when every algorithm is compared on the Site target group
    const r = await run(['compare', FIXTURE, '--target-group', SITE, '--requests', '600', '--seed', '3']);
    // then the table has a row per algorithm with its marking
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Target group LiveFixture/Web/Site (configured algorithm: round_robin)');
    expect(r.out).toContain('via listener LiveFixture/Web/Http default action');
    const lines = r.out.split('\n');
    const header = lines.find((l) => l.startsWith('algorithm'))!;
    expect(header).toMatch(
      /offered by +10\.0\.0\.1 +10\.0\.0\.2 +10\.0\.0\.3 +mean ms +p50 +p90 +p99 +max +errors +statuses/,
    );
    const tableRows = lines.slice(lines.indexOf(header) + 1).filter((l) => /^[a-z_]+ /.test(l));
    expect(tableRows.map((l) => l.split(/ +/)[0])).toEqual(Object.keys(ALL_BALANCERS));
    for (const l of tableRows) {
      const name = l.split(/ +/)[0];
      if (name in NON_AWS_BALANCERS) expect(l).toMatch(/^\w+ +not AWS /);
      else expect(l).toMatch(name === 'round_robin' ? /^\w+ +AWS \(configured\) / : /^\w+ +AWS /);
      expect(l).toMatch(/200:600$/);
    }
  });

  test('deterministic: the same seed prints the same table and the same JSON', async () => {
    const argv = ['compare', FIXTURE, '--target-group', SITE, '--requests', '500', '--seed', '11'];
    const first = await run(argv);
    const second = await run(argv);
    expect(first.code).toBe(0);
    expect(second.out).toBe(first.out);
    expect(await rows(argv)).toEqual(await rows(argv));
  });

  test('the seed drives weighted_random: another seed spreads differently', async () => {
    const base = ['compare', FIXTURE, '--target-group', SITE, '--requests', '500', '--algorithms', 'weighted_random'];
    const [a] = await rows([...base, '--seed', '1']);
    const [b] = await rows([...base, '--seed', '2']);
    expect(a.perTarget).not.toEqual(b.perTarget);
  });

  test("--json prints ComparisonRow objects: every request forwarded to the group's simulated targets", async () => {
    const result = await rows([
      'compare',
      FIXTURE,
      '--target-group',
      SITE,
      '--requests',
      '300',
      '--rps',
      '500',
      '--algorithms',
      'round_robin,ip_hash',
    ]);
    expect(result.map((r) => [r.algorithm, r.aws, r.requests])).toEqual([
      ['round_robin', true, 300],
      ['ip_hash', false, 300],
    ]);
    for (const r of result) {
      expect(Object.keys(r.perTarget).sort()).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
      expect(Object.values(r.perTarget).reduce((a, b) => a + b, 0)).toBe(300);
      expect(r.statuses).toEqual({ '200': 300 });
      expect(r.latencyMs.p50).toBeLessThanOrEqual(r.latencyMs.p99);
    }
    // round robin: an even third each (§2.1)
    expect(result[0].perTarget).toEqual({ '10.0.0.1': 100, '10.0.0.2': 100, '10.0.0.3': 100 });
  });

  test('§2.1 on the default uneven pool least_outstanding_requests sends less to the slow target and cuts p99', async () => {
    const [rr, lor] = await rows([
      'compare',
      FIXTURE,
      '--target-group',
      SITE,
      '--algorithms',
      'round_robin,least_outstanding_requests',
    ]);
    expect(rr.perTarget['10.0.0.3']).toBe(1000);
    expect(lor.perTarget['10.0.0.3']).toBeLessThan(1000);
    expect(lor.latencyMs.p99).toBeLessThan(rr.latencyMs.p99);
  });

  test('--backends sets the simulated targets', async () => {
    const [r] = await rows([
      'compare',
      FIXTURE,
      '--target-group',
      SITE,
      '--requests',
      '40',
      '--algorithms',
      'round_robin',
      '--backends',
      '5x4,20',
    ]);
    expect(r.perTarget).toEqual({ '10.0.0.1': 20, '10.0.0.2': 20 });
  });

  test("a target group reached through a rule gets requests built from the rule's conditions", async () => {
    const r = await run(['compare', FIXTURE, '--target-group', API, '--requests', '30', '--algorithms', 'round_robin']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('GET example.com/api/x via listener LiveFixture/Web/Http rule LiveFixture/Web/Http/Api');
    expect(r.out).toMatch(/round_robin +AWS \(configured\) +10 \(33%\) +10 \(33%\) +10 \(33%\)/);
  });

  test.each([
    [['--target-group', 'Nope'], 'SIM_TARGET_GROUP_NOT_FOUND: no target group "Nope" in the cloud assembly'],
    [
      ['--target-group', SITE, '--algorithms', 'round_robin,fastest'],
      'SIM_BAD_OPTION: --algorithms: unknown algorithm "fastest"',
    ],
    [
      ['--target-group', 'LiveFixture/Net/Db'],
      'SIM_BAD_OPTION: --target-group LiveFixture/Net/Db belongs to a network load balancer',
    ],
    [['--target-group', SITE, '--requests', '0'], 'SIM_BAD_OPTION: --requests must be a positive integer, got "0"'],
    [['--target-group', SITE, '--rps', 'fast'], 'SIM_BAD_OPTION: --rps must be a positive integer, got "fast"'],
    [['--target-group', SITE, '--backends', '10x0'], 'SIM_BAD_OPTION: --backends item "10x0"'],
    [['--requests', '10'], 'SIM_BAD_OPTION: compare needs --target-group TG'],
    [['--target-group', SITE, '--demo-backends', '2'], 'SIM_BAD_OPTION: --demo-backends cannot be used with "compare"'],
  ])('%j → exit 2 with %s', async (args, message) => {
    const r = await run(['compare', FIXTURE, ...args]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.out).toBe('');
  });

  test('a missing cloud assembly → SIM_SOURCE_NOT_FOUND, exit 2', async () => {
    const r = await run(['compare', path.join(FIXTURE, 'nope'), '--target-group', SITE]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('SIM_SOURCE_NOT_FOUND');
  });

  test('--help documents compare, its options and the not-AWS marking', async () => {
    const r = await run(['--help']);
    expect(r.out).toContain('ha-sim compare [CDK_OUT] --target-group TG');
    for (const flag of ['--algorithms', '--requests', '--rps', '--seed', '--backends', '--json'])
      expect(r.out).toContain(flag);
    expect(r.out).toContain('marked "not AWS"');
  });
});

describe('compare: option parsing and request building', () => {
  test('defaults: every algorithm, 3000 requests at 1000 req/s, seed 1, uneven pool', () => {
    expect(parseCompareOptions({ targetGroup: 'TG' })).toEqual({
      targetGroup: 'TG',
      requests: 3000,
      rps: 1000,
      seed: 1,
      algorithms: Object.keys(ALL_BALANCERS),
      backends: [
        { latencyMs: 10, concurrency: 8 },
        { latencyMs: 10, concurrency: 8 },
        { latencyMs: 10, concurrency: 2 },
      ],
      json: false,
    });
  });

  test('an algorithm named twice is rejected', () => {
    expect(() => parseCompareOptions({ targetGroup: 'TG', algorithms: 'ip_hash,ip_hash' })).toThrow(
      expect.objectContaining({ code: 'SIM_BAD_OPTION', message: expect.stringContaining('"ip_hash" twice') }),
    );
  });

  test('backend items without a concurrency mean one request at a time', () => {
    expect(parseBackends('7, 3x5')).toEqual([
      { latencyMs: 7, concurrency: 1 },
      { latencyMs: 3, concurrency: 5 },
    ]);
  });

  test('errorCount counts statuses that are not 2xx/3xx', () => {
    const row = { statuses: { '200': 5, '301': 1, '502': 2, reset: 1, pending: 3 } } as unknown as ComparisonRow;
    expect(errorCount(row)).toBe(6);
  });

  // A rule with every condition type, shadowed for plain requests by nothing; the default action elsewhere.
  const model = modelFromTemplate(
    {
      Resources: {
        Lb: { Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer', Properties: { Type: 'application' } },
        Other: {
          Type: 'AWS::ElasticLoadBalancingV2::TargetGroup',
          Properties: { Port: 80, Protocol: 'HTTP', TargetType: 'ip' },
        },
        Special: {
          Type: 'AWS::ElasticLoadBalancingV2::TargetGroup',
          Properties: { Port: 8080, Protocol: 'HTTP', TargetType: 'ip' },
        },
        Listener: {
          Type: 'AWS::ElasticLoadBalancingV2::Listener',
          Properties: {
            LoadBalancerArn: { Ref: 'Lb' },
            Port: 80,
            Protocol: 'HTTP',
            DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: 'Other' } }],
          },
        },
        Rule: {
          Type: 'AWS::ElasticLoadBalancingV2::ListenerRule',
          Properties: {
            ListenerArn: { Ref: 'Listener' },
            Priority: 5,
            Conditions: [
              { Field: 'host-header', HostHeaderConfig: { Values: ['*.example.org'] } },
              { Field: 'path-pattern', PathPatternConfig: { Values: ['/v?/*'] } },
              { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Tier', Values: ['gold*'] } },
              { Field: 'http-request-method', HttpRequestMethodConfig: { Values: ['POST'] } },
              { Field: 'query-string', QueryStringConfig: { Values: [{ Key: 'mode', Value: 'a\\*b' }] } },
              { Field: 'source-ip', SourceIpConfig: { Values: ['192.0.2.0/24'] } },
            ],
            Actions: [{ Type: 'forward', TargetGroupArn: { Ref: 'Special' } }],
          },
        },
      },
    },
    'S',
  );

  test('§4.2 the built request satisfies every condition of the rule that forwards to the group', () => {
    const route = routeTo(model, findTargetGroup(model, 'Special')!);
    expect(route.ruleId).toBe('S/Rule');
    expect(route.fixedSourceIp).toBe(true);
    expect(route.request).toMatchObject({
      method: 'POST',
      path: '/vx/x',
      query: 'mode=a*b',
      sourceIp: '192.0.2.0',
      headers: { host: 'x.example.org', 'x-tier': 'goldx' },
    });
  });

  test('every simulated request reaches the group through that rule', () => {
    const report = runComparison(
      model,
      parseCompareOptions({ targetGroup: 'Special', requests: '50', algorithms: 'ip_hash' }),
    );
    expect(report.rows[0].statuses).toEqual({ '200': 50 });
    // one source address (the source-ip condition): ip_hash sends everything to one target
    expect(Object.values(report.rows[0].perTarget)).toEqual([50]);
    expect(report.scenario.targets[0].targets!.map((t) => t.port)).toEqual([8080, 8080, 8080]);
    expect(report.results[0].targets.map((t) => t.port)).toEqual([8080]);
  });

  test('the default action is preferred for a group that is also a rule target', () => {
    const route = routeTo(model, findTargetGroup(model, 'Other')!);
    expect(route.ruleId).toBeUndefined();
    expect(route.request).toMatchObject({ method: 'GET', path: '/' });
  });
});
