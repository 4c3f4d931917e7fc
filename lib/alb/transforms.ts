import {
  captureGroupCount,
  checkRuleRegex,
  replacementGroupReferences,
  RULE_LIMITS,
  TransformTypeName,
} from '@ha-load-balancer/spec';
import { isUnresolved, IssueCollector } from '../shared/errors';

/** A regular expression and what a match becomes; `$1`, `$2` ... insert capture groups. */
export interface RewriteOptions {
  /** Pattern in AWS's rule regex dialect (docs/aws-behaviour.md §4.2), at most 1024 characters. */
  readonly regex: string;
  /** Replacement, at most 1024 characters. */
  readonly replace: string;
}

/**
 * A rule transform (docs/aws-behaviour.md §4.3): rewrites the request after the rule matched and
 * before it reaches the targets, without changing which rule or target group is chosen. No match:
 * the request passes unchanged; a match whose rewrite fails: the load balancer answers 500.
 */
export class RuleTransform {
  /** Rewrite the Host header, e.g. `^www\.(.+)$` → `$1`. */
  public static hostHeaderRewrite(options: RewriteOptions): RuleTransform {
    return new RuleTransform('host-header-rewrite', options);
  }

  /** Rewrite the path and query string (never the protocol or port), e.g. `^/dp/([A-Za-z0-9]+)/?$` → `/product.php?id=$1`. */
  public static urlRewrite(options: RewriteOptions): RuleTransform {
    return new RuleTransform('url-rewrite', options);
  }

  private constructor(
    public readonly type: TransformTypeName,
    public readonly rewrite: RewriteOptions,
  ) {}

  /** Lengths and dialect of the rewrite; `$n` beyond the pattern's groups is returned for a warning. */
  public validate(issues: IssueCollector, label: string): string | undefined {
    const { regex, replace } = this.rewrite;
    const what = `${label} ${this.type}`;
    if (!isUnresolved(regex)) {
      const r = RULE_LIMITS.transformRegexLength;
      const problem = checkRuleRegex(regex);
      if (regex.length < r.min || regex.length > r.max) {
        issues.add('HALB_TRANSFORM_REGEX', `${what} regex has ${regex.length} characters; allowed: ${r.min}-${r.max}.`);
      } else if (problem) {
        issues.add(
          'HALB_TRANSFORM_REGEX',
          problem.feature === 'syntax'
            ? `${what} regex '${regex}' is not a regular expression: ${problem.text} (at ${problem.index}); allowed: a regular expression.`
            : `${what} regex '${regex}' uses ${problem.feature === 'atomic group' ? 'an' : 'a'} ${problem.feature} ('${problem.text}' at ${problem.index}); allowed: regular expressions without lookaround, backreferences, atomic groups, possessive quantifiers, subroutines, recursion or \\p{...} classes (docs/aws-behaviour.md §4.3).`,
        );
      }
    }
    if (!isUnresolved(replace)) {
      const r = RULE_LIMITS.transformReplaceLength;
      if (replace.length > r.max) {
        issues.add(
          'HALB_TRANSFORM_REPLACE',
          `${what} replace has ${replace.length} characters; allowed: ${r.min}-${r.max}.`,
        );
      }
      if (!isUnresolved(regex) && !checkRuleRegex(regex)) {
        const groups = captureGroupCount(regex);
        const missing = replacementGroupReferences(replace).filter((n) => n > groups);
        if (missing.length > 0) {
          return `${what} replace uses $${missing[0]} but the regex has ${groups} capture group(s); a request it matches would get 500 (the rewrite fails, docs/aws-behaviour.md §4.3).`;
        }
      }
    }
    return undefined;
  }

  /** The CloudFormation `Transforms` entry. */
  public toCfn(): Record<string, unknown> {
    const config = { Rewrites: [{ Regex: this.rewrite.regex, Replace: this.rewrite.replace }] };
    return this.type === 'host-header-rewrite'
      ? { Type: this.type, HostHeaderRewriteConfig: config }
      : { Type: this.type, UrlRewriteConfig: config };
  }
}

/** Rule-wide: at most one transform of each type (§4.3). */
export function validateTransforms(issues: IssueCollector, label: string, transforms: readonly RuleTransform[]): void {
  for (const type of new Set(transforms.map((t) => t.type))) {
    const n = transforms.filter((t) => t.type === type).length;
    if (n > 1) {
      issues.add('HALB_TRANSFORM_REPEATED', `${label} has ${n} ${type} transforms; allowed: at most 1 per rule.`);
    }
  }
}
