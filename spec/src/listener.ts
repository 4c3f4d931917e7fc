/** Listeners, rules, conditions and actions: docs/aws-behaviour.md §4, §6.1, §8.3, §8.4. */
import { range } from './range';

export const LISTENER_LIMITS = {
  port: range(1, 65535),
  tcpIdleTimeoutSeconds: range(60, 6000),
} as const;

export const LISTENER_DEFAULTS = {
  tcpIdleTimeoutSeconds: 350,
  udpIdleTimeoutSeconds: 120,
} as const;

/** §6.1: which target-group protocols each NLB listener protocol may forward to. */
export const NLB_LISTENER_TG_PROTOCOLS: Readonly<Record<string, readonly string[]>> = {
  TCP: ['TCP', 'TCP_UDP'],
  TLS: ['TCP', 'TLS'],
  UDP: ['UDP', 'TCP_UDP'],
  TCP_UDP: ['TCP_UDP'],
};

/** ALB listeners forward to HTTP or HTTPS target groups. */
export const ALB_LISTENER_TG_PROTOCOLS: readonly string[] = ['HTTP', 'HTTPS'];

export const RULE_LIMITS = {
  priority: range(1, 50000),
  actionOrder: range(1, 50000),
  valuesPerCondition: 3,
  valuesPerRule: 5,
  wildcardsPerRule: 5,
  conditionValueLength: range(1, 128),
  httpHeaderNameLength: range(1, 40),
  methodLength: range(1, 40),
  sourceIpValues: 5,
  targetGroupsPerAlbAction: 5,
  targetGroupsPerNlbAction: 1,
  forwardWeight: range(0, 999),
  redirectPort: range(1, 65535),
  redirectHostLength: range(1, 128),
  redirectPathLength: range(1, 128),
  redirectQueryLength: range(0, 128),
  fixedResponseBodyLength: range(0, 1024),
  /** Query-string condition keys, like values, hold 1–128 characters (§4.2). */
  queryStringKeyLength: range(1, 128),
  /** `RegexValues` of host-header, http-header and path-pattern conditions: 1–128 characters each (§4.2). */
  regexValueLength: range(1, 128),
  /** Rule transforms: `Regex` and `Replace` hold at most 1024 characters (CloudFormation RewriteConfig, §4.3). */
  transformRegexLength: range(1, 1024),
  transformReplaceLength: range(0, 1024),
} as const;

/** Rule transform types (§4.3); a rule carries at most one of each, a default rule none. */
export const TRANSFORM_TYPES = ['host-header-rewrite', 'url-rewrite'] as const;
export type TransformTypeName = (typeof TRANSFORM_TYPES)[number];

/** Condition fields that accept `RegexValues` instead of `Values` (§4.2). */
export const REGEX_CONDITION_FIELDS = ['host-header', 'http-header', 'path-pattern'] as const;

/** authenticate-oidc / authenticate-cognito (§4.3): defaults and limits of the action config. */
export const AUTHENTICATE_LIMITS = {
  sessionTimeoutSeconds: range(1, 604800),
  extraParams: 10,
} as const;

export const AUTHENTICATE_DEFAULTS = {
  sessionCookieName: 'AWSELBAuthSessionCookie',
  scope: 'openid',
  sessionTimeoutSeconds: 604800,
  onUnauthenticatedRequest: 'authenticate',
} as const;

/** `OnUnauthenticatedRequest` values (§4.3). */
export const ON_UNAUTHENTICATED_REQUEST = ['deny', 'allow', 'authenticate'] as const;

/** Action types that end a rule (§4.1); authenticate actions may only precede them. */
export const TERMINAL_ACTION_TYPES = ['forward', 'redirect', 'fixed-response'] as const;

/** `MutualAuthentication.Mode` of HTTPS listeners (§8.3). */
export const MUTUAL_AUTHENTICATION_MODES = ['off', 'passthrough', 'verify'] as const;

/**
 * Headers that carry the client certificate to targets (§5.1 mutual TLS). `verify` mode sends the five
 * `X-Amzn-Mtls-Clientcert-*` headers of the leaf; `passthrough` sends the whole chain in
 * `X-Amzn-Mtls-Clientcert`. Values: serial number in hex, issuer and subject as RFC 2253 strings,
 * validity as `NotBefore=<ISO 8601>;NotAfter=<ISO 8601>`, certificates as URL-encoded PEM with `+=/`
 * left as they are.
 */
export const MTLS_HEADER_NAMES = {
  clientcert: 'X-Amzn-Mtls-Clientcert',
  serialNumber: 'X-Amzn-Mtls-Clientcert-Serial-Number',
  issuer: 'X-Amzn-Mtls-Clientcert-Issuer',
  subject: 'X-Amzn-Mtls-Clientcert-Subject',
  validity: 'X-Amzn-Mtls-Clientcert-Validity',
  leaf: 'X-Amzn-Mtls-Clientcert-Leaf',
} as const;

/** Listener attributes that rename the headers of `MTLS_HEADER_NAMES` (§5.1). */
export const MTLS_HEADER_NAME_ATTRIBUTES: Readonly<Record<keyof typeof MTLS_HEADER_NAMES, string>> = {
  clientcert: 'routing.http.request.x_amzn_mtls_clientcert.header_name',
  serialNumber: 'routing.http.request.x_amzn_mtls_clientcert_serial_number.header_name',
  issuer: 'routing.http.request.x_amzn_mtls_clientcert_issuer.header_name',
  subject: 'routing.http.request.x_amzn_mtls_clientcert_subject.header_name',
  validity: 'routing.http.request.x_amzn_mtls_clientcert_validity.header_name',
  leaf: 'routing.http.request.x_amzn_mtls_clientcert_leaf.header_name',
};

/**
 * The authentication flow of authenticate-oidc / authenticate-cognito (§4.3): the OIDC authorization
 * code flow with the load balancer as the client.
 */
export const AUTHENTICATION_FLOW = {
  /** The redirect URI registered with the identity provider: `https://<host>/oauth2/idpresponse`. */
  redirectPath: '/oauth2/idpresponse',
  /** Session cookies are sharded: `<name>-0`, `<name>-1`, ... of at most this many bytes each. */
  cookieShardBytes: 4096,
  /** User claims plus access token above this size: 401 and `ELBAuthUserClaimsSizeExceeded`. */
  maxClaimsBytes: 11 * 1024,
  /** A login not finished within this time gets 401. */
  loginWindowSeconds: 15 * 60,
  /** The cookie that ties the identity provider's answer to the browser that started the login. */
  nonceCookie: 'AWSALBAuthNonce',
  /** Headers the load balancer adds to authenticated requests. */
  headers: {
    accessToken: 'x-amzn-oidc-accesstoken',
    identity: 'x-amzn-oidc-identity',
    data: 'x-amzn-oidc-data',
  },
  /** `x-amzn-oidc-data` is a JWT signed with ECDSA P-256 + SHA-256, base64url with `=` padding kept. */
  dataAlgorithm: 'ES256',
} as const;

/** `error_reason` values of a failed authenticate action (§5.5) and the metric each one counts in (§5.6). */
export const AUTH_ERROR_REASONS = {
  AuthInvalidCookie: 'ELBAuthFailure',
  AuthInvalidGrantError: 'ELBAuthFailure',
  AuthInvalidIdToken: 'ELBAuthFailure',
  AuthInvalidStateParam: 'ELBAuthFailure',
  AuthInvalidTokenResponse: 'ELBAuthFailure',
  AuthInvalidUserinfoResponse: 'ELBAuthFailure',
  AuthMissingCodeParam: 'ELBAuthFailure',
  AuthMissingHostHeader: 'ELBAuthError',
  AuthMissingStateParam: 'ELBAuthFailure',
  AuthTokenEpRequestFailed: 'ELBAuthError',
  AuthTokenEpRequestTimeout: 'ELBAuthError',
  AuthUnhandledException: 'ELBAuthError',
  AuthUserinfoEpRequestFailed: 'ELBAuthError',
  AuthUserinfoEpRequestTimeout: 'ELBAuthError',
  AuthUserinfoResponseSizeExceeded: 'ELBAuthError',
} as const;
export type AuthErrorReason = keyof typeof AUTH_ERROR_REASONS;

/** Conditions that may appear at most once per rule (§4.2). */
export const SINGLE_USE_CONDITIONS = ['host-header', 'path-pattern', 'http-request-method', 'source-ip'] as const;

/** Character sets per condition value (§4.2). */
export const CONDITION_VALUE_PATTERNS = {
  'host-header': /^[A-Za-z0-9\-.*?]+$/,
  'path-pattern': /^[A-Za-z0-9_\-.$/~"'@:+&*?]+$/,
  'http-request-method': /^[A-Z_-]+$/,
  /** RFC 7230 token characters. */
  httpHeaderName: /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/,
} as const;

/** Fixed-response status code grammar (§4.3). */
export const FIXED_RESPONSE_STATUS_PATTERN = /^(2|4|5)\d\d$/;

/** Redirect placeholders (§4.3). */
export const REDIRECT_PLACEHOLDERS = ['#{protocol}', '#{host}', '#{port}', '#{path}', '#{query}'] as const;

/** The single source-ip value AWS refuses (§4.2). */
export const FORBIDDEN_SOURCE_IP = '255.255.255.255/32';

/** A modern TLS policy used by default on HTTPS and TLS listeners (TLS 1.3 with 1.2 fallback). */
export const DEFAULT_SSL_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';

/**
 * Predefined ELB security policies accepted by HTTPS (ALB) and TLS (NLB) listeners (§8.3), as the ELB
 * guides list them: the TLS 1.3 families (with FIPS and post-quantum variants), forward-secrecy and
 * TLS 1.0-1.2 policies, and the legacy ones. AWS adds policies over time; a name missing here is
 * reported at synth, and this list is the place to add it.
 */
export const ELB_SSL_POLICIES = [
  'ELBSecurityPolicy-TLS13-1-2-2021-06',
  'ELBSecurityPolicy-TLS13-1-2-Res-2021-06',
  'ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06',
  'ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06',
  'ELBSecurityPolicy-TLS13-1-1-2021-06',
  'ELBSecurityPolicy-TLS13-1-0-2021-06',
  'ELBSecurityPolicy-TLS13-1-3-2021-06',
  'ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04',
  'ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04',
  'ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04',
  'ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04',
  'ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04',
  'ELBSecurityPolicy-TLS13-1-1-FIPS-2023-04',
  'ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04',
  'ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04',
  'ELBSecurityPolicy-TLS13-1-2-PQ-2025-09',
  'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09',
  'ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09',
  'ELBSecurityPolicy-TLS13-1-2-Ext2-PQ-2025-09',
  'ELBSecurityPolicy-TLS13-1-0-PQ-2025-09',
  'ELBSecurityPolicy-TLS13-1-3-PQ-2025-09',
  'ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09',
  'ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09',
  'ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-PQ-2025-09',
  'ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-PQ-2025-09',
  'ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-PQ-2025-09',
  'ELBSecurityPolicy-TLS13-1-0-FIPS-PQ-2025-09',
  'ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09',
  'ELBSecurityPolicy-FS-1-2-Res-2020-10',
  'ELBSecurityPolicy-FS-1-2-Res-2019-08',
  'ELBSecurityPolicy-FS-1-2-2019-08',
  'ELBSecurityPolicy-FS-1-1-2019-08',
  'ELBSecurityPolicy-FS-2018-06',
  'ELBSecurityPolicy-TLS-1-2-Ext-2018-06',
  'ELBSecurityPolicy-TLS-1-2-2017-01',
  'ELBSecurityPolicy-TLS-1-1-2017-01',
  'ELBSecurityPolicy-TLS-1-0-2015-04',
  'ELBSecurityPolicy-2016-08',
  'ELBSecurityPolicy-2015-05',
] as const;

/** TLS versions each well-known ELB security policy accepts (for the simulator's HTTPS listeners). */
export const SSL_POLICY_TLS_VERSIONS: Readonly<
  Record<string, { min: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'; max: 'TLSv1.2' | 'TLSv1.3' }>
> = {
  'ELBSecurityPolicy-TLS13-1-2-2021-06': { min: 'TLSv1.2', max: 'TLSv1.3' },
  'ELBSecurityPolicy-TLS13-1-2-Res-2021-06': { min: 'TLSv1.2', max: 'TLSv1.3' },
  'ELBSecurityPolicy-TLS13-1-3-2021-06': { min: 'TLSv1.3', max: 'TLSv1.3' },
  'ELBSecurityPolicy-TLS-1-2-Ext-2018-06': { min: 'TLSv1.2', max: 'TLSv1.2' },
  'ELBSecurityPolicy-TLS-1-2-2017-01': { min: 'TLSv1.2', max: 'TLSv1.2' },
  'ELBSecurityPolicy-TLS-1-1-2017-01': { min: 'TLSv1.1', max: 'TLSv1.2' },
  'ELBSecurityPolicy-2016-08': { min: 'TLSv1', max: 'TLSv1.2' },
};
