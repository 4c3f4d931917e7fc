/**
 * HTTP desync mitigation (docs/aws-behaviour.md §5.3): every HTTP/1.x request is classified as
 * Compliant, Acceptable, Ambiguous or Severe, with the reason AWS names, and the listener's
 * `routing.http.desync_mitigation_mode` decides whether it is forwarded, forwarded and then both
 * connections closed, or blocked with 400.
 *
 * Pure: the request arrives as the lenient HTTP/1.1 parser saw it (`http1.ts`), with the request line
 * and header lines as sent, so nothing a stricter parser would refuse is lost before classification.
 */
import type { DesyncMitigationMode } from '@ha-load-balancer/spec';
import type { HeaderList } from './headers';

export type DesyncClass = 'Compliant' | 'Acceptable' | 'Ambiguous' | 'Severe';

/** The reasons AWS documents (§5.3), by class. */
export const DESYNC_REASONS = {
  Acceptable: ['GetHeadZeroContentLength', 'NonCompliantHeader', 'NonCompliantVersion', 'SpaceInUri'],
  Ambiguous: [
    'AmbiguousUri',
    'BothTeClPresent',
    'DuplicateContentLength',
    'EmptyHeader',
    'SuspiciousHeader',
    'UndefinedContentLengthSemantics',
    'UndefinedTransferEncodingSemantics',
  ],
  Severe: [
    'BadContentLength',
    'BadHeader',
    'BadTransferEncoding',
    'BadUri',
    'BadMethod',
    'BadVersion',
    'MultipleContentLength',
    'MultipleTransferEncodingChunked',
  ],
} as const;

export type DesyncReason =
  | (typeof DESYNC_REASONS.Acceptable)[number]
  | (typeof DESYNC_REASONS.Ambiguous)[number]
  | (typeof DESYNC_REASONS.Severe)[number];

export interface DesyncClassification {
  readonly class: DesyncClass;
  /** Absent for Compliant requests. */
  readonly reason?: DesyncReason;
}

/** What classification reads of a request: its request line and header lines exactly as sent. */
export interface RawRequestHead {
  readonly method: string;
  /** The request-target as sent (may hold spaces or control characters the parser let through). */
  readonly target: string;
  /** The protocol token of the request line as sent, e.g. `HTTP/1.1`. */
  readonly version: string;
  /**
   * Header lines split at their first `:` (name as sent, value without surrounding spaces). A line with
   * no `:` has the whole line as its name and an empty value.
   */
  readonly headers: HeaderList;
}

const RANK: Readonly<Record<DesyncClass, number>> = { Compliant: 0, Acceptable: 1, Ambiguous: 2, Severe: 3 };
const CLASS_OF = new Map<DesyncReason, DesyncClass>(
  (['Acceptable', 'Ambiguous', 'Severe'] as const).flatMap((c) =>
    (DESYNC_REASONS[c] as readonly DesyncReason[]).map((r) => [r, c] as [DesyncReason, DesyncClass]),
  ),
);

/** RFC 7230 token characters (method, header names, transfer codings). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const VERSION = /^HTTP\/(\d)\.(\d)$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;
// eslint-disable-next-line no-control-regex
const NUL_OR_CR = /[\x00\r]/;
// eslint-disable-next-line no-control-regex
const NON_ASCII_OR_CONTROL = /[^\x20-\x7e\t]/;
const DIGITS = /^\d+$/;

/** A header name that a lenient server would read as `name`: case, spaces and separators aside. */
function normalisesTo(raw: string, name: string): boolean {
  return (
    raw
      .toLowerCase()
      .replace(/[\s_]+/g, '-')
      .replace(/^-+|-+$/g, '') === name
  );
}

/**
 * Classify a request (§5.3). The worst class found wins; its first reason is reported.
 *
 * Simulator choices: `UndefinedContentLengthSemantics` is a Content-Length other than 0 on GET or HEAD and
 * `UndefinedTransferEncodingSemantics` any Transfer-Encoding on GET or HEAD (choice
 * `desync_undefined_semantics`); a header name other than exactly Content-Length or Transfer-Encoding
 * that reads as one of them once spaces and `_` are taken as `-` is `SuspiciousHeader` (choice
 * `desync_suspicious_header`).
 */
export function classifyRequest(head: RawRequestHead): DesyncClassification {
  return plainlyCompliant(head) ? COMPLIANT : classifyFully(head);
}

const COMPLIANT: DesyncClassification = Object.freeze({ class: 'Compliant' });

/** Which of the 128 ASCII characters are RFC 7230 token characters (derived from `TOKEN`). */
const TOKEN_CHAR = Uint8Array.from({ length: 128 }, (_, c) => (TOKEN.test(String.fromCharCode(c)) ? 1 : 0));
const UNDERSCORE = 0x5f;

/** A token (`TOKEN`) without `_`: such a header name can only read as itself. */
function isPlainToken(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TOKEN_CHAR[c] === 0 || c === UNDERSCORE) return false;
  }
  return true;
}

/** Only visible ASCII, spaces and tabs (nothing `NON_ASCII_OR_CONTROL` finds). */
function isPlainValue(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c > 0x7e) return false;
  }
  return true;
}

/**
 * The usual request, recognised in one pass without allocating: a token method, HTTP/1.0 or 1.1, a target
 * without spaces or control characters, header names that are tokens without `_`, plain values, and at
 * most one all-digit Content-Length outside GET and HEAD, no Transfer-Encoding. Every such request is
 * Compliant by the rules of `classifyFully`; anything else is classified there.
 */
function plainlyCompliant(head: RawRequestHead): boolean {
  const v = head.version;
  if ((v !== 'HTTP/1.1' && v !== 'HTTP/1.0') || !isPlainToken(head.method)) return false;
  const target = head.target;
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return false;
  }
  let lengths = 0;
  for (const [name, value] of head.headers) {
    if (!isPlainToken(name) || !isPlainValue(value)) return false;
    const n = name.length;
    if (n === 17 && name.toLowerCase() === 'transfer-encoding') return false;
    if (n === 14 && name.toLowerCase() === 'content-length') {
      if (++lengths > 1 || !DIGITS.test(value)) return false;
    }
  }
  return lengths === 0 || (head.method !== 'GET' && head.method !== 'HEAD');
}

/**
 * The whole classification (§5.3), for requests `plainlyCompliant` does not recognise. Exported for the
 * test that holds both paths to the same answer.
 */
export function classifyFully(head: RawRequestHead): DesyncClassification {
  let worst: DesyncClassification = { class: 'Compliant' };
  const found = (reason: DesyncReason): void => {
    const c = CLASS_OF.get(reason)!;
    if (RANK[c] > RANK[worst.class]) worst = { class: c, reason };
  };

  if (!TOKEN.test(head.method)) found('BadMethod');
  const version = VERSION.exec(head.version);
  if (!version) found('BadVersion');
  else if (!(version[1] === '1' && (version[2] === '0' || version[2] === '1'))) found('NonCompliantVersion');

  if (NUL_OR_CR.test(head.target)) found('BadUri');
  else if (CONTROL.test(head.target)) found('AmbiguousUri');
  if (head.target.includes(' ')) found('SpaceInUri');

  const contentLengths: string[] = [];
  let transferEncodings = 0;
  let chunked = 0;
  let badTransferEncoding = false;
  for (const [name, value] of head.headers) {
    if (name.trim() === '' && value.trim() === '') {
      found('EmptyHeader');
      continue;
    }
    if (NUL_OR_CR.test(name) || NUL_OR_CR.test(value)) found('BadHeader');
    const lower = name.toLowerCase();
    if (lower === 'content-length') {
      for (const part of value.split(',')) contentLengths.push(part.trim());
      continue;
    }
    if (lower === 'transfer-encoding') {
      transferEncodings++;
      for (const token of value.split(',')) {
        const t = token.trim().toLowerCase();
        if (t === 'chunked') chunked++;
        else if (t === '' || !TOKEN.test(t)) badTransferEncoding = true;
      }
      continue;
    }
    const token = TOKEN.test(name);
    // a token without `_` cannot read as Content-Length or Transfer-Encoding without being one of them
    if (
      (!token || name.includes('_')) &&
      (normalisesTo(name, 'content-length') || normalisesTo(name, 'transfer-encoding'))
    ) {
      found('SuspiciousHeader');
    } else if (!token || NON_ASCII_OR_CONTROL.test(value)) found('NonCompliantHeader');
  }

  if (contentLengths.some((v) => !DIGITS.test(v))) found('BadContentLength');
  else if (contentLengths.length > 1) {
    found(new Set(contentLengths.map((v) => BigInt(v))).size > 1 ? 'MultipleContentLength' : 'DuplicateContentLength');
  }
  if (chunked > 1) found('MultipleTransferEncodingChunked');
  if (badTransferEncoding) found('BadTransferEncoding');
  if (transferEncodings > 0 && contentLengths.length > 0) found('BothTeClPresent');

  if (head.method === 'GET' || head.method === 'HEAD') {
    if (transferEncodings > 0) found('UndefinedTransferEncodingSemantics');
    if (contentLengths.length > 0 && contentLengths.every((v) => DIGITS.test(v))) {
      found(
        contentLengths.every((v) => BigInt(v) === 0n) ? 'GetHeadZeroContentLength' : 'UndefinedContentLengthSemantics',
      );
    }
  }
  return worst;
}

/** What the load balancer does with a classified request (§5.3 table). */
export type DesyncAction =
  /** Forward as usual. */
  | 'forward'
  /** Forward, then close both the client and the target connection. */
  | 'forward-and-close'
  /** Answer 400 and close the client connection; nothing reaches a target. */
  | 'block';

export function desyncAction(mode: DesyncMitigationMode, c: DesyncClass): DesyncAction {
  switch (c) {
    case 'Compliant':
      return 'forward';
    case 'Acceptable':
      return mode === 'strictest' ? 'block' : 'forward';
    case 'Ambiguous':
      return mode === 'strictest' ? 'block' : mode === 'defensive' ? 'forward-and-close' : 'forward';
    case 'Severe':
      return mode === 'monitor' ? 'forward' : 'block';
  }
}

/**
 * How the body of a request is delimited, following RFC 7230 §3.3.3 as a proxy must: a final `chunked`
 * transfer coding wins over any Content-Length; otherwise one Content-Length value (repeated copies of
 * the same value count as one); otherwise no body. `undefined`: the framing cannot be determined
 * (unparsable or differing Content-Length values, or a Transfer-Encoding whose last coding is not
 * chunked): such a request is never forwarded, whatever the mode (simulator choice
 * `desync_unframeable`).
 */
export type BodyFraming =
  { readonly kind: 'none' } | { readonly kind: 'length'; readonly length: number } | { readonly kind: 'chunked' };

export function bodyFraming(headers: HeaderList): BodyFraming | undefined {
  let lengths: string[] | undefined;
  let codings: string[] | undefined;
  for (const [name, value] of headers) {
    // only two names matter: the others are not lower-cased
    if (name.length !== 14 && name.length !== 17) continue;
    const lower = name.toLowerCase();
    if (lower === 'content-length') for (const part of value.split(',')) (lengths ??= []).push(part.trim());
    else if (lower === 'transfer-encoding') {
      for (const t of value.split(',')) {
        const coding = t.trim().toLowerCase();
        // `identity` means no coding at all (RFC 2616); it frames nothing
        if (coding !== '' && coding !== 'identity') (codings ??= []).push(coding);
      }
    }
  }
  if (codings !== undefined) return codings[codings.length - 1] === 'chunked' ? CHUNKED : undefined;
  if (lengths === undefined) return NO_BODY;
  if (lengths.some((v) => !DIGITS.test(v)) || new Set(lengths.map((v) => BigInt(v))).size > 1) return undefined;
  const length = Number(lengths[0]);
  if (!Number.isSafeInteger(length)) return undefined;
  return length === 0 ? NO_BODY : { kind: 'length', length };
}

/** The framings without a length: one object each (they are compared by `kind`, never changed). */
export const NO_BODY: BodyFraming = Object.freeze({ kind: 'none' });
const CHUNKED: BodyFraming = Object.freeze({ kind: 'chunked' });
