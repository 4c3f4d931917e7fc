/**
 * Classification of one health-check probe (docs/aws-behaviour.md §1.3): success, or a failure with the
 * reason code the load-balancer type reports (ALB distinguishes ResponseCodeMismatch and Timeout; NLB
 * reports Target.FailedHealthChecks for every failure).
 */
import { TARGET_HEALTH_DESCRIPTIONS, type LoadBalancerTypeName, type TargetHealthReason } from '@ha-load-balancer/spec';
import type { ProbeOutcome } from './types';

export type ProbeVerdict =
  { readonly ok: true } | { readonly ok: false; readonly reason: TargetHealthReason; readonly description: string };

export function classifyProbe(
  lbType: LoadBalancerTypeName,
  successCodes: readonly number[],
  outcome: ProbeOutcome,
): ProbeVerdict {
  const failed = (reason: TargetHealthReason, description: string = TARGET_HEALTH_DESCRIPTIONS[reason]) =>
    ({ ok: false, reason, description }) as const;
  const generic = () => failed('Target.FailedHealthChecks');
  switch (outcome.kind) {
    case 'connected':
      return { ok: true };
    case 'response':
      if (successCodes.includes(outcome.status)) return { ok: true };
      return lbType === 'application'
        ? failed(
            'Target.ResponseCodeMismatch',
            `${TARGET_HEALTH_DESCRIPTIONS['Target.ResponseCodeMismatch']}[${outcome.status}]`,
          )
        : generic();
    case 'timeout':
      return lbType === 'application' ? failed('Target.Timeout') : generic();
    case 'error':
      return generic();
  }
}
