/**
 * Errors of the AWS-compatible API: AWS's error code (`TargetGroupNotFound`, `ValidationError`,
 * `NoSuchHostedZone`, ...), the HTTP status AWS answers with, and a message in AWS's wording where it is
 * known. Handlers throw them; the server turns them into AWS's XML error document.
 */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** `Sender` for errors in the request, `Receiver` for the service's own failures. */
    readonly type: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** `ValidationError`, the code both the ELBv2 Query API and its SDKs use for malformed input. */
export function validationError(message: string): ApiError {
  return new ApiError('ValidationError', message);
}

/** AWS's wording for a constraint a parameter fails, e.g. `Value '0' at 'port' failed to satisfy constraint: ...`. */
export function constraintError(value: unknown, at: string, constraint: string): ApiError {
  return validationError(
    `1 validation error detected: Value '${String(value)}' at '${at}' failed to satisfy constraint: ${constraint}`,
  );
}
