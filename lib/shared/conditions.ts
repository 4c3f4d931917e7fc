import { isIP } from 'node:net';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import {
  checkRuleRegex,
  CONDITION_VALUE_PATTERNS,
  FORBIDDEN_SOURCE_IP,
  RULE_LIMITS,
  SINGLE_USE_CONDITIONS,
} from '@ha-load-balancer/spec';
import { isUnresolved, IssueCollector } from './errors';

/** A query-string pair to match; the key may be omitted to match any key with that value. */
export interface QueryStringMatch {
  /**
   * Key to match.
   * @default any key
   */
  readonly key?: string;
  readonly value: string;
}

type Field = 'host-header' | 'path-pattern' | 'http-header' | 'http-request-method' | 'query-string' | 'source-ip';

/**
 * A condition of a listener rule (docs/aws-behaviour.md §4.2). Values inside one condition are ORed;
 * the conditions of a rule are ANDed.
 */
export class ListenerCondition {
  /** Host names, case-insensitive, with `*` and `?` wildcards, e.g. `*.example.com`. */
  public static hostHeaders(values: string[]): ListenerCondition {
    return new ListenerCondition('host-header', values);
  }

  /** URL paths, case-sensitive, with wildcards; the query string is never part of the match. */
  public static pathPatterns(values: string[]): ListenerCondition {
    return new ListenerCondition('path-pattern', values);
  }

  /** A request header (not `Host`), name and values case-insensitive, wildcards in values. */
  public static httpHeader(name: string, values: string[]): ListenerCondition {
    return new ListenerCondition('http-header', values, name);
  }

  /** HTTP methods, exact and case-sensitive (custom methods allowed). */
  public static httpRequestMethods(values: string[]): ListenerCondition {
    return new ListenerCondition('http-request-method', values);
  }

  /** Query-string pairs, case-insensitive, wildcards allowed. */
  public static queryStrings(values: QueryStringMatch[]): ListenerCondition {
    return new ListenerCondition(
      'query-string',
      values.map((v) => v.value),
      undefined,
      values,
    );
  }

  /** Client source addresses as IPv4 or IPv6 CIDR blocks (the TCP peer, never X-Forwarded-For). */
  public static sourceIps(values: string[]): ListenerCondition {
    return new ListenerCondition('source-ip', values);
  }

  /**
   * Host names matching one of up to three regular expressions (`RegexValues`, §4.2), e.g.
   * `^(api|www)\.example\.com$`. AWS's dialect has no lookaround, backreferences, atomic groups,
   * possessive quantifiers, subroutines, recursion or `\p{...}` classes; such patterns fail at synth.
   */
  public static hostHeaderRegex(patterns: string[]): ListenerCondition {
    return new ListenerCondition('host-header', patterns, undefined, undefined, true);
  }

  /** Paths matching one of up to three regular expressions (`RegexValues`, §4.2). */
  public static pathPatternRegex(patterns: string[]): ListenerCondition {
    return new ListenerCondition('path-pattern', patterns, undefined, undefined, true);
  }

  /** A request header whose value matches one of up to three regular expressions (`RegexValues`, §4.2). */
  public static httpHeaderRegex(name: string, patterns: string[]): ListenerCondition {
    return new ListenerCondition('http-header', patterns, name, undefined, true);
  }

  private constructor(
    public readonly field: Field,
    public readonly values: readonly string[],
    public readonly headerName?: string,
    public readonly queryValues?: readonly QueryStringMatch[],
    /** The values are regular expressions (`RegexValues`) rather than wildcard patterns. */
    public readonly regex = false,
  ) {}

  /** Number of wildcard characters in this condition's values (regular expressions have none). */
  public get wildcards(): number {
    if (this.regex || this.field === 'source-ip' || this.field === 'http-request-method') return 0;
    const count = (s: string) => (s.replace(/\\[*?]/g, '').match(/[*?]/g) ?? []).length;
    const strings = this.queryValues ? this.queryValues.flatMap((q) => [q.key ?? '', q.value]) : this.values;
    return strings.reduce((n, s) => n + count(s), 0);
  }

  /** Check this condition's own values (docs/aws-behaviour.md §4.2). */
  public validate(issues: IssueCollector, label: string): void {
    const f = this.field;
    if (this.values.length === 0) {
      issues.add(
        'HALB_CONDITION_EMPTY',
        `${label} ${f} has no values; allowed: 1-${RULE_LIMITS.valuesPerCondition} values.`,
      );
    }
    if (f !== 'source-ip') {
      issues.maxCount(
        'HALB_CONDITION_VALUES',
        `${label} ${f} values`,
        this.values.length,
        RULE_LIMITS.valuesPerCondition,
      );
    } else {
      issues.maxCount(
        'HALB_CONDITION_VALUES',
        `${label} source-ip values`,
        this.values.length,
        RULE_LIMITS.sourceIpValues,
      );
    }
    if (this.regex) {
      this.validateRegex(issues, label);
    } else {
      this.validateValues(issues, label);
    }
    if (f === 'query-string') {
      for (const q of this.queryValues ?? []) {
        if (q.key === undefined || isUnresolved(q.key)) continue;
        const r = RULE_LIMITS.queryStringKeyLength;
        if (q.key.length < r.min || q.key.length > r.max) {
          issues.add(
            'HALB_CONDITION_QUERY_KEY',
            `${label} query-string key '${q.key.slice(0, 40)}' has ${q.key.length} characters; allowed: ${r.min}-${r.max} (leave the key out to match the value under any key).`,
          );
        }
      }
    }
    if (f === 'http-header' && this.headerName !== undefined && !isUnresolved(this.headerName)) {
      const n = this.headerName;
      if (!CONDITION_VALUE_PATTERNS.httpHeaderName.test(n) || n.length > RULE_LIMITS.httpHeaderNameLength.max) {
        issues.add(
          'HALB_CONDITION_HEADER_NAME',
          `${label} http-header name '${n}'; allowed: 1-40 token characters (RFC 7230).`,
        );
      } else if (n.toLowerCase() === 'host') {
        issues.add(
          'HALB_CONDITION_HEADER_NAME',
          `${label} http-header name is 'Host'; allowed: any other header (use ListenerCondition.hostHeaders for Host).`,
        );
      }
    }
  }

  private validateValues(issues: IssueCollector, label: string): void {
    const f = this.field;
    const len = RULE_LIMITS.conditionValueLength;
    for (const v of this.values) {
      if (isUnresolved(v)) continue;
      if (f !== 'source-ip' && (v.length < len.min || v.length > len.max)) {
        issues.add(
          'HALB_CONDITION_VALUE',
          `${label} ${f} value '${v.slice(0, 40)}' has ${v.length} characters; allowed: ${len.min}-${len.max}.`,
        );
        continue;
      }
      switch (f) {
        case 'host-header':
          if (!CONDITION_VALUE_PATTERNS['host-header'].test(v) || !v.includes('.') || !/\.[A-Za-z*?]+$/.test(v)) {
            issues.add(
              'HALB_CONDITION_VALUE',
              `${label} host-header value '${v}'; allowed: letters, digits, '-', '.', '*', '?', with at least one '.' and only letters after the last '.'.`,
            );
          }
          break;
        case 'path-pattern':
          if (!CONDITION_VALUE_PATTERNS['path-pattern'].test(v)) {
            issues.add(
              'HALB_CONDITION_VALUE',
              `${label} path-pattern value '${v}'; allowed characters: A-Z a-z 0-9 _ - . $ / ~ " ' @ : + & * ?.`,
            );
          }
          break;
        case 'http-request-method':
          if (!CONDITION_VALUE_PATTERNS['http-request-method'].test(v) || v.length > RULE_LIMITS.methodLength.max) {
            issues.add(
              'HALB_CONDITION_VALUE',
              `${label} http-request-method value '${v}'; allowed: 1-40 characters of A-Z, '-' and '_'.`,
            );
          }
          break;
        case 'source-ip':
          if (!isCidr(v)) {
            issues.add(
              'HALB_CONDITION_VALUE',
              `${label} source-ip value '${v}'; allowed: an IPv4 or IPv6 CIDR block such as '10.0.0.0/8'.`,
            );
          } else if (v === FORBIDDEN_SOURCE_IP) {
            issues.add(
              'HALB_CONDITION_VALUE',
              `${label} source-ip value '${v}'; allowed: any CIDR except ${FORBIDDEN_SOURCE_IP}.`,
            );
          }
          break;
        default:
          break;
      }
    }
  }

  private validateRegex(issues: IssueCollector, label: string): void {
    const len = RULE_LIMITS.regexValueLength;
    for (const v of this.values) {
      if (isUnresolved(v)) continue;
      if (v.length < len.min || v.length > len.max) {
        issues.add(
          'HALB_CONDITION_REGEX',
          `${label} ${this.field} regex '${v.slice(0, 40)}' has ${v.length} characters; allowed: ${len.min}-${len.max}.`,
        );
        continue;
      }
      const problem = checkRuleRegex(v);
      if (problem) {
        issues.add(
          'HALB_CONDITION_REGEX',
          problem.feature === 'syntax'
            ? `${label} ${this.field} regex '${v}' is not a regular expression: ${problem.text} (at ${problem.index}); allowed: a regular expression.`
            : `${label} ${this.field} regex '${v}' uses ${problem.feature === 'atomic group' ? 'an' : 'a'} ${problem.feature} ('${problem.text}' at ${problem.index}); allowed: regular expressions without lookaround, backreferences, atomic groups, possessive quantifiers, subroutines, recursion or \\p{...} classes (docs/aws-behaviour.md §4.2).`,
        );
      }
    }
  }

  /**
   * Where the `RegexValues` of a regex condition go in the CloudFormation condition, e.g.
   * `HostHeaderConfig`; undefined for value conditions. aws-cdk-lib has no regex condition, and its
   * older releases drop `RegexValues` from the config, so the rule writes them as a property override.
   */
  public get regexConfigKey(): string | undefined {
    if (!this.regex) return undefined;
    return REGEX_CONFIG_KEYS[this.field as keyof typeof REGEX_CONFIG_KEYS];
  }

  /** The aws-cdk-lib condition. */
  public toElbv2(): elbv2.ListenerCondition {
    if (this.regex) {
      const config = this.field === 'http-header' ? { httpHeaderName: this.headerName } : {};
      return new RawCondition({
        field: this.field,
        [REGEX_CONFIG_PROPS[this.field as keyof typeof REGEX_CONFIG_PROPS]]: config,
      });
    }
    switch (this.field) {
      case 'host-header':
        return elbv2.ListenerCondition.hostHeaders([...this.values]);
      case 'path-pattern':
        return elbv2.ListenerCondition.pathPatterns([...this.values]);
      case 'http-header':
        return elbv2.ListenerCondition.httpHeader(this.headerName!, [...this.values]);
      case 'http-request-method':
        return elbv2.ListenerCondition.httpRequestMethods([...this.values]);
      case 'query-string':
        return elbv2.ListenerCondition.queryStrings(this.queryValues!.map((q) => ({ key: q.key, value: q.value })));
      case 'source-ip':
        return elbv2.ListenerCondition.sourceIps([...this.values]);
    }
  }
}

/** Rule-wide limits: ≥ 1 condition, single-use fields, ≤ 5 values and ≤ 5 wildcards per rule (§4.2). */
export function validateConditions(
  issues: IssueCollector,
  label: string,
  conditions: readonly ListenerCondition[],
): void {
  if (conditions.length === 0) {
    issues.add(
      'HALB_RULE_CONDITIONS_REQUIRED',
      `${label} has no conditions; allowed: at least one condition (only the default action has none).`,
    );
  }
  for (const field of SINGLE_USE_CONDITIONS) {
    const n = conditions.filter((c) => c.field === field).length;
    if (n > 1)
      issues.add('HALB_RULE_CONDITION_REPEATED', `${label} has ${n} ${field} conditions; allowed: at most 1 per rule.`);
  }
  const values = conditions.reduce((n, c) => n + c.values.length, 0);
  issues.maxCount('HALB_RULE_VALUES', `${label} condition values in total`, values, RULE_LIMITS.valuesPerRule);
  const wildcards = conditions.reduce((n, c) => n + c.wildcards, 0);
  issues.maxCount('HALB_RULE_WILDCARDS', `${label} wildcard characters`, wildcards, RULE_LIMITS.wildcardsPerRule);
  for (const c of conditions) c.validate(issues, label);
}

/** An IPv4 (`a.b.c.d/0-32`) or IPv6 (`x:x::x/0-128`) CIDR block, with the address checked by `node:net`. */
function isCidr(v: string): boolean {
  const m = /^([^/%]+)\/(\d{1,3})$/.exec(v);
  if (!m) return false;
  const family = isIP(m[1]);
  const bits = Number(m[2]);
  return (family === 4 && bits <= 32) || (family === 6 && bits <= 128);
}

const REGEX_CONFIG_KEYS = {
  'host-header': 'HostHeaderConfig',
  'path-pattern': 'PathPatternConfig',
  'http-header': 'HttpHeaderConfig',
} as const;

const REGEX_CONFIG_PROPS = {
  'host-header': 'hostHeaderConfig',
  'path-pattern': 'pathPatternConfig',
  'http-header': 'httpHeaderConfig',
} as const;

/** An aws-cdk-lib condition rendered from a raw CloudFormation-shaped object (regex conditions). */
class RawCondition extends elbv2.ListenerCondition {
  constructor(private readonly raw: Record<string, unknown>) {
    super();
  }

  public renderRawCondition(): Record<string, unknown> {
    return this.raw;
  }
}
