import * as https from 'node:https';
import * as tls from 'node:tls';
import * as http2 from 'node:http2';
import { Agent, WebSocket } from 'undici';
import type { Simulator } from '../../src/index';
import { parseAccessLogRecord } from '../../src/core/access-log';
import { allHealthy, EDGE_HTTP, get, raw, SITE, startFixture, STREAM, WEB_HTTP, WEB_HTTPS } from './helpers';

let sim: Simulator;
let logs: string[];

beforeEach(async () => {
  logs = [];
  sim = await startFixture({ accessLog: (line) => logs.push(line), adminPort: 0 });
  await allHealthy(sim, SITE);
});

afterEach(async () => {
  await sim.stop();
});

describe('malformed input and limits (docs/aws-behaviour.md §5.2, §5.4)', () => {
  test('§5.4 a malformed request gets 400 and the listener keeps serving', async () => {
    const reply = await raw(sim.port(WEB_HTTP), 'THIS IS NOT HTTP\r\n\r\n');
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    expect((await get(sim.url(WEB_HTTP) + '/')).status).toBe(200);
    expect(logs.some((l) => parseAccessLogRecord(l).request === '- - - ')).toBe(true);
  });

  test('§5.2 a request line over 16 KB → 414', async () => {
    const r = await get(sim.url(WEB_HTTP) + '/' + 'a'.repeat(17 * 1024));
    expect(r.status).toBe(414);
  });

  test('§5.2 a single header over 16 KB → 400', async () => {
    const r = await get(sim.url(WEB_HTTP) + '/', { headers: { 'x-big': 'b'.repeat(17 * 1024) } });
    expect(r.status).toBe(400);
    expect((await get(sim.url(WEB_HTTP) + '/')).status).toBe(200);
  });

  test('§5.2 an unsupported Transfer-Encoding → 501', async () => {
    const reply = await raw(
      sim.port(WEB_HTTP),
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n',
      /\r\n\r\n/,
    );
    expect(reply).toMatch(/^HTTP\/1\.1 501 /);
  });

  test('§5.4 a request not completed within the idle timeout (1 s on the Edge ALB) → 408', async () => {
    const started = Date.now();
    const reply = await raw(sim.port(EDGE_HTTP), 'GET / HTTP/1.1\r\nHost: x\r\n', /\r\n\r\n/);
    expect(reply).toMatch(/^HTTP\/1\.1 408 /);
    // within a second of the bound
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('§5.4 HTTP/2 preface on an HTTP/1 listener → 505; Transfer-Encoding with Content-Length is forwarded and the connection closed', async () => {
    expect(await raw(sim.port(WEB_HTTP), 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', /\r\n\r\n/)).toMatch(/^HTTP\/1\.1 505 /);
    // §5.3 defensive (the default): Ambiguous (BothTeClPresent) is forwarded, then the connection is closed
    const both = 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n';
    const reply = await raw(sim.port(WEB_HTTP), both);
    expect(reply).toMatch(/^HTTP\/1\.1 200 /);
    expect(reply).toMatch(/\r\nconnection: close\r\n/i);
  });

  test('§5.4 TRACE → 405', async () => {
    expect((await get(sim.url(WEB_HTTP) + '/', { method: 'TRACE' })).status).toBe(405);
  });
});

describe('HTTPS and WebSockets (docs/aws-behaviour.md §5.1, §3.4)', () => {
  test('§5.1 HTTPS listener terminates TLS; X-Forwarded-Proto https, port 443, x-amzn-tls-* headers', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get(sim.url(WEB_HTTPS) + '/', { rejectUnauthorized: false, agent: false }, (res) => {
          let s = '';
          res.on('data', (c) => (s += c));
          res.on('end', () => resolve(s));
        })
        .on('error', reject);
    });
    const echo = JSON.parse(body) as { headers: Array<[string, string]> };
    const h = (n: string) => echo.headers.filter(([k]) => k.toLowerCase() === n).map(([, v]) => v);
    expect(h('x-forwarded-proto')).toEqual(['https']);
    expect(h('x-forwarded-port')).toEqual(['443']);
    // routing.http.x_amzn_tls_version_and_cipher_suite.enabled is on in the fixture.
    expect(h('x-amzn-tls-version')[0]).toMatch(/^TLSv1\.[23]$/);
    expect(h('x-amzn-tls-cipher-suite')[0]).toMatch(/^[A-Z0-9_-]+$/);
    const rec = parseAccessLogRecord(logs[logs.length - 1]);
    expect(rec.type).toBe('https');
    expect(rec.ssl_protocol).toMatch(/^TLSv1\.[23]$/);
  });

  test('SslPolicy ELBSecurityPolicy-TLS13-1-2-2021-06 refuses a TLS 1.1 client with a protocol_version alert', async () => {
    const err = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      const s = tls.connect({
        port: sim.port(WEB_HTTPS),
        host: '127.0.0.1',
        rejectUnauthorized: false,
        minVersion: 'TLSv1.1',
        maxVersion: 'TLSv1.1',
        // the client really offers TLS 1.1 (OpenSSL 3 would not at its default security level)
        ciphers: 'DEFAULT@SECLEVEL=0',
      });
      s.on('secureConnect', () => {
        s.destroy();
        resolve(undefined);
      });
      s.on('error', (e) => resolve(e));
    });
    // the server's alert, not the client's own refusal
    expect(err?.code).toBe('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
  });

  test('§5.2 HTTP/2 from clients on the HTTPS listener goes to targets as HTTP/1.1; logged as h2', async () => {
    const session = http2.connect(sim.url(WEB_HTTPS), { rejectUnauthorized: false });
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const req = session.request({ ':path': '/h2?x=1', 'x-test': 'yes' });
        let s = '';
        req.on('data', (c) => (s += c));
        req.on('end', () => resolve(s));
        req.on('error', reject);
      });
      const echo = JSON.parse(body) as {
        request: { httpVersion: string; url: string };
        headers: Array<[string, string]>;
      };
      expect(echo.request).toMatchObject({ httpVersion: '1.1', url: '/h2?x=1' });
      const h = (n: string) => echo.headers.filter(([k]) => k.toLowerCase() === n).map(([, v]) => v);
      expect(h('host')).toEqual(['127.0.0.1']);
      expect(h('x-test')).toEqual(['yes']);
      expect(h('x-forwarded-proto')).toEqual(['https']);
      expect(echo.headers.some(([k]) => k.startsWith(':'))).toBe(false);
      expect(parseAccessLogRecord(logs[logs.length - 1]).type).toBe('h2');
    } finally {
      session.close();
    }
  });

  test('§5.4 HTTP/1.1 request to a ProtocolVersion HTTP2 target group → 464 from the ALB; HTTP/2 is forwarded', async () => {
    await allHealthy(sim, STREAM);
    const lb = Object.keys(sim.metrics.snapshot().loadBalancers).find((k) => k.startsWith('app/WebLB/'))!;
    const elb4xx = () => sim.metrics.snapshot().loadBalancers[lb].HTTPCode_ELB_4XX_Count ?? 0;
    const before = elb4xx();
    const reply = await new Promise<{ status: number; server?: string }>((resolve, reject) => {
      https
        .get(sim.url(WEB_HTTPS) + '/stream/x', { rejectUnauthorized: false, agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, server: String(res.headers.server) }));
        })
        .on('error', reject);
    });
    expect(reply).toEqual({ status: 464, server: 'awselb/2.0' });
    const rec = parseAccessLogRecord(logs[logs.length - 1]);
    expect(rec.elb_status_code).toBe('464');
    expect(rec.target_status_code).toBe('-');
    expect(rec['target:port']).toBe('-');
    expect(rec.target_group_arn).toMatch(/:targetgroup\/StreamTG\//);
    expect(elb4xx()).toBe(before + 1);

    const session = http2.connect(sim.url(WEB_HTTPS), { rejectUnauthorized: false });
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = session.request({ ':path': '/stream/x' });
        let s = 0;
        req.on('response', (h) => (s = Number(h[':status'])));
        req.on('data', () => undefined);
        req.on('end', () => resolve(s));
        req.on('error', reject);
      });
      expect(status).toBe(200);
    } finally {
      session.close();
    }
  });

  test.each([
    ['one header over 16 KB', { 'x-big': 'b'.repeat(17 * 1024) }, 400],
    [
      'three 12 KB headers (36 KB in total, under 64 KB)',
      { 'x-a': 'a'.repeat(12 * 1024), 'x-b': 'b'.repeat(12 * 1024), 'x-c': 'c'.repeat(12 * 1024) },
      200,
    ],
  ])('§5.2 HTTP/1.1 on the HTTPS listener: %s', async (_name, headers, expected) => {
    const status = await new Promise<number>((resolve, reject) => {
      https
        .get(sim.url(WEB_HTTPS) + '/', { rejectUnauthorized: false, agent: false, headers }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', reject);
    });
    expect(status).toBe(expected);
  });

  test('§3.4 WebSocket over TLS (wss) passes through to one target', async () => {
    const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
    const ws = new WebSocket(sim.url(WEB_HTTPS).replace('https:', 'wss:') + '/ws', { dispatcher });
    const message = await new Promise<string>((resolve, reject) => {
      ws.addEventListener('open', () => ws.send('secure'));
      ws.addEventListener('message', (e) => resolve(String(e.data)));
      ws.addEventListener('error', () => reject(new Error('websocket error')));
    });
    expect(message).toMatch(/^echo:SiteTG#\d:secure$/);
    await new Promise<void>((resolve) => {
      ws.addEventListener('close', () => resolve());
      ws.close();
    });
    await dispatcher.close();
  });

  test('§3.4 WebSocket upgrade passes through to one target', async () => {
    const ws = new WebSocket(sim.url(WEB_HTTP).replace('http:', 'ws:') + '/ws');
    const message = await new Promise<string>((resolve, reject) => {
      ws.addEventListener('open', () => ws.send('hello'));
      ws.addEventListener('message', (e) => resolve(String(e.data)));
      ws.addEventListener('error', () => reject(new Error('websocket error')));
    });
    expect(message).toMatch(/^echo:SiteTG#\d:hello$/);
    await new Promise<void>((resolve) => {
      ws.addEventListener('close', () => resolve());
      ws.close();
    });
  });
});

describe('metrics and admin port (docs/aws-behaviour.md §5.6)', () => {
  test('§5.6 /metrics renders AWS metric names with the LoadBalancer dimension', async () => {
    await get(sim.url(WEB_HTTP) + '/');
    const text = (await get(sim.adminUrl + '/metrics')).body;
    expect(text).toMatch(/aws_applicationelb_RequestCount\{LoadBalancer="app\/WebLB\/[0-9a-f]{16}"\} 1/);
    expect(text).toMatch(/aws_applicationelb_HealthyHostCount\{TargetGroup="targetgroup\/SiteTG\/[0-9a-f]{16}"\} 3/);
  });

  test('admin port serves the dashboard page to browsers (with the run token) and JSON to others', async () => {
    const html = await get(sim.adminUrl + '/', { headers: { accept: 'text/html' } });
    expect(html.headers['content-type']).toMatch(/text\/html/);
    expect(html.body).toContain(`<meta name="ha-sim-token" content="${sim.adminToken}" />`);
    expect(html.body).toContain('<script src="/assets/dashboard.js" defer></script>');
    const state = (await get(sim.adminUrl + '/api/state')).json<{ targetGroups: Array<{ id: string }> }>();
    expect(state.targetGroups.map((t) => t.id)).toContain(SITE);
    const json = (await get(sim.adminUrl + '/stats')).json<{ targetGroups: Array<{ id: string }> }>();
    expect(json.targetGroups.map((t) => t.id)).toContain(SITE);
    expect((await get(sim.adminUrl + '/')).json<{ targetGroups: unknown[] }>().targetGroups).toEqual(json.targetGroups);
  });

  test('admin control path fails a demo backend health check (POST with the token)', async () => {
    const r = await get(`${sim.adminUrl}/_sim/targets/${encodeURIComponent(SITE)}/0/fail-health`, {
      method: 'POST',
      headers: { 'x-ha-sim-token': sim.adminToken! },
    });
    expect(r.status).toBe(200);
    await sim.waitForHealth(SITE, 0, 'unhealthy');
  });
});
