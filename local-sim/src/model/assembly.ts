/**
 * Reading templates from a cloud assembly: a `cdk.out` directory (its `manifest.json`) or an in-process
 * `CloudAssembly` (`app.synth()`). Every artifact of type `aws:cloudformation:stack` is read, including
 * those of nested assemblies (CDK stages).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildModel } from './build';
import type { CfnTemplate, SimModel, StackTemplate } from './types';

interface ManifestArtifact {
  readonly type?: string;
  readonly displayName?: string;
  /** `aws://<account>/<region>`; `unknown-region` for environment-agnostic stacks. */
  readonly environment?: string;
  readonly properties?: {
    readonly templateFile?: string;
    readonly stackName?: string;
    readonly directoryName?: string;
  };
}

/** Thrown when an assembly directory cannot be read; `code` is stable for callers. */
export class AssemblyError extends Error {
  constructor(
    readonly code: 'SIM_ASSEMBLY_NOT_FOUND' | 'SIM_ASSEMBLY_INVALID',
    message: string,
  ) {
    super(message);
    this.name = 'AssemblyError';
  }
}

/** The Region of `aws://<account>/<region>`, unless it is CDK's `unknown-region` placeholder. */
export function regionOfEnvironment(environment: string | undefined): string | undefined {
  const region = /^aws:\/\/[^/]*\/([a-z0-9-]+)$/.exec(environment ?? '')?.[1];
  return region && region !== 'unknown-region' ? region : undefined;
}

/** Stack templates of a cloud-assembly directory (`cdk.out`). */
export function readAssemblyDirectory(dir: string): StackTemplate[] {
  const manifestPath = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestPath)) {
    throw new AssemblyError('SIM_ASSEMBLY_NOT_FOUND', `No manifest.json in ${dir}; run "cdk synth" first.`);
  }
  let manifest: { artifacts?: Record<string, ManifestArtifact> };
  try {
    manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  } catch (err) {
    throw new AssemblyError('SIM_ASSEMBLY_INVALID', `Cannot parse ${manifestPath}: ${(err as Error).message}`);
  }
  const out: StackTemplate[] = [];
  for (const [artifactId, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type === 'aws:cloudformation:stack' && artifact.properties?.templateFile) {
      const file = path.join(dir, artifact.properties.templateFile);
      let template: CfnTemplate;
      try {
        template = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch (err) {
        throw new AssemblyError('SIM_ASSEMBLY_INVALID', `Cannot read template ${file}: ${(err as Error).message}`);
      }
      const region = regionOfEnvironment(artifact.environment);
      out.push({
        stackName: artifact.properties.stackName ?? artifactId,
        template,
        ...(region ? { region } : {}),
        assemblyDirectory: dir,
      });
    } else if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
      out.push(...readAssemblyDirectory(path.join(dir, artifact.properties.directoryName)));
    }
  }
  return out;
}

/** Model of every stack in a cloud-assembly directory. */
export function modelFromAssemblyDirectory(dir: string): SimModel {
  return buildModel(readAssemblyDirectory(dir));
}

/** The part of aws-cdk-lib's `CloudAssembly` the model needs (so the simulator does not import CDK). */
export interface InProcessAssembly {
  readonly stacks: readonly {
    readonly stackName: string;
    readonly template: unknown;
    readonly environment?: { readonly region?: string };
    readonly assembly?: { readonly directory?: string };
  }[];
  readonly nestedAssemblies?: readonly { readonly nestedAssembly: InProcessAssembly }[];
}

/** Model of an in-process assembly, e.g. `modelFromCloudAssembly(app.synth())`. */
export function modelFromCloudAssembly(assembly: InProcessAssembly): SimModel {
  const collect = (a: InProcessAssembly): StackTemplate[] => [
    ...a.stacks.map((s) => {
      const region = regionOfEnvironment(s.environment ? `aws://x/${s.environment.region}` : undefined);
      const dir = s.assembly?.directory;
      return {
        stackName: s.stackName,
        template: s.template as CfnTemplate,
        ...(region ? { region } : {}),
        ...(dir ? { assemblyDirectory: dir } : {}),
      };
    }),
    ...(a.nestedAssemblies ?? []).flatMap((n) => collect(n.nestedAssembly)),
  ];
  return buildModel(collect(assembly));
}
