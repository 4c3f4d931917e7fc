/**
 * The target controls of the admin port, `POST /_sim/targets/<target-group>/<index>/<verb>[/<arg>]`,
 * shared by the dashboard's buttons and `curl`. Registration goes through the AWS-compatible API's own
 * `RegisterTargets` / `DeregisterTargets` handlers (same validation, same errors, same path into the
 * simulator as `aws elbv2 deregister-targets`); the other verbs switch the demo backend or the target
 * process the simulator started (what a real target would do: fail its health check, go down, ...).
 */
import { handleElbv2, type Elbv2Context } from '../../api/elbv2/handler';
import { ApiError } from '../../api/errors';
import { QueryParams } from '../../api/query';
import { targetGroupArn } from '../../model/ids';
import type { TargetHealthDescription } from '../../core/engine';
import type { AdminHost, TargetControl } from '../simulator-api';

type Verb = (c: TargetControl, arg: number | undefined, api: ApiCall) => Promise<void> | void;
type ApiCall = (action: 'RegisterTargets' | 'DeregisterTargets', c: TargetControl) => Promise<void>;

/** Verbs, in the order the help text lists them. */
export const TARGET_VERBS: Readonly<Record<string, Verb>> = {
  'fail-health': (c) => c.failHealthChecks(),
  recover: (c) => c.recover(),
  status: (c, arg) => c.respondWith(arg),
  delay: (c, arg) => c.slow(arg ?? 0),
  hang: (c) => c.hang(),
  reset: (c) => c.reset(),
  down: (c) => c.down(),
  up: (c) => c.up(),
  deregister: (c, _arg, api) => api('DeregisterTargets', c),
  register: (c, _arg, api) => api('RegisterTargets', c),
};

export const CONTROL_HELP =
  'POST /_sim/targets/<target-group>/<index>/<fail-health|recover|status/503|delay/500|hang|reset|down|up|deregister|register> with the X-HA-Sim-Token header';

/** A control request: target group (as given), index, verb and its numeric argument. */
export interface ControlRequest {
  readonly targetGroup: string;
  readonly index: number;
  readonly verb: string;
  readonly arg?: number;
}

/** `/_sim/targets/<tg>/<i>/<verb>[/<n>]` → its parts, or undefined when the path is not a control. */
export function parseControlPath(pathname: string): ControlRequest | undefined {
  const m = /^\/_sim\/targets\/(.+)\/(\d+)\/([a-z-]+)(?:\/(\d+))?$/.exec(pathname);
  if (!m) return undefined;
  let targetGroup: string;
  try {
    targetGroup = decodeURIComponent(m[1]!);
  } catch {
    return undefined;
  }
  return {
    targetGroup,
    index: Number(m[2]),
    verb: m[3]!,
    ...(m[4] !== undefined ? { arg: Number(m[4]) } : {}),
  };
}

export const ZONE_HELP =
  'POST /_sim/zones/<Availability Zone>/<fail|recover> with the X-HA-Sim-Token header (GET /_sim/zones lists them)';

/** A zone control: fail or recover an Availability Zone (§1.5, §2.4). */
export interface ZoneControlRequest {
  readonly zone: string;
  readonly action: 'fail' | 'recover';
}

/** `/_sim/zones/<zone>/<fail|recover>` → its parts, or undefined when the path is not a zone control. */
export function parseZonePath(pathname: string): ZoneControlRequest | undefined {
  const m = /^\/_sim\/zones\/([^/]+)\/(fail|recover)$/.exec(pathname);
  if (!m) return undefined;
  try {
    return { zone: decodeURIComponent(m[1]!), action: m[2] as 'fail' | 'recover' };
  } catch {
    return undefined;
  }
}

/**
 * Fail or recover a zone: its load-balancer nodes stop and leave DNS, the targets the simulator runs there
 * go down (`Simulator.failZone`). An unknown zone throws `SIM_ZONE_NOT_FOUND`.
 */
export async function runZoneControl(sim: AdminHost, req: ZoneControlRequest) {
  if (req.action === 'fail') await sim.failZone(req.zone);
  else await sim.recoverZone(req.zone);
  return { ok: true as const, zone: sim.zones().find((z) => z.availabilityZone === req.zone) };
}

/** The answer to a control: the target's health after it, or the AWS API's error. */
export type ControlResult =
  | { readonly ok: true; readonly target: TargetHealthDescription | undefined }
  | {
      readonly ok: false;
      readonly status: number;
      readonly error: { readonly code: string; readonly message: string };
    };

/**
 * Run one control. Unknown target groups and indexes throw the simulator's errors
 * (`SIM_TARGET_GROUP_NOT_FOUND`, `SIM_TARGET_NOT_FOUND`); an unknown verb and an AWS API refusal are
 * results.
 */
export async function runControl(
  sim: AdminHost,
  elbv2: () => Elbv2Context,
  req: ControlRequest,
): Promise<ControlResult> {
  const verb = Object.prototype.hasOwnProperty.call(TARGET_VERBS, req.verb) ? TARGET_VERBS[req.verb] : undefined;
  const control = sim.targets(req.targetGroup).get(req.index);
  if (!verb) {
    return {
      ok: false,
      status: 404,
      error: { code: 'SIM_ADMIN_UNKNOWN_VERB', message: `unknown verb ${req.verb}; ${CONTROL_HELP}` },
    };
  }
  const api: ApiCall = async (action, c) => {
    const tg = sim.declaredModel.targetGroups.find((t) => t.id === c.targetGroupId);
    const params = new Map<string, string>([
      ['Action', action],
      ['TargetGroupArn', tg ? targetGroupArn(tg) : c.targetGroupId],
      ['Targets.member.1.Id', c.target.targetId],
      ['Targets.member.1.Port', String(c.target.port)],
    ]);
    await handleElbv2(new QueryParams(params), elbv2(), `admin-${action}`);
  };
  try {
    await verb(control, req.arg, api);
  } catch (err) {
    if (err instanceof ApiError) {
      return { ok: false, status: err.status, error: { code: err.code, message: err.message } };
    }
    throw err;
  }
  return { ok: true, target: control.health() };
}
