/**
 * The request timeline's explanations (core/explain.ts): which rule matched and the first condition
 * that failed for each rule before it (§4.1, §4.2); why a target was picked (§1.5, §2.1, §3.1, §3.3).
 */
import * as path from 'node:path';
import { encodeStickyCookie } from '../../src/core/cookies';
import { explainCondition, explainRules, explainTarget, type TargetPickInput } from '../../src/core/explain';
import { selectRule, type HttpRequestInfo } from '../../src/core';
import { modelFromAssemblyDirectory } from '../../src/model/assembly';
import type { ListenerModel, TargetGroupModel } from '../../src/model/types';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'live', 'cdk.out');
const model = modelFromAssemblyDirectory(FIXTURE);
const listener = model.listeners.find((l) => l.id === 'LiveFixture/Web/Http')! as ListenerModel;
const tg = (id: string): TargetGroupModel => model.targetGroups.find((t) => t.id === `LiveFixture/Web/${id}`)!;
const KEY = 'test-key';

function req(over: Partial<HttpRequestInfo> = {}): HttpRequestInfo {
  return {
    method: 'GET',
    path: '/',
    query: '',
    headers: { host: 'www.example.com' },
    sourceIp: '203.0.113.7',
    protocol: 'http',
    port: 80,
    ...over,
  };
}

describe('§4.1 rule trace', () => {
  test('§4.1 the default rule: every rule tried, each with the condition that failed', () => {
    const e = explainRules(listener, req({ path: '/index.html' }));
    expect(e.matchedPriority).toBe(0);
    expect(e.rules.map((r) => r.priority)).toEqual([10, 20, 30, 40, 50, 'default']);
    expect(e.rules[0]).toEqual({
      priority: 10,
      ruleId: listener.rules.find((r) => r.priority === 10)!.id,
      matched: false,
      failed: { field: 'path-pattern', matched: false, detail: 'path "/index.html" matches none of "/api/*"' },
    });
    expect(e.rules.at(-1)).toEqual({ priority: 'default', matched: true, conditions: [] });
  });

  test('§4.1 the first matching rule ends the trace, with the value that matched', () => {
    const e = explainRules(listener, req({ path: '/old/page' }));
    expect(e.matchedPriority).toBe(20);
    expect(e.rules).toHaveLength(2);
    expect(e.rules[1]!.conditions).toEqual([
      { field: 'path-pattern', matched: true, detail: 'path "/old/page" matches "/old/*"' },
    ]);
  });

  test('§4.1 the trace agrees with selectRule for every fixture path', () => {
    for (const p of ['/', '/api/x', '/old/a', '/teapot', '/empty/1', '/app/z', '/apix']) {
      expect(explainRules(listener, req({ path: p })).matchedPriority).toBe(
        selectRule(listener, req({ path: p })).priority,
      );
    }
  });

  test('§4.1 conditions are ANDed: the trace stops at the first failed one', () => {
    const two: Pick<ListenerModel, 'rules'> = {
      rules: [
        {
          ...listener.rules[0]!,
          priority: 5,
          conditions: [
            { field: 'http-request-method', values: ['POST'] },
            { field: 'path-pattern', values: ['/nowhere'] },
          ],
        },
      ],
    };
    const e = explainRules(two, req());
    expect(e.rules[0]!.failed).toEqual({
      field: 'http-request-method',
      matched: false,
      detail: 'method GET is not one of POST (case-sensitive)',
    });
  });

  test.each([
    [
      { field: 'host-header', values: ['*.example.org'] },
      req(),
      false,
      'host "www.example.com" matches none of "*.example.org"',
    ],
    [
      { field: 'host-header', values: ['WWW.example.com'] },
      req(),
      true,
      'host "www.example.com" matches "WWW.example.com"',
    ],
    [{ field: 'http-header', headerName: 'X-Env', values: ['beta'] }, req(), false, 'no X-Env header (wanted "beta")'],
    [
      { field: 'http-header', headerName: 'X-Env', values: ['be*'] },
      req({ headers: { host: 'h', 'x-env': 'Beta' } }),
      true,
      'X-Env "Beta" matches "be*"',
    ],
    [
      { field: 'query-string', values: [{ key: 'v', value: '2' }] },
      req({ query: 'v=1&w=2' }),
      false,
      'query "v=1&w=2" has no pair matching "v=2"',
    ],
    [{ field: 'query-string', values: [{ value: '2' }] }, req({ query: 'w=2' }), true, 'query pair "w=2" matches "2"'],
    [{ field: 'source-ip', values: ['10.0.0.0/8'] }, req(), false, 'source 203.0.113.7 is in none of 10.0.0.0/8'],
    [{ field: 'source-ip', values: ['203.0.113.0/24'] }, req(), true, 'source 203.0.113.7 is in 203.0.113.0/24'],
  ] as const)('§4.2 %j', (condition, request, matched, detail) => {
    expect(explainCondition(condition, request)).toEqual({ field: condition.field, matched, detail });
  });
});

describe('§2.1 §3 why the target', () => {
  const health = [
    { id: '10.0.0.1', port: 80, state: 'healthy' as const },
    { id: '10.0.0.2', port: 80, state: 'unhealthy' as const, reason: 'Target.ResponseCodeMismatch' },
    { id: '10.0.0.3', port: 80, state: 'healthy' as const },
  ];
  const base = (over: Partial<TargetPickInput>): TargetPickInput => ({
    targetGroup: tg('Site'),
    target: { targetGroupId: tg('Site').id, targetId: '10.0.0.3', port: 80 },
    stickiness: 'none',
    failOpen: false,
    cookies: new Map(),
    receivedAtMs: 1_000_000,
    cookieKey: KEY,
    health,
    ...over,
  });

  test('§2.1 round_robin: its turn among the healthy candidates, in registration order', () => {
    expect(explainTarget(base({}))).toEqual({
      code: 'round-robin-turn',
      detail: 'round_robin: its turn among 2 candidates (the 2nd in registration order)',
      algorithm: 'round_robin',
      candidates: 2,
      failOpen: false,
    });
  });

  test('§2.1 least_outstanding_requests and weighted_random name their rule', () => {
    const attrs = (algorithm: string) =>
      ({ ...tg('Site'), attributes: { ...tg('Site').attributes, algorithm } }) as TargetGroupModel;
    expect(explainTarget(base({ targetGroup: attrs('least_outstanding_requests') })).detail).toBe(
      'least_outstanding_requests: the fewest requests in flight among 2 candidates (ties at random, simulator choice lor_tie_break)',
    );
    expect(explainTarget(base({ targetGroup: attrs('weighted_random') })).code).toBe('weighted-random');
  });

  test('§1.5 fail-open: unhealthy targets are candidates too, and the explanation says so', () => {
    const e = explainTarget(
      base({ failOpen: true, health: health.map((t) => ({ ...t, state: 'unhealthy' as const })) }),
    );
    expect(e.candidates).toBe(3);
    expect(e.detail).toMatch(/^the target group was failing open \(§1\.5\)/);
    expect(e.detail).toContain('(the 3rd in registration order)');
  });

  const api = tg('Api');
  const apiTarget = { targetGroupId: api.id, targetId: '10.0.0.3', port: 80 };
  const cookie = (t: string, issuedAt: number, g = api.id) =>
    new Map([['AWSALB', encodeStickyCookie({ k: 'lb', g, t, p: 80, i: issuedAt }, KEY)]]);

  test('§3.1 a valid AWSALB cookie names the target', () => {
    const e = explainTarget(
      base({ targetGroup: api, target: apiTarget, stickiness: 'hit', cookies: cookie('10.0.0.3', 990_000) }),
    );
    expect(e.code).toBe('sticky-cookie');
    expect(e.detail).toBe('the AWSALB cookie names this target, issued 10 s before');
  });

  test('§3.1 the cookie names an unhealthy target: picked again, naming the target and its state', () => {
    const e = explainTarget(
      base({ targetGroup: api, target: apiTarget, stickiness: 'repick', cookies: cookie('10.0.0.2', 990_000) }),
    );
    expect(e.code).toBe('repick-target-unusable');
    expect(e.detail).toBe(
      'the AWSALB cookie names 10.0.0.2:80, which was unhealthy (Target.ResponseCodeMismatch); picked again: ' +
        'round_robin: its turn among 2 candidates (the 2nd in registration order)',
    );
  });

  test('§3.1 an expired, foreign or tampered cookie: picked again, saying which', () => {
    const expired = explainTarget(
      base({
        targetGroup: api,
        target: apiTarget,
        stickiness: 'repick',
        cookies: cookie('10.0.0.1', 1_000_000 - 3_600_000),
      }),
    );
    expect(expired.code).toBe('repick-cookie-invalid');
    expect(expired.detail).toMatch(/^the AWSALB cookie had expired \(issued 3600 s before, stickiness lasts 3600 s\)/);
    const foreign = explainTarget(
      base({
        targetGroup: api,
        target: apiTarget,
        stickiness: 'repick',
        cookies: cookie('10.0.0.1', 990_000, 'Other'),
      }),
    );
    expect(foreign.detail).toMatch(/^the AWSALB cookie is for target group Other;/);
    const tampered = explainTarget(
      base({ targetGroup: api, target: apiTarget, stickiness: 'repick', cookies: new Map([['AWSALB', 'x.y']]) }),
    );
    expect(tampered.detail).toMatch(/^the AWSALB cookie could not be decoded/);
  });

  test('§3.1 no cookie yet: the algorithm chose and a cookie is issued', () => {
    const e = explainTarget(base({ targetGroup: api, target: apiTarget, stickiness: 'new' }));
    expect(e.code).toBe('sticky-new');
    expect(e.detail).toMatch(
      /^no AWSALB cookie yet; round_robin: its turn among 2 candidates \(the 2nd in registration order\); a new AWSALB cookie is issued$/,
    );
  });

  test('§3.3 a weighted forward says how the target group was chosen', () => {
    const action = {
      type: 'forward' as const,
      targetGroups: [
        { targetGroupId: 'A', weight: 90 },
        { targetGroupId: tg('Site').id, weight: 10 },
      ],
    };
    expect(explainTarget(base({ action })).targetGroupChoice).toBe(`by weight (A 90 / ${tg('Site').id} 10)`);
  });
});
