import type { ConditionModel, ListenerModel } from '../../src/model/types';
import { cidrContains, conditionMatches, globMatch, parseIp, selectRule, type HttpRequestInfo } from '../../src/core';

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

describe('§4.2 wildcard glob (anchored full match)', () => {
  test.each([
    ['*.example.com', 'a.example.com', true],
    ['*.example.com', 'example.com', false],
    ['/api/*', '/api/', true],
    ['/api/*', '/api', false],
    ['/img/?.png', '/img/a.png', true],
    ['/img/?.png', '/img/ab.png', false],
    ['/a*b*c', '/axxbyyc', true],
    ['/a*b*c', '/axxbyyc/d', false],
    ['/exact', '/exact/', false],
  ])('%s vs %s → %s', (pattern, text, expected) => {
    expect(globMatch(pattern, text)).toBe(expected);
  });

  test('§4.2 query-string escapes: \\* and \\? are literal', () => {
    expect(globMatch('a\\*b', 'a*b', { escapes: true })).toBe(true);
    expect(globMatch('a\\*b', 'axxb', { escapes: true })).toBe(false);
    expect(globMatch('a\\?', 'a?', { escapes: true })).toBe(true);
    expect(globMatch('a\\?', 'ab', { escapes: true })).toBe(false);
  });
});

describe('§4.2 conditions', () => {
  const c = (cond: ConditionModel, r: Partial<HttpRequestInfo>) => conditionMatches(cond, req(r));

  test('§4.2 host-header is case-insensitive and supports wildcards', () => {
    const cond: ConditionModel = { field: 'host-header', values: ['*.Example.COM'] };
    expect(c(cond, { headers: { Host: 'API.example.com' } })).toBe(true);
    expect(c(cond, { headers: { host: 'example.com' } })).toBe(false);
  });

  test('§4.2 simulator choice host_header_port: the :port is stripped before matching', () => {
    const cond: ConditionModel = { field: 'host-header', values: ['www.example.com'] };
    expect(c(cond, { headers: { host: 'www.example.com:8080' } })).toBe(true);
  });

  test('§4.2 path-pattern is case-sensitive and matches the path only, never the query', () => {
    const cond: ConditionModel = { field: 'path-pattern', values: ['/api/*'] };
    expect(c(cond, { path: '/api/users', query: 'x=1' })).toBe(true);
    expect(c(cond, { path: '/API/users' })).toBe(false);
    expect(c({ field: 'path-pattern', values: ['*x=1*'] }, { path: '/a', query: 'x=1' })).toBe(false);
  });

  test('§4.2 http-header: name and value case-insensitive, wildcards in values, any repeated occurrence', () => {
    const cond: ConditionModel = { field: 'http-header', headerName: 'User-Agent', values: ['*mobile*'] };
    expect(c(cond, { headers: { 'user-agent': 'Foo MOBILE Safari' } })).toBe(true);
    expect(c(cond, { headers: { 'user-agent': 'Desktop' } })).toBe(false);
    expect(
      c({ field: 'http-header', headerName: 'x-env', values: ['prod'] }, { headers: { 'X-Env': ['dev', 'PROD'] } }),
    ).toBe(true);
  });

  test('§4.2 http-request-method is exact and case-sensitive', () => {
    const cond: ConditionModel = { field: 'http-request-method', values: ['GET', 'HEAD'] };
    expect(c(cond, { method: 'HEAD' })).toBe(true);
    expect(c(cond, { method: 'get' })).toBe(false);
    expect(c({ field: 'http-request-method', values: ['G*'] }, { method: 'GET' })).toBe(false);
  });

  test('§4.2 query-string: key optional, case-insensitive, wildcards', () => {
    expect(
      c({ field: 'query-string', values: [{ key: 'Version', value: 'v2*' }] }, { query: 'version=V2.1&x=1' }),
    ).toBe(true);
    expect(c({ field: 'query-string', values: [{ value: 'beta' }] }, { query: 'channel=BETA' })).toBe(true);
    expect(c({ field: 'query-string', values: [{ key: 'version', value: 'v2' }] }, { query: 'other=v2' })).toBe(false);
  });

  test('§4.2 simulator choice query_string_decoding: values are percent-decoded', () => {
    expect(c({ field: 'query-string', values: [{ key: 'q', value: 'a b' }] }, { query: 'q=a%20b' })).toBe(true);
  });

  test('§4.2 source-ip matches IPv4 and IPv6 CIDRs against the TCP peer, not X-Forwarded-For', () => {
    const cond: ConditionModel = { field: 'source-ip', values: ['10.0.0.0/8', '2001:db8::/32'] };
    expect(c(cond, { sourceIp: '10.20.30.40' })).toBe(true);
    expect(c(cond, { sourceIp: '2001:db8:1::5' })).toBe(true);
    expect(c(cond, { sourceIp: '11.0.0.1', headers: { 'x-forwarded-for': '10.0.0.1' } })).toBe(false);
    expect(c(cond, { sourceIp: '2001:db9::1' })).toBe(false);
  });

  test('IP parsing: IPv4-mapped IPv6 peers match IPv4 CIDRs; malformed addresses never match', () => {
    expect(cidrContains('192.168.0.0/16', '::ffff:192.168.1.1')).toBe(true);
    expect(parseIp('1.2.3.999')).toBeUndefined();
    expect(parseIp('1::2::3')).toBeUndefined();
    expect(cidrContains('0.0.0.0/0', 'not-an-ip')).toBe(false);
    expect(cidrContains('::/0', '::1')).toBe(true);
  });
});

describe('§4.1 rule evaluation', () => {
  const listener: Pick<ListenerModel, 'rules' | 'defaultActions'> = {
    defaultActions: [{ type: 'fixed-response', statusCode: 404, messageBody: 'default' }],
    rules: [
      {
        id: 'r20',
        logicalId: 'r20',
        stackName: 's',
        kind: 'ListenerRule',
        listenerId: 'l',
        priority: 20,
        conditions: [{ field: 'path-pattern', values: ['/api/*'] }],
        actions: [{ type: 'fixed-response', statusCode: 200, messageBody: 'api' }],
      },
      {
        id: 'r10',
        logicalId: 'r10',
        stackName: 's',
        kind: 'ListenerRule',
        listenerId: 'l',
        priority: 10,
        conditions: [
          { field: 'path-pattern', values: ['/api/*'] },
          { field: 'http-request-method', values: ['POST', 'PUT'] },
        ],
        actions: [{ type: 'fixed-response', statusCode: 201, messageBody: 'write' }],
      },
    ],
  };

  test('§4.1 rules are evaluated by ascending priority; the first match wins', () => {
    expect(selectRule(listener, req({ path: '/api/x', method: 'PUT' })).priority).toBe(10);
  });

  test('§4.1 conditions are ANDed: one failing condition skips the rule', () => {
    expect(selectRule(listener, req({ path: '/api/x', method: 'GET' })).priority).toBe(20);
  });

  test('§4.1 no rule matches → default rule, reported as priority 0', () => {
    const sel = selectRule(listener, req({ path: '/other' }));
    expect(sel.priority).toBe(0);
    expect(sel.rule).toBeUndefined();
    expect(sel.actions).toBe(listener.defaultActions);
  });

  test('§4.1 values within one condition are ORed', () => {
    expect(selectRule(listener, req({ path: '/api/x', method: 'POST' })).priority).toBe(10);
  });
});
