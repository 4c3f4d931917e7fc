import * as http from 'node:http';
import type { Simulator } from '../../src/index';
import { allHealthy, API, APP, EMPTY, get, header, SITE, startFixture, WEB_HTTP, type EchoBody } from './helpers';

let sim: Simulator;

beforeEach(async () => {
  sim = await startFixture();
  await Promise.all([allHealthy(sim, SITE), allHealthy(sim, API)]);
});

afterEach(async () => {
  await sim.stop();
});

describe('listener rules on a live listener (docs/aws-behaviour.md §4.1, §4.3)', () => {
  test('§4.1 the default rule forwards to Site, /api/* rule forwards to Api', async () => {
    const site = (await get(sim.url(WEB_HTTP) + '/')).json();
    const api = (await get(sim.url(WEB_HTTP) + '/api/orders')).json();
    expect(site.target).toMatch(/^SiteTG#\d$/);
    expect(api.target).toMatch(/^ApiTG#\d$/);
    expect(api.request.url).toBe('/api/orders');
  });

  test('§4.3 redirect action answers 301 with the rewritten Location (#{path} without its leading /)', async () => {
    const r = await get(sim.url(WEB_HTTP) + '/old/page?x=1');
    expect(r.status).toBe(301);
    // AWS sends http://127.0.0.1/new/old/page?x=1 (port 80 elided); the simulator points the port at
    // the local listener so clients can follow it (simulator convenience). The access log keeps AWS's URL.
    expect(r.headers.location).toBe(`${sim.url(WEB_HTTP)}/new/old/page?x=1`);
  });

  test('§4.3 fixed-response action answers with its status, content type and body', async () => {
    const r = await get(sim.url(WEB_HTTP) + '/teapot');
    expect(r.status).toBe(418);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    expect(r.body).toBe('short and stout');
  });

  test('§5.4 a target group with no registered targets answers 503', async () => {
    expect(sim.targets(EMPTY).length).toBe(0);
    const r = await get(sim.url(WEB_HTTP) + '/empty/x');
    expect(r.status).toBe(503);
    expect(r.headers.server).toBe('awselb/2.0');
  });
});

describe('distribution and stickiness (docs/aws-behaviour.md §2.1, §3.1)', () => {
  test('§2.1 round_robin takes the healthy targets in turn: 30 requests, 10 each, in a fixed cycle', async () => {
    const picks: string[] = [];
    for (let i = 0; i < 30; i++) picks.push((await get(sim.url(WEB_HTTP) + '/')).json<EchoBody>().target);
    const cycle = picks.slice(0, 3);
    expect([...cycle].sort()).toEqual(['SiteTG#0', 'SiteTG#1', 'SiteTG#2']);
    expect(picks).toEqual(Array.from({ length: 30 }, (_, i) => cycle[i % 3]));
  });

  test('§3.1 lb_cookie stickiness sets AWSALB/AWSALBCORS and the cookie keeps the target', async () => {
    const first = await get(sim.url(WEB_HTTP) + '/api/a');
    const cookies = (first.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]);
    expect(cookies.some((c) => c.startsWith('AWSALB='))).toBe(true);
    expect((first.headers['set-cookie'] ?? []).some((c) => /^AWSALBCORS=.*SameSite=None.*Secure/i.test(c))).toBe(true);
    const target = first.json().target;
    for (let i = 0; i < 6; i++) {
      const r = await get(sim.url(WEB_HTTP) + '/api/b', { headers: { cookie: cookies.join('; ') } });
      expect(r.json().target).toBe(target);
    }
  });

  test('§3.2 app_cookie: when the target sets SESSION the LB adds AWSALBAPP-0, and both keep the target', async () => {
    await allHealthy(sim, APP);
    const plain = await get(sim.url(WEB_HTTP) + '/app/a');
    expect((plain.headers['set-cookie'] ?? []).some((c) => c.startsWith('AWSALBAPP-'))).toBe(false);
    const first = await get(sim.url(WEB_HTTP) + '/app/login?set-cookie=SESSION%3Dabc');
    const setCookies = first.headers['set-cookie'] ?? [];
    expect(setCookies.some((c) => c.startsWith('SESSION=abc'))).toBe(true);
    const lbCookies = setCookies.filter((c) => c.startsWith('AWSALBAPP-')).map((c) => c.split(';')[0]);
    expect(lbCookies.length).toBeGreaterThan(0);
    const target = first.json().target;
    for (let i = 0; i < 6; i++) {
      const r = await get(sim.url(WEB_HTTP) + '/app/page', {
        headers: { cookie: ['SESSION=abc', ...lbCookies].join('; ') },
      });
      expect(r.json().target).toBe(target);
    }
  });

  test('§5.2 keep-alive: several requests share one client connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 3; i++) expect((await get(sim.url(WEB_HTTP) + '/', { agent })).status).toBe(200);
      const lb = Object.entries(sim.metrics.snapshot().loadBalancers).find(([k]) => k.startsWith('app/'))!;
      expect(lb[1].NewConnectionCount).toBe(1);
      expect(lb[1].RequestCount).toBe(3);
    } finally {
      agent.destroy();
    }
  });
});

describe('forwarded headers through the live proxy (docs/aws-behaviour.md §5.1)', () => {
  test('§5.1 X-Forwarded-For/-Proto/-Port, Host without :80, trace id Root', async () => {
    const echo = (await get(sim.url(WEB_HTTP) + '/', { headers: { 'x-forwarded-for': '198.51.100.9' } })).json();
    expect(header(echo, 'x-forwarded-for')).toEqual(['198.51.100.9, 127.0.0.1']);
    expect(header(echo, 'x-forwarded-proto')).toEqual(['http']);
    expect(header(echo, 'x-forwarded-port')).toEqual(['80']);
    expect(header(echo, 'host')).toEqual(['127.0.0.1']);
    expect(header(echo, 'x-amzn-trace-id')[0]).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
  });

  test('§5.1 more than 30 X-Forwarded-For addresses → 463', async () => {
    const xff = Array.from({ length: 31 }, (_, i) => `10.0.0.${i}`).join(', ');
    expect((await get(sim.url(WEB_HTTP) + '/', { headers: { 'x-forwarded-for': xff } })).status).toBe(463);
    const ok = Array.from({ length: 30 }, (_, i) => `10.0.0.${i}`).join(', ');
    expect((await get(sim.url(WEB_HTTP) + '/', { headers: { 'x-forwarded-for': ok } })).status).toBe(200);
  });

  test('§5.1 request bodies stream to the target', async () => {
    const body = 'x'.repeat(200_000);
    const r = await get(sim.url(WEB_HTTP) + '/upload', {
      method: 'POST',
      body,
      headers: { 'content-type': 'text/plain' },
    });
    expect(r.json().body).toHaveLength(200_000);
  });
});
