/**
 * Hand-written templates shaped like what aws-cdk-lib's elbv2 L2 constructs synthesize: attributes as
 * `[{Key, Value}]` string pairs, `Matcher: {HttpCode}`, `Ref`s between resources, `aws:cdk:path` metadata.
 */
import type { CfnTemplate } from '../../src/model/types';

export const STACK = 'WebPrimary';

type Json = Record<string, unknown>;

export function resource(type: string, path: string, props: Json, extra: Json = {}): Json {
  return { Type: `AWS::${type}`, Properties: props, Metadata: { 'aws:cdk:path': `${STACK}/${path}` }, ...extra };
}

export function attrs(record: Record<string, string | number | boolean>): { Key: string; Value: string }[] {
  return Object.entries(record).map(([Key, Value]) => ({ Key, Value: String(Value) }));
}

export interface TgSpec {
  readonly props?: Json;
  readonly attributes?: Record<string, string | number | boolean>;
  readonly targets?: readonly { Id: string; Port?: number; AvailabilityZone?: string }[];
}

export interface AlbSpec {
  /** Target groups by construct id; logical id = `Web<id>TG`. Default: one `App` TG with three ip targets. */
  readonly targetGroups?: Record<string, TgSpec>;
  readonly lbAttributes?: Record<string, string | number | boolean>;
  readonly lbType?: 'application' | 'network';
  /** Default actions of the port-80 listener. Default: forward to the first TG. */
  readonly defaultActions?: unknown[];
  readonly listenerProtocol?: string;
  readonly listenerPort?: number;
  readonly rules?: readonly { priority: number; conditions: unknown[]; actions: unknown[]; transforms?: unknown[] }[];
  readonly extraResources?: Record<string, Json>;
}

export const THREE_TARGETS = [
  { Id: '10.0.1.10', Port: 8080 },
  { Id: '10.0.2.10', Port: 8080 },
  { Id: '10.0.3.10', Port: 8080 },
];

export const tgRef = (id: string) => ({ Ref: `Web${id}TG` });

export function forward(id: string): Json {
  return { Type: 'forward', TargetGroupArn: tgRef(id) };
}

/** A complete single-LB stack template. */
export function albTemplate(spec: AlbSpec = {}): CfnTemplate {
  const lbType = spec.lbType ?? 'application';
  const tgs = spec.targetGroups ?? { App: {} };
  const first = Object.keys(tgs)[0];
  const resources: Record<string, Json> = {
    WebLB0A1B2C3D: resource(
      'ElasticLoadBalancingV2::LoadBalancer',
      'Web/LB/Resource',
      {
        LoadBalancerAttributes: attrs({ 'deletion_protection.enabled': false, ...(spec.lbAttributes ?? {}) }),
        Scheme: 'internet-facing',
        SecurityGroups: [{ 'Fn::GetAtt': ['WebLBSecurityGroup', 'GroupId'] }],
        Subnets: [{ Ref: 'VpcPublicSubnet1Subnet' }, { Ref: 'VpcPublicSubnet2Subnet' }],
        Type: lbType,
      },
      { DependsOn: ['VpcPublicSubnet1DefaultRoute'] },
    ),
    WebLBHttpListener1234: resource('ElasticLoadBalancingV2::Listener', 'Web/LB/Http/Resource', {
      DefaultActions: spec.defaultActions ?? [forward(first)],
      LoadBalancerArn: { Ref: 'WebLB0A1B2C3D' },
      Port: spec.listenerPort ?? 80,
      Protocol: spec.listenerProtocol ?? (lbType === 'application' ? 'HTTP' : 'TCP'),
    }),
  };
  for (const [id, t] of Object.entries(tgs)) {
    resources[`Web${id}TG`] = resource('ElasticLoadBalancingV2::TargetGroup', `Web/${id}/Resource`, {
      HealthCheckIntervalSeconds: 10,
      HealthCheckPath: '/health',
      HealthCheckTimeoutSeconds: 5,
      HealthyThresholdCount: 2,
      UnhealthyThresholdCount: 2,
      Matcher: { HttpCode: '200' },
      Port: 80,
      Protocol: lbType === 'application' ? 'HTTP' : 'TCP',
      TargetGroupAttributes: attrs({ 'stickiness.enabled': false, ...(t.attributes ?? {}) }),
      TargetType: 'ip',
      Targets: t.targets ?? THREE_TARGETS,
      VpcId: { Ref: 'Vpc8378EB38' },
      ...(t.props ?? {}),
    });
  }
  (spec.rules ?? []).forEach((r, i) => {
    resources[`WebRule${i}`] = resource('ElasticLoadBalancingV2::ListenerRule', `Web/LB/Http/Rule${i}/Resource`, {
      Actions: r.actions,
      Conditions: r.conditions,
      ListenerArn: { Ref: 'WebLBHttpListener1234' },
      Priority: r.priority,
      ...(r.transforms ? { Transforms: r.transforms } : {}),
    });
  });
  return { Resources: { ...resources, ...(spec.extraResources ?? {}) } } as unknown as CfnTemplate;
}

/** Model ids of the fixture's resources. */
export const IDS = {
  lb: `${STACK}/Web/LB`,
  listener: `${STACK}/Web/LB/Http`,
  tg: (id = 'App') => `${STACK}/Web/${id}`,
};
