/**
 * Responses the load balancer generates itself (docs/aws-behaviour.md §5.4): their shape, reason phrases
 * and the body and headers they carry (`Server: awselb/2.0`, simulator choice `elb_error_page`). Used by
 * the exchange and by the edge features that answer before routing (authentication, mTLS). Pure.
 */
import type { HeaderList } from './headers';

/** A response the load balancer sends by itself. */
export interface ElbResponse {
  readonly status: number;
  readonly headers: HeaderList;
  readonly body: string;
  /** Close the client connection after this response. */
  readonly close: boolean;
}

/** Body of responses the load balancer generates itself: simulator choice `elb_error_page`. */
export function errorPage(status: number): string {
  const text = `${status} ${STATUS_TEXT[status] ?? ''}`.trim();
  return `<html>\r\n<head><title>${text}</title></head>\r\n<body>\r\n<center><h1>${text}</h1></center>\r\n</body>\r\n</html>\r\n`;
}

/** Reason phrases of the statuses the load balancer generates (and the common ones it relays). */
export const STATUS_TEXT: Readonly<Record<number, string>> = {
  100: 'Continue',
  101: 'Switching Protocols',
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  206: 'Partial Content',
  301: 'Moved Permanently',
  302: 'Found',
  304: 'Not Modified',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  418: "I'm a Teapot",
  429: 'Too Many Requests',
  460: '',
  463: '',
  464: '',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
  561: '',
};

/** A response the load balancer generates: `Server: awselb/2.0`, a body, its length (choice `elb_error_page`). */
export function elbResponse(
  status: number,
  options: { body?: string; contentType?: string; headers?: HeaderList; close?: boolean } = {},
): ElbResponse {
  const body = options.body ?? errorPage(status);
  return {
    status,
    headers: [
      ['server', 'awselb/2.0'],
      ['content-type', options.contentType ?? 'text/html'],
      ['content-length', String(Buffer.byteLength(body))],
      ...(options.headers ?? []),
    ],
    body,
    close: options.close ?? false,
  };
}
