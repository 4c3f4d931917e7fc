/**
 * Slow start (docs/aws-behaviour.md §2.2): a target that turns healthy ramps its share linearly over
 * `slow_start.duration_seconds`, unless no other healthy target outside slow start exists.
 * Starting share: simulator choice `slow_start_initial_share`.
 */
import { SIMULATOR_CHOICE_PARAMS } from '@ha-load-balancer/spec';

export interface SlowStartPeer {
  readonly healthy: boolean;
  readonly inSlowStart: boolean;
}

/** Does a target that just turned healthy enter slow start? */
export function entersSlowStart(durationSeconds: number, otherTargets: readonly SlowStartPeer[]): boolean {
  return durationSeconds > 0 && otherTargets.some((t) => t.healthy && !t.inSlowStart);
}

/** Share of a full target at `now` for a slow start that began at `startedAt`; 1 once it is over. */
export function slowStartWeight(now: number, startedAt: number, durationMs: number): number {
  if (durationMs <= 0) return 1;
  const elapsed = now - startedAt;
  if (elapsed >= durationMs) return 1;
  return Math.max(SIMULATOR_CHOICE_PARAMS.slowStartMinimumWeight, elapsed / durationMs);
}
