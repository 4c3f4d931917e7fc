import { Duration, SecretValue } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { AuthenticateCognitoAction } from 'aws-cdk-lib/aws-elasticloadbalancingv2-actions';
import { AUTHENTICATE_LIMITS, ON_UNAUTHENTICATED_REQUEST } from '@ha-load-balancer/spec';
import { isUnresolved, IssueCollector, seconds } from '../shared/errors';

/** What an ALB does with a request that has no valid session (docs/aws-behaviour.md §4.3). */
export enum UnauthenticatedAction {
  /** Answer 401 Unauthorized. */
  DENY = 'deny',
  /** Pass the request on without identity headers. */
  ALLOW = 'allow',
  /** Redirect to the identity provider's authorization endpoint (AWS's default). */
  AUTHENTICATE = 'authenticate',
}

/** Settings shared by OIDC and Amazon Cognito authentication. */
export interface AuthenticateCommonOptions {
  /**
   * What to do with requests that have no valid session.
   * @default UnauthenticatedAction.AUTHENTICATE
   */
  readonly onUnauthenticatedRequest?: UnauthenticatedAction;
  /**
   * Claims requested from the identity provider.
   * @default 'openid'
   */
  readonly scope?: string;
  /**
   * Name of the session cookie.
   * @default 'AWSELBAuthSessionCookie'
   */
  readonly sessionCookieName?: string;
  /**
   * Maximum session length, 1 second to 7 days.
   * @default 7 days
   */
  readonly sessionTimeout?: Duration;
  /**
   * Up to 10 extra query parameters for the authorization request.
   * @default none
   */
  readonly authenticationRequestExtraParams?: Record<string, string>;
}

/** An OpenID Connect identity provider; every endpoint is a full `https://` URL. */
export interface AuthenticateOidcOptions extends AuthenticateCommonOptions {
  readonly issuer: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly userInfoEndpoint: string;
  readonly clientId: string;
  /** The OAuth 2.0 client secret, e.g. `SecretValue.secretsManager('oidc-client')`. */
  readonly clientSecret: SecretValue;
}

/** An Amazon Cognito user pool with an app client and a domain. */
export interface AuthenticateCognitoOptions extends AuthenticateCommonOptions {
  readonly userPool: cognito.IUserPool;
  readonly userPoolClient: cognito.IUserPoolClient;
  readonly userPoolDomain: cognito.IUserPoolDomain;
}

export type AuthenticateConfig =
  | { readonly kind: 'authenticate-oidc'; readonly options: AuthenticateOidcOptions }
  | { readonly kind: 'authenticate-cognito'; readonly options: AuthenticateCognitoOptions };

/** §4.3 authenticate actions: HTTPS listeners only, ahead of exactly one terminal action. */
export function validateAuthenticate(
  issues: IssueCollector,
  label: string,
  config: AuthenticateConfig,
  listenerProtocol: string,
  nextKind: string,
): void {
  const o = config.options;
  if (listenerProtocol !== 'HTTPS') {
    issues.add(
      'HALB_AUTH_HTTPS_ONLY',
      `${label} is an ${config.kind} action on a ${listenerProtocol} listener; allowed: authenticate actions only on HTTPS listeners.`,
    );
  }
  if (nextKind.startsWith('authenticate-')) {
    issues.add(
      'HALB_AUTH_NEXT',
      `${label} is an ${config.kind} action followed by ${nextKind}; allowed: one authenticate action, followed by forward, redirect or fixed-response.`,
    );
  }
  issues.oneOf(
    'HALB_AUTH_ON_UNAUTHENTICATED',
    `${label} onUnauthenticatedRequest`,
    o.onUnauthenticatedRequest,
    ON_UNAUTHENTICATED_REQUEST,
  );
  issues.range(
    'HALB_AUTH_SESSION_TIMEOUT',
    `${label} sessionTimeout`,
    seconds(o.sessionTimeout),
    AUTHENTICATE_LIMITS.sessionTimeoutSeconds,
    'seconds',
  );
  const extra = Object.keys(o.authenticationRequestExtraParams ?? {}).length;
  issues.maxCount(
    'HALB_AUTH_EXTRA_PARAMS',
    `${label} authenticationRequestExtraParams`,
    extra,
    AUTHENTICATE_LIMITS.extraParams,
  );
  if (o.sessionCookieName !== undefined && !isUnresolved(o.sessionCookieName) && o.sessionCookieName.trim() === '') {
    issues.add('HALB_AUTH_SESSION_COOKIE', `${label} sessionCookieName is empty; allowed: a cookie name.`);
  }
  if (config.kind === 'authenticate-oidc') {
    const oidc = config.options;
    for (const [name, url] of [
      ['issuer', oidc.issuer],
      ['authorizationEndpoint', oidc.authorizationEndpoint],
      ['tokenEndpoint', oidc.tokenEndpoint],
      ['userInfoEndpoint', oidc.userInfoEndpoint],
    ] as const) {
      if (isUnresolved(url)) continue;
      if (!isHttpsUrl(url)) {
        issues.add(
          'HALB_AUTH_ENDPOINT',
          `${label} ${name} is '${url}'; allowed: a full URL with the https:// scheme, a host and a path.`,
        );
      }
    }
    if (!isUnresolved(oidc.clientId) && oidc.clientId.trim() === '') {
      issues.add('HALB_AUTH_CLIENT_ID', `${label} clientId is empty; allowed: the OAuth 2.0 client id.`);
    }
  }
}

/** The aws-cdk-lib action: OIDC from the core module, Cognito from aws-elasticloadbalancingv2-actions. */
export function toAuthenticateAction(config: AuthenticateConfig, next: elbv2.ListenerAction): elbv2.ListenerAction {
  const o = config.options;
  const common = {
    next,
    onUnauthenticatedRequest:
      o.onUnauthenticatedRequest === undefined ? undefined : UNAUTHENTICATED[o.onUnauthenticatedRequest],
    scope: o.scope,
    sessionCookieName: o.sessionCookieName,
    sessionTimeout: o.sessionTimeout,
    authenticationRequestExtraParams: o.authenticationRequestExtraParams,
  };
  if (config.kind === 'authenticate-oidc') {
    const oidc = config.options;
    return elbv2.ListenerAction.authenticateOidc({
      ...common,
      issuer: oidc.issuer,
      authorizationEndpoint: oidc.authorizationEndpoint,
      tokenEndpoint: oidc.tokenEndpoint,
      userInfoEndpoint: oidc.userInfoEndpoint,
      clientId: oidc.clientId,
      clientSecret: oidc.clientSecret,
    });
  }
  const c = config.options;
  return new AuthenticateCognitoAction({
    ...common,
    userPool: c.userPool,
    userPoolClient: c.userPoolClient,
    userPoolDomain: c.userPoolDomain,
  });
}

const UNAUTHENTICATED: Record<UnauthenticatedAction, elbv2.UnauthenticatedAction> = {
  [UnauthenticatedAction.DENY]: elbv2.UnauthenticatedAction.DENY,
  [UnauthenticatedAction.ALLOW]: elbv2.UnauthenticatedAction.ALLOW,
  [UnauthenticatedAction.AUTHENTICATE]: elbv2.UnauthenticatedAction.AUTHENTICATE,
};

function isHttpsUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return u.protocol === 'https:' && u.hostname !== '';
  } catch {
    return false;
  }
}
