/**
 * The ELBv2 API's changes as pure model → model functions: ModifyTargetGroup (health check),
 * ModifyListener, CreateRule, ModifyRule, DeleteRule, SetRulePriorities. Each returns a new `SimModel`
 * (the running simulator applies it with `Simulator.reload`, so a changed rule routes the next request)
 * and throws the error AWS answers with when the change is not allowed (§1.1, §4.1, §8.3, §8.4 quotas).
 * Which load balancers use each target group (`loadBalancerIds`, `inUse`) is recomputed after every
 * change of listeners or rules, so a target group a new rule forwards to starts being health-checked (§1.4).
 */
import {
  HEALTH_CHECK_LIMITS,
  HEALTH_CHECK_PROTOCOLS,
  INTERVAL_NOT_GREATER_THAN_TIMEOUT_TEXT,
  LISTENER_LIMITS,
  LOAD_BALANCER_LIMITS,
  RULE_LIMITS,
  TRAFFIC_PORT,
  inRange,
  parseMatcher,
} from '@ha-load-balancer/spec';
import type {
  ActionModel,
  ConditionModel,
  HealthCheckModel,
  ListenerModel,
  ResourceTag,
  RuleModel,
  SimModel,
  TargetGroupModel,
  TransformModel,
} from '../../model/types';
import { ApiError, constraintError, validationError } from '../errors';

/** Recompute each target group's `loadBalancerIds` and `inUse` from the listeners' forward actions. */
export function withUsage(model: SimModel): SimModel {
  const usage = new Map<string, Set<string>>();
  for (const l of model.listeners) {
    for (const a of [...l.defaultActions, ...l.rules.flatMap((r) => r.actions)]) {
      if (a.type !== 'forward') continue;
      for (const t of a.targetGroups) {
        if (!usage.has(t.targetGroupId)) usage.set(t.targetGroupId, new Set());
        usage.get(t.targetGroupId)!.add(l.loadBalancerId);
      }
    }
  }
  const targetGroups = model.targetGroups.map((tg) => {
    const ids = [...(usage.get(tg.id) ?? [])];
    const same = ids.length === tg.loadBalancerIds.length && ids.every((id) => tg.loadBalancerIds.includes(id));
    return same ? tg : { ...tg, loadBalancerIds: ids, inUse: ids.length > 0 };
  });
  return { ...model, targetGroups };
}

function replaceListener(model: SimModel, listener: ListenerModel): SimModel {
  return withUsage({ ...model, listeners: model.listeners.map((l) => (l.id === listener.id ? listener : l)) });
}

export function replaceTargetGroup(model: SimModel, tg: TargetGroupModel): SimModel {
  return { ...model, targetGroups: model.targetGroups.map((t) => (t.id === tg.id ? tg : t)) };
}

// ---- ModifyTargetGroup ------------------------------------------------------------------------------

export interface HealthCheckChanges {
  readonly protocol?: string;
  readonly port?: string;
  readonly path?: string;
  readonly enabled?: boolean;
  readonly intervalSeconds?: number;
  readonly timeoutSeconds?: number;
  readonly healthyThresholdCount?: number;
  readonly unhealthyThresholdCount?: number;
  readonly httpCode?: string;
  readonly grpcCode?: string;
}

/** ModifyTargetGroup: the health-check settings changed, validated as at synth time (§1.1, §1.2). */
export function modifyHealthCheck(tg: TargetGroupModel, c: HealthCheckChanges): TargetGroupModel {
  const L = HEALTH_CHECK_LIMITS;
  const hc = tg.healthCheck;
  const lambda = tg.targetType === 'lambda';
  if (lambda && (c.protocol !== undefined || c.port !== undefined)) {
    throw validationError('Health check protocol and port cannot be set for target groups with target type lambda');
  }
  if (c.enabled === false && !lambda) {
    throw validationError(`Health checks cannot be disabled for target groups with target type ${tg.targetType}`);
  }
  if (c.protocol !== undefined) {
    const allowed = HEALTH_CHECK_PROTOCOLS[tg.loadBalancerType];
    if (!allowed.includes(c.protocol)) {
      throw constraintError(
        c.protocol,
        'healthCheckProtocol',
        `Member must satisfy enum value set: [${allowed.join(', ')}]`,
      );
    }
    if (c.protocol === 'TCP' && (tg.protocol === 'HTTP' || tg.protocol === 'HTTPS')) {
      throw validationError(
        `Health check protocol 'TCP' is not supported for target groups with the ${tg.protocol} protocol`,
      );
    }
  }
  let port = hc.port;
  if (c.port !== undefined) {
    if (c.port === TRAFFIC_PORT) port = TRAFFIC_PORT;
    else if (/^\d+$/.test(c.port) && inRange(Number(c.port), L.port)) port = Number(c.port);
    else throw validationError(`Health check port '${c.port}' must be 'traffic-port' or an integer 1-65535`);
  }
  const protocol = (c.protocol ?? hc.protocol) as HealthCheckModel['protocol'];
  const http = protocol === 'HTTP' || protocol === 'HTTPS';
  if (!http && (c.path !== undefined || c.httpCode !== undefined || c.grpcCode !== undefined)) {
    throw validationError(`Health check path and matcher can be set only for HTTP and HTTPS health checks`);
  }
  if (c.path !== undefined && (!c.path.startsWith('/') || !inRange(c.path.length, L.pathLength))) {
    throw validationError(`Health check path '${c.path.slice(0, 64)}' must start with '/' and have 1-1024 characters`);
  }
  const range = (v: number | undefined, r: { min: number; max: number }, at: string): void => {
    if (v !== undefined && !inRange(v, r))
      throw constraintError(v, at, `Member must have value between ${r.min}-${r.max}`);
  };
  range(c.intervalSeconds, L.intervalSeconds, 'healthCheckIntervalSeconds');
  range(c.timeoutSeconds, L.timeoutSeconds, 'healthCheckTimeoutSeconds');
  range(c.healthyThresholdCount, L.healthyThresholdCount, 'healthyThresholdCount');
  range(c.unhealthyThresholdCount, L.unhealthyThresholdCount, 'unhealthyThresholdCount');
  const intervalSeconds = c.intervalSeconds ?? hc.intervalSeconds;
  const timeoutSeconds = c.timeoutSeconds ?? hc.timeoutSeconds;
  if (intervalSeconds <= timeoutSeconds) throw validationError(INTERVAL_NOT_GREATER_THAN_TIMEOUT_TEXT);
  let matcher = hc.matcher;
  let successCodes = hc.successCodes;
  if (c.grpcCode !== undefined) {
    const codes = parseMatcher(c.grpcCode);
    if (tg.protocolVersion !== 'GRPC') throw validationError('GrpcCode can be set only for GRPC target groups');
    if (!codes || codes.some((x) => !inRange(x, L.grpcCode))) {
      throw validationError(`Matcher GrpcCode '${c.grpcCode}' is not valid; allowed: codes 0-99 as a list or a range`);
    }
    matcher = { grpcCode: c.grpcCode };
  }
  if (c.httpCode !== undefined) {
    const codes = parseMatcher(c.httpCode);
    const bounds = L.httpCode[tg.loadBalancerType];
    if (tg.protocolVersion === 'GRPC') throw validationError('HttpCode cannot be set for GRPC target groups');
    if (!codes || codes.some((x) => !inRange(x, bounds))) {
      throw validationError(
        `Matcher HttpCode '${c.httpCode}' is not valid; allowed: codes ${bounds.min}-${bounds.max} as a list ("200,202") or a range ("200-299")`,
      );
    }
    matcher = { httpCode: c.httpCode };
    successCodes = codes;
  }
  return {
    ...tg,
    healthCheck: {
      ...hc,
      protocol,
      port,
      enabled: c.enabled ?? hc.enabled,
      path: c.path ?? hc.path,
      intervalSeconds,
      timeoutSeconds,
      healthyThresholdCount: c.healthyThresholdCount ?? hc.healthyThresholdCount,
      unhealthyThresholdCount: c.unhealthyThresholdCount ?? hc.unhealthyThresholdCount,
      matcher,
      successCodes,
    },
  };
}

// ---- ModifyListener ---------------------------------------------------------------------------------

export interface ListenerChanges {
  readonly port?: number;
  readonly protocol?: string;
  readonly sslPolicy?: string;
  readonly certificateArns?: readonly string[];
  readonly alpnPolicy?: readonly string[];
  /** Already validated against the listener (`validateActions`). */
  readonly defaultActions?: readonly ActionModel[];
}

/** The protocols a listener of each load-balancer type may use (§6.1, §8.3). */
const LISTENER_PROTOCOLS = { application: ['HTTP', 'HTTPS'], network: ['TCP', 'TLS', 'UDP', 'TCP_UDP'] } as const;

export function modifyListener(model: SimModel, listener: ListenerModel, c: ListenerChanges): SimModel {
  const lb = model.loadBalancers.find((b) => b.id === listener.loadBalancerId)!;
  const protocol = c.protocol ?? listener.protocol;
  if (!(LISTENER_PROTOCOLS[lb.type] as readonly string[]).includes(protocol)) {
    throw new ApiError('UnsupportedProtocol', `Protocol '${protocol}' is not supported by ${lb.type} load balancers`);
  }
  if (c.port !== undefined && !inRange(c.port, LISTENER_LIMITS.port)) {
    throw constraintError(c.port, 'port', 'Member must have value between 1-65535');
  }
  const port = c.port ?? listener.port;
  const clash = model.listeners.find((l) => l.loadBalancerId === lb.id && l.id !== listener.id && l.port === port);
  if (clash) throw new ApiError('DuplicateListener', 'A listener already exists on this port for this load balancer');
  const secure = protocol === 'HTTPS' || protocol === 'TLS';
  const certificateArns = c.certificateArns ?? listener.certificateArns;
  if (secure && certificateArns.length === 0) {
    throw validationError(`A certificate must be specified for ${protocol} listeners`);
  }
  if (certificateArns.length > LOAD_BALANCER_LIMITS.certificatesPerLoadBalancer) {
    throw new ApiError('TooManyCertificates', 'You have reached the limit on the number of certificates');
  }
  if (c.alpnPolicy !== undefined && protocol !== 'TLS') {
    throw validationError('An ALPN policy can be set only for TLS listeners');
  }
  return replaceListener(model, {
    ...listener,
    port,
    protocol,
    sslPolicy: secure ? (c.sslPolicy ?? listener.sslPolicy) : undefined,
    certificateArns: secure ? certificateArns : [],
    alpnPolicy: protocol === 'TLS' ? (c.alpnPolicy ?? listener.alpnPolicy) : undefined,
    defaultActions: c.defaultActions ?? listener.defaultActions,
  });
}

// ---- rules ------------------------------------------------------------------------------------------

function checkPriority(priority: number, at = 'priority'): void {
  if (!inRange(priority, RULE_LIMITS.priority)) {
    throw constraintError(
      priority,
      at,
      `Member must have value between ${RULE_LIMITS.priority.min}-${RULE_LIMITS.priority.max}`,
    );
  }
}

function sortRules(rules: readonly RuleModel[]): RuleModel[] {
  return [...rules].sort((a, b) => a.priority - b.priority);
}

export interface NewRule {
  /** Model id of the new rule (unique in the model; the API picks it). */
  readonly id: string;
  readonly priority: number;
  /** Validated with `validateConditions`. */
  readonly conditions: readonly ConditionModel[];
  /** Validated with `validateActions`. */
  readonly actions: readonly ActionModel[];
  readonly tags?: readonly ResourceTag[];
  /** §4.3 rule transforms (validated with `parseTransforms`). */
  readonly transforms?: readonly TransformModel[];
}

/** CreateRule (§4.1): the priority must be free on the listener; at most `rulesPerAlb` rules per ALB (§8.4). */
export function createRule(
  model: SimModel,
  listener: ListenerModel,
  rule: NewRule,
): { model: SimModel; rule: RuleModel } {
  const lb = model.loadBalancers.find((b) => b.id === listener.loadBalancerId)!;
  if (lb.type !== 'application')
    throw validationError('Listener rules are supported only by Application Load Balancers');
  checkPriority(rule.priority);
  if (listener.rules.some((r) => r.priority === rule.priority)) {
    throw new ApiError('PriorityInUse', `Priority '${rule.priority}' is currently in use`);
  }
  const rulesOfLb = model.listeners.filter((l) => l.loadBalancerId === lb.id).reduce((n, l) => n + l.rules.length, 0);
  if (rulesOfLb >= LOAD_BALANCER_LIMITS.rulesPerAlb) {
    throw new ApiError(
      'TooManyRules',
      `You've reached the limit on the number of rules per load balancer (${LOAD_BALANCER_LIMITS.rulesPerAlb})`,
    );
  }
  const created: RuleModel = {
    id: rule.id,
    logicalId: rule.id.split('/').pop()!,
    stackName: listener.stackName,
    kind: 'ListenerRule',
    listenerId: listener.id,
    priority: rule.priority,
    conditions: rule.conditions,
    actions: rule.actions,
    ...(rule.tags && rule.tags.length > 0 ? { tags: rule.tags } : {}),
    ...(rule.transforms && rule.transforms.length > 0 ? { transforms: rule.transforms } : {}),
  };
  const next = replaceListener(model, { ...listener, rules: sortRules([...listener.rules, created]) });
  return { model: next, rule: created };
}

/** ModifyRule: replace the conditions and/or actions of a (non-default) rule. */
export function modifyRule(
  model: SimModel,
  listener: ListenerModel,
  rule: RuleModel,
  changes: {
    readonly conditions?: readonly ConditionModel[];
    readonly actions?: readonly ActionModel[];
    /** §4.3: replaces the rule's transforms (an empty list removes them). */
    readonly transforms?: readonly TransformModel[];
  },
): SimModel {
  const { transforms: _old, ...rest } = rule;
  const transforms = changes.transforms ?? rule.transforms;
  const updated: RuleModel = {
    ...rest,
    conditions: changes.conditions ?? rule.conditions,
    actions: changes.actions ?? rule.actions,
    ...(transforms && transforms.length > 0 ? { transforms } : {}),
  };
  return replaceListener(model, { ...listener, rules: listener.rules.map((r) => (r.id === rule.id ? updated : r)) });
}

export function deleteRule(model: SimModel, listener: ListenerModel, rule: RuleModel): SimModel {
  return replaceListener(model, { ...listener, rules: listener.rules.filter((r) => r.id !== rule.id) });
}

/**
 * SetRulePriorities: all new priorities at once; after the change no two rules of one listener may share a
 * priority (`PriorityInUse`), and a rule may appear once.
 */
export function setRulePriorities(
  model: SimModel,
  changes: readonly { readonly listener: ListenerModel; readonly rule: RuleModel; readonly priority: number }[],
): SimModel {
  const seen = new Set<string>();
  const byRule = new Map<string, number>();
  changes.forEach((c, i) => {
    checkPriority(c.priority, `rulePriorities.${i + 1}.member.priority`);
    if (seen.has(c.rule.id)) throw validationError('A rule can appear only once in RulePriorities');
    seen.add(c.rule.id);
    byRule.set(c.rule.id, c.priority);
  });
  const listeners = model.listeners.map((l) => {
    if (!l.rules.some((r) => byRule.has(r.id))) return l;
    const rules = l.rules.map((r) => (byRule.has(r.id) ? { ...r, priority: byRule.get(r.id)! } : r));
    const priorities = rules.map((r) => r.priority);
    const dup = priorities.find((p, i) => priorities.indexOf(p) !== i);
    if (dup !== undefined) throw new ApiError('PriorityInUse', `Priority '${dup}' is currently in use`);
    return { ...l, rules: sortRules(rules) };
  });
  return { ...model, listeners };
}
