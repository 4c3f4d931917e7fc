/**
 * Hosted zones of an assembly (docs/aws-behaviour.md §7.3): which names the simulator's DNS server is
 * authoritative for. A zone comes from an `AWS::Route53::HostedZone` resource, from the
 * `HostedZoneName` of records, or only from the Route 53 id records name (a zone created outside the
 * app and imported by id). The last kind has no name in any template: simulator choice
 * `imported_zone_name` infers it from the names of its records.
 */
import type { HostedZoneModel, RecordSetModel } from './types';

/** How a record names its zone, before zones are known. */
export type ZoneReference =
  | { readonly kind: 'resource'; readonly id: string }
  | { readonly kind: 'id'; readonly value: string }
  | { readonly kind: 'name'; readonly value: string };

/** `Www.Example.COM.` → `www.example.com`. */
export function normalizeDnsName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** Labels of a (normalized) name, apex first reversed: `www.example.com` → ['com', 'example', 'www']. */
function reversedLabels(name: string): string[] {
  return name === '' ? [] : name.split('.').reverse();
}

/**
 * Simulator choice `imported_zone_name`: the zone of records known only by zone id is the longest
 * common label suffix of their names' parents, where a name of two labels or fewer counts as an apex
 * itself (`www.example.com` and `api.eu.example.com` → `example.com`; `example.com` → `example.com`).
 */
export function inferZoneName(recordNames: readonly string[]): string {
  const parents = recordNames.map((n) => {
    const labels = normalizeDnsName(n).split('.');
    return labels.length <= 2 ? labels.join('.') : labels.slice(1).join('.');
  });
  let common = reversedLabels(parents[0] ?? '');
  for (const p of parents.slice(1)) {
    const labels = reversedLabels(p);
    let i = 0;
    while (i < common.length && i < labels.length && common[i] === labels[i]) i++;
    common = common.slice(0, i);
  }
  return common.reverse().join('.');
}

/** True when `name` is `zone` or below it. */
export function inZone(name: string, zone: string): boolean {
  const n = normalizeDnsName(name);
  const z = normalizeDnsName(zone);
  return z === '' || n === z || n.endsWith(`.${z}`);
}

export interface ZoneResource {
  readonly id: string;
  readonly logicalId: string;
  readonly stackName: string;
  readonly path?: string;
  readonly name?: string;
  readonly private: boolean;
}

/**
 * The zones of the assembly and each record's zone id. Records whose zone cannot be told (no zone
 * reference, or a HostedZone resource without a literal name) keep `zone` undefined.
 */
export function assignZones(
  resources: readonly ZoneResource[],
  records: readonly { readonly record: RecordSetModel; readonly ref?: ZoneReference }[],
): { zones: HostedZoneModel[]; records: RecordSetModel[] } {
  const zones = new Map<string, HostedZoneModel>();
  for (const r of resources) {
    if (r.name === undefined) continue;
    zones.set(r.id, {
      id: r.id,
      name: normalizeDnsName(r.name),
      private: r.private,
      source: 'resource',
      logicalId: r.logicalId,
      stackName: r.stackName,
      ...(r.path ? { path: r.path } : {}),
    });
  }
  const byId = new Map<string, string[]>();
  for (const { record, ref } of records) {
    if (ref?.kind === 'id') byId.set(ref.value, [...(byId.get(ref.value) ?? []), record.name]);
  }
  for (const [hostedZoneId, names] of byId) {
    zones.set(`zone:${hostedZoneId}`, {
      id: `zone:${hostedZoneId}`,
      name: inferZoneName(names),
      hostedZoneId,
      private: false,
      source: 'inferred',
    });
  }
  const out = records.map(({ record, ref }) => {
    let zone: string | undefined;
    if (ref?.kind === 'resource' && zones.has(ref.id)) zone = ref.id;
    else if (ref?.kind === 'id') zone = `zone:${ref.value}`;
    else if (ref?.kind === 'name') {
      const name = normalizeDnsName(ref.value);
      const existing = [...zones.values()].find((z) => z.source !== 'inferred' && z.name === name);
      if (existing) zone = existing.id;
      else {
        zone = `zone:${name}`;
        zones.set(zone, { id: zone, name, private: false, source: 'named' });
      }
    }
    return zone === undefined ? record : { ...record, zone };
  });
  return { zones: [...zones.values()], records: out };
}
