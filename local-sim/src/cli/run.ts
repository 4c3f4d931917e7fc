/**
 * `ha-sim run SCENARIO`: load a scenario file, run it in virtual time and print what clients saw:
 * requests, errors by status and cause, latency percentiles, load per target over time, and for each
 * failure of the timeline how long detection and failover took against the theoretical figures.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { SimulatorError } from '../errors';
import { parseScenario, type Scenario, type ScenarioResult } from '../virtual';

export interface RunCliOptions {
  /** The scenario file. */
  readonly scenario: string;
  /** Replaces the scenario's seed. */
  readonly seed?: number;
  /** Write the HTML report here. */
  readonly report?: string;
  /** Print the result as JSON instead of the summary. */
  readonly json: boolean;
}

/** Read and check a scenario file (relative paths in it are relative to the file). */
export function loadScenario(file: string, cwd = process.cwd()): { scenario: Scenario; dir: string } {
  const full = path.resolve(cwd, file);
  if (!existsSync(full)) throw new SimulatorError('SIM_SOURCE_NOT_FOUND', `scenario file ${full} does not exist`);
  const scenario = parseScenario(readFileSync(full, 'utf8'), file);
  return { scenario, dir: path.dirname(full) };
}

const n = (v: number): string => v.toLocaleString('en-US');
const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
const s = (v: number | undefined): string => (v === undefined ? '-' : `${Number((v / 1000).toFixed(3))} s`);

/** Eight levels of block characters: a load curve in one line of text. */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(...values);
  if (!(max > 0)) return '▁'.repeat(values.length);
  const blocks = '▁▂▃▄▅▆▇█';
  return values.map((v) => (v <= 0 ? ' ' : blocks[Math.min(7, Math.floor((v / max) * 7.999))])).join('');
}

/** The summary `ha-sim run` prints. */
export function formatRunSummary(scenario: Scenario, r: ScenarioResult): string {
  const out: string[] = [];
  out.push(`Scenario ${r.scenario}, seed ${r.seed}: ${s(r.durationMs)} of virtual time`);
  if (scenario.description) out.push(scenario.description);
  const errShare = r.requests.sent > 0 ? (100 * r.requests.errors) / r.requests.sent : 0;
  out.push(
    '',
    `Requests: ${n(r.requests.sent)} sent, ${n(r.requests.completed)} completed, ${n(r.requests.errors)} errors (${errShare.toFixed(2)} %)`,
    `Statuses: ${Object.entries(r.statuses)
      .map(([k, v]) => `${k}: ${n(v)}`)
      .join(', ')}`,
  );
  const causes = Object.entries(r.errorsByCause);
  out.push(
    causes.length > 0
      ? `Errors by status and cause: ${causes.map(([k, v]) => `${k}: ${n(v)}`).join(', ')}`
      : 'Errors by status and cause: none',
  );
  const l = r.latencyMs;
  out.push(
    `Latency (ms): mean ${ms(l.mean)}, p50 ${ms(l.p50)}, p90 ${ms(l.p90)}, p99 ${ms(l.p99)}, p99.9 ${ms(l.p999)}, max ${ms(l.max)}`,
    `Client sessions: ${n(r.sessions.total)}; sticky sessions moved to another target: ${n(r.sessions.moved)}`,
  );
  const total = r.targets.reduce((a, t) => a + t.requests, 0);
  const shown = [...r.targets].sort((a, b) => b.requests - a.requests || a.targetId.localeCompare(b.targetId));
  out.push('', `Load per target over time (${r.requestSeries.length} steps of ${s(r.bucketMs)}):`);
  const label = (t: (typeof shown)[number]) =>
    `${t.targetGroupId} ${t.targetId}:${t.port}${t.zone ? ` ${t.zone}` : ''}`;
  const width = Math.min(60, Math.max(...shown.slice(0, 12).map((t) => label(t).length), 10));
  for (const t of shown.slice(0, 12))
    out.push(
      `  ${label(t).padEnd(width)} ${n(t.requests).padStart(10)} ${((100 * t.requests) / Math.max(1, total)).toFixed(1).padStart(5)} %  ${sparkline(t.series)}`,
    );
  if (shown.length > 12) out.push(`  ... and ${n(shown.length - 12)} more targets`);
  out.push(`  ${'errors'.padEnd(width)} ${n(r.requests.errors).padStart(10)}          ${sparkline(r.errorSeries)}`);
  if (r.failures.length > 0) {
    out.push('', 'Failures: measured against the theoretical upper bound');
    for (const f of r.failures) {
      out.push(`  at ${s(f.at)}: ${f.description}`);
      if (f.theoreticalDetectMs !== undefined || f.detectedAfterMs !== undefined)
        out.push(`    detected after ${s(f.detectedAfterMs)} (theory: at most ${s(f.theoreticalDetectMs)})`);
      out.push(
        `    ${n(f.errors)} failed requests${f.lastErrorAfterMs !== undefined ? `, the last ${s(f.lastErrorAfterMs)} after` : ''}` +
          (f.theoreticalFailoverMs !== undefined
            ? ` (theory: clients fail over within ${s(f.theoreticalFailoverMs)})`
            : ''),
      );
      if (f.formula) out.push(`    theory: ${f.formula}`);
    }
  }
  if (r.dns) out.push('', `DNS answers: ${r.dns.map((d) => `${s(d.at)} ${d.answer}`).join(', ')}`);
  return out.join('\n');
}
