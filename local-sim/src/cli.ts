/**
 * `ha-sim`: run the load balancers of a CDK app locally with AWS's behaviour.
 *
 *   ha-sim start [cdk.out]   (no argument in a CDK project: synthesize it through its cdk.json first)
 *   ha-sim demo [cdk.out]    start with 3 demo backends per target group ("npm run sim" in this repository)
 *   ha-sim compare [cdk.out] --target-group TG    what-if comparison of algorithms in virtual time
 *   ha-sim run SCENARIO [cdk.out]   a scenario (workload, simulated targets, failures) in virtual time
 *   ha-sim --help | --version
 *
 * Exit codes: 0 success, 1 runtime failure, 2 usage error. Every error is one line starting with its
 * code; a stack trace is printed only with HA_SIM_DEBUG=1.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { SimulatorError, type SimErrorCode } from './errors';
import { modelOf } from './live/source';
import { Simulator, type HealthChange } from './live/simulator';
import { EXIT, parseCli, USAGE, type CliArgs } from './cli/args';
import { formatComparison, runComparison } from './cli/compare';
import { compareReportHtml, runReportHtml } from './cli/html-report';
import { consoleIo, painter, Progress, ProgressBar, timeOfDay, type CliIo } from './cli/output';
import {
  awsCliLine,
  dnsChangeLine,
  formatAdmin,
  formatEndpoints,
  healthLine,
  reloadLine,
  route53HealthLine,
  summaryLine,
  zoneLine,
} from './cli/report';
import { formatRunSummary, loadScenario } from './cli/run';
import { keysMoved, runScenario, type Scenario, type ScenarioApp } from './virtual';
import { ASSEMBLY_DIR, readCdkProject, STATE_DIR, synthesize, type CdkProject } from './cli/synth';
import { watchAssembly, watchSources, type SourceWatcher } from './cli/watch';

export { formatEndpoints } from './cli/report';
export { parseCli, type CliArgs } from './cli/args';
export type { CliIo } from './cli/output';

/** Errors in what the user asked for (exit 2), as opposed to failures while running (exit 1). */
const USAGE_ERRORS: ReadonlySet<SimErrorCode> = new Set([
  'SIM_BAD_OPTION',
  'SIM_SOURCE_NOT_FOUND',
  'SIM_SOURCE_INVALID',
  'SIM_TARGET_GROUP_NOT_FOUND',
  'SIM_LISTENER_NOT_FOUND',
  'SIM_LOAD_BALANCER_NOT_FOUND',
  'SIM_AMBIGUOUS_ID',
  'SIM_NOTHING_TO_SERVE',
  'SIM_SCENARIO_INVALID',
]);

/** The version of this package, from its package.json (one folder above src/ and dist/). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** One line per error: its code and message; the stack only with HA_SIM_DEBUG=1. */
function errorLines(err: unknown, env: NodeJS.ProcessEnv): string {
  if (err instanceof SimulatorError) {
    const hint = USAGE_ERRORS.has(err.code) ? ' (see ha-sim --help)' : '';
    const detail = err.detail ? `\n${err.detail.replace(/^/gm, '  | ')}` : '';
    return `${err.message}${hint}${detail}`;
  }
  const e = err as Error;
  const debug = env.HA_SIM_DEBUG === '1' && e?.stack ? `\n${e.stack}` : '';
  return `SIM_INTERNAL: ${e?.message ?? String(err)}${debug}`;
}

function exitCodeOf(err: unknown): number {
  return err instanceof SimulatorError && USAGE_ERRORS.has(err.code) ? EXIT.usage : EXIT.runtime;
}

/** Where the assembly comes from: the argument, or the CDK project in the working directory. */
interface AssemblySource {
  readonly dir: string;
  readonly project?: CdkProject;
}

function findAssembly(
  args: CliArgs,
  cwd: string,
  app?: { readonly app?: ScenarioApp; readonly dir: string },
): AssemblySource {
  if (args.assembly !== undefined) {
    const dir = path.resolve(cwd, args.assembly);
    if (!existsSync(dir)) {
      throw new SimulatorError('SIM_SOURCE_NOT_FOUND', `cloud assembly directory ${dir} does not exist`);
    }
    return { dir };
  }
  // a scenario names its app relative to the scenario file
  if (app?.app?.assembly !== undefined) return findAssembly({ ...args, assembly: app.app.assembly }, app.dir);
  if (app?.app?.project !== undefined) {
    const projectDir = path.resolve(app.dir, app.app.project);
    const project = readCdkProject(projectDir);
    if (!project)
      throw new SimulatorError('SIM_SOURCE_NOT_FOUND', `scenario app.project: no cdk.json in ${projectDir}`);
    return { dir: path.join(projectDir, ASSEMBLY_DIR), project };
  }
  const project = readCdkProject(cwd);
  if (project) return { dir: path.join(cwd, ASSEMBLY_DIR), project };
  throw new SimulatorError(
    'SIM_SOURCE_NOT_FOUND',
    `no cdk.json in ${cwd}: run ha-sim in your CDK project, or name a cloud assembly directory (ha-sim start cdk.out)`,
  );
}

/** Synthesize the project (with progress), unless --no-synth; returns the assembly directory. */
async function prepareAssembly(src: AssemblySource, args: CliArgs, io: CliIo): Promise<string> {
  if (!src.project) return src.dir;
  if (!args.synth) {
    if (!existsSync(path.join(src.dir, 'manifest.json'))) {
      throw new SimulatorError(
        'SIM_SOURCE_NOT_FOUND',
        `--no-synth: no assembly in ${src.dir} yet; run once without it`,
      );
    }
    return src.dir;
  }
  const progress = new Progress(
    io,
    `Synthesizing "${src.project.app}" into ${path.relative(process.cwd(), src.dir) || '.'}`,
  );
  try {
    const result = await synthesize(src.project, { outDir: src.dir, context: args.context });
    progress.done(`Synthesized ${result.stacks} stack${result.stacks === 1 ? '' : 's'}`);
    if (result.warnings.length > 0 && !args.quiet) {
      io.out(`${result.warnings.length} warning${result.warnings.length === 1 ? '' : 's'} from the app:`);
      for (const w of result.warnings.slice(0, 5)) io.out(`  ${w}`);
      if (result.warnings.length > 5) io.out(`  ... and ${result.warnings.length - 5} more ("cdk synth" shows them)`);
    }
    return result.dir;
  } catch (err) {
    progress.fail();
    throw err;
  }
}

function writeReport(file: string, html: string, io: CliIo, quiet: boolean, cwd: string): void {
  const full = path.resolve(cwd, file);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, html);
  if (!quiet) io.out(`Report written to ${file}`);
}

function compare(args: CliArgs, io: CliIo, dir: string, cwd: string, scenario?: Scenario): void {
  const options = args.compare!;
  const bar = options.json ? undefined : new ProgressBar(io, 'Comparing algorithms in virtual time');
  const report = runComparison(modelOf(dir), options, scenario, bar ? (d, n) => bar.update(d, n) : undefined);
  bar?.done(`Compared ${report.rows.length} algorithms`);
  io.out(options.json ? JSON.stringify(report.rows, null, 2) : formatComparison(report));
  if (options.report)
    writeReport(
      options.report,
      compareReportHtml(report, { consistent: keysMoved('consistent_hash'), ipHash: keysMoved('ip_hash') }),
      io,
      options.json,
      cwd,
    );
}

function run(args: CliArgs, io: CliIo, dir: string, cwd: string, scenario: Scenario): void {
  const options = args.run!;
  const bar = options.json ? undefined : new ProgressBar(io, `Running scenario ${scenario.name} in virtual time`);
  const result = runScenario(modelOf(dir), scenario, {
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    onProgress: bar ? (d, n) => bar.update(d, n) : undefined,
  });
  bar?.done(
    `Ran ${result.requests.sent.toLocaleString('en-US')} requests over ${result.durationMs / 1000} s of virtual time`,
  );
  io.out(options.json ? JSON.stringify(result, null, 2) : formatRunSummary(scenario, result));
  if (options.report) writeReport(options.report, runReportHtml(scenario, result), io, options.json, cwd);
}

/** Start the simulator and keep it running until SIGINT/SIGTERM. */
async function serve(args: CliArgs, io: CliIo, src: AssemblySource, dir: string): Promise<void> {
  const paint = painter(io);
  const token = io.env.HA_SIM_ADMIN_TOKEN;
  const sim = await Simulator.start(dir, {
    ...args.options,
    ...(token !== undefined && token !== '' ? { adminToken: token } : {}),
  });
  let watcher: SourceWatcher | undefined;
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    io.out(`\n${signal}: stopping ...`);
    Promise.all([watcher?.close(), sim.stop()])
      .then(() => {
        io.out('Stopped.');
        process.exit(EXIT.ok);
      })
      .catch((err) => {
        io.err(errorLines(err, io.env));
        process.exit(EXIT.runtime);
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  sim.on('error', (err) => io.err(`[${timeOfDay()}] ${errorLines(err, io.env)}`));
  // A development tool keeps serving other clients after a bug in one request; the error is printed.
  process.on('uncaughtException', (err) => io.err(`[${timeOfDay()}] ${errorLines(err, io.env)}`));
  process.on('unhandledRejection', (err) => io.err(`[${timeOfDay()}] ${errorLines(err, io.env)}`));
  sim.on('target-output', (o) => io.out(`${paint('cyan', `[${o.name}]`)} ${o.line}`));
  sim.on('target-exit', (name, code, signal) =>
    io.out(
      `[${timeOfDay()}] ${paint('red', name)} exited (${signal ?? `code ${code}`}); its target fails health checks until it is up again`,
    ),
  );

  const endpoints = sim.endpoints();
  io.out(formatEndpoints(endpoints, paint));
  if (sim.adminUrl && sim.adminToken) io.out(formatAdmin(sim.adminUrl, sim.adminToken, sim.adminAddress?.host, paint));
  const endpointsFile =
    args.endpointsFile ??
    (args.command === 'demo' ? path.join(src.project?.dir ?? process.cwd(), STATE_DIR, 'endpoints.json') : undefined);
  const writeEndpoints = (): void => {
    if (!endpointsFile) return;
    mkdirSync(path.dirname(path.resolve(endpointsFile)), { recursive: true });
    writeFileSync(endpointsFile, JSON.stringify(sim.endpoints(), null, 2) + '\n');
  };
  if (endpointsFile) {
    writeEndpoints();
    io.out(`\nEndpoints written to ${endpointsFile}`);
  }
  const first = endpoints.loadBalancers.flatMap((lb) => lb.listeners).find((l) => l.url);
  if (first) io.out(`Try: curl -skL ${first.url}/ | head -c 400`);
  const aws = awsCliLine(endpoints);
  if (aws) io.out(`Try: ${aws}`);

  if (args.watch) {
    let busy = false;
    let again = false;
    const rebuild = async (why: string): Promise<void> => {
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      try {
        do {
          again = false;
          io.out(`[${timeOfDay()}] ${why}`);
          const next = await prepareAssembly(src, { ...args, synth: true }, io);
          const summary = await sim.reload(next);
          writeEndpoints();
          io.out(`[${timeOfDay()}] reloaded: ${reloadLine(summary)}`);
        } while (again);
      } catch (err) {
        io.err(`[${timeOfDay()}] ${errorLines(err, io.env)}; still serving the previous assembly`);
      } finally {
        busy = false;
      }
    };
    if (src.project) {
      const p = src.project;
      watcher = watchSources(
        p.dir,
        p.watch,
        [STATE_DIR, `${STATE_DIR}/**`],
        (paths) =>
          void rebuild(
            `changed: ${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ` and ${paths.length - 3} more` : ''}`,
          ),
      );
    } else {
      const assemblyArgs = { ...args, synth: false };
      watcher = watchAssembly(dir, () => {
        void (async () => {
          try {
            const summary = await sim.reload(await prepareAssembly(src, assemblyArgs, io));
            writeEndpoints();
            io.out(`[${timeOfDay()}] ${dir} changed; reloaded: ${reloadLine(summary)}`);
          } catch (err) {
            io.err(`[${timeOfDay()}] ${errorLines(err, io.env)}; still serving the previous assembly`);
          }
        })();
      });
    }
    await watcher.ready;
    io.out(`Watching ${src.project ? `${src.project.dir} (cdk.json "watch")` : `${dir}/manifest.json`} for changes.`);
  }
  io.out('Ctrl-C to stop.\n');

  if (!args.quiet) {
    sim.on('health', (c: HealthChange) => io.out(healthLine(sim, c, paint)));
    sim.on('route53-health', (c) => io.out(route53HealthLine(c, paint)));
    sim.on('dns-answer', (c) => io.out(dnsChangeLine(c, paint)));
    sim.on('zone', (c) => io.out(zoneLine(sim, c, paint)));
    // §5.4 the load balancer's 502 for a Lambda target, with the reason AWS logs
    sim.on('lambda-error', (r) =>
      io.out(`[${timeOfDay()}] Lambda ${r.functionName} (${r.targetGroupId}): 502 ${r.reason}: ${r.detail}`),
    );
    // Requests the load balancer answered by itself (gateway errors, 463, 400 ...) with their cause.
    sim.on('access-log', (_line, entry) => {
      if (!entry.simCause) return;
      const req = entry.request ? `${entry.request.method} ${entry.request.url}` : '(unparsable request)';
      io.out(`[${timeOfDay()}] ${entry.elbStatusCode} ${req}: ${entry.simCause}`);
    });
    if (args.summarySeconds > 0) {
      setInterval(() => io.out(summaryLine(sim)), args.summarySeconds * 1000).unref();
    }
  }
}

/**
 * Run the CLI. Returns the exit code, or -1 while `start`/`demo` keep serving. `io` defaults to the
 * console; tests pass their own `out`/`err` (and may leave the rest out).
 */
export async function main(
  argv: readonly string[] = process.argv.slice(2),
  io: Partial<CliIo> & Pick<CliIo, 'out' | 'err'> = consoleIo(),
  cwd: string = process.cwd(),
): Promise<number> {
  const full: CliIo = { tty: false, env: process.env, write: () => undefined, ...io };
  let args: CliArgs;
  try {
    args = parseCli(argv);
  } catch (err) {
    full.err(errorLines(err, full.env));
    return exitCodeOf(err);
  }
  if (args.command === 'help') {
    full.out(USAGE);
    return EXIT.ok;
  }
  if (args.command === 'version') {
    full.out(version());
    return EXIT.ok;
  }
  try {
    const file = args.run?.scenario ?? args.compare?.scenario;
    const loaded = file !== undefined ? loadScenario(file, cwd) : undefined;
    const src = findAssembly(args, cwd, loaded ? { app: loaded.scenario.app, dir: loaded.dir } : undefined);
    const dir = await prepareAssembly(src, args, full);
    if (args.command === 'compare') {
      compare(args, full, dir, cwd, loaded?.scenario);
      return EXIT.ok;
    }
    if (args.command === 'run') {
      run(args, full, dir, cwd, loaded!.scenario);
      return EXIT.ok;
    }
    await serve(args, full, src, dir);
    return -1; // keep running
  } catch (err) {
    full.err(errorLines(err, full.env));
    return exitCodeOf(err);
  }
}

if (require.main === module) {
  void main().then((code) => {
    if (code >= 0) process.exit(code);
  });
}
