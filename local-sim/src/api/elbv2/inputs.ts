/**
 * ELBv2 request structures → model: `Conditions.member.N.*` → `ConditionModel`, `Actions.member.N.*` /
 * `DefaultActions.member.N.*` → `ActionModel`, checked with the same AWS facts (`RULE_LIMITS`,
 * `CONDITION_VALUE_PATTERNS`, listener/target-group protocol pairs, §4.2–§4.4, §6.1) as synth-time
 * validation. Every violation is the error code AWS uses (`ValidationError`, `TargetGroupNotFound`,
 * `IncompatibleProtocols`, `TargetGroupAssociationLimit`). Pure.
 */
import { isIP } from 'node:net';
import {
  ALB_LISTENER_TG_PROTOCOLS,
  AUTHENTICATE_DEFAULTS,
  AUTHENTICATE_LIMITS,
  checkRuleRegex,
  ON_UNAUTHENTICATED_REQUEST,
  SIMULATOR_CHOICE_PARAMS,
  TRANSFORM_TYPES,
  CONDITION_VALUE_PATTERNS,
  FIXED_RESPONSE_CONTENT_TYPES,
  FIXED_RESPONSE_STATUS_PATTERN,
  FORBIDDEN_SOURCE_IP,
  NLB_LISTENER_TG_PROTOCOLS,
  REDIRECT_STATUS_CODES,
  RULE_LIMITS,
  SINGLE_USE_CONDITIONS,
  TARGET_GROUP_LIMITS,
  inRange,
} from '@ha-load-balancer/spec';
import type {
  ActionModel,
  AuthenticateActionModel,
  ConditionModel,
  ForwardActionModel,
  ListenerModel,
  LoadBalancerModel,
  TransformModel,
} from '../../model/types';
import { ApiError, validationError } from '../errors';
import type { QueryParams } from '../query';
import type { ElbIndex } from './resources';

const CONDITION_FIELDS = [
  'host-header',
  'path-pattern',
  'http-header',
  'http-request-method',
  'query-string',
  'source-ip',
] as const;

/** `Conditions.member.N` → conditions (undefined when the request has no `Conditions`). */
export function parseConditions(params: QueryParams, name = 'Conditions'): ConditionModel[] | undefined {
  const list = params.structs(name);
  if (!list) return undefined;
  return list.map((c) => {
    const field = c.oneOf('Field', CONDITION_FIELDS);
    if (!field) throw validationError('A condition must have a Field');
    const legacy = c.list('Values') ?? [];
    const cfgValues = (cfg: string): string[] => c.struct(cfg)?.list('Values') ?? [];
    // §4.2 RegexValues (host-header, path-pattern, http-header), in AWS's dialect
    const regex = (cfg: string): { regexValues?: string[] } => {
      const list = c.struct(cfg)?.list('RegexValues');
      if (!list) return {};
      for (const v of list) checkRegexValue(field, v);
      return { regexValues: list };
    };
    // §4.2 RegexValues only in the config block of a host-header, path-pattern or http-header condition
    const own: string | undefined = REGEX_CONFIGS[field as keyof typeof REGEX_CONFIGS];
    for (const cfg of CONDITION_CONFIGS) {
      if (cfg === own || !c.struct(cfg)?.has('RegexValues')) continue;
      throw validationError(
        own
          ? `${cfg}.RegexValues is not valid for a ${field} condition; use ${own}.RegexValues`
          : `A ${field} condition does not take RegexValues (only host-header, path-pattern and http-header conditions do)`,
      );
    }
    // §8.4 only the config block that belongs to Field; the old Values list only for host-header and path-pattern
    const mine = FIELD_CONFIGS[field];
    for (const cfg of CONDITION_CONFIGS) {
      if (cfg !== mine && c.struct(cfg)) throw validationError(`A ${field} condition takes ${mine}, not ${cfg}`);
    }
    if (legacy.length > 0 && field !== 'host-header' && field !== 'path-pattern') {
      throw validationError(
        `Values is only for host-header and path-pattern conditions; a ${field} condition takes ${mine}`,
      );
    }
    switch (field) {
      case 'host-header':
        return { field, values: [...legacy, ...cfgValues('HostHeaderConfig')], ...regex('HostHeaderConfig') };
      case 'path-pattern':
        return { field, values: [...legacy, ...cfgValues('PathPatternConfig')], ...regex('PathPatternConfig') };
      case 'http-header': {
        const h = c.struct('HttpHeaderConfig');
        const headerName = h?.string('HttpHeaderName');
        if (!headerName) throw validationError('An http-header condition needs HttpHeaderConfig.HttpHeaderName');
        return { field, headerName, values: h?.list('Values') ?? [], ...regex('HttpHeaderConfig') };
      }
      case 'http-request-method':
        return { field, values: cfgValues('HttpRequestMethodConfig') };
      case 'query-string': {
        const pairs = c.struct('QueryStringConfig')?.structs('Values') ?? [];
        return {
          field,
          values: pairs.map((p) => {
            const key = p.string('Key');
            return key === undefined ? { value: p.required('Value') } : { key, value: p.required('Value') };
          }),
        };
      }
      case 'source-ip':
        return { field, values: cfgValues('SourceIpConfig') };
    }
  });
}

const CONDITION_CONFIGS = [
  'HostHeaderConfig',
  'PathPatternConfig',
  'HttpHeaderConfig',
  'HttpRequestMethodConfig',
  'QueryStringConfig',
  'SourceIpConfig',
] as const;

/** The config block of each condition field. */
const FIELD_CONFIGS: Readonly<Record<(typeof CONDITION_FIELDS)[number], (typeof CONDITION_CONFIGS)[number]>> = {
  'host-header': 'HostHeaderConfig',
  'path-pattern': 'PathPatternConfig',
  'http-header': 'HttpHeaderConfig',
  'http-request-method': 'HttpRequestMethodConfig',
  'query-string': 'QueryStringConfig',
  'source-ip': 'SourceIpConfig',
};

const REGEX_CONFIGS = {
  'host-header': 'HostHeaderConfig',
  'path-pattern': 'PathPatternConfig',
  'http-header': 'HttpHeaderConfig',
} as const;

/** §4.2: 1-128 characters in AWS's rule regex dialect (the check the constructs run at synth). */
function checkRegexValue(field: string, v: string): void {
  const len = RULE_LIMITS.regexValueLength;
  if (!inRange(v.length, len)) {
    throw validationError(
      `The ${field} regex '${v.slice(0, 64)}' is not valid; allowed: ${len.min}-${len.max} characters`,
    );
  }
  checkRegexDialect(field, v);
}

/** §4.2/§4.3 AWS's rule regex dialect (no lookaround, backreferences, ...); lengths are checked by the caller. */
function checkRegexDialect(field: string, v: string): void {
  const problem = checkRuleRegex(v);
  if (problem) {
    throw validationError(
      problem.feature === 'syntax'
        ? `The ${field} regex '${v}' is not a regular expression: ${problem.text} (at ${problem.index})`
        : `The ${field} regex '${v}' uses a ${problem.feature} ('${problem.text}'), which rule regular expressions do not support`,
    );
  }
}

/**
 * `Transforms.member.N` of CreateRule / ModifyRule (§4.3); undefined when absent. ModifyRule's
 * `ResetTransforms=true` removes the rule's transforms: an empty list (it cannot come with `Transforms`).
 */
export function parseTransforms(params: QueryParams): TransformModel[] | undefined {
  const list = params.structs('Transforms');
  if (params.bool('ResetTransforms') === true) {
    if (list) throw validationError('ResetTransforms and Transforms cannot be specified together');
    return [];
  }
  if (!list) return undefined;
  const out: TransformModel[] = [];
  for (const t of list) {
    const type = t.oneOf('Type', TRANSFORM_TYPES) ?? failMissing('Transforms.member.N.Type');
    if (out.some((x) => x.type === type)) throw validationError(`A rule can have at most one ${type} transform`);
    const cfg = t.struct(type === 'host-header-rewrite' ? 'HostHeaderRewriteConfig' : 'UrlRewriteConfig');
    const rewrites = (cfg?.structs('Rewrites') ?? []).map((w) => {
      const regex = w.required('Regex');
      const replace = w.string('Replace') ?? '';
      const rl = RULE_LIMITS.transformRegexLength;
      const pl = RULE_LIMITS.transformReplaceLength;
      if (!inRange(regex.length, rl)) throw validationError(`Transform regex must have ${rl.min}-${rl.max} characters`);
      if (!inRange(replace.length, pl)) {
        throw validationError(`Transform replace must have ${pl.min}-${pl.max} characters`);
      }
      // §4.3: a transform's Regex may hold up to 1024 characters (not the 128 of RegexValues)
      checkRegexDialect(type, regex);
      return { regex, replace };
    });
    if (rewrites.length !== 1) throw validationError(`A ${type} transform must have exactly one rewrite`);
    out.push({ type, rewrites });
  }
  return out;
}

/**
 * `AuthenticateOidcConfig` / `AuthenticateCognitoConfig` → an authenticate action (§4.3). An OIDC action
 * needs `ClientSecret`, except when it replaces actions (`replaced`: ModifyRule, ModifyListener) with
 * `UseExistingClientSecret=true`, which keeps the secret of the authenticate-oidc action replaced.
 */
function parseAuthenticate(
  a: QueryParams,
  type: 'authenticate-oidc' | 'authenticate-cognito',
  order: number | undefined,
  replaced: readonly ActionModel[] | undefined,
): AuthenticateActionModel {
  const oidc = type === 'authenticate-oidc';
  const c = a.struct(oidc ? 'AuthenticateOidcConfig' : 'AuthenticateCognitoConfig');
  if (!c)
    throw validationError(`An ${type} action needs ${oidc ? 'AuthenticateOidcConfig' : 'AuthenticateCognitoConfig'}`);
  const extraParams = c.entries('AuthenticationRequestExtraParams') ?? {};
  if (Object.keys(extraParams).length > AUTHENTICATE_LIMITS.extraParams) {
    throw validationError(`At most ${AUTHENTICATE_LIMITS.extraParams} AuthenticationRequestExtraParams are allowed`);
  }
  const common = {
    order,
    onUnauthenticatedRequest: c.oneOf('OnUnauthenticatedRequest', ON_UNAUTHENTICATED_REQUEST) ?? 'authenticate',
    scope: c.string('Scope') ?? AUTHENTICATE_DEFAULTS.scope,
    sessionCookieName: c.string('SessionCookieName') ?? AUTHENTICATE_DEFAULTS.sessionCookieName,
    sessionTimeoutSeconds:
      c.int('SessionTimeout', AUTHENTICATE_LIMITS.sessionTimeoutSeconds) ?? AUTHENTICATE_DEFAULTS.sessionTimeoutSeconds,
    extraParams,
  };
  if (oidc) {
    const url = (name: string): string => {
      const v = c.required(name);
      if (!/^https:\/\/[^/]+/.test(v)) {
        throw validationError(`${name} '${v}' is not valid; allowed: a full URL with the https:// scheme`);
      }
      return v;
    };
    const secret = clientSecret(c, replaced);
    return {
      type,
      ...common,
      issuer: url('Issuer'),
      authorizationEndpoint: url('AuthorizationEndpoint'),
      tokenEndpoint: url('TokenEndpoint'),
      userInfoEndpoint: url('UserInfoEndpoint'),
      clientId: c.required('ClientId'),
      ...(secret !== undefined ? { clientSecret: secret } : {}),
    };
  }
  const pool = c.required('UserPoolArn');
  const domain = c.required('UserPoolDomain');
  const region =
    /^arn:aws[\w-]*:cognito-idp:([a-z0-9-]+):/.exec(pool)?.[1] ?? SIMULATOR_CHOICE_PARAMS.cognitoDefaultRegion;
  const base = domain.includes('.') ? `https://${domain}` : `https://${domain}.auth.${region}.amazoncognito.com`;
  return {
    type,
    ...common,
    issuer: `https://cognito-idp.${region}.amazonaws.com/${/userpool\/(.+)$/.exec(pool)?.[1] ?? pool}`,
    authorizationEndpoint: `${base}/oauth2/authorize`,
    tokenEndpoint: `${base}/oauth2/token`,
    userInfoEndpoint: `${base}/oauth2/userInfo`,
    clientId: c.required('UserPoolClientId'),
    userPool: pool,
    userPoolDomain: domain,
  };
}

/** §4.3 the OAuth 2.0 client secret of an authenticate-oidc action (see `parseAuthenticate`). */
function clientSecret(c: QueryParams, replaced: readonly ActionModel[] | undefined): string | undefined {
  const given = c.string('ClientSecret');
  if (given !== undefined && given !== '') return given;
  if (c.bool('UseExistingClientSecret') === true) {
    const old = replaced?.find((x): x is AuthenticateActionModel => x.type === 'authenticate-oidc');
    if (!old) {
      throw validationError(
        'UseExistingClientSecret needs an existing authenticate-oidc action; give AuthenticateOidcConfig.ClientSecret',
      );
    }
    return old.clientSecret;
  }
  throw validationError(
    'An authenticate-oidc action needs AuthenticateOidcConfig.ClientSecret (or, when modifying one, UseExistingClientSecret)',
  );
}

function isCidr(v: string): boolean {
  const m = /^(.+)\/(\d{1,3})$/.exec(v);
  if (!m) return false;
  const family = isIP(m[1]);
  return family === 4 ? Number(m[2]) <= 32 : family === 6 ? Number(m[2]) <= 128 : false;
}

function wildcards(c: ConditionModel): number {
  if (c.field === 'source-ip' || c.field === 'http-request-method') return 0;
  const count = (s: string): number => (s.replace(/\\[*?]/g, '').match(/[*?]/g) ?? []).length;
  const strings = c.field === 'query-string' ? c.values.flatMap((q) => [q.key ?? '', q.value]) : c.values;
  return strings.reduce((n, s) => n + count(s), 0);
}

function checkConditionValue(c: ConditionModel, v: string): void {
  const len = RULE_LIMITS.conditionValueLength;
  const bad = (allowed: string): ApiError =>
    validationError(`The ${c.field} condition value '${v.slice(0, 64)}' is not valid; allowed: ${allowed}`);
  if (c.field !== 'source-ip' && !inRange(v.length, len)) throw bad(`${len.min}-${len.max} characters`);
  switch (c.field) {
    case 'host-header':
      if (!CONDITION_VALUE_PATTERNS['host-header'].test(v)) throw bad("letters, digits, '-', '.', '*' and '?'");
      return;
    case 'path-pattern':
      if (!CONDITION_VALUE_PATTERNS['path-pattern'].test(v)) throw bad('A-Z a-z 0-9 _ - . $ / ~ " \' @ : + & * ?');
      return;
    case 'http-request-method':
      if (!CONDITION_VALUE_PATTERNS['http-request-method'].test(v) || v.length > RULE_LIMITS.methodLength.max) {
        throw bad("1-40 characters of A-Z, '-' and '_'");
      }
      return;
    case 'source-ip':
      if (!isCidr(v)) throw bad("an IPv4 or IPv6 CIDR block such as '10.0.0.0/8'");
      if (v === FORBIDDEN_SOURCE_IP) throw bad(`any CIDR except ${FORBIDDEN_SOURCE_IP}`);
      return;
    default:
      return;
  }
}

/** §4.2 rule-wide and per-condition limits. */
export function validateConditions(conditions: readonly ConditionModel[]): void {
  if (conditions.length === 0) throw validationError('A rule must have at least one condition');
  for (const field of SINGLE_USE_CONDITIONS) {
    if (conditions.filter((c) => c.field === field).length > 1) {
      throw validationError(`A rule can have at most one '${field}' condition`);
    }
  }
  let total = 0;
  for (const c of conditions) {
    const n = c.values.length + ('regexValues' in c ? (c.regexValues?.length ?? 0) : 0);
    const max = c.field === 'source-ip' ? RULE_LIMITS.sourceIpValues : RULE_LIMITS.valuesPerCondition;
    if (n === 0) throw validationError(`The '${c.field}' condition has no values`);
    if (n > max) throw validationError(`The '${c.field}' condition has ${n} values; the maximum is ${max}`);
    total += n;
    if (c.field === 'http-header') {
      const h = c.headerName;
      if (!CONDITION_VALUE_PATTERNS.httpHeaderName.test(h) || !inRange(h.length, RULE_LIMITS.httpHeaderNameLength)) {
        throw validationError(`The http-header name '${h}' is not valid; allowed: 1-40 token characters`);
      }
      if (h.toLowerCase() === 'host') throw validationError("Use a host-header condition to match 'Host'");
    }
    if (c.field === 'query-string') {
      for (const q of c.values) {
        checkConditionValue(c, q.value);
        if (q.key !== undefined) checkConditionValue(c, q.key);
      }
    } else {
      for (const v of c.values) checkConditionValue(c, v);
    }
  }
  if (total > RULE_LIMITS.valuesPerRule) {
    throw validationError(
      `A rule can have at most ${RULE_LIMITS.valuesPerRule} condition values; this one has ${total}`,
    );
  }
  const wild = conditions.reduce((n, c) => n + wildcards(c), 0);
  if (wild > RULE_LIMITS.wildcardsPerRule) {
    throw validationError(`A rule can have at most ${RULE_LIMITS.wildcardsPerRule} wildcards; this one has ${wild}`);
  }
}

/**
 * `Actions.member.N` (or `DefaultActions.member.N`) → actions sorted by Order (undefined when absent).
 * `replaced`: the actions these replace (ModifyRule, ModifyListener), for `UseExistingClientSecret`.
 */
export function parseActions(
  params: QueryParams,
  name: string,
  idx: ElbIndex,
  replaced?: readonly ActionModel[],
): ActionModel[] | undefined {
  const list = params.structs(name);
  if (!list) return undefined;
  const actions = list.map((a): ActionModel => {
    const type = a.required('Type');
    const order = a.int('Order', RULE_LIMITS.actionOrder);
    switch (type) {
      case 'forward': {
        const fc = a.struct('ForwardConfig');
        const tgs = (fc?.structs('TargetGroups') ?? []).map((t) => ({
          targetGroupId: idx.targetGroup(t.required('TargetGroupArn')).id,
          weight: t.int('Weight', RULE_LIMITS.forwardWeight) ?? 1,
        }));
        const single = a.string('TargetGroupArn');
        if (single !== undefined) {
          const id = idx.targetGroup(single).id;
          if (tgs.length > 0 && !(tgs.length === 1 && tgs[0].targetGroupId === id)) {
            throw validationError('TargetGroupArn and ForwardConfig must name the same single target group');
          }
          if (tgs.length === 0) tgs.push({ targetGroupId: id, weight: 1 });
        }
        const sc = fc?.struct('TargetGroupStickinessConfig');
        const enabled = sc?.bool('Enabled');
        const forward: ForwardActionModel = {
          type: 'forward',
          order,
          targetGroups: tgs,
          targetGroupStickiness:
            sc && enabled !== undefined
              ? {
                  enabled,
                  durationSeconds: sc.int('DurationSeconds', TARGET_GROUP_LIMITS.stickinessDurationSeconds),
                }
              : undefined,
        };
        return forward;
      }
      case 'redirect': {
        const rc = a.struct('RedirectConfig');
        if (!rc) throw validationError('A redirect action needs RedirectConfig');
        return {
          type: 'redirect',
          order,
          protocol: rc.string('Protocol') ?? '#{protocol}',
          host: rc.string('Host') ?? '#{host}',
          port: rc.string('Port') ?? '#{port}',
          path: rc.string('Path') ?? '/#{path}',
          query: rc.string('Query') ?? '#{query}',
          statusCode: rc.oneOf('StatusCode', REDIRECT_STATUS_CODES) ?? failMissing('RedirectConfig.StatusCode'),
        };
      }
      case 'fixed-response': {
        const fc = a.struct('FixedResponseConfig');
        const status = fc?.string('StatusCode') ?? failMissing('FixedResponseConfig.StatusCode');
        if (!FIXED_RESPONSE_STATUS_PATTERN.test(status)) {
          throw validationError(`Fixed-response status code '${status}' is not valid; allowed: 2XX, 4XX or 5XX`);
        }
        return {
          type: 'fixed-response',
          order,
          statusCode: Number(status),
          contentType: fc?.oneOf('ContentType', FIXED_RESPONSE_CONTENT_TYPES),
          messageBody: fc?.string('MessageBody') ?? '',
        };
      }
      case 'authenticate-oidc':
      case 'authenticate-cognito':
        return parseAuthenticate(a, type, order, replaced);
      case 'jwt-validation':
        return { type: 'unsupported', order, originalType: type };
      default:
        throw validationError(`Action type '${type}' is not valid`);
    }
  });
  // §8.4 Order is required once there are several actions
  if (actions.length > 1 && actions.some((a) => a.order === undefined)) {
    const { min, max } = RULE_LIMITS.actionOrder;
    throw validationError(`Every action needs an Order (${min}-${max}) when there are ${actions.length} actions`);
  }
  return actions.sort((x, y) => (x.order ?? Number.MAX_SAFE_INTEGER) - (y.order ?? Number.MAX_SAFE_INTEGER));
}

function failMissing(what: string): never {
  throw validationError(`${what} is required`);
}

/**
 * The actions of one rule (or a listener's default actions) on this listener: exactly one terminal action
 * (forward, redirect, fixed-response), last in order (§4.3); forwards within the per-type limits, to target
 * groups of a compatible protocol (§6.1) that no other load balancer uses (§4.4); redirects that change
 * something; fixed responses within the body limit.
 */
export function validateActions(
  actions: readonly ActionModel[],
  lb: LoadBalancerModel,
  listener: Pick<ListenerModel, 'protocol'>,
  idx: ElbIndex,
): void {
  if (actions.length === 0) throw validationError('At least one action must be specified');
  const terminal = actions.filter((a) => a.type !== 'unsupported' && !a.type.startsWith('authenticate-'));
  if (terminal.length !== 1 || actions[actions.length - 1] !== terminal[0]) {
    throw validationError(
      'There must be exactly one forward, redirect or fixed-response action, and it must be the last',
    );
  }
  const orders = actions.map((a) => a.order).filter((o): o is number => o !== undefined);
  if (new Set(orders).size !== orders.length) throw validationError('Action orders must be unique');
  const a = terminal[0];
  const isAlb = lb.type === 'application';
  if (!isAlb && (a.type !== 'forward' || actions.length > 1)) {
    throw new ApiError('InvalidLoadBalancerAction', 'Network Load Balancer listeners support only one forward action');
  }
  if (
    actions.some((x) => x.type === 'unsupported' || x.type.startsWith('authenticate-')) &&
    listener.protocol !== 'HTTPS'
  ) {
    throw validationError('Authenticate actions are supported only on HTTPS listeners');
  }
  switch (a.type) {
    case 'forward': {
      const max = isAlb ? RULE_LIMITS.targetGroupsPerAlbAction : RULE_LIMITS.targetGroupsPerNlbAction;
      const n = a.targetGroups.length;
      if (n < 1 || n > max) throw validationError(`A forward action must name 1-${max} target groups; it names ${n}`);
      if (new Set(a.targetGroups.map((t) => t.targetGroupId)).size !== n) {
        throw validationError('A forward action cannot name the same target group twice');
      }
      for (const t of a.targetGroups) {
        const tg = idx.model.targetGroups.find((x) => x.id === t.targetGroupId)!;
        const allowed = isAlb ? ALB_LISTENER_TG_PROTOCOLS : (NLB_LISTENER_TG_PROTOCOLS[listener.protocol] ?? []);
        const lambda = tg.targetType === 'lambda';
        const ok = isAlb
          ? lambda || allowed.includes(tg.protocol ?? '')
          : !lambda && allowed.includes(tg.protocol ?? '');
        if (!ok) {
          throw new ApiError(
            'IncompatibleProtocols',
            `The target group ${idx.arn(tg.id)} (protocol ${tg.protocol ?? 'none'}) cannot be used by a ${listener.protocol} listener of ${isAlb ? 'an Application' : 'a Network'} Load Balancer`,
          );
        }
        const others = tg.loadBalancerIds.filter((id) => id !== lb.id);
        if (others.length > 0 && (isAlb || lambda)) {
          throw new ApiError(
            'TargetGroupAssociationLimit',
            `The following target groups cannot be associated with more than one load balancer: ${idx.arn(tg.id)}`,
          );
        }
      }
      return;
    }
    case 'redirect': {
      const L = RULE_LIMITS;
      if (!/^(HTTPS?|#\{protocol\})$/.test(a.protocol)) {
        throw validationError(`Redirect protocol '${a.protocol}' is not valid; allowed: HTTP, HTTPS, #{protocol}`);
      }
      if (a.port !== '#{port}' && !(/^\d+$/.test(a.port) && inRange(Number(a.port), L.redirectPort))) {
        throw validationError(`Redirect port '${a.port}' is not valid; allowed: 1-65535 or #{port}`);
      }
      if (!inRange(a.host.length, L.redirectHostLength))
        throw validationError('Redirect host must have 1-128 characters');
      if (!a.path.startsWith('/') || !inRange(a.path.length, L.redirectPathLength)) {
        throw validationError("Redirect path must start with '/' and have 1-128 characters");
      }
      if (!inRange(a.query.length, L.redirectQueryLength) || a.query.startsWith('?')) {
        throw validationError("Redirect query must have at most 128 characters and no leading '?'");
      }
      const keeps =
        a.protocol === '#{protocol}' && a.host === '#{host}' && a.port === '#{port}' && a.path === '/#{path}';
      if (keeps) throw validationError('The redirect configuration is not valid because it creates a loop.');
      return;
    }
    case 'fixed-response':
      if (a.messageBody.length > RULE_LIMITS.fixedResponseBodyLength.max) {
        throw validationError(
          `Fixed-response message body has ${a.messageBody.length} characters; the maximum is ${RULE_LIMITS.fixedResponseBodyLength.max}`,
        );
      }
      return;
    default:
      return;
  }
}
