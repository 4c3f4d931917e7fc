/**
 * The sans-I/O HTTP/1.x parser the live listener and its target connections use: heads, body framings
 * (RFC 7230 §3.3.3), chunked bodies split anywhere, pipelining, limits and errors.
 */
import {
  Http1Parser,
  parseResponseHead,
  responseFraming,
  type RequestHead,
  type ResponseHead,
} from '../../src/core/http1';
import { bodyFraming } from '../../src/core/desync';

interface Events {
  heads: RequestHead[];
  bodies: string[];
  ends: number;
  errors: string[];
}

function requestParser(limits = { startLineBytes: 64, headBytes: 256 }) {
  const ev: Events = { heads: [], bodies: [], ends: 0, errors: [] };
  const p = new Http1Parser<RequestHead>('request', limits, {
    onHead: (h) => {
      ev.heads.push(h);
      return bodyFraming(h.headers) ?? { kind: 'none' };
    },
    onBody: (c) => ev.bodies.push(c.toString('latin1')),
    onEnd: () => ev.ends++,
    onError: (kind, detail) => ev.errors.push(`${kind}: ${detail}`),
  });
  return { p, ev };
}

/** Feed `text` in pieces of `size` bytes. */
function feed(p: Http1Parser<RequestHead> | Http1Parser<ResponseHead>, text: string, size = text.length): void {
  const buf = Buffer.from(text, 'latin1');
  for (let i = 0; i < buf.length; i += size) p.execute(buf.subarray(i, i + size));
}

describe('requests', () => {
  test('a GET: request line and headers as sent, the head size, no body', () => {
    const { p, ev } = requestParser();
    feed(p, 'GET /a?b=1 HTTP/1.1\r\nHost: x\r\nX-A:  spaced  \r\n\r\n');
    expect(ev.heads).toEqual([
      {
        method: 'GET',
        target: '/a?b=1',
        version: 'HTTP/1.1',
        headers: [
          ['Host', 'x'],
          ['X-A', 'spaced'],
        ],
        headBytes: 48,
      },
    ]);
    expect(ev.ends).toBe(1);
  });

  test.each([1, 2, 3, 7, 100])(
    'a chunked body split every %i bytes arrives whole, extensions and trailers dropped',
    (size) => {
      const { p, ev } = requestParser();
      feed(
        p,
        'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\n',
        size,
      );
      expect(ev.bodies.join('')).toBe('abcde');
      expect(ev.ends).toBe(1);
      expect(ev.errors).toEqual([]);
    },
  );

  test('a Content-Length body ends exactly at its length; the next pipelined request waits for resume()', () => {
    const { p, ev } = requestParser();
    feed(p, 'POST /1 HTTP/1.1\r\nContent-Length: 4\r\n\r\nabcdGET /2 HTTP/1.1\r\n\r\n');
    expect(ev.bodies.join('')).toBe('abcd');
    expect(ev.heads.map((h) => h.target)).toEqual(['/1']);
    p.resume();
    expect(ev.heads.map((h) => h.target)).toEqual(['/1', '/2']);
    expect(ev.ends).toBe(2);
  });

  test('lenient where classification needs it: bare LF line ends, a space in the target, a folded line', () => {
    const { p, ev } = requestParser();
    feed(p, 'GET /a b HTTP/1.1\nHost: x\n  folded\n\n');
    expect(ev.heads[0]).toMatchObject({
      target: '/a b',
      headers: [
        ['Host', 'x'],
        ['', 'folded'],
      ],
    });
  });

  test.each([
    ['not HTTP at all', 'THIS IS NOT HTTP\r\n\r\n', 'malformed'],
    ['the HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'http2-preface'],
    ['a request line over the limit', `GET /${'a'.repeat(80)} HTTP/1.1\r\n`, 'request-line-too-long'],
    ['a head over the limit', `GET / HTTP/1.1\r\n${'X-A: b\r\n'.repeat(40)}`, 'head-too-large'],
    ['a bad chunk size', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 'bad-chunk'],
    [
      'chunk data longer than its size',
      'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nabc\r\n',
      'bad-chunk',
    ],
  ])('%s is an error (%s)', (_what, text, kind) => {
    const { p, ev } = requestParser();
    feed(p, text);
    expect(ev.errors).toHaveLength(1);
    expect(ev.errors[0]).toMatch(new RegExp(`^${kind}:`));
  });

  test('the connection ending in the middle of a body is reported as incomplete', () => {
    const { p, ev } = requestParser();
    feed(p, 'POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc');
    p.finish();
    expect(ev.errors).toEqual(['incomplete: the connection ended in the middle of a message']);
  });
});

describe('responses', () => {
  function responseParser(method = 'GET') {
    const ev = { heads: [] as ResponseHead[], body: '', ends: 0, errors: [] as string[] };
    const p = new Http1Parser<ResponseHead>(
      'response',
      { startLineBytes: 1024, headBytes: 1024 },
      {
        onHead: (h) => {
          ev.heads.push(h);
          return responseFraming(method, h) ?? { kind: 'none' };
        },
        onBody: (c) => (ev.body += c.toString('latin1')),
        onEnd: () => ev.ends++,
        onError: (kind) => ev.errors.push(kind),
      },
    );
    return { p, ev };
  }

  test('a 100 Continue, then the final response (back to back, no resume needed)', () => {
    const { p, ev } = responseParser('POST');
    feed(p, 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok');
    expect(ev.heads.map((h) => h.status)).toEqual([100, 201]);
    expect(ev.body).toBe('ok');
  });

  test('a close-delimited body ends with the connection', () => {
    const { p, ev } = responseParser();
    feed(p, 'HTTP/1.0 200 OK\r\n\r\nall of it');
    expect(ev.ends).toBe(0);
    p.finish();
    expect(ev).toMatchObject({ body: 'all of it', ends: 1 });
  });

  test.each([
    ['HEAD', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n', { kind: 'none' }],
    ['GET', 'HTTP/1.1 204 No Content\r\n\r\n', { kind: 'none' }],
    ['GET', 'HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n', { kind: 'none' }],
    ['GET', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', { kind: 'chunked' }],
    ['GET', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n', { kind: 'close' }],
    ['GET', 'HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n', { kind: 'length', length: 7 }],
  ])('%s → %j: framing %j', (method, text, framing) => {
    const { p, ev } = responseParser(method);
    feed(p, text);
    expect(responseFraming(method, ev.heads[0]!)).toEqual(framing);
  });

  test('differing Content-Length values and a bad status line are errors', () => {
    const head = { status: 200, reason: 'OK', version: 'HTTP/1.1', headBytes: 0 };
    expect(
      responseFraming('GET', {
        ...head,
        headers: [
          ['Content-Length', '1'],
          ['Content-Length', '2'],
        ],
      }),
    ).toBeUndefined();
    const { p, ev } = responseParser();
    feed(p, 'HTTP/1.1 OK\r\n\r\n');
    expect(ev.errors).toEqual(['malformed']);
  });
});

describe('status lines (HTTP/x.y NNN [reason])', () => {
  test.each([
    ['HTTP/1.1 200 OK', { version: 'HTTP/1.1', status: 200, reason: 'OK' }],
    ['HTTP/1.0 404 Not Found', { version: 'HTTP/1.0', status: 404, reason: 'Not Found' }],
    ['HTTP/1.1 503', { version: 'HTTP/1.1', status: 503, reason: '' }],
    ['HTTP/1.1 204 ', { version: 'HTTP/1.1', status: 204, reason: '' }],
    ['HTTP/2.0 599 odd: reason', { version: 'HTTP/2.0', status: 599, reason: 'odd: reason' }],
  ])('%j is read', (line, expected) => {
    expect(parseResponseHead(`${line}\r\nA: b`, 0)).toEqual({ ...expected, headers: [['A', 'b']], headBytes: 0 });
  });

  test.each([
    'HTTP/1.1 20 OK',
    'HTTP/1.1 2000 OK',
    'HTTP/1.1 2x0 OK',
    'HTTP/1.1 200OK',
    'HTTP/11 200 OK',
    'HTTP/1.1  200 OK',
    'http/1.1 200 OK',
    'HTTP/1.1 200 O\rK',
    'ICY 200 OK',
  ])('%j is not a status line', (line) => {
    expect(parseResponseHead(`${line}\r\n`, 0)).toBeUndefined();
  });
});
