/**
 * The target health state machine (docs/aws-behaviour.md §1.4) as a pure transition:
 * `transition(status, event, settings) → [status, effects]`. Effects are data the engine performs
 * (schedule the next probe, stop probing, report a state change, remove the target).
 *
 * ```
 * register            → initial/Elb.RegistrationInProgress (first probe after registrationDelayMs)
 * first probe sent    → initial/Elb.InitialHealthChecking
 * initial + 1 pass    → healthy
 * initial + U fails   → unhealthy               (simulator choice initial_to_unhealthy)
 * healthy + U fails   → unhealthy   (NLB with unhealthy draining interval: unhealthy.draining first, §6.6)
 * unhealthy + H passes→ healthy
 * deregister          → draining/Target.DeregistrationInProgress until the delay ends, then removed
 * TG not in use       → unused/Target.NotInUse  (never probed)
 * health checks off   → unavailable/Target.HealthCheckDisabled (lambda)
 * ```
 */
import { TARGET_HEALTH_DESCRIPTIONS, type TargetHealthReason, type TargetHealthState } from '@ha-load-balancer/spec';
import type { HealthEvent } from './types';

export type { HealthEvent };

export interface TargetHealthStatus {
  readonly state: TargetHealthState;
  readonly reason?: TargetHealthReason;
  readonly description?: string;
  readonly consecutivePasses: number;
  readonly consecutiveFails: number;
  /** When the current state was entered (ms). */
  readonly since: number;
  /** While `draining`: when the deregistration delay ends. While `unhealthy.draining`: when the interval ends. */
  readonly drainingUntil?: number;
}

export interface HealthSettings {
  /** `HealthCheckEnabled`. */
  readonly enabled: boolean;
  /** The TG is referenced by a listener or rule (§1.4: only then probed). */
  readonly inUse: boolean;
  readonly intervalMs: number;
  readonly healthyThresholdCount: number;
  readonly unhealthyThresholdCount: number;
  /** Simulator choice `registration_in_progress`. */
  readonly registrationDelayMs: number;
  /**
   * NLB `target_health_state.unhealthy.draining_interval_seconds` in ms (§6.6); 0 = off. When set, a
   * failing healthy target goes `unhealthy.draining` for this long before `unhealthy`.
   */
  readonly unhealthyDrainingMs?: number;
}

export type HealthEffect =
  | { readonly type: 'schedule-probe'; readonly at: number }
  | { readonly type: 'stop-probing' }
  | { readonly type: 'schedule-removal'; readonly at: number }
  | { readonly type: 'removed' }
  | {
      readonly type: 'state-changed';
      readonly from: TargetHealthState;
      readonly to: TargetHealthState;
      readonly reason?: TargetHealthReason;
    };

function status(
  state: TargetHealthState,
  reason: TargetHealthReason | undefined,
  since: number,
  drainingUntil?: number,
): TargetHealthStatus {
  // every field written, in one order: statuses of thousands of targets share one object shape
  return {
    state,
    reason,
    description: reason ? TARGET_HEALTH_DESCRIPTIONS[reason] : undefined,
    consecutivePasses: 0,
    consecutiveFails: 0,
    since,
    drainingUntil,
  };
}

/** `current` with new probe counts (the common result of a probe). */
function counted(current: TargetHealthStatus, passes: number, fails: number): TargetHealthStatus {
  return {
    state: current.state,
    reason: current.reason,
    description: current.description,
    consecutivePasses: passes,
    consecutiveFails: fails,
    since: current.since,
    drainingUntil: current.drainingUntil,
  };
}

/** No effect (shared: most transitions have none). */
const NO_EFFECTS: readonly HealthEffect[] = Object.freeze([]);

/** Status of a target that is not registered (DescribeTargetHealth for an unknown target, §1.4). */
export const NOT_REGISTERED: TargetHealthStatus = status('unused', 'Target.NotRegistered', 0);

function changed(from: TargetHealthStatus, to: TargetHealthStatus): readonly HealthEffect[] {
  return from.state === to.state
    ? NO_EFFECTS
    : [{ type: 'state-changed', from: from.state, to: to.state, reason: to.reason }];
}

/** The states whose probe results count. */
const PROBED: readonly TargetHealthState[] = ['initial', 'healthy', 'unhealthy', 'unhealthy.draining'];

export function transition(
  current: TargetHealthStatus,
  event: HealthEvent,
  settings: HealthSettings,
): [TargetHealthStatus, readonly HealthEffect[]] {
  switch (event.type) {
    case 'register': {
      let next: TargetHealthStatus;
      const effects: HealthEffect[] = [];
      if (!settings.inUse) next = status('unused', 'Target.NotInUse', event.at);
      else if (!settings.enabled) next = status('unavailable', 'Target.HealthCheckDisabled', event.at);
      else {
        next = status('initial', 'Elb.RegistrationInProgress', event.at);
        effects.push({ type: 'schedule-probe', at: event.at + settings.registrationDelayMs });
      }
      return [next, [...changed(current, next), ...effects]];
    }
    case 'probe-sent': {
      if (current.state === 'draining' || current.state === 'unused' || current.state === 'unavailable') {
        return [current, [{ type: 'stop-probing' }]];
      }
      const next =
        current.state === 'initial' && current.reason === 'Elb.RegistrationInProgress'
          ? {
              ...current,
              reason: 'Elb.InitialHealthChecking' as const,
              description: TARGET_HEALTH_DESCRIPTIONS['Elb.InitialHealthChecking'],
            }
          : current;
      return [next, [{ type: 'schedule-probe', at: event.at + settings.intervalMs }]];
    }
    case 'probe-result': {
      if (!PROBED.includes(current.state)) return [current, NO_EFFECTS];
      const v = event.verdict;
      if (v.ok) {
        const passes = current.consecutivePasses + 1;
        const failedState = current.state === 'unhealthy' || current.state === 'unhealthy.draining';
        const becomesHealthy = current.state === 'initial' || (failedState && passes >= settings.healthyThresholdCount);
        if (becomesHealthy) {
          const next = status('healthy', undefined, event.at);
          return [next, changed(current, next)];
        }
        return [counted(current, passes, 0), NO_EFFECTS];
      }
      const fails = current.consecutiveFails + 1;
      if (current.state === 'unhealthy' || current.state === 'unhealthy.draining') {
        return [
          { ...current, reason: v.reason, description: v.description, consecutivePasses: 0, consecutiveFails: fails },
          NO_EFFECTS,
        ];
      }
      if (fails >= settings.unhealthyThresholdCount) {
        const drainMs = settings.unhealthyDrainingMs ?? 0;
        if (current.state === 'healthy' && drainMs > 0) {
          const next: TargetHealthStatus = {
            ...status('unhealthy.draining', v.reason, event.at, event.at + drainMs),
            description: v.description,
            consecutiveFails: fails,
          };
          return [next, [...changed(current, next), { type: 'schedule-removal', at: event.at + drainMs }]];
        }
        const next: TargetHealthStatus = {
          ...status('unhealthy', v.reason, event.at),
          description: v.description,
          consecutiveFails: fails,
        };
        return [next, changed(current, next)];
      }
      return [counted(current, 0, fails), NO_EFFECTS];
    }
    case 'deregister': {
      if (current.state === 'draining') return [current, NO_EFFECTS];
      if (event.delayMs <= 0) {
        const next = { ...NOT_REGISTERED, since: event.at };
        return [next, [{ type: 'stop-probing' }, ...changed(current, next), { type: 'removed' }]];
      }
      const until = event.at + event.delayMs;
      const next = status('draining', 'Target.DeregistrationInProgress', event.at, until);
      return [next, [{ type: 'stop-probing' }, ...changed(current, next), { type: 'schedule-removal', at: until }]];
    }
    case 'delay-elapsed': {
      if (current.state === 'unhealthy.draining' && (current.drainingUntil ?? 0) <= event.at) {
        const next: TargetHealthStatus = { ...current, state: 'unhealthy', since: event.at, drainingUntil: undefined };
        return [next, changed(current, next)];
      }
      if (current.state !== 'draining' || (current.drainingUntil ?? 0) > event.at) return [current, NO_EFFECTS];
      const next = { ...NOT_REGISTERED, since: event.at };
      return [next, [...changed(current, next), { type: 'removed' }]];
    }
  }
}

/** A fresh status before registration (the machine's start). */
export function unregisteredStatus(at: number): TargetHealthStatus {
  return { ...NOT_REGISTERED, since: at };
}
