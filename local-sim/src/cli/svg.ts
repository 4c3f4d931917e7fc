/**
 * Static SVG line charts for the HTML reports: a title, both axes with ticks, labels and units, and a
 * legend. Pure string building, no script and no network: a report opens in any browser offline.
 */

export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  /** Draw dashed (reference lines such as a theoretical figure). */
  readonly dashed?: boolean;
}

export interface ChartOptions {
  readonly title: string;
  /** Axis labels with their units, e.g. `latency (ms)`. */
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  /** Logarithmic x axis (latencies spanning decades). */
  readonly xLog?: boolean;
  readonly yMin?: number;
  readonly yMax?: number;
  /** Tick label formatting. */
  readonly xFormat?: (v: number) => string;
  readonly yFormat?: (v: number) => string;
  /** Vertical markers, e.g. timeline events. */
  readonly markers?: readonly { readonly x: number; readonly label: string }[];
  readonly width?: number;
  readonly height?: number;
}

/** Colours that stay apart for the colour-blind (Okabe–Ito), then greys. */
export const PALETTE = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#CC79A7',
  '#E69F00',
  '#56B4E9',
  '#F0E442',
  '#000000',
  '#999999',
  '#666666',
];

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

const fmt = (v: number): string =>
  Math.abs(v) >= 1000 ? v.toLocaleString('en-US', { maximumFractionDigits: 0 }) : String(Number(v.toPrecision(3)));

export function lineChart(o: ChartOptions): string {
  const W = o.width ?? 720;
  const H = o.height ?? 320;
  const left = 70;
  const right = 20;
  const top = 36;
  // legend columns as wide as the longest name (about 7 px a character at 12 px)
  const longest = Math.max(1, ...o.series.map((x) => x.name.length));
  const columns = Math.max(1, Math.min(4, Math.floor((W - left - right) / (longest * 7 + 36))));
  const legendRows = Math.ceil(o.series.length / columns);
  const bottom = 52 + legendRows * 18;
  const pw = W - left - right;
  const ph = H - top - bottom;
  const all = o.series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]).filter((x) => !o.xLog || x > 0);
  const ys = all.map((p) => p[1]);
  let xLo = xs.length ? Math.min(...xs) : 0;
  let xHi = xs.length ? Math.max(...xs) : 1;
  if (xHi === xLo) xHi = xLo + 1;
  const yLo = o.yMin ?? Math.min(0, ...ys);
  let yHi = o.yMax ?? (ys.length ? Math.max(...ys) : 1);
  if (yHi <= yLo) yHi = yLo + 1;
  const tx = o.xLog
    ? (() => {
        xLo = Math.max(xLo, 1e-3);
        const a = Math.log10(xLo);
        const b = Math.log10(Math.max(xHi, xLo * 10));
        return (x: number) => left + ((Math.log10(Math.max(x, xLo)) - a) / (b - a)) * pw;
      })()
    : (x: number) => left + ((x - xLo) / (xHi - xLo)) * pw;
  const ty = (y: number) => top + ph - ((y - yLo) / (yHi - yLo)) * ph;
  const xTicks = o.xLog
    ? (() => {
        const out: number[] = [];
        for (let e = Math.floor(Math.log10(xLo)); 10 ** e <= Math.max(xHi, xLo * 10) * 1.0001; e++)
          for (const m of [1, 2, 5]) {
            const v = m * 10 ** e;
            if (v >= xLo && v <= Math.max(xHi, xLo * 10)) out.push(Number(v.toPrecision(6)));
          }
        return out;
      })()
    : niceTicks(xLo, xHi);
  const yTicks = niceTicks(yLo, yHi);
  const xf = o.xFormat ?? fmt;
  const yf = o.yFormat ?? fmt;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeXml(o.title)}" font-family="system-ui, sans-serif" font-size="12">`,
    `<title>${escapeXml(o.title)}</title>`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="15" font-weight="600">${escapeXml(o.title)}</text>`,
  );
  for (const t of yTicks) {
    const y = ty(t).toFixed(1);
    parts.push(
      `<line x1="${left}" x2="${left + pw}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`,
      `<text x="${left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeXml(yf(t))}</text>`,
    );
  }
  for (const t of xTicks) {
    const x = tx(t).toFixed(1);
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${top}" y2="${top + ph}" stroke="#f0f0f0"/>`,
      `<text x="${x}" y="${top + ph + 16}" text-anchor="middle">${escapeXml(xf(t))}</text>`,
    );
  }
  parts.push(
    `<line x1="${left}" x2="${left}" y1="${top}" y2="${top + ph}" stroke="#333"/>`,
    `<line x1="${left}" x2="${left + pw}" y1="${top + ph}" y2="${top + ph}" stroke="#333"/>`,
    `<text x="${left + pw / 2}" y="${top + ph + 34}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`,
    `<text transform="translate(16 ${top + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(o.yLabel)}</text>`,
  );
  for (const m of o.markers ?? []) {
    if (m.x < xLo || m.x > xHi) continue;
    const x = tx(m.x).toFixed(1);
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${top}" y2="${top + ph}" stroke="#888" stroke-dasharray="2 3"/>`,
      `<text x="${x}" y="${top - 4}" text-anchor="middle" font-size="10" fill="#555">${escapeXml(m.label)}</text>`,
    );
  }
  o.series.forEach((s, i) => {
    const colour = PALETTE[i % PALETTE.length];
    const pts = s.points.filter((p) => !o.xLog || p[0] > 0);
    if (pts.length > 0) {
      const d = pts.map((p, j) => `${j === 0 ? 'M' : 'L'}${tx(p[0]).toFixed(1)},${ty(p[1]).toFixed(1)}`).join('');
      parts.push(
        `<path d="${d}" fill="none" stroke="${colour}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="6 4"' : ''}><title>${escapeXml(s.name)}</title></path>`,
      );
    }
    const lx = left + (i % columns) * (pw / columns);
    const ly = top + ph + 50 + Math.floor(i / columns) * 18;
    parts.push(
      `<line x1="${lx}" x2="${lx + 18}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="3"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      `<text x="${lx + 24}" y="${ly}" dominant-baseline="middle">${escapeXml(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
