/**
 * ARNs ↔ model resources for the ELBv2 API. Every ARN the API returns comes from `model/ids.ts`; this
 * index maps it back, so `DescribeTargetHealth --target-group-arn` takes what `DescribeTargetGroups`
 * returned. A malformed ARN is `ValidationError`; a well-formed one the model does not hold is the
 * resource's `...NotFound` error, as on AWS.
 */
import type { ListenerModel, LoadBalancerModel, RuleModel, SimModel, TargetGroupModel } from '../../model/types';
import { listenerArn, loadBalancerArn, ruleArn, targetGroupArn } from '../../model/ids';
import { ApiError, validationError } from '../errors';

const ARN_HEAD = String.raw`^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:`;
const ARN_PATTERNS = {
  loadBalancer: new RegExp(`${ARN_HEAD}loadbalancer/(app|net|gwy)/[^/]+/[0-9a-f]+$`),
  targetGroup: new RegExp(`${ARN_HEAD}targetgroup/[^/]+/[0-9a-f]+$`),
  listener: new RegExp(`${ARN_HEAD}listener/(app|net|gwy)/[^/]+/[0-9a-f]+/[0-9a-f]+$`),
  rule: new RegExp(`${ARN_HEAD}listener-rule/(app|net)/[^/]+/[0-9a-f]+/[0-9a-f]+/[0-9a-f]+$`),
} as const;

/** A rule as the API sees it: a listener rule, or the listener's default rule. */
export type ApiRule =
  | { readonly kind: 'rule'; readonly listener: ListenerModel; readonly rule: RuleModel; readonly arn: string }
  | { readonly kind: 'default'; readonly listener: ListenerModel; readonly arn: string };

export class ElbIndex {
  readonly model: SimModel;
  readonly #lbArns = new Map<string, LoadBalancerModel>();
  readonly #tgArns = new Map<string, TargetGroupModel>();
  readonly #listenerArns = new Map<string, ListenerModel>();
  readonly #ruleArns = new Map<string, ApiRule>();
  readonly #arnOf = new Map<string, string>();

  constructor(model: SimModel) {
    this.model = model;
    for (const lb of model.loadBalancers) this.#add(this.#lbArns, loadBalancerArn(lb), lb);
    for (const tg of model.targetGroups) this.#add(this.#tgArns, targetGroupArn(tg), tg);
    for (const l of model.listeners) {
      const lb = model.loadBalancers.find((b) => b.id === l.loadBalancerId);
      if (!lb) continue;
      this.#add(this.#listenerArns, listenerArn(lb, l), l);
      const def = ruleArn(lb, l, 'default');
      this.#ruleArns.set(def, { kind: 'default', listener: l, arn: def });
      this.#arnOf.set(`${l.id}#default`, def);
      for (const r of l.rules) {
        const arn = ruleArn(lb, l, r);
        this.#ruleArns.set(arn, { kind: 'rule', listener: l, rule: r, arn });
        this.#arnOf.set(r.id, arn);
      }
    }
  }

  #add<T extends { id: string }>(map: Map<string, T>, arn: string, r: T): void {
    map.set(arn, r);
    this.#arnOf.set(r.id, arn);
  }

  /** ARN of a modelled load balancer, listener, rule or target group by model id. */
  arn(id: string): string {
    return this.#arnOf.get(id) ?? id;
  }

  defaultRuleArn(listener: ListenerModel): string {
    return this.#arnOf.get(`${listener.id}#default`)!;
  }

  loadBalancerOf(listener: ListenerModel): LoadBalancerModel {
    return this.model.loadBalancers.find((b) => b.id === listener.loadBalancerId)!;
  }

  loadBalancer(arn: string): LoadBalancerModel {
    if (!ARN_PATTERNS.loadBalancer.test(arn)) throw validationError(`'${arn}' is not a valid load balancer ARN`);
    const lb = this.#lbArns.get(arn);
    if (!lb) throw new ApiError('LoadBalancerNotFound', 'One or more load balancers not found');
    return lb;
  }

  targetGroup(arn: string): TargetGroupModel {
    if (!ARN_PATTERNS.targetGroup.test(arn)) throw validationError(`'${arn}' is not a valid target group ARN`);
    const tg = this.#tgArns.get(arn);
    if (!tg) throw new ApiError('TargetGroupNotFound', 'One or more target groups not found');
    return tg;
  }

  listener(arn: string): ListenerModel {
    if (!ARN_PATTERNS.listener.test(arn)) throw validationError(`'${arn}' is not a valid listener ARN`);
    const l = this.#listenerArns.get(arn);
    if (!l) throw new ApiError('ListenerNotFound', 'One or more listeners not found');
    return l;
  }

  rule(arn: string): ApiRule {
    if (!ARN_PATTERNS.rule.test(arn)) throw validationError(`'${arn}' is not a valid listener rule ARN`);
    const r = this.#ruleArns.get(arn);
    if (!r) throw new ApiError('RuleNotFound', 'One or more rules not found');
    return r;
  }

  /** The resource of any ELBv2 ARN (for DescribeTags), or undefined when the model has none. */
  any(arn: string): LoadBalancerModel | TargetGroupModel | ListenerModel | ApiRule | undefined {
    return this.#lbArns.get(arn) ?? this.#tgArns.get(arn) ?? this.#listenerArns.get(arn) ?? this.#ruleArns.get(arn);
  }

  /** True when `arn` has the form of some ELBv2 ARN. */
  static isArn(arn: string): boolean {
    return Object.values(ARN_PATTERNS).some((p) => p.test(arn));
  }
}
