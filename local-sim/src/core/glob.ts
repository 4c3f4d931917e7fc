/**
 * Listener-rule wildcard matching (docs/aws-behaviour.md §4.2): anchored full-string glob, `*` = any run of
 * characters (including none), `?` = exactly one character. For query-string values, `\*`, `\?` and
 * `\\` are literal characters.
 */

export interface GlobOptions {
  /** Compare case-insensitively (host-header, http-header values, query-string). */
  readonly caseInsensitive?: boolean;
  /** Honour `\` escapes (query-string conditions). */
  readonly escapes?: boolean;
}

type Token = { readonly kind: 'star' } | { readonly kind: 'one' } | { readonly kind: 'char'; readonly c: string };

function tokenize(pattern: string, escapes: boolean): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (escapes && c === '\\' && i + 1 < pattern.length) {
      out.push({ kind: 'char', c: pattern[++i] });
    } else if (c === '*') out.push({ kind: 'star' });
    else if (c === '?') out.push({ kind: 'one' });
    else out.push({ kind: 'char', c });
  }
  return out;
}

/**
 * Tokenized patterns by option set (index: caseInsensitive + 2 × escapes). Patterns come from the
 * model's rules, so the caches stay small; a request no longer tokenizes every pattern it meets.
 */
const TOKENS: readonly Map<string, Token[]>[] = [new Map(), new Map(), new Map(), new Map()];

function tokensOf(pattern: string, caseInsensitive: boolean, escapes: boolean): Token[] {
  const cache = TOKENS[(caseInsensitive ? 1 : 0) + (escapes ? 2 : 0)];
  let tokens = cache.get(pattern);
  if (!tokens) {
    tokens = tokenize(caseInsensitive ? pattern.toLowerCase() : pattern, escapes);
    cache.set(pattern, tokens);
  }
  return tokens;
}

/** True when the whole `text` matches `pattern`. Linear-time two-pointer algorithm (no regex, no backtracking blow-up). */
export function globMatch(pattern: string, text: string, options: GlobOptions = {}): boolean {
  const p = tokensOf(pattern, options.caseInsensitive ?? false, options.escapes ?? false);
  const s = options.caseInsensitive ? text.toLowerCase() : text;
  let pi = 0;
  let si = 0;
  let starP = -1;
  let starS = 0;
  while (si < s.length) {
    const t = p[pi];
    if (t && (t.kind === 'one' || (t.kind === 'char' && t.c === s[si]))) {
      pi++;
      si++;
    } else if (t && t.kind === 'star') {
      starP = pi++;
      starS = si;
    } else if (starP >= 0) {
      pi = starP + 1;
      si = ++starS;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi].kind === 'star') pi++;
  return pi === p.length;
}
