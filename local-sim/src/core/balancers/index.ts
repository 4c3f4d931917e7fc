/** Target-selection algorithms behind one `Balancer` interface (one file per algorithm). */
import type { AlgorithmName } from '@ha-load-balancer/spec';
import type { BalancerFactory } from './balancer';
import { consistentHash } from './consistent-hash';
import { ipHash } from './ip-hash';
import { leastConnections } from './least-connections';
import { leastOutstandingRequests } from './least-outstanding-requests';
import { leastResponseTime } from './least-response-time';
import { powerOfTwoChoices } from './power-of-two-choices';
import { roundRobin } from './round-robin';
import { weightedRandom } from './weighted-random';
import { weightedRoundRobin } from './weighted-round-robin';

export * from './balancer';
export { roundRobin } from './round-robin';
export { leastOutstandingRequests } from './least-outstanding-requests';
export { weightedRandom, weightedChoice } from './weighted-random';
export { flowHash, fnv1a } from './flow-hash';
export { ipHash } from './ip-hash';
export { consistentHash } from './consistent-hash';
export { powerOfTwoChoices } from './power-of-two-choices';
export { leastResponseTime } from './least-response-time';
export { leastConnections } from './least-connections';
export { smoothWeightedPick, weightedRoundRobin } from './weighted-round-robin';

/** The AWS algorithms by their `load_balancing.algorithm.type` value (§2.1). */
export const AWS_BALANCERS: Readonly<Record<AlgorithmName, BalancerFactory>> = {
  round_robin: roundRobin,
  least_outstanding_requests: leastOutstandingRequests,
  weighted_random: weightedRandom,
};

/**
 * Classic algorithms AWS does NOT offer (ARCHITECTURE.md rule 4), for what-if comparisons only, in
 * the order the seed article presents them, then power of two choices. Weighted round robin without
 * configured weights (`weightedRoundRobin(weights)`) spreads like round_robin.
 */
export const NON_AWS_BALANCERS = {
  weighted_round_robin: weightedRoundRobin(),
  least_connections: leastConnections,
  ip_hash: ipHash,
  consistent_hash: consistentHash,
  least_response_time: leastResponseTime,
  power_of_two_choices: powerOfTwoChoices,
} as const satisfies Record<string, BalancerFactory>;

export type BalancerName = AlgorithmName | keyof typeof NON_AWS_BALANCERS;

/** Every algorithm by name, AWS first. */
export const ALL_BALANCERS: Readonly<Record<BalancerName, BalancerFactory>> = {
  ...AWS_BALANCERS,
  ...NON_AWS_BALANCERS,
};

export function isAwsAlgorithm(name: string): name is AlgorithmName {
  return Object.prototype.hasOwnProperty.call(AWS_BALANCERS, name);
}
