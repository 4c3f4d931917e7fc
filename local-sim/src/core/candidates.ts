/**
 * The candidate set of a target group (docs/aws-behaviour.md §1.5): healthy targets when the routing-failover
 * threshold (unhealthy_state_routing.minimum_healthy_targets.count / .percentage) is met, else every
 * registered target (fail open). A TG with no registered targets has no candidates (ALB answers 503).
 */
import type { TargetHealthState } from '@ha-load-balancer/spec';
import type { Threshold } from '../model/types';

export interface HealthView {
  readonly state: TargetHealthState;
  readonly availabilityZone?: string;
}

export type CandidateResult<T> =
  | { readonly kind: 'no-registered-targets' }
  | { readonly kind: 'ok'; readonly targets: readonly T[]; readonly failOpen: boolean; readonly healthyCount: number };

/** States that receive new requests in normal operation (health unknown for lambda counts as usable). */
export function isRoutable(state: TargetHealthState): boolean {
  return state === 'healthy' || state === 'unavailable';
}

/**
 * Registered and not deregistering: the population thresholds are computed over, and fail-open uses
 * (`initial` included: simulator choice `fail_open_initial_targets`).
 */
export function isRegistered(state: TargetHealthState): boolean {
  return (
    state === 'initial' ||
    state === 'healthy' ||
    state === 'unhealthy' ||
    state === 'unhealthy.draining' ||
    state === 'unavailable'
  );
}

/** True when healthy targets fall below either threshold (either breach triggers, §1.5). */
export function belowThreshold(
  healthy: number,
  registered: number,
  thresholds: { readonly count: Threshold; readonly percentage: Threshold },
): boolean {
  if (thresholds.count !== 'off' && healthy < thresholds.count) return true;
  if (thresholds.percentage !== 'off' && healthy * 100 < thresholds.percentage * registered) return true;
  return false;
}

/**
 * @param scopeZone when set (TG cross-zone off and the node's AZ known), only targets in that AZ count.
 */
export function candidateSet<T extends HealthView>(
  targets: readonly T[],
  thresholds: { readonly count: Threshold; readonly percentage: Threshold },
  scopeZone?: string,
): CandidateResult<T> {
  const inScope = targets.filter(
    (t) =>
      isRegistered(t.state) &&
      (scopeZone === undefined || t.availabilityZone === undefined || t.availabilityZone === scopeZone),
  );
  if (inScope.length === 0) return { kind: 'no-registered-targets' };
  const healthy = inScope.filter((t) => isRoutable(t.state));
  if (belowThreshold(healthy.length, inScope.length, thresholds) || healthy.length === 0) {
    // NLB unhealthy.draining targets take no new flows (§6.6) unless nothing else is left
    const open = inScope.filter((t) => t.state !== 'unhealthy.draining');
    const targets = open.length > 0 ? open : inScope;
    return { kind: 'ok', targets, failOpen: healthy.length < inScope.length, healthyCount: healthy.length };
  }
  return { kind: 'ok', targets: healthy, failOpen: false, healthyCount: healthy.length };
}
