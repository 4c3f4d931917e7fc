import { classifyUpstreamError, gatewayError, type UpstreamFailureKind } from '../../src/core/gateway-errors';

describe('ALB-generated status per upstream failure (aws-semantics.md §5.4)', () => {
  test.each([
    ['connect_refused', 502, true],
    ['connect_reset', 502, true],
    ['connect_timeout', 504, true],
    ['target_idle_timeout', 504, false],
    ['target_closed', 502, false],
    ['bad_response_headers', 502, false],
    ['response_headers_too_large', 502, false],
    ['tls_failure', 502, true],
    ['deregistration_delay_expired', 502, false],
    ['no_registered_targets', 503, false],
    ['content_length_mismatch', 504, false],
  ] as const)('%s → %i (TargetConnectionErrorCount: %s)', (kind, status, connErr) => {
    const e = gatewayError(kind as UpstreamFailureKind, 'detail');
    expect(e.status).toBe(status);
    expect(e.targetConnectionError).toBe(connErr);
    expect(e.cause.length).toBeGreaterThan(10);
    expect(e.detail).toBe('detail');
  });

  test('no registered targets is not dispatched; target failures are', () => {
    expect(gatewayError('no_registered_targets').dispatched).toBe(false);
    expect(gatewayError('target_closed').dispatched).toBe(true);
  });
});

describe('classifying socket-layer errors (aws-semantics.md §5.4)', () => {
  test.each([
    [{ code: 'ECONNREFUSED' }, 'connect', 'connect_refused'],
    [{ code: 'ECONNRESET' }, 'connect', 'connect_reset'],
    [{ code: 'ECONNRESET' }, 'request', 'target_closed'],
    [{ code: 'UND_ERR_SOCKET' }, 'request', 'target_closed'],
    [{ code: 'UND_ERR_CONNECT_TIMEOUT', name: 'ConnectTimeoutError' }, 'connect', 'connect_timeout'],
    [{ code: 'UND_ERR_HEADERS_TIMEOUT' }, 'request', 'target_idle_timeout'],
    [{ code: 'UND_ERR_BODY_TIMEOUT' }, 'request', 'target_idle_timeout'],
    [{ code: 'UND_ERR_HEADERS_OVERFLOW' }, 'request', 'response_headers_too_large'],
    [{ code: 'HPE_INVALID_CONSTANT', name: 'HTTPParserError' }, 'request', 'bad_response_headers'],
    [{ code: 'ERR_SSL_WRONG_VERSION_NUMBER' }, 'connect', 'tls_failure'],
    [{ code: 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' }, 'request', 'content_length_mismatch'],
    [{ name: 'TypeError', cause: { code: 'ECONNREFUSED' } }, 'connect', 'connect_refused'],
  ] as const)('%j during %s → %s', (err, phase, kind) => {
    expect(classifyUpstreamError(err, phase)).toBe(kind);
  });
});
