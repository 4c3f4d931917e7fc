import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import {
  ALPN_POLICIES,
  DEFAULT_SSL_POLICY,
  ELB_SSL_POLICIES,
  LISTENER_LIMITS,
  RULE_LIMITS,
} from '@ha-load-balancer/spec';
import { MutualTls } from '../alb/mutual-tls';
import { RuleTransform, validateTransforms } from '../alb/transforms';
import { ListenerAction } from './actions';
import { ListenerCondition, validateConditions } from './conditions';
import { isUnresolved, IssueCollector, seconds, warn } from './errors';
import type { HaTargetGroup, HaTargetGroupProps } from './target-group';

/** Gap between automatically allocated rule priorities, leaving room for explicit ones in between. */
export const PRIORITY_STEP = 10;

export type ListenerProtocol = 'HTTP' | 'HTTPS' | 'TCP' | 'TLS' | 'UDP' | 'TCP_UDP';

export interface RuleProps {
  /** Conditions, all of which must match (docs/aws-behaviour.md §4.1). */
  readonly conditions: ListenerCondition[];
  /** What to do with a matching request. */
  readonly action: ListenerAction;
  /**
   * Explicit priority 1-50000; lower is evaluated first. Required on an imported listener, whose
   * existing rules this library cannot see.
   * @default the next multiple of 10 above every priority declared before this rule
   */
  readonly priority?: number;
  /**
   * Rewrites applied after the rule matched: at most one host-header and one URL rewrite
   * (docs/aws-behaviour.md §4.3).
   * @default no rewrite
   */
  readonly transforms?: RuleTransform[];
}

/** A rule that forwards to a new target group made from target-group props (`HaListener.addTargets`). */
export interface AddTargetsProps extends HaTargetGroupProps {
  /** Conditions of the rule that forwards to the new target group. */
  readonly conditions: ListenerCondition[];
  /**
   * Explicit rule priority.
   * @default the next multiple of 10 above every priority declared before
   */
  readonly priority?: number;
  /**
   * Rewrites applied after the rule matched.
   * @default no rewrite
   */
  readonly transforms?: RuleTransform[];
}

/** A rule as created: its allocated priority and the aws-cdk-lib construct. */
export interface HaListenerRule {
  readonly priority: number;
  readonly rule: elbv2.ApplicationListenerRule;
}

export interface ListenerContext {
  readonly lbType: 'application' | 'network';
  readonly owner: Construct;
  readonly loadBalancer: elbv2.IApplicationLoadBalancer | elbv2.INetworkLoadBalancer;
  readonly connections: ec2.Connections;
  /** Peers allowed to reach the listener port. */
  readonly clientPeers: ec2.IPeer[];
  /** Creates a target group on the listener's load balancer (for `addTargets`). */
  readonly addTargetGroup: (id: string, props: HaTargetGroupProps) => HaTargetGroup;
  /** A listener created elsewhere: no resource is created, rules need explicit priorities. */
  readonly existing?: elbv2.IApplicationListener | elbv2.INetworkListener;
}

export interface HaListenerProps {
  readonly protocol: ListenerProtocol;
  readonly port: number;
  /** Required unless the listener exists already (`ListenerContext.existing`). */
  readonly defaultAction?: ListenerAction;
  readonly certificates?: elbv2.IListenerCertificate[];
  readonly sslPolicy?: string;
  readonly alpnPolicy?: string;
  readonly tcpIdleTimeout?: Duration;
  readonly open?: boolean;
  readonly mutualTls?: MutualTls;
}

/**
 * A listener of an HaLoadBalancer. Rules get priorities in declaration order; adding a rule at the
 * end never renumbers the ones before it.
 */
export class HaListener extends Construct {
  public readonly protocol: ListenerProtocol;
  public readonly port: number;
  public readonly lbType: 'application' | 'network';
  public readonly owner: Construct;
  /** Number of certificates on this listener (the first is the default). */
  public readonly certificateCount: number;
  /** Whether the port is opened to the load balancer's allowed sources. */
  public readonly open: boolean;
  /** The default action, when this library created the listener. */
  public readonly defaultAction?: ListenerAction;
  /** The underlying aws-cdk-lib listener (an imported one for `importListener`). */
  public readonly listener: elbv2.IApplicationListener | elbv2.INetworkListener;
  /** Whether the listener was created elsewhere and imported. */
  public readonly imported: boolean;
  readonly #rules: HaListenerRule[] = [];
  readonly #context: ListenerContext;
  #highestPriority = 0;

  constructor(scope: Construct, id: string, props: HaListenerProps, context: ListenerContext) {
    super(scope, id);
    this.protocol = props.protocol;
    this.port = props.port;
    this.lbType = context.lbType;
    this.owner = context.owner;
    this.#context = context;
    this.certificateCount = props.certificates?.length ?? 0;
    this.open = props.open !== false && context.existing === undefined;
    this.defaultAction = props.defaultAction;
    this.imported = context.existing !== undefined;

    const issues = new IssueCollector(this);
    issues.range('HALB_LISTENER_PORT_RANGE', 'port', props.port, LISTENER_LIMITS.port);
    if (context.existing) {
      issues.throwIfAny();
      this.listener = context.existing;
      return;
    }
    const secure = props.protocol === 'HTTPS' || props.protocol === 'TLS';
    const certs = props.certificates ?? [];
    if (secure && certs.length === 0) {
      issues.add(
        'HALB_LISTENER_CERTIFICATE',
        `a ${props.protocol} listener has no certificate; allowed: at least one certificate (the first is the default).`,
      );
    }
    if (!secure && certs.length > 0) {
      issues.add(
        'HALB_LISTENER_CERTIFICATE',
        `a ${props.protocol} listener has certificates; allowed: certificates only on HTTPS and TLS listeners.`,
      );
    }
    if (props.sslPolicy !== undefined && !isUnresolved(props.sslPolicy)) {
      if (!secure) {
        issues.add(
          'HALB_LISTENER_SSL_POLICY',
          `sslPolicy is set on a ${props.protocol} listener; allowed: only on HTTPS and TLS listeners.`,
        );
      } else if (!(ELB_SSL_POLICIES as readonly string[]).includes(props.sslPolicy)) {
        issues.add(
          'HALB_LISTENER_SSL_POLICY',
          `sslPolicy is '${props.sslPolicy}', which is not a predefined ELB security policy; allowed: one of the ${ELB_SSL_POLICIES.length} policies in ELB_SSL_POLICIES (@ha-load-balancer/spec), e.g. '${DEFAULT_SSL_POLICY}'.`,
        );
      }
    }
    if (props.alpnPolicy !== undefined) {
      if (props.protocol !== 'TLS')
        issues.add(
          'HALB_LISTENER_ALPN',
          `alpnPolicy is set on a ${props.protocol} listener; allowed: only on TLS listeners.`,
        );
      issues.oneOf('HALB_LISTENER_ALPN', 'alpnPolicy', props.alpnPolicy, ALPN_POLICIES);
    }
    if (props.tcpIdleTimeout !== undefined && props.protocol !== 'TCP' && props.protocol !== 'TLS') {
      issues.add(
        'HALB_LISTENER_TCP_IDLE_TIMEOUT',
        `tcpIdleTimeout is set on a ${props.protocol} listener; allowed: only on TCP and TLS listeners.`,
      );
    }
    issues.range(
      'HALB_LISTENER_TCP_IDLE_TIMEOUT',
      'tcpIdleTimeout',
      seconds(props.tcpIdleTimeout),
      LISTENER_LIMITS.tcpIdleTimeoutSeconds,
      'seconds',
    );
    props.mutualTls?.validate(issues, props.protocol);
    if (!props.defaultAction) {
      issues.add('HALB_LISTENER_DEFAULT_ACTION', 'the listener has no defaultAction; allowed: a ListenerAction.');
      issues.throwIfAny();
    }
    const defaultAction = props.defaultAction!;
    defaultAction.validate(issues, 'defaultAction', this);
    issues.throwIfAny();

    const sslPolicy = secure ? ((props.sslPolicy ?? DEFAULT_SSL_POLICY) as elbv2.SslPolicy) : undefined;
    if (context.lbType === 'application') {
      this.listener = new elbv2.ApplicationListener(this, 'Resource', {
        loadBalancer: context.loadBalancer as elbv2.IApplicationLoadBalancer,
        protocol: props.protocol as elbv2.ApplicationProtocol,
        port: props.port,
        certificates: secure ? certs : undefined,
        sslPolicy,
        defaultAction: defaultAction.toApplicationAction(),
        mutualAuthentication: props.mutualTls?.toElbv2(),
        open: false,
      });
    } else {
      this.listener = new elbv2.NetworkListener(this, 'Resource', {
        loadBalancer: context.loadBalancer as elbv2.INetworkLoadBalancer,
        protocol: props.protocol as elbv2.Protocol,
        port: props.port,
        certificates: secure ? certs : undefined,
        sslPolicy,
        alpnPolicy: props.alpnPolicy as elbv2.AlpnPolicy | undefined,
        tcpIdleTimeout: props.tcpIdleTimeout,
        defaultAction: defaultAction.toNetworkAction(),
      });
    }
    defaultAction.haTargetGroups.forEach((t) => t.markInUse());
    if (this.open) {
      for (const peer of context.clientPeers) {
        if (props.protocol !== 'UDP') {
          context.connections.allowFrom(
            peer,
            ec2.Port.tcp(props.port),
            `Clients to the ${props.protocol} listener on port ${props.port}`,
          );
        }
        if (props.protocol === 'UDP') {
          context.connections.allowFrom(
            peer,
            ec2.Port.udp(props.port),
            `Clients to the ${props.protocol} listener on port ${props.port}`,
          );
        }
        if (props.protocol === 'TCP_UDP')
          context.connections.allowFrom(
            peer,
            ec2.Port.udp(props.port),
            `Clients to the UDP side of port ${props.port}`,
          );
      }
    }
  }

  /** ARN of the listener. */
  public get listenerArn(): string {
    return this.listener.listenerArn;
  }

  /** The aws-cdk-lib ALB listener, or undefined on an NLB. */
  public get applicationListener(): elbv2.IApplicationListener | undefined {
    return this.lbType === 'application' ? (this.listener as elbv2.IApplicationListener) : undefined;
  }

  /** The aws-cdk-lib NLB listener, or undefined on an ALB. */
  public get networkListener(): elbv2.INetworkListener | undefined {
    return this.lbType === 'network' ? (this.listener as elbv2.INetworkListener) : undefined;
  }

  /** Rules in declaration order with their priorities. */
  public get rules(): readonly HaListenerRule[] {
    return this.#rules;
  }

  /**
   * Add a rule (ALB only). Without an explicit priority the rule gets the next multiple of 10 above
   * every priority declared before it, so appending a rule never changes an existing one.
   */
  public addRule(id: string, props: RuleProps): HaListenerRule {
    const issues = new IssueCollector(this);
    const label = `rule '${id}'`;
    if (this.lbType !== 'application') {
      issues.add(
        'HALB_RULE_NLB',
        `${label} is added to a ${this.protocol} listener of a Network Load Balancer; allowed: rules only on Application Load Balancer listeners.`,
      );
      issues.throwIfAny();
    }
    let priority: number;
    if (props.priority !== undefined) {
      priority = props.priority;
      if (!isUnresolved(priority)) {
        issues.range('HALB_RULE_PRIORITY_RANGE', `${label} priority`, priority, RULE_LIMITS.priority);
        const clash = this.#rules.find((r) => r.priority === priority);
        if (clash) {
          issues.add(
            'HALB_RULE_PRIORITY_DUPLICATE',
            `${label} priority is ${priority}, already used by rule '${clash.rule.node.id}'; allowed: a priority unique on this listener.`,
          );
        }
      }
    } else if (this.imported) {
      priority = 0;
      issues.add(
        'HALB_RULE_PRIORITY_REQUIRED',
        `${label} has no priority on an imported listener, whose existing rules are unknown; allowed: an explicit priority 1-${RULE_LIMITS.priority.max} that no existing rule uses.`,
      );
    } else {
      priority = (Math.floor(this.#highestPriority / PRIORITY_STEP) + 1) * PRIORITY_STEP;
      if (priority > RULE_LIMITS.priority.max) {
        issues.add(
          'HALB_RULE_PRIORITY_RANGE',
          `${label} would get priority ${priority}; allowed: at most ${RULE_LIMITS.priority.max}. Give rules explicit priorities.`,
        );
      }
    }
    validateConditions(issues, label, props.conditions);
    props.action.validate(issues, label, this);
    const transforms = props.transforms ?? [];
    validateTransforms(issues, label, transforms);
    const transformWarnings = transforms.map((t) => t.validate(issues, label));
    issues.throwIfAny();

    if (!isUnresolved(priority)) this.#highestPriority = Math.max(this.#highestPriority, priority);
    const rule = new elbv2.ApplicationListenerRule(this, id, {
      listener: this.listener as elbv2.IApplicationListener,
      priority,
      conditions: props.conditions.map((c) => c.toElbv2()),
      action: props.action.toApplicationAction(),
    });
    // aws-cdk-lib has no regex conditions or transforms (and releases before 2.22x drop the
    // properties from the L1 types), so they are written as overrides of the rendered rule.
    const cfn = rule.node.defaultChild as elbv2.CfnListenerRule;
    props.conditions.forEach((c, i) => {
      if (c.regexConfigKey) cfn.addPropertyOverride(`Conditions.${i}.${c.regexConfigKey}.RegexValues`, [...c.values]);
    });
    if (transforms.length > 0)
      cfn.addPropertyOverride(
        'Transforms',
        transforms.map((t) => t.toCfn()),
      );
    for (const w of transformWarnings) if (w) warn(rule, 'HALB_W_TRANSFORM_GROUP', `${rule.node.path}: ${w}`);
    props.action.haTargetGroups.forEach((t) => t.markInUse());
    const created = { priority, rule };
    this.#rules.push(created);
    return created;
  }

  /**
   * Create a target group on this listener's load balancer and a rule forwarding to it, in one
   * call (ALB). The target kind follows the targets (`IpTarget` → ip, ...).
   */
  public addTargets(id: string, props: AddTargetsProps): HaTargetGroup {
    if (this.lbType !== 'application') {
      const issues = new IssueCollector(this);
      issues.add(
        'HALB_RULE_NLB',
        `addTargets('${id}') on a ${this.protocol} listener of a Network Load Balancer; allowed: rules only on Application Load Balancer listeners (an NLB listener forwards to the target group of its default action).`,
      );
      issues.throwIfAny();
    }
    const { conditions, priority, transforms, ...targetGroupProps } = props;
    const targetGroup = this.#context.addTargetGroup(id, targetGroupProps);
    this.addRule(id, { conditions, priority, transforms, action: ListenerAction.forward([targetGroup]) });
    return targetGroup;
  }
}
