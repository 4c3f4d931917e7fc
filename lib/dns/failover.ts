import { Duration, Lazy, Token } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct, IConstruct } from 'constructs';
import {
  FAILOVER_ROLES,
  ROUTE53_DEFAULTS,
  ROUTE53_HEALTH_CHECK_REGIONS,
  ROUTE53_LIMITS,
  ROUTE53_REQUEST_INTERVALS,
} from '@ha-load-balancer/spec';
import { isUnresolved, IssueCollector, seconds, warn } from '../shared/errors';
import { canonicalName, qualify, validateDnsName } from './names';

/** Which side of an active-passive pair this stack declares (docs/aws-behaviour.md §7.4). */
export enum FailoverRole {
  PRIMARY = 'PRIMARY',
  SECONDARY = 'SECONDARY',
}

/** An existing public hosted zone, named without a lookup. */
export interface HostedZoneRef {
  readonly hostedZoneId: string;
  readonly zoneName: string;
}

/** A Route 53 health check on the load balancer's own endpoint (docs/aws-behaviour.md §7.1). */
export interface EndpointHealthCheckOptions {
  /**
   * Protocol of the check. Whatever is set, the check must probe a port and protocol that one of
   * the load balancer's listeners serves (checked at synth).
   * @default derived from the listeners at synth: ALB: HTTPS when there is an HTTPS listener, else HTTP; NLB: TCP
   */
  readonly protocol?: 'HTTP' | 'HTTPS' | 'TCP';
  /**
   * Port checked.
   * @default the port of the listener the check probes (443 or 80 first when several listeners serve the protocol)
   */
  readonly port?: number;
  /**
   * Path requested (HTTP/HTTPS), at most 255 characters.
   * @default '/'
   */
  readonly path?: string;
  /**
   * Time between checks: 10 or 30 seconds. Cannot change after creation.
   * @default 30 seconds
   */
  readonly interval?: Duration;
  /**
   * Consecutive results needed to flip the status, 1-10.
   * @default 3
   */
  readonly failureThreshold?: number;
  /**
   * Health-checker regions, at least three.
   * @default all regions
   */
  readonly regions?: string[];
}

export interface FailoverProps {
  /** The hosted zone holding the record. */
  readonly zone: HostedZoneRef;
  /**
   * Record name relative to the zone (`www`) or fully qualified (`www.example.com`, with or without
   * the final dot); compared with the zone case-insensitively, label by label.
   */
  readonly recordName: string;
  /** This stack's side of the pair. */
  readonly role: FailoverRole;
  /**
   * Unique id of this record within the pair, 1-128 characters.
   * @default the role in lower case, e.g. `primary`
   */
  readonly setIdentifier?: string;
  /**
   * A Route 53 health check on the load balancer endpoint, in addition to EvaluateTargetHealth.
   * @default no endpoint health check (the record still evaluates the load balancer's target health)
   */
  readonly healthCheck?: EndpointHealthCheckOptions;
  /**
   * Also publish an AAAA record (dual-stack load balancers).
   * @default true when the load balancer is dual-stack
   */
  readonly ipv6?: boolean;
}

/** A listener as the endpoint health check sees it. */
export interface FailoverListener {
  readonly protocol: string;
  readonly port: number;
  readonly open: boolean;
  readonly node: { readonly id: string };
}

export interface FailoverTarget {
  readonly dnsName: string;
  readonly canonicalHostedZoneId: string;
  readonly lbType: 'application' | 'network';
  readonly dualStack: boolean;
  readonly internetFacing: boolean;
  /** The load balancer's listeners when asked; asked again at synth, so listeners added later count. */
  readonly listeners: () => readonly FailoverListener[];
}

type CheckProtocol = 'HTTP' | 'HTTPS' | 'TCP';

/**
 * Which Route 53 check types reach a listener (§7.1): a TCP check only needs the port to accept
 * connections; HTTP/HTTPS checks need the listener to speak that protocol (an ALB listener its own;
 * an NLB TCP listener passes HTTP or HTTPS through to targets, a TLS listener HTTPS). A UDP port
 * cannot be checked.
 */
const CHECKS_A_LISTENER_ANSWERS: Readonly<Record<string, readonly CheckProtocol[]>> = {
  HTTP: ['HTTP', 'TCP'],
  HTTPS: ['HTTPS', 'TCP'],
  TCP: ['TCP', 'HTTP', 'HTTPS'],
  TLS: ['TCP', 'HTTPS'],
  TCP_UDP: ['TCP', 'HTTP', 'HTTPS'],
  UDP: [],
};

const WELL_KNOWN_PORT: Readonly<Record<string, number>> = { HTTP: 80, HTTPS: 443 };

/** The protocol and port an endpoint check probes, and the listener that serves them. */
export interface EndpointCheck {
  readonly protocol: CheckProtocol;
  readonly port: number;
  readonly listener: FailoverListener;
}

/**
 * Derive the endpoint check from the final listeners (docs/aws-behaviour.md §7.1): the listener
 * that serves the requested protocol and port, preferring listeners open to clients, HTTPS over
 * HTTP on an ALB (a TCP check on an NLB), the well-known port, then declaration order. Undefined
 * when no listener serves what was asked.
 */
export function resolveEndpointCheck(
  requested: { readonly protocol?: CheckProtocol; readonly port?: number },
  lbType: 'application' | 'network',
  listeners: readonly FailoverListener[],
): EndpointCheck | undefined {
  const candidates = listeners
    .map((listener, index) => {
      const answers = CHECKS_A_LISTENER_ANSWERS[listener.protocol] ?? [];
      const protocol: CheckProtocol | undefined =
        requested.protocol ?? (lbType === 'application' ? (listener.protocol as CheckProtocol) : 'TCP');
      return { listener, index, protocol, answers };
    })
    .filter((c) => c.answers.includes(c.protocol))
    .filter((c) => requested.port === undefined || c.listener.port === requested.port);
  const rank = (c: (typeof candidates)[number]) => [
    c.listener.open ? 0 : 1,
    c.protocol === 'HTTPS' ? 0 : 1,
    WELL_KNOWN_PORT[c.protocol] === c.listener.port ? 0 : 1,
    c.index,
  ];
  candidates.sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i] - rb[i];
    return 0;
  });
  const best = candidates[0];
  return best ? { protocol: best.protocol, port: best.listener.port, listener: best.listener } : undefined;
}

const FAILOVER_RECORD = Symbol.for('ha-load-balancer.FailoverRecord');

function isFailoverRecord(x: IConstruct): x is FailoverRecord {
  return FAILOVER_RECORD in x;
}

/**
 * One side of a Route 53 failover pair: an alias record to the load balancer with
 * EvaluateTargetHealth, and optionally a health check on the endpoint. Each regional stack declares
 * its own side; the two sides meet in the hosted zone, with no cross-region references. At synth,
 * every failover record of the app is compared with the others: one PRIMARY and one SECONDARY per
 * name and type, and set identifiers unique.
 */
export class FailoverRecord extends Construct {
  /** The fully qualified record name, lower case, without the final dot. */
  public readonly recordName: string;
  public readonly role: FailoverRole;
  public readonly setIdentifier: string;
  public readonly hostedZoneId: string;
  public readonly healthCheck?: route53.CfnHealthCheck;
  public readonly records: route53.CfnRecordSet[] = [];
  readonly #target: FailoverTarget;
  readonly #check?: EndpointHealthCheckOptions;

  constructor(scope: Construct, id: string, props: FailoverProps, target: FailoverTarget) {
    super(scope, id);
    Object.defineProperty(this, FAILOVER_RECORD, { value: true });
    this.#target = target;
    this.#check = props.healthCheck;
    this.role = props.role;
    this.hostedZoneId = props.zone.hostedZoneId;
    const issues = new IssueCollector(this);
    const zoneName = props.zone.zoneName;
    const recordName = props.recordName;
    if (isUnresolved(recordName)) {
      this.recordName = recordName;
    } else if (isUnresolved(zoneName)) {
      this.recordName = `${canonicalName(recordName)}.${zoneName}`;
    } else {
      validateDnsName(issues, 'HALB_R53_ZONE_NAME', 'zone.zoneName', zoneName);
      validateDnsName(issues, 'HALB_R53_RECORD_NAME', 'recordName', recordName);
      const q = qualify(recordName, zoneName);
      if ('outside' in q) {
        issues.add(
          'HALB_R53_RECORD_OUTSIDE_ZONE',
          `recordName '${recordName}' is not in the zone '${zoneName}' (names compare label by label, ignoring case); allowed: a name relative to the zone ('www') or one ending in '.${canonicalName(zoneName)}'.`,
        );
        this.recordName = q.outside;
      } else {
        this.recordName = q.fqdn;
        validateDnsName(issues, 'HALB_R53_RECORD_NAME', 'record name', q.fqdn);
      }
    }
    const setIdentifier = props.setIdentifier ?? props.role.toLowerCase();
    this.setIdentifier = setIdentifier;
    issues.range(
      'HALB_R53_SET_IDENTIFIER',
      'setIdentifier length',
      isUnresolved(setIdentifier) ? undefined : setIdentifier.length,
      ROUTE53_LIMITS.setIdentifierLength,
      'characters',
    );
    issues.oneOf('HALB_R53_ROLE', 'role', props.role, FAILOVER_ROLES);

    const hc = props.healthCheck;
    if (hc) {
      const interval = seconds(hc.interval);
      if (
        interval !== undefined &&
        !isUnresolved(interval) &&
        !(ROUTE53_REQUEST_INTERVALS as readonly number[]).includes(interval)
      ) {
        issues.add(
          'HALB_R53_INTERVAL',
          `healthCheck.interval is ${interval} seconds; allowed: ${ROUTE53_REQUEST_INTERVALS.join(' or ')} seconds.`,
        );
      }
      issues.range(
        'HALB_R53_FAILURE_THRESHOLD',
        'healthCheck.failureThreshold',
        hc.failureThreshold,
        ROUTE53_LIMITS.failureThreshold,
      );
      issues.range('HALB_R53_PORT', 'healthCheck.port', hc.port, ROUTE53_LIMITS.port);
      issues.oneOf('HALB_R53_PROTOCOL', 'healthCheck.protocol', hc.protocol, ['HTTP', 'HTTPS', 'TCP']);
      if (hc.path !== undefined && !isUnresolved(hc.path) && hc.path.length > ROUTE53_LIMITS.resourcePathLength.max) {
        issues.add(
          'HALB_R53_PATH',
          `healthCheck.path has ${hc.path.length} characters; allowed: at most ${ROUTE53_LIMITS.resourcePathLength.max}.`,
        );
      }
      if (hc.regions) {
        if (hc.regions.length < ROUTE53_LIMITS.minRegions) {
          issues.add(
            'HALB_R53_REGIONS',
            `healthCheck.regions has ${hc.regions.length} regions; allowed: at least ${ROUTE53_LIMITS.minRegions} of ${ROUTE53_HEALTH_CHECK_REGIONS.join(', ')}.`,
          );
        }
        for (const r of hc.regions) {
          issues.oneOf('HALB_R53_REGIONS', 'healthCheck.regions entry', r, ROUTE53_HEALTH_CHECK_REGIONS);
        }
      }
      if (!target.internetFacing) {
        warn(
          this,
          'HALB_W_R53_CHECK_INTERNAL',
          `${this.node.path}: Route 53 health checkers probe from the internet and cannot reach an internal load balancer; the endpoint check would always fail. Leave healthCheck out (EvaluateTargetHealth still applies).`,
        );
      }
    }
    issues.throwIfAny();

    if (hc) {
      // Protocol and port follow the listeners as they are at synth, not at this point of the program.
      const check = () => this.endpointCheck;
      this.healthCheck = new route53.CfnHealthCheck(this, 'HealthCheck', {
        healthCheckConfig: {
          type: Lazy.string({ produce: () => check()?.protocol ?? hc.protocol }),
          fullyQualifiedDomainName: target.dnsName,
          port: Lazy.number({ produce: () => check()?.port ?? hc.port }),
          resourcePath: Lazy.string({ produce: () => (check()?.protocol === 'TCP' ? undefined : (hc.path ?? '/')) }),
          requestInterval: seconds(hc.interval) ?? ROUTE53_DEFAULTS.requestIntervalSeconds,
          failureThreshold: hc.failureThreshold ?? ROUTE53_DEFAULTS.failureThreshold,
          regions: hc.regions,
          enableSni: Lazy.any({ produce: () => (check()?.protocol === 'HTTPS' ? true : undefined) }),
        },
        healthCheckTags: [{ key: 'Name', value: `${this.recordName} ${props.role.toLowerCase()}` }],
      });
    }

    const types = ['A', ...((props.ipv6 ?? target.dualStack) ? ['AAAA'] : [])];
    for (const type of types) {
      this.records.push(
        new route53.CfnRecordSet(this, type === 'A' ? 'Record' : 'RecordIpv6', {
          hostedZoneId: props.zone.hostedZoneId,
          name: Token.isUnresolved(this.recordName) ? this.recordName : `${this.recordName}.`,
          type,
          setIdentifier,
          failover: props.role,
          healthCheckId: this.healthCheck?.attrHealthCheckId,
          aliasTarget: {
            dnsName: target.dnsName,
            hostedZoneId: target.canonicalHostedZoneId,
            evaluateTargetHealth: true,
          },
        }),
      );
    }
    this.node.addValidation({ validate: () => this.validateAtSynth() });
  }

  /** What the endpoint health check probes, derived from the load balancer's listeners now. */
  public get endpointCheck(): EndpointCheck | undefined {
    if (!this.#check) return undefined;
    return resolveEndpointCheck(this.#check, this.#target.lbType, this.#target.listeners());
  }

  /** Record types published: A, and AAAA for dual-stack load balancers. */
  public get recordTypes(): string[] {
    return this.records.map((r) => r.type);
  }

  /** Checks that need the final listeners and every failover record of the app. */
  private validateAtSynth(): string[] {
    const issues = new IssueCollector(this);
    const hc = this.#check;
    if (hc) {
      const check = this.endpointCheck;
      if (!check) {
        const listeners = this.#target.listeners();
        const asked = [hc.protocol, hc.port].filter((x) => x !== undefined).join(' port ');
        const served = listeners.map((l) => `${l.protocol} ${l.port}`).join(', ') || 'none';
        issues.add(
          'HALB_R53_HEALTH_CHECK_LISTENER',
          `healthCheck probes ${asked ? asked : 'the load balancer'}, but no listener serves ${asked ? 'it' : 'a protocol Route 53 can check'} (listeners: ${served}); allowed: a protocol and port a listener serves (HTTP/HTTPS on a listener of that protocol, TCP on any TCP-based listener).`,
        );
      } else if (check.protocol === 'TCP' && hc.path !== undefined) {
        issues.add(
          'HALB_R53_PATH',
          `healthCheck.path is set on a TCP health check (probing ${check.listener.protocol} port ${check.port}); allowed: a path only with HTTP or HTTPS checks.`,
        );
      }
    }
    this.validateAcrossApp(issues);
    return issues.messages();
  }

  /** §8.6: one PRIMARY and one SECONDARY per name and type, and unique set identifiers, across all stacks of the app. */
  private validateAcrossApp(issues: IssueCollector): void {
    if ([this.recordName, this.hostedZoneId, this.setIdentifier].some((v) => isUnresolved(v))) return;
    const all = this.node.root.node.findAll().filter(isFailoverRecord);
    const mine = all.indexOf(this);
    for (const other of all.slice(0, mine)) {
      if ([other.recordName, other.hostedZoneId, other.setIdentifier].some((v) => isUnresolved(v))) continue;
      if (other.hostedZoneId !== this.hostedZoneId || other.recordName !== this.recordName) continue;
      const types = this.recordTypes.filter((t) => other.recordTypes.includes(t));
      if (types.length === 0) continue;
      const where = `${this.recordName}. (${types.join(', ')}) in hosted zone ${this.hostedZoneId}`;
      if (other.role === this.role) {
        issues.add(
          'HALB_R53_FAILOVER_DUPLICATE',
          `a second ${this.role} record for ${where}; the first is ${other.node.path}; allowed: one PRIMARY and one SECONDARY record per name and type.`,
        );
      }
      if (other.setIdentifier === this.setIdentifier) {
        issues.add(
          'HALB_R53_SET_IDENTIFIER_DUPLICATE',
          `setIdentifier '${this.setIdentifier}' of ${where} is also used by ${other.node.path}; allowed: a set identifier unique per name and type.`,
        );
      }
    }
  }
}
