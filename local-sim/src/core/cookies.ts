/**
 * Stickiness cookies (docs/aws-behaviour.md §3): opaque values (HMAC-SHA256-signed base64url JSON, standing in
 * for ALB's encryption) carrying target group, target and issue time, and `Set-Cookie` strings in the form
 * the ALB sends (`Expires`, not `Max-Age`; fixed 7-day expiry; CORS twin with `SameSite=None; Secure`).
 * node:crypto is computation, not I/O.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { COOKIES } from '@ha-load-balancer/spec';

export interface StickyPayload {
  /** `lb` = AWSALB, `app` = AWSALBAPP-n, `tg` = AWSALBTG. */
  readonly k: 'lb' | 'app' | 'tg';
  /** Target group id. */
  readonly g: string;
  /** Target id and port (absent for `tg`). */
  readonly t?: string;
  readonly p?: number;
  /** Issue time (ms). */
  readonly i: number;
}

function sign(data: string, key: string | Uint8Array): string {
  return createHmac('sha256', key).update(data).digest('base64url').slice(0, 22);
}

/**
 * Memo of a pure function of (string, key): the proxy encodes the same payload and verifies the same
 * cookie value over and over (every client resends its cookie; a target's cookie changes once per ms),
 * and signing is most of the work. Bounded: emptied when full; a new key empties it.
 */
class Memo<T> {
  readonly #map = new Map<string, T>();
  #key: string | Uint8Array | undefined;

  get(s: string, key: string | Uint8Array): T | undefined {
    if (key !== this.#key) return undefined;
    return this.#map.get(s);
  }

  set(s: string, key: string | Uint8Array, value: T): void {
    if (key !== this.#key || this.#map.size >= MEMO_ENTRIES) {
      this.#map.clear();
      this.#key = key;
    }
    this.#map.set(s, value);
  }
}

const MEMO_ENTRIES = 4096;
const encoded = new Memo<string>();
/** Verified payloads (frozen: callers share them); `null`: the value does not verify. */
const decoded = new Memo<StickyPayload | null>();

export function encodeStickyCookie(payload: StickyPayload, key: string | Uint8Array): string {
  const json = JSON.stringify(payload);
  const known = encoded.get(json, key);
  if (known !== undefined) return known;
  const data = Buffer.from(json).toString('base64url');
  const value = `${data}.${sign(data, key)}`;
  encoded.set(json, key, value);
  return value;
}

/** Decode and verify; undefined when tampered with or malformed (→ re-pick, §3.1). */
export function decodeStickyCookie(value: string, key: string | Uint8Array): StickyPayload | undefined {
  const known = decoded.get(value, key);
  if (known !== undefined) return known ?? undefined;
  const payload = verify(value, key);
  decoded.set(value, key, payload ? Object.freeze(payload) : null);
  return payload;
}

function verify(value: string, key: string | Uint8Array): StickyPayload | undefined {
  const dot = value.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const data = value.slice(0, dot);
  const mac = Buffer.from(value.slice(dot + 1));
  const want = Buffer.from(sign(data, key));
  if (mac.length !== want.length || !timingSafeEqual(mac, want)) return undefined;
  try {
    const p = JSON.parse(Buffer.from(data, 'base64url').toString('utf8')) as StickyPayload;
    if (typeof p !== 'object' || p === null || typeof p.g !== 'string' || typeof p.i !== 'number') return undefined;
    if (p.k !== 'lb' && p.k !== 'app' && p.k !== 'tg') return undefined;
    return p;
  } catch {
    return undefined;
  }
}

let dateSecond = NaN;
let dateText = '';

/** RFC 7231 IMF-fixdate, e.g. `Thu, 03 Dec 2026 21:33:28 GMT` (the last second's text is reused). */
export function httpDate(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== dateSecond) {
    dateText = new Date(ms).toUTCString();
    dateSecond = second;
  }
  return dateText;
}

/** `Set-Cookie` value for an ALB cookie issued at `now`; `cors` adds `SameSite=None; Secure`. */
export function setCookieHeader(name: string, value: string, now: number, cors: boolean): string {
  const expires = httpDate(now + COOKIES.expiresSeconds * 1000);
  return `${name}=${value}; Expires=${expires}; Path=/${cors ? '; SameSite=None; Secure' : ''}`;
}

/** Cookies of a request (`Cookie` headers), first occurrence of a name wins. */
export function parseCookies(cookieHeaders: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const header of cookieHeaders) {
    for (const part of header.split(';')) {
      const eq = part.indexOf('=');
      if (eq <= 0) continue;
      const name = part.slice(0, eq).trim();
      if (!out.has(name)) out.set(name, part.slice(eq + 1).trim());
    }
  }
  return out;
}
