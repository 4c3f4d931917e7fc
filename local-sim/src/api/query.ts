/**
 * The AWS Query protocol's request side (ELBv2): form-encoded `Action=...&Version=...` parameters, with
 * structures flattened into dotted names (`Matcher.HttpCode`) and lists into numbered members
 * (`Targets.member.1.Id`, `TargetGroupArns.member.2`). `QueryParams` reads them back as typed values and
 * throws `ValidationError` in AWS's wording when a value does not fit. Pure: no sockets.
 */
import { describeRange, type Range } from '@ha-load-balancer/spec';
import { constraintError, validationError } from './errors';

/** `TargetGroupArn` → `targetGroupArn`, the way AWS names parameters in validation messages. */
function camel(path: string): string {
  return path
    .split('.')
    .map((p) => (p.length > 0 ? p[0].toLowerCase() + p.slice(1) : p))
    .join('.');
}

export class QueryParams {
  readonly #values: ReadonlyMap<string, string>;
  /** Dotted path of this structure inside the request (for error messages), '' at the top. */
  readonly #path: string;

  constructor(values: ReadonlyMap<string, string>, path = '') {
    this.#values = values;
    this.#path = path;
  }

  /** Parse a form-encoded body (and/or URL query string): `a=1&b=x%20y`. */
  static parse(...texts: readonly string[]): QueryParams {
    const values = new Map<string, string>();
    for (const text of texts) for (const [k, v] of new URLSearchParams(text)) values.set(k, v);
    return new QueryParams(values);
  }

  #at(name: string): string {
    return camel(this.#path ? `${this.#path}.${name}` : name);
  }

  /** Every parameter name at this level or below (for tests and unknown-parameter checks). */
  keys(): string[] {
    return [...this.#values.keys()];
  }

  has(name: string): boolean {
    return this.#values.has(name) || [...this.#values.keys()].some((k) => k.startsWith(`${name}.`));
  }

  string(name: string): string | undefined {
    return this.#values.get(name);
  }

  required(name: string): string {
    const v = this.#values.get(name);
    if (v === undefined || v === '') {
      throw constraintError('null', this.#at(name), 'Member must not be null');
    }
    return v;
  }

  int(name: string, range?: Range): number | undefined {
    const v = this.#values.get(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n)) {
      throw validationError(`Value '${v}' at '${this.#at(name)}' is not a valid integer`);
    }
    if (range && (n < range.min || n > range.max)) {
      throw constraintError(v, this.#at(name), `Member must have value between ${describeRange(range)}`);
    }
    return n;
  }

  bool(name: string): boolean | undefined {
    const v = this.#values.get(name);
    if (v === undefined) return undefined;
    if (v === 'true') return true;
    if (v === 'false') return false;
    throw validationError(`Value '${v}' at '${this.#at(name)}' is not a valid boolean`);
  }

  /** One of `allowed`, or undefined when absent. */
  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const v = this.#values.get(name);
    if (v === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(v)) {
      throw constraintError(v, this.#at(name), `Member must satisfy enum value set: [${allowed.join(', ')}]`);
    }
    return v as T;
  }

  /** A nested structure `Name.*`, or undefined when no parameter starts with `Name.`. */
  struct(name: string): QueryParams | undefined {
    const prefix = `${name}.`;
    const inner = new Map<string, string>();
    for (const [k, v] of this.#values) if (k.startsWith(prefix)) inner.set(k.slice(prefix.length), v);
    return inner.size > 0 ? new QueryParams(inner, this.#path ? `${this.#path}.${name}` : name) : undefined;
  }

  /** The numbered members of `Name.member.N...` in index order, each as the text after `Name.member.N`. */
  #members(name: string): Map<number, Map<string, string>> {
    const prefix = `${name}.member.`;
    const byIndex = new Map<number, Map<string, string>>();
    for (const [k, v] of this.#values) {
      if (!k.startsWith(prefix)) continue;
      const rest = k.slice(prefix.length);
      const m = /^(\d+)(?:\.(.+))?$/.exec(rest);
      if (!m) throw validationError(`Parameter '${k}' is not a valid list member name`);
      const index = Number(m[1]);
      if (index < 1) throw validationError(`Parameter '${k}': list members are numbered from 1`);
      if (!byIndex.has(index)) byIndex.set(index, new Map());
      byIndex.get(index)!.set(m[2] ?? '', v);
    }
    return new Map([...byIndex].sort(([a], [b]) => a - b));
  }

  /** `Name.member.N` strings (e.g. `TargetGroupArns.member.1`), or undefined when the list is absent. */
  list(name: string): string[] | undefined {
    if (this.#values.get(name) === '') return [];
    const members = this.#members(name);
    if (members.size === 0) return undefined;
    return [...members.values()].map((m) => m.get('') ?? '');
  }

  /** A map parameter `Name.entry.N.key` / `Name.entry.N.value` (e.g. `AuthenticationRequestExtraParams`). */
  entries(name: string): Record<string, string> | undefined {
    const prefix = `${name}.entry.`;
    const byIndex = new Map<string, { key?: string; value?: string }>();
    for (const [k, v] of this.#values) {
      if (!k.startsWith(prefix)) continue;
      const m = /^(\d+)\.(key|value)$/.exec(k.slice(prefix.length));
      if (!m) throw validationError(`Parameter '${k}' is not a valid map entry name`);
      const e = byIndex.get(m[1]) ?? {};
      e[m[2] as 'key' | 'value'] = v;
      byIndex.set(m[1], e);
    }
    if (byIndex.size === 0) return undefined;
    const out: Record<string, string> = {};
    for (const e of byIndex.values()) {
      if (e.key === undefined) throw validationError(`${name}: an entry has no key`);
      out[e.key] = e.value ?? '';
    }
    return out;
  }

  /** `Name.member.N.Field` structures (e.g. `Targets.member.1.Id`), or undefined when the list is absent. */
  structs(name: string): QueryParams[] | undefined {
    if (this.#values.get(name) === '') return [];
    const members = this.#members(name);
    if (members.size === 0) return undefined;
    const base = this.#path ? `${this.#path}.${name}` : name;
    return [...members].map(([i, m]) => new QueryParams(m, `${base}.${i}.member`));
  }
}
