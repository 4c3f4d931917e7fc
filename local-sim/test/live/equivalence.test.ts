/**
 * One request mix through both shells — the live proxy on real sockets and the virtual shell on a
 * virtual clock — gives the same statuses, cookies, targets, access-log lines and metrics: both drive
 * the same exchange (core/exchange.ts), so a virtual-time test proves what the live proxy does at the
 * edge (§4, §5). Times, byte counts, ports of the client and cookie values (signed with the time) are
 * the only fields that may differ.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildModel } from '../../src/model';
import { parseAccessLogRecord, formatAccessLogLine, type AccessLogEntry } from '../../src/core/access-log';
import { Simulator } from '../../src/live/simulator';
import { DemoBackend } from '../../src/live/demo-backend';
import { VirtualSimulator, ScriptedBackend } from '../../src/virtual';
import type { HttpRequestInfo } from '../../src/core/types';
import { FIXTURE } from './helpers';

type Template = { Resources: Record<string, { Properties: Record<string, unknown> }> };
const template = JSON.parse(readFileSync(path.join(FIXTURE, 'LiveFixture.template.json'), 'utf8')) as Template;

/** One request of the mix, as raw HTTP/1.1 for the live shell and as request info for the virtual one. */
interface MixRequest {
  readonly name: string;
  readonly method?: string;
  readonly path: string;
  readonly headers?: [string, string][];
  /** Send the Cookie header the client holds for this path prefix (a cookie jar per prefix). */
  readonly jar?: string;
  /** How the site targets misbehave for this request, or how the client does. */
  readonly fault?: 'status-500' | 'refuse' | 'reset' | 'hang' | 'client-gone';
  /** Sent to the HTTPS listener (HTTP/1.1 over TLS). */
  readonly https?: boolean;
}

const XFF_31 = Array.from({ length: 31 }, (_, i) => `198.51.100.${i + 1}`).join(', ');

const MIX: readonly MixRequest[] = [
  { name: 'default action, round robin 1', path: '/' },
  { name: 'default action, round robin 2', path: '/' },
  { name: 'default action, round robin 3', path: '/' },
  { name: 'fixed response', path: '/teapot' },
  { name: 'redirect', path: '/old/a?b=1' },
  { name: 'TRACE (405)', method: 'TRACE', path: '/' },
  { name: '31 X-Forwarded-For addresses (463)', path: '/', headers: [['X-Forwarded-For', XFF_31]] },
  { name: 'lb_cookie stickiness, first request', path: '/api/x', jar: 'api' },
  { name: 'lb_cookie stickiness, with the cookie', path: '/api/x', jar: 'api' },
  { name: 'lb_cookie stickiness, again', path: '/api/y', jar: 'api' },
  { name: 'app cookie set by the target', path: '/app/x?set-cookie=SESSION%3D1', jar: 'app' },
  { name: 'app cookie not set', path: '/app/x', jar: 'app' },
  { name: 'empty target group (503)', path: '/empty/x' },
  {
    name: 'desync: differing Content-Length (Severe, 400)',
    path: '/',
    headers: [
      ['Content-Length', '1'],
      ['Content-Length', '2'],
    ],
  },
  { name: 'desync: GET with Content-Length 0 (Acceptable, forwarded)', path: '/', headers: [['Content-Length', '0']] },
  { name: 'target answers 500', path: '/', fault: 'status-500' },
  { name: 'target refuses the connection (502)', path: '/', fault: 'refuse' },
  { name: 'target resets the connection with the request outstanding (502)', path: '/', fault: 'reset' },
  { name: 'target silent for the idle timeout (504)', path: '/', fault: 'hang' },
  { name: 'client gone before the response (460)', path: '/', fault: 'client-gone' },
  { name: 'HTTP/1.1 to an HTTP2 target group (464)', path: '/stream/x', https: true },
];

interface Seen {
  readonly status: number;
  /** Set-Cookie names with their attributes, without values and Expires. */
  readonly cookies: readonly string[];
  readonly cookieValues: readonly string[];
}

function cookieShape(setCookie: string): string {
  const [nameValue, ...attrs] = setCookie.split(';').map((s) => s.trim());
  const name = nameValue!.split('=')[0];
  return [name, ...attrs.filter((a) => !/^expires=/i.test(a))].join('; ');
}

/**
 * One raw HTTP/1.1 request on a fresh connection (TLS for the HTTPS listener); status and Set-Cookie
 * headers of the reply. `gone`: resolves once the target has the request, then the client hangs up.
 */
function rawRequest(port: number, r: MixRequest, cookie?: string, gone?: Promise<void>): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const headers: [string, string][] = [['Host', 'www.example.com'], ...(r.headers ?? [])];
    if (cookie) headers.push(['Cookie', cookie]);
    const text = `${r.method ?? 'GET'} ${r.path} HTTP/1.1\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}Connection: close\r\n\r\n`;
    const s: net.Socket = r.https
      ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () =>
          s.write(text),
        )
      : net.connect(port, '127.0.0.1', () => s.write(text));
    let got = '';
    s.on('data', (c) => (got += c.toString('latin1')));
    s.on('error', reject);
    void gone?.then(() => s.destroy());
    s.on('close', () => {
      const head = got.split('\r\n\r\n')[0] ?? '';
      const status = gone ? 460 : Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
      const setCookies = [...head.matchAll(/\r\nset-cookie: ([^\r\n]*)/gi)].map((m) => m[1]!);
      resolve({
        status,
        cookies: setCookies.map(cookieShape).sort(),
        cookieValues: setCookies.map((c) => c.split(';')[0]!),
      });
    });
  });
}

/** What must agree in an access-log line: everything but times, byte counts, client port and trace id. */
function logShape(e: AccessLogEntry): Record<string, string> {
  const r: Record<string, string> = { ...parseAccessLogRecord(formatAccessLogLine(e)) };
  // times, sizes and the trace id are each shell's own; what TLS negotiated exists only on real sockets
  for (const f of [
    'time',
    'request_creation_time',
    'request_processing_time',
    'target_processing_time',
    'response_processing_time',
    'received_bytes',
    'sent_bytes',
    'trace_id',
    'ssl_cipher',
    'ssl_protocol',
  ]) {
    delete r[f];
  }
  r['client:port'] = r['client:port']!.replace(/:\d+$/, '');
  return r;
}

/** Metrics that must agree (connection counts, bytes and response times are the live shell's own). */
function metricsShape(snapshot: ReturnType<Simulator['metrics']['snapshot']>): unknown {
  const drop = new Set([
    'ActiveConnectionCount',
    'NewConnectionCount',
    'ProcessedBytes',
    'TargetResponseTime',
    'TargetResponseTimeCount',
    'HealthyHostCount',
    'UnHealthyHostCount',
  ]);
  const clean = (o: Record<string, Record<string, number | undefined>>) =>
    Object.fromEntries(
      Object.entries(o).map(([k, v]) => [
        k,
        Object.fromEntries(Object.entries(v).filter(([m, n]) => !drop.has(m) && n !== 0)),
      ]),
    );
  return { loadBalancers: clean(snapshot.loadBalancers), targetGroups: clean(snapshot.targetGroups) };
}

describe('live and virtual shells drive the same exchange (§4, §5)', () => {
  const backends: DemoBackend[] = [];
  let live: Simulator | undefined;
  afterAll(async () => {
    await live?.stop();
    await Promise.all(backends.map((b) => b.close()));
  });

  test('the same request mix gives the same statuses, cookies, targets, access-log lines and metrics', async () => {
    // Targets: two for the site, two for the sticky API, one for the app-cookie group.
    for (const name of ['site-a', 'site-b', 'api-a', 'api-b', 'app-a'])
      backends.push(await DemoBackend.start({ name, healthCheckPath: '/health' }));
    const [siteA, siteB, apiA, apiB, appA] = backends as [
      DemoBackend,
      DemoBackend,
      DemoBackend,
      DemoBackend,
      DemoBackend,
    ];
    const addr = (b: DemoBackend) => `127.0.0.1:${b.port}`;

    // Both shells: the fixture with these targets and a 1 s idle timeout (the smallest AWS allows), so
    // that a silent target gets its 504 quickly.
    const t = structuredClone(template);
    const targets = (bs: DemoBackend[]) => bs.map((b) => ({ Id: '127.0.0.1', Port: b.port }));
    t.Resources.SiteTG!.Properties.Targets = targets([siteA, siteB]);
    t.Resources.ApiTG!.Properties.Targets = targets([apiA, apiB]);
    t.Resources.AppTG!.Properties.Targets = targets([appA]);
    (t.Resources.WebLB!.Properties.LoadBalancerAttributes as unknown[]).push({
      Key: 'idle_timeout.timeout_seconds',
      Value: '1',
    });
    const model = buildModel([{ stackName: 'LiveFixture', template: t as never }]);

    // Live: the template's 5 s health-check interval; the first check runs at registration (§1.4), and the
    // whole mix takes less than one interval, so no check sees the faults below.
    const liveLog: AccessLogEntry[] = [];
    live = await Simulator.fromModel(model, {
      ports: 0,
      targets: {
        'LiveFixture/Web/Site': [addr(siteA), addr(siteB)],
        'LiveFixture/Web/Api': [addr(apiA), addr(apiB)],
        'LiveFixture/Web/App': [addr(appA)],
        'LiveFixture/Web/Empty': [],
      },
      accessLog: (_line, entry) => liveLog.push(entry),
    });
    for (const [tg, n] of [
      ['LiveFixture/Web/Site', 2],
      ['LiveFixture/Web/Api', 2],
      ['LiveFixture/Web/App', 1],
    ] as const) {
      for (let i = 0; i < n; i++) await live.waitForHealth(tg, i, 'healthy');
    }

    // Virtual: the same model, with scripted targets that answer as the demo backends do.
    const virtual = new VirtualSimulator(model, { seed: 1 });
    let fault: MixRequest['fault'];
    const demoLike = (site: boolean): ScriptedBackend =>
      new ScriptedBackend().setRequest((_now, req: HttpRequestInfo) => {
        if (site && fault === 'status-500') return { kind: 'response', status: 500, latencyMs: 1 };
        if (site && fault === 'refuse') return { kind: 'refuse' };
        if (site && fault === 'reset') return { kind: 'reset', latencyMs: 1 };
        if (site && (fault === 'hang' || fault === 'client-gone')) return { kind: 'hang' };
        const cookie = /(?:^|&)set-cookie=([^&]*)/.exec(req.query)?.[1];
        const names = cookie ? [decodeURIComponent(cookie).split('=')[0]!] : [];
        return { kind: 'response', status: 200, latencyMs: 1, setCookieNames: names };
      });
    for (const b of backends) virtual.setBackend(`127.0.0.1:${b.port}`, demoLike(b === siteA || b === siteB));
    virtual.runFor(6_000); // first health checks pass (§1.4 initial → healthy after one pass)

    const livePort = live.port('LiveFixture/Web/Http');
    const liveHttps = live.port('LiveFixture/Web/Https');
    const liveJar = new Map<string, string>();
    const virtualJar = new Map<string, string>();
    for (const r of MIX) {
      // live: the site targets misbehave just for this request
      fault = r.fault;
      const sites = [siteA, siteB];
      if (r.fault === 'status-500') for (const b of sites) b.respondWith(500);
      if (r.fault === 'refuse') for (const b of sites) await b.down();
      if (r.fault === 'reset') for (const b of sites) b.reset(true);
      if (r.fault === 'hang' || r.fault === 'client-gone') for (const b of sites) b.hang(true);
      const arrived =
        r.fault === 'client-gone'
          ? new Promise<void>((resolve) => {
              const seen = (info: { healthCheck: boolean }) => {
                if (info.healthCheck) return;
                for (const b of sites) b.off('request', seen);
                resolve();
              };
              for (const b of sites) b.on('request', seen);
            })
          : undefined;
      const seenLive = await rawRequest(
        r.https ? liveHttps : livePort,
        r,
        r.jar ? liveJar.get(r.jar) : undefined,
        arrived,
      );
      for (const b of sites) await b.recover();

      const headers: Record<string, string | string[]> = { host: 'www.example.com' };
      for (const [k, v] of r.headers ?? []) {
        const key = k.toLowerCase();
        const cur = headers[key];
        headers[key] = cur === undefined ? v : Array.isArray(cur) ? [...cur, v] : [cur, v];
      }
      const cookie = r.jar ? virtualJar.get(r.jar) : undefined;
      if (cookie) headers.cookie = cookie;
      const q = r.path.indexOf('?');
      const vr = virtual.request('LiveFixture/Web', r.https ? 'LiveFixture/Web/Https' : 'LiveFixture/Web/Http', {
        method: r.method ?? 'GET',
        path: q >= 0 ? r.path.slice(0, q) : r.path,
        query: q >= 0 ? r.path.slice(q + 1) : '',
        headers,
        sourceIp: '127.0.0.1',
        protocol: r.https ? 'https' : 'http',
      });
      if (r.fault === 'client-gone') virtual.disconnect(vr);
      virtual.runFor(2_000);
      const seenVirtual: Seen = {
        status: vr.status!,
        cookies: vr.headers
          .filter(([k]) => k === 'set-cookie')
          .map(([, v]) => cookieShape(v))
          .sort(),
        cookieValues: vr.setCookies.map((c) => c.split(';')[0]!),
      };
      expect({ request: r.name, status: seenVirtual.status, cookies: seenVirtual.cookies }).toEqual({
        request: r.name,
        status: seenLive.status,
        cookies: seenLive.cookies,
      });
      if (r.jar && seenLive.cookieValues.length > 0)
        liveJar.set(r.jar, seenLive.cookieValues.filter((c) => !c.startsWith('SESSION')).join('; '));
      if (r.jar && seenVirtual.cookieValues.length > 0) virtualJar.set(r.jar, seenVirtual.cookieValues.join('; '));
    }

    // every request left one access-log line; they agree field by field (times and sizes aside)
    expect(liveLog.map(logShape)).toEqual(virtual.accessLog.map(logShape));
    expect(liveLog).toHaveLength(MIX.length);
    expect(metricsShape(live.metrics.snapshot())).toEqual(metricsShape(virtual.metrics.snapshot()));
  }, 60_000);
});
