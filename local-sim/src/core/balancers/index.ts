/** Target-selection algorithms behind one `Balancer` interface (one file per algorithm). */
import type { AlgorithmName } from '@ha-load-balancer/spec';
import type { BalancerFactory } from './balancer';
import { consistentHash } from './consistent-hash';
import { ipHash } from './ip-hash';
import { leastOutstandingRequests } from './least-outstanding-requests';
import { leastResponseTime } from './least-response-time';
import { powerOfTwoChoices } from './power-of-two-choices';
import { roundRobin } from './round-robin';
import { weightedRandom } from './weighted-random';

export * from './balancer';
export { roundRobin } from './round-robin';
export { leastOutstandingRequests } from './least-outstanding-requests';
export { weightedRandom, weightedChoice } from './weighted-random';
export { flowHash, fnv1a } from './flow-hash';
export { ipHash } from './ip-hash';
export { consistentHash } from './consistent-hash';
export { powerOfTwoChoices } from './power-of-two-choices';
export { leastResponseTime } from './least-response-time';

/** The AWS algorithms by their `load_balancing.algorithm.type` value (§2.1). */
export const AWS_BALANCERS: Readonly<Record<AlgorithmName, BalancerFactory>> = {
  round_robin: roundRobin,
  least_outstanding_requests: leastOutstandingRequests,
  weighted_random: weightedRandom,
};

/**
 * Classic algorithms AWS does NOT offer (ARCHITECTURE.md rule 4), for what-if comparisons only.
 * (Least connections equals least_outstanding_requests for HTTP; weighted round robin equals
 * round_robin without per-target weights in CloudFormation.)
 */
export const NON_AWS_BALANCERS = {
  ip_hash: ipHash,
  consistent_hash: consistentHash,
  power_of_two_choices: powerOfTwoChoices,
  least_response_time: leastResponseTime,
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
