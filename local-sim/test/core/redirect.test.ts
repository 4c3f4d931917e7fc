import type { RedirectActionModel } from '../../src/model/types';
import { redirectLocation, redirectStatus, type HttpRequestInfo } from '../../src/core';

const base: RedirectActionModel = {
  type: 'redirect',
  protocol: '#{protocol}',
  host: '#{host}',
  port: '#{port}',
  path: '/#{path}',
  query: '#{query}',
  statusCode: 'HTTP_301',
};

const req: HttpRequestInfo = {
  method: 'GET',
  path: '/shop/cart',
  query: 'a=1&b=2',
  headers: { host: 'www.example.com' },
  sourceIp: '198.51.100.1',
  protocol: 'http',
  port: 80,
};

describe('§4.3 redirect', () => {
  test('§4.3 HTTP → HTTPS keeps host, path and query; default port 443 omitted (simulator choice redirect_default_port)', () => {
    expect(redirectLocation({ ...base, protocol: 'HTTPS', port: '443' }, req)).toBe(
      'https://www.example.com/shop/cart?a=1&b=2',
    );
  });

  test('§4.3 #{path} expands without its leading slash', () => {
    expect(redirectLocation({ ...base, path: '/new/#{path}' }, req)).toBe(
      'http://www.example.com/new/shop/cart?a=1&b=2',
    );
  });

  test('§4.3 non-default port is written; #{host} in Path and a custom Query', () => {
    expect(
      redirectLocation(
        {
          ...base,
          host: 'other.example.com',
          port: '8443',
          protocol: 'HTTPS',
          path: '/#{host}/x',
          query: 'from=#{path}',
        },
        req,
      ),
    ).toBe('https://other.example.com:8443/www.example.com/x?from=shop/cart');
  });

  test('§4.3 empty query → no "?"', () => {
    expect(redirectLocation(base, { ...req, query: '' })).toBe('http://www.example.com/shop/cart');
  });

  test('§4.3 request host :port is not repeated (simulator choice host_header_port)', () => {
    expect(redirectLocation(base, { ...req, headers: { host: 'www.example.com:8080' }, port: 8080 })).toBe(
      'http://www.example.com:8080/shop/cart?a=1&b=2',
    );
  });

  test('§4.3 HTTP_301 → 301, HTTP_302 → 302', () => {
    expect(redirectStatus('HTTP_301')).toBe(301);
    expect(redirectStatus('HTTP_302')).toBe(302);
  });
});
