/**
 * Template → typed model. Reads `AWS::ElasticLoadBalancingV2::{LoadBalancer,Listener,ListenerRule,TargetGroup}`
 * and `AWS::Route53::{RecordSet,RecordSetGroup,HealthCheck}` resources of one or more stacks, resolves
 * references between them, applies AWS defaults from `../spec`, and lists every thing it cannot honour as
 * a `ModelIssue` (docs/aws-behaviour.md §1.1, §4, §7, §8).
 */
import { resolve as pathResolve } from 'node:path';
import {
  GRPC_HEALTH_CHECK_DEFAULTS,
  healthCheckDefaults,
  LOAD_BALANCER_TYPES,
  type LoadBalancerTypeName,
  parseMatcher,
  PROTOCOL_VERSIONS,
  type ProtocolVersionName,
  ROUTE53_DEFAULTS,
  TARGET_TYPES,
  type TargetTypeName,
  TRAFFIC_PORT,
  ALB_PROTOCOLS,
  LAMBDA_FUNCTION_DEFAULTS,
  LOCAL_LAMBDA_RUNTIME_PREFIX,
  LOAD_BALANCER_LIMITS,
  SIMULATOR_CHOICE_PARAMS,
  FAILOVER_ROLES,
  type FailoverRoleName,
} from '@ha-load-balancer/spec';
import { attributeRecord, loadBalancerAttributes, targetGroupAttributes } from './attributes';
import {
  collectExports,
  findResourceReference,
  intrinsicName,
  regionOf,
  regionZones,
  resolve,
  resolveList,
  type ResolveContext,
  type Resolved,
} from './intrinsics';
import { assignZones, type ZoneReference, type ZoneResource } from './zones';
import { lambdaFunctionArn, loadBalancerArn } from './ids';
import * as features from './rule-features';
import type {
  ActionModel,
  CfnResource,
  CfnTemplate,
  ConditionModel,
  HealthCheckModel,
  LambdaFunctionModel,
  ListenerModel,
  LoadBalancerModel,
  ModelIssue,
  RecordSetModel,
  ResourceIdentity,
  ResourceTag,
  Route53HealthCheckModel,
  RuleModel,
  SimModel,
  StackTemplate,
  TargetGroupModel,
  TargetModel,
} from './types';

const ELB = 'AWS::ElasticLoadBalancingV2::';
const T = {
  lb: `${ELB}LoadBalancer`,
  listener: `${ELB}Listener`,
  rule: `${ELB}ListenerRule`,
  tg: `${ELB}TargetGroup`,
  hc: 'AWS::Route53::HealthCheck',
  rs: 'AWS::Route53::RecordSet',
  rsg: 'AWS::Route53::RecordSetGroup',
  zone: 'AWS::Route53::HostedZone',
} as const;

/** A web ACL on a load balancer (§5.4 403): the simulator has no WAF, so it says so. */
const WAF_ASSOCIATION = 'AWS::WAFv2::WebACLAssociation';

/** ELBv2 / Route 53 resource types that are read elsewhere or have no routing effect (no issue raised). */
const QUIET_TYPES = new Set([`${ELB}ListenerCertificate`, 'AWS::ElasticLoadBalancingV2::TrustStore']);

type Props = Readonly<Record<string, unknown>>;
type Issue = Omit<ModelIssue, 'resourcePath'>;

interface Entry {
  readonly stackName: string;
  readonly logicalId: string;
  readonly resource: CfnResource;
  readonly identity: ResourceIdentity;
  readonly ctx: ResolveContext;
}

function key(stackName: string, logicalId: string): string {
  return `${stackName}/${logicalId}`;
}

function identityOf(stackName: string, logicalId: string, resource: CfnResource): ResourceIdentity {
  const p = resource.Metadata?.['aws:cdk:path'];
  const path = typeof p === 'string' ? p : undefined;
  const id = path ? path.replace(/(\/Resource)+$/, '') : key(stackName, logicalId);
  return { id, logicalId, stackName, path };
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Whether the simulator can run a function with the local Node.js, and why not. */
export function runsLocally(fn: LambdaFunctionModel): { ok: true } | { ok: false; why: string } {
  if (fn.code.kind === 'image') return { ok: false, why: 'a container-image function cannot run locally' };
  if (!fn.runtime?.startsWith(LOCAL_LAMBDA_RUNTIME_PREFIX))
    return { ok: false, why: `runtime ${fn.runtime ?? '(none)'} cannot run locally (only Node.js runtimes)` };
  if (fn.code.kind === 'unavailable') return { ok: false, why: fn.code.why };
  if (!fn.handler || !fn.handler.includes('.'))
    return { ok: false, why: `Handler ${fn.handler ?? '(none)'} is not file.export` };
  return { ok: true };
}

/** Build the model of several stacks (e.g. all stacks of a cloud assembly). */
export function buildModel(stacks: readonly StackTemplate[]): SimModel {
  return new Builder(stacks).build();
}

/** Build the model of one template (e.g. `Template.fromStack(stack).toJSON()`). */
export function modelFromTemplate(template: CfnTemplate | Record<string, unknown>, stackName: string): SimModel {
  return buildModel([{ stackName, template: template as CfnTemplate }]);
}

class Builder {
  readonly #stacks: readonly StackTemplate[];
  readonly #issues: ModelIssue[] = [];
  readonly #entries = new Map<string, Entry>();
  readonly #ids = new Set<string>();
  /** The cloud-assembly directory of each stack read from one (asset paths are relative to it). */
  readonly #assemblyDirs = new Map<string, string>();
  /** Functions Lambda target groups register, by entry key. */
  readonly #functions = new Map<string, LambdaFunctionModel>();
  /** ARNs of the assembly's ALBs that are targets of a target group of type `alb`. */
  readonly #albArns = new Set<string>();
  /** How each record (by id) names its hosted zone. */
  readonly #zoneRefs = new Map<string, ZoneReference>();

  constructor(stacks: readonly StackTemplate[]) {
    this.#stacks = stacks;
  }

  build(): SimModel {
    const templates = new Map(this.#stacks.map((s) => [s.stackName, s.template]));
    const regions = new Map(this.#stacks.map((s) => [s.stackName, s.region]));
    for (const s of this.#stacks) if (s.assemblyDirectory) this.#assemblyDirs.set(s.stackName, s.assemblyDirectory);
    const exports = collectExports(templates, regions);
    for (const { stackName, template, region } of this.#stacks) {
      const ctx: ResolveContext = { stackName, template, exports, templates, region, regions };
      for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
        let identity = identityOf(stackName, logicalId, resource);
        if (this.#ids.has(identity.id)) identity = { ...identity, id: key(stackName, logicalId) };
        this.#ids.add(identity.id);
        this.#entries.set(key(stackName, logicalId), { stackName, logicalId, resource, identity, ctx });
      }
    }
    const byType = (type: string) => [...this.#entries.values()].filter((e) => e.resource.Type === type);
    for (const e of this.#entries.values()) {
      const t = e.resource.Type;
      if ((t.startsWith(ELB) || t.startsWith('AWS::Route53::')) && !Object.values(T).includes(t as never)) {
        if (!QUIET_TYPES.has(t)) this.#issue(e, { severity: 'warning', what: t, why: 'resource type not simulated' });
      }
      if (t === WAF_ASSOCIATION) {
        this.#issue(e, {
          severity: 'warning',
          what: t,
          why: 'AWS WAF is not simulated; no request is inspected or blocked (403)',
        });
      }
    }

    const loadBalancers = byType(T.lb)
      .map((e) => this.#loadBalancer(e))
      .filter((x): x is LoadBalancerModel => !!x);
    const lbById = new Map(loadBalancers.map((lb) => [lb.id, lb]));
    const listenersRaw = byType(T.listener)
      .map((e) => this.#listener(e, lbById))
      .filter((x): x is Mutable<ListenerModel> => !!x);
    const listenerById = new Map(listenersRaw.map((l) => [l.id, l]));
    for (const e of byType(T.rule)) {
      const rule = this.#rule(e, listenerById);
      if (rule) (listenerById.get(rule.listenerId)!.rules as RuleModel[]).push(rule);
    }
    for (const l of listenersRaw) {
      (l.rules as RuleModel[]).sort((a, b) => a.priority - b.priority);
      const lb = lbById.get(l.loadBalancerId)!;
      (lb.listenerIds as string[]).push(l.id);
    }
    // Which load balancers use each target group (§1.4: only used TGs are health-checked).
    const usage = new Map<string, Set<string>>();
    for (const l of listenersRaw) {
      const actions = [...l.defaultActions, ...l.rules.flatMap((r) => r.actions)];
      for (const a of actions) {
        if (a.type !== 'forward') continue;
        for (const tg of a.targetGroups) {
          if (!usage.has(tg.targetGroupId)) usage.set(tg.targetGroupId, new Set());
          usage.get(tg.targetGroupId)!.add(l.loadBalancerId);
        }
      }
    }
    const targetGroups = byType(T.tg).map((e) => this.#targetGroup(e, usage, lbById));
    const tgIds = new Set(targetGroups.map((t) => t.id));
    for (const l of listenersRaw) {
      const check = (actions: readonly ActionModel[], where: ResourceIdentity) => {
        for (const a of actions) {
          if (a.type !== 'forward') continue;
          for (const tg of a.targetGroups) {
            if (!tgIds.has(tg.targetGroupId)) {
              this.#issueAt(where, {
                severity: 'error',
                what: `forward to ${tg.targetGroupId}`,
                why: 'target group not found in the model; requests to it get 503',
              });
            }
          }
        }
      };
      check(l.defaultActions, l);
      for (const r of l.rules) check(r.actions, r);
    }
    const healthChecks = byType(T.hc).map((e) => this.#healthCheck(e));
    const recordSets: RecordSetModel[] = [];
    for (const e of byType(T.rs)) {
      const r = this.#recordSet(e, e.resource.Properties ?? {}, e.identity);
      if (r) recordSets.push(r);
    }
    for (const e of byType(T.rsg)) {
      const props = e.resource.Properties ?? {};
      const list = Array.isArray(props.RecordSets) ? (props.RecordSets as unknown[]) : [];
      list.forEach((item, i) => {
        if (!isObj(item)) return;
        const merged = { HostedZoneId: props.HostedZoneId, HostedZoneName: props.HostedZoneName, ...item };
        const identity = { ...e.identity, id: `${e.identity.id}/${i}` };
        const r = this.#recordSet(e, merged, identity);
        if (r) recordSets.push(r);
      });
    }
    const zoneResources: ZoneResource[] = byType(T.zone).map((e) => {
      const p = e.resource.Properties ?? {};
      return {
        id: e.identity.id,
        logicalId: e.logicalId,
        stackName: e.stackName,
        ...(e.identity.path ? { path: e.identity.path } : {}),
        name: this.#str(e, p.Name, 'HostedZone Name'),
        private: Array.isArray(p.VPCs) && p.VPCs.length > 0,
      };
    });
    const zoned = assignZones(
      zoneResources,
      recordSets.map((record) => ({ record, ref: this.#zoneRefs.get(record.id) })),
    );
    return {
      stackNames: this.#stacks.map((s) => s.stackName),
      loadBalancers,
      listeners: listenersRaw,
      targetGroups,
      healthChecks,
      recordSets: zoned.records,
      hostedZones: zoned.zones,
      lambdaFunctions: [...this.#functions.values()],
      issues: this.#issues,
    };
  }

  // ------------------------------------------------------------------------------------------------

  #issue(e: Entry, issue: Issue): void {
    this.#issueAt(e.identity, issue);
  }

  #issueAt(identity: ResourceIdentity, issue: Issue): void {
    this.#issues.push({ resourcePath: identity.path ?? identity.id, ...issue });
  }

  /** Resolve to a literal; report and return undefined when not possible. */
  #literal(e: Entry, value: unknown, what: string, severity: 'warning' | 'error' = 'warning') {
    if (value === undefined) return undefined;
    const r = resolve(value, e.ctx);
    if (r.kind === 'literal') return r.value;
    if (r.kind === 'resource') {
      this.#issue(e, {
        severity,
        what,
        why: `refers to ${r.logicalId}${r.attribute ? '.' + r.attribute : ''}, not a value`,
      });
    } else {
      this.#issue(e, { severity, what, why: r.why });
    }
    return undefined;
  }

  /** What the feature parsers of `rule-features.ts` may ask about resource `e`. */
  #reader(e: Entry): features.FeatureReader {
    return {
      str: (v, what) => this.#str(e, v, what),
      num: (v, what) => this.#num(e, v, what),
      bool: (v, what) => this.#bool(e, v, what),
      values: (v, what) => this.#values(e, v, what),
      resolve: (v) => resolve(v, e.ctx),
      resource: (stackName, logicalId) => {
        const ent = this.#entries.get(key(stackName, logicalId));
        return ent ? { type: ent.resource.Type, props: ent.resource.Properties ?? {}, id: ent.identity.id } : undefined;
      },
      issue: (i) => this.#issue(e, i),
    };
  }

  #str(e: Entry, value: unknown, what: string): string | undefined {
    const v = this.#literal(e, value, what);
    return v === undefined ? undefined : String(v);
  }

  #num(e: Entry, value: unknown, what: string): number | undefined {
    const v = this.#literal(e, value, what);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) {
      this.#issue(e, { severity: 'error', what: `${what}=${String(v)}`, why: 'not a number; ignored' });
      return undefined;
    }
    return n;
  }

  #bool(e: Entry, value: unknown, what: string): boolean | undefined {
    const v = this.#literal(e, value, what);
    if (v === undefined) return undefined;
    return v === true || v === 'true';
  }

  /** Resolve a reference to another modelled resource of the given type; returns its id. */
  #ref(e: Entry, value: unknown, type: string, what: string): string | undefined {
    const r: Resolved = resolve(value, e.ctx);
    if (r.kind === 'resource') {
      const target = this.#entries.get(key(r.stackName, r.logicalId));
      if (target && target.resource.Type === type) return target.identity.id;
      this.#issue(e, {
        severity: 'error',
        what,
        why: `refers to ${r.logicalId}, which is not a ${type}`,
      });
      return undefined;
    }
    if (r.kind === 'literal') {
      // A literal ARN of a resource outside the templates: we cannot simulate it.
      this.#issue(e, { severity: 'error', what: `${what} ${String(r.value)}`, why: 'not a resource of the model' });
      return undefined;
    }
    this.#issue(e, { severity: 'error', what, why: r.why });
    return undefined;
  }

  // ------------------------------------------------------------------------------------------------

  #loadBalancer(e: Entry): LoadBalancerModel | undefined {
    const p = e.resource.Properties ?? {};
    const typeRaw = this.#str(e, p.Type, 'Type') ?? 'application';
    if (!(LOAD_BALANCER_TYPES as readonly string[]).includes(typeRaw)) {
      this.#issue(e, {
        severity: 'error',
        what: `load balancer Type ${typeRaw}`,
        why: 'only application and network load balancers are simulated; resource skipped',
      });
      return undefined;
    }
    const type = typeRaw as LoadBalancerTypeName;
    const raw = attributeRecord(p.LoadBalancerAttributes, (i) => this.#issue(e, i));
    const subnets = Array.isArray(p.Subnets)
      ? (p.Subnets as unknown[]).map((s) => resolve(s, e.ctx)).filter((r) => r.kind === 'literal')
      : [];
    const mappings = Array.isArray(p.SubnetMappings) ? (p.SubnetMappings as unknown[]) : [];
    const zones = this.#loadBalancerZones(e, type, p);
    return {
      ...e.identity,
      kind: 'LoadBalancer',
      name: typeof p.Name === 'string' ? p.Name : undefined,
      type,
      scheme: p.Scheme === 'internal' ? 'internal' : 'internet-facing',
      ipAddressType: typeof p.IpAddressType === 'string' ? p.IpAddressType : 'ipv4',
      subnets: subnets.map((r) => String((r as { value: unknown }).value)),
      subnetMappings: mappings.filter(isObj).map((m) => ({
        subnetId: typeof m.SubnetId === 'string' ? m.SubnetId : undefined,
        allocationId: typeof m.AllocationId === 'string' ? m.AllocationId : undefined,
        privateIPv4Address: typeof m.PrivateIPv4Address === 'string' ? m.PrivateIPv4Address : undefined,
      })),
      availabilityZones: zones.zones,
      availabilityZonesFrom: zones.from,
      attributes: loadBalancerAttributes(type, raw, (i) => this.#issue(e, i)),
      listenerIds: [],
      ...this.#tags(e, p.Tags),
    };
  }

  /**
   * §2.4, §6.7: the load balancer has one node per Availability Zone of its subnets. A subnet of the
   * assembly (`Ref`, also through `Fn::ImportValue`) names its zone (`AvailabilityZone`, often
   * `Fn::Select [i, Fn::GetAZs '']`); other subnets (ids made outside the app) count, each in the next
   * zone of the stack's Region not used yet (simulator choice `load_balancer_zones`).
   */
  #loadBalancerZones(
    e: Entry,
    type: LoadBalancerTypeName,
    p: Props,
  ): { zones: string[]; from: LoadBalancerModel['availabilityZonesFrom'] } {
    const mappings = resolveList(p.SubnetMappings, e.ctx);
    const listed = mappings
      ? mappings.map((m) => (isObj(m) ? m.SubnetId : undefined))
      : (resolveList(p.Subnets, e.ctx) ?? []);
    const known = listed.map((subnet) => this.#subnetZone(e, subnet));
    const region = regionOf(e.ctx);
    const minimum = type === 'application' ? LOAD_BALANCER_LIMITS.albMinAvailabilityZones : 1;
    const count = listed.length > 0 ? listed.length : Math.max(minimum, SIMULATOR_CHOICE_PARAMS.defaultZoneCount);
    const spare = regionZones(region, count + known.length).filter((z) => !known.includes(z));
    const zones: string[] = [];
    for (const z of known) {
      const zone = z ?? spare.shift()!;
      if (!zones.includes(zone)) zones.push(zone);
    }
    while (zones.length < count) zones.push(spare.shift()!);
    const from = listed.length === 0 ? 'default' : known.every((z) => z !== undefined) ? 'subnets' : 'subnet-count';
    return { zones, from };
  }

  /** The Availability Zone of a subnet of the assembly (`AWS::EC2::Subnet`), when the template says. */
  #subnetZone(e: Entry, subnet: unknown): string | undefined {
    const r = resolve(subnet, e.ctx);
    if (r.kind !== 'resource') return undefined;
    const ent = this.#entries.get(key(r.stackName, r.logicalId));
    if (ent?.resource.Type !== 'AWS::EC2::Subnet') return undefined;
    const az = resolve(ent.resource.Properties?.AvailabilityZone, ent.ctx);
    return az.kind === 'literal' && String(az.value) !== '' ? String(az.value) : undefined;
  }

  /**
   * The Lambda function a target names (`Fn::GetAtt [Fn, Arn]`, `Ref` to the function, or to an alias or
   * version of it), modelled once with what it takes to run it locally; undefined for other resources.
   */
  #functionOf(ent: Entry, depth = 0): LambdaFunctionModel | undefined {
    const type = ent.resource.Type;
    if ((type === 'AWS::Lambda::Alias' || type === 'AWS::Lambda::Version') && depth === 0) {
      const r = resolve(ent.resource.Properties?.FunctionName, ent.ctx);
      const target = r.kind === 'resource' ? this.#entries.get(key(r.stackName, r.logicalId)) : undefined;
      return target ? this.#functionOf(target, 1) : undefined;
    }
    if (type !== 'AWS::Lambda::Function') return undefined;
    const k = key(ent.stackName, ent.logicalId);
    const known = this.#functions.get(k);
    if (known) return known;
    const p = ent.resource.Properties ?? {};
    const functionName = this.#str(ent, p.FunctionName, 'FunctionName') ?? `${ent.stackName}-${ent.logicalId}`;
    const environment: Record<string, string> = {};
    const vars = isObj(p.Environment) && isObj(p.Environment.Variables) ? p.Environment.Variables : {};
    for (const [name, value] of Object.entries(vars)) {
      const v = resolve(value, ent.ctx);
      if (v.kind === 'literal') environment[name] = String(v.value);
      else
        this.#issue(ent, {
          severity: 'warning',
          what: `environment variable ${name}`,
          why: 'not a literal value; the function runs locally without it',
        });
    }
    const fn: LambdaFunctionModel = {
      ...ent.identity,
      kind: 'LambdaFunction',
      arn: lambdaFunctionArn(functionName),
      functionName,
      runtime: this.#str(ent, p.Runtime, 'Runtime'),
      handler: this.#str(ent, p.Handler, 'Handler'),
      code: this.#codeOf(ent, p),
      timeoutSeconds: this.#num(ent, p.Timeout, 'Timeout') ?? LAMBDA_FUNCTION_DEFAULTS.timeoutSeconds,
      memoryMb: this.#num(ent, p.MemorySize, 'MemorySize') ?? LAMBDA_FUNCTION_DEFAULTS.memoryMb,
      environment,
    };
    this.#functions.set(k, fn);
    const local = runsLocally(fn);
    if (!local.ok) {
      this.#issue(ent, {
        severity: 'warning',
        what: `Lambda function ${fn.functionName}`,
        why: `${local.why}; requests forwarded to it get 502`,
      });
    }
    return fn;
  }

  /** Where the function's code is: an asset folder of the assembly, inline source, or nowhere local. */
  #codeOf(ent: Entry, p: Props): LambdaFunctionModel['code'] {
    const code = isObj(p.Code) ? p.Code : {};
    if (p.PackageType === 'Image' || code.ImageUri !== undefined) return { kind: 'image' };
    if (typeof code.ZipFile === 'string') return { kind: 'inline', source: code.ZipFile };
    const asset = ent.resource.Metadata?.['aws:asset:path'];
    const dir = this.#assemblyDirs.get(ent.stackName);
    if (typeof asset === 'string' && asset.length > 0 && dir !== undefined) {
      return { kind: 'asset', directory: pathResolve(dir, asset) };
    }
    return {
      kind: 'unavailable',
      why:
        typeof asset === 'string'
          ? 'its code asset is in a cloud assembly that was not read from a directory'
          : 'its code is only in S3 (no asset of the cloud assembly)',
    };
  }

  /** The zone of an EC2 instance of the assembly: its `AvailabilityZone`, or that of its subnet. */
  #instanceZone(ent: Entry): string | undefined {
    const p = ent.resource.Properties ?? {};
    const az = resolve(p.AvailabilityZone, ent.ctx);
    if (p.AvailabilityZone !== undefined && az.kind === 'literal') return String(az.value);
    const subnet =
      p.SubnetId ??
      (Array.isArray(p.NetworkInterfaces) && isObj(p.NetworkInterfaces[0])
        ? p.NetworkInterfaces[0].SubnetId
        : undefined);
    return subnet === undefined ? undefined : this.#subnetZone(ent, subnet);
  }

  #listener(e: Entry, lbById: ReadonlyMap<string, LoadBalancerModel>): Mutable<ListenerModel> | undefined {
    const p = e.resource.Properties ?? {};
    const lbId = this.#ref(e, p.LoadBalancerArn, T.lb, 'LoadBalancerArn');
    const lb = lbId ? lbById.get(lbId) : undefined;
    if (!lb) {
      if (lbId) this.#issue(e, { severity: 'error', what: 'LoadBalancerArn', why: 'load balancer not simulated' });
      this.#issue(e, { severity: 'error', what: 'listener', why: 'no load balancer to attach to; listener skipped' });
      return undefined;
    }
    const port = this.#num(e, p.Port, 'Port');
    const protocol = this.#str(e, p.Protocol, 'Protocol') ?? (lb.type === 'application' ? 'HTTP' : 'TCP');
    if (port === undefined) {
      this.#issue(e, { severity: 'error', what: 'listener Port', why: 'no literal port; listener skipped' });
      return undefined;
    }
    const mutualAuthentication = features.mutualAuthentication(
      this.#reader(e),
      p.MutualAuthentication,
      p.ListenerAttributes,
      protocol,
    );
    if (p.ListenerAttributes !== undefined) {
      this.#issue(e, {
        severity: 'warning',
        what: 'ListenerAttributes',
        why: 'listener attributes are not simulated, except the mTLS header names',
      });
    }
    const certs = Array.isArray(p.Certificates) ? (p.Certificates as unknown[]) : [];
    return {
      ...e.identity,
      kind: 'Listener',
      loadBalancerId: lb.id,
      protocol,
      port,
      sslPolicy: typeof p.SslPolicy === 'string' ? p.SslPolicy : undefined,
      certificateArns: certs
        .filter(isObj)
        .map((c) => resolve(c.CertificateArn, e.ctx))
        .map((r) => (r.kind === 'literal' ? String(r.value) : r.kind === 'resource' ? r.logicalId : '<unresolved>')),
      alpnPolicy: Array.isArray(p.AlpnPolicy) ? (p.AlpnPolicy as string[]) : undefined,
      defaultActions: this.#actions(e, p.DefaultActions, lb.type === 'application' && protocol === 'HTTPS'),
      rules: [],
      ...(mutualAuthentication ? { mutualAuthentication } : {}),
    };
  }

  #rule(e: Entry, listenerById: ReadonlyMap<string, Mutable<ListenerModel>>): RuleModel | undefined {
    const p = e.resource.Properties ?? {};
    const listenerId = this.#ref(e, p.ListenerArn, T.listener, 'ListenerArn');
    const listener = listenerId ? listenerById.get(listenerId) : undefined;
    if (!listener) {
      this.#issue(e, { severity: 'error', what: 'listener rule', why: 'its listener is not simulated; rule skipped' });
      return undefined;
    }
    const priority = this.#num(e, p.Priority, 'Priority');
    if (priority === undefined) {
      this.#issue(e, { severity: 'error', what: 'rule Priority', why: 'no literal priority; rule skipped' });
      return undefined;
    }
    const transforms = features.transforms(this.#reader(e), p.Transforms);
    const conditions: ConditionModel[] = [];
    for (const c of Array.isArray(p.Conditions) ? (p.Conditions as unknown[]) : []) {
      const cond = this.#condition(e, c);
      if (cond === 'skip-rule') {
        this.#issue(e, {
          severity: 'error',
          what: 'listener rule',
          why: 'a condition cannot be evaluated locally; rule skipped (never matches)',
        });
        return undefined;
      }
      conditions.push(cond);
    }
    const lbIsHttps = listener.protocol === 'HTTPS';
    return {
      ...e.identity,
      kind: 'ListenerRule',
      listenerId: listener.id,
      priority,
      conditions,
      actions: this.#actions(e, p.Actions, lbIsHttps),
      ...(transforms ? { transforms } : {}),
    };
  }

  #values(e: Entry, v: unknown, what: string): string[] {
    if (!Array.isArray(v)) return [];
    const out: string[] = [];
    for (const x of v as unknown[]) {
      const s = this.#str(e, x, what);
      if (s !== undefined) out.push(s);
    }
    return out;
  }

  #condition(e: Entry, c: unknown): ConditionModel | 'skip-rule' {
    if (!isObj(c)) return 'skip-rule';
    const field = this.#str(e, c.Field, 'condition Field');
    const cfg = (name: string): Props => (isObj(c[name]) ? (c[name] as Props) : {});
    // §4.2 RegexValues: alternatives to the wildcard values, matched in AWS's regex dialect
    const regex = (name: string) => {
      const list = features.regexValues(this.#reader(e), c[name], field ?? '');
      return list ? { regexValues: list } : {};
    };
    const legacy = this.#values(e, c.Values, `${field} value`);
    switch (field) {
      case 'host-header':
        return {
          field,
          values: [...legacy, ...this.#values(e, cfg('HostHeaderConfig').Values, 'host-header value')],
          ...regex('HostHeaderConfig'),
        };
      case 'path-pattern':
        return {
          field,
          values: [...legacy, ...this.#values(e, cfg('PathPatternConfig').Values, 'path-pattern value')],
          ...regex('PathPatternConfig'),
        };
      case 'http-header': {
        const h = cfg('HttpHeaderConfig');
        const name = this.#str(e, h.HttpHeaderName, 'HttpHeaderName');
        if (!name) return 'skip-rule';
        return {
          field,
          headerName: name,
          values: this.#values(e, h.Values, 'http-header value'),
          ...regex('HttpHeaderConfig'),
        };
      }
      case 'http-request-method':
        return { field, values: this.#values(e, cfg('HttpRequestMethodConfig').Values, 'method') };
      case 'query-string': {
        const vals = Array.isArray(cfg('QueryStringConfig').Values)
          ? (cfg('QueryStringConfig').Values as unknown[])
          : [];
        const out: { key?: string; value: string }[] = [];
        for (const kv of vals) {
          if (!isObj(kv)) continue;
          const value = this.#str(e, kv.Value, 'query-string Value');
          if (value === undefined) continue;
          const k = kv.Key === undefined ? undefined : this.#str(e, kv.Key, 'query-string Key');
          out.push(k === undefined ? { value } : { key: k, value });
        }
        return { field, values: out };
      }
      case 'source-ip':
        return { field, values: this.#values(e, cfg('SourceIpConfig').Values, 'source-ip value') };
      default:
        this.#issue(e, { severity: 'error', what: `condition field ${field}`, why: 'unknown condition type' });
        return 'skip-rule';
    }
  }

  #actions(e: Entry, list: unknown, httpsListener: boolean): ActionModel[] {
    const out: ActionModel[] = [];
    for (const a of Array.isArray(list) ? (list as unknown[]) : []) {
      if (!isObj(a)) continue;
      const type = this.#str(e, a.Type, 'action Type') ?? '<unknown>';
      const order = a.Order === undefined ? undefined : this.#num(e, a.Order, 'action Order');
      switch (type) {
        case 'forward': {
          const tgs: { targetGroupId: string; weight: number }[] = [];
          const fc = isObj(a.ForwardConfig) ? a.ForwardConfig : undefined;
          const list2 = fc && Array.isArray(fc.TargetGroups) ? (fc.TargetGroups as unknown[]) : [];
          for (const t of list2) {
            if (!isObj(t)) continue;
            const id = this.#ref(e, t.TargetGroupArn, T.tg, 'forward TargetGroupArn');
            const weight = t.Weight === undefined ? 1 : (this.#num(e, t.Weight, 'forward Weight') ?? 1);
            if (id) tgs.push({ targetGroupId: id, weight });
          }
          if (a.TargetGroupArn !== undefined) {
            const id = this.#ref(e, a.TargetGroupArn, T.tg, 'forward TargetGroupArn');
            if (id && !tgs.some((t) => t.targetGroupId === id)) tgs.push({ targetGroupId: id, weight: 1 });
          }
          const sc = fc && isObj(fc.TargetGroupStickinessConfig) ? fc.TargetGroupStickinessConfig : undefined;
          out.push({
            type: 'forward',
            order,
            targetGroups: tgs,
            targetGroupStickiness: sc
              ? {
                  enabled: this.#bool(e, sc.Enabled, 'TargetGroupStickinessConfig.Enabled') ?? false,
                  durationSeconds: this.#num(e, sc.DurationSeconds, 'TargetGroupStickinessConfig.DurationSeconds'),
                }
              : undefined,
          });
          break;
        }
        case 'redirect': {
          const rc = isObj(a.RedirectConfig) ? a.RedirectConfig : {};
          const status = this.#str(e, rc.StatusCode, 'RedirectConfig.StatusCode');
          out.push({
            type: 'redirect',
            order,
            protocol: this.#str(e, rc.Protocol, 'RedirectConfig.Protocol') ?? '#{protocol}',
            host: this.#str(e, rc.Host, 'RedirectConfig.Host') ?? '#{host}',
            port: this.#str(e, rc.Port, 'RedirectConfig.Port') ?? '#{port}',
            path: this.#str(e, rc.Path, 'RedirectConfig.Path') ?? '/#{path}',
            query: this.#str(e, rc.Query, 'RedirectConfig.Query') ?? '#{query}',
            statusCode: status === 'HTTP_301' ? 'HTTP_301' : 'HTTP_302',
          });
          if (status !== 'HTTP_301' && status !== 'HTTP_302') {
            this.#issue(e, { severity: 'error', what: `redirect StatusCode ${status}`, why: 'using HTTP_302' });
          }
          break;
        }
        case 'fixed-response': {
          const fc = isObj(a.FixedResponseConfig) ? a.FixedResponseConfig : {};
          const status = this.#num(e, fc.StatusCode, 'FixedResponseConfig.StatusCode');
          if (status === undefined) {
            this.#issue(e, { severity: 'error', what: 'fixed-response StatusCode', why: 'missing; using 503' });
          }
          out.push({
            type: 'fixed-response',
            order,
            statusCode: status ?? 503,
            contentType: this.#str(e, fc.ContentType, 'FixedResponseConfig.ContentType'),
            messageBody: this.#str(e, fc.MessageBody, 'FixedResponseConfig.MessageBody') ?? '',
          });
          break;
        }
        case 'authenticate-oidc':
        case 'authenticate-cognito':
          out.push(features.authenticateAction(this.#reader(e), type, a, order, httpsListener));
          break;
        default: {
          const auth = type === 'jwt-validation';
          this.#issue(e, {
            severity: auth ? 'warning' : 'error',
            what: `${type} action`,
            why: auth
              ? `JWT validation is not simulated; requests pass as if their token were valid${httpsListener ? '' : ' (and AWS allows it only on HTTPS listeners)'}`
              : 'unknown action type; skipped',
          });
          out.push({ type: 'unsupported', order, originalType: type });
        }
      }
    }
    return out.sort((x, y) => (x.order ?? Number.MAX_SAFE_INTEGER) - (y.order ?? Number.MAX_SAFE_INTEGER));
  }

  #targetGroup(
    e: Entry,
    usage: ReadonlyMap<string, ReadonlySet<string>>,
    lbById: ReadonlyMap<string, LoadBalancerModel>,
  ): TargetGroupModel {
    const p = e.resource.Properties ?? {};
    const targetTypeRaw = this.#str(e, p.TargetType, 'TargetType') ?? 'instance';
    let targetType = targetTypeRaw as TargetTypeName;
    if (!(TARGET_TYPES as readonly string[]).includes(targetTypeRaw)) {
      this.#issue(e, { severity: 'error', what: `TargetType ${targetTypeRaw}`, why: 'unknown; treated as instance' });
      targetType = 'instance';
    }
    const protocol = this.#str(e, p.Protocol, 'Protocol');
    const port = this.#num(e, p.Port, 'Port');
    const pvRaw = this.#str(e, p.ProtocolVersion, 'ProtocolVersion') ?? 'HTTP1';
    const protocolVersion = (
      (PROTOCOL_VERSIONS as readonly string[]).includes(pvRaw) ? pvRaw : 'HTTP1'
    ) as ProtocolVersionName;
    const lbIds = [...(usage.get(e.identity.id) ?? [])];
    const lbTypes = new Set(lbIds.map((id) => lbById.get(id)?.type));
    const inferred: LoadBalancerTypeName =
      lbTypes.size > 0
        ? lbTypes.has('application')
          ? 'application'
          : 'network'
        : targetType === 'lambda' || (ALB_PROTOCOLS as readonly string[]).includes(protocol ?? '')
          ? 'application'
          : 'network';
    if (lbIds.length > 1 && inferred === 'application') {
      this.#issue(e, {
        severity: 'warning',
        what: 'target group used by several load balancers',
        why: 'AWS allows an ALB target group to serve one load balancer only (§4.4); the simulator shares its health',
      });
    }
    const targets = this.#targets(e, p.Targets, port, lbById);
    if (targetType === 'alb' && !targets.every((t) => this.#albArns.has(t.id))) {
      this.#issue(e, {
        severity: 'warning',
        what: 'alb target type',
        why: 'the target is not an Application Load Balancer of the assembly; map its id to a local address with --targets',
      });
    }
    const raw = attributeRecord(p.TargetGroupAttributes, (i) => this.#issue(e, i));
    const attributes = targetGroupAttributes(inferred, targetType, protocol, raw, (i) => this.#issue(e, i));
    return {
      ...e.identity,
      kind: 'TargetGroup',
      name: typeof p.Name === 'string' ? p.Name : undefined,
      targetType,
      protocol,
      port,
      protocolVersion,
      loadBalancerType: inferred,
      loadBalancerIds: lbIds,
      inUse: lbIds.length > 0,
      healthCheck: this.#healthCheckOf(e, p, inferred, targetType, protocol, protocolVersion),
      attributes,
      targets,
      ...this.#tags(e, p.Tags),
    };
  }

  /** `{ tags }` from a `Tags` list of literal `{Key, Value}` pairs (unresolved ones are left out); `{}` when none. */
  #tags(e: Entry, list: unknown): { tags?: ResourceTag[] } {
    const tags: ResourceTag[] = [];
    for (const t of Array.isArray(list) ? (list as unknown[]) : []) {
      if (!isObj(t)) continue;
      const k = resolve(t.Key, e.ctx);
      const v = resolve(t.Value, e.ctx);
      if (k.kind === 'literal' && v.kind === 'literal') tags.push({ key: String(k.value), value: String(v.value) });
    }
    return tags.length > 0 ? { tags } : {};
  }

  #healthCheckOf(
    e: Entry,
    p: Props,
    lbType: LoadBalancerTypeName,
    targetType: TargetTypeName,
    protocol: string | undefined,
    protocolVersion: ProtocolVersionName,
  ): HealthCheckModel {
    const hcProtocolRaw = this.#str(e, p.HealthCheckProtocol, 'HealthCheckProtocol');
    const d = healthCheckDefaults(lbType, targetType, protocol, hcProtocolRaw);
    const portRaw = this.#str(e, p.HealthCheckPort, 'HealthCheckPort');
    const hcPort = portRaw === undefined || portRaw === TRAFFIC_PORT ? TRAFFIC_PORT : Number(portRaw);
    const matcher = isObj(p.Matcher) ? p.Matcher : {};
    const grpc = protocolVersion === 'GRPC';
    const httpCode = this.#str(e, matcher.HttpCode, 'Matcher.HttpCode');
    const grpcCode = this.#str(e, matcher.GrpcCode, 'Matcher.GrpcCode');
    const codeText = httpCode ?? d.httpCode;
    // §1.1 a gRPC target group's checks are gRPC calls, judged by their grpc-status against GrpcCode
    const matched = grpc ? (grpcCode ?? GRPC_HEALTH_CHECK_DEFAULTS.grpcCode) : codeText;
    const fallback = grpc ? GRPC_HEALTH_CHECK_DEFAULTS.grpcCode : d.httpCode;
    let successCodes = parseMatcher(matched);
    if (!successCodes) {
      this.#issue(e, {
        severity: 'error',
        what: `Matcher.${grpc ? 'GrpcCode' : 'HttpCode'} ${matched}`,
        why: `not a list or range of codes; using ${fallback}`,
      });
      successCodes = parseMatcher(fallback) ?? [];
    }
    return {
      enabled: this.#bool(e, p.HealthCheckEnabled, 'HealthCheckEnabled') ?? d.enabled,
      protocol: (hcProtocolRaw as HealthCheckModel['protocol'] | undefined) ?? d.protocol,
      port: Number.isFinite(hcPort) ? hcPort : TRAFFIC_PORT,
      path: this.#str(e, p.HealthCheckPath, 'HealthCheckPath') ?? (grpc ? GRPC_HEALTH_CHECK_DEFAULTS.path : d.path),
      intervalSeconds: this.#num(e, p.HealthCheckIntervalSeconds, 'HealthCheckIntervalSeconds') ?? d.intervalSeconds,
      timeoutSeconds: this.#num(e, p.HealthCheckTimeoutSeconds, 'HealthCheckTimeoutSeconds') ?? d.timeoutSeconds,
      healthyThresholdCount: this.#num(e, p.HealthyThresholdCount, 'HealthyThresholdCount') ?? d.healthyThresholdCount,
      unhealthyThresholdCount:
        this.#num(e, p.UnhealthyThresholdCount, 'UnhealthyThresholdCount') ?? d.unhealthyThresholdCount,
      matcher: grpc ? { grpcCode: grpcCode ?? GRPC_HEALTH_CHECK_DEFAULTS.grpcCode } : { httpCode: codeText },
      successCodes,
    };
  }

  /**
   * A target group's `Targets`. A target that is an Application Load Balancer of the assembly (an NLB
   * target group of type `alb`, §6.1) gets the ALB's ARN as its id, as AWS registers it; the simulator
   * connects it to that ALB's listener on the target's port.
   */
  #targets(
    e: Entry,
    list: unknown,
    tgPort: number | undefined,
    lbById: ReadonlyMap<string, LoadBalancerModel>,
  ): TargetModel[] {
    const out: TargetModel[] = [];
    for (const t of Array.isArray(list) ? (list as unknown[]) : []) {
      if (!isObj(t)) continue;
      let id: string | undefined;
      let instanceZone: string | undefined;
      const r = resolve(t.Id, e.ctx);
      if (r.kind === 'literal') id = String(r.value);
      else if (r.kind === 'resource') {
        const ent = this.#entries.get(key(r.stackName, r.logicalId));
        id = ent ? ent.identity.id : r.logicalId;
        const alb = ent ? lbById.get(ent.identity.id) : undefined;
        const fn = ent ? this.#functionOf(ent) : undefined;
        if (alb?.type === 'application') {
          id = loadBalancerArn(alb);
          this.#albArns.add(id);
        } else if (fn) {
          id = fn.arn;
        } else {
          if (ent?.resource.Type === 'AWS::EC2::Instance') instanceZone = this.#instanceZone(ent);
          this.#issue(e, {
            severity: 'warning',
            what: `target ${id}`,
            why: `target id is a reference to ${ent?.resource.Type ?? 'a resource'}; map "${id}" to a local address`,
          });
        }
      } else {
        this.#issue(e, { severity: 'error', what: 'target Id', why: `${r.why}; target skipped` });
      }
      if (id === undefined) continue;
      const port = t.Port === undefined ? tgPort : this.#num(e, t.Port, 'target Port');
      const az = t.AvailabilityZone === undefined ? instanceZone : this.#str(e, t.AvailabilityZone, 'AvailabilityZone');
      out.push({ id, ...(port !== undefined ? { port } : {}), ...(az !== undefined ? { availabilityZone: az } : {}) });
    }
    return out;
  }

  #healthCheck(e: Entry): Route53HealthCheckModel {
    const p = e.resource.Properties ?? {};
    const c: Props = isObj(p.HealthCheckConfig) ? (p.HealthCheckConfig as Props) : {};
    const type = this.#str(e, c.Type, 'HealthCheckConfig.Type') ?? 'HTTP';
    if (type === 'CLOUDWATCH_METRIC' || type === 'RECOVERY_CONTROL') {
      this.#issue(e, {
        severity: 'warning',
        what: `${type} health check`,
        why: 'no alarm or routing control exists locally; reported healthy unless set otherwise',
      });
    }
    const children: string[] = [];
    for (const ch of Array.isArray(c.ChildHealthChecks) ? (c.ChildHealthChecks as unknown[]) : []) {
      const r = resolve(ch, e.ctx);
      if (r.kind === 'resource') {
        const ent = this.#entries.get(key(r.stackName, r.logicalId));
        if (ent) children.push(ent.identity.id);
      } else if (r.kind === 'literal') children.push(String(r.value));
      else this.#issue(e, { severity: 'error', what: 'ChildHealthChecks entry', why: r.why });
    }
    const alarm = isObj(c.AlarmIdentifier) ? c.AlarmIdentifier : undefined;
    const explicitPort = this.#num(e, c.Port, 'HealthCheckConfig.Port');
    const defaultPort = type.startsWith('HTTPS')
      ? ROUTE53_DEFAULTS.httpsPort
      : type.startsWith('HTTP')
        ? ROUTE53_DEFAULTS.httpPort
        : undefined;
    return {
      ...e.identity,
      kind: 'HealthCheck',
      type,
      ipAddress: this.#str(e, c.IPAddress, 'IPAddress'),
      port: explicitPort ?? defaultPort,
      resourcePath: this.#str(e, c.ResourcePath, 'ResourcePath'),
      fullyQualifiedDomainName: this.#fqdn(e, c.FullyQualifiedDomainName),
      searchString: this.#str(e, c.SearchString, 'SearchString'),
      requestIntervalSeconds:
        this.#num(e, c.RequestInterval, 'RequestInterval') ?? ROUTE53_DEFAULTS.requestIntervalSeconds,
      failureThreshold: this.#num(e, c.FailureThreshold, 'FailureThreshold') ?? ROUTE53_DEFAULTS.failureThreshold,
      inverted: this.#bool(e, c.Inverted, 'Inverted') ?? false,
      disabled: this.#bool(e, c.Disabled, 'Disabled') ?? false,
      measureLatency: this.#bool(e, c.MeasureLatency, 'MeasureLatency') ?? false,
      enableSni: this.#bool(e, c.EnableSNI, 'EnableSNI'),
      healthThreshold: this.#num(e, c.HealthThreshold, 'HealthThreshold'),
      childHealthChecks: children,
      regions: this.#values(e, c.Regions, 'Regions'),
      insufficientDataHealthStatus: this.#str(e, c.InsufficientDataHealthStatus, 'InsufficientDataHealthStatus'),
      alarmIdentifier: alarm
        ? {
            name: this.#str(e, alarm.Name, 'AlarmIdentifier.Name') ?? '',
            region: this.#str(e, alarm.Region, 'AlarmIdentifier.Region') ?? '',
          }
        : undefined,
    };
  }

  /** FQDN of an HTTP health check; a GetAtt to a modelled LB's DNSName is kept as `lb:<id>`. */
  #fqdn(e: Entry, value: unknown): string | undefined {
    if (value === undefined) return undefined;
    const ref = findResourceReference(value, e.ctx);
    if (ref && intrinsicName(value) !== undefined) {
      const ent = this.#entries.get(key(ref.stackName, ref.logicalId));
      if (ent?.resource.Type === T.lb) return `lb:${ent.identity.id}`;
    }
    return this.#str(e, value, 'FullyQualifiedDomainName');
  }

  #recordSet(e: Entry, p: Props, identity: ResourceIdentity): RecordSetModel | undefined {
    const name = this.#str(e, p.Name, 'record Name');
    const type = this.#str(e, p.Type, 'record Type');
    if (!name || !type) {
      this.#issueAt(identity, { severity: 'error', what: 'record set', why: 'Name or Type not literal; skipped' });
      return undefined;
    }
    const failoverRaw = this.#str(e, p.Failover, 'Failover');
    const failover = (FAILOVER_ROLES as readonly string[]).includes(failoverRaw ?? '')
      ? (failoverRaw as FailoverRoleName)
      : undefined;
    const alias = isObj(p.AliasTarget) ? p.AliasTarget : undefined;
    let aliasTarget: RecordSetModel['aliasTarget'];
    if (alias) {
      const ref = findResourceReference(alias.DNSName, e.ctx);
      const ent = ref ? this.#entries.get(key(ref.stackName, ref.logicalId)) : undefined;
      const dns = resolve(alias.DNSName, e.ctx);
      const hz = resolve(alias.HostedZoneId, e.ctx);
      const isLb = ent?.resource.Type === T.lb;
      if (!isLb && dns.kind !== 'literal') {
        this.#issueAt(identity, {
          severity: 'warning',
          what: 'AliasTarget.DNSName',
          why: 'alias target is neither a modelled load balancer nor a literal name; its health is unknown (healthy)',
        });
      }
      aliasTarget = {
        dnsName: dns.kind === 'literal' ? String(dns.value) : undefined,
        hostedZoneId: hz.kind === 'literal' ? String(hz.value) : undefined,
        evaluateTargetHealth: this.#bool(e, alias.EvaluateTargetHealth, 'EvaluateTargetHealth') ?? false,
        loadBalancerId: isLb ? ent!.identity.id : undefined,
      };
    }
    let healthCheckId: string | undefined;
    if (p.HealthCheckId !== undefined) {
      const r = resolve(p.HealthCheckId, e.ctx);
      if (r.kind === 'resource') {
        healthCheckId = this.#entries.get(key(r.stackName, r.logicalId))?.identity.id ?? r.logicalId;
      } else if (r.kind === 'literal') {
        healthCheckId = String(r.value);
      } else {
        this.#issueAt(identity, { severity: 'error', what: 'HealthCheckId', why: r.why });
      }
    }
    const hzId = p.HostedZoneId === undefined ? undefined : resolve(p.HostedZoneId, e.ctx);
    const hzEntry = hzId?.kind === 'resource' ? this.#entries.get(key(hzId.stackName, hzId.logicalId)) : undefined;
    if (hzEntry?.resource.Type === T.zone)
      this.#zoneRefs.set(identity.id, { kind: 'resource', id: hzEntry.identity.id });
    else if (hzId?.kind === 'literal') this.#zoneRefs.set(identity.id, { kind: 'id', value: String(hzId.value) });
    else if (typeof p.HostedZoneName === 'string')
      this.#zoneRefs.set(identity.id, { kind: 'name', value: p.HostedZoneName });
    const otherPolicy = ['Region', 'GeoLocation', 'CidrRoutingConfig', 'GeoProximityLocation'].find(
      (k) => p[k] !== undefined,
    );
    if (otherPolicy) {
      this.#issueAt(identity, {
        severity: 'warning',
        what: `${otherPolicy} routing`,
        why: 'there is no client location locally; the first healthy record of the group answers (§7.3)',
      });
    }
    return {
      ...identity,
      kind: 'RecordSet',
      name,
      type,
      hostedZoneId:
        hzId?.kind === 'literal' ? String(hzId.value) : hzId?.kind === 'resource' ? hzId.logicalId : undefined,
      hostedZoneName: typeof p.HostedZoneName === 'string' ? p.HostedZoneName : undefined,
      setIdentifier: this.#str(e, p.SetIdentifier, 'SetIdentifier'),
      failover,
      weight: this.#num(e, p.Weight, 'Weight'),
      ttl: this.#num(e, p.TTL, 'TTL'),
      resourceRecords: this.#values(e, p.ResourceRecords, 'ResourceRecords'),
      aliasTarget,
      healthCheckId,
      ...(this.#bool(e, p.MultiValueAnswer, 'MultiValueAnswer') ? { multiValueAnswer: true } : {}),
    };
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
