import { Duration, Token } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import {
  FAILOVER_ROLES,
  ROUTE53_DEFAULTS,
  ROUTE53_HEALTH_CHECK_REGIONS,
  ROUTE53_LIMITS,
  ROUTE53_REQUEST_INTERVALS,
} from '@ha-load-balancer/spec';
import { isUnresolved, IssueCollector, seconds } from '../shared/errors';

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
   * Protocol of the check.
   * @default HTTPS when the load balancer has an HTTPS listener, else HTTP (TCP for NLBs)
   */
  readonly protocol?: 'HTTP' | 'HTTPS' | 'TCP';
  /**
   * Port checked.
   * @default 443 for HTTPS, 80 for HTTP, the first listener's port for TCP
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
  /** Record name relative to the zone (`www`) or fully qualified (`www.example.com`). */
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

export interface FailoverTarget {
  readonly dnsName: string;
  readonly canonicalHostedZoneId: string;
  readonly defaultHealthCheckProtocol: 'HTTP' | 'HTTPS' | 'TCP';
  readonly defaultTcpPort?: number;
  readonly dualStack: boolean;
}

/**
 * One side of a Route 53 failover pair: an alias record to the load balancer with
 * EvaluateTargetHealth, and optionally a health check on the endpoint. Each regional stack declares
 * its own side; the two sides meet in the hosted zone, with no cross-region references.
 */
export class FailoverRecord extends Construct {
  public readonly recordName: string;
  public readonly healthCheck?: route53.CfnHealthCheck;
  public readonly records: route53.CfnRecordSet[] = [];

  constructor(scope: Construct, id: string, props: FailoverProps, target: FailoverTarget) {
    super(scope, id);
    const issues = new IssueCollector(this);
    const zoneName = props.zone.zoneName.replace(/\.$/, '');
    const name = props.recordName.replace(/\.$/, '');
    this.recordName = isUnresolved(name) || name.endsWith(zoneName) ? name : `${name}.${zoneName}`;
    issues.range(
      'HALB_R53_RECORD_NAME',
      'recordName length',
      isUnresolved(this.recordName) ? undefined : this.recordName.length,
      ROUTE53_LIMITS.recordNameLength,
      'characters',
    );
    const setIdentifier = props.setIdentifier ?? props.role.toLowerCase();
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
      if (hc.path !== undefined && !isUnresolved(hc.path) && hc.path.length > ROUTE53_LIMITS.resourcePathLength.max) {
        issues.add(
          'HALB_R53_PATH',
          `healthCheck.path has ${hc.path.length} characters; allowed: at most ${ROUTE53_LIMITS.resourcePathLength.max}.`,
        );
      }
      const protocol = hc.protocol ?? target.defaultHealthCheckProtocol;
      if (protocol === 'TCP' && hc.path !== undefined) {
        issues.add(
          'HALB_R53_PATH',
          `healthCheck.path is set on a TCP health check; allowed: a path only with HTTP or HTTPS checks.`,
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
    }
    issues.throwIfAny();

    if (hc) {
      const protocol = hc.protocol ?? target.defaultHealthCheckProtocol;
      const port =
        hc.port ??
        (protocol === 'HTTPS'
          ? ROUTE53_DEFAULTS.httpsPort
          : protocol === 'HTTP'
            ? ROUTE53_DEFAULTS.httpPort
            : target.defaultTcpPort);
      this.healthCheck = new route53.CfnHealthCheck(this, 'HealthCheck', {
        healthCheckConfig: {
          type: protocol,
          fullyQualifiedDomainName: target.dnsName,
          port,
          resourcePath: protocol === 'TCP' ? undefined : (hc.path ?? '/'),
          requestInterval: seconds(hc.interval) ?? ROUTE53_DEFAULTS.requestIntervalSeconds,
          failureThreshold: hc.failureThreshold ?? ROUTE53_DEFAULTS.failureThreshold,
          regions: hc.regions,
          enableSni: protocol === 'HTTPS' ? true : undefined,
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
  }
}
