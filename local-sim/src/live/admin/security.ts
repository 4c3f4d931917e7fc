/**
 * What keeps the admin port to the people it is for. The port changes the simulator's state (targets
 * failed, deregistered, ...) and shows everything about it, so a web page that a developer happens to
 * visit must not be able to read it or drive it:
 *
 * - **Host** must name this server: an IP literal, `localhost`, or the name given as `--admin-host`.
 *   A DNS-rebinding page reaches the port under its own domain name, which is refused.
 * - **Origin** (sent by browsers on cross-origin requests and on every POST) must be this server itself;
 *   `Sec-Fetch-Site` must say same-origin, or none (a typed URL), except for top-level GET navigations
 *   (a link to the dashboard), whose answer the linking page cannot read.
 * - State changes only by **POST** with the per-run token in the `X-HA-Sim-Token` header: a form on
 *   another site cannot set a header, and a script on another site cannot send one without a CORS
 *   preflight, which is refused (no CORS headers, ever). GET, HEAD and OPTIONS never change state.
 * - **Security headers** on every response: a CSP without inline script or style, no framing, no
 *   sniffing, no referrer, same-origin resource and opener policies, no caching.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { hostname } from 'node:os';
import { isIP } from 'node:net';

/** Request header that carries the admin token on state-changing requests. */
export const TOKEN_HEADER = 'x-ha-sim-token';

/** Headers sent with every admin response. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

/** Why a request is refused: an HTTP status and a stable code. */
export interface Refusal {
  readonly status: number;
  readonly code:
    'SIM_ADMIN_HOST_REFUSED' | 'SIM_ADMIN_ORIGIN_REFUSED' | 'SIM_ADMIN_TOKEN_REQUIRED' | 'SIM_ADMIN_METHOD_NOT_ALLOWED';
  readonly message: string;
}

/** A fresh per-run token: 128 random bits, hex. */
export function newAdminToken(): string {
  return randomBytes(16).toString('hex');
}

/** The host part of a `Host` header value (`[::1]:8404` → `::1`, `Example.com:80` → `example.com`). */
export function hostOf(value: string): string {
  const v = value.trim().toLowerCase();
  if (v.startsWith('[')) {
    const end = v.indexOf(']');
    return end > 0 ? v.slice(1, end) : v;
  }
  const colon = v.lastIndexOf(':');
  return colon >= 0 && v.indexOf(':') === colon ? v.slice(0, colon) : v;
}

/**
 * Host names this server answers to besides IP literals and `localhost`: the `--admin-host` when it is
 * a name, and the machine's own name when bound to every interface.
 */
export function allowedNames(bindHost: string): Set<string> {
  const names = new Set<string>();
  const h = hostOf(bindHost);
  if (isIP(h) === 0) names.add(h);
  if (h === '0.0.0.0' || h === '::') names.add(hostname().toLowerCase());
  return names;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * DNS rebinding: the Host header must be an IP literal, `localhost`, or one of `names`. (A rebinding page
 * always uses its own domain name: the browser sends that name as Host.)
 */
export function hostRefusal(headers: IncomingHttpHeaders, names: ReadonlySet<string>): Refusal | undefined {
  const value = header(headers, 'host');
  if (value === undefined || value.trim() === '') {
    return { status: 400, code: 'SIM_ADMIN_HOST_REFUSED', message: 'a Host header is required' };
  }
  const host = hostOf(value);
  if (isIP(host) !== 0 || host === 'localhost' || names.has(host)) return undefined;
  return {
    status: 403,
    code: 'SIM_ADMIN_HOST_REFUSED',
    message: `Host ${JSON.stringify(value)} does not name the admin server (use its address, e.g. 127.0.0.1 or localhost)`,
  };
}

/** Cross-origin requests: refused unless they are top-level GET navigations (links to the dashboard). */
export function originRefusal(method: string, headers: IncomingHttpHeaders): Refusal | undefined {
  const navigation = (method === 'GET' || method === 'HEAD') && header(headers, 'sec-fetch-mode') === 'navigate';
  const origin = header(headers, 'origin');
  if (origin !== undefined && !navigation) {
    let same = false;
    try {
      const u = new URL(origin);
      same = u.protocol === 'http:' && u.host.toLowerCase() === (header(headers, 'host') ?? '').trim().toLowerCase();
    } catch {
      same = false;
    }
    if (!same) {
      return {
        status: 403,
        code: 'SIM_ADMIN_ORIGIN_REFUSED',
        message: `requests from origin ${JSON.stringify(origin)} are refused (the admin port serves its own page only)`,
      };
    }
  }
  const site = header(headers, 'sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none' && !navigation) {
    return {
      status: 403,
      code: 'SIM_ADMIN_ORIGIN_REFUSED',
      message: `${site} requests are refused (Sec-Fetch-Site: ${site})`,
    };
  }
  return undefined;
}

/** State-changing requests carry the per-run token in `X-HA-Sim-Token`. */
export function tokenRefusal(headers: IncomingHttpHeaders, token: string): Refusal | undefined {
  const given = header(headers, TOKEN_HEADER);
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(token);
  if (given !== undefined && a.length === b.length && timingSafeEqual(a, b)) return undefined;
  return {
    status: 403,
    code: 'SIM_ADMIN_TOKEN_REQUIRED',
    message: `${given === undefined ? 'no' : 'a wrong'} ${TOKEN_HEADER} header: controls need the admin token that ha-sim prints at start-up (curl -X POST -H '${TOKEN_HEADER}: <token>' ...)`,
  };
}
