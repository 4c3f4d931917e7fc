/**
 * Rule transforms (docs/aws-behaviour.md §4.3): `host-header-rewrite` and `url-rewrite` change what the
 * target receives after the rule was chosen; they never change the rule or the target group. No match:
 * the request goes on unchanged. A match whose rewrite fails: the load balancer answers 500.
 *
 * What is matched (simulator choice `transform_input`): url-rewrite sees the origin-form path plus
 * `?query` when there is one, host-header-rewrite the Host value the target would get (§5.1). When a
 * rewrite "fails" is simulator choice `transform_failure`.
 */
import type { TransformModel } from '../model/types';
import { rewriteFirst } from './regex';

/** What the transforms of one rule did to a forwarded request. */
export type TransformOutcome =
  | { readonly kind: 'applied'; readonly pathAndQuery?: string; readonly host?: string }
  | { readonly kind: 'failed'; readonly why: string };

const UNCHANGED: TransformOutcome = { kind: 'applied' };

/** A usable origin-form request target: starts with `/`, no space or control character. */
// eslint-disable-next-line no-control-regex
const URL_OK = /^\/[^\x00-\x20\x7f]*$/;
/** A usable Host value: a name or an address, optionally with a port. */
const HOST_OK = /^[A-Za-z0-9.\-:[\]]+$/;

/**
 * Apply a rule's transforms to the request as it would be forwarded: `pathAndQuery` (origin form) and
 * `host` (undefined when the request has none, so a host rewrite has nothing to match).
 */
export function applyTransforms(
  transforms: readonly TransformModel[],
  pathAndQuery: string,
  host: string | undefined,
): TransformOutcome {
  let out: { pathAndQuery?: string; host?: string } | undefined;
  for (const t of transforms) {
    const url = t.type === 'url-rewrite';
    const input = url ? pathAndQuery : host;
    if (input === undefined) continue;
    for (const rw of t.rewrites) {
      const r = rewriteFirst(rw.regex, rw.replace, input);
      if (r.kind === 'no-match') continue;
      if (r.kind === 'failed') return { kind: 'failed', why: `${t.type}: ${r.why}` };
      if (url && !URL_OK.test(r.value)) {
        return { kind: 'failed', why: `url-rewrite gives ${JSON.stringify(r.value)}, not a path starting with /` };
      }
      if (!url && !HOST_OK.test(r.value)) {
        return { kind: 'failed', why: `host-header-rewrite gives ${JSON.stringify(r.value)}, not a host name` };
      }
      out ??= {};
      if (url) out.pathAndQuery = r.value;
      else out.host = r.value;
      break; // the first rewrite whose regex matches
    }
  }
  return out ? { kind: 'applied', ...out } : UNCHANGED;
}
