/**
 * Listener-rule evaluation (docs/aws-behaviour.md §4.1, §4.2): rules in ascending priority, first rule whose
 * conditions all match wins, else the default rule. Conditions are ANDed; values within a condition ORed.
 */
import type { ActionModel, ConditionModel, ListenerModel, RuleModel } from '../model/types';
import { globMatch } from './glob';
import { cidrContains } from './ip';
import { ruleRegexMatches } from './regex';
import type { HttpRequestInfo } from './types';

/** Header values by case-insensitive name, in order of appearance. */
export function headerValues(req: Pick<HttpRequestInfo, 'headers'>, name: string): string[] {
  const wanted = name.toLowerCase();
  const out: string[] = [];
  for (const [k, v] of Object.entries(req.headers)) {
    if (k.toLowerCase() !== wanted || v === undefined) continue;
    if (Array.isArray(v)) out.push(...(v as string[]));
    else out.push(v as string);
  }
  return out;
}

/** The request's host name without `:port` (simulator choice `host_header_port`). */
export function requestHostName(req: Pick<HttpRequestInfo, 'headers' | 'host'>): string | undefined {
  const raw = req.host ?? headerValues(req, 'host')[0];
  if (raw === undefined) return undefined;
  const h = raw.trim();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(0, end + 1) : h;
  }
  const colon = h.lastIndexOf(':');
  return colon >= 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** Query string → list of [key, value] (percent-decoded, simulator choice `query_string_decoding`). */
export function parseQuery(query: string): [string, string][] {
  if (query === '') return [];
  return query.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    return eq < 0 ? [decode(pair), ''] : [decode(pair.slice(0, eq)), decode(pair.slice(eq + 1))];
  });
}

/** Does one condition match the request? */
export function conditionMatches(c: ConditionModel, req: HttpRequestInfo): boolean {
  switch (c.field) {
    case 'host-header': {
      const host = requestHostName(req);
      if (host === undefined) return false;
      if (c.values.some((v) => globMatch(v, host, { caseInsensitive: true }))) return true;
      // simulator choice regex_condition_semantics: the same host as the values (host_header_port)
      return c.regexValues !== undefined && c.regexValues.some((r) => ruleRegexMatches(r, host));
    }
    case 'path-pattern':
      return (
        c.values.some((v) => globMatch(v, req.path)) ||
        (c.regexValues !== undefined && c.regexValues.some((r) => ruleRegexMatches(r, req.path)))
      );
    case 'http-header': {
      const values = headerValues(req, c.headerName);
      return values.some(
        (hv) =>
          c.values.some((v) => globMatch(v, hv, { caseInsensitive: true })) ||
          (c.regexValues !== undefined && c.regexValues.some((r) => ruleRegexMatches(r, hv))),
      );
    }
    case 'http-request-method':
      return c.values.includes(req.method);
    case 'query-string': {
      const pairs = parseQuery(req.query);
      const opts = { caseInsensitive: true, escapes: true };
      return c.values.some((want) =>
        pairs.some(
          ([k, v]) => (want.key === undefined || globMatch(want.key, k, opts)) && globMatch(want.value, v, opts),
        ),
      );
    }
    case 'source-ip':
      return c.values.some((cidr) => cidrContains(cidr, req.sourceIp));
  }
}

export function ruleMatches(rule: Pick<RuleModel, 'conditions'>, req: HttpRequestInfo): boolean {
  return rule.conditions.every((c) => conditionMatches(c, req));
}

export interface RuleSelection {
  /** The matched rule, or undefined for the default rule. */
  readonly rule?: RuleModel;
  /** 1–50000 for a rule, 0 for the default rule. */
  readonly priority: number;
  readonly actions: readonly ActionModel[];
}

/** Each rule list sorted by priority once (models are immutable: a new model has new lists). */
const SORTED = new WeakMap<readonly RuleModel[], readonly RuleModel[]>();
/** The default-rule selection of each default-action list, made once. */
const DEFAULTS = new WeakMap<readonly ActionModel[], RuleSelection>();

/** First matching rule by ascending priority, else the default rule (§4.1). */
export function selectRule(
  listener: Pick<ListenerModel, 'rules' | 'defaultActions'>,
  req: HttpRequestInfo,
): RuleSelection {
  let sorted = SORTED.get(listener.rules);
  if (!sorted) {
    sorted = [...listener.rules].sort((a, b) => a.priority - b.priority);
    SORTED.set(listener.rules, sorted);
  }
  for (const rule of sorted) {
    if (ruleMatches(rule, req)) return { rule, priority: rule.priority, actions: rule.actions };
  }
  let selection = DEFAULTS.get(listener.defaultActions);
  if (!selection) {
    selection = { priority: 0, actions: listener.defaultActions };
    DEFAULTS.set(listener.defaultActions, selection);
  }
  return selection;
}
