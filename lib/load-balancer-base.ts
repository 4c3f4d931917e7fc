import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct, IConstruct } from 'constructs';
import { ALB_PROTOCOLS, LOAD_BALANCER_LIMITS, LoadBalancerTypeName, NLB_PROTOCOLS } from '@ha-load-balancer/spec';
import { MutualTls } from './alb/mutual-tls';
import { ListenerAction } from './shared/actions';
import { isUnresolved, IssueCollector, warn } from './shared/errors';
import { HaListener, HaListenerProps, ListenerContext, ListenerProtocol } from './shared/listener';
import { HaTargetGroup, HaTargetGroupProps } from './shared/target-group';

/** Application (layer 7, HTTP/HTTPS) or Network (layer 4, TCP/UDP/TLS) load balancer. */
export enum LoadBalancerType {
  APPLICATION = 'application',
  NETWORK = 'network',
}

/** IP address families of the load balancer's front end. */
export enum IpAddressType {
  IPV4 = 'ipv4',
  DUAL_STACK = 'dualstack',
  /** ALB only, internet-facing only: IPv6 for clients, no public IPv4 addresses. */
  DUAL_STACK_WITHOUT_PUBLIC_IPV4 = 'dualstack-without-public-ipv4',
}

export interface HttpListenerProps {
  /**
   * Port.
   * @default 80
   */
  readonly port?: number;
  /** Action when no rule matches. */
  readonly defaultAction: ListenerAction;
  /**
   * Open the port to `allowedSources` in the security group.
   * @default true
   */
  readonly open?: boolean;
}

export interface HttpsListenerProps extends HttpListenerProps {
  /**
   * Port.
   * @default 443
   */
  readonly port?: number;
  /** Certificates; the first is the default. */
  readonly certificates: elbv2.IListenerCertificate[];
  /**
   * TLS security policy, one of the predefined ELB policies.
   * @default ELBSecurityPolicy-TLS13-1-2-2021-06 (TLS 1.3 and 1.2)
   */
  readonly sslPolicy?: string;
  /**
   * Also listen on HTTP port 80 (or this port) and redirect every request to this listener with a 301.
   * @default false
   */
  readonly redirectHttp?: boolean | number;
  /**
   * Mutual TLS: verify client certificates against a trust store, or pass them to the targets.
   * @default off (clients present no certificate)
   */
  readonly mutualTls?: MutualTls;
}

export interface NetworkListenerProps {
  /** Port. */
  readonly port: number;
  /** Forward action to exactly one target group. */
  readonly defaultAction: ListenerAction;
  /**
   * Open the port to `allowedSources`.
   * @default true
   */
  readonly open?: boolean;
  /**
   * TCP/TLS: idle timeout of flows, 60-6000 seconds.
   * @default 350 seconds
   */
  readonly tcpIdleTimeout?: Duration;
}

export interface TlsListenerProps extends NetworkListenerProps {
  /** Certificates; the first is the default. */
  readonly certificates: elbv2.IListenerCertificate[];
  /**
   * TLS security policy, one of the predefined ELB policies.
   * @default ELBSecurityPolicy-TLS13-1-2-2021-06
   */
  readonly sslPolicy?: string;
  /**
   * ALPN policy.
   * @default no ALPN negotiation
   */
  readonly alpnPolicy?: 'HTTP1Only' | 'HTTP2Only' | 'HTTP2Optional' | 'HTTP2Preferred' | 'None';
}

/**
 * A load balancer this library adds listeners, rules and target groups to: one it created
 * (`HaLoadBalancer`) or one created elsewhere (`HaLoadBalancer.fromAttributes`).
 */
export interface IHaLoadBalancer extends IConstruct, ec2.IConnectable {
  readonly type: LoadBalancerType;
  readonly vpc: ec2.IVpc;
  readonly loadBalancerArn: string;
  /** The aws-cdk-lib Application Load Balancer, or undefined for a Network Load Balancer. */
  readonly alb: elbv2.IApplicationLoadBalancer | undefined;
  /** The aws-cdk-lib Network Load Balancer, or undefined for an Application Load Balancer. */
  readonly nlb: elbv2.INetworkLoadBalancer | undefined;
  readonly listeners: readonly HaListener[];
  readonly targetGroups: readonly HaTargetGroup[];
  addTargetGroup(id: string, props?: HaTargetGroupProps): HaTargetGroup;
  addHttpListener(id: string, props: HttpListenerProps): HaListener;
  addHttpsListener(id: string, props: HttpsListenerProps): HaListener;
  addTcpListener(id: string, props: NetworkListenerProps): HaListener;
  addUdpListener(id: string, props: NetworkListenerProps): HaListener;
  addTcpUdpListener(id: string, props: NetworkListenerProps): HaListener;
  addTlsListener(id: string, props: TlsListenerProps): HaListener;
}

/**
 * Listeners, rules and target groups of a load balancer, and the rules that span them (counts per
 * load balancer, unused target groups), whether this library created the load balancer or not.
 */
export abstract class HaLoadBalancerBase extends Construct implements IHaLoadBalancer {
  public readonly type: LoadBalancerType;
  public readonly vpc: ec2.IVpc;
  public abstract readonly connections: ec2.Connections;
  readonly #listeners: HaListener[] = [];
  readonly #targetGroups: HaTargetGroup[] = [];
  /** The front end's address family, when known (an imported load balancer may not say). */
  readonly #ipAddressType?: IpAddressType;

  protected constructor(scope: Construct, id: string, type: LoadBalancerType, vpc: ec2.IVpc, ip?: IpAddressType) {
    super(scope, id);
    this.type = type;
    this.vpc = vpc;
    this.#ipAddressType = ip;
    this.node.addValidation({ validate: () => this.validateAcrossConstructs().messages() });
  }

  /** The aws-cdk-lib load balancer listeners attach to. */
  protected abstract get elbv2LoadBalancer(): elbv2.IApplicationLoadBalancer | elbv2.INetworkLoadBalancer;

  /** Who may reach listeners that open their ports. */
  protected abstract get clientPeers(): ec2.IPeer[];

  public abstract get alb(): elbv2.IApplicationLoadBalancer | undefined;
  public abstract get nlb(): elbv2.INetworkLoadBalancer | undefined;

  /** ARN of the load balancer. */
  public get loadBalancerArn(): string {
    return this.elbv2LoadBalancer.loadBalancerArn;
  }

  /** Listeners in declaration order. */
  public get listeners(): readonly HaListener[] {
    return this.#listeners;
  }

  /** Target groups in declaration order. */
  public get targetGroups(): readonly HaTargetGroup[] {
    return this.#targetGroups;
  }

  /** Add a target group; it serves this load balancer only. */
  public addTargetGroup(id: string, props: HaTargetGroupProps = {}): HaTargetGroup {
    const tg = new HaTargetGroup(this, id, props, {
      lbType: this.type as LoadBalancerTypeName,
      vpc: this.vpc,
      owner: this,
      connections: this.connections,
      onFirstUse: (used) => this.targetGroupInUse(used),
    });
    this.#targetGroups.push(tg);
    return tg;
  }

  /** HTTP listener (ALB). */
  public addHttpListener(id: string, props: HttpListenerProps): HaListener {
    return this.addListener(id, 'HTTP', { ...props, port: props.port ?? 80 });
  }

  /** HTTPS listener (ALB) with a modern TLS policy; `redirectHttp: true` adds the port 80 redirect. */
  public addHttpsListener(id: string, props: HttpsListenerProps): HaListener {
    const port = props.port ?? 443;
    const listener = this.addListener(id, 'HTTPS', { ...props, port });
    if (props.redirectHttp !== undefined && props.redirectHttp !== false) {
      this.addListener(`${id}Redirect`, 'HTTP', {
        port: props.redirectHttp === true ? 80 : props.redirectHttp,
        defaultAction: ListenerAction.redirect({ protocol: 'HTTPS', port: String(port), permanent: true }),
        open: props.open,
      });
    }
    return listener;
  }

  /** TCP listener (NLB). */
  public addTcpListener(id: string, props: NetworkListenerProps): HaListener {
    return this.addListener(id, 'TCP', props);
  }

  /** UDP listener (NLB). */
  public addUdpListener(id: string, props: NetworkListenerProps): HaListener {
    return this.addListener(id, 'UDP', props);
  }

  /** TCP and UDP on one port (NLB). */
  public addTcpUdpListener(id: string, props: NetworkListenerProps): HaListener {
    return this.addListener(id, 'TCP_UDP', props);
  }

  /** TLS listener (NLB) terminating TLS with a modern policy. */
  public addTlsListener(id: string, props: TlsListenerProps): HaListener {
    return this.addListener(id, 'TLS', props);
  }

  /** Called once per target group, when a listener or rule first forwards to it. */
  protected targetGroupInUse(_tg: HaTargetGroup): void {}

  /** The context listeners of this load balancer are built with. */
  protected listenerContext(existing?: ListenerContext['existing']): ListenerContext {
    return {
      lbType: this.type as LoadBalancerTypeName,
      owner: this,
      loadBalancer: this.elbv2LoadBalancer,
      connections: this.connections,
      clientPeers: this.clientPeers,
      addTargetGroup: (id, props) => this.addTargetGroup(id, props),
      existing,
    };
  }

  /** Validate a listener's place on this load balancer and create it. */
  protected addListener(
    id: string,
    protocol: ListenerProtocol,
    props: Omit<HaListenerProps, 'protocol'>,
    existing?: ListenerContext['existing'],
  ): HaListener {
    const { port } = props;
    const isAlb = this.type === LoadBalancerType.APPLICATION;
    const allowed: readonly ListenerProtocol[] = isAlb ? ALB_PROTOCOLS : NLB_PROTOCOLS;
    const issues = new IssueCollector(this);
    if (!allowed.includes(protocol)) {
      issues.add(
        'HALB_LISTENER_PROTOCOL',
        `listener '${id}' uses ${protocol}; allowed on ${isAlb ? 'an Application' : 'a Network'} Load Balancer: ${allowed.join(', ')}.`,
      );
    }
    const clash = this.#listeners.find((l) => l.port === port && !isUnresolved(port) && overlaps(l.protocol, protocol));
    if (clash) {
      issues.add(
        'HALB_LISTENER_PORT_DUPLICATE',
        `listener '${id}' uses port ${port}, already used by listener '${clash.node.id}'; allowed: one listener per port and protocol.`,
      );
    }
    const ip = this.#ipAddressType;
    if (ip !== undefined && ip !== IpAddressType.IPV4 && (protocol === 'UDP' || protocol === 'TCP_UDP')) {
      issues.add(
        'HALB_DUALSTACK_UDP',
        `listener '${id}' uses ${protocol} on a dual-stack load balancer; allowed: TCP or TLS (UDP needs ipAddressType IPV4).`,
      );
    }
    issues.throwIfAny();
    const listener = new HaListener(this, id, { ...props, protocol }, this.listenerContext(existing));
    this.#listeners.push(listener);
    return listener;
  }

  /**
   * Tier 2: rules that span constructs, reported together at synth. Subclasses add their own to
   * the collector they get back.
   */
  protected validateAcrossConstructs(): IssueCollector {
    const issues = new IssueCollector(this);
    const isAlb = this.type === LoadBalancerType.APPLICATION;
    issues.maxCount(
      'HALB_LB_LISTENER_COUNT',
      'listeners on this load balancer',
      this.#listeners.length,
      LOAD_BALANCER_LIMITS.listenersPerLoadBalancer,
    );
    if (isAlb) {
      const rules = this.#listeners.reduce((n, l) => n + l.rules.length, 0);
      issues.maxCount(
        'HALB_LB_RULE_COUNT',
        'rules on this Application Load Balancer (default rules excluded)',
        rules,
        LOAD_BALANCER_LIMITS.rulesPerAlb,
      );
      issues.maxCount(
        'HALB_LB_TARGET_GROUP_COUNT',
        'target groups on this Application Load Balancer',
        this.#targetGroups.length,
        LOAD_BALANCER_LIMITS.targetGroupsPerAlb,
      );
    }
    const targets = this.#targetGroups.reduce((n, tg) => n + tg.targetCount, 0);
    issues.maxCount(
      'HALB_LB_TARGET_COUNT',
      `targets registered across the target groups of this ${isAlb ? 'Application' : 'Network'} Load Balancer`,
      targets,
      isAlb ? LOAD_BALANCER_LIMITS.targetsPerAlb : LOAD_BALANCER_LIMITS.targetsPerNlb,
    );
    const extraCerts = this.#listeners.reduce((n, l) => n + Math.max(0, l.certificateCount - 1), 0);
    issues.maxCount(
      'HALB_LB_CERTIFICATE_COUNT',
      'certificates besides the default ones',
      extraCerts,
      LOAD_BALANCER_LIMITS.certificatesPerLoadBalancer,
    );
    for (const tg of this.#targetGroups) {
      if (!tg.inUse) {
        warn(
          tg,
          'HALB_W_TARGET_GROUP_UNUSED',
          `${tg.node.path} is not used by any listener or rule; AWS reports its targets as unused (Target.NotInUse) and never health-checks them.`,
        );
      }
    }
    // Judged on the final set of listeners, whichever was declared first.
    if (isAlb && this.#listeners.some((l) => l.protocol === 'HTTPS')) {
      for (const l of this.#listeners) {
        if (l.protocol === 'HTTP' && !l.imported && l.defaultAction?.kind !== 'redirect') {
          warn(
            l,
            'HALB_W_HTTP_WITHOUT_REDIRECT',
            `${l.node.path}: plain HTTP listener beside an HTTPS listener; consider redirectHttp: true.`,
          );
        }
      }
    }
    return issues;
  }
}

function overlaps(a: ListenerProtocol, b: ListenerProtocol): boolean {
  const tcp = (p: ListenerProtocol) => p !== 'UDP';
  const udp = (p: ListenerProtocol) => p === 'UDP' || p === 'TCP_UDP';
  return (tcp(a) && tcp(b)) || (udp(a) && udp(b));
}
