/**
 * Route 53 hosted zones and record sets as the API shows them, derived from the model's record sets, and
 * `ChangeResourceRecordSets` as a pure model → model function.
 *
 * Hosted zones: records are grouped by their `HostedZoneId` (or `HostedZoneName`). The zone's name is the
 * record's `HostedZoneName` when the template gives one; a zone imported by id only (as CDK's
 * `HostedZone.fromHostedZoneAttributes` writes it) has its name inferred from its records: their longest
 * common label suffix, less the first label when that suffix is itself a record's name with more than two
 * labels (`www.example.com` alone → `example.com`). The template carries nothing better.
 */
import {
  ELB_CANONICAL_HOSTED_ZONE_IDS_US_EAST_1,
  FAILOVER_ROLES,
  ROUTE53_LIMITS,
  inRange,
  type FailoverRoleName,
} from '@ha-load-balancer/spec';
import type { RecordSetModel, SimModel } from '../../model/types';
import { canonicalHostedZoneId, healthCheckApiId, hostedZoneIdForName, loadBalancerDnsName } from '../../model/ids';
import { ApiError } from '../errors';
import type { XmlNode } from '../xml';

export interface HostedZone {
  /** Without the `/hostedzone/` prefix. */
  readonly id: string;
  /** Lower case, with the trailing dot (`example.com.`). */
  readonly name: string;
  readonly records: readonly RecordSetModel[];
}

/** `www.Example.com` / `www.example.com.` → `www.example.com` (Route 53 names are case-insensitive). */
export function normalizeName(name: string): string {
  return name.replace(/\\052/g, '*').toLowerCase().replace(/\.$/, '');
}

/** Route 53 writes names with a trailing dot and `*` as `\052`. */
function apiName(name: string): string {
  return `${normalizeName(name).replace(/\*/g, '\\052')}.`;
}

function stripZonePrefix(id: string): string {
  return id.replace(/^\/?hostedzone\//, '');
}

function inferZoneName(names: readonly string[]): string {
  const split = names.map((n) => normalizeName(n).split('.'));
  const common: string[] = [];
  for (let i = 1; ; i++) {
    const label = split[0][split[0].length - i];
    if (label === undefined || !split.every((s) => s[s.length - i] === label)) break;
    common.unshift(label);
  }
  const suffix = common.join('.');
  if (common.length > 2 && names.some((n) => normalizeName(n) === suffix)) return common.slice(1).join('.');
  return suffix;
}

/** Hosted zones of the model, sorted as ListHostedZones sorts them (by name, labels reversed). */
export function hostedZones(model: SimModel): HostedZone[] {
  const groups = new Map<string, { records: RecordSetModel[]; name?: string }>();
  for (const r of model.recordSets) {
    let id: string;
    let name: string | undefined;
    if (r.hostedZoneId !== undefined) {
      id = stripZonePrefix(r.hostedZoneId);
      name = r.hostedZoneName;
    } else {
      name = r.hostedZoneName ?? inferZoneName([r.name]);
      id = hostedZoneIdForName(normalizeName(name));
    }
    const g = groups.get(id) ?? { records: [] };
    g.records.push(r);
    g.name ??= name;
    groups.set(id, g);
  }
  const zones = [...groups].map(([id, g]) => ({
    id,
    name: `${normalizeName(g.name ?? inferZoneName(g.records.map((r) => r.name)))}.`,
    records: g.records,
  }));
  return zones.sort((a, b) => reversed(a.name).localeCompare(reversed(b.name)) || a.id.localeCompare(b.id));
}

export function findZone(model: SimModel, id: string): HostedZone {
  const wanted = stripZonePrefix(id);
  const zone = hostedZones(model).find((z) => z.id === wanted);
  if (!zone) throw new ApiError('NoSuchHostedZone', `No hosted zone found with ID: ${wanted}`, 404);
  return zone;
}

/** `www.example.com.` → `com.example.www`: the order ListResourceRecordSets and ListHostedZones use. */
export function reversed(name: string): string {
  return normalizeName(name).split('.').reverse().join('.');
}

/** Sort key of a record: name (labels reversed), type, set identifier. */
export function recordOrder(a: RecordSetModel, b: RecordSetModel): number {
  return (
    reversed(a.name).localeCompare(reversed(b.name)) ||
    a.type.localeCompare(b.type) ||
    (a.setIdentifier ?? '').localeCompare(b.setIdentifier ?? '')
  );
}

/** The Route 53 id of a record's health check (a modelled check's UUID, or the literal id). */
function healthCheckIdOf(model: SimModel, id: string): string {
  const hc = model.healthChecks.find((h) => h.id === id || h.logicalId === id);
  return hc ? healthCheckApiId(hc) : id;
}

/** A record in the API's `ResourceRecordSet` shape. */
export function recordShape(model: SimModel, r: RecordSetModel): XmlNode {
  const alias = r.aliasTarget;
  const lb = alias?.loadBalancerId ? model.loadBalancers.find((b) => b.id === alias.loadBalancerId) : undefined;
  return {
    Name: apiName(r.name),
    Type: r.type,
    SetIdentifier: r.setIdentifier,
    Weight: r.weight,
    Failover: r.failover,
    TTL: alias ? undefined : r.ttl,
    ResourceRecords: alias ? undefined : { ResourceRecord: r.resourceRecords.map((Value) => ({ Value })) },
    AliasTarget: alias
      ? {
          HostedZoneId: lb ? canonicalHostedZoneId(lb) : (alias.hostedZoneId ?? ''),
          DNSName: lb ? `${loadBalancerDnsName(lb)}.` : apiName(alias.dnsName ?? ''),
          EvaluateTargetHealth: alias.evaluateTargetHealth,
        }
      : undefined,
    HealthCheckId: r.healthCheckId !== undefined ? healthCheckIdOf(model, r.healthCheckId) : undefined,
  };
}

// ---- ChangeResourceRecordSets ---------------------------------------------------------------------------

/** A `ResourceRecordSet` of a change request, as parsed from its XML. */
export interface ApiRecordSet {
  readonly name: string;
  readonly type: string;
  readonly setIdentifier?: string;
  readonly weight?: number;
  readonly failover?: string;
  readonly ttl?: number;
  readonly resourceRecords?: readonly string[];
  readonly aliasTarget?: {
    readonly hostedZoneId: string;
    readonly dnsName: string;
    readonly evaluateTargetHealth: boolean;
  };
  readonly healthCheckId?: string;
}

export interface RecordChange {
  readonly action: 'CREATE' | 'DELETE' | 'UPSERT';
  readonly record: ApiRecordSet;
}

export const RECORD_TYPES = [
  'A',
  'AAAA',
  'CAA',
  'CNAME',
  'DS',
  'HTTPS',
  'MX',
  'NAPTR',
  'NS',
  'PTR',
  'SOA',
  'SPF',
  'SRV',
  'SSHFP',
  'SVCB',
  'TLSA',
  'TXT',
] as const;

const WEIGHT = { min: 0, max: 255 } as const;

function describe(r: { name: string; type: string; setIdentifier?: string }): string {
  const set = r.setIdentifier !== undefined ? `, set-identifier='${r.setIdentifier}'` : '';
  return `[name='${apiName(r.name)}', type='${r.type}'${set}]`;
}

function invalidBatch(message: string): ApiError {
  return new ApiError('InvalidChangeBatch', message);
}

function invalidInput(message: string): ApiError {
  return new ApiError('InvalidInput', `Invalid request: ${message}`);
}

/** One record of a change, checked (§8.5, §8.6) and turned into a model record. */
function toModel(
  model: SimModel,
  zone: HostedZone,
  r: ApiRecordSet,
  identity: Pick<RecordSetModel, 'id' | 'logicalId' | 'stackName' | 'path'>,
): RecordSetModel {
  const name = normalizeName(r.name);
  const zoneName = normalizeName(zone.name);
  if (!inRange(name.length, ROUTE53_LIMITS.recordNameLength)) throw invalidInput(`the name ${describe(r)} is too long`);
  if (name !== zoneName && !name.endsWith(`.${zoneName}`)) {
    throw invalidBatch(`RRSet with DNS name ${apiName(name)} is not permitted in zone ${zone.name}`);
  }
  if (!(RECORD_TYPES as readonly string[]).includes(r.type))
    throw invalidInput(`'${r.type}' is not a valid record type`);
  if (r.type === 'CNAME' && name === zoneName) {
    throw invalidBatch(
      `RRSet of type CNAME with DNS name ${apiName(name)} is not permitted at apex in zone ${zone.name}`,
    );
  }
  const plain = r.ttl !== undefined && r.resourceRecords !== undefined && r.resourceRecords.length > 0;
  if ((r.aliasTarget !== undefined) === plain || (r.aliasTarget && (r.ttl !== undefined || r.resourceRecords))) {
    throw invalidInput(`Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords]] in ${describe(r)}`);
  }
  if (r.ttl !== undefined && !inRange(r.ttl, ROUTE53_LIMITS.ttl))
    throw invalidInput(`TTL ${r.ttl} is out of range in ${describe(r)}`);
  const routed = r.failover !== undefined || r.weight !== undefined;
  if (r.setIdentifier !== undefined && !inRange(r.setIdentifier.length, ROUTE53_LIMITS.setIdentifierLength)) {
    throw invalidInput(`SetIdentifier must have 1-128 characters in ${describe(r)}`);
  }
  if (routed && r.setIdentifier === undefined)
    throw invalidInput(`A SetIdentifier is required with Failover or Weight in ${describe(r)}`);
  if (!routed && r.setIdentifier !== undefined) {
    throw invalidInput(`A SetIdentifier is allowed only with a routing policy (Failover or Weight) in ${describe(r)}`);
  }
  if (r.failover !== undefined && r.weight !== undefined)
    throw invalidInput(`Failover and Weight cannot both be set in ${describe(r)}`);
  if (r.failover !== undefined && !(FAILOVER_ROLES as readonly string[]).includes(r.failover)) {
    throw invalidInput(`Failover must be PRIMARY or SECONDARY in ${describe(r)}`);
  }
  if (r.weight !== undefined && !inRange(r.weight, WEIGHT))
    throw invalidInput(`Weight must be 0-255 in ${describe(r)}`);
  let healthCheckId: string | undefined;
  if (r.healthCheckId !== undefined) {
    const hc = model.healthChecks.find((h) => healthCheckApiId(h) === r.healthCheckId);
    if (!hc) throw new ApiError('NoSuchHealthCheck', `A health check with id ${r.healthCheckId} does not exist.`, 404);
    healthCheckId = hc.id;
  }
  let aliasTarget: RecordSetModel['aliasTarget'];
  if (r.aliasTarget) {
    const dns = normalizeName(r.aliasTarget.dnsName).replace(/^dualstack\./, '');
    const lb = model.loadBalancers.find((b) => normalizeName(loadBalancerDnsName(b)) === dns);
    const elbZones: readonly string[] = Object.values(ELB_CANONICAL_HOSTED_ZONE_IDS_US_EAST_1);
    if (
      elbZones.includes(r.aliasTarget.hostedZoneId) &&
      (!lb || canonicalHostedZoneId(lb) !== r.aliasTarget.hostedZoneId)
    ) {
      throw invalidBatch(
        `Tried to create an alias that targets ${apiName(dns)}, type ${r.type} in zone ${r.aliasTarget.hostedZoneId}, but the alias target name does not lie within the target zone`,
      );
    }
    aliasTarget = lb
      ? { evaluateTargetHealth: r.aliasTarget.evaluateTargetHealth, loadBalancerId: lb.id }
      : {
          dnsName: dns,
          hostedZoneId: r.aliasTarget.hostedZoneId,
          evaluateTargetHealth: r.aliasTarget.evaluateTargetHealth,
        };
  }
  return {
    ...identity,
    kind: 'RecordSet',
    name: `${name}.`,
    type: r.type,
    hostedZoneId: zone.id,
    hostedZoneName: zone.name,
    ...(r.setIdentifier !== undefined ? { setIdentifier: r.setIdentifier } : {}),
    ...(r.failover !== undefined ? { failover: r.failover as FailoverRoleName } : {}),
    ...(r.weight !== undefined ? { weight: r.weight } : {}),
    ...(r.ttl !== undefined ? { ttl: r.ttl } : {}),
    resourceRecords: r.resourceRecords ?? [],
    ...(aliasTarget ? { aliasTarget } : {}),
    ...(healthCheckId !== undefined ? { healthCheckId } : {}),
  };
}

const sameRecord = (a: { name: string; type: string; setIdentifier?: string }, b: typeof a): boolean =>
  normalizeName(a.name) === normalizeName(b.name) && a.type === b.type && a.setIdentifier === b.setIdentifier;

const policyOf = (r: RecordSetModel): string =>
  r.failover ? 'failover' : r.weight !== undefined ? 'weighted' : 'simple';

/** The values a DELETE must repeat exactly (AWS compares the whole record set). */
function sameValues(model: SimModel, a: RecordSetModel, b: RecordSetModel): boolean {
  return JSON.stringify(recordShape(model, a)) === JSON.stringify(recordShape(model, b));
}

/**
 * Apply a change batch to one zone, all or nothing, in order (§8.5 record rules): CREATE of an existing
 * record, DELETE of a missing one or with other values, routing policies mixed under one name and type, and
 * two records with the same failover role are `InvalidChangeBatch`. Returns the new model.
 */
export function changeRecordSets(
  model: SimModel,
  zoneId: string,
  changes: readonly RecordChange[],
  newId: () => string,
): SimModel {
  const zone = findZone(model, zoneId);
  if (changes.length === 0) throw invalidInput('the change batch has no changes');
  let records = [...model.recordSets];
  for (const change of changes) {
    const existing = records.find((r) => inZone(r, zone) && sameRecord(r, change.record));
    const identity = existing
      ? {
          id: existing.id,
          logicalId: existing.logicalId,
          stackName: existing.stackName,
          ...(existing.path ? { path: existing.path } : {}),
        }
      : { id: newId(), logicalId: 'ApiRecordSet', stackName: zone.records[0]?.stackName ?? '' };
    const record = toModel(model, zone, change.record, identity);
    if (change.action === 'CREATE' && existing) {
      throw invalidBatch(`Tried to create resource record set ${describe(change.record)} but it already exists`);
    }
    if (change.action === 'DELETE') {
      if (!existing)
        throw invalidBatch(`Tried to delete resource record set ${describe(change.record)} but it was not found`);
      if (!sameValues(model, existing, record)) {
        throw invalidBatch(
          `Tried to delete resource record set ${describe(change.record)} but the values provided do not match the current values`,
        );
      }
      records = records.filter((r) => r !== existing);
      continue;
    }
    const siblings = records.filter(
      (r) =>
        r !== existing &&
        inZone(r, zone) &&
        normalizeName(r.name) === normalizeName(record.name) &&
        r.type === record.type,
    );
    const clash = siblings.find((r) => policyOf(r) !== policyOf(record) || policyOf(r) === 'simple');
    if (clash) {
      throw invalidBatch(
        `RRSet with DNS name ${apiName(record.name)}, type ${record.type}${record.setIdentifier ? `, SetIdentifier ${record.setIdentifier}` : ''} cannot be created because a ${policyOf(clash)} record set exists with the same name and type`,
      );
    }
    if (record.failover && siblings.some((r) => r.failover === record.failover)) {
      throw invalidBatch(
        `A ${record.failover} record set already exists for ${apiName(record.name)}, type ${record.type}`,
      );
    }
    records = existing ? records.map((r) => (r === existing ? record : r)) : [...records, record];
  }
  return { ...model, recordSets: records };
}

/** In the zone before the batch, or added to it by an earlier change of the batch. */
function inZone(r: RecordSetModel, zone: HostedZone): boolean {
  return zone.records.includes(r) || (r.hostedZoneId !== undefined && stripZonePrefix(r.hostedZoneId) === zone.id);
}
