import {
  classifyUpstreamError,
  gatewayError,
  isGrpcRequest,
  protocolVersionError,
  type UpstreamFailureKind,
} from '../../src/core/gateway-errors';

describe('ALB-generated status per upstream failure (docs/aws-behaviour.md §5.4)', () => {
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
    ['incompatible_protocol_version', 464, false],
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

describe('classifying socket-layer errors (docs/aws-behaviour.md §5.4)', () => {
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

describe('HTTP 464: request protocol vs target-group protocol version (docs/aws-behaviour.md §5.4)', () => {
  test.each([
    // [target-group ProtocolVersion, HTTP major version, method, content-type, 464?]
    ['HTTP1', 1, 'GET', undefined, false],
    ['HTTP1', 2, 'GET', 'text/html', false],
    ['HTTP1', 2, 'POST', 'application/grpc', true],
    ['HTTP1', 2, 'POST', 'application/grpc+proto', true],
    ['HTTP1', 1, 'POST', 'Application/GRPC', true],
    ['HTTP2', 1, 'GET', undefined, true],
    ['HTTP2', 1, 'POST', 'application/grpc', true],
    ['HTTP2', 2, 'GET', undefined, false],
    ['HTTP2', 2, 'POST', 'application/grpc', false],
    ['GRPC', 1, 'POST', 'application/grpc', true],
    ['GRPC', 1, 'GET', undefined, true],
    ['GRPC', 2, 'GET', undefined, true],
    ['GRPC', 2, 'PUT', 'application/grpc', true],
    ['GRPC', 2, 'POST', 'application/grpc', false],
  ] as const)('%s target group, HTTP/%i %s (content-type %s) → 464: %s', (pv, major, method, contentType, is464) => {
    const e = protocolVersionError(pv, { httpVersionMajor: major, method, contentType });
    if (!is464) {
      expect(e).toBeUndefined();
      return;
    }
    expect(e).toMatchObject({ kind: 'incompatible_protocol_version', status: 464, dispatched: false });
    expect(e?.targetConnectionError).toBe(false);
    expect(e?.detail).toContain(`${pv} target group`);
  });

  test('gRPC requests are recognised by content-type application/grpc*', () => {
    expect(isGrpcRequest('application/grpc')).toBe(true);
    expect(isGrpcRequest('application/grpc+json')).toBe(true);
    expect(isGrpcRequest('application/json')).toBe(false);
    expect(isGrpcRequest(undefined)).toBe(false);
  });
});
