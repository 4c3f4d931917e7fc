/**
 * Model → ELBv2 API shapes (`LoadBalancer`, `Listener`, `Rule`, `Action`, `RuleCondition`,
 * `TargetGroup`, `TargetHealthDescription`), with element names exactly as the 2015-12-01 API spells
 * them. Lists are `<member>` lists (`members`). Pure.
 */
import type { TargetHealthDescription } from '../../core/types';
import type {
  ActionModel,
  ConditionModel,
  ListenerModel,
  LoadBalancerModel,
  RuleModel,
  TargetGroupModel,
} from '../../model/types';
import {
  canonicalHostedZoneId,
  loadBalancerArn,
  loadBalancerDnsName,
  loadBalancerName,
  targetGroupArn,
  targetGroupName,
} from '../../model/ids';
import { members, type XmlNode } from '../xml';
import type { ApiRule, ElbIndex } from './resources';

export function loadBalancerShape(lb: LoadBalancerModel, createdTime: string): XmlNode {
  // §2.4 one entry per enabled zone, with its subnet when the template names every subnet literally
  const subnets = lb.subnetMappings.length > 0 ? lb.subnetMappings.map((m) => m.subnetId) : lb.subnets;
  const aligned = subnets.length === lb.availabilityZones.length;
  const zones = lb.availabilityZones.map((zone, i) => ({
    ZoneName: zone,
    ...(aligned && subnets[i] !== undefined ? { SubnetId: subnets[i] } : {}),
  }));
  return {
    LoadBalancerArn: loadBalancerArn(lb),
    DNSName: loadBalancerDnsName(lb),
    CanonicalHostedZoneId: canonicalHostedZoneId(lb),
    CreatedTime: createdTime,
    LoadBalancerName: loadBalancerName(lb),
    Scheme: lb.scheme,
    State: { Code: 'active' },
    Type: lb.type,
    AvailabilityZones: members(zones),
    IpAddressType: lb.ipAddressType,
  };
}

export function actionShape(a: ActionModel, index: number, idx: ElbIndex): XmlNode {
  const order = a.order ?? index + 1;
  switch (a.type) {
    case 'forward': {
      const single = a.targetGroups.length === 1 ? idx.arn(a.targetGroups[0].targetGroupId) : undefined;
      return {
        Type: 'forward',
        TargetGroupArn: single,
        Order: order,
        ForwardConfig: {
          TargetGroups: members(
            a.targetGroups.map((t) => ({ TargetGroupArn: idx.arn(t.targetGroupId), Weight: t.weight })),
          ),
          TargetGroupStickinessConfig: {
            Enabled: a.targetGroupStickiness?.enabled ?? false,
            DurationSeconds: a.targetGroupStickiness?.enabled ? a.targetGroupStickiness.durationSeconds : undefined,
          },
        },
      };
    }
    case 'redirect':
      return {
        Type: 'redirect',
        Order: order,
        RedirectConfig: {
          Protocol: a.protocol,
          Port: a.port,
          Host: a.host,
          Path: a.path,
          Query: a.query,
          StatusCode: a.statusCode,
        },
      };
    case 'fixed-response':
      return {
        Type: 'fixed-response',
        Order: order,
        FixedResponseConfig: {
          MessageBody: a.messageBody === '' ? undefined : a.messageBody,
          StatusCode: String(a.statusCode),
          ContentType: a.contentType,
        },
      };
    case 'authenticate-oidc':
    case 'authenticate-cognito': {
      const common = {
        OnUnauthenticatedRequest: a.onUnauthenticatedRequest,
        Scope: a.scope,
        SessionCookieName: a.sessionCookieName,
        SessionTimeout: a.sessionTimeoutSeconds,
        AuthenticationRequestExtraParams:
          Object.keys(a.extraParams).length > 0
            ? // a Query map: one <entry><key/><value/></entry> per pair (no <member> level), as the SDKs read it
              { entry: Object.entries(a.extraParams).map(([key, value]) => ({ key, value })) }
            : undefined,
      };
      return a.type === 'authenticate-oidc'
        ? {
            Type: a.type,
            Order: order,
            AuthenticateOidcConfig: {
              Issuer: a.issuer,
              AuthorizationEndpoint: a.authorizationEndpoint,
              TokenEndpoint: a.tokenEndpoint,
              UserInfoEndpoint: a.userInfoEndpoint,
              ClientId: a.clientId,
              ...common,
            },
          }
        : {
            Type: a.type,
            Order: order,
            AuthenticateCognitoConfig: {
              UserPoolArn: a.userPool,
              UserPoolClientId: a.clientId,
              UserPoolDomain: a.userPoolDomain,
              ...common,
            },
          };
    }
    case 'unsupported':
      return { Type: a.originalType, Order: order };
  }
}

/** §4.2 `RegexValues` next to `Values`, when the condition has any. */
function regex(c: { readonly regexValues?: readonly string[] }): XmlNode {
  return c.regexValues ? { RegexValues: members(c.regexValues) } : {};
}

/** §4.3 `Transforms` of a rule. */
export function transformsShape(r: RuleModel): XmlNode | undefined {
  if (!r.transforms) return undefined;
  return members(
    r.transforms.map((t) => {
      const config = { Rewrites: members(t.rewrites.map((w) => ({ Regex: w.regex, Replace: w.replace }))) };
      return t.type === 'host-header-rewrite'
        ? { Type: t.type, HostHeaderRewriteConfig: config }
        : { Type: t.type, UrlRewriteConfig: config };
    }),
  );
}

export function conditionShape(c: ConditionModel): XmlNode {
  switch (c.field) {
    case 'host-header':
      return {
        Field: c.field,
        Values: members(c.values),
        HostHeaderConfig: { Values: members(c.values), ...regex(c) },
      };
    case 'path-pattern':
      return {
        Field: c.field,
        Values: members(c.values),
        PathPatternConfig: { Values: members(c.values), ...regex(c) },
      };
    case 'http-header':
      return {
        Field: c.field,
        HttpHeaderConfig: { HttpHeaderName: c.headerName, Values: members(c.values), ...regex(c) },
      };
    case 'http-request-method':
      return { Field: c.field, HttpRequestMethodConfig: { Values: members(c.values) } };
    case 'query-string':
      return {
        Field: c.field,
        QueryStringConfig: { Values: members(c.values.map((v) => ({ Key: v.key, Value: v.value }))) },
      };
    case 'source-ip':
      return { Field: c.field, SourceIpConfig: { Values: members(c.values) } };
  }
}

export function listenerShape(l: ListenerModel, idx: ElbIndex): XmlNode {
  const lb = idx.loadBalancerOf(l);
  return {
    ListenerArn: idx.arn(l.id),
    LoadBalancerArn: loadBalancerArn(lb),
    Port: l.port,
    Protocol: l.protocol,
    Certificates:
      l.certificateArns.length > 0 ? members(l.certificateArns.map((arn) => ({ CertificateArn: arn }))) : undefined,
    SslPolicy: l.sslPolicy,
    DefaultActions: members(l.defaultActions.map((a, i) => actionShape(a, i, idx))),
    AlpnPolicy: l.alpnPolicy ? members(l.alpnPolicy) : undefined,
  };
}

export function ruleShape(r: ApiRule, idx: ElbIndex): XmlNode {
  if (r.kind === 'default') {
    return {
      RuleArn: r.arn,
      Priority: 'default',
      Conditions: members([]),
      Actions: members(r.listener.defaultActions.map((a, i) => actionShape(a, i, idx))),
      IsDefault: true,
    };
  }
  return {
    RuleArn: r.arn,
    Priority: String(r.rule.priority),
    Conditions: members(r.rule.conditions.map(conditionShape)),
    Actions: members(r.rule.actions.map((a, i) => actionShape(a, i, idx))),
    IsDefault: false,
    Transforms: transformsShape(r.rule),
  };
}

export function targetGroupShape(tg: TargetGroupModel, idx: ElbIndex): XmlNode {
  const hc = tg.healthCheck;
  const http = hc.protocol === 'HTTP' || hc.protocol === 'HTTPS';
  const lambda = tg.targetType === 'lambda';
  return {
    TargetGroupArn: targetGroupArn(tg),
    TargetGroupName: targetGroupName(tg),
    Protocol: tg.protocol,
    Port: tg.port,
    HealthCheckProtocol: lambda ? undefined : hc.protocol,
    HealthCheckPort: lambda ? undefined : String(hc.port),
    HealthCheckEnabled: hc.enabled,
    HealthCheckIntervalSeconds: hc.intervalSeconds,
    HealthCheckTimeoutSeconds: hc.timeoutSeconds,
    HealthyThresholdCount: hc.healthyThresholdCount,
    UnhealthyThresholdCount: hc.unhealthyThresholdCount,
    HealthCheckPath: http ? hc.path : undefined,
    Matcher: http ? { HttpCode: hc.matcher.httpCode, GrpcCode: hc.matcher.grpcCode } : undefined,
    LoadBalancerArns: members(tg.loadBalancerIds.map((id) => idx.arn(id))),
    TargetType: tg.targetType,
    ProtocolVersion: tg.protocol === 'HTTP' || tg.protocol === 'HTTPS' ? tg.protocolVersion : undefined,
    IpAddressType: lambda ? undefined : 'ipv4',
  };
}

export function targetHealthShape(d: TargetHealthDescription, includeAnomaly: boolean): XmlNode {
  return {
    Target: { Id: d.Target.Id, Port: d.Target.Port, AvailabilityZone: d.Target.AvailabilityZone },
    HealthCheckPort: d.HealthCheckPort,
    TargetHealth: {
      State: d.TargetHealth.State,
      Reason: d.TargetHealth.Reason,
      Description: d.TargetHealth.Description,
    },
    AnomalyDetection:
      includeAnomaly && d.AnomalyDetection
        ? { Result: d.AnomalyDetection.Result, MitigationInEffect: d.AnomalyDetection.MitigationInEffect }
        : undefined,
  };
}
