/**
 * The live request timeline of the admin port: each HTTP request through an ALB listener with the rule
 * that matched and why (the first failed condition of every rule tried before it, §4.1), the target and
 * why it was picked (§1.5, §2.1, §3), status and timings.
 *
 * Cost: nothing while nobody watches. The timeline listens to the simulator's `exchange` events only
 * while it has watchers (a dashboard or an `/events` stream); then each request costs a few array
 * stores (the observation, the model it was routed with, the target health seen at that moment). The
 * explanation is computed only when someone reads it (`/api/requests`, the stream's next batch), by the
 * pure `core/explain.ts`, and kept for the next reader.
 */
import { parseCookies } from '../../core/cookies';
import { requestInfo, type ExchangeObservation } from '../../core/exchange';
import {
  explainRules,
  explainTarget,
  type RuleTrace,
  type TargetExplanation,
  type TargetHealthSeen,
} from '../../core/explain';
import { headerValues } from '../../core/rules';
import { describeActions } from '../endpoints';
import { loadBalancerDimension } from '../../model/ids';
import type { ActionModel, ForwardActionModel, ListenerModel, LoadBalancerModel, SimModel } from '../../model/types';
import type { AdminHost } from '../simulator-api';

/** How many requests the timeline keeps. */
export const TIMELINE_CAPACITY = 500;

/** One request of the timeline, explained (`GET /api/requests`). */
export interface ExplainedRequest {
  /** Increasing number of the request in this timeline. */
  readonly id: number;
  /** When it arrived (ISO 8601) and in ms since the epoch. */
  readonly at: string;
  readonly receivedAtMs: number;
  readonly loadBalancer?: string;
  readonly listener?: string;
  readonly listenerPort: number;
  readonly method: string;
  /** Path and query as sent. */
  readonly path: string;
  readonly host?: string;
  readonly client: string;
  /** What the client received (460: it had left); `generated`: the load balancer answered by itself. */
  readonly status: number;
  readonly generated: boolean;
  readonly targetStatus?: number;
  /** Why the load balancer answered by itself, when it did. */
  readonly cause?: string;
  readonly timings: {
    /** Receipt until the request went to the target (or until the answer, when none did). */
    readonly requestMs: number;
    /** The target's time to its response headers (`TargetResponseTime`); -1 when no target answered. */
    readonly targetMs: number;
    /** Response headers to the end of the response; -1 when no target answered. */
    readonly responseMs: number;
    readonly totalMs: number;
  };
  /** Rule evaluation (§4.1); absent when the request was answered before rules were evaluated. */
  readonly rule?: {
    /** As in the access log: the rule's priority, 0 for the default rule. */
    readonly matchedPriority: number;
    readonly matchedRuleId?: string;
    readonly action: string;
    readonly rules: readonly RuleTrace[];
    /**
     * False when evaluating the rules again does not give the rule the request was routed by (the model
     * it was routed with is unknown): the trace is then a guess and says so.
     */
    readonly consistent: boolean;
  };
  readonly targetGroup?: string;
  readonly target?: {
    readonly address: string;
    readonly index?: number;
    readonly name?: string;
    readonly why: TargetExplanation;
  };
}

/** Filters of `/api/requests` (all optional, combined with AND). */
export interface TimelineFilter {
  /** Listener id, or its port (`443`). */
  readonly listener?: string;
  /** Rule priority, `default` (or 0), or rule id. */
  readonly rule?: string;
  /** `id:port`, a demo backend's name, or `<target group>#<index>`. */
  readonly target?: string;
  readonly targetGroup?: string;
  /** An exact status (`503`) or a class (`5xx`). */
  readonly status?: string;
  /** Only requests after this id. */
  readonly after?: number;
  /** At most this many, newest last (default and maximum: the capacity). */
  readonly limit?: number;
}

/** Which load balancer and listener an observation came through (by dimension and AWS port). */
function listenerOf(model: SimModel, o: ExchangeObservation): { lb?: LoadBalancerModel; listener?: ListenerModel } {
  const lb = model.loadBalancers.find((b) => loadBalancerDimension(b) === o.loadBalancer);
  if (!lb) return {};
  const listener = model.listeners.find((l) => l.loadBalancerId === lb.id && l.port === o.listenerPort);
  return { lb, ...(listener ? { listener } : {}) };
}

function actionsOf(listener: ListenerModel, priority: number): readonly ActionModel[] {
  if (priority === 0) return listener.defaultActions;
  return listener.rules.find((r) => r.priority === priority)?.actions ?? [];
}

function originForm(target: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(target);
  return m ? target.slice(m[0].length) || '/' : target;
}

function statusMatches(filter: string, status: number): boolean {
  const f = filter.trim().toLowerCase();
  const cls = /^([1-5])xx$/.exec(f);
  if (cls) return Math.floor(status / 100) === Number(cls[1]);
  return String(status) === f;
}

export class RequestTimeline {
  readonly #sim: AdminHost;
  readonly #cookieKey: string | Uint8Array;
  readonly #capacity: number;
  // parallel rings: no object per request while recording
  readonly #obs: (ExchangeObservation | undefined)[];
  readonly #models: (SimModel | undefined)[];
  readonly #health: (readonly TargetHealthSeen[] | undefined)[];
  readonly #explained: (ExplainedRequest | undefined)[];
  #next = 1;
  #watchers = 0;
  /** Target health per target group while recording, dropped on every health change. */
  readonly #healthSeen = new Map<string, readonly TargetHealthSeen[]>();
  readonly #onExchange = (o: ExchangeObservation): void => this.#record(o);
  readonly #onHealth = (): void => this.#healthSeen.clear();

  constructor(sim: AdminHost, cookieKey: string | Uint8Array, capacity = TIMELINE_CAPACITY) {
    this.#sim = sim;
    this.#cookieKey = cookieKey;
    this.#capacity = capacity;
    this.#obs = new Array(capacity);
    this.#models = new Array(capacity);
    this.#health = new Array(capacity);
    this.#explained = new Array(capacity);
  }

  /** True while someone watches: requests are being recorded. */
  get recording(): boolean {
    return this.#watchers > 0;
  }

  /** Id of the latest recorded request (0 before the first). */
  get lastId(): number {
    return this.#next - 1;
  }

  /** Start recording for one more watcher; call the returned function when it leaves. */
  watch(): () => void {
    if (this.#watchers++ === 0) {
      this.#sim.on('exchange', this.#onExchange);
      this.#sim.on('health', this.#onHealth);
      this.#sim.on('reload', this.#onHealth);
    }
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (--this.#watchers === 0) {
        this.#sim.off('exchange', this.#onExchange);
        this.#sim.off('health', this.#onHealth);
        this.#sim.off('reload', this.#onHealth);
        this.#healthSeen.clear();
      }
    };
  }

  #record(o: ExchangeObservation): void {
    const slot = this.#next++ % this.#capacity;
    this.#obs[slot] = o;
    this.#models[slot] = this.#sim.model;
    this.#explained[slot] = undefined;
    const tg = o.targetGroup?.id;
    this.#health[slot] = tg !== undefined && o.target !== undefined ? this.#healthOf(tg) : undefined;
  }

  #healthOf(targetGroupId: string): readonly TargetHealthSeen[] {
    let seen = this.#healthSeen.get(targetGroupId);
    if (!seen) {
      seen = this.#sim.engine.describeTargetHealth(targetGroupId).map((d) => ({
        id: d.Target.Id,
        port: d.Target.Port,
        state: d.TargetHealth.State,
        ...(d.TargetHealth.Reason ? { reason: d.TargetHealth.Reason } : {}),
      }));
      this.#healthSeen.set(targetGroupId, seen);
    }
    return seen;
  }

  /** The recorded requests matching `filter`, oldest first. */
  requests(filter: TimelineFilter = {}): ExplainedRequest[] {
    const out: ExplainedRequest[] = [];
    const first = Math.max(1, this.#next - this.#capacity, (filter.after ?? 0) + 1);
    for (let id = first; id < this.#next; id++) {
      const e = this.get(id);
      if (e && this.#matches(e, filter)) out.push(e);
    }
    const limit = Math.min(filter.limit ?? this.#capacity, this.#capacity);
    return out.length > limit ? out.slice(out.length - limit) : out;
  }

  /** One recorded request, explained, while it is still kept. */
  get(id: number): ExplainedRequest | undefined {
    if (id < 1 || id >= this.#next || id <= this.#next - 1 - this.#capacity) return undefined;
    const slot = id % this.#capacity;
    const o = this.#obs[slot];
    if (!o) return undefined;
    let e = this.#explained[slot];
    if (!e) this.#explained[slot] = e = this.#explain(id, o, this.#models[slot]!, this.#health[slot]);
    return e;
  }

  #matches(e: ExplainedRequest, f: TimelineFilter): boolean {
    if (f.listener !== undefined && e.listener !== f.listener && String(e.listenerPort) !== f.listener) return false;
    if (f.rule !== undefined) {
      const r = e.rule;
      const want = f.rule === 'default' ? '0' : f.rule;
      if (!r || (String(r.matchedPriority) !== want && r.matchedRuleId !== f.rule)) return false;
    }
    if (f.targetGroup !== undefined && e.targetGroup !== f.targetGroup) return false;
    if (f.target !== undefined) {
      const t = e.target;
      const tagged = t && e.targetGroup !== undefined && t.index !== undefined ? `${e.targetGroup}#${t.index}` : '';
      if (!t || (t.address !== f.target && t.name !== f.target && tagged !== f.target)) return false;
    }
    if (f.status !== undefined && !statusMatches(f.status, e.status)) return false;
    return true;
  }

  #explain(
    id: number,
    o: ExchangeObservation,
    model: SimModel,
    health: readonly TargetHealthSeen[] | undefined,
  ): ExplainedRequest {
    const { lb, listener } = listenerOf(model, o);
    const req = o.request;
    const host = req.headers.find(([k]) => k.toLowerCase() === 'host')?.[1];
    const parsed = req.method !== '';
    let rule: ExplainedRequest['rule'];
    let forward: ForwardActionModel | undefined;
    if (listener && parsed && o.matchedRulePriority !== undefined && o.matchedRulePriority >= 0) {
      const info = requestInfo(req, o.scheme, o.listenerPort);
      const traced = explainRules(listener, info);
      const actions = actionsOf(listener, o.matchedRulePriority);
      forward = actions.find((a): a is ForwardActionModel => a.type === 'forward');
      const matched = traced.rules.find((r) => r.matched);
      rule = {
        matchedPriority: o.matchedRulePriority,
        ...(matched?.ruleId ? { matchedRuleId: matched.ruleId } : {}),
        action: describeActions(actions, (tgId) => tgId),
        rules: traced.rules,
        consistent: traced.matchedPriority === o.matchedRulePriority,
      };
    }
    let target: ExplainedRequest['target'];
    const tg = o.targetGroup ? model.targetGroups.find((t) => t.id === o.targetGroup!.id) : undefined;
    if (o.target && tg && parsed) {
      const control = this.#control(tg.id, o.target.targetId, o.target.port);
      const why = explainTarget({
        targetGroup: tg,
        ...(forward ? { action: forward } : {}),
        target: o.target,
        stickiness: o.stickiness ?? 'none',
        failOpen: o.failOpen === true,
        cookies: parseCookies(headerValues(requestInfo(req, o.scheme, o.listenerPort), 'cookie')),
        receivedAtMs: o.receivedAtMs,
        cookieKey: this.#cookieKey,
        ...(health ? { health } : {}),
      });
      target = {
        address: `${o.target.targetId}:${o.target.port}`,
        ...(control ? { index: control.index } : {}),
        ...(control?.name ? { name: control.name } : {}),
        why,
      };
    }
    const total = o.finishedAtMs - o.receivedAtMs;
    return {
      id,
      at: new Date(o.receivedAtMs).toISOString(),
      receivedAtMs: o.receivedAtMs,
      ...(lb ? { loadBalancer: lb.id } : {}),
      ...(listener ? { listener: listener.id } : {}),
      listenerPort: o.listenerPort,
      method: req.method,
      path: originForm(req.target),
      ...(host !== undefined ? { host } : {}),
      client: `${req.client.address}:${req.client.port}`,
      status: o.status,
      generated: o.generated,
      ...(o.targetStatus !== undefined ? { targetStatus: o.targetStatus } : {}),
      ...(o.cause ? { cause: o.cause } : {}),
      timings: {
        requestMs: o.requestProcessingMs,
        targetMs: o.targetProcessingMs,
        responseMs: o.responseProcessingMs,
        totalMs: total,
      },
      ...(rule ? { rule } : {}),
      ...(o.targetGroup ? { targetGroup: o.targetGroup.id } : {}),
      ...(target ? { target } : {}),
    };
  }

  #control(targetGroupId: string, targetId: string, port: number): { index: number; name?: string } | undefined {
    try {
      return this.#sim
        .targets(targetGroupId)
        .controls.find((c) => c.target.targetId === targetId && c.target.port === port);
    } catch {
      return undefined;
    }
  }
}
