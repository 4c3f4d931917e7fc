/**
 * Resolution of CloudFormation intrinsic functions, as far as a local simulator can: `Ref` and
 * `Fn::GetAtt` between resources of the same template, `Ref` to a parameter with a `Default`, the
 * pseudo parameters a stack knows without being deployed (`AWS::StackName` from the assembly manifest,
 * `AWS::Region`, `AWS::Partition`, `AWS::URLSuffix`), `Fn::Join` / `Fn::Sub` / `Fn::Select` of literals,
 * and `Fn::ImportValue` of an `Export` of another stack in the same assembly, also when the export's
 * name is itself computed (`Fn::Sub '${AWS::StackName}-Dns'`). Everything else is reported as
 * unresolved with a reason.
 */
import { SIMULATOR_CHOICE_PARAMS } from '@ha-load-balancer/spec';
import type { CfnTemplate } from './types';

export type Resolved =
  | { readonly kind: 'literal'; readonly value: string | number | boolean }
  | { readonly kind: 'resource'; readonly stackName: string; readonly logicalId: string; readonly attribute?: string }
  | { readonly kind: 'unresolved'; readonly why: string };

/** Exports of every stack of the assembly, by export name. */
export type ExportTable = ReadonlyMap<string, { readonly stackName: string; readonly value: unknown }>;

export interface ResolveContext {
  readonly stackName: string;
  readonly template: CfnTemplate;
  readonly exports: ExportTable;
  readonly templates: ReadonlyMap<string, CfnTemplate>;
  /** The stack's Region from the assembly manifest, when its environment names one. */
  readonly region?: string;
  /** Regions of the other stacks (for `Fn::ImportValue`), by stack name. */
  readonly regions?: ReadonlyMap<string, string | undefined>;
}

/** The Region of a stack as the simulator sees it (simulator choice `load_balancer_zones`). */
export function regionOf(ctx: Pick<ResolveContext, 'region'>): string {
  return ctx.region ?? SIMULATOR_CHOICE_PARAMS.defaultRegion;
}

/** Pseudo parameters with a value before deployment; `AWS::AccountId` and `AWS::StackId` have none. */
function pseudoParameter(name: string, ctx: ResolveContext): string | undefined {
  switch (name) {
    case 'AWS::StackName':
      return ctx.stackName;
    case 'AWS::Region':
      return regionOf(ctx);
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    default:
      return undefined;
  }
}

/** `Fn::Sub` template with `${Name}` / `${Resource.Attr}` variables; `${!Literal}` stays `${Literal}`. */
function substitute(template: string, vars: Record<string, unknown>, ctx: ResolveContext, depth: number): Resolved {
  let out = '';
  let last = 0;
  const re = /\$\{([^}]*)\}/g;
  for (let m = re.exec(template); m; m = re.exec(template)) {
    out += template.slice(last, m.index);
    last = m.index + m[0].length;
    const name = m[1].trim();
    if (name.startsWith('!')) {
      out += `\${${name.slice(1)}}`;
      continue;
    }
    const value =
      name in vars
        ? vars[name]
        : name.includes('.')
          ? { 'Fn::GetAtt': [name.slice(0, name.indexOf('.')), name.slice(name.indexOf('.') + 1)] }
          : { Ref: name };
    const r = resolve(value, ctx, depth + 1);
    if (r.kind !== 'literal') return { kind: 'unresolved', why: `Fn::Sub variable \${${name}} is not a value` };
    out += String(r.value);
  }
  return { kind: 'literal', value: out + template.slice(last) };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Name of the single intrinsic in `v` (`Ref`, `Fn::GetAtt`, ...), if `v` is one. */
export function intrinsicName(v: unknown): string | undefined {
  if (!isObject(v)) return undefined;
  const keys = Object.keys(v);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return keys[0];
  return undefined;
}

/** Resolve a value to a literal or a resource reference. */
export function resolve(value: unknown, ctx: ResolveContext, depth = 0): Resolved {
  if (depth > 10) return { kind: 'unresolved', why: 'reference chain too deep' };
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return { kind: 'literal', value };
  }
  const fn = intrinsicName(value);
  if (!fn || !isObject(value)) return { kind: 'unresolved', why: `unsupported value ${JSON.stringify(value)}` };
  const arg = value[fn];
  switch (fn) {
    case 'Ref': {
      if (typeof arg !== 'string') return { kind: 'unresolved', why: 'malformed Ref' };
      if (arg.startsWith('AWS::')) {
        const value = pseudoParameter(arg, ctx);
        return value !== undefined
          ? { kind: 'literal', value }
          : { kind: 'unresolved', why: `pseudo parameter ${arg} has no local value` };
      }
      if (ctx.template.Resources?.[arg]) return { kind: 'resource', stackName: ctx.stackName, logicalId: arg };
      const param = (ctx.template.Parameters as Record<string, { Default?: unknown }> | undefined)?.[arg];
      if (param && param.Default !== undefined) return resolve(param.Default, ctx, depth + 1);
      if (param) return { kind: 'unresolved', why: `parameter ${arg} has no Default` };
      return { kind: 'unresolved', why: `Ref to unknown logical id ${arg}` };
    }
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = Array.isArray(arg)
        ? (arg as unknown[])
        : typeof arg === 'string'
          ? arg.split('.', 2)
          : [];
      if (typeof logicalId !== 'string' || typeof attribute !== 'string') {
        return { kind: 'unresolved', why: 'malformed Fn::GetAtt' };
      }
      if (!ctx.template.Resources?.[logicalId]) {
        return { kind: 'unresolved', why: `Fn::GetAtt to unknown logical id ${logicalId}` };
      }
      return { kind: 'resource', stackName: ctx.stackName, logicalId, attribute };
    }
    case 'Fn::ImportValue': {
      const name = resolve(arg, ctx, depth + 1);
      if (name.kind !== 'literal') return { kind: 'unresolved', why: 'Fn::ImportValue of a non-literal name' };
      const exp = ctx.exports.get(String(name.value));
      const tpl = exp && ctx.templates.get(exp.stackName);
      if (!exp || !tpl) {
        return { kind: 'unresolved', why: `Fn::ImportValue ${name.value}: no stack in the assembly exports it` };
      }
      return resolve(
        exp.value,
        { ...ctx, stackName: exp.stackName, template: tpl, region: ctx.regions?.get(exp.stackName) },
        depth + 1,
      );
    }
    case 'Fn::Join': {
      if (!Array.isArray(arg) || arg.length !== 2 || !Array.isArray(arg[1])) {
        return { kind: 'unresolved', why: 'malformed Fn::Join' };
      }
      const parts: string[] = [];
      for (const p of arg[1] as unknown[]) {
        const r = resolve(p, ctx, depth + 1);
        if (r.kind !== 'literal') return { kind: 'unresolved', why: `Fn::Join part not literal` };
        parts.push(String(r.value));
      }
      return { kind: 'literal', value: parts.join(String(arg[0])) };
    }
    case 'Fn::Sub': {
      if (typeof arg === 'string') return substitute(arg, {}, ctx, depth);
      if (Array.isArray(arg) && typeof arg[0] === 'string' && (arg.length === 1 || isObject(arg[1]))) {
        return substitute(arg[0], (arg[1] as Record<string, unknown> | undefined) ?? {}, ctx, depth);
      }
      return { kind: 'unresolved', why: 'malformed Fn::Sub' };
    }
    case 'Fn::Select': {
      if (!Array.isArray(arg) || arg.length !== 2) return { kind: 'unresolved', why: 'malformed Fn::Select' };
      const index = resolve(arg[0], ctx, depth + 1);
      const list = resolveList(arg[1], ctx, depth + 1);
      if (index.kind !== 'literal' || !list)
        return { kind: 'unresolved', why: 'Fn::Select of a list that is not known' };
      const item = list[Number(index.value)];
      return item === undefined
        ? { kind: 'unresolved', why: 'Fn::Select index out of range' }
        : resolve(item, ctx, depth + 1);
    }
    default:
      return { kind: 'unresolved', why: `${fn} cannot be evaluated locally` };
  }
}

/** The Availability Zones `Fn::GetAZs` gives for a Region (simulator choice `load_balancer_zones`). */
export function regionZones(region: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${region}${String.fromCharCode(97 + (i % 26))}`);
}

/** Zones `Fn::GetAZs` is taken to return (a, b, ... f: no Region has more). */
const GET_AZS_COUNT = 6;

/** A list value: a literal array, `Fn::GetAZs`, `Fn::Split` of a literal; undefined when not known. */
export function resolveList(value: unknown, ctx: ResolveContext, depth = 0): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  const fn = intrinsicName(value);
  if (!fn || !isObject(value)) return undefined;
  const arg = value[fn];
  if (fn === 'Fn::GetAZs') {
    const region =
      arg === '' || arg === undefined
        ? { kind: 'literal' as const, value: regionOf(ctx) }
        : resolve(arg, ctx, depth + 1);
    return region.kind === 'literal' ? regionZones(String(region.value || regionOf(ctx)), GET_AZS_COUNT) : undefined;
  }
  if (fn === 'Fn::Split' && Array.isArray(arg) && arg.length === 2) {
    const source = resolve(arg[1], ctx, depth + 1);
    return source.kind === 'literal' ? String(source.value).split(String(arg[0])) : undefined;
  }
  return undefined;
}

/**
 * Find the first reference to a resource anywhere inside `value` (e.g. the load balancer inside
 * `Fn::Join ["", ["dualstack.", Fn::GetAtt [LB, DNSName]]]`).
 */
export function findResourceReference(
  value: unknown,
  ctx: ResolveContext,
): Extract<Resolved, { kind: 'resource' }> | undefined {
  const r = resolve(value, ctx);
  if (r.kind === 'resource') return r;
  if (Array.isArray(value)) {
    for (const v of value) {
      const f = findResourceReference(v, ctx);
      if (f) return f;
    }
  } else if (isObject(value)) {
    for (const v of Object.values(value)) {
      const f = findResourceReference(v, ctx);
      if (f) return f;
    }
  }
  return undefined;
}

/**
 * Collect `Outputs[].Export.Name` of every template. A computed name (`Fn::Sub '${AWS::StackName}-Dns'`,
 * `Fn::Join` with `Ref AWS::StackName`) is resolved in its own stack, whose name comes from the manifest.
 */
export function collectExports(
  templates: ReadonlyMap<string, CfnTemplate>,
  regions: ReadonlyMap<string, string | undefined> = new Map(),
): ExportTable {
  const out = new Map<string, { stackName: string; value: unknown }>();
  for (const [stackName, template] of templates) {
    const ctx: ResolveContext = { stackName, template, exports: new Map(), templates, region: regions.get(stackName) };
    const outputs = template.Outputs as Record<string, { Value?: unknown; Export?: { Name?: unknown } }> | undefined;
    for (const o of Object.values(outputs ?? {})) {
      if (o?.Export?.Name === undefined) continue;
      const name = resolve(o.Export.Name, ctx);
      if (name.kind === 'literal') out.set(String(name.value), { stackName, value: o.Value });
    }
  }
  return out;
}
