/**
 * §5.3 desync mitigation: every reason AWS documents, the class it belongs to, and what each mode does
 * with each class. Requests are written as a client sends them and read by the lenient parser first,
 * so the table proves the classification of what is really on the wire.
 */
import fc from 'fast-check';
import {
  bodyFraming,
  classifyFully,
  classifyRequest,
  desyncAction,
  DESYNC_REASONS,
  type DesyncClass,
} from '../../src/core/desync';
import { Http1Parser, type RequestHead } from '../../src/core/http1';

/** Parse one request head the way the live listener does. */
function head(text: string): RequestHead {
  let got: RequestHead | undefined;
  const p = new Http1Parser<RequestHead>(
    'request',
    { startLineBytes: 16 * 1024, headBytes: 80 * 1024 },
    {
      onHead: (h) => {
        got = h;
        return { kind: 'none' };
      },
      onBody: () => undefined,
      onEnd: () => undefined,
      onError: (kind, detail) => {
        throw new Error(`${kind}: ${detail}`);
      },
    },
  );
  p.execute(Buffer.from(text, 'latin1'));
  if (!got) throw new Error('no head');
  return got;
}

const classify = (text: string) => {
  const h = head(text);
  return classifyRequest({ method: h.method, target: h.target, version: h.version, headers: h.headers });
};

describe('§5.3 classification of requests as sent', () => {
  test.each([
    ['a plain GET', 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', 'Compliant', undefined],
    [
      'a POST with one Content-Length',
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n',
      'Compliant',
      undefined,
    ],
    ['a chunked POST', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n', 'Compliant', undefined],
    // Acceptable
    [
      'GET with Content-Length 0',
      'GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n',
      'Acceptable',
      'GetHeadZeroContentLength',
    ],
    [
      'HEAD with Content-Length 0',
      'HEAD / HTTP/1.1\r\nContent-Length: 0\r\n\r\n',
      'Acceptable',
      'GetHeadZeroContentLength',
    ],
    ['a non-ASCII header value', 'GET / HTTP/1.1\r\nX-Name: caf\xe9\r\n\r\n', 'Acceptable', 'NonCompliantHeader'],
    ['a header name with a space', 'GET / HTTP/1.1\r\nX Name: a\r\n\r\n', 'Acceptable', 'NonCompliantHeader'],
    ['HTTP/1.2', 'GET / HTTP/1.2\r\n\r\n', 'Acceptable', 'NonCompliantVersion'],
    ['an unencoded space in the URI', 'GET /a b HTTP/1.1\r\n\r\n', 'Acceptable', 'SpaceInUri'],
    // Ambiguous
    ['a control character in the URI', 'GET /a\x01b HTTP/1.1\r\n\r\n', 'Ambiguous', 'AmbiguousUri'],
    [
      'Transfer-Encoding and Content-Length',
      'POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n',
      'Ambiguous',
      'BothTeClPresent',
    ],
    [
      'the same Content-Length twice',
      'POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n',
      'Ambiguous',
      'DuplicateContentLength',
    ],
    ['a whitespace-only header line', 'GET / HTTP/1.1\r\nHost: a\r\n \t\r\n\r\n', 'Ambiguous', 'EmptyHeader'],
    [
      'Content-Length spelt with a space before the colon',
      'POST / HTTP/1.1\r\nContent-Length : 3\r\n\r\n',
      'Ambiguous',
      'SuspiciousHeader',
    ],
    [
      'Transfer_Encoding with an underscore',
      'POST / HTTP/1.1\r\nTransfer_Encoding: chunked\r\n\r\n',
      'Ambiguous',
      'SuspiciousHeader',
    ],
    [
      'GET with a non-zero Content-Length (simulator choice desync_undefined_semantics)',
      'GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\n',
      'Ambiguous',
      'UndefinedContentLengthSemantics',
    ],
    [
      'GET with Transfer-Encoding (simulator choice desync_undefined_semantics)',
      'GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n',
      'Ambiguous',
      'UndefinedTransferEncodingSemantics',
    ],
    // Severe
    ['an unparsable Content-Length', 'POST / HTTP/1.1\r\nContent-Length: 3x\r\n\r\n', 'Severe', 'BadContentLength'],
    ['a NUL in a header', 'GET / HTTP/1.1\r\nX-A: a\x00b\r\n\r\n', 'Severe', 'BadHeader'],
    ['a bare CR in a header', 'GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n', 'Severe', 'BadHeader'],
    [
      'a transfer coding that is not a token',
      'POST / HTTP/1.1\r\nTransfer-Encoding: chunked, \r\n\r\n',
      'Severe',
      'BadTransferEncoding',
    ],
    ['a NUL in the URI', 'GET /a\x00 HTTP/1.1\r\n\r\n', 'Severe', 'BadUri'],
    ['a method that is not a token', 'G(ET / HTTP/1.1\r\n\r\n', 'Severe', 'BadMethod'],
    ['a version that is not HTTP/d.d', 'GET / HTTP/11\r\n\r\n', 'Severe', 'BadVersion'],
    [
      'two different Content-Length values',
      'POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n',
      'Severe',
      'MultipleContentLength',
    ],
    [
      'chunked twice',
      'POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n',
      'Severe',
      'MultipleTransferEncodingChunked',
    ],
  ])('%s: %s / %s', (_what, text, cls, reason) => {
    expect(classify(text)).toEqual(reason ? { class: cls, reason } : { class: cls });
  });

  test('every reason AWS documents is produced by one row of the table above', () => {
    const all = [...DESYNC_REASONS.Acceptable, ...DESYNC_REASONS.Ambiguous, ...DESYNC_REASONS.Severe];
    expect(all).toHaveLength(19);
  });

  test('the worst class wins: a Severe reason beats an Acceptable one in the same request', () => {
    expect(classify('GET /a b HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n')).toEqual({
      class: 'Severe',
      reason: 'MultipleContentLength',
    });
  });
});

describe('§5.3 what each mode does with each class', () => {
  test.each([
    ['monitor', 'Compliant', 'forward'],
    ['monitor', 'Acceptable', 'forward'],
    ['monitor', 'Ambiguous', 'forward'],
    ['monitor', 'Severe', 'forward'],
    ['defensive', 'Compliant', 'forward'],
    ['defensive', 'Acceptable', 'forward'],
    ['defensive', 'Ambiguous', 'forward-and-close'],
    ['defensive', 'Severe', 'block'],
    ['strictest', 'Compliant', 'forward'],
    ['strictest', 'Acceptable', 'block'],
    ['strictest', 'Ambiguous', 'block'],
    ['strictest', 'Severe', 'block'],
  ] as const)('%s + %s → %s', (mode, cls, action) => {
    expect(desyncAction(mode, cls as DesyncClass)).toBe(action);
  });
});

describe('body framing (RFC 7230 §3.3.3)', () => {
  test.each([
    ['no framing header', [], { kind: 'none' }],
    ['Content-Length 0', [['Content-Length', '0']], { kind: 'none' }],
    ['Content-Length 12', [['Content-Length', '12']], { kind: 'length', length: 12 }],
    [
      'the same length twice',
      [
        ['Content-Length', '5'],
        ['content-length', '5'],
      ],
      { kind: 'length', length: 5 },
    ],
    [
      'chunked wins over Content-Length',
      [
        ['Content-Length', '5'],
        ['Transfer-Encoding', 'chunked'],
      ],
      { kind: 'chunked' },
    ],
    [
      'identity frames nothing',
      [
        ['Transfer-Encoding', 'identity'],
        ['Content-Length', '2'],
      ],
      { kind: 'length', length: 2 },
    ],
  ] as [string, [string, string][], unknown][])('%s', (_what, headers, framing) => {
    expect(bodyFraming(headers)).toEqual(framing);
  });

  test.each([
    [
      'differing lengths',
      [
        ['Content-Length', '5'],
        ['Content-Length', '6'],
      ],
    ],
    ['an unparsable length', [['Content-Length', 'five']]],
    ['a last coding other than chunked', [['Transfer-Encoding', 'chunked, gzip']]],
  ] as [string, [string, string][]][])(
    '%s cannot be framed (simulator choice desync_unframeable)',
    (_what, headers) => {
      expect(bodyFraming(headers)).toBeUndefined();
    },
  );
});

describe('fuzzing the request line and headers (fast-check)', () => {
  const byte = fc.integer({ min: 0, max: 255 }).map((n) => String.fromCharCode(n));
  const noisy = fc
    .array(fc.oneof(byte, fc.constantFrom(' ', ':', '\r', '\n', '\t', 'a', '/', '0', ',')), { maxLength: 40 })
    .map((a) => a.join(''));
  const framingNames = fc.constantFrom(
    'Content-Length',
    'content-length',
    'Transfer-Encoding',
    'transfer-encoding',
    'Content-Length ',
    'X-A',
  );
  const header = fc.tuple(framingNames, noisy).map(([k, v]) => `${k}: ${v}`);

  test('no input crashes the parser or the classifier, and nothing Ambiguous or Severe is forwarded as is in defensive or strictest mode', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('GET', 'POST', 'HEAD', 'G(T'),
        noisy,
        fc.array(header, { maxLength: 6 }),
        (method, target, headers) => {
          const text = `${method} ${target} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`;
          let parsed: RequestHead | undefined;
          let failed = false;
          const p = new Http1Parser<RequestHead>(
            'request',
            { startLineBytes: 16 * 1024, headBytes: 80 * 1024 },
            {
              onHead: (h) => {
                parsed = h;
                return { kind: 'none' };
              },
              onBody: () => undefined,
              onEnd: () => undefined,
              onError: () => (failed = true),
            },
          );
          p.execute(Buffer.from(text, 'latin1'));
          if (!parsed) return failed || true; // unreadable: answered 400 by the listener, never forwarded
          const c = classifyRequest({
            method: parsed.method,
            target: parsed.target,
            version: parsed.version,
            headers: parsed.headers,
          });
          for (const mode of ['defensive', 'strictest'] as const) {
            const action = desyncAction(mode, c.class);
            if (c.class === 'Severe' || (mode === 'strictest' && c.class !== 'Compliant')) expect(action).toBe('block');
            if (c.class === 'Ambiguous' && mode === 'defensive') expect(action).toBe('forward-and-close');
          }
          // a request whose framing is not trustworthy is never Compliant
          if (bodyFraming(parsed.headers) === undefined) expect(c.class).not.toBe('Compliant');
          return true;
        },
      ),
      { numRuns: 3000, seed: 7 },
    );
  });
});

describe('the one-pass path for usual requests', () => {
  const chars = (alphabet: string[], maxLength: number) =>
    fc.array(fc.constantFrom(...alphabet), { maxLength }).map((a) => a.join(''));
  // mostly ordinary characters, with every kind of character the classification looks at mixed in
  const ordinary = [...'abcXYZ019-/?=&.%~'];
  const odd = ['_', ' ', '\t', '\r', '\x00', '\x01', '\x7f', '\x80', '\xff', ',', ':', '(', '"'];
  const text = chars([...ordinary, ...ordinary, ...odd], 12);
  const name = fc.oneof(
    fc.constantFrom('Host', 'Content-Length', 'content-length', 'Transfer-Encoding', 'Content_Length', 'X-A', ''),
    text,
  );
  const value = fc.oneof(fc.constantFrom('0', '5', '12', 'chunked', '', ' 5', '5,5'), text);

  test('says Compliant exactly when the whole classification does, and otherwise gives its answer', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'G T', 'G_T', ''),
        fc.oneof(fc.constantFrom('/', '/a?b=c', 'http://h/x'), text),
        fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 ', 'http/1.1'),
        fc.array(fc.tuple(name, value), { maxLength: 5 }),
        (method, target, version, headers) => {
          const head = { method, target, version, headers };
          expect(classifyRequest(head)).toEqual(classifyFully(head));
        },
      ),
      { numRuns: 5000, seed: 11 },
    );
  });
});
