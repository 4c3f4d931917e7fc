/**
 * Why one request went where it went, for the admin port's request timeline: which rule matched and,
 * for each rule tried before it, the first condition that failed (§4.1: rules by ascending priority,
 * conditions ANDed, values ORed; §4.2 condition types); and why the target was chosen (stickiness §3.1–
 * §3.3, the algorithm §2.1, fail-open §1.5).
 *
 * Routing itself records none of this: the live shell keeps the request and, only when someone asks,
 * recomputes the explanation here from the request, the model it was routed with and the target health
 * seen at that moment. Pure: no clock (times are passed in), no I/O.
 */
import type { TargetHealthState } from '@ha-load-balancer/spec';
import type { ConditionModel, ForwardActionModel, ListenerModel, RuleModel, TargetGroupModel } from '../model/types';
import { isRegistered, isRoutable } from './candidates';
import { decodeStickyCookie, type StickyPayload } from './cookies';
import { globMatch } from './glob';
import { cidrContains } from './ip';
import { headerValues, parseQuery, requestHostName } from './rules';
import { APP_COOKIE_NAME, LB_COOKIE_NAMES, TG_COOKIE_NAMES } from './stickiness';
import type { HttpRequestInfo, StickinessOutcome, TargetKey } from './types';

/** One condition against one request. */
export interface ConditionVerdict {
  readonly field: ConditionModel['field'];
  readonly matched: boolean;
  /** What was compared with what, e.g. `path "/x" matches none of "/api/*"`. */
  readonly detail: string;
}

/** One rule as evaluated for a request (§4.1). */
export interface RuleTrace {
  /** 1–50000, or `default` for the listener's default rule. */
  readonly priority: number | 'default';
  readonly ruleId?: string;
  readonly matched: boolean;
  /** A rule that did not match: the first of its conditions that failed (the rest were not needed). */
  readonly failed?: ConditionVerdict;
  /** The rule that matched: each of its conditions with the value that matched it. */
  readonly conditions?: readonly ConditionVerdict[];
}

export interface RuleExplanation {
  /** The rules in evaluation order, up to and including the one that matched. */
  readonly rules: readonly RuleTrace[];
  /** As in the access log (§4.1): the rule's priority, 0 for the default rule. */
  readonly matchedPriority: number;
}

const quote = (s: string): string => JSON.stringify(s);
const list = (values: readonly string[]): string => values.map(quote).join(', ');

function verdict(field: ConditionModel['field'], matched: boolean, detail: string): ConditionVerdict {
  return { field, matched, detail };
}

/** Is `subject` matched by one of `patterns`? Returns the first that matches. */
function firstGlob(patterns: readonly string[], subject: string, caseInsensitive: boolean): string | undefined {
  return patterns.find((p) => globMatch(p, subject, { caseInsensitive }));
}

/** One condition (§4.2), with what it compared. Agrees with `conditionMatches` of `rules.ts`. */
export function explainCondition(c: ConditionModel, req: HttpRequestInfo): ConditionVerdict {
  switch (c.field) {
    case 'host-header': {
      const host = requestHostName(req);
      if (host === undefined) return verdict(c.field, false, `no Host header (wanted ${list(c.values)})`);
      const hit = firstGlob(c.values, host, true);
      return hit !== undefined
        ? verdict(c.field, true, `host ${quote(host)} matches ${quote(hit)}`)
        : verdict(c.field, false, `host ${quote(host)} matches none of ${list(c.values)}`);
    }
    case 'path-pattern': {
      const hit = firstGlob(c.values, req.path, false);
      return hit !== undefined
        ? verdict(c.field, true, `path ${quote(req.path)} matches ${quote(hit)}`)
        : verdict(c.field, false, `path ${quote(req.path)} matches none of ${list(c.values)}`);
    }
    case 'http-header': {
      const values = headerValues(req, c.headerName);
      if (values.length === 0) return verdict(c.field, false, `no ${c.headerName} header (wanted ${list(c.values)})`);
      for (const v of values) {
        const hit = firstGlob(c.values, v, true);
        if (hit !== undefined) return verdict(c.field, true, `${c.headerName} ${quote(v)} matches ${quote(hit)}`);
      }
      return verdict(c.field, false, `${c.headerName} ${list(values)} matches none of ${list(c.values)}`);
    }
    case 'http-request-method':
      return c.values.includes(req.method)
        ? verdict(c.field, true, `method ${req.method} is one of ${c.values.join(', ')}`)
        : verdict(c.field, false, `method ${req.method} is not one of ${c.values.join(', ')} (case-sensitive)`);
    case 'query-string': {
      const pairs = parseQuery(req.query);
      const opts = { caseInsensitive: true, escapes: true };
      const wanted = c.values.map((w) => (w.key === undefined ? w.value : `${w.key}=${w.value}`));
      for (const want of c.values) {
        const pair = pairs.find(
          ([k, v]) => (want.key === undefined || globMatch(want.key, k, opts)) && globMatch(want.value, v, opts),
        );
        if (pair) {
          const w = want.key === undefined ? want.value : `${want.key}=${want.value}`;
          return verdict(c.field, true, `query pair ${quote(`${pair[0]}=${pair[1]}`)} matches ${quote(w)}`);
        }
      }
      return verdict(
        c.field,
        false,
        pairs.length === 0
          ? `no query string (wanted ${list(wanted)})`
          : `query ${quote(req.query)} has no pair matching ${list(wanted)}`,
      );
    }
    case 'source-ip': {
      const hit = c.values.find((cidr) => cidrContains(cidr, req.sourceIp));
      return hit !== undefined
        ? verdict(c.field, true, `source ${req.sourceIp} is in ${hit}`)
        : verdict(c.field, false, `source ${req.sourceIp} is in none of ${c.values.join(', ')}`);
    }
  }
}

/** Rules in evaluation order, as `selectRule` tries them (§4.1). */
function byPriority(rules: readonly RuleModel[]): RuleModel[] {
  return [...rules].sort((a, b) => a.priority - b.priority);
}

/**
 * The rules of `listener` as evaluated for `req` (§4.1): every rule tried with the first condition that
 * failed, then the one that matched with what matched it, or the default rule.
 */
export function explainRules(listener: Pick<ListenerModel, 'rules'>, req: HttpRequestInfo): RuleExplanation {
  const rules: RuleTrace[] = [];
  for (const rule of byPriority(listener.rules)) {
    let failed: ConditionVerdict | undefined;
    const passed: ConditionVerdict[] = [];
    for (const c of rule.conditions) {
      const v = explainCondition(c, req);
      if (!v.matched) {
        failed = v;
        break;
      }
      passed.push(v);
    }
    if (failed) {
      rules.push({ priority: rule.priority, ruleId: rule.id, matched: false, failed });
      continue;
    }
    rules.push({ priority: rule.priority, ruleId: rule.id, matched: true, conditions: passed });
    return { rules, matchedPriority: rule.priority };
  }
  rules.push({ priority: 'default', matched: true, conditions: [] });
  return { rules, matchedPriority: 0 };
}

/** A target's health at the moment of the request, as `DescribeTargetHealth` reported it. */
export interface TargetHealthSeen {
  readonly id: string;
  readonly port: number;
  readonly state: TargetHealthState;
  readonly reason?: string;
}

/** Why the target was chosen; `code` is stable (tests and filters use it), `detail` is for people. */
export type PickCode =
  /** A valid sticky cookie named this target (§3.1, §3.2). */
  | 'sticky-cookie'
  /** Stickiness on, no cookie yet: the algorithm chose and a cookie is issued (§3.1). */
  | 'sticky-new'
  /** The cookie named a target that could not take the request (unhealthy, draining, gone): picked again (§3.1). */
  | 'repick-target-unusable'
  /** The cookie could not be decoded, was for another target group, or had expired: picked again (§3.1). */
  | 'repick-cookie-invalid'
  /** round_robin (§2.1): the target whose turn it was. */
  | 'round-robin-turn'
  /** least_outstanding_requests (§2.1): the fewest requests in flight. */
  | 'least-outstanding'
  /** weighted_random (§2.1): a random pick. */
  | 'weighted-random'
  /** A what-if algorithm that AWS does not offer. */
  | 'algorithm';

export interface TargetExplanation {
  readonly code: PickCode;
  readonly detail: string;
  /** `load_balancing.algorithm.type` of the target group. */
  readonly algorithm: string;
  /** How many targets were candidates (§1.5), when the health at the time is known. */
  readonly candidates?: number;
  /** The target group was failing open (§1.5): unhealthy targets were candidates too. */
  readonly failOpen: boolean;
  /** Several target groups in the forward action (§3.3): how this one was chosen. */
  readonly targetGroupChoice?: string;
}

export interface TargetPickInput {
  readonly targetGroup: TargetGroupModel;
  /** The forward action of the matched rule (for the target-group choice of a weighted forward, §3.3). */
  readonly action?: ForwardActionModel;
  readonly target: TargetKey;
  readonly stickiness: StickinessOutcome;
  readonly failOpen: boolean;
  /** Cookies of the request (name → value). */
  readonly cookies: ReadonlyMap<string, string>;
  /** When the request arrived (ms, the engine's clock): cookie ages are measured from here. */
  readonly receivedAtMs: number;
  /** The key the engine signs stickiness cookies with. */
  readonly cookieKey: string | Uint8Array;
  /** The group's targets as they were when the request arrived, in registration order, when known. */
  readonly health?: readonly TargetHealthSeen[];
  /** Names of target groups by id, for messages. */
  readonly name?: (targetGroupId: string) => string;
}

const ordinal = (n: number): string => {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${s}`;
};

const seconds = (ms: number): string => `${Math.round(ms / 100) / 10} s`;

/** The candidates of §1.5 as the health snapshot shows them. */
function candidatesOf(health: readonly TargetHealthSeen[], failOpen: boolean): TargetHealthSeen[] {
  if (!failOpen) return health.filter((t) => isRoutable(t.state));
  const registered = health.filter((t) => isRegistered(t.state));
  const open = registered.filter((t) => t.state !== 'unhealthy.draining');
  return open.length > 0 ? open : registered;
}

function algorithmReason(
  input: TargetPickInput,
  candidates: readonly TargetHealthSeen[] | undefined,
): { code: PickCode; detail: string } {
  const algorithm = input.targetGroup.attributes.algorithm as string;
  const among = candidates ? ` among ${candidates.length} candidate${candidates.length === 1 ? '' : 's'}` : '';
  switch (algorithm) {
    case 'round_robin': {
      const at = candidates?.findIndex((t) => t.id === input.target.targetId && t.port === input.target.port) ?? -1;
      const turn = at >= 0 ? ` (the ${ordinal(at + 1)} in registration order)` : '';
      return { code: 'round-robin-turn', detail: `round_robin: its turn${among}${turn}` };
    }
    case 'least_outstanding_requests':
      return {
        code: 'least-outstanding',
        detail: `least_outstanding_requests: the fewest requests in flight${among} (ties at random, simulator choice lor_tie_break)`,
      };
    case 'weighted_random':
      return { code: 'weighted-random', detail: `weighted_random: a random pick${among}` };
    default:
      return { code: 'algorithm', detail: `${algorithm} (not AWS): picked${among}` };
  }
}

/** What is wrong with a sticky cookie that did not select a target (§3.1). */
function cookieProblem(
  payload: StickyPayload | undefined,
  kind: StickyPayload['k'],
  input: TargetPickInput,
  durationMs: number,
): string | undefined {
  if (!payload || payload.k !== kind) return 'could not be decoded (tampered with, or signed by another simulator run)';
  if (payload.g !== input.targetGroup.id) {
    return `is for target group ${input.name?.(payload.g) ?? payload.g}`;
  }
  const age = input.receivedAtMs - payload.i;
  if (age >= durationMs || payload.i > input.receivedAtMs) {
    return `had expired (issued ${seconds(age)} before, stickiness lasts ${seconds(durationMs)})`;
  }
  return undefined;
}

function stickyReason(
  input: TargetPickInput,
  byAlgorithm: { code: PickCode; detail: string },
): { code: PickCode; detail: string } | undefined {
  const st = input.targetGroup.attributes.stickiness;
  if (input.stickiness === 'none' || !st.enabled) return undefined;
  const isLb = st.type === 'lb_cookie';
  const names: readonly string[] = isLb ? LB_COOKIE_NAMES : [APP_COOKIE_NAME];
  const name = names.find((n) => input.cookies.has(n));
  const cookie = name ?? names[names.length - 1]!;
  if (input.stickiness === 'new') {
    return {
      code: 'sticky-new',
      detail: `no ${cookie} cookie yet; ${byAlgorithm.detail}; a new ${cookie} cookie is issued`,
    };
  }
  const payload = name !== undefined ? decodeStickyCookie(input.cookies.get(name)!, input.cookieKey) : undefined;
  if (input.stickiness === 'hit') {
    const age = payload ? `, issued ${seconds(input.receivedAtMs - payload.i)} before` : '';
    return { code: 'sticky-cookie', detail: `the ${cookie} cookie names this target${age}` };
  }
  // repick
  const durationMs = (isLb ? st.lbCookieDurationSeconds : st.appCookieDurationSeconds) * 1000;
  const problem = cookieProblem(payload, isLb ? 'lb' : 'app', input, durationMs);
  if (problem !== undefined) {
    return {
      code: 'repick-cookie-invalid',
      detail: `the ${cookie} cookie ${problem}; picked again: ${byAlgorithm.detail}`,
    };
  }
  const named = `${payload!.t}:${payload!.p}`;
  const seen = input.health?.find((t) => t.id === payload!.t && t.port === payload!.p);
  const state = seen
    ? `was ${seen.state}${seen.reason ? ` (${seen.reason})` : ''}`
    : input.health
      ? 'was no longer registered'
      : 'could not take new requests';
  return {
    code: 'repick-target-unusable',
    detail: `the ${cookie} cookie names ${named}, which ${state}; picked again: ${byAlgorithm.detail}`,
  };
}

/** §3.3: how a weighted forward action chose this target group. */
function targetGroupChoice(input: TargetPickInput): string | undefined {
  const action = input.action;
  if (!action || action.targetGroups.length < 2) return undefined;
  const name = (id: string): string => input.name?.(id) ?? id;
  const weights = action.targetGroups.map((t) => `${name(t.targetGroupId)} ${t.weight}`).join(' / ');
  if (action.targetGroupStickiness?.enabled) {
    const cookieName = TG_COOKIE_NAMES.find((n) => input.cookies.has(n));
    const payload = cookieName ? decodeStickyCookie(input.cookies.get(cookieName)!, input.cookieKey) : undefined;
    const durationMs = (action.targetGroupStickiness.durationSeconds ?? 0) * 1000;
    const age = payload ? input.receivedAtMs - payload.i : undefined;
    if (
      payload?.k === 'tg' &&
      payload.g === input.targetGroup.id &&
      age !== undefined &&
      age >= 0 &&
      age < durationMs
    ) {
      return `the ${cookieName} cookie names this target group (weights ${weights})`;
    }
    return `by weight (${weights}); a ${TG_COOKIE_NAMES[TG_COOKIE_NAMES.length - 1]} cookie is issued`;
  }
  return `by weight (${weights})`;
}

/** Why `input.target` served the request (§1.5, §2.1, §3). */
export function explainTarget(input: TargetPickInput): TargetExplanation {
  const candidates = input.health ? candidatesOf(input.health, input.failOpen) : undefined;
  const byAlgorithm = algorithmReason(input, candidates);
  const reason = stickyReason(input, byAlgorithm) ?? byAlgorithm;
  const failOpen = input.failOpen
    ? 'the target group was failing open (§1.5): too few healthy targets, so unhealthy ones were candidates too; '
    : '';
  const tgChoice = targetGroupChoice(input);
  return {
    code: reason.code,
    detail: `${failOpen}${reason.detail}`,
    algorithm: input.targetGroup.attributes.algorithm,
    ...(candidates ? { candidates: candidates.length } : {}),
    failOpen: input.failOpen,
    ...(tgChoice ? { targetGroupChoice: tgChoice } : {}),
  };
}
