/**
 * The admin port is safe by default (issue 12): each unsafe request below, tried as an attacker would,
 * used to change state or be answered; each is now refused, and the state is unchanged.
 */
import * as net from 'node:net';
import type { Simulator } from '../../src/index';
import { allHealthy, get, SITE, startFixture, type Reply } from './helpers';

let sim: Simulator | undefined;

afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const control = (s: Simulator, verb: string, index = 0): string =>
  `${s.adminUrl}/_sim/targets/${encodeURIComponent(SITE)}/${index}/${verb}`;

/** What the state of the first Site target is, as the engine reports it. */
const state0 = (s: Simulator): string => s.targets(SITE).get(0).health()!.TargetHealth.State;

/** The demo backend's switches of target 0 (what fail-health and friends change). */
const switches0 = (s: Simulator) => ({ ...s.targets(SITE).get(0).backend!.state });

function expectSecurityHeaders(r: Reply): void {
  expect(r.headers['content-security-policy']).toBe(
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
      "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  );
  expect(r.headers['x-frame-options']).toBe('DENY');
  expect(r.headers['x-content-type-options']).toBe('nosniff');
  expect(r.headers['referrer-policy']).toBe('no-referrer');
  expect(r.headers['cross-origin-resource-policy']).toBe('same-origin');
  expect(Object.keys(r.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
}

/** Whether something accepts TCP connections at host:port (loopback addresses only). */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

describe('admin controls change state only by POST with the token', () => {
  test('a plain GET of fail-health or deregister is refused (405, Allow: POST) and changes nothing', async () => {
    sim = await startFixture({ adminPort: 0, demoBackends: 1 });
    await allHealthy(sim, SITE);
    const before = switches0(sim);
    for (const verb of ['fail-health', 'deregister', 'down']) {
      const r = await get(control(sim, verb));
      expect(r.status).toBe(405);
      expect(r.headers.allow).toBe('POST');
      expect(r.json<{ error: { code: string } }>().error.code).toBe('SIM_ADMIN_METHOD_NOT_ALLOWED');
      expectSecurityHeaders(r);
    }
    expect(switches0(sim)).toEqual(before);
    expect(state0(sim)).toBe('healthy');
  });

  test('a cross-origin form POST (Origin evil.example, form content type) is refused and does not deregister', async () => {
    sim = await startFixture({ adminPort: 0, demoBackends: 1 });
    await allHealthy(sim, SITE);
    const r = await get(control(sim, 'deregister'), {
      method: 'POST',
      headers: {
        origin: 'http://evil.example',
        'content-type': 'application/x-www-form-urlencoded',
        'sec-fetch-site': 'cross-site',
        'sec-fetch-mode': 'navigate',
      },
      body: 'x=1',
    });
    expect(r.status).toBe(403);
    expect(r.json<{ error: { code: string } }>().error.code).toBe('SIM_ADMIN_ORIGIN_REFUSED');
    expect(state0(sim)).toBe('healthy');
  });

  test('a same-origin POST without the token (an old browser without Origin, or a guess) is refused', async () => {
    sim = await startFixture({ adminPort: 0, demoBackends: 1 });
    await allHealthy(sim, SITE);
    const none = await get(control(sim, 'deregister'), { method: 'POST' });
    expect(none.status).toBe(403);
    expect(none.json<{ error: { code: string; message: string } }>().error.code).toBe('SIM_ADMIN_TOKEN_REQUIRED');
    const wrong = await get(control(sim, 'deregister'), { method: 'POST', headers: { 'x-ha-sim-token': 'guess' } });
    expect(wrong.status).toBe(403);
    expect(state0(sim)).toBe('healthy');
  });

  test('an OPTIONS preflight never runs the verb and grants no CORS', async () => {
    sim = await startFixture({ adminPort: 0, demoBackends: 1 });
    await allHealthy(sim, SITE);
    const before = switches0(sim);
    const preflight = await get(control(sim, 'fail-health'), {
      method: 'OPTIONS',
      headers: {
        origin: 'http://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-ha-sim-token',
      },
    });
    expect(preflight.status).toBe(403);
    expectSecurityHeaders(preflight);
    const plain = await get(control(sim, 'fail-health'), { method: 'OPTIONS' });
    expect(plain.status).toBe(204);
    expect(plain.headers.allow).toBe('POST');
    expectSecurityHeaders(plain);
    expect(switches0(sim)).toEqual(before);
  });

  test('with the token, POST drives the control (fail-health → unhealthy)', async () => {
    sim = await startFixture({ adminPort: 0, demoBackends: 1 });
    await allHealthy(sim, SITE);
    const r = await get(control(sim, 'fail-health'), {
      method: 'POST',
      headers: { 'x-ha-sim-token': sim.adminToken! },
    });
    expect(r.status).toBe(200);
    expect(sim.targets(SITE).get(0).backend!.state.failingHealthChecks).toBe(true);
    await sim.waitForHealth(SITE, 0, 'unhealthy');
  });

  test('the token can be chosen (adminToken, the CLI reads HA_SIM_ADMIN_TOKEN)', async () => {
    sim = await startFixture({ adminPort: 0, demoBackends: 1, adminToken: 'my-token' });
    expect(sim.adminToken).toBe('my-token');
    const r = await get(control(sim, 'recover'), { method: 'POST', headers: { 'x-ha-sim-token': 'my-token' } });
    expect(r.status).toBe(200);
  });
});

describe('admin port: DNS rebinding and other sites', () => {
  test('a foreign Host header is refused on reads and controls alike', async () => {
    sim = await startFixture({ adminPort: 0, demoBackends: 1 });
    await allHealthy(sim, SITE);
    const port = new URL(sim.adminUrl!).port;
    for (const path of ['/stats', '/metrics', '/', '/api/requests', '/events']) {
      const r = await get(`${sim.adminUrl}${path}`, { headers: { host: `evil.example:${port}` } });
      expect(r.status).toBe(403);
      expect(r.json<{ error: { code: string } }>().error.code).toBe('SIM_ADMIN_HOST_REFUSED');
      expectSecurityHeaders(r);
    }
    const post = await get(control(sim, 'deregister'), {
      method: 'POST',
      headers: { host: `evil.example:${port}`, 'x-ha-sim-token': sim.adminToken! },
    });
    expect(post.status).toBe(403);
    expect(state0(sim)).toBe('healthy');
    // the admin address itself, by IP or as localhost, is served
    expect((await get(`${sim.adminUrl}/stats`, { headers: { host: `localhost:${port}` } })).status).toBe(200);
    expect((await get(`${sim.adminUrl}/stats`)).status).toBe(200);
  });

  test('a script on another page cannot read the stats (cross-origin fetch refused)', async () => {
    sim = await startFixture({ adminPort: 0 });
    const r = await get(`${sim.adminUrl}/stats`, {
      headers: { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors' },
    });
    expect(r.status).toBe(403);
    const sameSite = await get(`${sim.adminUrl}/stats`, {
      headers: { origin: 'http://127.0.0.1:3000', 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'cors' },
    });
    expect(sameSite.status).toBe(403);
  });

  test('security headers on every response: page, assets, JSON, metrics, not found', async () => {
    sim = await startFixture({ adminPort: 0 });
    for (const path of ['/', '/assets/dashboard.js', '/assets/uPlot.iife.min.js', '/stats', '/metrics', '/nope']) {
      const r = await get(`${sim.adminUrl}${path}`, { headers: { accept: 'text/html' } });
      expectSecurityHeaders(r);
    }
    const page = await get(`${sim.adminUrl}/`, { headers: { accept: 'text/html' } });
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain(`<meta name="ha-sim-token" content="${sim.adminToken}" />`);
    // no inline script or style anywhere on the page (the CSP forbids them)
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(page.body).not.toMatch(/<style|style="/);
  });
});

describe('admin port binds to loopback unless --admin-host says otherwise', () => {
  test('with host 0.0.0.0 the listeners take every interface, the admin port only 127.0.0.1', async () => {
    sim = await startFixture({ adminPort: 0, host: '0.0.0.0' });
    expect(sim.adminAddress).toEqual({ host: '127.0.0.1', port: expect.any(Number) });
    const port = sim.adminAddress!.port;
    // 127.0.0.2 is another loopback address: only a wildcard bind accepts it
    expect(await accepts('127.0.0.2', port)).toBe(false);
    expect(await accepts('127.0.0.1', port)).toBe(true);
    const listener = Number(new URL(sim.url('LiveFixture/Web/Http')).port);
    expect(await accepts('127.0.0.2', listener)).toBe(true);
  });

  test('adminHost 0.0.0.0 opens the admin port to every interface; the URL is reachable', async () => {
    sim = await startFixture({ adminPort: 0, adminHost: '0.0.0.0' });
    expect(sim.adminAddress!.host).toBe('0.0.0.0');
    expect(sim.adminUrl).toBe(`http://127.0.0.1:${sim.adminAddress!.port}`);
    expect(await accepts('127.0.0.2', sim.adminAddress!.port)).toBe(true);
    expect((await get(`http://127.0.0.2:${sim.adminAddress!.port}/stats`)).status).toBe(200);
  });

  test('the URL the simulator reports is where the admin port listens (host 127.0.0.3, adminHost 127.0.0.4)', async () => {
    sim = await startFixture({ adminPort: 0, host: '127.0.0.3' });
    expect(sim.adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await get(`${sim.adminUrl}/stats`)).status).toBe(200);
    expect(sim.url('LiveFixture/Web/Http')).toMatch(/^http:\/\/127\.0\.0\.3:\d+$/);
    expect((await get(`${sim.url('LiveFixture/Web/Http')}/teapot`)).status).toBe(418);
    await sim.stop();
    sim = await startFixture({ adminPort: 0, adminHost: '127.0.0.4' });
    expect(sim.adminUrl).toMatch(/^http:\/\/127\.0\.0\.4:\d+$/);
    expect((await get(`${sim.adminUrl}/stats`)).status).toBe(200);
    expect(await accepts('127.0.0.1', sim.adminAddress!.port)).toBe(false);
  });
});
