/**
 * §5.3 desync mitigation on a live listener, per mode: what the client receives, whether its connection
 * stays open, what the target sees, the access log's classification fields and
 * DesyncMitigationMode_NonCompliant_Request_Count.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseAccessLogRecord } from '../../src/core/access-log';
import { buildModel } from '../../src/model';
import { Simulator } from '../../src/live/simulator';
import { allHealthy, FIXTURE, raw, SITE, WEB_HTTP } from './helpers';

type Template = { Resources: Record<string, { Properties: Record<string, unknown> }> };
const template = JSON.parse(readFileSync(path.join(FIXTURE, 'LiveFixture.template.json'), 'utf8')) as Template;

function withMode(mode: 'monitor' | 'defensive' | 'strictest', extra: { Key: string; Value: string }[] = []) {
  const t = structuredClone(template);
  const attrs = t.Resources.WebLB!.Properties.LoadBalancerAttributes as { Key: string; Value: string }[];
  attrs.push({ Key: 'routing.http.desync_mitigation_mode', Value: mode }, ...extra);
  return buildModel([{ stackName: 'LiveFixture', template: t as never }]);
}

let sim: Simulator;
let logs: string[];
afterEach(() => sim?.stop());

async function start(mode: 'monitor' | 'defensive' | 'strictest'): Promise<void> {
  logs = [];
  sim = await Simulator.fromModel(withMode(mode), {
    ports: 0,
    demoBackends: 1,
    accessLog: (line) => logs.push(line),
  });
  await allHealthy(sim, SITE);
}

const nonCompliant = () => sim.metrics.snapshot().loadBalancers[Object.keys(sim.metrics.snapshot().loadBalancers)[0]!]!;
const lastLog = () => parseAccessLogRecord(logs[logs.length - 1]!);

const AMBIGUOUS =
  'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n';
const ACCEPTABLE = 'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n';
const SEVERE = 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd';
const COMPLIANT = 'GET / HTTP/1.1\r\nHost: a\r\n\r\n';

describe('§5.3 desync mitigation, live', () => {
  test('defensive (default): Ambiguous is forwarded with the body re-framed, then the connection closes', async () => {
    await start('defensive');
    const reply = await raw(sim.port(WEB_HTTP), AMBIGUOUS);
    expect(reply).toMatch(/^HTTP\/1\.1 200 /);
    expect(reply).toMatch(/\r\nconnection: close\r\n/);
    // the target saw the chunked body (Transfer-Encoding wins) and its connection closed after it
    const seen = JSON.parse(reply.split('\r\n\r\n')[1]!) as { body: string; headers: [string, string][] };
    expect(seen.body).toBe('abc');
    expect(seen.headers).toContainEqual(['connection', 'close']);
    expect(seen.headers.filter(([k]) => k === 'content-length')).toEqual([]);
    expect(lastLog()).toMatchObject({
      elb_status_code: '200',
      classification: 'Ambiguous',
      classification_reason: 'BothTeClPresent',
    });
    expect(nonCompliant().DesyncMitigationMode_NonCompliant_Request_Count).toBe(1);
  });

  test('defensive: Severe is blocked with 400 and the connection closed; no target sees it', async () => {
    await start('defensive');
    const reply = await raw(sim.port(WEB_HTTP), SEVERE);
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    expect(reply).toMatch(/\r\nconnection: close\r\n/);
    expect(lastLog()).toMatchObject({
      elb_status_code: '400',
      'target:port': '-',
      classification: 'Severe',
      classification_reason: 'MultipleContentLength',
    });
  });

  test('defensive: Acceptable is forwarded and the connection stays open; Compliant leaves the fields empty', async () => {
    await start('defensive');
    const reply = await raw(sim.port(WEB_HTTP), ACCEPTABLE + COMPLIANT, /\r\n\r\n[^]*\r\n\r\n[^]*\}[^]*\}/);
    expect(reply.match(/HTTP\/1\.1 200 /g)).toHaveLength(2);
    expect(reply).not.toMatch(/connection: close/);
    const [first, second] = logs.slice(-2).map(parseAccessLogRecord);
    expect(first).toMatchObject({ classification: 'Acceptable', classification_reason: 'GetHeadZeroContentLength' });
    expect(second).toMatchObject({ classification: '-', classification_reason: '-' });
    expect(nonCompliant().DesyncMitigationMode_NonCompliant_Request_Count).toBe(1);
  });

  test('strictest: Acceptable and Ambiguous are blocked with 400 (simulator choice desync_strictest_block)', async () => {
    await start('strictest');
    expect(await raw(sim.port(WEB_HTTP), ACCEPTABLE)).toMatch(/^HTTP\/1\.1 400 [^]*connection: close/);
    expect(await raw(sim.port(WEB_HTTP), AMBIGUOUS)).toMatch(/^HTTP\/1\.1 400 /);
    expect((await raw(sim.port(WEB_HTTP), COMPLIANT, /\r\n\r\n[^]*\}/)).startsWith('HTTP/1.1 200 ')).toBe(true);
    expect(nonCompliant().DesyncMitigationMode_NonCompliant_Request_Count).toBe(2);
  });

  test('monitor: Ambiguous and Severe are forwarded, the connection stays open; unframeable bodies still get 400', async () => {
    await start('monitor');
    const reply = await raw(sim.port(WEB_HTTP), AMBIGUOUS.replace('POST', 'PUT'), /\r\n\r\n[^]*\}/);
    expect(reply).toMatch(/^HTTP\/1\.1 200 /);
    expect(reply).not.toMatch(/connection: close/);
    // Severe, but with a framing that can be read: forwarded, re-framed with one chunked coding
    const severe = 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n';
    const forwarded = await raw(sim.port(WEB_HTTP), severe, /\r\n\r\n[^]*\}/);
    expect(forwarded).toMatch(/^HTTP\/1\.1 200 /);
    expect(JSON.parse(forwarded.split('\r\n\r\n')[1]!).body).toBe('hi');
    expect(lastLog()).toMatchObject({
      classification: 'Severe',
      classification_reason: 'MultipleTransferEncodingChunked',
    });
    // differing Content-Length values: no length to forward with (simulator choice desync_unframeable)
    expect(await raw(sim.port(WEB_HTTP), SEVERE)).toMatch(/^HTTP\/1\.1 400 /);
  });
});
