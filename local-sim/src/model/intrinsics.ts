/**
 * Resolution of CloudFormation intrinsic functions, as far as a local simulator can: `Ref` and
 * `Fn::GetAtt` between resources of the same template, `Ref` to a parameter with a `Default`,
 * `Fn::Join` / `Fn::Sub` of literals, and `Fn::ImportValue` of an `Export` of another stack in the same
 * assembly. Everything else is reported as unresolved with a reason.
 */
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
      if (arg.startsWith('AWS::')) return { kind: 'unresolved', why: `pseudo parameter ${arg} has no local value` };
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
      return resolve(exp.value, { ...ctx, stackName: exp.stackName, template: tpl }, depth + 1);
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
      if (typeof arg === 'string' && !arg.includes('${')) return { kind: 'literal', value: arg };
      return { kind: 'unresolved', why: 'Fn::Sub with variables' };
    }
    default:
      return { kind: 'unresolved', why: `${fn} cannot be evaluated locally` };
  }
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

/** Collect `Outputs[].Export.Name` of every template. */
export function collectExports(templates: ReadonlyMap<string, CfnTemplate>): ExportTable {
  const out = new Map<string, { stackName: string; value: unknown }>();
  for (const [stackName, template] of templates) {
    const outputs = template.Outputs as Record<string, { Value?: unknown; Export?: { Name?: unknown } }> | undefined;
    for (const o of Object.values(outputs ?? {})) {
      if (typeof o?.Export?.Name === 'string') out.set(o.Export.Name, { stackName, value: o.Value });
    }
  }
  return out;
}
