/**
 * The regular-expression dialect of ALB rule conditions (`RegexValues`, §4.2) and rule transforms
 * (`Regex`, §4.3). AWS documents what the dialect lacks: lookahead, lookbehind, backreferences,
 * atomic groups, possessive quantifiers, subroutines, recursion and Unicode character classes such
 * as `\p{L}`. `checkRuleRegex` finds the first of those (or a pattern that is not a regular
 * expression at all) so that both the constructs and the simulator refuse the same patterns.
 */

/** What AWS's rule regex dialect does not support (§4.2, §4.3). */
export const RULE_REGEX_UNSUPPORTED = [
  'lookahead',
  'lookbehind',
  'backreference',
  'atomic group',
  'possessive quantifier',
  'subroutine',
  'recursion',
  'Unicode character class',
] as const;
export type RuleRegexFeature = (typeof RULE_REGEX_UNSUPPORTED)[number] | 'syntax';

/** The first problem of a pattern: an unsupported feature, or `syntax` with what is wrong. */
export interface RuleRegexProblem {
  readonly feature: RuleRegexFeature;
  /** Offset of the offending text in the pattern. */
  readonly index: number;
  /** The offending text, or for `syntax` what is wrong. */
  readonly text: string;
}

const QUANTIFIER_BRACES = /^\{\d+(?:,\d*)?\}/;

/** Scan a pattern once; report the first unsupported feature or syntax error, else undefined. */
export function checkRuleRegex(pattern: string): RuleRegexProblem | undefined {
  return scan(pattern).problem;
}

/** Number of capturing groups, for `$n` references in a transform's `Replace`. */
export function captureGroupCount(pattern: string): number {
  return scan(pattern).groups;
}

/** `$1`, `${2}` ... references of a replacement string, in order of appearance. */
export function replacementGroupReferences(replace: string): number[] {
  return [...replace.matchAll(/\$(?:\{(\d+)\}|(\d+))/g)].map((m) => Number(m[1] ?? m[2]));
}

function scan(p: string): { problem?: RuleRegexProblem; groups: number } {
  let groups = 0;
  let depth = 0;
  let inClass = false;
  let classStart = 0;
  /** Whether the previous token can carry a quantifier. */
  let atom = false;
  const problem = (feature: RuleRegexFeature, index: number, text: string) => ({
    problem: { feature, index, text },
    groups,
  });
  let i = 0;
  while (i < p.length) {
    const c = p[i];
    if (c === '\\') {
      if (i + 1 >= p.length) return problem('syntax', i, 'a trailing backslash escapes nothing');
      const d = p[i + 1];
      if (d === 'p' || d === 'P') {
        const end = p[i + 2] === '{' ? p.indexOf('}', i) + 1 || p.length : i + 3;
        return problem('Unicode character class', i, p.slice(i, end));
      }
      if (!inClass) {
        if (/[1-9]/.test(d)) return problem('backreference', i, p.slice(i, i + 2));
        if (d === 'k' && /[<{']/.test(p[i + 2] ?? '')) return problem('backreference', i, p.slice(i, i + 3));
        if (d === 'g') {
          const next = p[i + 2] ?? '';
          return /[<']/.test(next)
            ? problem('subroutine', i, p.slice(i, i + 3))
            : problem('backreference', i, p.slice(i, i + 3));
        }
      }
      i += 2;
      atom = true;
      continue;
    }
    if (inClass) {
      // A ']' right after '[' or '[^' is a literal member.
      if (c === ']' && i > classStart) {
        inClass = false;
        atom = true;
      }
      i++;
      continue;
    }
    if (c === '[') {
      inClass = true;
      i++;
      if (p[i] === '^') i++;
      classStart = i;
      if (p[i] === ']') i++;
      classStart = i;
      continue;
    }
    if (c === '(') {
      let header = 1;
      if (p[i + 1] === '?') {
        const rest = p.slice(i + 2);
        if (rest.startsWith('=') || rest.startsWith('!')) return problem('lookahead', i, p.slice(i, i + 3));
        if (rest.startsWith('<=') || rest.startsWith('<!')) return problem('lookbehind', i, p.slice(i, i + 4));
        if (rest.startsWith('>')) return problem('atomic group', i, p.slice(i, i + 3));
        if (/^(?:R|0)\)/.test(rest)) return problem('recursion', i, p.slice(i, i + 4));
        if (/^[+-]?\d+\)/.test(rest) || rest.startsWith('&') || rest.startsWith('P>')) {
          return problem('subroutine', i, p.slice(i, i + 2 + (/^[^)]*\)/.exec(rest)?.[0].length ?? 1)));
        }
        if (rest.startsWith('P=')) return problem('backreference', i, p.slice(i, i + 4));
        const named = /^(?:P?<[A-Za-z_]\w*>|'[A-Za-z_]\w*')/.exec(rest);
        const other = /^[A-Za-z-]*[:)]/.exec(rest);
        if (named) groups++;
        const opener = named ?? other;
        if (!opener) return problem('syntax', i, `'${p.slice(i, i + 3)}' is not a group`);
        if (opener[0].endsWith(')')) {
          // Inline flags such as (?i): no group opens.
          i += 2 + opener[0].length;
          atom = false;
          continue;
        }
        header = 2 + opener[0].length;
      } else {
        groups++;
      }
      depth++;
      atom = false;
      i += header;
      continue;
    }
    if (c === ')') {
      if (depth === 0) return problem('syntax', i, "an unmatched ')'");
      depth--;
      atom = true;
      i++;
      continue;
    }
    const braces = c === '{' ? QUANTIFIER_BRACES.exec(p.slice(i)) : null;
    if (c === '*' || c === '+' || c === '?' || braces) {
      if (!atom) return problem('syntax', i, `'${braces ? braces[0] : c}' has nothing to repeat`);
      i += braces ? braces[0].length : 1;
      if (p[i] === '+') return problem('possessive quantifier', i - 1, p.slice(i - 1, i + 1));
      if (p[i] === '?') i++;
      atom = false;
      continue;
    }
    atom = c !== '|' && c !== '^' && c !== '$';
    i++;
  }
  if (inClass) return problem('syntax', p.lastIndexOf('['), "a '[' class is never closed");
  if (depth > 0) return problem('syntax', p.lastIndexOf('('), "a '(' group is never closed");
  return { groups };
}
