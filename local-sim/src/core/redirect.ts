/**
 * Redirect actions (docs/aws-behaviour.md §4.3): build the `Location` from `RedirectConfig` and the request.
 * Placeholders: `#{protocol}`, `#{host}`, `#{port}`, `#{path}` (without its leading `/`), `#{query}`
 * (without `?`). Default ports are omitted (simulator choice `redirect_default_port`).
 */
import type { RedirectActionModel } from '../model/types';
import { requestHostName } from './rules';
import type { HttpRequestInfo } from './types';

const DEFAULT_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443 };

export function redirectStatus(code: RedirectActionModel['statusCode']): 301 | 302 {
  return code === 'HTTP_301' ? 301 : 302;
}

export function redirectLocation(config: RedirectActionModel, req: HttpRequestInfo): string {
  const vars: Record<string, string> = {
    protocol: req.protocol.toUpperCase(),
    host: requestHostName(req) ?? '',
    port: String(req.port),
    path: req.path.replace(/^\//, ''),
    query: req.query,
  };
  const sub = (text: string, allowed: readonly string[]) =>
    text.replace(/#\{(protocol|host|port|path|query)\}/g, (m, name: string) =>
      allowed.includes(name) ? vars[name] : m,
    );
  const protocol = sub(config.protocol, ['protocol']).toLowerCase();
  const host = sub(config.host, ['host']);
  const port = sub(config.port, ['port']);
  const pathText = sub(config.path, ['host', 'path', 'port']);
  const query = sub(config.query, ['protocol', 'host', 'port', 'path', 'query']);
  const showPort = port !== '' && Number(port) !== DEFAULT_PORTS[protocol];
  const path = pathText.startsWith('/') ? pathText : `/${pathText}`;
  return `${protocol}://${host}${showPort ? `:${port}` : ''}${path}${query !== '' ? `?${query}` : ''}`;
}
