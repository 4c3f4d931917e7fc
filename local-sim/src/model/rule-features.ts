/**
 * Template → model for the ALB features that act on single requests beyond routing: `RegexValues`
 * conditions (docs/aws-behaviour.md §4.2), rule `Transforms` (§4.3), `authenticate-oidc` /
 * `authenticate-cognito` actions (§4.3) and listener `MutualAuthentication` with its trust store (§5.1).
 * Kept apart from `build.ts` so that file stays about resources and references; `build.ts` hands each
 * function a `FeatureReader` over the resource being read.
 */
import {
  AUTHENTICATE_DEFAULTS,
  checkRuleRegex,
  MTLS_HEADER_NAMES,
  MTLS_HEADER_NAME_ATTRIBUTES,
  ON_UNAUTHENTICATED_REQUEST,
  SIMULATOR_CHOICES,
  SIMULATOR_CHOICE_PARAMS,
  TRANSFORM_TYPES,
} from '@ha-load-balancer/spec';
import { RE2JS } from 're2js';
import type { Resolved } from './intrinsics';
import type {
  AuthenticateActionModel,
  ModelIssue,
  MtlsHeaderNames,
  MutualAuthenticationModel,
  TransformModel,
  TrustStoreRef,
} from './types';

type Issue = Omit<ModelIssue, 'resourcePath'>;

/** What a feature parser may ask of the resource it reads (implemented by the model builder). */
export interface FeatureReader {
  /** A literal string, or undefined (with an issue) when the value is not one. */
  str(value: unknown, what: string): string | undefined;
  num(value: unknown, what: string): number | undefined;
  bool(value: unknown, what: string): boolean | undefined;
  /** The literal strings of a list. */
  values(value: unknown, what: string): string[];
  /** Resolve without reporting. */
  resolve(value: unknown): Resolved;
  /** Type, properties and friendly id of a resource of the assembly. */
  resource(
    stackName: string,
    logicalId: string,
  ): { readonly type: string; readonly props: Readonly<Record<string, unknown>>; readonly id: string } | undefined;
  issue(issue: Issue): void;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Why a rule pattern cannot run, or undefined: the dialect check shared with the constructs, then the
 * RE2 engine the core matches with (`core/regex.ts`, which compiles the same way).
 */
function regexProblem(source: string): string | undefined {
  const p = checkRuleRegex(source);
  if (p) {
    return p.feature === 'syntax'
      ? `not a regular expression: ${p.text} (at ${p.index})`
      : `uses a ${p.feature} ('${p.text}' at ${p.index}), which AWS's rule regex dialect does not support`;
  }
  try {
    RE2JS.compile(source);
    return undefined;
  } catch (err) {
    return `not accepted by the simulator's RE2 engine: ${(err as Error).message}`;
  }
}

/**
 * The `RegexValues` of a condition config (§4.2); each pattern runs only if both the dialect check
 * shared with the constructs and the RE2 engine accept it, otherwise it is reported and never matches.
 */
export function regexValues(r: FeatureReader, config: unknown, field: string): string[] | undefined {
  if (!isObj(config) || config.RegexValues === undefined) return undefined;
  const list = r.values(config.RegexValues, `${field} RegexValues`);
  for (const v of list) {
    const why = regexProblem(v);
    if (why) r.issue({ severity: 'error', what: `${field} regex '${v}'`, why: `${why}; it never matches` });
  }
  return list;
}

/** `Transforms` of a listener rule (§4.3); undefined when there are none. */
export function transforms(r: FeatureReader, list: unknown): TransformModel[] | undefined {
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const out: TransformModel[] = [];
  for (const t of list as unknown[]) {
    if (!isObj(t)) continue;
    const type = r.str(t.Type, 'transform Type');
    if (!(TRANSFORM_TYPES as readonly string[]).includes(type ?? '')) {
      r.issue({ severity: 'error', what: `transform ${type}`, why: 'unknown transform type; ignored' });
      continue;
    }
    const cfg = type === 'host-header-rewrite' ? t.HostHeaderRewriteConfig : t.UrlRewriteConfig;
    const rewrites: { regex: string; replace: string }[] = [];
    for (const rw of isObj(cfg) && Array.isArray(cfg.Rewrites) ? (cfg.Rewrites as unknown[]) : []) {
      if (!isObj(rw)) continue;
      const regex = r.str(rw.Regex, `${type} Regex`);
      const replace = r.str(rw.Replace, `${type} Replace`) ?? '';
      if (regex === undefined) continue;
      const why = regexProblem(regex);
      if (why)
        r.issue({ severity: 'error', what: `${type} regex '${regex}'`, why: `${why}; the rewrite never applies` });
      rewrites.push({ regex, replace });
    }
    if (out.some((x) => x.type === type)) {
      r.issue({ severity: 'error', what: `second ${type} transform`, why: 'AWS allows one per type (§4.3); ignored' });
      continue;
    }
    out.push({ type: type as TransformModel['type'], rewrites });
  }
  return out.length > 0 ? out : undefined;
}

/**
 * An `authenticate-oidc` or `authenticate-cognito` action (§4.3). Cognito's endpoints are those of its
 * user pool domain; where the template leaves the Region or the client id to CloudFormation, the
 * simulator fills in placeholders (simulator choice `cognito_endpoints`) and says so.
 */
export function authenticateAction(
  r: FeatureReader,
  type: 'authenticate-oidc' | 'authenticate-cognito',
  action: Readonly<Record<string, unknown>>,
  order: number | undefined,
  httpsListener: boolean,
): AuthenticateActionModel {
  if (!httpsListener) {
    r.issue({
      severity: 'error',
      what: `${type} action`,
      why: 'AWS allows authenticate actions only on HTTPS listeners (§4.1); it is applied anyway',
    });
  }
  const cfg = (type === 'authenticate-oidc' ? action.AuthenticateOidcConfig : action.AuthenticateCognitoConfig) ?? {};
  const c: Readonly<Record<string, unknown>> = isObj(cfg) ? cfg : {};
  const onRaw = r.str(c.OnUnauthenticatedRequest, 'OnUnauthenticatedRequest');
  let on = AUTHENTICATE_DEFAULTS.onUnauthenticatedRequest as AuthenticateActionModel['onUnauthenticatedRequest'];
  if (onRaw !== undefined) {
    if ((ON_UNAUTHENTICATED_REQUEST as readonly string[]).includes(onRaw)) on = onRaw as typeof on;
    else r.issue({ severity: 'error', what: `OnUnauthenticatedRequest ${onRaw}`, why: `unknown; using ${on}` });
  }
  const extra: Record<string, string> = {};
  if (isObj(c.AuthenticationRequestExtraParams)) {
    for (const [k, v] of Object.entries(c.AuthenticationRequestExtraParams)) {
      const s = r.str(v, `AuthenticationRequestExtraParams.${k}`);
      if (s !== undefined) extra[k] = s;
    }
  }
  const common = {
    order,
    onUnauthenticatedRequest: on,
    scope: r.str(c.Scope, 'Scope') ?? AUTHENTICATE_DEFAULTS.scope,
    sessionCookieName: r.str(c.SessionCookieName, 'SessionCookieName') ?? AUTHENTICATE_DEFAULTS.sessionCookieName,
    sessionTimeoutSeconds: r.num(c.SessionTimeout, 'SessionTimeout') ?? AUTHENTICATE_DEFAULTS.sessionTimeoutSeconds,
    extraParams: extra,
  };
  if (type === 'authenticate-oidc') {
    const endpoint = (key: string): string => {
      const v = r.str(c[key], key);
      if (v === undefined) r.issue({ severity: 'error', what: `${type} ${key}`, why: 'missing or not literal' });
      return v ?? '';
    };
    const secret = literalOnly(r, c.ClientSecret);
    return {
      type,
      ...common,
      issuer: endpoint('Issuer'),
      authorizationEndpoint: endpoint('AuthorizationEndpoint'),
      tokenEndpoint: endpoint('TokenEndpoint'),
      userInfoEndpoint: endpoint('UserInfoEndpoint'),
      clientId: endpoint('ClientId'),
      ...(secret !== undefined && !secret.startsWith('{{resolve:') ? { clientSecret: secret } : {}),
    };
  }
  // Cognito: the user pool domain gives the endpoints, the pool the issuer (§4.3).
  const pool = referenceText(r, c.UserPoolArn, 'Arn');
  const clientId = referenceText(r, c.UserPoolClientId, 'Ref');
  const domain = cognitoDomain(r, c.UserPoolDomain);
  const region =
    /^arn:aws[\w-]*:cognito-idp:([a-z0-9-]+):/.exec(pool.text)?.[1] ?? SIMULATOR_CHOICE_PARAMS.cognitoDefaultRegion;
  const poolId = /userpool\/(.+)$/.exec(pool.text)?.[1] ?? pool.text;
  const base = domain.includes('.') ? `https://${domain}` : `https://${domain}.auth.${region}.amazoncognito.com`;
  if (!pool.literal || !clientId.literal || !domain) {
    r.issue({
      severity: 'warning',
      what: `${type} action`,
      why: `the user pool, client or domain is known only to CloudFormation; the simulator uses ${base} and client '${clientId.text}' (${SIMULATOR_CHOICES.cognito_endpoints.id}); start with --test-idp to log in locally`,
    });
  }
  return {
    type,
    ...common,
    issuer: `https://cognito-idp.${region}.amazonaws.com/${poolId}`,
    authorizationEndpoint: `${base}/oauth2/authorize`,
    tokenEndpoint: `${base}/oauth2/token`,
    userInfoEndpoint: `${base}/oauth2/userInfo`,
    clientId: clientId.text,
    userPool: pool.text,
    userPoolDomain: domain,
  };
}

/** A literal string, or undefined without an issue (a client secret is allowed to stay unknown). */
function literalOnly(r: FeatureReader, value: unknown): string | undefined {
  const v = r.resolve(value);
  return v.kind === 'literal' ? String(v.value) : undefined;
}

/** A literal, or the logical id of the resource it refers to (a local stand-in for the value). */
function referenceText(r: FeatureReader, value: unknown, what: string): { text: string; literal: boolean } {
  const v = r.resolve(value);
  if (v.kind === 'literal') return { text: String(v.value), literal: true };
  if (v.kind === 'resource') return { text: v.logicalId, literal: false };
  return { text: `<${what}>`, literal: false };
}

/** `UserPoolDomain`: a literal prefix or custom domain, or a Ref to an `AWS::Cognito::UserPoolDomain`. */
function cognitoDomain(r: FeatureReader, value: unknown): string {
  const v = r.resolve(value);
  if (v.kind === 'literal') return String(v.value);
  if (v.kind === 'resource') {
    const res = r.resource(v.stackName, v.logicalId);
    const d = res ? r.resolve(res.props.Domain) : undefined;
    if (d?.kind === 'literal') return String(d.value);
  }
  return '';
}

/**
 * `MutualAuthentication` of an HTTPS listener (§5.1); undefined when absent or `off`. `verify` names a
 * trust store whose CA bundle lives in S3, which the simulator cannot read: the live shell maps the
 * store to a local PEM file (`--trust-store`).
 */
export function mutualAuthentication(
  r: FeatureReader,
  value: unknown,
  listenerAttributes: unknown,
  protocol: string,
): MutualAuthenticationModel | undefined {
  if (!isObj(value)) return undefined;
  const mode = r.str(value.Mode, 'MutualAuthentication.Mode') ?? 'off';
  if (mode === 'off') return undefined;
  if (mode !== 'verify' && mode !== 'passthrough') {
    r.issue({ severity: 'error', what: `MutualAuthentication.Mode ${mode}`, why: 'unknown mode; mutual TLS is off' });
    return undefined;
  }
  if (protocol !== 'HTTPS') {
    r.issue({ severity: 'error', what: 'MutualAuthentication', why: 'AWS allows it only on HTTPS listeners; ignored' });
    return undefined;
  }
  let trustStore: TrustStoreRef | undefined;
  if (mode === 'verify') {
    trustStore = trustStoreRef(r, value.TrustStoreArn);
    if (!trustStore) {
      r.issue({ severity: 'error', what: 'MutualAuthentication', why: 'verify mode without a TrustStoreArn' });
    }
  }
  return {
    mode,
    ...(trustStore ? { trustStore } : {}),
    ignoreClientCertificateExpiry:
      r.bool(value.IgnoreClientCertificateExpiry, 'IgnoreClientCertificateExpiry') ?? false,
    advertiseTrustStoreCaNames:
      (r.str(value.AdvertiseTrustStoreCaNames, 'AdvertiseTrustStoreCaNames') ?? 'off').toLowerCase() === 'on',
    headerNames: mtlsHeaderNames(r, listenerAttributes),
  };
}

function trustStoreRef(r: FeatureReader, value: unknown): TrustStoreRef | undefined {
  if (value === undefined) return undefined;
  const v = r.resolve(value);
  if (v.kind === 'literal') {
    const arn = String(v.value);
    const name = /:truststore\/([^/]+)/.exec(arn)?.[1];
    return { id: arn, arn, ...(name ? { name } : {}) };
  }
  if (v.kind !== 'resource') return undefined;
  const res = r.resource(v.stackName, v.logicalId);
  if (!res) return { id: v.logicalId };
  const lit = (x: unknown): string | undefined => {
    const y = r.resolve(x);
    return y.kind === 'literal' ? String(y.value) : undefined;
  };
  const name = lit(res.props.Name);
  const bucket = lit(res.props.CaCertificatesBundleS3Bucket);
  const key = lit(res.props.CaCertificatesBundleS3Key);
  return { id: res.id, ...(name ? { name } : {}), bundleS3: { bucket, key } };
}

/** Header names after the listener attributes that rename them (§5.1). */
function mtlsHeaderNames(r: FeatureReader, attributes: unknown): MtlsHeaderNames {
  const names: Record<keyof MtlsHeaderNames, string> = { ...MTLS_HEADER_NAMES };
  for (const a of Array.isArray(attributes) ? (attributes as unknown[]) : []) {
    if (!isObj(a)) continue;
    const key = r.str(a.Key, 'ListenerAttributes Key');
    const field = Object.entries(MTLS_HEADER_NAME_ATTRIBUTES).find(([, k]) => k === key)?.[0];
    const value = r.str(a.Value, `ListenerAttributes ${key}`);
    if (field && value) names[field as keyof MtlsHeaderNames] = value;
  }
  return names;
}
