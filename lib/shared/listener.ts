import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { ALPN_POLICIES, DEFAULT_SSL_POLICY, LISTENER_LIMITS, RULE_LIMITS } from '@ha-load-balancer/spec';
import { ListenerAction } from './actions';
import { ListenerCondition, validateConditions } from './conditions';
import { isUnresolved, IssueCollector, seconds } from './errors';

/** Gap between automatically allocated rule priorities, leaving room for explicit ones in between. */
export const PRIORITY_STEP = 10;

export type ListenerProtocol = 'HTTP' | 'HTTPS' | 'TCP' | 'TLS' | 'UDP' | 'TCP_UDP';

export interface RuleProps {
  /** Conditions, all of which must match (docs/aws-behaviour.md §4.1). */
  readonly conditions: ListenerCondition[];
  /** What to do with a matching request. */
  readonly action: ListenerAction;
  /**
   * Explicit priority 1-50000; lower is evaluated first.
   * @default the next multiple of 10 above every priority declared before this rule
   */
  readonly priority?: number;
}

/** A rule as created: its allocated priority and the aws-cdk-lib construct. */
export interface HaListenerRule {
  readonly priority: number;
  readonly rule: elbv2.ApplicationListenerRule;
}

export interface ListenerContext {
  readonly lbType: 'application' | 'network';
  readonly owner: Construct;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer | elbv2.NetworkLoadBalancer;
  readonly connections: ec2.Connections;
  /** Peers allowed to reach the listener port. */
  readonly clientPeers: ec2.IPeer[];
}

export interface HaListenerProps {
  readonly protocol: ListenerProtocol;
  readonly port: number;
  readonly defaultAction: ListenerAction;
  readonly certificates?: elbv2.IListenerCertificate[];
  readonly sslPolicy?: string;
  readonly alpnPolicy?: string;
  readonly tcpIdleTimeout?: Duration;
  readonly open?: boolean;
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
  /** The underlying aws-cdk-lib listener. */
  public readonly listener: elbv2.ApplicationListener | elbv2.NetworkListener;
  readonly #rules: HaListenerRule[] = [];
  #highestPriority = 0;

  constructor(scope: Construct, id: string, props: HaListenerProps, context: ListenerContext) {
    super(scope, id);
    this.protocol = props.protocol;
    this.port = props.port;
    this.lbType = context.lbType;
    this.owner = context.owner;
    this.certificateCount = props.certificates?.length ?? 0;

    const issues = new IssueCollector(this);
    issues.range('HALB_LISTENER_PORT_RANGE', 'port', props.port, LISTENER_LIMITS.port);
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
    props.defaultAction.validate(issues, 'defaultAction', this);
    issues.throwIfAny();

    const sslPolicy = secure ? ((props.sslPolicy ?? DEFAULT_SSL_POLICY) as elbv2.SslPolicy) : undefined;
    if (context.lbType === 'application') {
      this.listener = new elbv2.ApplicationListener(this, 'Resource', {
        loadBalancer: context.loadBalancer as elbv2.ApplicationLoadBalancer,
        protocol: props.protocol as elbv2.ApplicationProtocol,
        port: props.port,
        certificates: secure ? certs : undefined,
        sslPolicy,
        defaultAction: props.defaultAction.toApplicationAction(),
        open: false,
      });
    } else {
      this.listener = new elbv2.NetworkListener(this, 'Resource', {
        loadBalancer: context.loadBalancer as elbv2.NetworkLoadBalancer,
        protocol: props.protocol as elbv2.Protocol,
        port: props.port,
        certificates: secure ? certs : undefined,
        sslPolicy,
        alpnPolicy: props.alpnPolicy as elbv2.AlpnPolicy | undefined,
        tcpIdleTimeout: props.tcpIdleTimeout,
        defaultAction: props.defaultAction.toNetworkAction(),
      });
    }
    props.defaultAction.targetGroups.forEach((t) => t.targetGroup.markInUse());
    if (props.open !== false) {
      const port =
        props.protocol === 'UDP'
          ? ec2.Port.udp(props.port)
          : props.protocol === 'TCP_UDP'
            ? ec2.Port.allTraffic()
            : ec2.Port.tcp(props.port);
      for (const peer of context.clientPeers) {
        context.connections.allowFrom(
          peer,
          props.protocol === 'TCP_UDP' ? ec2.Port.tcp(props.port) : port,
          `Clients to the ${props.protocol} listener on port ${props.port}`,
        );
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
    issues.throwIfAny();

    if (!isUnresolved(priority)) this.#highestPriority = Math.max(this.#highestPriority, priority);
    const rule = new elbv2.ApplicationListenerRule(this, id, {
      listener: this.listener as elbv2.ApplicationListener,
      priority,
      conditions: props.conditions.map((c) => c.toElbv2()),
      action: props.action.toApplicationAction(),
    });
    props.action.targetGroups.forEach((t) => t.targetGroup.markInUse());
    const created = { priority, rule };
    this.#rules.push(created);
    return created;
  }
}
