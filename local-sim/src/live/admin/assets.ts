/**
 * The dashboard's files: the page, its script and style (`local-sim/assets/dashboard/`, shipped with the
 * package) and uPlot (the chart library, an npm dependency, served from where npm installed it). Read
 * once, on first use; nothing is fetched from the network, and there is no build step.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** `local-sim/assets/dashboard`, from `src/live/admin` (tests) and `dist/live/admin` (the package) alike. */
const DASHBOARD_DIR = path.join(__dirname, '..', '..', '..', 'assets', 'dashboard');

export interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

/** URL path → where the file is. */
const FILES: Readonly<Record<string, { readonly file: () => string; readonly type: string }>> = {
  '/assets/dashboard.js': {
    file: () => path.join(DASHBOARD_DIR, 'dashboard.js'),
    type: 'text/javascript; charset=utf-8',
  },
  '/assets/dashboard.css': { file: () => path.join(DASHBOARD_DIR, 'dashboard.css'), type: 'text/css; charset=utf-8' },
  '/assets/uPlot.iife.min.js': {
    file: () => require.resolve('uplot/dist/uPlot.iife.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
  '/assets/uPlot.min.css': { file: () => require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

const cache = new Map<string, Asset>();

/** The file served at `pathname`, or undefined when there is none. */
export function asset(pathname: string): Asset | undefined {
  const f = Object.prototype.hasOwnProperty.call(FILES, pathname) ? FILES[pathname] : undefined;
  if (!f) return undefined;
  let a = cache.get(pathname);
  if (!a) cache.set(pathname, (a = { type: f.type, body: readFileSync(f.file()) }));
  return a;
}

let page: string | undefined;

/** The dashboard page with the run's admin token in its `<meta name="ha-sim-token">`. */
export function dashboardPage(token: string): string {
  page ??= readFileSync(path.join(DASHBOARD_DIR, 'index.html'), 'utf8');
  return page.replace('{{TOKEN}}', token);
}
