/**
 * A sans-I/O HTTP/1.x message parser for both sides of the load balancer: requests from clients and
 * responses from targets. Bytes go in with `execute`; heads, body chunks and message ends come out
 * through callbacks. No sockets, no timers: the live shell feeds it what its sockets read.
 *
 * Requests are read leniently on purpose: the request line and header lines are kept as sent, so that
 * desync mitigation (docs/aws-behaviour.md §5.3) classifies what a client really sent instead of what a
 * strict parser would have let through. Responses are read as a proxy must (RFC 7230 §3.3.3).
 */
import type { BodyFraming } from './desync';
import type { HeaderList } from './headers';

export interface RequestHead {
  readonly method: string;
  /** The request-target as sent (may hold spaces: the line's first and last spaces delimit it). */
  readonly target: string;
  /** The protocol token as sent, e.g. `HTTP/1.1`. */
  readonly version: string;
  readonly headers: HeaderList;
  /** Bytes of the request line and header block, blank line included. */
  readonly headBytes: number;
}

export interface ResponseHead {
  readonly status: number;
  readonly reason: string;
  readonly version: string;
  readonly headers: HeaderList;
  readonly headBytes: number;
}

/** How a response body ends when there is neither Transfer-Encoding nor Content-Length: at close. */
export type ResponseFraming = BodyFraming | { readonly kind: 'close' };

export type ParseErrorKind =
  /** Not HTTP/1.x at all, or a head that cannot be split into a start line and header lines. */
  | 'malformed'
  /** The request line is longer than the limit (414). */
  | 'request-line-too-long'
  /** The head is longer than the limit (400 for requests, 502 for responses). */
  | 'head-too-large'
  /** The HTTP/2 connection preface on an HTTP/1 connection (505). */
  | 'http2-preface'
  /** A chunk-size line or chunk delimiter that cannot be read. */
  | 'bad-chunk'
  /** The connection ended in the middle of a message. */
  | 'incomplete';

export interface ParserLimits {
  /** Longest request line (requests) or status line (responses), in bytes. */
  readonly startLineBytes: number;
  /** Longest head (start line, headers and the blank line), in bytes. */
  readonly headBytes: number;
}

export interface Http1Handlers<H> {
  /**
   * A head arrived. Return how its body is framed, or `'upgrade'` to stop parsing (the rest of the
   * connection is a tunnel: `takeRemainder()` gives what was already read past the head).
   */
  onHead(head: H): ResponseFraming | 'upgrade';
  onBody(chunk: Buffer): void;
  /** The message is complete. For requests the parser then waits for `resume()` (no pipelining overlap). */
  onEnd(): void;
  onError(kind: ParseErrorKind, detail: string): void;
}

const enum State {
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  Close,
  Paused,
  Tunnel,
  Failed,
}

const LF = 0x0a;

type Latin1Slicing = Buffer & { latin1Slice?(start: number, end: number): string };

/** `buf.toString('latin1', start, end)` without its argument handling (Buffer's own slicer, when there). */
export function latin1(buf: Buffer, start: number, end: number): string {
  const b = buf as Latin1Slicing;
  return b.latin1Slice ? b.latin1Slice(start, end) : buf.toString('latin1', start, end);
}
const CR = 0x0d;

/** Index just past the blank line ending a head (`\r\n\r\n` or a lenient `\n\n`), or -1. */
function headEnd(buf: Buffer, from: number): number {
  let i = buf.indexOf(LF, from);
  while (i >= 0) {
    const next = i + 1;
    if (next < buf.length && buf[next] === LF) return next + 1;
    if (next + 1 < buf.length && buf[next] === CR && buf[next + 1] === LF) return next + 2;
    i = buf.indexOf(LF, next);
  }
  return -1;
}

/** End of the line starting at `from` (index of its LF, or the text's end) and where its content stops (before a CR). */
function lineEnd(text: string, from: number): { next: number; stop: number } {
  let lf = text.indexOf('\n', from);
  if (lf < 0) lf = text.length;
  return { next: lf + 1, stop: lf > from && text.charCodeAt(lf - 1) === CR ? lf - 1 : lf };
}

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** `text.slice(a, b)` without surrounding spaces and tabs (optional whitespace, RFC 7230 §3.2.3). */
function trimmed(text: string, a: number, b: number): string {
  while (a < b && isOws(text.charCodeAt(a))) a++;
  while (b > a && isOws(text.charCodeAt(b - 1))) b--;
  return text.slice(a, b);
}

/**
 * Header lines from `from` to the end of the head, as `[name, value]`, split at the first `:`. Requests
 * keep oddities for classification: a line without `:` is `[line, '']`, a folded continuation line is
 * `['', value]` (the ALB forwards it with an empty name, §5.2). Responses join folded lines to the
 * previous value (RFC 7230 §3.2.4). One pass over the text, no line array.
 */
function parseHeaderLines(text: string, from: number, fold: 'keep' | 'join'): HeaderList {
  const out: HeaderList = [];
  let pos = from;
  while (pos < text.length) {
    const { next, stop } = lineEnd(text, pos);
    if (stop > pos) {
      if (isOws(text.charCodeAt(pos))) {
        const value = trimmed(text, pos, stop);
        if (value !== '' || fold === 'keep') {
          if (fold === 'join' && out.length > 0) {
            const last = out[out.length - 1]!;
            last[1] = `${last[1]} ${value}`;
          } else out.push(['', value]);
        }
      } else {
        const colon = text.indexOf(':', pos);
        if (colon < 0 || colon >= stop) out.push([text.slice(pos, stop), '']);
        else out.push([text.slice(pos, colon), trimmed(text, colon + 1, stop)]);
      }
    }
    pos = next;
  }
  return out;
}

/** Parse a request head (`text` without the blank line); undefined when it is not an HTTP/1.x request. */
export function parseRequestHead(text: string, headBytes: number): RequestHead | undefined {
  // RFC 7230 §3.5: a server should ignore empty lines before the request line
  let pos = 0;
  let line = lineEnd(text, pos);
  while (line.stop === pos && line.next <= text.length) {
    pos = line.next;
    line = lineEnd(text, pos);
  }
  if (pos >= text.length) return undefined;
  const first = text.indexOf(' ', pos);
  const last = text.lastIndexOf(' ', line.stop - 1);
  if (first <= pos || first >= line.stop || last === first || last === line.stop - 1) return undefined;
  // not an HTTP/1.x request line at all (anything else after the target is for classification: BadVersion)
  if (!text.startsWith('HTTP/', last + 1)) return undefined;
  return {
    method: text.slice(pos, first),
    target: text.slice(first + 1, last),
    version: text.slice(last + 1, line.stop),
    headers: parseHeaderLines(text, line.next, 'keep'),
    headBytes,
  };
}

function isDigitAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c >= 0x30 && c <= 0x39;
}

/** Parse a response head; undefined when the status line is not `HTTP/x.y NNN [reason]`. */
export function parseResponseHead(text: string, headBytes: number): ResponseHead | undefined {
  const line = lineEnd(text, 0);
  const stop = line.stop;
  // `HTTP/d.d ddd`, then nothing or a space and a reason without CR
  if (
    stop < 12 ||
    !text.startsWith('HTTP/') ||
    !isDigitAt(text, 5) ||
    text.charCodeAt(6) !== 0x2e ||
    !isDigitAt(text, 7) ||
    text.charCodeAt(8) !== 0x20 ||
    !isDigitAt(text, 9) ||
    !isDigitAt(text, 10) ||
    !isDigitAt(text, 11)
  ) {
    return undefined;
  }
  if (stop > 12 && (text.charCodeAt(12) !== 0x20 || text.slice(13, stop).includes('\r'))) return undefined;
  return {
    version: text.slice(0, 8),
    status: (text.charCodeAt(9) - 0x30) * 100 + (text.charCodeAt(10) - 0x30) * 10 + (text.charCodeAt(11) - 0x30),
    reason: stop > 12 ? text.slice(13, stop) : '',
    headers: parseHeaderLines(text, line.next, 'join'),
    headBytes,
  };
}

const DIGITS = /^\d+$/;

/** Framings without a length: one object each (compared by `kind`, never changed). */
const NONE: ResponseFraming = Object.freeze({ kind: 'none' });
const CHUNKED: ResponseFraming = Object.freeze({ kind: 'chunked' });
const CLOSE: ResponseFraming = Object.freeze({ kind: 'close' });

/** The framing of a response body (RFC 7230 §3.3.3), given the request method. */
export function responseFraming(method: string, head: ResponseHead): ResponseFraming | undefined {
  const s = head.status;
  if (method === 'HEAD' || (s >= 100 && s < 200) || s === 204 || s === 304) return NONE;
  let chunked = false;
  let sawTe = false;
  let length: number | undefined;
  for (const [k, v] of head.headers) {
    if (k.length === 17 && k.toLowerCase() === 'transfer-encoding') {
      sawTe = true;
      const codings = v.split(',');
      chunked = codings[codings.length - 1]!.trim().toLowerCase() === 'chunked';
    } else if (k.length === 14 && k.toLowerCase() === 'content-length') {
      if (DIGITS.test(v)) {
        // the usual case: one plain number
        const n = Number(v);
        if (length !== undefined && length !== n) return undefined;
        length = n;
        continue;
      }
      const values = v.split(',').map((x) => x.trim());
      if (values.some((x) => !/^\d+$/.test(x)) || new Set(values).size > 1) return undefined;
      const n = Number(values[0]);
      if (length !== undefined && length !== n) return undefined;
      length = n;
    }
  }
  if (sawTe) return chunked ? CHUNKED : CLOSE;
  if (length !== undefined) return length === 0 ? NONE : { kind: 'length', length };
  return CLOSE;
}

export const PREFACE = 'PRI * HTTP/2.0';

/**
 * An incremental HTTP/1.x parser for one connection. `kind` says which side it reads: client requests
 * (one at a time: after each message it waits for `resume()`) or target responses (back to back).
 */
export class Http1Parser<H extends RequestHead | ResponseHead> {
  #state = State.Head;
  #buf: Buffer | undefined;
  #remaining = 0;
  #framing: ResponseFraming = { kind: 'none' };
  readonly #kind: 'request' | 'response';
  readonly #limits: ParserLimits;
  readonly #h: Http1Handlers<H>;

  constructor(kind: H extends RequestHead ? 'request' : 'response', limits: ParserLimits, handlers: Http1Handlers<H>) {
    this.#kind = kind;
    this.#limits = limits;
    this.#h = handlers;
  }

  /** Bytes read but not yet consumed (a partial head; what follows an upgrade). */
  get buffered(): number {
    return this.#buf?.length ?? 0;
  }

  /** True while a message is partly read (its head begun, or its body unfinished). */
  get inMessage(): boolean {
    return (
      (this.#state === State.Head && this.buffered > 0) || (this.#state !== State.Head && this.#state !== State.Paused)
    );
  }

  /** After `'upgrade'`: the bytes already read past the head; the parser reads nothing more. */
  takeRemainder(): Buffer | undefined {
    const b = this.#buf;
    this.#buf = undefined;
    return b;
  }

  /**
   * More bytes. `transient`: `chunk` is reused once this returns (a shell's shared read buffer), so what
   * the parser keeps of it (a partial head, pipelined bytes) is copied first.
   */
  execute(chunk: Buffer, transient = false): void {
    if (this.#state === State.Failed || this.#state === State.Tunnel) return;
    this.#buf = this.#buf && this.#buf.length > 0 ? Buffer.concat([this.#buf, chunk]) : chunk;
    this.#run();
    const left = this.#buf;
    if (transient && left !== undefined && left.length > 0 && left.buffer === chunk.buffer) {
      this.#buf = Buffer.from(left);
    }
  }

  /** Requests: parse the next pipelined request, if any was sent already. */
  resume(): void {
    if (this.#state !== State.Paused) return;
    this.#state = State.Head;
    if (this.#buf && this.#buf.length > 0) this.#run();
  }

  /** The connection ended: completes a close-delimited body, or reports an incomplete message. */
  finish(): void {
    if (this.#state === State.Close) {
      this.#state = State.Head;
      this.#h.onEnd();
    } else if (this.inMessage && this.#state !== State.Failed) {
      this.#fail('incomplete', 'the connection ended in the middle of a message');
    }
  }

  #fail(kind: ParseErrorKind, detail: string): void {
    this.#state = State.Failed;
    this.#buf = undefined;
    this.#h.onError(kind, detail);
  }

  #run(): void {
    for (;;) {
      const buf = this.#buf;
      if (!buf || buf.length === 0) {
        if (this.#state === State.Length && this.#remaining === 0) this.#end();
        return;
      }
      switch (this.#state) {
        case State.Head:
          if (!this.#head(buf)) return;
          break;
        case State.Length: {
          const n = Math.min(this.#remaining, buf.length);
          this.#remaining -= n;
          this.#buf = n === buf.length ? undefined : buf.subarray(n);
          this.#h.onBody(n === buf.length ? buf : buf.subarray(0, n));
          if (this.#remaining === 0) this.#end();
          break;
        }
        case State.ChunkSize: {
          const lf = buf.indexOf(LF);
          if (lf < 0) {
            if (buf.length > 1024) this.#fail('bad-chunk', 'chunk-size line longer than 1 KB');
            return;
          }
          const line = buf.toString('latin1', 0, lf).replace(/\r$/, '');
          const m = /^([0-9a-fA-F]+)[ \t]*(;.*)?$/.exec(line);
          if (!m || m[1]!.length > 12)
            return this.#fail('bad-chunk', `chunk-size line ${JSON.stringify(line.slice(0, 40))}`);
          this.#remaining = parseInt(m[1]!, 16);
          this.#buf = buf.subarray(lf + 1);
          this.#state = this.#remaining === 0 ? State.Trailers : State.ChunkData;
          break;
        }
        case State.ChunkData: {
          const n = Math.min(this.#remaining, buf.length);
          this.#remaining -= n;
          this.#buf = n === buf.length ? undefined : buf.subarray(n);
          this.#h.onBody(n === buf.length ? buf : buf.subarray(0, n));
          if (this.#remaining === 0) this.#state = State.ChunkDataEnd;
          break;
        }
        case State.ChunkDataEnd: {
          if (buf[0] === LF) this.#buf = buf.subarray(1);
          else if (buf[0] === CR) {
            if (buf.length < 2) return;
            if (buf[1] !== LF) return this.#fail('bad-chunk', 'chunk data not followed by CRLF');
            this.#buf = buf.subarray(2);
          } else return this.#fail('bad-chunk', 'chunk data longer than its size');
          this.#state = State.ChunkSize;
          break;
        }
        case State.Trailers: {
          // trailer fields end with a blank line; they are read and dropped
          if (buf[0] === LF || (buf[0] === CR && buf[1] === LF)) {
            this.#buf = buf.subarray(buf[0] === LF ? 1 : 2);
            this.#end();
            break;
          }
          if (buf[0] === CR && buf.length < 2) return;
          const end = headEnd(buf, 0);
          if (end < 0) {
            if (buf.length > this.#limits.headBytes) this.#fail('head-too-large', 'trailers too large');
            return;
          }
          this.#buf = buf.subarray(end);
          this.#end();
          break;
        }
        case State.Close:
          this.#buf = undefined;
          this.#h.onBody(buf);
          return;
        case State.Paused:
        case State.Tunnel:
        case State.Failed:
          return;
      }
    }
  }

  /** Try to read a head from `buf`; false when more bytes are needed (or parsing stopped). */
  #head(buf: Buffer): boolean {
    // Tolerate the blank lines some clients send between pipelined requests (RFC 7230 §3.5).
    let skip = 0;
    while (this.#kind === 'request' && skip < buf.length && (buf[skip] === CR || buf[skip] === LF)) skip++;
    if (skip === buf.length) {
      this.#buf = undefined;
      return false;
    }
    const end = headEnd(buf, skip);
    if (end < 0) {
      const firstLf = buf.indexOf(LF, skip);
      if (
        this.#kind === 'request' &&
        buf.length - skip >= PREFACE.length &&
        buf.toString('latin1', skip, skip + PREFACE.length) === PREFACE
      ) {
        this.#fail('http2-preface', 'HTTP/2 connection preface on an HTTP/1 connection');
      } else if ((firstLf < 0 ? buf.length - skip : firstLf - skip) > this.#limits.startLineBytes) {
        this.#fail('request-line-too-long', `start line longer than ${this.#limits.startLineBytes} bytes`);
      } else if (buf.length - skip > this.#limits.headBytes) {
        this.#fail('head-too-large', `head longer than ${this.#limits.headBytes} bytes`);
      }
      return false;
    }
    const text = latin1(buf, skip, end);
    const headBytes = end - skip;
    this.#buf = end === buf.length ? undefined : buf.subarray(end);
    if (this.#kind === 'request' && text.startsWith(PREFACE)) {
      this.#fail('http2-preface', 'HTTP/2 connection preface on an HTTP/1 connection');
      return false;
    }
    const firstLf = text.indexOf('\n');
    if (firstLf > this.#limits.startLineBytes) {
      this.#fail('request-line-too-long', `start line longer than ${this.#limits.startLineBytes} bytes`);
      return false;
    }
    if (headBytes > this.#limits.headBytes) {
      this.#fail('head-too-large', `head longer than ${this.#limits.headBytes} bytes`);
      return false;
    }
    const head = (this.#kind === 'request' ? parseRequestHead(text, headBytes) : parseResponseHead(text, headBytes)) as
      H | undefined;
    if (!head) {
      this.#fail('malformed', `cannot read the ${this.#kind === 'request' ? 'request' : 'status'} line`);
      return false;
    }
    const framing = this.#h.onHead(head);
    if (this.#state === State.Failed) return false;
    if (framing === 'upgrade') {
      this.#state = State.Tunnel;
      return false;
    }
    this.#framing = framing;
    switch (framing.kind) {
      case 'none':
        this.#end();
        break;
      case 'length':
        this.#remaining = framing.length;
        this.#state = State.Length;
        break;
      case 'chunked':
        this.#state = State.ChunkSize;
        break;
      case 'close':
        this.#state = State.Close;
        break;
    }
    return true;
  }

  #end(): void {
    // requests wait for the shell (one exchange at a time); responses follow each other (1xx, then final)
    this.#state = this.#kind === 'request' ? State.Paused : State.Head;
    this.#h.onEnd();
  }

  /** The framing of the message being read. */
  get framing(): ResponseFraming {
    return this.#framing;
  }
}
