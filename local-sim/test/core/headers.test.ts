import {
  countXffAddresses,
  formatClientAddress,
  forwardRequestHeaders,
  forwardedFor,
  headerValues,
  rewriteHost,
  stripHopByHop,
  traceRoot,
  updateTraceId,
  type ClientHop,
  type ForwardingAttributes,
  type HeaderList,
} from '../../src/core/headers';

const trace = { nowMs: 0x5f000000 * 1000, randomHex: (n: number) => 'a'.repeat(n) };
const NEW_SEGMENT = `1-5f000000-${'a'.repeat(24)}`;
const client = { address: '203.0.113.7', port: 51234 };
const hop: ClientHop = { ...client, protocol: 'https', listenerPort: 443 };
const defaults: ForwardingAttributes = { xffMode: 'append', xffClientPort: false, preserveHostHeader: false };

describe('X-Forwarded-For processing modes (docs/aws-behaviour.md §5.1)', () => {
  test.each([
    ['append', [], '203.0.113.7'],
    ['append', ['a'], 'a, 203.0.113.7'],
    ['append', ['a, b'], 'a, b, 203.0.113.7'],
    ['append', ['a', 'b'], 'a, b, 203.0.113.7'],
    ['preserve', [], undefined],
    ['preserve', ['a'], 'a'],
    ['preserve', ['a, b'], 'a, b'],
    ['remove', [], undefined],
    ['remove', ['a'], undefined],
    ['remove', ['a, b'], undefined],
  ] as const)('%s with incoming %j → %s', (mode, incoming, expected) => {
    expect(forwardedFor(incoming, mode, client, false)).toBe(expected);
  });

  test('xff_client_port appends ip:port, IPv6 as [ip]:port, only in append mode (§5.1)', () => {
    expect(forwardedFor([], 'append', client, true)).toBe('203.0.113.7:51234');
    expect(forwardedFor(['a'], 'append', { address: '2001:db8::1', port: 443 }, true)).toBe('a, [2001:db8::1]:443');
    expect(forwardedFor(['a'], 'preserve', client, true)).toBe('a');
    expect(formatClientAddress('::ffff:127.0.0.1', 80, false)).toBe('127.0.0.1');
  });

  test('counts addresses across repeated header lines', () => {
    expect(countXffAddresses(['a, b', 'c'])).toBe(3);
    expect(countXffAddresses([' , '])).toBe(0);
  });

  test.each([
    [30, true],
    [31, false],
  ])('%i incoming addresses → forwarded=%s; more than 30 → HTTP 463 (§5.1, §5.4)', (n, ok) => {
    const xff = Array.from({ length: n }, (_, i) => `10.0.0.${i}`).join(', ');
    const r = forwardRequestHeaders([['X-Forwarded-For', xff]], '/', hop, defaults, trace);
    expect(r.ok).toBe(ok);
    if (!r.ok) expect(r.status).toBe(463);
  });

  test('463 applies in preserve and remove modes too', () => {
    const xff = Array.from({ length: 31 }, () => '10.0.0.1').join(',');
    for (const xffMode of ['preserve', 'remove'] as const) {
      const r = forwardRequestHeaders([['x-forwarded-for', xff]], '/', hop, { ...defaults, xffMode }, trace);
      expect(r.ok).toBe(false);
    }
  });
});

describe('Host header rewriting, preserve_host_header (docs/aws-behaviour.md §5.1)', () => {
  test.each([
    ['off, port 80: port removed', ['example.com:80'], '/', 80, false, ['example.com']],
    ['off, port 443: port removed', ['example.com:443'], '/', 443, false, ['example.com']],
    ['off, port 443: no port stays without', ['example.com'], '/', 443, false, ['example.com']],
    ['off, other port: port appended', ['example.com'], '/', 8080, false, ['example.com:8080']],
    ['off, other port: existing port kept', ['example.com:9999'], '/', 8080, false, ['example.com:9999']],
    ['off, absolute URI wins', ['other.com'], 'http://uri.example.com/x', 80, false, ['uri.example.com']],
    ['off, several Host: one sent', ['a.com', 'b.com'], '/', 80, false, ['a.com']],
    ['on: unchanged', ['example.com:80'], '/', 80, true, ['example.com:80']],
    ['on: several kept', ['a.com', 'b.com'], '/', 80, true, ['a.com', 'b.com']],
    ['off, IPv6 host with port', ['[::1]:80'], '/', 80, false, ['[::1]']],
  ] as const)('%s', (_name, hosts, target, port, preserve, expected) => {
    expect(rewriteHost(hosts, target, port, preserve)).toEqual(expected);
  });
});

describe('X-Amzn-Trace-Id (docs/aws-behaviour.md §5.1)', () => {
  test('absent → Root added', () => {
    expect(updateTraceId(undefined, trace)).toBe(`Root=${NEW_SEGMENT}`);
  });
  test('Root present → Self prepended, Root and custom fields kept', () => {
    expect(updateTraceId('Root=1-67891233-abcdef012345678912345678;CalledFrom=app', trace)).toBe(
      `Self=${NEW_SEGMENT};Root=1-67891233-abcdef012345678912345678;CalledFrom=app`,
    );
  });
  test('Self present → Self updated', () => {
    expect(updateTraceId('Self=1-00000001-bbb;Root=1-00000000-ccc', trace)).toBe(
      `Self=${NEW_SEGMENT};Root=1-00000000-ccc`,
    );
  });
  test('headers over 7 KB → only Root kept', () => {
    expect(updateTraceId('Self=1-1-b;Root=1-0-c;X=y', trace, 8 * 1024)).toBe('Root=1-0-c');
  });
  test('traceRoot extracts the Root field', () => {
    expect(traceRoot(`Self=x;Root=${NEW_SEGMENT}`)).toBe(`Root=${NEW_SEGMENT}`);
  });
});

describe('forwardRequestHeaders (docs/aws-behaviour.md §5.1)', () => {
  const incoming: HeaderList = [
    ['Host', 'www.example.com:443'],
    ['Connection', 'keep-alive, X-Private'],
    ['X-Private', 'secret'],
    ['Keep-Alive', 'timeout=5'],
    ['Accept', '*/*'],
    ['X-Forwarded-Proto', 'spoofed'],
    ['X-Forwarded-For', '198.51.100.1'],
  ];

  test('sets X-Forwarded-For/-Proto/-Port and trace id, drops hop-by-hop headers', () => {
    const r = forwardRequestHeaders(incoming, '/', hop, defaults, trace);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(headerValues(r.headers, 'host')).toEqual(['www.example.com']);
    expect(headerValues(r.headers, 'x-forwarded-for')).toEqual(['198.51.100.1, 203.0.113.7']);
    expect(headerValues(r.headers, 'x-forwarded-proto')).toEqual(['https']);
    expect(headerValues(r.headers, 'x-forwarded-port')).toEqual(['443']);
    expect(headerValues(r.headers, 'x-amzn-trace-id')).toEqual([`Root=${NEW_SEGMENT}`]);
    expect(headerValues(r.headers, 'x-private')).toEqual([]);
    expect(headerValues(r.headers, 'keep-alive')).toEqual([]);
    expect(headerValues(r.headers, 'accept')).toEqual(['*/*']);
  });

  test('the same lines are dropped past the 31st header as before it, in order', () => {
    const filler: HeaderList = Array.from({ length: 34 }, (_, i) => [`X-Filler-${i}`, String(i)] as [string, string]);
    const r = forwardRequestHeaders(
      [...filler, ...incoming, ['X_Bad', 'v']],
      '/',
      hop,
      {
        ...defaults,
        dropInvalidHeaderFields: true,
      },
      trace,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.headers.map(([k]) => k)).toEqual([
      'host',
      ...filler.map(([k]) => k),
      'Accept',
      'x-forwarded-for',
      'x-forwarded-proto',
      'x-forwarded-port',
      'x-amzn-trace-id',
    ]);
    expect(r.invalidHeaderNames).toEqual(['X_Bad']);
  });

  test('WebSocket upgrade keeps Connection: upgrade and Upgrade', () => {
    const r = forwardRequestHeaders(
      [
        ['Host', 'h.example.com'],
        ['Connection', 'Upgrade'],
        ['Upgrade', 'websocket'],
      ],
      '/',
      { ...hop, protocol: 'http', listenerPort: 80 },
      defaults,
      trace,
      { keepUpgrade: true },
    );
    expect(r.ok && headerValues(r.headers, 'upgrade')).toEqual(['websocket']);
    expect(r.ok && headerValues(r.headers, 'connection')).toEqual(['upgrade']);
  });

  test('stripHopByHop removes headers named by Connection', () => {
    expect(
      stripHopByHop([
        ['connection', 'foo'],
        ['foo', '1'],
        ['bar', '2'],
      ]),
    ).toEqual([['bar', '2']]);
  });
});

describe('drop_invalid_header_fields (docs/aws-behaviour.md §5.3)', () => {
  const incoming: HeaderList = [
    ['Host', 'h.example.com'],
    ['X_Under', '1'],
    ['X-Ok', '2'],
  ];
  test('off (default): invalid names are forwarded and reported', () => {
    const r = forwardRequestHeaders(incoming, '/', hop, defaults, trace);
    expect(r.ok && headerValues(r.headers, 'x_under')).toEqual(['1']);
    expect(r.ok && r.invalidHeaderNames).toEqual(['X_Under']);
  });
  test('on: names outside [-A-Za-z0-9]+ are removed', () => {
    const r = forwardRequestHeaders(incoming, '/', hop, { ...defaults, dropInvalidHeaderFields: true }, trace);
    expect(r.ok && headerValues(r.headers, 'x_under')).toEqual([]);
    expect(r.ok && headerValues(r.headers, 'x-ok')).toEqual(['2']);
  });
});

describe('§5.1 trace-id segments across seconds', () => {
  test('§5.1 the epoch-seconds field follows the clock from one second to the next', () => {
    const at = (ms: number) => updateTraceId(undefined, { nowMs: ms, randomHex: (n) => 'b'.repeat(n) });
    expect(at(0x5f000000 * 1000)).toBe(`Root=1-5f000000-${'b'.repeat(24)}`);
    expect(at(0x5f000000 * 1000 + 999)).toBe(`Root=1-5f000000-${'b'.repeat(24)}`);
    expect(at(0x5f000001 * 1000)).toBe(`Root=1-5f000001-${'b'.repeat(24)}`);
    expect(at(0x5f000000 * 1000 - 1)).toBe(`Root=1-5effffff-${'b'.repeat(24)}`);
    expect(at(0)).toBe(`Root=1-00000000-${'b'.repeat(24)}`);
  });
});
