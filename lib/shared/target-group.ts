import { Duration } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as elbv2Targets from 'aws-cdk-lib/aws-elasticloadbalancingv2-targets';
import { Construct } from 'constructs';
import {
  ALB_PROTOCOLS,
  GRPC_HEALTH_CHECK_DEFAULTS,
  HEALTH_CHECK_LIMITS,
  HEALTH_CHECK_PROTOCOLS,
  healthCheckDefaults,
  INTERVAL_NOT_GREATER_THAN_TIMEOUT_TEXT,
  LoadBalancerTypeName,
  NLB_PROTOCOLS,
  parseMatcher,
  RESERVED_COOKIE_PREFIXES,
  TARGET_GROUP_LIMITS,
  TARGET_GROUP_NAME_PATTERN,
  TG_ATTR,
} from '@ha-load-balancer/spec';
import { HaValidationError, isUnresolved, IssueCollector, seconds, warn } from './errors';

/** Routing algorithm of an ALB target group (docs/aws-behaviour.md §2.1). NLBs always use a flow hash. */
export enum Algorithm {
  /** Requests in turn to each healthy target. The only algorithm allowed with slow start. */
  ROUND_ROBIN = 'round_robin',
  /** The target with the fewest requests in progress. */
  LEAST_OUTSTANDING_REQUESTS = 'least_outstanding_requests',
  /** Random order; the only algorithm with automatic target weights (anomaly mitigation). */
  WEIGHTED_RANDOM = 'weighted_random',
}

/** Target-group protocols: HTTP/HTTPS behind an ALB; TCP/TLS/UDP/TCP_UDP behind an NLB. */
export enum TargetGroupProtocol {
  HTTP = 'HTTP',
  HTTPS = 'HTTPS',
  TCP = 'TCP',
  TLS = 'TLS',
  UDP = 'UDP',
  TCP_UDP = 'TCP_UDP',
}

/** How targets are registered: by instance id, by IP address, or a Lambda function (ALB only). */
export enum TargetKind {
  INSTANCE = 'instance',
  IP = 'ip',
  LAMBDA = 'lambda',
}

/** HTTP version spoken to targets (ALB only). HTTP2 and GRPC need an HTTPS listener. */
export enum ProtocolVersion {
  HTTP1 = 'HTTP1',
  HTTP2 = 'HTTP2',
  GRPC = 'GRPC',
}

/** Sticky sessions (docs/aws-behaviour.md §3). */
export class Stickiness {
  /** ALB duration-based stickiness: the load balancer's own AWSALB cookie. */
  public static lbCookie(duration: Duration = Duration.days(1)): Stickiness {
    return new Stickiness('lb_cookie', duration);
  }

  /** ALB application-based stickiness, following the application's own cookie. */
  public static appCookie(cookieName: string, duration: Duration = Duration.days(1)): Stickiness {
    return new Stickiness('app_cookie', duration, cookieName);
  }

  /** NLB stickiness: flows from the same client IP go to the same target. */
  public static sourceIp(): Stickiness {
    return new Stickiness('source_ip');
  }

  private constructor(
    public readonly type: 'lb_cookie' | 'app_cookie' | 'source_ip',
    public readonly duration?: Duration,
    public readonly cookieName?: string,
  ) {}
}

/** Health-check settings (docs/aws-behaviour.md §1.1). Omitted fields keep the AWS default. */
export interface HealthCheckOptions {
  /**
   * Whether health checks run. Only Lambda target groups may turn them off.
   * @default true, except Lambda target groups (false)
   */
  readonly enabled?: boolean;
  /**
   * Protocol of the check.
   * @default HTTP for ALB target groups (HTTPS for HTTPS target groups); the target group's protocol for NLB HTTP/HTTPS groups, else TCP
   */
  readonly protocol?: 'HTTP' | 'HTTPS' | 'TCP';
  /**
   * Port of the check; when it differs from the traffic port the security groups are opened for it too.
   * @default the traffic port
   */
  readonly port?: number;
  /**
   * Path requested by HTTP/HTTPS checks.
   * @default '/'
   */
  readonly path?: string;
  /**
   * Time between checks of one target, 5-300 seconds, and greater than the timeout.
   * @default 30 seconds (35 for Lambda)
   */
  readonly interval?: Duration;
  /**
   * Time without a response after which a check fails, 2-120 seconds.
   * @default 6 s for HTTP checks, 10 s for HTTPS and TCP checks (30 s for Lambda)
   */
  readonly timeout?: Duration;
  /**
   * Consecutive successes before an unhealthy target is healthy again, 2-10.
   * @default 5
   */
  readonly healthyThreshold?: number;
  /**
   * Consecutive failures before a target is unhealthy, 2-10.
   * @default 2 (5 for Lambda)
   */
  readonly unhealthyThreshold?: number;
  /**
   * HTTP codes that count as success: `"200"`, `"200,202"` or `"200-299"`.
   * @default "200" for ALB, "200-399" for NLB
   */
  readonly healthyHttpCodes?: string;
  /**
   * gRPC codes that count as success (protocol version GRPC only).
   * @default "12"
   */
  readonly healthyGrpcCodes?: string;
}

/** Minimum healthy targets for DNS failover or routing failover (docs/aws-behaviour.md §1.5). */
export interface HealthyTargetsThreshold {
  /**
   * Minimum number of healthy targets.
   * @default no count threshold
   */
  readonly count?: number;
  /**
   * Minimum percentage of healthy targets, 1-100.
   * @default no percentage threshold
   */
  readonly percentage?: number;
}

export interface HaTargetGroupProps {
  /**
   * Port targets listen on. Not used for Lambda targets.
   * @default 80
   */
  readonly port?: number;
  /**
   * Protocol to targets.
   * @default HTTP behind an ALB, TCP behind an NLB
   */
  readonly protocol?: TargetGroupProtocol;
  /**
   * How targets are registered. Left unset, it is the kind of the targets given (`IpTarget` is ip,
   * `InstanceTarget`/`InstanceIdTarget` and Auto Scaling groups are instance, `LambdaTarget` is
   * lambda); targets of one group must all be of one kind.
   * @default the kind of the targets given, TargetKind.INSTANCE when there are none
   */
  readonly targetKind?: TargetKind;
  /**
   * HTTP version to targets (ALB only).
   * @default ProtocolVersion.HTTP1
   */
  readonly protocolVersion?: ProtocolVersion;
  /**
   * Physical name, at most 32 characters of letters, digits and hyphens.
   * @default generated by CloudFormation
   */
  readonly targetGroupName?: string;
  /**
   * Health checks.
   * @default AWS's defaults for the load balancer and target kind
   */
  readonly healthCheck?: HealthCheckOptions;
  /**
   * Routing algorithm (ALB only).
   * @default Algorithm.ROUND_ROBIN
   */
  readonly algorithm?: Algorithm;
  /**
   * Automatic target weights: lower traffic to anomalous targets. Requires Algorithm.WEIGHTED_RANDOM.
   * @default false
   */
  readonly anomalyMitigation?: boolean;
  /**
   * Ramp-up time of a newly healthy target, 30-900 seconds (ALB, round robin only).
   * @default no slow start
   */
  readonly slowStart?: Duration;
  /**
   * Time a deregistering target keeps in-flight requests, 0-3600 seconds.
   * @default 300 seconds
   */
  readonly deregistrationDelay?: Duration;
  /**
   * Sticky sessions.
   * @default no stickiness
   */
  readonly stickiness?: Stickiness;
  /**
   * Target-group level cross-zone load balancing.
   * @default the load balancer's setting
   */
  readonly crossZone?: boolean;
  /**
   * Targets to register.
   * @default none; add them later with `addTarget`
   */
  readonly targets?: HaTarget[];
  /**
   * Below this many healthy targets the load balancer's zone leaves DNS.
   * @default AWS's default
   */
  readonly dnsFailover?: HealthyTargetsThreshold;
  /**
   * Below this many healthy targets the load balancer routes to all targets (fail open).
   * @default fail open only when no target is healthy
   */
  readonly routingFailover?: HealthyTargetsThreshold;
  /**
   * NLB: keep the client's IP address as the source of packets to targets.
   * @default true for instance targets and UDP/TCP_UDP ip targets, false otherwise
   */
  readonly preserveClientIp?: boolean;
  /**
   * NLB: prepend a proxy protocol v2 header to each connection.
   * @default false
   */
  readonly proxyProtocolV2?: boolean;
  /**
   * NLB: close connections still open when the deregistration delay ends.
   * @default false (true for UDP and TCP_UDP)
   */
  readonly connectionTermination?: boolean;
  /**
   * NLB: keep connections of a target that turned unhealthy for this long (0-360000 s).
   * Setting it turns off immediate termination of those connections.
   * @default connections of unhealthy targets are reset at once
   */
  readonly unhealthyDrainingInterval?: Duration;
}

/** A target of an ALB or NLB target group (aws-cdk-lib's own target classes, Auto Scaling groups, ...). */
export type HaTarget = elbv2.IApplicationLoadBalancerTarget | elbv2.INetworkLoadBalancerTarget;

/** What a listener or action needs to know about a target group. */
export interface TargetGroupInfo {
  readonly lbType: LoadBalancerTypeName;
  readonly protocol?: TargetGroupProtocol;
  readonly targetKind: TargetKind;
  readonly protocolVersion: ProtocolVersion;
  readonly stickiness?: Stickiness;
  readonly owner: Construct;
}

export interface HaTargetGroupContext {
  readonly lbType: LoadBalancerTypeName;
  readonly vpc: ec2.IVpc;
  readonly owner: Construct;
  /** The load balancer's security groups, opened towards targets. */
  readonly connections: ec2.Connections;
  /** Called once, when a listener or rule first forwards to the target group (alarms follow usage). */
  readonly onFirstUse?: (tg: HaTargetGroup) => void;
}

/**
 * ALB target group that also opens a differing health-check port on connectable targets. The port
 * is set before any target is registered (targets are added after construction), so targets given
 * in props get both rules too.
 */
class AlbTargetGroup extends elbv2.ApplicationTargetGroup {
  public healthCheckPort?: number;
  public override registerConnectable(connectable: ec2.IConnectable, portRange?: ec2.Port): void {
    super.registerConnectable(connectable, portRange);
    if (this.healthCheckPort !== undefined) super.registerConnectable(connectable, ec2.Port.tcp(this.healthCheckPort));
  }
  /** The target type the group has now: as configured, or set by the first target aws-cdk-lib bound. */
  public get boundTargetType(): string | undefined {
    return this.targetType;
  }
}

class NlbTargetGroup extends elbv2.NetworkTargetGroup {
  public get boundTargetType(): string | undefined {
    return this.targetType;
  }
}

/** The kind of the aws-cdk-lib target classes whose kind is known before binding, else undefined. */
function kindOf(target: HaTarget): TargetKind | undefined {
  if (target instanceof elbv2Targets.IpTarget) return TargetKind.IP;
  if (target instanceof elbv2Targets.InstanceIdTarget) return TargetKind.INSTANCE;
  if (target instanceof elbv2Targets.LambdaTarget) return TargetKind.LAMBDA;
  if (target instanceof autoscaling.AutoScalingGroup) return TargetKind.INSTANCE;
  return undefined;
}

const HA_TARGET_GROUP = Symbol.for('ha-load-balancer.HaTargetGroup');

/** Whether `x` is an HaTargetGroup (of any copy of this library). */
export function isHaTargetGroup(x: unknown): x is HaTargetGroup {
  return typeof x === 'object' && x !== null && HA_TARGET_GROUP in x;
}

/**
 * A target group of an HaLoadBalancer: validated props, AWS defaults left implicit, and the
 * security-group rules for the traffic port and the health-check port.
 */
export class HaTargetGroup extends Construct implements TargetGroupInfo {
  public readonly lbType: LoadBalancerTypeName;
  public readonly protocol?: TargetGroupProtocol;
  public readonly protocolVersion: ProtocolVersion;
  public readonly stickiness?: Stickiness;
  public readonly owner: Construct;
  public readonly port?: number;
  /** The underlying aws-cdk-lib target group. */
  public readonly targetGroup: elbv2.ApplicationTargetGroup | elbv2.NetworkTargetGroup;
  #targetCount: number;
  #inUse = false;
  readonly #connections: ec2.Connections;
  readonly #healthCheckPort?: number;
  readonly #onFirstUse?: (tg: HaTargetGroup) => void;
  /** The kind given or inferred; undefined only while aws-cdk-lib has yet to bind an unknown target class. */
  readonly #kind?: TargetKind;

  constructor(scope: Construct, id: string, props: HaTargetGroupProps, context: HaTargetGroupContext) {
    super(scope, id);
    Object.defineProperty(this, HA_TARGET_GROUP, { value: true });
    this.lbType = context.lbType;
    this.owner = context.owner;
    this.#onFirstUse = context.onFirstUse;
    const targets = props.targets ?? [];
    const known = targets.map(kindOf);
    this.#kind =
      props.targetKind ??
      known.find((k) => k !== undefined) ??
      (known.includes(undefined) ? undefined : TargetKind.INSTANCE);
    this.protocolVersion = props.protocolVersion ?? ProtocolVersion.HTTP1;
    this.stickiness = props.stickiness;
    const isAlb = this.lbType === 'application';
    const lambda = this.targetKind === TargetKind.LAMBDA;
    this.protocol = lambda
      ? undefined
      : (props.protocol ?? (isAlb ? TargetGroupProtocol.HTTP : TargetGroupProtocol.TCP));
    this.port = lambda ? undefined : (props.port ?? 80);
    this.#targetCount = targets.length;
    this.#connections = context.connections;
    this.#healthCheckPort = props.healthCheck?.port;

    const issues = new IssueCollector(this);
    this.validate(issues, props);
    this.checkTargetKinds(issues, targets, props.targetKind === undefined);
    issues.throwIfAny();

    const hc = props.healthCheck ?? {};
    const healthCheck: elbv2.HealthCheck = {
      enabled: hc.enabled,
      protocol: hc.protocol as elbv2.Protocol | undefined,
      port: hc.port === undefined ? undefined : String(hc.port),
      path: hc.path,
      interval: hc.interval,
      timeout: hc.timeout,
      healthyThresholdCount: hc.healthyThreshold,
      unhealthyThresholdCount: hc.unhealthyThreshold,
      healthyHttpCodes: hc.healthyHttpCodes,
      healthyGrpcCodes: hc.healthyGrpcCodes,
    };
    const health =
      props.dnsFailover || props.routingFailover
        ? {
            dnsMinimumHealthyTargetCount: props.dnsFailover?.count,
            dnsMinimumHealthyTargetPercentage: props.dnsFailover?.percentage,
            routingMinimumHealthyTargetCount: props.routingFailover?.count,
            routingMinimumHealthyTargetPercentage: props.routingFailover?.percentage,
          }
        : undefined;

    const targetType = this.#kind === undefined ? undefined : TARGET_TYPES[this.#kind];
    if (isAlb) {
      // Slow start 0 means off, which AWS allows with any algorithm; aws-cdk-lib refuses any slowStart
      // beside weighted_random, so 0 is left to the AWS default there.
      const slowStartOff = seconds(props.slowStart) === 0 && props.algorithm === Algorithm.WEIGHTED_RANDOM;
      const tg = new AlbTargetGroup(this, 'Resource', {
        vpc: lambda ? undefined : context.vpc,
        port: this.port,
        protocol: this.protocol as unknown as elbv2.ApplicationProtocol | undefined,
        protocolVersion: props.protocolVersion as unknown as elbv2.ApplicationProtocolVersion | undefined,
        targetType,
        targetGroupName: props.targetGroupName,
        healthCheck,
        deregistrationDelay: props.deregistrationDelay,
        slowStart: slowStartOff ? undefined : props.slowStart,
        loadBalancingAlgorithmType: props.algorithm as unknown as elbv2.TargetGroupLoadBalancingAlgorithmType,
        enableAnomalyMitigation: props.anomalyMitigation,
        crossZoneEnabled: props.crossZone,
        targetGroupHealth: health,
      });
      if (hc.port !== undefined && hc.port !== this.port) tg.healthCheckPort = hc.port;
      if (props.stickiness?.type === 'lb_cookie') {
        tg.enableCookieStickiness(props.stickiness.duration!);
      } else if (props.stickiness?.type === 'app_cookie') {
        tg.enableCookieStickiness(props.stickiness.duration!, props.stickiness.cookieName);
      }
      this.targetGroup = tg;
    } else {
      const tg = new NlbTargetGroup(this, 'Resource', {
        vpc: context.vpc,
        port: this.port!,
        protocol: this.protocol as unknown as elbv2.Protocol,
        targetType,
        targetGroupName: props.targetGroupName,
        healthCheck,
        deregistrationDelay: props.deregistrationDelay,
        crossZoneEnabled: props.crossZone,
        targetGroupHealth: health,
        preserveClientIp: props.preserveClientIp,
        proxyProtocolV2: props.proxyProtocolV2,
        connectionTermination: props.connectionTermination,
      });
      if (props.stickiness) {
        tg.setAttribute(TG_ATTR.stickinessEnabled, 'true');
        tg.setAttribute(TG_ATTR.stickinessType, 'source_ip');
      }
      if (props.unhealthyDrainingInterval !== undefined) {
        tg.setAttribute(TG_ATTR.unhealthyConnectionTermination, 'false');
        tg.setAttribute(TG_ATTR.unhealthyDrainingInterval, String(seconds(props.unhealthyDrainingInterval)));
      }
      this.targetGroup = tg;
    }
    this.bind(targets);
    if (props.algorithm === Algorithm.WEIGHTED_RANDOM && props.stickiness) {
      warn(
        this,
        'HALB_W_STICKY_WEIGHTED_RANDOM',
        `${this.node.path}: sticky sessions are not supported with the weighted_random algorithm (docs/aws-behaviour.md §2.1); stickiness may be ignored.`,
      );
    }
    if (lambda && props.crossZone === false) {
      warn(
        this,
        'HALB_W_LAMBDA_CROSS_ZONE',
        `${this.node.path}: with cross-zone load balancing off, Lambda targets are not supported (docs/aws-behaviour.md §2.4); leave crossZone unset.`,
      );
    }
    if (lambda && (props.dnsFailover || props.routingFailover)) {
      warn(
        this,
        'HALB_W_LAMBDA_TG_HEALTH',
        `${this.node.path}: target-group health thresholds do not apply to Lambda target groups.`,
      );
    }
  }

  /** Register more targets; they must be of the group's kind (`targetKind`). */
  public addTarget(...targets: HaTarget[]): void {
    this.#targetCount += targets.length;
    const max =
      this.targetKind === TargetKind.LAMBDA
        ? TARGET_GROUP_LIMITS.targetsPerLambdaTargetGroup
        : TARGET_GROUP_LIMITS.targetsPerTargetGroup;
    const issues = new IssueCollector(this);
    issues.maxCount('HALB_TG_TARGET_COUNT', 'targets', this.#targetCount, max);
    this.checkTargetKinds(issues, targets, false);
    issues.throwIfAny();
    this.bind(targets);
  }

  /** How targets are registered: as given, inferred from the targets, or bound by aws-cdk-lib. */
  public get targetKind(): TargetKind {
    const bound = (this.targetGroup as AlbTargetGroup | NlbTargetGroup | undefined)?.boundTargetType;
    return this.#kind ?? (bound as TargetKind | undefined) ?? TargetKind.INSTANCE;
  }

  /** The aws-cdk-lib ALB target group (metrics, attributes), or undefined behind an NLB. */
  public get applicationTargetGroup(): elbv2.ApplicationTargetGroup | undefined {
    return this.targetGroup instanceof elbv2.ApplicationTargetGroup ? this.targetGroup : undefined;
  }

  /** The aws-cdk-lib NLB target group, or undefined behind an ALB. */
  public get networkTargetGroup(): elbv2.NetworkTargetGroup | undefined {
    return this.targetGroup instanceof elbv2.NetworkTargetGroup ? this.targetGroup : undefined;
  }

  /** Targets of a kind other than the group's fail with HALB_TG_TARGET_KIND_MISMATCH (§8.1: one kind per group). */
  private checkTargetKinds(issues: IssueCollector, targets: readonly HaTarget[], inferred: boolean): void {
    const expected = this.#kind;
    if (expected === undefined) return;
    targets.forEach((t, i) => {
      const kind = kindOf(t);
      if (kind === undefined || kind === expected) return;
      const first = targets.findIndex((x) => kindOf(x) === expected);
      issues.add(
        'HALB_TG_TARGET_KIND_MISMATCH',
        inferred
          ? `targets[${i}] is ${article(kind)} ${kind} target but targets[${first}] is ${article(expected)} ${expected} target; allowed: targets of one kind per target group.`
          : `targets[${i}] is ${article(kind)} ${kind} target but targetKind is '${expected}'; allowed: ${expected} targets (or leave targetKind unset to take the targets' kind).`,
      );
    });
  }

  /** Register targets with aws-cdk-lib, reporting its target-type clash for classes whose kind is known only once bound. */
  private bind(targets: readonly HaTarget[]): void {
    for (const target of targets) {
      const alb = this.targetGroup instanceof elbv2.ApplicationTargetGroup;
      if (
        typeof (target as Partial<elbv2.IApplicationLoadBalancerTarget & elbv2.INetworkLoadBalancerTarget>)[
          alb ? 'attachToApplicationTargetGroup' : 'attachToNetworkTargetGroup'
        ] !== 'function'
      ) {
        throw new HaValidationError([
          {
            code: 'HALB_TG_TARGET_KIND_MISMATCH',
            path: this.node.path,
            message: `a target (${target.constructor.name}) cannot register with ${alb ? 'an Application' : 'a Network'} Load Balancer target group; allowed: targets that implement ${alb ? 'IApplicationLoadBalancerTarget' : 'INetworkLoadBalancerTarget'}.`,
          },
        ]);
      }
      try {
        if (alb) {
          this.targetGroup.addTarget(target as elbv2.IApplicationLoadBalancerTarget);
        } else {
          this.targetGroup.addTarget(target as elbv2.INetworkLoadBalancerTarget);
        }
      } catch (e) {
        const m = /Already have a of type '(\w+)', adding '(\w+)'/.exec(String((e as Error)?.message));
        if (!m) throw e;
        throw new HaValidationError([
          {
            code: 'HALB_TG_TARGET_KIND_MISMATCH',
            path: this.node.path,
            message: `a target registers as ${m[2]} but the group's targets are ${m[1]}; allowed: targets of one kind per target group (targetKind '${m[1]}').`,
          },
        ]);
      }
    }
  }

  /**
   * Let the load balancer reach these targets' security groups on the traffic port and, when it
   * differs, the health-check port. Auto Scaling groups given as targets are opened automatically.
   */
  public allowTrafficTo(...targets: ec2.IConnectable[]): void {
    const ports = [...new Set([this.port, this.#healthCheckPort].filter((p): p is number => p !== undefined))];
    const udp = this.protocol === TargetGroupProtocol.UDP || this.protocol === TargetGroupProtocol.TCP_UDP;
    for (const target of targets) {
      for (const port of ports) {
        const healthOnly = port !== this.port;
        const kind = healthOnly ? 'health checks' : 'traffic';
        if (!udp || healthOnly || this.protocol === TargetGroupProtocol.TCP_UDP) {
          this.#connections.allowTo(target, ec2.Port.tcp(port), `${this.node.path} ${kind} on port ${port}`);
        }
        if (udp && !healthOnly)
          this.#connections.allowTo(target, ec2.Port.udp(port), `${this.node.path} traffic on UDP port ${port}`);
      }
    }
  }

  /** Number of targets registered in the template. */
  public get targetCount(): number {
    return this.#targetCount;
  }

  /** Whether a listener default action or rule forwards here. */
  public get inUse(): boolean {
    return this.#inUse;
  }

  /** Called by listeners when an action forwards to this target group. */
  public markInUse(): void {
    if (this.#inUse) return;
    this.#inUse = true;
    this.#onFirstUse?.(this);
  }

  /** ARN of the target group. */
  public get targetGroupArn(): string {
    return this.targetGroup.targetGroupArn;
  }

  private validate(issues: IssueCollector, props: HaTargetGroupProps): void {
    const isAlb = this.lbType === 'application';
    const lambda = this.targetKind === TargetKind.LAMBDA;
    const lbName = isAlb ? 'an Application Load Balancer' : 'a Network Load Balancer';

    if (
      props.targetGroupName !== undefined &&
      !isUnresolved(props.targetGroupName) &&
      !TARGET_GROUP_NAME_PATTERN.test(props.targetGroupName)
    ) {
      issues.add(
        'HALB_TG_NAME',
        `targetGroupName is '${props.targetGroupName}'; allowed: 1-32 letters, digits and hyphens, not starting or ending with a hyphen.`,
      );
    }
    if (lambda) {
      if (!isAlb)
        issues.add('HALB_TG_TARGET_KIND', `targetKind is 'lambda'; allowed behind ${lbName}: 'instance', 'ip'.`);
      if (props.port !== undefined || props.protocol !== undefined) {
        issues.add(
          'HALB_TG_LAMBDA_PORT',
          `port and protocol are set on a Lambda target group; allowed: neither (Lambda functions are invoked, not connected to).`,
        );
      }
      if (props.deregistrationDelay !== undefined) {
        issues.add(
          'HALB_TG_LAMBDA_DEREGISTRATION',
          'deregistrationDelay is set on a Lambda target group; allowed: not set (not supported for Lambda).',
        );
      }
    }
    issues.range('HALB_TG_PORT_RANGE', 'port', props.port, TARGET_GROUP_LIMITS.port);
    const protocols = isAlb ? ALB_PROTOCOLS : NLB_PROTOCOLS;
    issues.oneOf('HALB_TG_PROTOCOL', `protocol behind ${lbName}`, props.protocol, protocols);
    issues.maxCount(
      'HALB_TG_TARGET_COUNT',
      'targets',
      this.#targetCount,
      lambda ? TARGET_GROUP_LIMITS.targetsPerLambdaTargetGroup : TARGET_GROUP_LIMITS.targetsPerTargetGroup,
    );

    // Protocol version (ALB only), §8.1.
    if (props.protocolVersion !== undefined && props.protocolVersion !== ProtocolVersion.HTTP1) {
      if (!isAlb)
        issues.add(
          'HALB_TG_PROTOCOL_VERSION',
          `protocolVersion is '${props.protocolVersion}'; allowed behind ${lbName}: not set.`,
        );
      if (lambda)
        issues.add(
          'HALB_TG_PROTOCOL_VERSION',
          `protocolVersion is '${props.protocolVersion}' on a Lambda target group; allowed: 'HTTP1'.`,
        );
    }

    this.validateHealthCheck(issues, props.healthCheck ?? {});

    // Attributes, §8.1 attribute value rules.
    const dereg = seconds(props.deregistrationDelay);
    issues.range(
      'HALB_DEREGISTRATION_DELAY_RANGE',
      'deregistrationDelay',
      dereg,
      TARGET_GROUP_LIMITS.deregistrationDelaySeconds,
      'seconds',
    );

    if (!isAlb) {
      for (const [name, value] of [
        ['algorithm', props.algorithm],
        ['anomalyMitigation', props.anomalyMitigation],
        ['slowStart', props.slowStart],
        ['protocolVersion', props.protocolVersion],
      ] as const) {
        if (value !== undefined)
          issues.add(
            'HALB_TG_ALB_ONLY',
            `${name} is set; allowed behind ${lbName}: not set (Application Load Balancer only).`,
          );
      }
    } else {
      for (const [name, value] of [
        ['preserveClientIp', props.preserveClientIp],
        ['proxyProtocolV2', props.proxyProtocolV2],
        ['connectionTermination', props.connectionTermination],
        ['unhealthyDrainingInterval', props.unhealthyDrainingInterval],
      ] as const) {
        if (value !== undefined)
          issues.add(
            'HALB_TG_NLB_ONLY',
            `${name} is set; allowed behind ${lbName}: not set (Network Load Balancer only).`,
          );
      }
      if (lambda && props.algorithm !== undefined) {
        issues.add(
          'HALB_TG_ALGORITHM_LAMBDA',
          `algorithm is '${props.algorithm}' on a Lambda target group; allowed: not set.`,
        );
      }
    }

    const slowStart = seconds(props.slowStart);
    if (slowStart !== undefined && !isUnresolved(slowStart) && slowStart !== 0) {
      issues.range('HALB_SLOW_START_RANGE', 'slowStart', slowStart, TARGET_GROUP_LIMITS.slowStartSeconds, 'seconds');
      const algorithm = props.algorithm ?? Algorithm.ROUND_ROBIN;
      if (algorithm !== Algorithm.ROUND_ROBIN) {
        issues.add(
          'HALB_SLOW_START_ALGORITHM',
          `slowStart is set with algorithm '${algorithm}'; allowed: slow start only with 'round_robin' (docs/aws-behaviour.md §2.2).`,
        );
      }
    }
    if (props.anomalyMitigation && props.algorithm !== Algorithm.WEIGHTED_RANDOM) {
      issues.add(
        'HALB_ANOMALY_MITIGATION_ALGORITHM',
        `anomalyMitigation is true with algorithm '${props.algorithm ?? Algorithm.ROUND_ROBIN}'; allowed: only with 'weighted_random' (docs/aws-behaviour.md §2.1).`,
      );
    }

    const st = props.stickiness;
    if (st) {
      const allowed = isAlb ? ['lb_cookie', 'app_cookie'] : ['source_ip'];
      issues.oneOf('HALB_STICKINESS_TYPE', `stickiness type behind ${lbName}`, st.type, allowed);
      issues.range(
        'HALB_STICKINESS_DURATION_RANGE',
        'stickiness duration',
        seconds(st.duration),
        TARGET_GROUP_LIMITS.stickinessDurationSeconds,
        'seconds',
      );
      if (st.type === 'app_cookie') {
        const name = st.cookieName ?? '';
        if (!isUnresolved(name)) {
          if (name.length === 0)
            issues.add('HALB_APP_COOKIE_NAME', `stickiness cookie name is empty; allowed: a non-empty cookie name.`);
          const reserved = RESERVED_COOKIE_PREFIXES.find((p) => name.startsWith(p));
          if (reserved) {
            issues.add(
              'HALB_APP_COOKIE_NAME',
              `stickiness cookie name is '${name}'; allowed: any name not starting with ${RESERVED_COOKIE_PREFIXES.map((p) => `'${p}'`).join(', ')} (reserved for the load balancer).`,
            );
          }
        }
      }
      if (isAlb && props.crossZone === false) {
        issues.add(
          'HALB_STICKINESS_CROSS_ZONE',
          `stickiness is set with crossZone false; allowed: stickiness only with cross-zone load balancing on (docs/aws-behaviour.md §2.4).`,
        );
      }
      if (lambda && st.type !== 'lb_cookie') {
        issues.add(
          'HALB_STICKINESS_TYPE',
          `stickiness type '${st.type}' on a Lambda target group; allowed: 'lb_cookie'.`,
        );
      }
    }

    if (!isAlb) {
      const udp = props.protocol === TargetGroupProtocol.UDP || props.protocol === TargetGroupProtocol.TCP_UDP;
      if (udp && props.preserveClientIp === false && this.targetKind === TargetKind.IP) {
        issues.add(
          'HALB_PRESERVE_CLIENT_IP_UDP',
          `preserveClientIp is false on a ${props.protocol} ip target group; allowed: true (cannot be disabled for UDP and TCP_UDP).`,
        );
      }
      issues.range(
        'HALB_UNHEALTHY_DRAINING_RANGE',
        'unhealthyDrainingInterval',
        seconds(props.unhealthyDrainingInterval),
        TARGET_GROUP_LIMITS.unhealthyDrainingIntervalSeconds,
        'seconds',
      );
      if (props.unhealthyDrainingInterval !== undefined && udp) {
        issues.add(
          'HALB_UNHEALTHY_DRAINING_UDP',
          `unhealthyDrainingInterval is set on a ${props.protocol} target group; allowed: not set (not supported for UDP and TCP_UDP).`,
        );
      }
      if (props.stickiness && props.protocol === TargetGroupProtocol.TLS) {
        issues.add(
          'HALB_STICKINESS_TLS',
          `stickiness is set on a TLS target group; allowed: source_ip stickiness only for TCP, UDP and TCP_UDP target groups.`,
        );
      }
    }

    // Target-group health requirements, §1.5.
    for (const [label, t] of [
      ['dnsFailover', props.dnsFailover],
      ['routingFailover', props.routingFailover],
    ] as const) {
      if (!t) continue;
      if (t.count !== undefined && !isUnresolved(t.count) && (!Number.isInteger(t.count) || t.count < 1)) {
        issues.add('HALB_TG_HEALTH_COUNT', `${label}.count is ${t.count}; allowed: a whole number of at least 1.`);
      }
      issues.range(
        'HALB_TG_HEALTH_PERCENTAGE',
        `${label}.percentage`,
        t.percentage,
        TARGET_GROUP_LIMITS.minimumHealthyTargetsPercentage,
        '%',
      );
    }
    const d = props.dnsFailover;
    const r = props.routingFailover;
    if (d?.count !== undefined && r?.count !== undefined && d.count < r.count) {
      issues.add(
        'HALB_TG_HEALTH_ORDER',
        `dnsFailover.count is ${d.count}, below routingFailover.count ${r.count}; allowed: dnsFailover.count >= routingFailover.count.`,
      );
    }
    if (d?.percentage !== undefined && r?.percentage !== undefined && d.percentage < r.percentage) {
      issues.add(
        'HALB_TG_HEALTH_ORDER',
        `dnsFailover.percentage is ${d.percentage}, below routingFailover.percentage ${r.percentage}; allowed: dnsFailover.percentage >= routingFailover.percentage.`,
      );
    }
  }

  private validateHealthCheck(issues: IssueCollector, hc: HealthCheckOptions): void {
    const isAlb = this.lbType === 'application';
    const lambda = this.targetKind === TargetKind.LAMBDA;
    if (hc.enabled === false && !lambda) {
      issues.add(
        'HALB_HC_DISABLED',
        `healthCheck.enabled is false; allowed: false only for Lambda target groups (health checks always run for ${this.targetKind} targets).`,
      );
    }
    issues.oneOf('HALB_HC_PROTOCOL', 'healthCheck.protocol', hc.protocol, HEALTH_CHECK_PROTOCOLS[this.lbType]);
    const tgIsHttp = this.protocol === TargetGroupProtocol.HTTP || this.protocol === TargetGroupProtocol.HTTPS;
    if (hc.protocol === 'TCP' && tgIsHttp) {
      issues.add(
        'HALB_HC_PROTOCOL',
        `healthCheck.protocol is 'TCP' on a ${this.protocol} target group; allowed: 'HTTP', 'HTTPS'.`,
      );
    }
    issues.range('HALB_HC_PORT_RANGE', 'healthCheck.port', hc.port, HEALTH_CHECK_LIMITS.port);

    const defaults = healthCheckDefaults(this.lbType, this.targetKind, this.protocol, hc.protocol);
    const protocol = hc.protocol ?? defaults.protocol;
    const httpCheck = protocol === 'HTTP' || protocol === 'HTTPS';
    if (
      !httpCheck &&
      (hc.path !== undefined || hc.healthyHttpCodes !== undefined || hc.healthyGrpcCodes !== undefined)
    ) {
      issues.add(
        'HALB_HC_HTTP_ONLY',
        `healthCheck.path/healthyHttpCodes are set on a ${protocol} health check; allowed: only with HTTP or HTTPS health checks.`,
      );
    }
    if (hc.path !== undefined && !isUnresolved(hc.path)) {
      const r = HEALTH_CHECK_LIMITS.pathLength;
      if (hc.path.length < r.min || hc.path.length > r.max || !hc.path.startsWith('/')) {
        issues.add(
          'HALB_HC_PATH',
          `healthCheck.path is '${hc.path.slice(0, 60)}' (${hc.path.length} characters); allowed: ${r.min}-${r.max} characters starting with '/'.`,
        );
      }
    }
    const interval = seconds(hc.interval);
    const timeout = seconds(hc.timeout);
    issues.range(
      'HALB_HC_INTERVAL_RANGE',
      'healthCheck.interval',
      interval,
      HEALTH_CHECK_LIMITS.intervalSeconds,
      'seconds',
    );
    issues.range(
      'HALB_HC_TIMEOUT_RANGE',
      'healthCheck.timeout',
      timeout,
      HEALTH_CHECK_LIMITS.timeoutSeconds,
      'seconds',
    );
    issues.range(
      'HALB_HC_HEALTHY_THRESHOLD_RANGE',
      'healthCheck.healthyThreshold',
      hc.healthyThreshold,
      HEALTH_CHECK_LIMITS.healthyThresholdCount,
    );
    issues.range(
      'HALB_HC_UNHEALTHY_THRESHOLD_RANGE',
      'healthCheck.unhealthyThreshold',
      hc.unhealthyThreshold,
      HEALTH_CHECK_LIMITS.unhealthyThresholdCount,
    );
    const i = interval ?? defaults.intervalSeconds;
    const t = timeout ?? defaults.timeoutSeconds;
    if (!isUnresolved(i) && !isUnresolved(t) && i <= t && (interval !== undefined || timeout !== undefined)) {
      issues.add(
        'HALB_HC_INTERVAL_TIMEOUT',
        `healthCheck.interval is ${i} seconds and healthCheck.timeout is ${t} seconds${interval === undefined ? ' (interval default)' : ''}${timeout === undefined ? ' (timeout default)' : ''}; allowed: interval greater than timeout. AWS: "${INTERVAL_NOT_GREATER_THAN_TIMEOUT_TEXT}"`,
      );
    }
    if (hc.healthyHttpCodes !== undefined && !isUnresolved(hc.healthyHttpCodes)) {
      const codes = parseMatcher(hc.healthyHttpCodes);
      const bounds = HEALTH_CHECK_LIMITS.httpCode[this.lbType];
      if (!codes || codes.some((c) => c < bounds.min || c > bounds.max)) {
        issues.add(
          'HALB_HC_MATCHER',
          `healthCheck.healthyHttpCodes is '${hc.healthyHttpCodes}'; allowed: codes ${bounds.min}-${bounds.max} as a list ("200,202") or a range ("200-299").`,
        );
      }
      if (this.protocolVersion === ProtocolVersion.GRPC) {
        issues.add(
          'HALB_HC_MATCHER',
          `healthCheck.healthyHttpCodes is set on a GRPC target group; allowed: healthyGrpcCodes.`,
        );
      }
    }
    if (hc.healthyGrpcCodes !== undefined && !isUnresolved(hc.healthyGrpcCodes)) {
      const codes = parseMatcher(hc.healthyGrpcCodes);
      const bounds = HEALTH_CHECK_LIMITS.grpcCode;
      if (this.protocolVersion !== ProtocolVersion.GRPC) {
        issues.add(
          'HALB_HC_MATCHER',
          `healthCheck.healthyGrpcCodes is set on a ${this.protocolVersion} target group; allowed: only with protocolVersion GRPC.`,
        );
      } else if (!codes || codes.some((c) => c < bounds.min || c > bounds.max)) {
        issues.add(
          'HALB_HC_MATCHER',
          `healthCheck.healthyGrpcCodes is '${hc.healthyGrpcCodes}'; allowed: codes ${bounds.min}-${bounds.max} as a list or a range.`,
        );
      }
    }
    if (this.protocolVersion === ProtocolVersion.GRPC && hc.path !== undefined && !/^\/[^/]+\/[^/]+$/.test(hc.path)) {
      issues.add(
        'HALB_HC_PATH',
        `healthCheck.path is '${hc.path}' on a GRPC target group; allowed: '/package.service/method' (default '${GRPC_HEALTH_CHECK_DEFAULTS.path}').`,
      );
    }
    if (isAlb && hc.port !== undefined && lambda) {
      issues.add('HALB_HC_PORT_RANGE', `healthCheck.port is set on a Lambda target group; allowed: not set.`);
    }
  }
}

const TARGET_TYPES: Record<TargetKind, elbv2.TargetType> = {
  [TargetKind.INSTANCE]: elbv2.TargetType.INSTANCE,
  [TargetKind.IP]: elbv2.TargetType.IP,
  [TargetKind.LAMBDA]: elbv2.TargetType.LAMBDA,
};

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}
