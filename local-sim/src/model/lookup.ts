/** Finding resources of a `SimModel` by any of the names a user may type (see `types.ts`, Identity). */
import type {
  ListenerModel,
  LoadBalancerModel,
  ModelResource,
  RecordSetModel,
  Route53HealthCheckModel,
  RuleModel,
  SimModel,
  TargetGroupModel,
} from './types';

/** True when `ref` names `r`: its id, its cdk path, `<stack>/<logicalId>`, or its bare logicalId. */
export function matchesRef(r: ModelResource, ref: string): boolean {
  return ref === r.id || ref === r.path || ref === `${r.stackName}/${r.logicalId}` || ref === r.logicalId;
}

function findIn<T extends ModelResource>(list: readonly T[], ref: string): T | undefined {
  const exact = list.find((r) => r.id === ref || r.path === ref || `${r.stackName}/${r.logicalId}` === ref);
  if (exact) return exact;
  const byLogical = list.filter((r) => r.logicalId === ref);
  return byLogical.length === 1 ? byLogical[0] : undefined;
}

export function findLoadBalancer(model: SimModel, ref: string): LoadBalancerModel | undefined {
  return findIn(model.loadBalancers, ref) ?? model.loadBalancers.find((lb) => lb.name !== undefined && lb.name === ref);
}

export function findListener(model: SimModel, ref: string): ListenerModel | undefined {
  return findIn(model.listeners, ref);
}

export function findTargetGroup(model: SimModel, ref: string): TargetGroupModel | undefined {
  return findIn(model.targetGroups, ref) ?? model.targetGroups.find((t) => t.name !== undefined && t.name === ref);
}

export function findRule(model: SimModel, ref: string): RuleModel | undefined {
  return findIn(
    model.listeners.flatMap((l) => l.rules),
    ref,
  );
}

export function findHealthCheck(model: SimModel, ref: string): Route53HealthCheckModel | undefined {
  return findIn(model.healthChecks, ref);
}

export function findRecordSet(model: SimModel, ref: string): RecordSetModel | undefined {
  return findIn(model.recordSets, ref);
}

/** Listeners of a load balancer, in template order. */
export function listenersOf(model: SimModel, lb: LoadBalancerModel): ListenerModel[] {
  return lb.listenerIds.map((id) => model.listeners.find((l) => l.id === id)!).filter(Boolean);
}
