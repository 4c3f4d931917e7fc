/**
 * The ELBv2 Query API (version 2015-12-01): one function per action, each reading `QueryParams`, asking
 * the running simulator through `Elbv2Context` (model, target health, registration, applying a new model)
 * and returning the action's result element. `handleElbv2` wraps it in AWS's response document
 * (`<ActionResponse><ActionResult>...</ActionResult><ResponseMetadata>`) and `elbv2ErrorDocument` renders
 * errors as AWS's `<ErrorResponse>`. No sockets: tests drive it with an engine in virtual time.
 */
import { isIP } from 'node:net';
import { LOAD_BALANCER_LIMITS, TARGET_GROUP_LIMITS } from '@ha-load-balancer/spec';
import { loadBalancerName, targetGroupName } from '../../model/ids';
import type { TargetHealthDescription } from '../../core/types';
import type { ListenerModel, ResourceTag, SimModel, TargetModel } from '../../model/types';
import { ApiError, validationError } from '../errors';
import { QueryParams } from '../query';
import { members, xmlDocument, type XmlNode } from '../xml';
import { loadBalancerAttributeList, modifyTargetGroupAttributes, targetGroupAttributeList } from './attributes';
import { parseActions, parseConditions, parseTransforms, validateActions, validateConditions } from './inputs';
import {
  createRule,
  deleteRule,
  modifyHealthCheck,
  modifyListener,
  modifyRule,
  replaceTargetGroup,
  setRulePriorities,
} from './mutations';
import { ElbIndex, type ApiRule } from './resources';
import { listenerShape, loadBalancerShape, ruleShape, targetGroupShape, targetHealthShape } from './shapes';

export const ELBV2_VERSION = '2015-12-01';
export const ELBV2_NAMESPACE = `https://elasticloadbalancing.amazonaws.com/doc/${ELBV2_VERSION}/`;

/** What the ELBv2 API needs from the running simulator. */
export interface Elbv2Context {
  /** The model as declared (template plus API changes), without the test-convenience timing overrides. */
  model(): SimModel;
  /** Make `model` the running configuration (listeners restart or re-route, §2.3 draining, ...). */
  apply(model: SimModel): Promise<void>;
  describeTargetHealth(targetGroupId: string, targets?: readonly TargetModel[]): TargetHealthDescription[];
  registerTargets(targetGroupId: string, targets: readonly TargetModel[]): void;
  deregisterTargets(targetGroupId: string, targets: readonly TargetModel[]): void;
  /** `CreatedTime` of the load balancers (when the simulator started them), ISO 8601. */
  readonly createdTime: string;
  /** A model id for a rule created through the API, never used before in this simulator. */
  newRuleId(listener: ListenerModel): string;
}

type Handler = (p: QueryParams, ctx: Elbv2Context) => Promise<XmlNode> | XmlNode;

const PAGE_SIZE = { min: 1, max: 400 } as const;

/** Marker / PageSize pagination: markers are opaque offsets. */
function page<T>(items: readonly T[], p: QueryParams): { items: T[]; NextMarker?: string } {
  const size = p.int('PageSize', PAGE_SIZE) ?? PAGE_SIZE.max;
  const marker = p.string('Marker');
  let start = 0;
  if (marker !== undefined) {
    const m = /^sim-(\d+)$/.exec(Buffer.from(marker, 'base64').toString('utf8'));
    if (!m) throw validationError('The marker is not valid');
    start = Number(m[1]);
  }
  const end = start + size;
  return {
    items: items.slice(start, end),
    ...(end < items.length ? { NextMarker: Buffer.from(`sim-${end}`).toString('base64') } : {}),
  };
}

function rulesOf(listener: ListenerModel, idx: ElbIndex): ApiRule[] {
  return [
    ...listener.rules.map((rule) => ({ kind: 'rule' as const, listener, rule, arn: idx.arn(rule.id) })),
    { kind: 'default' as const, listener, arn: idx.defaultRuleArn(listener) },
  ];
}

/** `Targets.member.N` → targets, validated for the target group's type and port. */
function parseTargets(p: QueryParams, tg: SimModel['targetGroups'][number]): TargetModel[] {
  const list = p.structs('Targets');
  if (!list || list.length === 0) throw validationError('Targets must contain at least one target');
  return list.map((t, i) => {
    const id = t.required('Id');
    const port = t.int('Port', { min: 1, max: 65535 });
    const az = t.string('AvailabilityZone');
    if (tg.targetType === 'lambda' || tg.targetType === 'alb') {
      throw validationError(`Registering ${tg.targetType} targets through the API is not simulated`);
    }
    if (tg.targetType === 'ip' && isIP(id) === 0) {
      throw new ApiError('InvalidTarget', `The IP address '${id}' is not a valid IPv4 or IPv6 address`);
    }
    if (tg.targetType === 'instance' && isIP(id) === 0 && !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(id)) {
      // The simulator's instance ids are the hosts that serve the targets (live/README.md).
      throw new ApiError('InvalidTarget', `The target '${id}' is not a host the simulator can reach`);
    }
    if (port === undefined && tg.port === undefined) {
      throw validationError(`A port must be specified for target ${i + 1} ('${id}'): the target group has no port`);
    }
    return { id, ...(port !== undefined ? { port } : {}), ...(az !== undefined ? { availabilityZone: az } : {}) };
  });
}

function parseTags(p: QueryParams): ResourceTag[] {
  return (p.structs('Tags') ?? []).map((t) => ({ key: t.required('Key'), value: t.string('Value') ?? '' }));
}

const HANDLERS: Readonly<Record<string, Handler>> = {
  DescribeLoadBalancers(p, ctx) {
    const idx = new ElbIndex(ctx.model());
    const arns = p.list('LoadBalancerArns');
    const names = p.list('Names');
    if (arns && names)
      throw validationError('Load balancer names and load balancer ARNs cannot be specified at the same time');
    let lbs = idx.model.loadBalancers;
    if (arns) lbs = arns.map((a) => idx.loadBalancer(a));
    if (names) {
      lbs = names.map((n) => {
        const lb = idx.model.loadBalancers.find((b) => loadBalancerName(b) === n);
        if (!lb) throw new ApiError('LoadBalancerNotFound', `Load balancers '[${n}]' not found`);
        return lb;
      });
    }
    const { items, NextMarker } = page(lbs, p);
    return { LoadBalancers: members(items.map((lb) => loadBalancerShape(lb, ctx.createdTime))), NextMarker };
  },

  DescribeLoadBalancerAttributes(p, ctx) {
    const lb = new ElbIndex(ctx.model()).loadBalancer(p.required('LoadBalancerArn'));
    return { Attributes: members(loadBalancerAttributeList(lb)) };
  },

  DescribeListeners(p, ctx) {
    const idx = new ElbIndex(ctx.model());
    const lbArn = p.string('LoadBalancerArn');
    const arns = p.list('ListenerArns');
    if (lbArn === undefined && !arns)
      throw validationError('You must specify either listener ARNs or a load balancer ARN');
    if (lbArn !== undefined && arns)
      throw validationError('Listener ARNs and a load balancer ARN cannot be specified at the same time');
    let listeners: ListenerModel[];
    if (arns) listeners = arns.map((a) => idx.listener(a));
    else {
      const lb = idx.loadBalancer(lbArn!);
      listeners = lb.listenerIds.map((id) => idx.model.listeners.find((l) => l.id === id)!).filter(Boolean);
    }
    const { items, NextMarker } = page(listeners, p);
    return { Listeners: members(items.map((l) => listenerShape(l, idx))), NextMarker };
  },

  DescribeRules(p, ctx) {
    const idx = new ElbIndex(ctx.model());
    const listenerArn = p.string('ListenerArn');
    const arns = p.list('RuleArns');
    if (listenerArn === undefined && !arns)
      throw validationError('You must specify either listener rule ARNs or a listener ARN');
    if (listenerArn !== undefined && arns)
      throw validationError('Listener rule ARNs and a listener ARN cannot be specified at the same time');
    const rules = arns ? arns.map((a) => idx.rule(a)) : rulesOf(idx.listener(listenerArn!), idx);
    const { items, NextMarker } = page(rules, p);
    return { Rules: members(items.map((r) => ruleShape(r, idx))), NextMarker };
  },

  DescribeTargetGroups(p, ctx) {
    const idx = new ElbIndex(ctx.model());
    const lbArn = p.string('LoadBalancerArn');
    const arns = p.list('TargetGroupArns');
    const names = p.list('Names');
    let tgs = idx.model.targetGroups;
    if (lbArn !== undefined) {
      const lb = idx.loadBalancer(lbArn);
      tgs = tgs.filter((t) => t.loadBalancerIds.includes(lb.id));
    }
    if (arns) {
      const wanted = arns.map((a) => idx.targetGroup(a));
      tgs = wanted.filter((t) => tgs.includes(t));
    }
    if (names) {
      tgs = names.map((n) => {
        const tg = tgs.find((t) => targetGroupName(t) === n);
        if (!tg) throw new ApiError('TargetGroupNotFound', `One or more target groups not found`);
        return tg;
      });
    }
    const { items, NextMarker } = page(tgs, p);
    return { TargetGroups: members(items.map((t) => targetGroupShape(t, idx))), NextMarker };
  },

  DescribeTargetGroupAttributes(p, ctx) {
    const tg = new ElbIndex(ctx.model()).targetGroup(p.required('TargetGroupArn'));
    return { Attributes: members(targetGroupAttributeList(tg)) };
  },

  DescribeTargetHealth(p, ctx) {
    const tg = new ElbIndex(ctx.model()).targetGroup(p.required('TargetGroupArn'));
    const include = p.list('Include') ?? [];
    for (const i of include) {
      if (i !== 'AnomalyDetection' && i !== 'All')
        throw validationError(`Include value '${i}' is not valid; allowed: AnomalyDetection, All`);
    }
    const targets = p.structs('Targets')?.map((t) => {
      const port = t.int('Port', { min: 1, max: 65535 });
      return { id: t.required('Id'), ...(port !== undefined ? { port } : {}) };
    });
    const health = ctx.describeTargetHealth(tg.id, targets);
    const anomaly = include.length > 0;
    return { TargetHealthDescriptions: members(health.map((d) => targetHealthShape(d, anomaly))) };
  },

  RegisterTargets(p, ctx) {
    const model = ctx.model();
    const tg = new ElbIndex(model).targetGroup(p.required('TargetGroupArn'));
    const targets = parseTargets(p, tg);
    const key = (t: { id: string; port?: number }): string => `${t.id}:${t.port ?? tg.port}`;
    const registered = new Set(ctx.describeTargetHealth(tg.id).map((d) => `${d.Target.Id}:${d.Target.Port}`));
    const added = new Set(targets.map(key).filter((k) => !registered.has(k)));
    if (registered.size + added.size > TARGET_GROUP_LIMITS.targetsPerTargetGroup) {
      throw new ApiError(
        'TooManyTargets',
        `You've reached the limit on the number of targets per target group (${TARGET_GROUP_LIMITS.targetsPerTargetGroup})`,
      );
    }
    for (const lbId of tg.loadBalancerIds) {
      const lb = model.loadBalancers.find((b) => b.id === lbId)!;
      const limit = lb.type === 'application' ? LOAD_BALANCER_LIMITS.targetsPerAlb : LOAD_BALANCER_LIMITS.targetsPerNlb;
      const count = model.targetGroups
        .filter((t) => t.loadBalancerIds.includes(lbId))
        .reduce((n, t) => n + ctx.describeTargetHealth(t.id).length, 0);
      if (count + added.size > limit) {
        throw new ApiError(
          'TooManyTargets',
          `You've reached the limit on the number of targets per load balancer (${limit})`,
        );
      }
    }
    ctx.registerTargets(tg.id, targets);
    return {};
  },

  DeregisterTargets(p, ctx) {
    const tg = new ElbIndex(ctx.model()).targetGroup(p.required('TargetGroupArn'));
    const targets = p.structs('Targets')?.map((t) => {
      const port = t.int('Port', { min: 1, max: 65535 });
      return { id: t.required('Id'), ...(port !== undefined ? { port } : {}) };
    });
    if (!targets || targets.length === 0) throw validationError('Targets must contain at least one target');
    const missing = ctx
      .describeTargetHealth(tg.id, targets)
      .filter((d) => d.TargetHealth.State === 'unused' && d.TargetHealth.Reason === 'Target.NotRegistered');
    if (missing.length > 0) {
      throw new ApiError(
        'InvalidTarget',
        `The following targets are not registered in target group '${new ElbIndex(ctx.model()).arn(tg.id)}': ${missing.map((d) => `'${d.Target.Id}:${d.Target.Port}'`).join(', ')}`,
      );
    }
    ctx.deregisterTargets(tg.id, targets);
    return {};
  },

  async ModifyTargetGroup(p, ctx) {
    const model = ctx.model();
    const tg = new ElbIndex(model).targetGroup(p.required('TargetGroupArn'));
    const matcher = p.struct('Matcher');
    const changed = modifyHealthCheck(tg, {
      protocol: p.string('HealthCheckProtocol'),
      port: p.string('HealthCheckPort'),
      path: p.string('HealthCheckPath'),
      enabled: p.bool('HealthCheckEnabled'),
      intervalSeconds: p.int('HealthCheckIntervalSeconds'),
      timeoutSeconds: p.int('HealthCheckTimeoutSeconds'),
      healthyThresholdCount: p.int('HealthyThresholdCount'),
      unhealthyThresholdCount: p.int('UnhealthyThresholdCount'),
      httpCode: matcher?.string('HttpCode'),
      grpcCode: matcher?.string('GrpcCode'),
    });
    const next = replaceTargetGroup(model, changed);
    await ctx.apply(next);
    return { TargetGroups: members([targetGroupShape(changed, new ElbIndex(next))]) };
  },

  async ModifyTargetGroupAttributes(p, ctx) {
    const model = ctx.model();
    const tg = new ElbIndex(model).targetGroup(p.required('TargetGroupArn'));
    const attrs = p.structs('Attributes');
    if (!attrs || attrs.length === 0) throw validationError('Attributes must contain at least one attribute');
    const changed = modifyTargetGroupAttributes(
      tg,
      attrs.map((a) => ({ Key: a.required('Key'), Value: a.string('Value') ?? '' })),
    );
    await ctx.apply(replaceTargetGroup(model, changed));
    return { Attributes: members(targetGroupAttributeList(changed)) };
  },

  async ModifyListener(p, ctx) {
    const model = ctx.model();
    const idx = new ElbIndex(model);
    const listener = idx.listener(p.required('ListenerArn'));
    const lb = idx.loadBalancerOf(listener);
    const protocol = p.string('Protocol') ?? listener.protocol;
    const defaultActions = parseActions(p, 'DefaultActions', idx, listener.defaultActions);
    if (defaultActions) validateActions(defaultActions, lb, { protocol }, idx);
    const sslPolicy = p.string('SslPolicy');
    if (sslPolicy !== undefined && !/^ELBSecurityPolicy-[A-Za-z0-9-]+$/.test(sslPolicy)) {
      throw new ApiError('SSLPolicyNotFound', `The specified SSL policy '${sslPolicy}' does not exist`);
    }
    const next = modifyListener(model, listener, {
      port: p.int('Port'),
      protocol: p.string('Protocol'),
      sslPolicy,
      certificateArns: p.structs('Certificates')?.map((c) => c.required('CertificateArn')),
      alpnPolicy: p.list('AlpnPolicy'),
      defaultActions,
    });
    await ctx.apply(next);
    const nextIdx = new ElbIndex(next);
    return {
      Listeners: members([
        listenerShape(
          next.listeners.find((l) => l.id === listener.id)!,
          nextIdx,
        ),
      ]),
    };
  },

  async CreateRule(p, ctx) {
    const model = ctx.model();
    const idx = new ElbIndex(model);
    const listener = idx.listener(p.required('ListenerArn'));
    const lb = idx.loadBalancerOf(listener);
    const priority = p.int('Priority');
    if (priority === undefined)
      throw validationError(
        "1 validation error detected: Value null at 'priority' failed to satisfy constraint: Member must not be null",
      );
    const conditions = parseConditions(p) ?? [];
    const actions = parseActions(p, 'Actions', idx) ?? [];
    if (lb.type === 'application') {
      validateConditions(conditions);
      validateActions(actions, lb, listener, idx);
    }
    const created = createRule(model, listener, {
      id: ctx.newRuleId(listener),
      priority,
      conditions,
      actions,
      tags: parseTags(p),
      transforms: parseTransforms(p),
    });
    await ctx.apply(created.model);
    const nextIdx = new ElbIndex(created.model);
    const arn = nextIdx.arn(created.rule.id);
    return { Rules: members([ruleShape(nextIdx.rule(arn), nextIdx)]) };
  },

  async ModifyRule(p, ctx) {
    const model = ctx.model();
    const idx = new ElbIndex(model);
    const r = idx.rule(p.required('RuleArn'));
    if (r.kind === 'default')
      throw new ApiError('OperationNotPermitted', 'Default rules cannot be modified; use ModifyListener');
    const conditions = parseConditions(p);
    const actions = parseActions(p, 'Actions', idx, r.rule.actions);
    if (conditions) validateConditions(conditions);
    if (actions) validateActions(actions, idx.loadBalancerOf(r.listener), r.listener, idx);
    const next = modifyRule(model, r.listener, r.rule, { conditions, actions, transforms: parseTransforms(p) });
    await ctx.apply(next);
    const nextIdx = new ElbIndex(next);
    return { Rules: members([ruleShape(nextIdx.rule(r.arn), nextIdx)]) };
  },

  async DeleteRule(p, ctx) {
    const model = ctx.model();
    const r = new ElbIndex(model).rule(p.required('RuleArn'));
    if (r.kind === 'default') throw new ApiError('OperationNotPermitted', 'Default rules cannot be deleted');
    await ctx.apply(deleteRule(model, r.listener, r.rule));
    return {};
  },

  async SetRulePriorities(p, ctx) {
    const model = ctx.model();
    const idx = new ElbIndex(model);
    const list = p.structs('RulePriorities');
    if (!list || list.length === 0) throw validationError('RulePriorities must contain at least one rule');
    const changes = list.map((c) => {
      const r = idx.rule(c.required('RuleArn'));
      if (r.kind === 'default')
        throw new ApiError('OperationNotPermitted', 'The priority of a default rule cannot be changed');
      const priority = c.int('Priority');
      if (priority === undefined) throw validationError('Each rule priority needs a Priority');
      return { listener: r.listener, rule: r.rule, priority };
    });
    const next = setRulePriorities(model, changes);
    await ctx.apply(next);
    const nextIdx = new ElbIndex(next);
    return { Rules: members(changes.map((c) => ruleShape(nextIdx.rule(idx.arn(c.rule.id)), nextIdx))) };
  },

  DescribeTags(p, ctx) {
    const idx = new ElbIndex(ctx.model());
    const arns = p.list('ResourceArns');
    if (!arns || arns.length === 0) throw validationError('ResourceArns must contain at least one ARN');
    if (arns.length > 20) throw validationError('ResourceArns can contain at most 20 ARNs');
    return {
      TagDescriptions: members(
        arns.map((arn) => {
          const tags = tagsOf(arn, idx);
          return { ResourceArn: arn, Tags: members(tags.map((t) => ({ Key: t.key, Value: t.value }))) };
        }),
      ),
    };
  },
};

/** The tags of the resource an ARN names; the resource's NotFound error when there is none. */
function tagsOf(arn: string, idx: ElbIndex): readonly ResourceTag[] {
  const kind = /:(loadbalancer|targetgroup|listener|listener-rule)\//.exec(arn)?.[1];
  switch (kind) {
    case 'loadbalancer':
      return idx.loadBalancer(arn).tags ?? [];
    case 'targetgroup':
      return idx.targetGroup(arn).tags ?? [];
    case 'listener':
      idx.listener(arn);
      return [];
    case 'listener-rule': {
      const r = idx.rule(arn);
      return r.kind === 'rule' ? (r.rule.tags ?? []) : [];
    }
    default:
      throw validationError(`'${arn}' is not a valid Elastic Load Balancing resource ARN`);
  }
}

/** The actions this API answers, in AWS's names. */
export const ELBV2_ACTIONS: readonly string[] = Object.keys(HANDLERS);

/**
 * Run one Query request; returns AWS's XML response document. Throws `ApiError` (render it with
 * `elbv2ErrorDocument`).
 */
export async function handleElbv2(params: QueryParams, ctx: Elbv2Context, requestId: string): Promise<string> {
  const action = params.string('Action');
  if (!action) throw new ApiError('MissingAction', 'The request must contain the parameter Action');
  const handler = Object.prototype.hasOwnProperty.call(HANDLERS, action) ? HANDLERS[action] : undefined;
  if (!handler) throw new ApiError('InvalidAction', `The action ${action} is not valid for this web service`);
  const version = params.string('Version');
  if (version !== undefined && version !== ELBV2_VERSION) {
    throw new ApiError(
      'InvalidAction',
      `Version ${version} of Elastic Load Balancing is not simulated; use ${ELBV2_VERSION}`,
    );
  }
  const result = await handler(params, ctx);
  return xmlDocument(`${action}Response`, ELBV2_NAMESPACE, {
    [`${action}Result`]: result,
    ResponseMetadata: { RequestId: requestId },
  });
}

/** AWS's Query error document. */
export function elbv2ErrorDocument(err: ApiError, requestId: string): string {
  return xmlDocument('ErrorResponse', ELBV2_NAMESPACE, {
    Error: { Type: err.type, Code: err.code, Message: err.message },
    RequestId: requestId,
  });
}
