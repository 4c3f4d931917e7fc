import {
  ACCESS_LOG_FIELDS,
  formatAccessLogLine,
  formatLogTime,
  parseAccessLogLine,
  parseAccessLogRecord,
  type AccessLogEntry,
} from '../../src/core/access-log';

const base: AccessLogEntry = {
  type: 'http',
  timeMs: Date.UTC(2018, 6, 2, 22, 23, 0, 186),
  elb: 'app/my-loadbalancer/50dc6c495c0c9188',
  clientIp: '192.168.131.39',
  clientPort: 2817,
  target: { ip: '10.0.0.1', port: 80 },
  requestProcessingTime: 0,
  targetProcessingTime: 0.001,
  responseProcessingTime: 0,
  elbStatusCode: 200,
  targetStatusCode: 200,
  receivedBytes: 34,
  sentBytes: 366,
  request: { method: 'GET', url: 'http://www.example.com:80/', httpVersion: '1.1' },
  userAgent: 'curl/7.46.0',
  targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067',
  traceId: 'Root=1-58337262-36d228ad5d99923122bbe354',
  matchedRulePriority: 0,
  requestCreationTimeMs: Date.UTC(2018, 6, 2, 22, 22, 48, 364),
  actionsExecuted: ['forward'],
  targetPortList: ['10.0.0.1:80'],
  targetStatusCodeList: [200],
  connTraceId: 'TID_1234abcd',
};

describe('access-log entry (docs/aws-behaviour.md §5.5)', () => {
  test('forwarded HTTP request matches the AWS example line field for field', () => {
    expect(formatAccessLogLine(base)).toBe(
      'http 2018-07-02T22:23:00.186000Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 ' +
        '0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - ' +
        'arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 ' +
        '"Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" ' +
        '"10.0.0.1:80" "200" "-" "-" TID_1234abcd',
    );
  });

  test('has the 30 fields in AWS order', () => {
    expect(parseAccessLogLine(formatAccessLogLine(base))).toHaveLength(ACCESS_LOG_FIELDS.length);
    expect(ACCESS_LOG_FIELDS).toHaveLength(30);
    expect(ACCESS_LOG_FIELDS[20]).toBe('matched_rule_priority');
  });

  test('not dispatched: target "-", processing times -1, target status "-"', () => {
    const line = formatAccessLogLine({
      ...base,
      target: undefined,
      requestProcessingTime: -1,
      targetProcessingTime: -1,
      responseProcessingTime: -1,
      elbStatusCode: 503,
      targetStatusCode: undefined,
      targetGroupArn: undefined,
      targetPortList: undefined,
      targetStatusCodeList: undefined,
      errorReason: 'NoRegisteredTargets',
    });
    const r = parseAccessLogRecord(line);
    expect(r['target:port']).toBe('-');
    expect([r.request_processing_time, r.target_processing_time, r.response_processing_time]).toEqual([
      '-1',
      '-1',
      '-1',
    ]);
    expect(r.target_status_code).toBe('-');
    expect(r.target_group_arn).toBe('-');
    expect(r.error_reason).toBe('NoRegisteredTargets');
    expect(line).toContain('"-" "-" "-" "-"');
  });

  test('redirect logs redirect_url and actions_executed=redirect', () => {
    const r = parseAccessLogRecord(
      formatAccessLogLine({
        ...base,
        target: undefined,
        actionsExecuted: ['redirect'],
        redirectUrl: 'https://www.example.com:443/',
        elbStatusCode: 301,
        targetStatusCode: undefined,
      }),
    );
    expect(r.actions_executed).toBe('redirect');
    expect(r.redirect_url).toBe('https://www.example.com:443/');
  });

  test('malformed request: request field "- - - " and matched_rule_priority "-"', () => {
    const line = formatAccessLogLine({ ...base, request: undefined, matchedRulePriority: undefined });
    expect(line).toContain('"- - - "');
    expect(parseAccessLogRecord(line).matched_rule_priority).toBe('-');
  });

  test('quotes inside quoted fields are escaped and round-trip', () => {
    const r = parseAccessLogRecord(formatAccessLogLine({ ...base, userAgent: 'a "quoted" \n agent' }));
    expect(r.user_agent).toBe('a "quoted" \n agent');
  });

  test('user agent truncated at 8 KB', () => {
    const r = parseAccessLogRecord(formatAccessLogLine({ ...base, userAgent: 'x'.repeat(9000) }));
    expect(r.user_agent).toHaveLength(8192);
  });

  test('time keeps microseconds', () => {
    expect(formatLogTime(Date.UTC(2020, 0, 1) + 1.5)).toBe('2020-01-01T00:00:00.001500Z');
  });
});
