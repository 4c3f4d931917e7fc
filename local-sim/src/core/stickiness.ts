/**
 * Stickiness decisions (docs/aws-behaviour.md §3.1–§3.3): read the sticky cookie of a request, decide whether
 * it still selects a usable target (or target group), and build the cookies to (re-)issue.
 */
import { COOKIES } from '@ha-load-balancer/spec';
import { decodeStickyCookie, encodeStickyCookie, setCookieHeader, type StickyPayload } from './cookies';

export type StickyRead =
  /** No sticky cookie in the request. */
  | { readonly status: 'absent' }
  /** Present but undecodable, for another TG, or expired (→ re-pick). */
  | { readonly status: 'invalid' }
  | { readonly status: 'valid'; readonly payload: StickyPayload };

/**
 * Read the first present cookie among `names` (earlier names win: AWSALBCORS over AWSALB, §3.1) and
 * check it is of `kind`, for `targetGroupId`, and issued less than `durationMs` ago.
 */
export function readStickyCookie(
  cookies: ReadonlyMap<string, string>,
  names: readonly string[],
  kind: StickyPayload['k'],
  targetGroupId: string | undefined,
  now: number,
  durationMs: number,
  key: string | Uint8Array,
): StickyRead {
  const name = names.find((n) => cookies.has(n));
  if (name === undefined) return { status: 'absent' };
  const payload = decodeStickyCookie(cookies.get(name)!, key);
  if (!payload || payload.k !== kind) return { status: 'invalid' };
  if (targetGroupId !== undefined && payload.g !== targetGroupId) return { status: 'invalid' };
  if (now - payload.i >= durationMs || payload.i > now) return { status: 'invalid' };
  return { status: 'valid', payload };
}

export const LB_COOKIE_NAMES = [COOKIES.lbCors, COOKIES.lb] as const;
export const TG_COOKIE_NAMES = [COOKIES.targetGroupCors, COOKIES.targetGroup] as const;
export const APP_COOKIE_NAME = `${COOKIES.appPrefix}0`;

/** AWSALB + AWSALBCORS for a target (§3.1). */
export function lbCookies(
  targetGroupId: string,
  targetId: string,
  port: number,
  now: number,
  key: string | Uint8Array,
): string[] {
  const v = encodeStickyCookie({ k: 'lb', g: targetGroupId, t: targetId, p: port, i: now }, key);
  return [setCookieHeader(COOKIES.lb, v, now, false), setCookieHeader(COOKIES.lbCors, v, now, true)];
}

/**
 * AWSALBAPP-0 for a target (§3.2). `SameSite=None; Secure` only for Chromium ≥ 80 user agents.
 */
export function appCookies(
  targetGroupId: string,
  targetId: string,
  port: number,
  now: number,
  key: string | Uint8Array,
  userAgent: string | undefined,
): string[] {
  const v = encodeStickyCookie({ k: 'app', g: targetGroupId, t: targetId, p: port, i: now }, key);
  const chrome = /Chrom(?:e|ium)\/(\d+)/.exec(userAgent ?? '');
  return [setCookieHeader(APP_COOKIE_NAME, v, now, chrome !== null && Number(chrome[1]) >= 80)];
}

/** AWSALBTG + AWSALBTGCORS for a target group (§3.3). */
export function targetGroupCookies(targetGroupId: string, now: number, key: string | Uint8Array): string[] {
  const v = encodeStickyCookie({ k: 'tg', g: targetGroupId, i: now }, key);
  return [setCookieHeader(COOKIES.targetGroup, v, now, false), setCookieHeader(COOKIES.targetGroupCors, v, now, true)];
}

/**
 * §3.2: the load balancer's own Set-Cookie values on a forwarded response: the app-cookie ones
 * (`AWSALBAPP-n`) only when the target set the application cookie, then the others (`AWSALB`,
 * `AWSALBTG`, ...) always. The live and virtual shells both answer with this.
 */
export function loadBalancerSetCookies(
  d: { readonly setCookies: readonly string[]; readonly appCookie?: { readonly setCookies: readonly string[] } },
  targetSetAppCookie: boolean,
): readonly string[] {
  if (!d.appCookie || !targetSetAppCookie || d.appCookie.setCookies.length === 0) return d.setCookies;
  return [...d.appCookie.setCookies, ...d.setCookies];
}
