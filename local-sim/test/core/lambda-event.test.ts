/** The ALB ↔ Lambda event and response formats (docs/aws-behaviour.md §5.2, §5.4). */
import { albLambdaEvent, albLambdaResponse, healthCheckEvent, isTextContentType } from '../../src/core/lambda-event';

const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/fn/0123456789abcdef';
const request = (over: Partial<Parameters<typeof albLambdaEvent>[0]> = {}) => ({
  method: 'GET',
  target: '/items?id=7&tag=a&tag=b%20c&flag',
  headers: [
    ['Host', 'www.example.com'],
    ['X-Custom', 'one'],
    ['x-custom', 'two'],
    ['X-Forwarded-For', '203.0.113.9'],
  ] as [string, string][],
  body: new Uint8Array(),
  ...over,
});

describe('Lambda event (§5.4)', () => {
  test('single-value: lower-case header names, the last value of a repeated header or parameter, query not decoded', () => {
    const made = albLambdaEvent(request(), { targetGroupArn: TG, multiValueHeaders: false });
    expect(made).toEqual({
      kind: 'event',
      event: {
        requestContext: { elb: { targetGroupArn: TG } },
        httpMethod: 'GET',
        path: '/items',
        queryStringParameters: { id: '7', tag: 'b%20c', flag: '' },
        headers: { host: 'www.example.com', 'x-custom': 'two', 'x-forwarded-for': '203.0.113.9' },
        body: '',
        isBase64Encoded: false,
      },
    });
  });

  test('lambda.multi_value_headers.enabled: every value, in multiValueHeaders and multiValueQueryStringParameters only', () => {
    const made = albLambdaEvent(request(), { targetGroupArn: TG, multiValueHeaders: true });
    expect(made).toEqual({
      kind: 'event',
      event: {
        requestContext: { elb: { targetGroupArn: TG } },
        httpMethod: 'GET',
        path: '/items',
        multiValueQueryStringParameters: { id: ['7'], tag: ['a', 'b%20c'], flag: [''] },
        multiValueHeaders: {
          host: ['www.example.com'],
          'x-custom': ['one', 'two'],
          'x-forwarded-for': ['203.0.113.9'],
        },
        body: '',
        isBase64Encoded: false,
      },
    });
  });

  test.each([
    ['text/plain; charset=utf-8', false],
    ['application/json', false],
    ['application/javascript', false],
    ['application/xml', false],
    ['image/png', true],
    ['application/octet-stream', true],
    [undefined, true],
  ])('a body of content type %s is base64-encoded: %s', (contentType, base64) => {
    const body = Buffer.from('héllo');
    const headers: [string, string][] = contentType ? [['content-type', contentType]] : [];
    const made = albLambdaEvent(request({ method: 'POST', headers, body }), {
      targetGroupArn: TG,
      multiValueHeaders: false,
    });
    if (made.kind !== 'event') throw new Error('expected an event');
    expect(made.event.isBase64Encoded).toBe(base64);
    expect(made.event.body).toBe(base64 ? body.toString('base64') : 'héllo');
    expect(isTextContentType(contentType)).toBe(!base64);
  });

  test('§5.2 a request body of 1 MB is sent; one byte more is LambdaRequestTooLarge (413)', () => {
    const options = { targetGroupArn: TG, multiValueHeaders: false };
    expect(albLambdaEvent(request({ body: new Uint8Array(1024 * 1024) }), options).kind).toBe('event');
    expect(albLambdaEvent(request({ body: new Uint8Array(1024 * 1024 + 1) }), options)).toEqual({
      kind: 'error',
      reason: 'LambdaRequestTooLarge',
    });
  });

  test('§1.1 a health-check event is a GET of the path with the checker’s user agent', () => {
    expect(
      healthCheckEvent('/health', 'ELB-HealthChecker/2.0', { targetGroupArn: TG, multiValueHeaders: false }),
    ).toEqual({
      requestContext: { elb: { targetGroupArn: TG } },
      httpMethod: 'GET',
      path: '/health',
      queryStringParameters: {},
      headers: { 'user-agent': 'ELB-HealthChecker/2.0' },
      body: '',
      isBase64Encoded: false,
    });
  });
});

describe('Lambda response (§5.4)', () => {
  test('statusCode, headers and a text body', () => {
    const r = albLambdaResponse(
      JSON.stringify({
        statusCode: 201,
        statusDescription: '201 Created',
        headers: { 'Content-Type': 'text/plain' },
        body: 'made',
      }),
      false,
    );
    expect(r).toEqual({
      kind: 'response',
      status: 201,
      headers: [['Content-Type', 'text/plain']],
      body: Buffer.from('made'),
    });
  });

  test('isBase64Encoded bodies are decoded', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
    const r = albLambdaResponse(
      JSON.stringify({ statusCode: 200, body: png.toString('base64'), isBase64Encoded: true }),
      false,
    );
    expect(r).toMatchObject({ kind: 'response', body: png });
  });

  test('multi-value headers: every value of multiValueHeaders; headers is ignored (simulator choice lambda_response_headers)', () => {
    const result = JSON.stringify({
      statusCode: 200,
      headers: { 'x-single': 'ignored' },
      multiValueHeaders: { 'set-cookie': ['a=1', 'b=2'] },
      body: '',
    });
    expect(albLambdaResponse(result, true)).toMatchObject({
      headers: [
        ['set-cookie', 'a=1'],
        ['set-cookie', 'b=2'],
      ],
    });
    expect(albLambdaResponse(result, false)).toMatchObject({ headers: [['x-single', 'ignored']] });
  });

  test.each([
    ['not JSON', 'LambdaInvalidResponse'],
    ['"a string"', 'LambdaInvalidResponse'],
    ['{"body":"no status"}', 'LambdaInvalidResponse'],
    ['{"statusCode":99}', 'LambdaInvalidResponse'],
    ['{"statusCode":200,"headers":[1]}', 'LambdaInvalidResponse'],
  ])('§5.4 %s → the load balancer’s 502 (%s)', (json, reason) => {
    expect(albLambdaResponse(json, false)).toMatchObject({ kind: 'error', reason });
  });

  test('§5.2 a response JSON over 1 MB → LambdaResponseTooLarge (502)', () => {
    const json = JSON.stringify({ statusCode: 200, body: 'x'.repeat(1024 * 1024) });
    expect(albLambdaResponse(json, false)).toMatchObject({ kind: 'error', reason: 'LambdaResponseTooLarge' });
  });
});
