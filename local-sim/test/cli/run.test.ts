import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli';
import { parseCli } from '../../src/cli/args';
import { sparkline } from '../../src/cli/run';
import type { ScenarioResult } from '../../src/virtual';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'live', 'cdk.out');

async function run(argv: string[], cwd?: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t + '\n'), err: (t) => (err += t + '\n') }, cwd);
  return { code, out, err };
}

/** A scenario on the fixture assembly: three Site targets, one fails at 20 s. */
const SCENARIO = `
name: fixture-failure
app:
  assembly: ${JSON.stringify(FIXTURE)}
seed: 3
duration: 60s
warmup: 1s
workload: { loadBalancer: LiveFixture/Web, listener: 80, rate: 100, clients: 50, sessionLength: 5 }
targets:
  LiveFixture/Web/Site:
    list: [{ id: 10.0.0.1 }, { id: 10.0.0.2 }, { id: 10.0.0.3 }]
    latency: { lognormal: { median: 10ms, sigma: 0.4 } }
timeline:
  - at: 20s
    fail: { targetGroup: LiveFixture/Web/Site, targets: [10.0.0.2] }
`;

describe('ha-sim run SCENARIO (in-process)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ha-sim-run-'));
    writeFileSync(path.join(dir, 's.yaml'), SCENARIO);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('§1.4 prints requests, errors by cause, percentiles, load per target and detection against theory', async () => {
    const r = await run(['run', 's.yaml'], dir);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Scenario fixture-failure, seed 3: 60 s of virtual time');
    expect(r.out).toMatch(/Requests: [\d,]+ sent, [\d,]+ completed, [\d,]+ errors/);
    expect(r.out).toMatch(/Errors by status and cause: 502 connect_refused: \d+/);
    expect(r.out).toMatch(/Latency \(ms\): mean [\d.]+, p50 [\d.]+, p90 [\d.]+, p99 [\d.]+, p99\.9 [\d.]+, max [\d.]+/);
    expect(r.out).toMatch(/LiveFixture\/Web\/Site 10\.0\.0\.2:\d+ +[\d,]+ +[\d.]+ %  [▁-█ ]{60}/);
    // fixture health checks: 5 s interval × 2 unhealthy threshold
    expect(r.out).toContain('at 20 s: fail 10.0.0.2 of LiveFixture/Web/Site (refuse)');
    expect(r.out).toMatch(/detected after [\d.]+ s \(theory: at most 10 s\)/);
    expect(r.out).toContain('theory: 5 s interval × 2 unhealthy threshold (§1.4)');
  });

  test('--json prints the result; the same seed gives the same bytes, --seed changes them', async () => {
    const a = await run(['run', 's.yaml', '--json'], dir);
    const b = await run(['run', 's.yaml', '--json'], dir);
    expect(a.code).toBe(0);
    expect(b.out).toBe(a.out);
    const result = JSON.parse(a.out) as ScenarioResult;
    expect(result.seed).toBe(3);
    expect(result.requests.sent).toBe(result.requests.completed);
    const [failure] = result.failures;
    expect(failure.detectedAfterMs).toBeLessThanOrEqual(failure.theoreticalDetectMs!);
    const c = await run(['run', 's.yaml', '--json', '--seed', '4'], dir);
    expect((JSON.parse(c.out) as ScenarioResult).seed).toBe(4);
    expect(c.out).not.toBe(a.out);
  });

  test('--report writes one offline HTML file with titled charts and axes with units', async () => {
    const r = await run(['run', 's.yaml', '--report', 'out/report.html'], dir);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Report written to out/report.html');
    const html = readFileSync(path.join(dir, 'out', 'report.html'), 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    for (const title of ['Latency CDF', 'Load per target over time', 'Errors over time'])
      expect(html).toContain(`<title>${title}</title>`);
    for (const axis of [
      'latency (ms, log scale)',
      'requests at or below (%)',
      'virtual time (s)',
      'requests per second',
      'failed requests per second',
    ])
      expect(html).toContain(`>${axis}</text>`);
    expect(html).toContain('5 s interval × 2 unhealthy threshold');
  });

  test('a bad scenario file: one SIM_SCENARIO_INVALID line naming the key, exit 2', async () => {
    writeFileSync(path.join(dir, 'bad.yaml'), SCENARIO.replace('rate: 100', 'rate: fast'));
    const r = await run(['run', 'bad.yaml'], dir);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain('SIM_SCENARIO_INVALID: bad.yaml: workload.rate: must be a number from 0');
    expect(r.out).toBe('');
  });

  test('a timeline naming an unknown target fails before running, exit 2', async () => {
    writeFileSync(path.join(dir, 'typo.yaml'), SCENARIO.replace('targets: [10.0.0.2]', 'targets: [10.0.0.9]'));
    const r = await run(['run', 'typo.yaml'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      'SIM_SCENARIO_INVALID: scenario fixture-failure: timeline[0]: target group LiveFixture/Web/Site has no target "10.0.0.9"',
    );
  });

  test('a missing scenario file → SIM_SOURCE_NOT_FOUND, exit 2; CDK_OUT replaces the scenario app', async () => {
    const missing = await run(['run', 'nope.yaml'], dir);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('SIM_SOURCE_NOT_FOUND: scenario file');
    writeFileSync(path.join(dir, 'noapp.yaml'), SCENARIO.replace(/app:\n {2}assembly: .*\n/, ''));
    const r = await run(['run', 'noapp.yaml', FIXTURE, '--json'], dir);
    expect(r.code).toBe(0);
  });

  test('usage: run needs a scenario; start options are refused; --help documents run', async () => {
    expect(() => parseCli(['run'])).toThrow('SIM_BAD_OPTION: run needs a SCENARIO file');
    expect(() => parseCli(['run', 's.yaml', '--demo-backends', '2'])).toThrow(
      '--demo-backends cannot be used with "run"',
    );
    expect(() => parseCli(['run', 's.yaml', '--rps', '2'])).toThrow('--rps cannot be used with "run"');
    expect(() => parseCli(['start', '--report', 'x.html'])).toThrow('--report cannot be used with "start"');
    const help = await run(['--help']);
    expect(help.out).toContain('ha-sim run SCENARIO [CDK_OUT] [options]');
    expect(help.out).toContain('--report FILE');
  });

  test('sparkline: eight levels, blank for zero', () => {
    expect(sparkline([0, 1, 2, 4, 8])).toBe(' ▁▂▄█');
    expect(sparkline([0, 0])).toBe('▁▁');
  });
});

describe('ha-sim compare --report / --scenario', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ha-sim-compare-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('the report has the latency CDF per algorithm, load per target, errors over time and keys moved', async () => {
    const file = path.join(dir, 'compare.html');
    const r = await run([
      'compare',
      FIXTURE,
      '--target-group',
      'LiveFixture/Web/Site',
      '--requests',
      '600',
      '--report',
      file,
    ]);
    expect(r.code).toBe(0);
    const html = readFileSync(file, 'utf8');
    for (const title of [
      'Latency CDF per algorithm',
      'Errors over time per algorithm',
      'Load per target: round_robin',
      'Load per target: least_connections (not AWS)',
      'Keys moved when one of n targets leaves',
    ])
      expect(html).toContain(`<title>${title}</title>`);
    expect(html).toContain('>client keys moved (%)</text>');
    expect(html).toContain('>targets before one leaves (n)</text>');
    // AWS's algorithms first, the others marked
    const order = [...html.matchAll(/<tr><td>([a-z_]+)/g)].map((m) => m[1]);
    expect(order.slice(0, 3)).toEqual(['round_robin', 'least_outstanding_requests', 'weighted_random']);
    expect(html).toContain('weighted_round_robin <span class="notaws">not AWS</span>');
  });

  test('--scenario takes the workload, targets and algorithms of a scenario file', async () => {
    writeFileSync(
      path.join(dir, 'c.yaml'),
      `
name: hetero
app: { assembly: ${JSON.stringify(FIXTURE)} }
duration: 20s
warmup: 1s
workload: { loadBalancer: LiveFixture/Web, listener: 80, rate: 300, clients: 100 }
targets:
  LiveFixture/Web/Site:
    list:
      - { id: 10.0.0.1, latency: 10ms, concurrency: 4 }
      - { id: 10.0.0.2, latency: 10ms, concurrency: 4 }
      - { id: 10.0.0.3, latency: 40ms, concurrency: 1 }
compare: { targetGroup: LiveFixture/Web/Site, algorithms: [round_robin, least_outstanding_requests] }
`,
    );
    const r = await run(['compare', '--scenario', 'c.yaml', '--json'], dir);
    expect(r.err).toBe('');
    const rows = JSON.parse(r.out) as { algorithm: string; perTarget: Record<string, number> }[];
    expect(rows.map((x) => x.algorithm)).toEqual(['round_robin', 'least_outstanding_requests']);
    expect(rows[1].perTarget['10.0.0.3']).toBeLessThan(rows[0].perTarget['10.0.0.3']);
  });
});
