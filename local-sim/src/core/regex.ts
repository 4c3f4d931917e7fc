/**
 * AWS's rule regex dialect (docs/aws-behaviour.md §4.2 `RegexValues`, §4.3 transforms) on a
 * linear-time engine. What the dialect refuses (lookaround, backreferences, atomic groups, possessive
 * quantifiers, recursion, `\p{..}`) is decided once, by `checkRuleRegex` in the spec package, for the
 * constructs and the simulator alike; what it accepts is run by re2js, a port of RE2 whose matching
 * time is linear in the input. Inputs are bounded by the header limits of §5.2 (16 KB per header,
 * request line 16 KB), so no pattern can make a request cost more than one pass over those bytes per
 * pattern state: there is no catastrophic backtracking to guard against.
 *
 * Patterns are compiled once per pattern text and cached (they come from the model's rules, so the
 * cache stays as small as the configuration).
 */
import { checkRuleRegex, replacementGroupReferences } from '@ha-load-balancer/spec';
import { RE2JS } from 're2js';

/** A compiled rule pattern, or why it cannot run. */
export type CompiledRuleRegex =
  | { readonly ok: true; readonly pattern: RE2JS; readonly groups: number }
  | { readonly ok: false; readonly why: string };

const COMPILED = new Map<string, CompiledRuleRegex>();

/**
 * Compile `source`: first the dialect check shared with the constructs (`checkRuleRegex`), then RE2.
 * A pattern both accept runs; any other gets the reason (the model reports it; the condition never
 * matches, the transform never applies).
 */
export function compileRuleRegex(source: string): CompiledRuleRegex {
  let c = COMPILED.get(source);
  if (c) return c;
  const problem = checkRuleRegex(source);
  if (problem) {
    c = {
      ok: false,
      why:
        problem.feature === 'syntax'
          ? `not a regular expression: ${problem.text} (at ${problem.index})`
          : `uses a ${problem.feature} ('${problem.text}' at ${problem.index}), which AWS's rule regex dialect does not support`,
    };
  } else {
    try {
      const pattern = RE2JS.compile(source);
      c = { ok: true, pattern, groups: pattern.groupCount() };
    } catch (err) {
      c = { ok: false, why: `not accepted by the simulator's RE2 engine: ${(err as Error).message}` };
    }
  }
  COMPILED.set(source, c);
  return c;
}

/**
 * Does `source` match somewhere in `text`? Unanchored search: `^` and `$` anchor (simulator choice
 * `regex_condition_semantics`). A pattern that cannot run never matches.
 */
export function ruleRegexMatches(source: string, text: string): boolean {
  const c = compileRuleRegex(source);
  return c.ok && c.pattern.matcher(text).find();
}

/** The outcome of one rewrite (§4.3 transforms). */
export type RewriteResult =
  /** The pattern does not match: the request goes on unchanged. */
  | { readonly kind: 'no-match' }
  | { readonly kind: 'rewritten'; readonly value: string }
  /** The pattern matched but the rewrite could not be made: the ALB answers 500. */
  | { readonly kind: 'failed'; readonly why: string };

/**
 * Replace the first match of `source` in `text` with `replace`, whose `$n` / `${n}` name capture
 * groups (a group that took no part in the match gives the empty string; any other `$` is literal).
 * A reference to a group the pattern does not have makes the rewrite fail (§4.3: 500).
 */
export function rewriteFirst(source: string, replace: string, text: string): RewriteResult {
  const c = compileRuleRegex(source);
  if (!c.ok) return { kind: 'no-match' };
  const m = c.pattern.matcher(text);
  if (!m.find()) return { kind: 'no-match' };
  const missing = replacementGroupReferences(replace).find((n) => n > c.groups);
  if (missing !== undefined) {
    return { kind: 'failed', why: `the replacement refers to $${missing}; the pattern has ${c.groups} group(s)` };
  }
  const expanded = replace.replace(
    /\$(?:\{(\d+)\}|(\d+))/g,
    (_ref, braced?: string, plain?: string) => m.group(Number(braced ?? plain)) ?? '',
  );
  return { kind: 'rewritten', value: text.slice(0, m.start()) + expanded + text.slice(m.end()) };
}
