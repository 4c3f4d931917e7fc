import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import {
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

  private constructor(
    public readonly field: Field,
    public readonly values: readonly string[],
    public readonly headerName?: string,
    public readonly queryValues?: readonly QueryStringMatch[],
  ) {}

  /** Number of wildcard characters in this condition's values. */
  public get wildcards(): number {
    if (this.field === 'source-ip' || this.field === 'http-request-method') return 0;
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
    for (const v of this.values) {
      if (isUnresolved(v)) continue;
      const len = RULE_LIMITS.conditionValueLength;
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

  /** The aws-cdk-lib condition. */
  public toElbv2(): elbv2.ListenerCondition {
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

function isCidr(v: string): boolean {
  const m = /^(.+)\/(\d{1,3})$/.exec(v);
  if (!m) return false;
  const [, ip, bitsText] = m;
  const bits = Number(bitsText);
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) {
    return ip.split('.').every((o) => Number(o) <= 255) && bits <= 32;
  }
  if (ip.includes(':') && /^[0-9A-Fa-f:.]+$/.test(ip) && (ip.match(/::/g) ?? []).length <= 1) return bits <= 128;
  return false;
}
