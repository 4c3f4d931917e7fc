/**
 * Lambda target groups, live (docs/aws-behaviour.md §5.2, §5.4): the simulator runs Node.js handlers of
 * the assembly locally (the asset folder in cdk.out, or inline code) with the ALB event and response
 * formats; what the load balancer answers itself (413, 502) is ELB-generated; functions that cannot run
 * locally are reported at start-up and answered 502.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Simulator } from '../../src/index';
import type { LambdaFailureReport } from '../../src/live/lambda-target';
import type { AccessLogEntry } from '../../src/core/access-log';
import { albTemplate, forward, IDS, STACK } from '../model/fixtures';
import { get } from './helpers';

const HANDLER = `
exports.handler = async (event, context) => {
  if (event.path === '/throw') throw new Error('boom');
  if (event.path === '/slow') await new Promise((r) => setTimeout(r, 10000));
  if (event.path === '/bad') return 'not a response';
  if (event.path === '/big') return { statusCode: 200, body: 'x'.repeat(1100000) };
  if (event.path === '/binary')
    return { statusCode: 200, headers: { 'content-type': 'image/png' }, body: Buffer.from([1, 2, 3]).toString('base64'), isBase64Encoded: true };
  console.log('invoked', event.path);
  return {
    statusCode: 200,
    statusDescription: '200 OK',
    headers: { 'content-type': 'application/json', 'x-fn': context.functionName },
    multiValueHeaders: { 'content-type': ['application/json'], 'x-multi': ['a', 'b'] },
    body: JSON.stringify({ event, greeting: process.env.GREETING }),
  };
};
`;

const fn = (logicalId: string, props: Record<string, unknown>, metadata: Record<string, unknown> = {}) => ({
  Type: 'AWS::Lambda::Function',
  Properties: { Role: 'arn:aws:iam::123456789012:role/x', Timeout: 1, ...props },
  Metadata: { 'aws:cdk:path': `${STACK}/${logicalId}/Resource`, ...metadata },
});

const lambdaTg = (target: string, attributes: Record<string, string | boolean> = {}) => ({
  props: {
    TargetType: 'lambda',
    Port: undefined,
    Protocol: undefined,
    Targets: [{ Id: { 'Fn::GetAtt': [target, 'Arn'] } }],
  },
  attributes,
  targets: undefined,
});

const rule = (priority: number, pattern: string, tg: string) => ({
  priority,
  conditions: [{ Field: 'path-pattern', Values: [pattern] }],
  actions: [forward(tg)],
});

let dir: string;
let sim: Simulator | undefined;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ha-sim-lambda-test-'));
  fs.mkdirSync(path.join(dir, 'asset.echo'));
  fs.writeFileSync(path.join(dir, 'asset.echo', 'index.js'), HANDLER);
  const template = albTemplate({
    targetGroups: {
      Fn: lambdaTg('Echo'),
      Multi: lambdaTg('Echo', { 'lambda.multi_value_headers.enabled': true }),
      Py: lambdaTg('Py'),
      Inline: lambdaTg('Inline'),
    },
    rules: [rule(1, '/multi*', 'Multi'), rule(2, '/py', 'Py'), rule(3, '/inline', 'Inline')],
    extraResources: {
      Echo: fn(
        'Echo',
        {
          Runtime: 'nodejs20.x',
          Handler: 'index.handler',
          Code: { S3Bucket: 'cdk-assets', S3Key: 'echo.zip' },
          Environment: { Variables: { GREETING: 'hello' } },
        },
        { 'aws:asset:path': 'asset.echo', 'aws:asset:property': 'Code' },
      ),
      Py: fn('Py', { Runtime: 'python3.12', Handler: 'app.handler', Code: { ZipFile: 'def handler(e, c): pass' } }),
      Inline: fn('Inline', {
        Runtime: 'nodejs18.x',
        Handler: 'index.handler',
        Code: { ZipFile: "exports.handler = async () => ({ statusCode: 202, body: 'inline' });" },
      }),
    } as never,
  });
  fs.writeFileSync(path.join(dir, `${STACK}.template.json`), JSON.stringify(template));
  fs.writeFileSync(
    path.join(dir, 'manifest.json'),
    JSON.stringify({
      version: '36.0.0',
      artifacts: {
        [STACK]: {
          type: 'aws:cloudformation:stack',
          environment: 'aws://unknown-account/unknown-region',
          properties: { templateFile: `${STACK}.template.json` },
        },
      },
    }),
  );
});

afterAll(async () => {
  await sim?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function started(): Promise<Simulator> {
  sim ??= await Simulator.start(dir, { ports: 0 });
  return sim;
}

describe('live: Lambda targets (§5.2, §5.4)', () => {
  test('the model names the function that cannot run locally (start-up issue)', async () => {
    const s = await started();
    expect(s.model.issues).toContainEqual(
      expect.objectContaining({
        what: `Lambda function ${STACK}-Py`,
        why: 'runtime python3.12 cannot run locally (only Node.js runtimes); requests forwarded to it get 502',
      }),
    );
    expect(s.describeTargetHealth(IDS.tg('Fn'))).toEqual([
      {
        Target: { Id: `arn:aws:lambda:us-east-1:123456789012:function:${STACK}-Echo`, Port: 0 },
        HealthCheckPort: '0',
        TargetHealth: {
          State: 'unavailable',
          Reason: 'Target.HealthCheckDisabled',
          Description: 'Health checks are disabled',
        },
      },
    ]);
  });

  test('§5.4 the ALB event reaches the handler (single-value headers, query as sent); its result is the response', async () => {
    const s = await started();
    const r = await get(`${s.url(IDS.listener)}/echo?a=1&a=2&b=x%20y`, { headers: { 'x-repeat': ['one', 'two'] } });
    expect(r.status).toBe(200);
    expect(r.headers['x-fn']).toBe(`${STACK}-Echo`);
    expect(r.headers['x-multi']).toBeUndefined();
    const { event, greeting } = JSON.parse(r.body);
    expect(greeting).toBe('hello');
    expect(event).toMatchObject({
      httpMethod: 'GET',
      path: '/echo',
      queryStringParameters: { a: '2', b: 'x%20y' },
      isBase64Encoded: false,
      body: '',
      requestContext: {
        elb: { targetGroupArn: expect.stringMatching(/^arn:aws:elasticloadbalancing:.*:targetgroup\//) },
      },
    });
    expect(event.headers).toMatchObject({
      'x-repeat': 'two',
      'x-forwarded-proto': 'http',
      'x-forwarded-for': '127.0.0.1',
    });
    expect(event.multiValueHeaders).toBeUndefined();
  });

  test('§5.4 lambda.multi_value_headers.enabled: every value in, multiValueHeaders out', async () => {
    const s = await started();
    const r = await get(`${s.url(IDS.listener)}/multi?a=1&a=2`, { headers: { 'x-repeat': ['one', 'two'] } });
    expect(r.status).toBe(200);
    expect(r.headers['x-multi']).toBe('a, b');
    const { event } = JSON.parse(r.body);
    expect(event.multiValueQueryStringParameters).toEqual({ a: ['1', '2'] });
    expect(event.multiValueHeaders['x-repeat']).toEqual(['one', 'two']);
    expect(event.headers).toBeUndefined();
  });

  test('§5.4 a binary request body arrives base64-encoded; a base64 response body is decoded', async () => {
    const s = await started();
    const posted = await get(`${s.url(IDS.listener)}/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: 'abc',
    });
    expect(JSON.parse(posted.body).event).toMatchObject({
      body: Buffer.from('abc').toString('base64'),
      isBase64Encoded: true,
    });
    const binary = await get(`${s.url(IDS.listener)}/binary`);
    expect([binary.status, binary.headers['content-type'], Buffer.from(binary.body, 'latin1')]).toEqual([
      200,
      'image/png',
      Buffer.from([1, 2, 3]),
    ]);
  });

  test('inline code (Code.ZipFile) runs as index.js', async () => {
    const s = await started();
    const r = await get(`${s.url(IDS.listener)}/inline`);
    expect([r.status, r.body]).toEqual([202, 'inline']);
  });

  test.each([
    ['/throw', 'LambdaUnhandled', 'Error: boom'],
    ['/bad', 'LambdaInvalidResponse', 'the result is not an object'],
    ['/big', 'LambdaResponseTooLarge', 'the response JSON is larger than 1 MB'],
    ['/slow', 'LambdaTimeout', 'Task timed out after 1.00 seconds'],
    ['/py', 'LambdaNotRunnable', 'runtime python3.12 cannot run locally (only Node.js runtimes)'],
  ])('§5.4 %s → 502 from the load balancer (%s)', async (p, reason, detail) => {
    const s = await started();
    const reported = new Promise<LambdaFailureReport>((resolve) => s.once('lambda-error', resolve));
    const r = await get(`${s.url(IDS.listener)}${p}`);
    expect(r.status).toBe(502);
    expect(r.headers.server).toBe('awselb/2.0');
    expect(await reported).toMatchObject({ reason, detail });
  });

  test('§5.2 a request body over 1 MB (Content-Length) → 413 from the load balancer, the function is not invoked', async () => {
    const s = await started();
    const logged = new Promise<AccessLogEntry>((resolve) => s.once('access-log', (_l, e) => resolve(e)));
    const r = await get(`${s.url(IDS.listener)}/echo`, { method: 'POST', body: 'x'.repeat(1024 * 1024 + 1) });
    expect(r.status).toBe(413);
    expect(r.headers.server).toBe('awselb/2.0');
    // generated by the load balancer: no target status, no target processing time
    const entry = await logged;
    expect([entry.elbStatusCode, entry.targetStatusCode, entry.targetProcessingTime]).toEqual([413, undefined, -1]);
  });

  test('§5.4 a WebSocket upgrade to a Lambda target → 400', async () => {
    const s = await started();
    const r = await get(`${s.url(IDS.listener)}/echo`, {
      headers: { connection: 'upgrade', upgrade: 'websocket', 'sec-websocket-key': 'x', 'sec-websocket-version': '13' },
    });
    expect(r.status).toBe(400);
  });
});
