/**
 * The ALB ↔ Lambda formats, sans I/O (docs/aws-behaviour.md §5.2, §5.4): a forwarded request becomes the
 * event the load balancer invokes a function with, and the function's JSON result becomes the response,
 * or the reason the load balancer answers 502 itself. With `lambda.multi_value_headers.enabled` the
 * event carries `multiValueHeaders` / `multiValueQueryStringParameters` (every value) and the response is
 * read from `multiValueHeaders`; without it, `headers` / `queryStringParameters` keep the last value sent.
 * Query strings are passed as sent, not percent-decoded. Bodies of text content types are sent as text,
 * others base64-encoded (`isBase64Encoded`).
 */
import { LAMBDA_TARGET_LIMITS, LAMBDA_TEXT_CONTENT_TYPES } from '@ha-load-balancer/spec';
import type { HeaderList } from './headers';

/** The event an ALB invokes a function with. */
export interface AlbLambdaEvent {
  readonly requestContext: { readonly elb: { readonly targetGroupArn: string } };
  readonly httpMethod: string;
  readonly path: string;
  readonly queryStringParameters?: Record<string, string>;
  readonly multiValueQueryStringParameters?: Record<string, string[]>;
  readonly headers?: Record<string, string>;
  readonly multiValueHeaders?: Record<string, string[]>;
  readonly body: string;
  readonly isBase64Encoded: boolean;
}

/** A request as the load balancer forwards it to a Lambda target. */
export interface LambdaRequest {
  readonly method: string;
  /** Origin form: path and query as sent. */
  readonly target: string;
  readonly headers: HeaderList;
  readonly body: Uint8Array;
}

export interface LambdaEventOptions {
  readonly targetGroupArn: string;
  /** `lambda.multi_value_headers.enabled`. */
  readonly multiValueHeaders: boolean;
}

/** Why the load balancer answers a Lambda target's request by itself (the `error_reason` of §5.5). */
export type LambdaFailure =
  'LambdaRequestTooLarge' | 'LambdaResponseTooLarge' | 'LambdaInvalidResponse' | 'LambdaUnhandled' | 'LambdaTimeout';

/** The body goes to the function as text for these content types (else base64). */
export function isTextContentType(contentType: string | undefined): boolean {
  const t = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return LAMBDA_TEXT_CONTENT_TYPES.some((p) => (p.endsWith('/') ? t.startsWith(p) : t === p));
}

/** The event for a forwarded request, or `LambdaRequestTooLarge` for a body over 1 MB (§5.2: 413). */
export function albLambdaEvent(
  request: LambdaRequest,
  options: LambdaEventOptions,
): { kind: 'event'; event: AlbLambdaEvent } | { kind: 'error'; reason: 'LambdaRequestTooLarge' } {
  if (request.body.length > LAMBDA_TARGET_LIMITS.requestBodyBytes)
    return { kind: 'error', reason: 'LambdaRequestTooLarge' };
  const q = request.target.indexOf('?');
  const path = q >= 0 ? request.target.slice(0, q) : request.target;
  const query = q >= 0 ? request.target.slice(q + 1) : '';
  const params: [string, string][] = query
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      return eq >= 0 ? [p.slice(0, eq), p.slice(eq + 1)] : [p, ''];
    });
  const headers: [string, string][] = request.headers.map(([k, v]) => [k.toLowerCase(), v]);
  const contentType = headers.find(([k]) => k === 'content-type')?.[1];
  const text = request.body.length === 0 || isTextContentType(contentType);
  const body = Buffer.from(request.body).toString(text ? 'utf8' : 'base64');
  const base = {
    requestContext: { elb: { targetGroupArn: options.targetGroupArn } },
    httpMethod: request.method,
    path,
  };
  const event: AlbLambdaEvent = options.multiValueHeaders
    ? {
        ...base,
        multiValueQueryStringParameters: grouped(params),
        multiValueHeaders: grouped(headers),
        body,
        isBase64Encoded: !text,
      }
    : {
        ...base,
        queryStringParameters: Object.fromEntries(params),
        headers: Object.fromEntries(headers),
        body,
        isBase64Encoded: !text,
      };
  return { kind: 'event', event };
}

function grouped(pairs: readonly (readonly [string, string])[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of pairs) (out[k] ??= []).push(v);
  return out;
}

/** The event of a health check (§1.1): a GET of the health-check path with the checker's user agent. */
export function healthCheckEvent(path: string, userAgent: string, options: LambdaEventOptions): AlbLambdaEvent {
  const event = albLambdaEvent(
    { method: 'GET', target: path, headers: [['user-agent', userAgent]], body: new Uint8Array() },
    options,
  );
  return (event as { event: AlbLambdaEvent }).event;
}

/** What the client gets from a function's result. */
export type LambdaResponse =
  | { readonly kind: 'response'; readonly status: number; readonly headers: HeaderList; readonly body: Buffer }
  | { readonly kind: 'error'; readonly reason: LambdaFailure; readonly detail: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The response for a function's result (its JSON text): `statusCode`, the headers of the field that
 * matches the multi-value setting (simulator choice `lambda_response_headers`), `body` (base64-decoded
 * when `isBase64Encoded`). Over 1 MB, not JSON, or without a valid `statusCode`: the load balancer's 502.
 */
export function albLambdaResponse(resultJson: string, multiValueHeaders: boolean): LambdaResponse {
  if (Buffer.byteLength(resultJson) > LAMBDA_TARGET_LIMITS.responseBytes) {
    return { kind: 'error', reason: 'LambdaResponseTooLarge', detail: 'the response JSON is larger than 1 MB' };
  }
  let result: unknown;
  try {
    result = JSON.parse(resultJson);
  } catch {
    return { kind: 'error', reason: 'LambdaInvalidResponse', detail: 'the result is not JSON' };
  }
  if (!isObject(result))
    return { kind: 'error', reason: 'LambdaInvalidResponse', detail: 'the result is not an object' };
  const status = typeof result.statusCode === 'string' ? Number(result.statusCode) : result.statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
    return { kind: 'error', reason: 'LambdaInvalidResponse', detail: 'statusCode is missing or not an HTTP status' };
  }
  const headers: [string, string][] = [];
  const field = multiValueHeaders ? result.multiValueHeaders : result.headers;
  if (field !== undefined && !isObject(field)) {
    return { kind: 'error', reason: 'LambdaInvalidResponse', detail: 'the headers are not an object' };
  }
  for (const [k, v] of Object.entries(field ?? {})) {
    if (multiValueHeaders) for (const x of Array.isArray(v) ? v : [v]) headers.push([k, String(x)]);
    else headers.push([k, String(v)]);
  }
  const bodyText =
    typeof result.body === 'string' ? result.body : result.body === undefined ? '' : JSON.stringify(result.body);
  const body = Buffer.from(bodyText, result.isBase64Encoded === true ? 'base64' : 'utf8');
  return { kind: 'response', status, headers, body };
}
