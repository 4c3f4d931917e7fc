/**
 * Request headers the ALB adds or rewrites before forwarding (docs/aws-behaviour.md §5.1).
 *
 * Pure: no I/O, no clock, no randomness. Time and random digits are passed in.
 * Headers are handled as an ordered list of [name, value] pairs (as they arrived on the wire), so
 * repeated headers and their order survive.
 */
import { HTTP_LIMITS, TRACE_ID_VERSION, VALID_HEADER_NAME, type XffMode } from '@ha-load-balancer/spec';

// The spec package re-exports its values through getters (CommonJS `export *`): the ones read on every
// request are bound here once.
const LIMITS = HTTP_LIMITS;
const VALID_NAME = VALID_HEADER_NAME;

export type HeaderList = Array<[string, string]>;

/** Load-balancer attributes that shape forwarded headers (§5.1, §8.2). */
export interface ForwardingAttributes {
  /** `routing.http.xff_header_processing.mode` */
  readonly xffMode: XffMode;
  /** `routing.http.xff_client_port.enabled` */
  readonly xffClientPort: boolean;
  /** `routing.http.preserve_host_header.enabled` */
  readonly preserveHostHeader: boolean;
  /** `routing.http.drop_invalid_header_fields.enabled` (§5.3); default false. */
  readonly dropInvalidHeaderFields?: boolean;
}

/** What the load balancer knows about the client connection. */
export interface ClientHop {
  /** TCP peer address (IPv4 or IPv6, without brackets). */
  readonly address: string;
  readonly port: number;
  /** Protocol between client and load balancer. */
  readonly protocol: 'http' | 'https';
  /** The listener port as configured in the template (80, 443, ...), not a local bind port. */
  readonly listenerPort: number;
}

/** Time and randomness for X-Amzn-Trace-Id, injected by the shell. */
export interface TraceIdSource {
  /** Milliseconds since the epoch. */
  readonly nowMs: number;
  /** Returns `n` lower-case hex digits. */
  readonly randomHex: (n: number) => string;
}

export type ForwardResult =
  | {
      readonly ok: true;
      readonly headers: HeaderList;
      readonly traceId: string;
      /**
       * Header names not matching `[-A-Za-z0-9]+` (§5.3): removed when drop_invalid_header_fields is on
       * (`DroppedInvalidHeaderRequestCount`), otherwise forwarded (`ForwardedInvalidHeaderRequestCount`).
       */
      readonly invalidHeaderNames: readonly string[];
    }
  | { readonly ok: false; readonly status: number; readonly reason: string };

/** Hop-by-hop headers (RFC 7230 §6.1) that a proxy never forwards. */
export const HOP_BY_HOP_HEADERS: readonly string[] = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

const TRACE_HEADER = 'x-amzn-trace-id';

function lower(s: string): string {
  return s.toLowerCase();
}

/** All values of one header, in order. */
export function headerValues(headers: HeaderList, name: string): string[] {
  const n = lower(name);
  const out: string[] = [];
  for (const [k, v] of headers) if (lower(k) === n) out.push(v);
  return out;
}

const HOP_BY_HOP_SET: ReadonlySet<string> = new Set(HOP_BY_HOP_HEADERS);

/** Headers the load balancer sets itself (§5.1): incoming copies are replaced, never forwarded as they are. */
const REWRITTEN_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-port',
  TRACE_HEADER,
]);

/** Header names listed in `Connection` values (lower case), or undefined when there are none. */
function connectionTokens(values: readonly string[]): Set<string> | undefined {
  let named: Set<string> | undefined;
  for (const v of values) {
    for (const token of v.split(',')) {
      const t = lower(token.trim());
      if (t) (named ??= new Set()).add(t);
    }
  }
  return named;
}

/** Remove hop-by-hop headers and any header named in `Connection`. */
export function stripHopByHop(headers: HeaderList): HeaderList {
  const named = connectionTokens(headerValues(headers, 'connection'));
  return headers.filter(([k]) => {
    const n = lower(k);
    return !HOP_BY_HOP_SET.has(n) && !named?.has(n);
  });
}

/** Strip the IPv4-mapped IPv6 prefix Node reports for IPv4 peers on dual-stack sockets. */
export function normaliseAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** `ip` or, with the client port, `ip:port` / `[ipv6]:port` (§5.1, `xff_client_port`). */
export function formatClientAddress(address: string, port: number, withPort: boolean): string {
  const ip = normaliseAddress(address);
  if (!withPort) return ip;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Number of addresses in the incoming X-Forwarded-For values (all header lines together). */
export function countXffAddresses(values: readonly string[]): number {
  let n = 0;
  for (const v of values) {
    for (const part of v.split(',')) if (part.trim() !== '') n++;
  }
  return n;
}

/**
 * The X-Forwarded-For value to send to the target, or undefined for none (§5.1 table).
 * Incoming repeated header lines are joined with ", ".
 */
export function forwardedFor(
  incoming: readonly string[],
  mode: XffMode,
  client: { address: string; port: number },
  withClientPort: boolean,
): string | undefined {
  if (incoming.length === 0) {
    return mode === 'append' ? formatClientAddress(client.address, client.port, withClientPort) : undefined;
  }
  const existing = incoming
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
  switch (mode) {
    case 'remove':
      return undefined;
    case 'preserve':
      return existing.length > 0 ? existing.join(', ') : undefined;
    case 'append':
      return [...existing, formatClientAddress(client.address, client.port, withClientPort)].join(', ');
  }
}

/** Split `host[:port]` (with `[v6]` support). */
export function splitHostPort(value: string): { host: string; port?: string } {
  const v = value.trim();
  if (v.startsWith('[')) {
    const end = v.indexOf(']');
    if (end > 0) {
      const rest = v.slice(end + 1);
      return { host: v.slice(0, end + 1), port: rest.startsWith(':') ? rest.slice(1) : undefined };
    }
  }
  const i = v.lastIndexOf(':');
  if (i >= 0 && v.indexOf(':') === i) return { host: v.slice(0, i), port: v.slice(i + 1) };
  return { host: v };
}

/** The authority of an absolute-form request target (`http://h:p/x` → `h:p`), else undefined. */
export function absoluteUriAuthority(requestTarget: string): string | undefined {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(requestTarget);
  if (!m) return undefined;
  const authority = m[1];
  const at = authority.lastIndexOf('@');
  return at >= 0 ? authority.slice(at + 1) : authority;
}

/**
 * The Host header values sent to the target (§5.1):
 * preserve on → unchanged (all kept); off → one Host, taken from an absolute-form URI if any,
 * with the port removed on listener ports 80/443 and appended when missing on other ports.
 */
export function rewriteHost(
  hostValues: readonly string[],
  requestTarget: string,
  listenerPort: number,
  preserveHostHeader: boolean,
): string[] {
  if (preserveHostHeader) return [...hostValues];
  // (an origin-form target, `/...`, has no authority)
  const source =
    (requestTarget.charCodeAt(0) === 0x2f ? undefined : absoluteUriAuthority(requestTarget)) ?? hostValues[0];
  if (source === undefined || source.trim() === '') return [];
  const { host, port } = splitHostPort(source);
  if (listenerPort === 80 || listenerPort === 443) return [host];
  return [port ? `${host}:${port}` : `${host}:${listenerPort}`];
}

let traceSecond = NaN;
let tracePrefix = '';

/** One trace-id segment `1-<8 hex epoch seconds>-<24 hex>` (§5.1); the prefix is reused within a second. */
export function newTraceSegment(src: TraceIdSource): string {
  const second = Math.floor(src.nowMs / 1000);
  if (second !== traceSecond) {
    tracePrefix = `${TRACE_ID_VERSION}-${second.toString(16).padStart(8, '0')}-`;
    traceSecond = second;
  }
  return tracePrefix + src.randomHex(24);
}

/**
 * The X-Amzn-Trace-Id value after the load balancer has handled it (§5.1):
 * absent → `Root=`; with `Root` → `Self=` prepended/updated, Root and custom fields kept;
 * with `Self` → Self updated. When the request headers exceed 7 KB only `Root` is kept.
 */
export function updateTraceId(incoming: string | undefined, src: TraceIdSource, requestHeaderBytes = 0): string {
  // No incoming header: a new Root, whatever the header size.
  if (incoming === undefined) return `Root=${newTraceSegment(src)}`;
  const fields = (incoming ?? '')
    .split(';')
    .map((f) => f.trim())
    .filter((f) => f.includes('='))
    .map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)] as [string, string]);
  const root = fields.find(([k]) => k === 'Root');
  const hasSelf = fields.some(([k]) => k === 'Self');
  if (requestHeaderBytes > LIMITS.traceIdRewriteHeaderBytes) {
    return `Root=${root ? root[1] : newTraceSegment(src)}`;
  }
  if (!root && !hasSelf) {
    const custom = fields.map(([k, v]) => `${k}=${v}`);
    return [`Root=${newTraceSegment(src)}`, ...custom].join(';');
  }
  const others = fields.filter(([k]) => k !== 'Self').map(([k, v]) => `${k}=${v}`);
  return [`Self=${newTraceSegment(src)}`, ...others].join(';');
}

/** Total size of the request header block in bytes, as `name: value\r\n` lines. */
export function headerBytes(headers: HeaderList): number {
  let n = 0;
  for (const [k, v] of headers) n += Buffer.byteLength(k) + Buffer.byteLength(v) + 4;
  return n;
}

/**
 * The headers forwarded to a target (§5.1): hop-by-hop removed, Host rewritten, X-Forwarded-For /
 * -Proto / -Port set, X-Amzn-Trace-Id added or updated. More than 30 addresses in X-Forwarded-For
 * → HTTP 463 (checked in every mode).
 *
 * Upgrade requests (WebSocket) keep `Connection` and `Upgrade` when `keepUpgrade` is set.
 */
export function forwardRequestHeaders(
  headers: HeaderList,
  requestTarget: string,
  client: ClientHop,
  attributes: ForwardingAttributes,
  trace: TraceIdSource,
  options: { keepUpgrade?: boolean } = {},
): ForwardResult {
  // One pass over the incoming headers: the values the rewrite needs, which lines are not passed on as
  // they are, name validity and the header block size. Only names as long as one of those the load
  // balancer handles are lower-cased; arrays are made only for what is there.
  const n = headers.length;
  let xffIn: string[] | undefined;
  let hostValues: string[] | undefined;
  let connectionValues: string[] | undefined;
  let upgrade: string | undefined;
  let invalidHeaderNames: string[] | undefined;
  /** Lines not forwarded as they are (hop-by-hop, rewritten, invalid when dropped), as bits. */
  const skip = new LineSet(n);
  const dropInvalid = attributes.dropInvalidHeaderFields === true;
  let traceIn: string | undefined;
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const [k, v] = headers[i];
    const len = k.length;
    // latin1 heads: one char per byte (the 7 KB trace-id rule needs no more precision than that)
    bytes += len + v.length + 4;
    if (!VALID_NAME.test(k)) {
      (invalidHeaderNames ??= []).push(k);
      if (dropInvalid) skip.add(i);
    }
    if (!HANDLED_NAME_LENGTHS.has(len)) continue;
    const name = lower(k);
    switch (name) {
      case 'x-forwarded-for':
        (xffIn ??= []).push(v);
        break;
      case 'host':
        (hostValues ??= []).push(v);
        break;
      case 'connection':
        (connectionValues ??= []).push(v);
        break;
      case 'upgrade':
        if (options.keepUpgrade && upgrade === undefined) upgrade = v;
        break;
      case TRACE_HEADER:
        if (traceIn === undefined) traceIn = v;
        break;
    }
    if (HOP_BY_HOP_SET.has(name) || REWRITTEN_HEADERS.has(name)) skip.add(i);
  }
  const count = xffIn ? countXffAddresses(xffIn) : 0;
  if (count > LIMITS.maxXffAddresses) {
    return {
      ok: false,
      status: 463,
      reason: `X-Forwarded-For carries ${count} addresses (more than ${LIMITS.maxXffAddresses})`,
    };
  }
  const out: HeaderList = [];
  for (const h of rewriteHost(hostValues ?? NONE, requestTarget, client.listenerPort, attributes.preserveHostHeader)) {
    out.push(['host', h]);
  }
  // headers named in Connection are not passed on either (RFC 7230 §6.1)
  const named = connectionValues ? connectionTokens(connectionValues) : undefined;
  for (let i = 0; i < n; i++) {
    if (skip.has(i)) continue;
    const h = headers[i];
    if (named?.has(lower(h[0]))) continue;
    out.push(h);
  }
  const xff = forwardedFor(xffIn ?? NONE, attributes.xffMode, client, attributes.xffClientPort);
  if (xff !== undefined) out.push(['x-forwarded-for', xff]);
  out.push(['x-forwarded-proto', client.protocol]);
  out.push(['x-forwarded-port', String(client.listenerPort)]);
  const traceId = updateTraceId(traceIn, trace, bytes);
  out.push(['x-amzn-trace-id', traceId]);
  if (upgrade !== undefined) {
    out.push(['connection', 'upgrade']);
    out.push(['upgrade', upgrade]);
  }
  return { ok: true, headers: out, traceId, invalidHeaderNames: invalidHeaderNames ?? NONE };
}

const NONE: readonly string[] = Object.freeze([]);

/** A set of line numbers: bits of one number for the first 31 lines (no allocation), then an array. */
class LineSet {
  #low = 0;
  #high?: Uint8Array;
  constructor(private readonly size: number) {}
  add(i: number): void {
    if (i < 31) this.#low |= 1 << i;
    else (this.#high ??= new Uint8Array(this.size))[i] = 1;
  }
  has(i: number): boolean {
    return i < 31 ? ((this.#low >>> i) & 1) === 1 : this.#high?.[i] === 1;
  }
}

/** Lengths of the names `forwardRequestHeaders` looks at (hop-by-hop, rewritten): the rest are not lower-cased. */
const HANDLED_NAME_LENGTHS: ReadonlySet<number> = new Set(
  [...HOP_BY_HOP_HEADERS, ...REWRITTEN_HEADERS].map((h) => h.length),
);

/** The Root segment of a trace-id value (for access logs: `trace_id` field). */
export function traceRoot(traceId: string): string {
  // Common case: the load balancer's own `Root=...` with no other field.
  if (traceId.startsWith('Root=') && !traceId.includes(';')) {
    const field = traceId.trim();
    if (field.startsWith('Root=')) return field;
  }
  for (const f of traceId.split(';')) {
    const field = f.trim();
    if (field.startsWith('Root=')) return field;
  }
  return traceId;
}
