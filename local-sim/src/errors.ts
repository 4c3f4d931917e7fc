/** Typed errors of the simulator (live, virtual, API and CLI), each with a stable `code` string that callers may match on. */

export type SimErrorCode =
  | 'SIM_SOURCE_NOT_FOUND'
  | 'SIM_SOURCE_INVALID'
  | 'SIM_MODEL_UNAVAILABLE'
  | 'SIM_LISTENER_NOT_FOUND'
  | 'SIM_TARGET_GROUP_NOT_FOUND'
  | 'SIM_LOAD_BALANCER_NOT_FOUND'
  | 'SIM_HEALTH_CHECK_NOT_FOUND'
  | 'SIM_ZONE_NOT_FOUND'
  | 'SIM_AMBIGUOUS_ID'
  | 'SIM_TARGET_NOT_FOUND'
  | 'SIM_NO_DEMO_BACKENDS'
  | 'SIM_BAD_OPTION'
  | 'SIM_PORT_IN_USE'
  | 'SIM_NOT_RUNNING'
  | 'SIM_SYNTH_FAILED'
  | 'SIM_WAIT_ABORTED'
  | 'SIM_NOTHING_TO_SERVE'
  | 'SIM_TARGET_PROCESS_FAILED'
  | 'SIM_SCENARIO_INVALID'
  | 'SIM_TRUST_STORE_MISSING'
  | 'SIM_INTERNAL'
  | 'SIM_ADMIN_HOST_REFUSED'
  | 'SIM_ADMIN_ORIGIN_REFUSED'
  | 'SIM_ADMIN_TOKEN_REQUIRED'
  | 'SIM_ADMIN_METHOD_NOT_ALLOWED'
  | 'SIM_ADMIN_UNKNOWN_VERB'
  | 'SIM_ADMIN_NOT_FOUND';

export class SimulatorError extends Error {
  readonly code: SimErrorCode;
  /** More lines for a person to read (e.g. the output of a failed synthesis); the message stays one line. */
  readonly detail?: string;
  constructor(code: SimErrorCode, message: string, options?: { cause?: unknown; detail?: string }) {
    super(`${code}: ${message}`, options);
    this.name = 'SimulatorError';
    this.code = code;
    if (options?.detail) this.detail = options.detail;
  }
}
