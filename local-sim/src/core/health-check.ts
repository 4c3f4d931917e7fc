/**
 * Classification of one health-check probe (docs/aws-behaviour.md §1.3): success, or a failure with the
 * reason code the load-balancer type reports (ALB distinguishes ResponseCodeMismatch and Timeout; NLB
 * reports Target.FailedHealthChecks for every failure).
 */
import { TARGET_HEALTH_DESCRIPTIONS, type LoadBalancerTypeName, type TargetHealthReason } from '@ha-load-balancer/spec';
import type { ProbeOutcome, ProbeVerdict } from './types';

export type { ProbeVerdict };

/** A probe that passed (shared: most probes pass). */
const PASS: ProbeVerdict = Object.freeze({ ok: true });

function failed(reason: TargetHealthReason, description: string = TARGET_HEALTH_DESCRIPTIONS[reason]): ProbeVerdict {
  return { ok: false, reason, description };
}

export function classifyProbe(
  lbType: LoadBalancerTypeName,
  successCodes: readonly number[],
  outcome: ProbeOutcome,
): ProbeVerdict {
  switch (outcome.kind) {
    case 'connected':
      return PASS;
    case 'response':
      if (successCodes.includes(outcome.status)) return PASS;
      return lbType === 'application'
        ? failed(
            'Target.ResponseCodeMismatch',
            `${TARGET_HEALTH_DESCRIPTIONS['Target.ResponseCodeMismatch']}[${outcome.status}]`,
          )
        : failed('Target.FailedHealthChecks');
    case 'timeout':
      return failed(lbType === 'application' ? 'Target.Timeout' : 'Target.FailedHealthChecks');
    case 'error':
      return failed('Target.FailedHealthChecks');
  }
}
