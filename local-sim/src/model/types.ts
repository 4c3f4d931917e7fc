/**
 * The typed model of a synthesized configuration: what the simulator reads from CloudFormation
 * templates of `AWS::ElasticLoadBalancingV2::*` and `AWS::Route53::{RecordSet,HealthCheck}` resources,
 * with AWS defaults applied (docs/aws-behaviour.md §1.1, §8). Property names mirror CloudFormation where
 * the model mirrors it; everything is plain data (no classes) so shells can serialise it.
 *
 * Identity: every resource has
 * - `logicalId` (template key) and `stackName`,
 * - `path` = `Metadata['aws:cdk:path']` when present (`WebPrimary/Web/Https/Resource`),
 * - `id` = the friendly id: the path without its trailing `/Resource` segments (`WebPrimary/Web/Https`
 *   from `WebPrimary/Web/Https/Resource/Resource`, as wrapper constructs nest them), or
 *   `<stackName>/<logicalId>` when the template carries no path.
 * Lookups (`SimModel.find*`) accept the id, the path, `<stackName>/<logicalId>` or a bare logicalId
 * when it is unique across stacks. Cross-references between resources use `id`.
 */
import type {
  AlgorithmName,
  FailoverRoleName,
  LoadBalancerTypeName,
  ProtocolVersionName,
  TargetTypeName,
} from '@ha-load-balancer/spec';

/** A resource tag (`Tags` in CloudFormation, `DescribeTags` in the API). */
export interface ResourceTag {
  readonly key: string;
  readonly value: string;
}

/** Something the simulator cannot honour, reported instead of being silently ignored. */
export interface ModelIssue {
  readonly severity: 'warning' | 'error';
  /** `aws:cdk:path` of the resource (or `<stack>/<logicalId>`), `'<assembly>'` for assembly-level issues. */
  readonly resourcePath: string;
  /** What was found, e.g. `authenticate-oidc action`. */
  readonly what: string;
  /** Why the simulator does not (fully) honour it, and what it does instead. */
  readonly why: string;
}

/** Identity shared by every modelled resource. */
export interface ResourceIdentity {
  /** Friendly id (path without trailing `/Resource` segments), unique across the model. */
  readonly id: string;
  readonly logicalId: string;
  readonly stackName: string;
  /** `Metadata['aws:cdk:path']`, when present. */
  readonly path?: string;
}

// ---------------------------------------------------------------------------------------------------
// Load balancers
// ---------------------------------------------------------------------------------------------------

/** LoadBalancerAttributes with AWS defaults applied (§8.2), typed. */
export interface LoadBalancerAttributes {
  readonly deletionProtection: boolean;
  /** ALB: always true (cross-zone cannot be turned off, §2.4). NLB: attribute, default false. */
  readonly crossZone: boolean;
  readonly accessLogs: { readonly enabled: boolean; readonly bucket?: string; readonly prefix?: string };
  readonly idleTimeoutSeconds: number;
  readonly clientKeepAliveSeconds: number;
  readonly desyncMitigationMode: 'monitor' | 'defensive' | 'strictest';
  readonly dropInvalidHeaderFields: boolean;
  readonly preserveHostHeader: boolean;
  readonly xffClientPort: boolean;
  readonly xffHeaderProcessingMode: 'append' | 'preserve' | 'remove';
  readonly http2Enabled: boolean;
  readonly tlsVersionAndCipherHeaders: boolean;
  /** Every attribute exactly as written in the template (strings), including ones not typed above. */
  readonly raw: Readonly<Record<string, string>>;
}

export interface SubnetMappingModel {
  readonly subnetId?: string;
  readonly allocationId?: string;
  readonly privateIPv4Address?: string;
}

export interface LoadBalancerModel extends ResourceIdentity {
  readonly kind: 'LoadBalancer';
  /** `Name` when given literally. */
  readonly name?: string;
  readonly type: LoadBalancerTypeName;
  readonly scheme: 'internet-facing' | 'internal';
  readonly ipAddressType: string;
  /** Subnets (or subnet mappings) when given literally; tokens are kept as `undefined` entries dropped. */
  readonly subnets: readonly string[];
  readonly subnetMappings: readonly SubnetMappingModel[];
  /**
   * The Availability Zones the load balancer is enabled in, one node each (§2.4, §6.7): the zones of its
   * subnets where the template says, else zones of the stack's Region (simulator choice
   * `load_balancer_zones`).
   */
  readonly availabilityZones: readonly string[];
  /** Where `availabilityZones` came from: the subnets' zones, the number of subnets, or neither. */
  readonly availabilityZonesFrom: 'subnets' | 'subnet-count' | 'default';
  readonly attributes: LoadBalancerAttributes;
  /** Ids of this load balancer's listeners, in template order. */
  readonly listenerIds: readonly string[];
  /** `Tags` with literal keys and values. */
  readonly tags?: readonly ResourceTag[];
}

// ---------------------------------------------------------------------------------------------------
// Listeners, rules, conditions, actions
// ---------------------------------------------------------------------------------------------------

export interface ListenerModel extends ResourceIdentity {
  readonly kind: 'Listener';
  /** Id of the load balancer (resolved from `LoadBalancerArn`). */
  readonly loadBalancerId: string;
  readonly protocol: string;
  readonly port: number;
  readonly sslPolicy?: string;
  readonly certificateArns: readonly string[];
  readonly alpnPolicy?: readonly string[];
  /** The default rule's actions, sorted by `Order` (§4.1). */
  readonly defaultActions: readonly ActionModel[];
  /** Listener rules sorted by ascending priority (§4.1). */
  readonly rules: readonly RuleModel[];
  /** `MutualAuthentication` of an HTTPS listener when its mode is not `off` (§5.1, §8.3). */
  readonly mutualAuthentication?: MutualAuthenticationModel;
}

/**
 * Mutual TLS of an HTTPS listener (§5.1). `verify` checks client certificates against the trust
 * store's CA bundle; `passthrough` forwards whatever chain the client sent.
 */
export interface MutualAuthenticationModel {
  readonly mode: 'verify' | 'passthrough';
  /** verify: the trust store the template names (`TrustStoreArn`). */
  readonly trustStore?: TrustStoreRef;
  readonly ignoreClientCertificateExpiry: boolean;
  readonly advertiseTrustStoreCaNames: boolean;
  /** `X-Amzn-Mtls-Clientcert*` header names, after `routing.http.request.x_amzn_mtls_*.header_name` listener attributes. */
  readonly headerNames: MtlsHeaderNames;
}

/** How a template names a trust store: its resource, or a literal ARN of one made elsewhere. */
export interface TrustStoreRef {
  /** Friendly id of the `AWS::ElasticLoadBalancingV2::TrustStore` resource, or the literal ARN. */
  readonly id: string;
  /** `Name` of the trust store resource, when literal. */
  readonly name?: string;
  /** The ARN when the template gives it literally. */
  readonly arn?: string;
  /** Where AWS reads the CA bundle (`CaCertificatesBundleS3Bucket` / `...S3Key`), when literal. */
  readonly bundleS3?: { readonly bucket?: string; readonly key?: string };
}

/** Header names the ALB uses for client-certificate data (§5.1); listener attributes may rename them. */
export interface MtlsHeaderNames {
  readonly clientcert: string;
  readonly serialNumber: string;
  readonly issuer: string;
  readonly subject: string;
  readonly validity: string;
  readonly leaf: string;
}

export interface RuleModel extends ResourceIdentity {
  readonly kind: 'ListenerRule';
  readonly listenerId: string;
  readonly priority: number;
  readonly conditions: readonly ConditionModel[];
  /** Sorted by `Order`. */
  readonly actions: readonly ActionModel[];
  /** Tags given when the rule was created through the API (CloudFormation rules have none). */
  readonly tags?: readonly ResourceTag[];
  /** `Transforms` (§4.3), at most one per type; absent when the rule has none. */
  readonly transforms?: readonly TransformModel[];
}

/** One rule transform (§4.3): rewrites applied, after routing, to what the target receives. */
export interface TransformModel {
  readonly type: 'host-header-rewrite' | 'url-rewrite';
  /** `Rewrites` in order; the first whose `regex` matches is applied. */
  readonly rewrites: readonly { readonly regex: string; readonly replace: string }[];
}

/**
 * One listener-rule condition (§4.2). Values within one condition are ORed; `regexValues` (host-header,
 * path-pattern, http-header) are further alternatives, matched in AWS's regex dialect.
 */
export type ConditionModel =
  | { readonly field: 'host-header'; readonly values: readonly string[]; readonly regexValues?: readonly string[] }
  | { readonly field: 'path-pattern'; readonly values: readonly string[]; readonly regexValues?: readonly string[] }
  | {
      readonly field: 'http-header';
      readonly headerName: string;
      readonly values: readonly string[];
      readonly regexValues?: readonly string[];
    }
  | { readonly field: 'http-request-method'; readonly values: readonly string[] }
  | {
      readonly field: 'query-string';
      readonly values: readonly { readonly key?: string; readonly value: string }[];
    }
  | { readonly field: 'source-ip'; readonly values: readonly string[] };

export type ConditionField = ConditionModel['field'];

export interface ForwardTargetGroupModel {
  /** Id of the target group. */
  readonly targetGroupId: string;
  /** 0–999; 1 when a single target group is forwarded to. */
  readonly weight: number;
}

/** forward (§4.3): one target group, or several with weights. */
export interface ForwardActionModel {
  readonly type: 'forward';
  readonly order?: number;
  readonly targetGroups: readonly ForwardTargetGroupModel[];
  /** `ForwardConfig.TargetGroupStickinessConfig` (§3.3). */
  readonly targetGroupStickiness?: { readonly enabled: boolean; readonly durationSeconds?: number };
}

/** redirect (§4.3). Omitted components keep the request's value (`#{...}` placeholders). */
export interface RedirectActionModel {
  readonly type: 'redirect';
  readonly order?: number;
  readonly protocol: string;
  readonly host: string;
  readonly port: string;
  readonly path: string;
  readonly query: string;
  readonly statusCode: 'HTTP_301' | 'HTTP_302';
}

/** fixed-response (§4.3). */
export interface FixedResponseActionModel {
  readonly type: 'fixed-response';
  readonly order?: number;
  readonly statusCode: number;
  readonly contentType?: string;
  readonly messageBody: string;
}

/**
 * authenticate-oidc / authenticate-cognito (§4.3): HTTPS listeners, before the terminal action. For
 * Cognito the endpoints are those of the user pool domain (`https://<domain>.auth.<region>.amazoncognito.com`).
 */
export interface AuthenticateActionModel {
  readonly type: 'authenticate-oidc' | 'authenticate-cognito';
  readonly order?: number;
  readonly onUnauthenticatedRequest: 'deny' | 'allow' | 'authenticate';
  readonly scope: string;
  readonly sessionCookieName: string;
  readonly sessionTimeoutSeconds: number;
  /** `AuthenticationRequestExtraParams`, added to the authorization request. */
  readonly extraParams: Readonly<Record<string, string>>;
  readonly issuer: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly userInfoEndpoint: string;
  readonly clientId: string;
  /** The client secret when the template holds it literally (a dynamic reference cannot be read locally). */
  readonly clientSecret?: string;
  /** Cognito: the user pool's ARN (or its id) and the domain prefix, as far as the template tells them. */
  readonly userPool?: string;
  readonly userPoolDomain?: string;
}

/** jwt-validation and unknown action types: kept, reported, not simulated. */
export interface UnsupportedActionModel {
  readonly type: 'unsupported';
  readonly order?: number;
  readonly originalType: string;
}

export type ActionModel =
  | ForwardActionModel
  | RedirectActionModel
  | FixedResponseActionModel
  | AuthenticateActionModel
  | UnsupportedActionModel;

// ---------------------------------------------------------------------------------------------------
// Target groups
// ---------------------------------------------------------------------------------------------------

/** Health-check settings with §1.1 defaults applied. */
export interface HealthCheckModel {
  readonly enabled: boolean;
  readonly protocol: 'HTTP' | 'HTTPS' | 'TCP';
  /** `'traffic-port'` or a port number. */
  readonly port: 'traffic-port' | number;
  readonly path: string;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly healthyThresholdCount: number;
  readonly unhealthyThresholdCount: number;
  /** `Matcher.HttpCode` (or `GrpcCode` for gRPC target groups) as written or defaulted. */
  readonly matcher: { readonly httpCode?: string; readonly grpcCode?: string };
  /** Codes accepted by the matcher, from `parseMatcher`: HTTP statuses, or gRPC status codes for gRPC target groups. */
  readonly successCodes: readonly number[];
}

/** `off` or a number, as the target_group_health.* attributes allow (§1.5). */
export type Threshold = number | 'off';

/** TargetGroupAttributes with `TG_DEFAULTS` applied (§8.1), typed. */
export interface TargetGroupAttributes {
  readonly deregistrationDelaySeconds: number;
  readonly stickiness: {
    readonly enabled: boolean;
    readonly type: string;
    readonly lbCookieDurationSeconds: number;
    readonly appCookieName?: string;
    readonly appCookieDurationSeconds: number;
  };
  readonly algorithm: AlgorithmName;
  readonly anomalyMitigation: boolean;
  /** 0 = off. */
  readonly slowStartSeconds: number;
  readonly crossZone: 'true' | 'false' | 'use_load_balancer_configuration';
  readonly routingFailover: { readonly count: Threshold; readonly percentage: Threshold };
  readonly dnsFailover: { readonly count: Threshold; readonly percentage: Threshold };
  readonly proxyProtocolV2: boolean;
  readonly preserveClientIp: boolean;
  readonly deregistrationConnectionTermination: boolean;
  readonly unhealthyConnectionTermination: boolean;
  readonly unhealthyDrainingIntervalSeconds: number;
  readonly lambdaMultiValueHeaders: boolean;
  /** Every attribute exactly as written in the template. */
  readonly raw: Readonly<Record<string, string>>;
}

/** A target from the TG's `Targets` property (ids kept so the shell can map them to local host:port). */
export interface TargetModel {
  readonly id: string;
  /** Target port; defaults to the target group's port. */
  readonly port?: number;
  readonly availabilityZone?: string;
}

export interface TargetGroupModel extends ResourceIdentity {
  readonly kind: 'TargetGroup';
  readonly name?: string;
  readonly targetType: TargetTypeName;
  readonly protocol?: string;
  readonly port?: number;
  readonly protocolVersion: ProtocolVersionName;
  /**
   * Type of the load balancer whose listeners use this TG; when no listener uses it, inferred from the
   * protocol (HTTP/HTTPS → application, else network).
   */
  readonly loadBalancerType: LoadBalancerTypeName;
  /** Load balancers whose listeners or rules forward to this TG. */
  readonly loadBalancerIds: readonly string[];
  /** True when a listener default action or rule forwards to this TG (health checks run only then, §1.4). */
  readonly inUse: boolean;
  readonly healthCheck: HealthCheckModel;
  readonly attributes: TargetGroupAttributes;
  readonly targets: readonly TargetModel[];
  /** `Tags` with literal keys and values. */
  readonly tags?: readonly ResourceTag[];
}

// ---------------------------------------------------------------------------------------------------
// Route 53
// ---------------------------------------------------------------------------------------------------

export interface Route53HealthCheckModel extends ResourceIdentity {
  readonly kind: 'HealthCheck';
  readonly type: string;
  readonly ipAddress?: string;
  readonly port?: number;
  readonly resourcePath?: string;
  readonly fullyQualifiedDomainName?: string;
  readonly searchString?: string;
  readonly requestIntervalSeconds: number;
  readonly failureThreshold: number;
  readonly inverted: boolean;
  readonly disabled: boolean;
  readonly measureLatency: boolean;
  readonly enableSni?: boolean;
  readonly healthThreshold?: number;
  /** Ids of child health checks (resolved when they are Refs to modelled health checks). */
  readonly childHealthChecks: readonly string[];
  readonly regions: readonly string[];
  readonly insufficientDataHealthStatus?: string;
  readonly alarmIdentifier?: { readonly name: string; readonly region: string };
}

export interface AliasTargetModel {
  /** Literal DNSName, when not a token. */
  readonly dnsName?: string;
  readonly hostedZoneId?: string;
  readonly evaluateTargetHealth: boolean;
  /** Id of the modelled load balancer the alias points at (`Fn::GetAtt [LB, DNSName]`), if any. */
  readonly loadBalancerId?: string;
}

export interface RecordSetModel extends ResourceIdentity {
  readonly kind: 'RecordSet';
  readonly name: string;
  readonly type: string;
  readonly hostedZoneId?: string;
  readonly hostedZoneName?: string;
  readonly setIdentifier?: string;
  readonly failover?: FailoverRoleName;
  readonly weight?: number;
  readonly ttl?: number;
  readonly resourceRecords: readonly string[];
  readonly aliasTarget?: AliasTargetModel;
  /** Id of the modelled Route 53 health check (or the literal id when not a Ref). */
  readonly healthCheckId?: string;
  /** Multivalue answer routing (§7.3). */
  readonly multiValueAnswer?: boolean;
  /** Id of the `HostedZoneModel` the record belongs to. */
  readonly zone?: string;
}

/**
 * A hosted zone the assembly publishes records into (§7.3): an `AWS::Route53::HostedZone` of the
 * assembly, a zone the records name by `HostedZoneName`, or a zone known only by its Route 53 id (an
 * imported zone), whose name is inferred from its records (simulator choice `imported_zone_name`).
 */
export interface HostedZoneModel {
  /** Friendly id of the HostedZone resource, or `zone:<id or name>` for a zone the template only names. */
  readonly id: string;
  /** Zone apex, lower case, without the trailing dot (`example.com`). */
  readonly name: string;
  /** The Route 53 zone id when the template gives it literally (imported zones). */
  readonly hostedZoneId?: string;
  /** `VPCs` given: a private hosted zone. */
  readonly private: boolean;
  readonly source: 'resource' | 'named' | 'inferred';
  readonly logicalId?: string;
  readonly stackName?: string;
  readonly path?: string;
}

// ---------------------------------------------------------------------------------------------------
// Lambda functions (targets of Lambda target groups)
// ---------------------------------------------------------------------------------------------------

/** Where a function's code is, as far as the simulator can run it. */
export type LambdaCodeModel =
  /** An asset folder of the cloud assembly (`aws:asset:path` metadata), absolute. */
  | { readonly kind: 'asset'; readonly directory: string }
  /** `Code.ZipFile`: inline source, written to `index.js` (Node.js) as Lambda does. */
  | { readonly kind: 'inline'; readonly source: string }
  /** A container image (`PackageType: Image`, `Code.ImageUri`). */
  | { readonly kind: 'image' }
  /** Code only in S3, or not readable from the template. */
  | { readonly kind: 'unavailable'; readonly why: string };

/** An `AWS::Lambda::Function` that a Lambda target group registers. */
export interface LambdaFunctionModel extends ResourceIdentity {
  readonly kind: 'LambdaFunction';
  /** The function ARN the target group registers (the target id). */
  readonly arn: string;
  readonly functionName: string;
  readonly runtime?: string;
  /** `file.export` (Node.js), e.g. `index.handler`. */
  readonly handler?: string;
  readonly code: LambdaCodeModel;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** `Environment.Variables` with literal values (others are left out and reported). */
  readonly environment: Readonly<Record<string, string>>;
}

// ---------------------------------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------------------------------

export type ModelResource =
  LoadBalancerModel | ListenerModel | RuleModel | TargetGroupModel | Route53HealthCheckModel | RecordSetModel;

/** The whole configuration: all stacks of an assembly (or one template). */
export interface SimModel {
  readonly stackNames: readonly string[];
  readonly loadBalancers: readonly LoadBalancerModel[];
  readonly listeners: readonly ListenerModel[];
  readonly targetGroups: readonly TargetGroupModel[];
  readonly healthChecks: readonly Route53HealthCheckModel[];
  readonly recordSets: readonly RecordSetModel[];
  readonly hostedZones: readonly HostedZoneModel[];
  /** Functions that Lambda target groups register (absent in models made before Lambda targets were read). */
  readonly lambdaFunctions?: readonly LambdaFunctionModel[];
  readonly issues: readonly ModelIssue[];
}

/** A template as parsed JSON (what `Template.fromStack(stack).toJSON()` returns). */
export interface CfnTemplate {
  readonly Resources?: Readonly<Record<string, CfnResource>>;
  readonly [key: string]: unknown;
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
  readonly Metadata?: Readonly<Record<string, unknown>>;
  readonly [key: string]: unknown;
}

/** One stack's template, for `buildModel`. */
export interface StackTemplate {
  readonly stackName: string;
  readonly template: CfnTemplate;
  /** The stack's Region, when its environment names one (`aws://123456789012/eu-west-1`). */
  readonly region?: string;
  /** The cloud-assembly directory the template was read from (asset paths are relative to it). */
  readonly assemblyDirectory?: string;
}
