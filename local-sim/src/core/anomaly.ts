/**
 * Automatic target weights (docs/aws-behaviour.md §2.1). Detection always runs (needs ≥ 3 healthy targets);
 * mitigation lowers an anomalous target's weight when `anomaly_mitigation` is on (weighted_random only).
 * Thresholds and weight formula: simulator choice `anomaly_mitigation`.
 */
import { ANOMALY_DETECTION, SIMULATOR_CHOICE_PARAMS } from '@ha-load-balancer/spec';

export interface WindowStats {
  readonly requests: number;
  /** Target 5xx responses plus connection errors. */
  readonly errors: number;
}

export interface AnomalyStatus {
  readonly result: 'normal' | 'anomalous';
  /** Traffic weight (1 = full). */
  readonly weight: number;
  readonly mitigationInEffect: boolean;
}

export const NORMAL: AnomalyStatus = { result: 'normal', weight: 1, mitigationInEffect: false };

/**
 * Evaluate one window. `stats` holds the monitored (healthy) targets' counts; `previous` their last status.
 * Returns the new status of every key in `stats`.
 */
export function evaluateAnomalies(
  stats: ReadonlyMap<string, WindowStats>,
  previous: ReadonlyMap<string, AnomalyStatus>,
  mitigation: boolean,
): Map<string, AnomalyStatus> {
  const p = SIMULATOR_CHOICE_PARAMS.anomaly;
  const out = new Map<string, AnomalyStatus>();
  const enough = stats.size >= ANOMALY_DETECTION.minimumHealthyTargets;
  const rates = new Map<string, number>();
  for (const [k, s] of stats) if (s.requests > 0) rates.set(k, s.errors / s.requests);
  // The peers' mean is the total less the target's own rate: linear in the number of targets.
  let total = 0;
  for (const r of rates.values()) total += r;
  for (const [k] of stats) {
    const prev = previous.get(k) ?? NORMAL;
    const rate = rates.get(k);
    let anomalous = false;
    if (enough && rate !== undefined) {
      const peers = rates.size - 1;
      const mean = peers > 0 ? Math.max(0, total - rate) / peers : 0;
      anomalous = peers > 0 && rate > p.errorRateFactor * mean && rate > p.minErrorRate;
    } else if (rate === undefined) {
      anomalous = prev.result === 'anomalous';
    }
    let weight: number;
    if (!mitigation) weight = 1;
    else if (anomalous) weight = p.mitigatedWeight;
    else weight = Math.min(1, prev.weight * p.recoveryFactor);
    // the common case shares one object: thousands of targets are evaluated every window
    out.set(
      k,
      !anomalous && weight === 1
        ? NORMAL
        : { result: anomalous ? 'anomalous' : 'normal', weight, mitigationInEffect: mitigation && weight < 1 },
    );
  }
  return out;
}
