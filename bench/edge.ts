/**
 * CPU cost of the request path without sockets: parse a request, run it through the exchange (admit,
 * rules, balancing, headers), parse a target's response, relay it and record the exchange. Prints µs of
 * CPU per request; the socket work comes on top (see bench/run.ts for the whole proxy).
 *
 *   npx tsx bench/edge.ts [requests]
 */
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { createEngine } from '../local-sim/src/core/engine';
import { ListenerEdge } from '../local-sim/src/core/exchange';
import { Metrics } from '../local-sim/src/core/metrics';
import { exchangeRecorder } from '../local-sim/src/core/record';
import { Http1Parser, responseFraming, type RequestHead, type ResponseHead } from '../local-sim/src/core/http1';
import { bodyFraming } from '../local-sim/src/core/desync';
import { randomHex } from '../local-sim/src/live/random-hex';
import { modelOf } from '../local-sim/src/live/source';
import { HaLoadBalancer, ListenerAction, TargetKind } from '../lib';

void path;
const app = new App({
  context: { 'availability-zones:account=123456789012:region=us-east-1': ['us-east-1a', 'us-east-1b'] },
});
const stack = new Stack(app, 'Bench', { env: { account: '123456789012', region: 'us-east-1' } });
const lb0 = new HaLoadBalancer(stack, 'Web', { vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 }) });
const site = lb0.addTargetGroup('Site', {
  port: 8080,
  targetKind: TargetKind.IP,
  healthCheck: { interval: Duration.seconds(30) },
});
lb0.addHttpListener('Http', { port: 8000, defaultAction: ListenerAction.forward([site]) });

const model = modelOf(stack);
const engine = createEngine(model, {
  clock: { now: () => Date.now() },
  random: { next: Math.random },
  cookieKey: 'k',
  registerTemplateTargets: false,
});
const tg = model.targetGroups[0]!;
engine.registerTargets(
  tg.id,
  [9101, 9102, 9103].map((port) => ({ id: '127.0.0.1', port })),
);
for (const p of engine.probeDue()) engine.probeResult(p.probeId, { kind: 'response', status: 200 });
const metrics = new Metrics();
const edge = new ListenerEdge({
  engine,
  loadBalancer: model.loadBalancers[0]!,
  listener: model.listeners[0]!,
  clock: { now: () => performance.timeOrigin + performance.now() },
  randomHex,
  loadBalancerDimension: 'app/web/1',
  targetGroup: () => ({
    model: tg,
    dimension: 'targetgroup/site/1',
    arn: 'arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/site/1',
  }),
  recorder: exchangeRecorder(metrics, { active: () => false, write: () => undefined }),
});
const request = Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nUser-Agent: wrk\r\n\r\n', 'latin1');
const response = Buffer.from(
  'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\nDate: Tue, 01 Dec 2026 01:00:00 GMT\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n{"ok":true}',
  'latin1',
);
const limits = { startLineBytes: 16384, headBytes: 90000 };

function once(): void {
  let head: RequestHead | undefined;
  new Http1Parser<RequestHead>('request', limits, {
    onHead: (h) => ((head = h), bodyFraming(h.headers) ?? { kind: 'none' }),
    onBody() {},
    onEnd() {},
    onError() {},
  }).execute(request);
  const ex = edge.begin({
    method: head!.method,
    target: head!.target,
    httpVersion: '1.1',
    headers: head!.headers,
    client: { address: '127.0.0.1', port: 5555 },
    rawVersion: head!.version,
  });
  if (ex.step.kind !== 'forward') {
    throw new Error(`not forwarded: ${ex.step.kind === 'respond' ? ex.step.response.status : ex.step.kind}`);
  }
  let up = `${ex.step.upstream.method} ${ex.step.upstream.path} HTTP/1.1\r\n`;
  for (const [k, v] of ex.step.upstream.headers) up += `${k}: ${v}\r\n`;
  let rh: ResponseHead | undefined;
  new Http1Parser<ResponseHead>('response', limits, {
    onHead: (h) => ((rh = h), responseFraming('GET', h)!),
    onBody() {},
    onEnd() {},
    onError() {},
  }).execute(response);
  const r = ex.upstreamResponse(rh!.status, rh!.headers);
  if (r.kind !== 'relay') throw new Error('not relayed');
  let out = `HTTP/1.1 ${r.status} OK\r\n`;
  for (const [k, v] of r.headers) out += `${k}: ${v}\r\n`;
  ex.finish({ receivedBytes: request.length, sentBytes: 11 });
  void [up, out];
}

const n = Number(process.argv[2] ?? 200_000);
for (let i = 0; i < 20_000; i++) once();
const t0 = process.cpuUsage();
for (let i = 0; i < n; i++) once();
const d = process.cpuUsage(t0);
console.log(
  `request path without sockets: ${((d.user + d.system) / n).toFixed(2)} µs of CPU per request (${n} requests)`,
);
