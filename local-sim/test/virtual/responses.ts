/**
 * Reading the virtual simulator's responses in tests: response and forwarded headers by name, the
 * cookies a browser would send back, and the test identity provider's part of a login.
 */
import type { VirtualResponse, VirtualSimulator } from '../../src/virtual';

/** Values of one response header (name in lower case). */
export const headerOf = (r: VirtualResponse, name: string): string[] =>
  r.headers.filter(([k]) => k.toLowerCase() === name).map(([, v]) => v);

/** Values of one header of the request the target got (name in lower case). */
export const forwardedHeader = (r: VirtualResponse, name: string): string[] =>
  (r.forwarded?.headers ?? []).filter(([k]) => k.toLowerCase() === name).map(([, v]) => v);

/** Cookie header value from Set-Cookie lines (name=value pairs only; cleared cookies left out). */
export const cookieJar = (setCookies: readonly string[]): string =>
  setCookies
    .map((c) => c.split(';')[0]!)
    .filter((c) => !c.endsWith('='))
    .join('; ');

/**
 * The test identity provider answering the authorization request the load balancer redirected to
 * (`location`), with alice logging in: the redirect back to the load balancer's /oauth2/idpresponse.
 */
export function idpRedirect(s: VirtualSimulator, location: URL): URL {
  const idp = s.testIdp.handle({
    method: 'GET',
    path: location.pathname,
    query: `${location.search.slice(1)}&login_hint=alice`,
    headers: {},
    body: '',
  });
  return new URL(idp.headers.location!);
}
