import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { LB_IP_ADDRESS_TYPES, LOAD_BALANCER_TYPES, LoadBalancerTypeName } from '@ha-load-balancer/spec';
import { HaLoadBalancerBase, IpAddressType, LoadBalancerType } from './load-balancer-base';
import { IssueCollector } from './shared/errors';
import { HaListener, ListenerProtocol } from './shared/listener';

/** What is known about a load balancer created elsewhere. */
export interface HaLoadBalancerAttributes {
  /** Application or Network Load Balancer. */
  readonly type: LoadBalancerType;
  readonly loadBalancerArn: string;
  /** The VPC of the load balancer; new target groups are created in it. */
  readonly vpc: ec2.IVpc;
  /**
   * Its security groups; listeners open their ports in the first, target groups reach targets
   * from them. An ALB has at least one.
   * @default none (an NLB without security groups)
   */
  readonly securityGroupIds?: string[];
  /**
   * Its DNS name.
   * @default unknown
   */
  readonly dnsName?: string;
  /**
   * Its canonical hosted zone id.
   * @default unknown
   */
  readonly canonicalHostedZoneId?: string;
  /**
   * Its address type; with it, UDP listeners on a dual-stack NLB are refused.
   * @default unknown (not checked)
   */
  readonly ipAddressType?: IpAddressType;
  /**
   * Whether it is internet-facing, which decides who listeners admit by default.
   * @default true
   */
  readonly internetFacing?: boolean;
  /**
   * Who may reach new listeners.
   * @default anyone (IPv4, plus IPv6 when dual-stack) when internet-facing; the VPC's CIDR when internal
   */
  readonly allowedSources?: ec2.IPeer[];
}

/** A listener that exists already, to add rules to. */
export interface ImportListenerAttributes {
  readonly listenerArn: string;
  /** Its protocol: rules and authenticate actions are checked against it. */
  readonly protocol: ListenerProtocol;
  /** Its port. */
  readonly port: number;
}

/**
 * A load balancer created elsewhere that this library adds listeners, rules and target groups to.
 * Everything added is validated as on an `HaLoadBalancer`, as far as the facts are known: limits
 * that count the load balancer's existing listeners, rules or targets count only what is added here.
 */
export class ImportedHaLoadBalancer extends HaLoadBalancerBase {
  public readonly connections: ec2.Connections;
  /** The imported aws-cdk-lib load balancer. */
  public readonly loadBalancer: elbv2.IApplicationLoadBalancer | elbv2.INetworkLoadBalancer;
  readonly #clientPeers: ec2.IPeer[];

  /** Use `HaLoadBalancer.fromAttributes`. */
  constructor(scope: Construct, id: string, attrs: HaLoadBalancerAttributes) {
    super(scope, id, attrs.type, attrs.vpc, attrs.ipAddressType);
    const issues = new IssueCollector(this);
    const isAlb = attrs.type === LoadBalancerType.APPLICATION;
    issues.oneOf('HALB_LB_TYPE', 'type', attrs.type, LOAD_BALANCER_TYPES);
    issues.oneOf(
      'HALB_LB_IP_ADDRESS_TYPE',
      `ipAddressType of ${isAlb ? 'an Application' : 'a Network'} Load Balancer`,
      attrs.ipAddressType,
      LB_IP_ADDRESS_TYPES[attrs.type as LoadBalancerTypeName] ?? [],
    );
    const sgs = attrs.securityGroupIds ?? [];
    if (isAlb && sgs.length === 0) {
      issues.add(
        'HALB_IMPORT_SECURITY_GROUP',
        'securityGroupIds is empty for an Application Load Balancer; allowed: its security group ids (every ALB has at least one).',
      );
    }
    issues.throwIfAny();
    if (isAlb) {
      const alb = elbv2.ApplicationLoadBalancer.fromApplicationLoadBalancerAttributes(this, 'Resource', {
        loadBalancerArn: attrs.loadBalancerArn,
        securityGroupId: sgs[0],
        vpc: attrs.vpc,
        loadBalancerDnsName: attrs.dnsName,
        loadBalancerCanonicalHostedZoneId: attrs.canonicalHostedZoneId,
      });
      sgs
        .slice(1)
        .forEach((sg, i) =>
          alb.connections.addSecurityGroup(ec2.SecurityGroup.fromSecurityGroupId(this, `Sg${i + 1}`, sg)),
        );
      this.loadBalancer = alb;
    } else {
      this.loadBalancer = elbv2.NetworkLoadBalancer.fromNetworkLoadBalancerAttributes(this, 'Resource', {
        loadBalancerArn: attrs.loadBalancerArn,
        vpc: attrs.vpc,
        loadBalancerSecurityGroups: sgs.length > 0 ? sgs : undefined,
        loadBalancerDnsName: attrs.dnsName,
        loadBalancerCanonicalHostedZoneId: attrs.canonicalHostedZoneId,
      });
    }
    this.connections = this.loadBalancer.connections;
    const dual = attrs.ipAddressType !== undefined && attrs.ipAddressType !== IpAddressType.IPV4;
    this.#clientPeers =
      attrs.allowedSources ??
      ((attrs.internetFacing ?? true)
        ? [ec2.Peer.anyIpv4(), ...(dual ? [ec2.Peer.anyIpv6()] : [])]
        : [ec2.Peer.ipv4(attrs.vpc.vpcCidrBlock)]);
  }

  public get alb(): elbv2.IApplicationLoadBalancer | undefined {
    return this.type === LoadBalancerType.APPLICATION
      ? (this.loadBalancer as elbv2.IApplicationLoadBalancer)
      : undefined;
  }

  public get nlb(): elbv2.INetworkLoadBalancer | undefined {
    return this.type === LoadBalancerType.NETWORK ? (this.loadBalancer as elbv2.INetworkLoadBalancer) : undefined;
  }

  /**
   * A listener of this load balancer created elsewhere, to add rules (`addRule`, `addTargets`) to.
   * Its existing rules are unknown, so every rule needs an explicit priority.
   */
  public importListener(id: string, attrs: ImportListenerAttributes): HaListener {
    const existing =
      this.type === LoadBalancerType.APPLICATION
        ? elbv2.ApplicationListener.fromApplicationListenerAttributes(this, `${id}Import`, {
            listenerArn: attrs.listenerArn,
            securityGroup: this.connections.securityGroups[0],
            defaultPort: attrs.port,
          })
        : elbv2.NetworkListener.fromNetworkListenerArn(this, `${id}Import`, attrs.listenerArn);
    return this.addListener(id, attrs.protocol, { port: attrs.port }, existing);
  }

  protected get elbv2LoadBalancer(): elbv2.IApplicationLoadBalancer | elbv2.INetworkLoadBalancer {
    return this.loadBalancer;
  }

  protected get clientPeers(): ec2.IPeer[] {
    return this.#clientPeers;
  }
}
