/**
 * Demo backends speak their target group's protocol (templates written by others, issue 9): TLS for
 * `Protocol: HTTPS`, HTTP/2 for `ProtocolVersion` HTTP2 and GRPC, gRPC health answers judged by
 * `Matcher.GrpcCode` (docs/aws-behaviour.md §1.1), and the first code of any HTTP matcher.
 *
 * Health checks every 200 ms (150 ms timeout): `healthCheckIntervalOverrideMs`, a simulator test
 * convenience and NOT AWS behaviour.
 */
import * as http2 from 'node:http2';
import { modelFromTemplate, Simulator } from '../../src/index';
import { albTemplate, forward, IDS, STACK, type AlbSpec } from '../model/fixtures';
import { allHealthy, get } from './helpers';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function start(spec: AlbSpec): Promise<Simulator> {
  sim = await Simulator.fromModel(modelFromTemplate(albTemplate(spec), STACK), {
    ports: 0,
    demoBackends: 2,
    healthCheckIntervalOverrideMs: 200,
    healthCheckTimeoutOverrideMs: 150,
  });
  return sim;
}

/** One gRPC call straight to a backend: HTTP status, grpc-status and the body's length. */
function grpcCall(url: string, path: string): Promise<{ status: number; grpcStatus?: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url, { rejectUnauthorized: false });
    session.on('error', reject);
    const req = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    let status = 0;
    let grpcStatus: string | undefined;
    let bytes = 0;
    req.on('response', (h) => {
      status = Number(h[':status']);
      if (h['grpc-status'] !== undefined) grpcStatus = String(h['grpc-status']);
    });
    req.on('trailers', (t) => (grpcStatus = String(t['grpc-status'])));
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      session.close();
      resolve({ status, grpcStatus, bytes });
    });
    req.on('error', reject);
    req.end(Buffer.alloc(5));
  });
}

describe('live: demo backends speak the target group’s protocol', () => {
  test('§1.1 an HTTPS target group gets TLS demo backends: HTTPS health checks pass and requests through the ALB answer 200', async () => {
    const s = await start({
      targetGroups: { App: { targets: [], props: { Protocol: 'HTTPS', Port: 443, HealthCheckProtocol: 'HTTPS' } } },
    });
    await allHealthy(s, IDS.tg());
    expect(s.targets(IDS.tg()).get(0).backend!.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const r = await get(s.url(IDS.listener) + '/hello');
    expect(r.status).toBe(200);
    expect(r.json().target).toMatch(/^WebAppTG#[01]$/);
  });

  test('§1.1 an HTTP2 target group gets HTTP/2 demo backends (h2 over TLS, HTTP/1.1 beside it)', async () => {
    const s = await start({
      targetGroups: { App: { targets: [], props: { Protocol: 'HTTPS', Port: 443, ProtocolVersion: 'HTTP2' } } },
    });
    const backend = s.targets(IDS.tg()).get(0).backend!;
    const direct = await new Promise<string>((resolve, reject) => {
      const session = http2.connect(backend.url, { rejectUnauthorized: false });
      session.on('error', reject);
      const req = session.request({ ':path': '/direct' });
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        session.close();
        resolve(body);
      });
      req.end();
    });
    expect(JSON.parse(direct).request).toEqual({ method: 'GET', url: '/direct', httpVersion: '2.0' });
    await allHealthy(s, IDS.tg());
  });

  test('§1.1 a GRPC target group: health checks are gRPC calls judged by Matcher.GrpcCode (default 12); failing ones turn unhealthy', async () => {
    const s = await start({
      targetGroups: {
        App: {
          targets: [],
          props: {
            Protocol: 'HTTP',
            Port: 50051,
            ProtocolVersion: 'GRPC',
            HealthCheckPath: undefined,
            Matcher: undefined,
          },
        },
      },
    });
    await allHealthy(s, IDS.tg());
    const backend = s.targets(IDS.tg()).get(0).backend!;
    // what the health check sees: the default matcher's code 12 (UNIMPLEMENTED) on /AWS.ALB/healthcheck
    expect(s.model.targetGroups[0].healthCheck).toMatchObject({ path: '/AWS.ALB/healthcheck', successCodes: [12] });
    // a gRPC call to another method: OK with an empty message (h2c, prior knowledge)
    expect(await grpcCall(backend.url, '/demo.Echo/Say')).toEqual({ status: 200, grpcStatus: '0', bytes: 5 });
    await s.targets(IDS.tg()).get(0).failHealthChecks();
    await s.waitForHealth(IDS.tg(), 0, 'unhealthy');
    expect(s.targets(IDS.tg()).get(0).health()!.TargetHealth.Reason).toBe('Target.ResponseCodeMismatch');
  });

  test('§1.1 a GrpcCode matcher that excludes 12: healthy backends answer its first code', async () => {
    const s = await start({
      targetGroups: {
        App: {
          targets: [],
          props: { Protocol: 'HTTP', Port: 50051, ProtocolVersion: 'GRPC', Matcher: { GrpcCode: '0' } },
        },
      },
    });
    await allHealthy(s, IDS.tg());
  });

  test('§1.1 an HttpCode matcher other than 200: demo backends answer its first code to health checks', async () => {
    const s = await start({ targetGroups: { App: { targets: [], props: { Matcher: { HttpCode: '301,302' } } } } });
    await allHealthy(s, IDS.tg());
    await s.targets(IDS.tg()).get(1).failHealthChecks();
    await s.waitForHealth(IDS.tg(), 1, 'unhealthy');
  });

  test('§1.1 a target group behind a rule keeps HTTP/1.1 demo backends when its version is HTTP1', async () => {
    const s = await start({
      targetGroups: { App: { targets: [] }, Other: { targets: [] } },
      rules: [
        { priority: 1, conditions: [{ Field: 'path-pattern', Values: ['/other'] }], actions: [forward('Other')] },
      ],
    });
    await allHealthy(s, IDS.tg('Other'));
    expect((await get(s.url(IDS.listener) + '/other')).json().request.httpVersion).toBe('1.1');
  });
});
