import {
  HEALTH_CHECK_LIMITS,
  healthCheckDefaults,
  inRange,
  parseMatcher,
  SIMULATOR_CHOICES,
  TARGET_GROUP_NAME_PATTERN,
  LOAD_BALANCER_NAME_PATTERN,
} from '@ha-load-balancer/spec';

describe('spec: health-check defaults (docs/aws-behaviour.md §1.1)', () => {
  test.each([
    [
      'application',
      'instance',
      'HTTP',
      undefined,
      {
        protocol: 'HTTP',
        intervalSeconds: 30,
        timeoutSeconds: 6,
        healthyThresholdCount: 5,
        unhealthyThresholdCount: 2,
        httpCode: '200',
        enabled: true,
      },
    ],
    ['application', 'ip', 'HTTPS', undefined, { protocol: 'HTTPS', timeoutSeconds: 10 }],
    [
      'application',
      'lambda',
      undefined,
      undefined,
      { enabled: false, intervalSeconds: 35, timeoutSeconds: 30, unhealthyThresholdCount: 5 },
    ],
    [
      'network',
      'instance',
      'TCP',
      undefined,
      { protocol: 'TCP', timeoutSeconds: 10, httpCode: '200-399', unhealthyThresholdCount: 2 },
    ],
    ['network', 'ip', 'TCP', 'HTTP', { protocol: 'HTTP', timeoutSeconds: 6 }],
  ] as const)('%s %s %s (hc %s)', (lb, tt, proto, hcProto, expected) => {
    expect(healthCheckDefaults(lb, tt, proto, hcProto)).toMatchObject(expected);
  });

  test('ranges are inclusive at both ends', () => {
    expect(inRange(5, HEALTH_CHECK_LIMITS.intervalSeconds)).toBe(true);
    expect(inRange(300, HEALTH_CHECK_LIMITS.intervalSeconds)).toBe(true);
    expect(inRange(4, HEALTH_CHECK_LIMITS.intervalSeconds)).toBe(false);
    expect(inRange(301, HEALTH_CHECK_LIMITS.intervalSeconds)).toBe(false);
    expect(inRange(5.5, HEALTH_CHECK_LIMITS.intervalSeconds)).toBe(false);
  });
});

describe('spec: matcher grammar (docs/aws-behaviour.md §1.2)', () => {
  test('list, range and mixed forms', () => {
    expect(parseMatcher('200')).toEqual([200]);
    expect(parseMatcher('200,202')).toEqual([200, 202]);
    expect(parseMatcher('200-203')).toEqual([200, 201, 202, 203]);
    expect(parseMatcher('200-201,302')).toEqual([200, 201, 302]);
  });
  test('broken grammar is rejected', () => {
    expect(parseMatcher('abc')).toBeUndefined();
    expect(parseMatcher('300-200')).toBeUndefined();
    expect(parseMatcher('')).toBeUndefined();
  });
});

describe('spec: names (docs/aws-behaviour.md §8.1, §8.2)', () => {
  test.each([
    ['a', true],
    ['web-tg-1', true],
    ['x'.repeat(32), true],
    ['x'.repeat(33), false],
    ['-web', false],
    ['web-', false],
    ['web_tg', false],
  ])('target group name %p valid=%p', (name, ok) => {
    expect(TARGET_GROUP_NAME_PATTERN.test(name)).toBe(ok);
  });
  test('load balancer names must not start with internal-', () => {
    expect(LOAD_BALANCER_NAME_PATTERN.test('internal-web')).toBe(false);
    expect(LOAD_BALANCER_NAME_PATTERN.test('web-internal')).toBe(true);
  });
});

describe('spec: simulator choices', () => {
  test('every choice cites a section of docs/aws-behaviour.md and states its decision', () => {
    for (const [key, c] of Object.entries(SIMULATOR_CHOICES)) {
      expect(c.id).toBe(key);
      expect(c.section).toMatch(/^§\d+\.\d+$/);
      expect(c.choice.length).toBeGreaterThan(3);
    }
  });
});
