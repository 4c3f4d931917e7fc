/**
 * The per-request steps a listener runs between admission and routing when its rules ask for them:
 * §4.3 authenticate actions (and the `/oauth2/idpresponse` callback), §4.3 rule transforms and §5.1
 * mutual-TLS headers. `edgeFeatures` looks at a listener once per model and returns undefined when it
 * needs none of them, so such a listener's requests pay nothing (`ListenerEdge` compares one model
 * reference per request).
 */
import { AUTHENTICATION_FLOW, ELB_STATUS, MTLS_HEADER_NAMES } from '@ha-load-balancer/spec';
import type { AuthenticateActionModel, ListenerModel, SimModel } from '../model/types';
import {
  AuthCallback,
  checkSession,
  type AuthContext,
  type AuthKeys,
  type AuthStep,
  type IdpEndpoints,
} from './authenticate';
import { elbResponse } from './elb-response';
import type { EdgeRequest, ExchangeState as Exchange, ExchangeStep } from './exchange-types';
import type { HeaderList } from './headers';
import { mtlsHeaders } from './mtls';
import { selectRule, type RuleSelection } from './rules';
import { applyTransforms } from './transforms';
import type { HttpRequestInfo } from './types';

/** What the shell gives the edge for authenticate actions (§4.3). */
export interface EdgeAuthOptions {
  /** The load balancer's keys (made on first use: most listeners never need them). */
  keys(): AuthKeys;
  /** ARN of the load balancer (`signer` in `x-amzn-oidc-data`). */
  readonly loadBalancerArn: string;
  /** Replaces an action's identity-provider endpoints (the simulator's test identity provider). */
  readonly endpoints?: (action: AuthenticateActionModel) => IdpEndpoints;
}

export type BeforeRouting =
  | { readonly kind: 'step'; readonly step: ExchangeStep }
  | { readonly kind: 'route'; readonly selection: RuleSelection };

export interface EdgeFeatures {
  beforeRouting(
    request: EdgeRequest,
    info: HttpRequestInfo,
    ex: Exchange,
    forwarded: HeaderList,
    auth: EdgeAuthOptions | undefined,
    nowMs: number,
    randomHex: (n: number) => string,
  ): BeforeRouting;
}

const isAuth = (t: string): t is AuthenticateActionModel['type'] =>
  t === 'authenticate-oidc' || t === 'authenticate-cognito';

const OIDC_HEADERS = new Set(Object.values(AUTHENTICATION_FLOW.headers));

/** The features `listenerId` needs on `model`, or undefined when it needs none. */
export function edgeFeatures(model: SimModel, listenerId: string): EdgeFeatures | undefined {
  const listener = model.listeners.find((l) => l.id === listenerId);
  if (!listener) return undefined;
  const auth =
    listener.defaultActions.some((a) => isAuth(a.type)) ||
    listener.rules.some((r) => r.actions.some((a) => isAuth(a.type)));
  const transforms = listener.rules.some((r) => r.transforms !== undefined);
  if (!auth && !transforms && !listener.mutualAuthentication) return undefined;
  return new ListenerFeatures(listener, auth);
}

/** The Host value as received (HTTP/2: `:authority`), with any port. */
function rawHost(info: HttpRequestInfo): string | undefined {
  if (info.host !== undefined) return info.host;
  const h = info.headers.host;
  return Array.isArray(h) ? h[0] : (h as string | undefined);
}

function cookieHeaders(info: HttpRequestInfo): readonly string[] {
  const c = info.headers.cookie;
  return c === undefined ? [] : Array.isArray(c) ? c : [c as string];
}

class ListenerFeatures implements EdgeFeatures {
  readonly #listener: ListenerModel;
  readonly #auth: boolean;
  /** Client-sent headers the load balancer sets itself here (never trusted from the client). */
  readonly #own: ReadonlySet<string>;

  constructor(listener: ListenerModel, auth: boolean) {
    this.#listener = listener;
    this.#auth = auth;
    const own = new Set<string>();
    if (auth) for (const h of OIDC_HEADERS) own.add(h);
    const m = listener.mutualAuthentication;
    if (m)
      for (const key of Object.keys(MTLS_HEADER_NAMES))
        own.add(m.headerNames[key as keyof typeof MTLS_HEADER_NAMES].toLowerCase());
    this.#own = own;
  }

  beforeRouting(
    request: EdgeRequest,
    info: HttpRequestInfo,
    ex: Exchange,
    forwarded: HeaderList,
    auth: EdgeAuthOptions | undefined,
    nowMs: number,
    randomHex: (n: number) => string,
  ): BeforeRouting {
    const listener = this.#listener;
    const ctx = (): AuthContext | undefined =>
      auth && {
        keys: auth.keys(),
        nowMs,
        randomHex,
        loadBalancerArn: auth.loadBalancerArn,
        ...(auth.endpoints ? { endpoints: auth.endpoints } : {}),
      };
    if (this.#auth && info.path === AUTHENTICATION_FLOW.redirectPath) {
      // simulator choice auth_callback_routing: the identity provider's answer, before rule evaluation
      ex.actions = AUTHENTICATE;
      const c = ctx();
      if (!c) return noKeys(ex);
      const flow = new AuthCallback(c);
      const step = flow.start(info.query, cookieHeaders(info), rawHost(info), (ruleId, index) => {
        const actions = ruleId === '' ? listener.defaultActions : listener.rules.find((r) => r.id === ruleId)?.actions;
        const a = actions?.[index];
        return a && isAuth(a.type) ? (a as AuthenticateActionModel) : undefined;
      });
      if (step.kind === 'call') {
        ex.authCallback = { flow, call: step.call };
        return { kind: 'step', step: { kind: 'idp', call: step.call } };
      }
      return { kind: 'step', step: respond(ex, step) };
    }

    const selection = selectRule(listener, info);
    let authenticated = false;
    let identity: HeaderList | undefined;
    const index = selection.actions.findIndex((a) => isAuth(a.type));
    if (index >= 0) {
      const action = selection.actions[index] as AuthenticateActionModel;
      ex.matchedRulePriority = selection.priority;
      const c = ctx();
      if (!c) return noKeys(ex);
      const step = checkSession(
        action,
        {
          cookies: cookieHeaders(info),
          host: rawHost(info),
          pathAndQuery: info.query === '' ? info.path : `${info.path}?${info.query}`,
          ruleId: selection.rule?.id ?? '',
          actionIndex: index,
        },
        c,
      );
      if (step.kind === 'respond') {
        ex.actions = AUTHENTICATE;
        return { kind: 'step', step: respond(ex, step) };
      }
      authenticated = true;
      ex.authenticated = true;
      identity = step.headers;
    }

    let pathAndQuery: string | undefined;
    let host: string | undefined;
    const transforms = selection.rule?.transforms;
    const terminal = selection.actions[selection.actions.length - 1];
    if (transforms && terminal?.type === 'forward') {
      const hostHeader = forwarded.find(([k]) => k.length === 4 && k.toLowerCase() === 'host')?.[1];
      const origin = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(request.target);
      const target = origin ? request.target.slice(origin[0].length) || '/' : request.target;
      const t = applyTransforms(transforms, target, hostHeader);
      if (t.kind === 'failed') {
        // §4.3: the pattern matched but the rewrite failed: 500, nothing is forwarded
        ex.matchedRulePriority = selection.priority;
        return {
          kind: 'step',
          step: ex.answer(
            elbResponse(ELB_STATUS.internalServerError, { close: ex.closeAfter }),
            `rule transform failed: ${t.why}`,
          ),
        };
      }
      pathAndQuery = t.pathAndQuery;
      host = t.host;
    }

    const mtls = listener.mutualAuthentication
      ? mtlsHeaders(listener.mutualAuthentication, request.tls?.clientCertificateChain)
      : undefined;
    if (authenticated || pathAndQuery !== undefined || host !== undefined || this.#own.size > 0) {
      const own = this.#own;
      ex.forwardExtras = {
        authenticated,
        ...(pathAndQuery !== undefined ? { pathAndQuery } : {}),
        apply(headers: HeaderList): HeaderList {
          const out: [string, string][] = [];
          for (const [k, v] of headers) {
            const name = k.toLowerCase();
            if (own.has(name)) continue;
            out.push(host !== undefined && name === 'host' ? [k, host] : [k, v]);
          }
          if (identity) out.push(...identity);
          if (mtls) out.push(...mtls);
          return out;
        },
      };
    }
    return { kind: 'route', selection };
  }
}

const AUTHENTICATE: readonly string[] = ['authenticate'];

/** The answer of an authentication step (302 to the identity provider, 401, 500, 561, or the session). */
function respond(ex: Exchange, step: Extract<AuthStep, { kind: 'respond' }>): ExchangeStep {
  ex.errorReason = step.errorReason;
  ex.authOutcome = step.metric;
  return ex.answer(
    elbResponse(step.status, {
      ...(step.status === 302 ? { body: '' } : {}),
      headers: step.headers,
      close: ex.closeAfter,
    }),
    step.cause,
  );
}

function noKeys(ex: Exchange): BeforeRouting {
  return {
    kind: 'step',
    step: ex.answer(
      elbResponse(ELB_STATUS.internalServerError, { close: ex.closeAfter }),
      'authenticate action, but this shell gave the edge no authentication keys',
    ),
  };
}
