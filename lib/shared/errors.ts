import { Annotations, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { describeRange, inRange, Range } from '@ha-load-balancer/spec';

/** One problem found in a configuration: where, what, and the stable code to search for. */
export interface ValidationIssue {
  /** Stable error code, e.g. `HALB_HC_INTERVAL_RANGE`. */
  readonly code: string;
  /** Construct path of the construct whose props are wrong. */
  readonly path: string;
  /** What a user reads: the property, its value, what is allowed. */
  readonly message: string;
}

/**
 * Thrown at construction when props are wrong on their own. Every problem found in the same call is
 * listed, so one `cdk synth` shows all of them.
 */
export class HaValidationError extends Error {
  /** The code of the first issue; all codes are in `issues`. */
  public readonly code: string;
  public readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'HaValidationError';
    this.code = issues[0].code;
    this.issues = issues;
  }
}

export function formatIssue(i: ValidationIssue): string {
  return `[${i.code}] ${i.path}: ${i.message}`;
}

/** A value that is not known until deployment is never judged at synth time. */
export function isUnresolved(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string' || typeof value === 'number') return Token.isUnresolved(value);
  if (Array.isArray(value)) return value.some(isUnresolved);
  return false;
}

/**
 * Collects the issues of one construct's props. `throwIfAny()` raises them together (tier 1 of
 * STYLE.md); `messages()` hands them to `node.addValidation` (tier 2, cross-construct rules).
 */
export class IssueCollector {
  readonly #issues: ValidationIssue[] = [];

  constructor(private readonly scope: IConstruct) {}

  get path(): string {
    return this.scope.node.path;
  }

  add(code: string, message: string): void {
    this.#issues.push({ code, path: this.path, message });
  }

  /**
   * `label is <value><unit>; allowed: <min>-<max><unit> (whole number)`, skipped for tokens and
   * undefined. Every AWS range is a range of whole numbers, so 2.5 fails a 2-10 range too.
   */
  range(code: string, label: string, value: number | undefined, r: Range, unit = ''): void {
    if (value === undefined || isUnresolved(value)) return;
    if (!inRange(value, r)) {
      this.add(
        code,
        `${label} is ${value}${unit ? ' ' + unit : ''}; allowed: ${describeRange(r, unit)} (whole number).`,
      );
    }
  }

  /** `label is <value>; allowed: a whole number of at least <min>`, skipped for tokens and undefined. */
  atLeast(code: string, label: string, value: number | undefined, min: number, unit = ''): void {
    if (value === undefined || isUnresolved(value)) return;
    if (!Number.isInteger(value) || value < min) {
      const u = unit ? ' ' + unit : '';
      this.add(code, `${label} is ${value}${u}; allowed: a whole number of at least ${min}${u}.`);
    }
  }

  oneOf(code: string, label: string, value: string | undefined, allowed: readonly string[]): void {
    if (value === undefined || isUnresolved(value)) return;
    if (!allowed.includes(value)) {
      this.add(code, `${label} is '${value}'; allowed: ${allowed.map((a) => `'${a}'`).join(', ')}.`);
    }
  }

  maxCount(code: string, label: string, count: number, max: number): void {
    if (count > max) this.add(code, `${label}: ${count} given; allowed: at most ${max}.`);
  }

  get issues(): readonly ValidationIssue[] {
    return this.#issues;
  }

  throwIfAny(): void {
    if (this.#issues.length > 0) throw new HaValidationError(this.#issues);
  }

  messages(): string[] {
    return this.#issues.map(formatIssue);
  }
}

/** Tier 3 of STYLE.md: legal but risky. Shows in `cdk synth` output and in `Annotations` assertions. */
export function warn(scope: IConstruct, code: string, message: string): void {
  Annotations.of(scope).addWarningV2(`ha-load-balancer:${code}`, `[${code}] ${message}`);
}

/**
 * Seconds of an optional Duration, or undefined (tokens pass through and are skipped by checks).
 * Fractional seconds are returned as they are, so that range checks report them ("5.5 seconds;
 * allowed: ... (whole number)") before aws-cdk-lib's own `toSeconds()` would throw.
 */
export function seconds(d: { toSeconds(opts?: { integral?: boolean }): number } | undefined): number | undefined {
  return d === undefined ? undefined : d.toSeconds({ integral: false });
}
