import {
  decodeStickyCookie,
  encodeStickyCookie,
  httpDate,
  lbCookies,
  parseCookies,
  readStickyCookie,
  setCookieHeader,
  appCookies,
  targetGroupCookies,
  LB_COOKIE_NAMES,
} from '../../src/core';

const KEY = 'test-key';
const DAY = 86_400_000;

describe('§3.1 cookie format', () => {
  test('§3.1 AWSALB and AWSALBCORS Set-Cookie strings: fixed 7-day Expires, Path=/, CORS twin with SameSite=None; Secure', () => {
    const now = Date.UTC(2026, 10, 26, 21, 33, 28);
    const [lb, cors] = lbCookies('tg', '10.0.0.1', 80, now, KEY);
    expect(lb).toMatch(/^AWSALB=[A-Za-z0-9_.-]+; Expires=Thu, 03 Dec 2026 21:33:28 GMT; Path=\/$/);
    expect(cors).toMatch(
      /^AWSALBCORS=[A-Za-z0-9_.-]+; Expires=Thu, 03 Dec 2026 21:33:28 GMT; Path=\/; SameSite=None; Secure$/,
    );
    expect(lb.split(';')[0].split('=')[1]).toBe(cors.split(';')[0].split('=')[1]);
  });

  test('§3.3 AWSALBTG and AWSALBTGCORS', () => {
    const [tg, cors] = targetGroupCookies('WebPrimary/Web/Blue', 0, KEY);
    expect(tg).toMatch(/^AWSALBTG=.+; Expires=Thu, 08 Jan 1970 00:00:00 GMT; Path=\/$/);
    expect(cors).toMatch(/^AWSALBTGCORS=.+; Path=\/; SameSite=None; Secure$/);
  });

  test.each([
    ['Mozilla/5.0 Chrome/120.0', true],
    ['Mozilla/5.0 Chrome/80.0.3987.87', true],
    ['Mozilla/5.0 Chrome/79.0.3945.130', false],
    ['Mozilla/5.0 Chromium/80.0', true],
    ['curl/8', false],
    [undefined, false],
  ])('§3.2 AWSALBAPP-0 gets SameSite=None; Secure only for Chromium ≥ 80: %s → %s', (ua, sameSite) => {
    const cookie = appCookies('tg', 't', 80, 0, KEY, ua)[0]!;
    if (sameSite) expect(cookie).toMatch(/^AWSALBAPP-0=.+; Path=\/; SameSite=None; Secure$/);
    else expect(cookie).toMatch(/^AWSALBAPP-0=.+; Path=\/$/);
  });

  test('http-date is IMF-fixdate', () => {
    expect(httpDate(0)).toBe('Thu, 01 Jan 1970 00:00:00 GMT');
    expect(setCookieHeader('X', 'v', 0, false)).toBe('X=v; Expires=Thu, 08 Jan 1970 00:00:00 GMT; Path=/');
  });
});

describe('§3.1 cookie validity', () => {
  const value = encodeStickyCookie({ k: 'lb', g: 'tg', t: 'a', p: 80, i: 1000 }, KEY);

  test('§3.1 a cookie decodes only with the right key (opaque, tamper-evident)', () => {
    expect(decodeStickyCookie(value, KEY)).toEqual({ k: 'lb', g: 'tg', t: 'a', p: 80, i: 1000 });
    expect(decodeStickyCookie(value, 'other-key')).toBeUndefined();
    expect(decodeStickyCookie(value.replace(/^./, 'x'), KEY)).toBeUndefined();
    expect(decodeStickyCookie('garbage', KEY)).toBeUndefined();
  });

  test('§3.1 valid within the stickiness duration, invalid after it', () => {
    const cookies = new Map([['AWSALB', value]]);
    expect(readStickyCookie(cookies, LB_COOKIE_NAMES, 'lb', 'tg', 1000 + DAY - 1, DAY, KEY).status).toBe('valid');
    expect(readStickyCookie(cookies, LB_COOKIE_NAMES, 'lb', 'tg', 1000 + DAY, DAY, KEY).status).toBe('invalid');
  });

  test('§3.1 a cookie issued in the future is invalid (its issue time is after now)', () => {
    const cookies = new Map([['AWSALB', value]]); // issued at 1000
    expect(readStickyCookie(cookies, LB_COOKIE_NAMES, 'lb', 'tg', 1000, DAY, KEY).status).toBe('valid');
    expect(readStickyCookie(cookies, LB_COOKIE_NAMES, 'lb', 'tg', 999, DAY, KEY).status).toBe('invalid');
  });

  test('§3.1 when both are present AWSALBCORS wins', () => {
    const other = encodeStickyCookie({ k: 'lb', g: 'tg', t: 'b', p: 80, i: 1000 }, KEY);
    const cookies = new Map([
      ['AWSALB', value],
      ['AWSALBCORS', other],
    ]);
    const r = readStickyCookie(cookies, LB_COOKIE_NAMES, 'lb', 'tg', 2000, DAY, KEY);
    expect(r).toMatchObject({ status: 'valid', payload: { t: 'b' } });
  });

  test('§3.1 a cookie of another target group is invalid; none at all is absent', () => {
    expect(readStickyCookie(new Map([['AWSALB', value]]), LB_COOKIE_NAMES, 'lb', 'other', 2000, DAY, KEY).status).toBe(
      'invalid',
    );
    expect(readStickyCookie(new Map(), LB_COOKIE_NAMES, 'lb', 'tg', 2000, DAY, KEY).status).toBe('absent');
  });

  test('Cookie header parsing: first occurrence of a name wins', () => {
    expect([...parseCookies(['a=1; b=2', 'a=3; c=x=y'])]).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['c', 'x=y'],
    ]);
  });
});

describe('§3.1 cookie verification is memoised without changing its answers', () => {
  test('§3.1 a value verified under one key is still refused under another, and a tampered copy is refused', () => {
    const value = encodeStickyCookie({ k: 'lb', g: 'tg', t: '10.0.0.1', p: 80, i: 1_000 }, 'key-one');
    expect(decodeStickyCookie(value, 'key-one')).toEqual({ k: 'lb', g: 'tg', t: '10.0.0.1', p: 80, i: 1_000 });
    expect(decodeStickyCookie(value, 'key-two')).toBeUndefined();
    expect(decodeStickyCookie(value, 'key-one')).toEqual({ k: 'lb', g: 'tg', t: '10.0.0.1', p: 80, i: 1_000 });
    const tampered = `${value.slice(0, -1)}${value.endsWith('A') ? 'B' : 'A'}`;
    expect(decodeStickyCookie(tampered, 'key-one')).toBeUndefined();
    expect(decodeStickyCookie(tampered, 'key-one')).toBeUndefined();
  });

  test('§3.1 the same payload under two keys gets two signatures', () => {
    const payload = { k: 'tg', g: 'tg', i: 5 } as const;
    const one = encodeStickyCookie(payload, 'key-one');
    const two = encodeStickyCookie(payload, 'key-two');
    expect(one.split('.')[0]).toBe(two.split('.')[0]);
    expect(one).not.toBe(two);
    expect(encodeStickyCookie(payload, 'key-one')).toBe(one);
    expect(decodeStickyCookie(two, 'key-two')).toEqual(payload);
  });

  test('§3.1 Expires dates in the same second and the next one', () => {
    const t = Date.UTC(2026, 10, 26, 21, 33, 28);
    expect(httpDate(t)).toBe('Thu, 26 Nov 2026 21:33:28 GMT');
    expect(httpDate(t + 999)).toBe('Thu, 26 Nov 2026 21:33:28 GMT');
    expect(httpDate(t + 1000)).toBe('Thu, 26 Nov 2026 21:33:29 GMT');
    expect(httpDate(t - 1)).toBe('Thu, 26 Nov 2026 21:33:27 GMT');
  });
});
