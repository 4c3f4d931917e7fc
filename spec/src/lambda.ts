/** Lambda functions as ALB targets: docs/aws-behaviour.md §5.2, §5.4 (and the Lambda service's own defaults). */

export const LAMBDA_TARGET_LIMITS = {
  /** Largest request body the ALB sends to a function (1 MB); larger → 413 from the load balancer. */
  requestBodyBytes: 1024 * 1024,
  /** Largest response JSON a function may return (1 MB); larger → 502 from the load balancer. */
  responseBytes: 1024 * 1024,
} as const;

/**
 * Request bodies of these content types reach the function as text (`isBase64Encoded: false`); any
 * other body is base64-encoded (`isBase64Encoded: true`). `text/` is a prefix.
 */
export const LAMBDA_TEXT_CONTENT_TYPES = [
  'text/',
  'application/json',
  'application/javascript',
  'application/xml',
] as const;

/** Defaults of `AWS::Lambda::Function` the simulator uses when running a function locally. */
export const LAMBDA_FUNCTION_DEFAULTS = {
  /** `Timeout` in seconds (1–900). */
  timeoutSeconds: 3,
  /** `MemorySize` in MB. */
  memoryMb: 128,
} as const;

/** Runtimes whose handlers the simulator can run with the local Node.js (`nodejs20.x`, ...). */
export const LOCAL_LAMBDA_RUNTIME_PREFIX = 'nodejs';
