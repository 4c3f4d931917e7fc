/**
 * Turning what a user passes to `Simulator.start` into a model: a cloud-assembly directory (`cdk.out`),
 * an aws-cdk-lib `App` / `Stage` / `Stack` synthesized in-process, or an already built `SimModel`.
 * The simulator reads templates only; it never imports the construct library.
 */
import { existsSync } from 'node:fs';
import { AssemblyError, buildModel, readAssemblyDirectory, type SimModel, type StackTemplate } from '../model';
import { regionOfEnvironment } from '../model/assembly';
import { SimulatorError } from '../errors';

/** What `Simulator.start` accepts. */
export type SimulatorSource =
  /** A cloud-assembly directory (`cdk.out`). */
  | string
  /** An aws-cdk-lib `App`, `Stage` or `Stack` (synthesized in-process), or an already built model. */
  | object;

function isModel(x: object): x is SimModel {
  return Array.isArray((x as SimModel).loadBalancers) && Array.isArray((x as SimModel).targetGroups);
}

/**
 * In-process synthesis does not write `aws:cdk:path` metadata unless the app enables it, so construct
 * paths (what users pass to `sim.url('Stack/Lb/Http')`) are added from the construct tree.
 */
function withPathMetadata(
  cdk: typeof import('aws-cdk-lib'),
  stack: import('aws-cdk-lib').Stack,
  template: unknown,
): StackTemplate['template'] {
  const t = template as { Resources?: Record<string, { Metadata?: Record<string, unknown> }> };
  if (!t.Resources) return template as StackTemplate['template'];
  const paths = new Map<string, string>();
  for (const c of stack.node.findAll()) {
    if (cdk.CfnResource.isCfnResource(c) && cdk.Stack.of(c) === stack) {
      paths.set(stack.resolve(c.logicalId) as string, c.node.path);
    }
  }
  const resources: Record<string, unknown> = {};
  for (const [id, r] of Object.entries(t.Resources)) {
    const p = paths.get(id);
    resources[id] =
      p && r.Metadata?.['aws:cdk:path'] === undefined ? { ...r, Metadata: { ...r.Metadata, 'aws:cdk:path': p } } : r;
  }
  return { ...t, Resources: resources } as StackTemplate['template'];
}

/**
 * `stage.synth()` without aws-cdk-lib's built-in template validation, which adds seconds to a
 * synthesis (too long for a jest hook with the default 5 s timeout) and changes nothing the simulator
 * reads. It is skipped only when the user has not set `CDK_VALIDATION` themselves.
 */
function synthWithoutValidation(stage: import('aws-cdk-lib').Stage): ReturnType<import('aws-cdk-lib').Stage['synth']> {
  if (process.env.CDK_VALIDATION !== undefined) return stage.synth();
  process.env.CDK_VALIDATION = 'false';
  try {
    return stage.synth();
  } finally {
    delete process.env.CDK_VALIDATION;
  }
}

/** Read the stack templates of a source (directory, App/Stage, Stack). */
export function templatesOf(source: string | object): StackTemplate[] {
  if (typeof source === 'string') {
    if (!existsSync(source)) {
      throw new SimulatorError(
        'SIM_SOURCE_NOT_FOUND',
        `cloud assembly directory "${source}" does not exist (run cdk synth first)`,
      );
    }
    try {
      return readAssemblyDirectory(source);
    } catch (err) {
      if (err instanceof AssemblyError) {
        throw new SimulatorError(
          err.code === 'SIM_ASSEMBLY_NOT_FOUND' ? 'SIM_SOURCE_NOT_FOUND' : 'SIM_SOURCE_INVALID',
          err.message,
          {
            cause: err,
          },
        );
      }
      throw err;
    }
  }
  // aws-cdk-lib is loaded lazily: a directory source does not need it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cdk = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
  const stacks: import('aws-cdk-lib').Stack[] = cdk.Stack.isStack(source)
    ? [source]
    : cdk.Stage.isStage(source)
      ? source.node.findAll().filter((c): c is import('aws-cdk-lib').Stack => cdk.Stack.isStack(c))
      : [];
  if (cdk.Stack.isStack(source) || cdk.Stage.isStage(source)) {
    const out: StackTemplate[] = [];
    for (const stack of stacks) {
      const stage = cdk.Stage.of(stack);
      if (!stage)
        throw new SimulatorError('SIM_SOURCE_INVALID', `stack ${stack.node.path} is not part of an App or Stage`);
      // Stage.synth() caches its assembly, so synthesizing per stack costs one synthesis per stage.
      const artifact = synthWithoutValidation(stage).getStackArtifact(stack.artifactId);
      const region = regionOfEnvironment(`aws://x/${artifact.environment.region}`);
      out.push({
        stackName: artifact.stackName,
        template: withPathMetadata(cdk, stack, artifact.template),
        ...(region ? { region } : {}),
        assemblyDirectory: artifact.assembly.directory,
      });
    }
    return out;
  }
  throw new SimulatorError(
    'SIM_SOURCE_INVALID',
    'source must be a cloud-assembly directory, an aws-cdk-lib App/Stage/Stack, or a SimModel',
  );
}

/** Build the model of a source. */
export function modelOf(source: SimulatorSource): SimModel {
  if (typeof source === 'object' && isModel(source)) return source;
  return buildModel(templatesOf(source));
}
