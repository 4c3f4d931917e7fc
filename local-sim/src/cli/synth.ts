/**
 * Synthesizing a user's CDK project the way the CDK CLI does, without needing the CLI: run the `app`
 * command of its `cdk.json` with `CDK_OUTDIR` and `CDK_CONTEXT_JSON` set, then read the cloud assembly
 * it wrote. This is the protocol between the CDK CLI and every CDK app (aws-cdk-lib's `App` reads both
 * variables), so any language and any build setup the user's `cdk synth` runs works here too.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { SimulatorError } from '../errors';

/** The folder `ha-sim` keeps its state in, inside the project (assembly, endpoints). */
export const STATE_DIR = '.sim';
/** Where `ha-sim start` writes the project's assembly. */
export const ASSEMBLY_DIR = path.join(STATE_DIR, 'cdk.out');

/** What a project's `cdk.json` says, as far as ha-sim needs it. */
export interface CdkProject {
  readonly dir: string;
  readonly app: string;
  readonly context: Readonly<Record<string, unknown>>;
  /** `cdk.json` "watch" settings (the same ones `cdk watch` reads). */
  readonly watch: { readonly include: readonly string[]; readonly exclude: readonly string[] };
}

function readJson(file: string): Record<string, unknown> | undefined {
  if (!existsSync(file)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SimulatorError('SIM_BAD_OPTION', `${file} is not valid JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SimulatorError('SIM_BAD_OPTION', `${file} must hold a JSON object`);
  }
  return value as Record<string, unknown>;
}

function strings(value: unknown, what: string): string[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.some((v) => typeof v !== 'string')) {
    throw new SimulatorError('SIM_BAD_OPTION', `${what} must be a string or an array of strings`);
  }
  return list as string[];
}

/**
 * Read `dir/cdk.json` (and `cdk.context.json`, `~/.cdk.json`): the app command, the context, and the
 * watch settings. Returns undefined when `dir` has no `cdk.json`.
 */
export function readCdkProject(dir: string, home = homedir()): CdkProject | undefined {
  const file = path.join(dir, 'cdk.json');
  const config = readJson(file);
  if (!config) return undefined;
  if (typeof config.app !== 'string' || config.app.trim() === '') {
    throw new SimulatorError('SIM_BAD_OPTION', `${file} has no "app" command (e.g. "app": "node dist/app.js")`);
  }
  // The same precedence as the CDK CLI: the project's cdk.json over cdk.context.json over ~/.cdk.json.
  const context = {
    ...((readJson(path.join(home, '.cdk.json'))?.context as object | undefined) ?? {}),
    ...(readJson(path.join(dir, 'cdk.context.json')) ?? {}),
    ...((config.context as object | undefined) ?? {}),
  };
  const watch = (config.watch ?? {}) as Record<string, unknown>;
  return {
    dir,
    app: config.app,
    context,
    watch: {
      include: strings(watch.include, `${file} "watch.include"`) ?? ['**'],
      exclude: strings(watch.exclude, `${file} "watch.exclude"`) ?? [],
    },
  };
}

/** A missing-context entry of a manifest: a lookup the app needs and could not do. */
interface MissingContext {
  readonly key: string;
  readonly provider: string;
}

/** The assembly's warnings (`Annotations.addWarningV2`) and missing lookups, read from its manifest. */
export interface AssemblySummary {
  readonly stacks: number;
  readonly warnings: readonly string[];
  readonly missing: readonly MissingContext[];
}

interface ManifestShape {
  readonly artifacts?: Record<
    string,
    {
      readonly type?: string;
      readonly metadata?: Record<string, readonly { readonly type?: string; readonly data?: unknown }[]>;
      readonly properties?: { readonly directoryName?: string };
    }
  >;
  readonly missing?: readonly MissingContext[];
}

export function summarizeAssembly(dir: string): AssemblySummary {
  const manifest = (readJson(path.join(dir, 'manifest.json')) ?? {}) as ManifestShape;
  let stacks = 0;
  const warnings: string[] = [];
  const missing: MissingContext[] = [...(manifest.missing ?? [])];
  for (const artifact of Object.values(manifest.artifacts ?? {})) {
    if (artifact.type === 'aws:cloudformation:stack') stacks++;
    if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
      const nested = summarizeAssembly(path.join(dir, artifact.properties.directoryName));
      stacks += nested.stacks;
      warnings.push(...nested.warnings);
      missing.push(...nested.missing);
    }
    for (const [constructPath, entries] of Object.entries(artifact.metadata ?? {})) {
      for (const e of entries) {
        if (e.type === 'aws:cdk:warning') warnings.push(`${constructPath}: ${String(e.data)}`);
      }
    }
  }
  return { stacks, warnings, missing };
}

/** What `synthesize` needs beyond the project. */
export interface SynthOptions {
  /** Output directory (absolute or relative to the project). */
  readonly outDir: string;
  /** Extra context (`--context key=value`), above everything else. */
  readonly context?: Readonly<Record<string, unknown>>;
  /** The environment the app runs with (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Run the project's app once and return the assembly directory with a summary. Fails with
 * SIM_SYNTH_FAILED (the last lines of the app's output included) when the app exits non-zero or writes
 * no assembly, or when it needs context lookups that only `cdk synth` with AWS credentials can do.
 */
export async function synthesize(
  project: CdkProject,
  options: SynthOptions,
): Promise<AssemblySummary & { dir: string }> {
  const outDir = path.resolve(project.dir, options.outDir);
  const appAsDir = path.resolve(project.dir, project.app);
  // "app" may name an assembly directory instead of a command (the CDK CLI accepts that too).
  if (existsSync(path.join(appAsDir, 'manifest.json'))) return { dir: appAsDir, ...summarizeAssembly(appAsDir) };

  rmSync(path.join(outDir, 'manifest.json'), { force: true });
  mkdirSync(outDir, { recursive: true });
  const baseEnv = options.env ?? process.env;
  const context = {
    // what the CDK CLI adds by default: construct paths in the templates (the simulator names things by them)
    'aws:cdk:enable-path-metadata': true,
    'aws:cdk:enable-asset-metadata': true,
    'aws:cdk:bundling-stacks': ['**'],
    ...project.context,
    ...options.context,
  };
  const env: NodeJS.ProcessEnv = {
    ...baseEnv,
    CDK_OUTDIR: outDir,
    CDK_CONTEXT_JSON: JSON.stringify(context),
    // aws-cdk-lib's built-in template validation adds seconds to every synthesis and changes nothing the
    // simulator reads; `cdk synth` still runs it. Set CDK_VALIDATION yourself to keep it.
    CDK_VALIDATION: baseEnv.CDK_VALIDATION ?? 'false',
  };
  const region = baseEnv.AWS_REGION ?? baseEnv.AWS_DEFAULT_REGION;
  if (region && !baseEnv.CDK_DEFAULT_REGION) env.CDK_DEFAULT_REGION = region;

  const output: string[] = [];
  const code = await new Promise<number | string>((resolve, reject) => {
    const child = spawn(project.app, { cwd: project.dir, env, shell: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer): void => {
      output.push(chunk.toString());
      if (output.length > 400) output.splice(0, output.length - 400);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (exitCode, signal) => resolve(exitCode ?? signal ?? 'unknown'));
  });
  const tail = output.join('').trimEnd().split('\n').slice(-15).join('\n');
  if (code !== 0) {
    throw new SimulatorError(
      'SIM_SYNTH_FAILED',
      `"${project.app}" exited with ${code} in ${project.dir}`,
      tail ? { detail: tail } : undefined,
    );
  }
  if (!existsSync(path.join(outDir, 'manifest.json'))) {
    throw new SimulatorError(
      'SIM_SYNTH_FAILED',
      `"${project.app}" wrote no cloud assembly to ${outDir} (does the app call app.synth()?)`,
    );
  }
  const summary = summarizeAssembly(outDir);
  if (summary.missing.length > 0) {
    const keys = summary.missing.map((m) => `${m.provider} (${m.key})`).join(', ');
    throw new SimulatorError(
      'SIM_SYNTH_FAILED',
      `the app needs context lookups that need AWS credentials: ${keys}. Run "cdk synth" once with credentials so that cdk.context.json holds them, or put the values in cdk.json "context".`,
    );
  }
  return { dir: outDir, ...summary };
}
