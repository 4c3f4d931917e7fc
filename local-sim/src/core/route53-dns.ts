/**
 * What an authoritative Route 53 name server answers for one question (docs/aws-behaviour.md §7.3–§7.6),
 * as a pure function over the hosted zones and records of the model: the records chosen under their
 * routing policy with health applied, alias records expanded (a load balancer to the addresses the
 * shell gives for it, another name of the zones recursively), CNAME chasing inside the zones, and the
 * negative answers a DNS server gives: NXDOMAIN for a name that does not exist, NOERROR with no records
 * for a name without the type asked, both with the zone's SOA in the authority section, and REFUSED for
 * a name outside every zone. The wire format (dns-packet) and the sockets are in `live/dns-server.ts`.
 */
import type { HostedZoneModel, RecordSetModel } from '../model/types';
import { inZone, normalizeDnsName } from '../model/zones';
import { ELB_ALIAS_TTL_SECONDS, ROUTE53_SOA } from '@ha-load-balancer/spec';
import { candidates, pickAnswer, recordGroup, type HealthLookups } from './route53';
import type { Random } from './types';

/**
 * Name of the simulator's name server in SOA and NS answers. Under `.invalid` (RFC 2606), so no one
 * mistakes it for a real server; AWS's own servers are `ns-NNNN.awsdns-NN.*`.
 */
export const SIM_NAME_SERVER = 'ns.ha-sim.invalid';

/** Deepest chain of aliases and CNAMEs followed inside the zones. */
const MAX_CHAIN = 8;

export type DnsRcode = 'NOERROR' | 'NXDOMAIN' | 'REFUSED';

/** One resource record in presentation form (`data` as in a zone file, e.g. `10 mail.example.com`). */
export interface DnsRecordData {
  readonly name: string;
  readonly type: string;
  readonly ttl: number;
  readonly data: string;
}

export interface DnsAnswer {
  readonly rcode: DnsRcode;
  /** AA flag: the server is authoritative for the name (false with REFUSED). */
  readonly authoritative: boolean;
  readonly answers: readonly DnsRecordData[];
  /** The zone's SOA for negative answers (RFC 2308), else empty. */
  readonly authority: readonly DnsRecordData[];
  /** Name of the zone that answered, when one did. */
  readonly zone?: string;
}

export interface DnsLookups extends HealthLookups {
  /** Addresses a load balancer's DNS name resolves to (one per load-balancer node); empty when none for the type. */
  loadBalancerAddresses(loadBalancerId: string, type: 'A' | 'AAAA'): readonly string[];
  /** The load balancer whose own DNS name (`…elb.amazonaws.com`) this is, if any. */
  loadBalancerNamed?(name: string): string | undefined;
}

export interface DnsData {
  readonly hostedZones: readonly HostedZoneModel[];
  readonly recordSets: readonly RecordSetModel[];
}

/** The SOA Route 53 publishes at a zone's apex (§7.6 negative caching), in presentation form. */
export function soaRecord(zone: string): DnsRecordData {
  const s = ROUTE53_SOA;
  return {
    name: zone,
    type: 'SOA',
    ttl: s.ttlSeconds,
    data: `${SIM_NAME_SERVER} hostmaster.${zone} ${s.serial} ${s.refreshSeconds} ${s.retrySeconds} ${s.expireSeconds} ${s.minimumSeconds}`,
  };
}

/** The most specific zone that holds `name`, when one does. */
export function zoneOf(zones: readonly HostedZoneModel[], name: string): string | undefined {
  let best: string | undefined;
  for (const z of zones) {
    if (inZone(name, z.name) && (best === undefined || z.name.length > best.length)) best = z.name;
  }
  return best;
}

/** Records that belong to zone `zone` (several zones of one name, e.g. two imported ones, are merged). */
function recordsOfZone(data: DnsData, zone: string): RecordSetModel[] {
  const zoneName = new Map(data.hostedZones.map((z) => [z.id, z.name]));
  return data.recordSets.filter((r) => {
    const z = r.zone !== undefined ? zoneName.get(r.zone) : zoneOf(data.hostedZones, r.name);
    return z === zone && inZone(r.name, zone);
  });
}

const parentOf = (name: string) => name.slice(name.indexOf('.') + 1);

/**
 * The owner name whose records answer `q`: `q` itself when it has records or is an empty non-terminal
 * (a name with records below it), else a wildcard `*.<closest encloser>` when there is one (RFC 4592),
 * else undefined (NXDOMAIN).
 */
function ownerOf(q: string, zone: string, names: ReadonlySet<string>): string | undefined {
  const exists = (n: string) => n === zone || names.has(n) || [...names].some((x) => x.endsWith(`.${n}`));
  if (exists(q)) return q;
  for (let p = parentOf(q); inZone(p, zone) && p !== q; p = parentOf(p)) {
    if (names.has(`*.${p}`)) return `*.${p}`;
    if (exists(p)) return undefined;
    if (p === zone) break;
  }
  return undefined;
}

class Resolver {
  constructor(
    readonly data: DnsData,
    readonly lookups: DnsLookups,
    readonly random: Random,
  ) {}

  /** Records of one type at `owner`, answered as `name`, with aliases expanded. */
  rrset(owner: string, type: string, name: string, depth: number): DnsRecordData[] {
    const zone = zoneOf(this.data.hostedZones, owner);
    if (zone === undefined || depth > MAX_CHAIN) return [];
    const group = recordGroup(recordsOfZone(this.data, zone), owner, type);
    if (group.length === 0) return [];
    const picked = pickAnswer(candidates(group, this.lookups), this.random);
    return picked.flatMap((r) => this.values(r, type, name, depth));
  }

  values(r: RecordSetModel, type: string, name: string, depth: number): DnsRecordData[] {
    const alias = r.aliasTarget;
    if (!alias) return r.resourceRecords.map((data) => ({ name, type, ttl: r.ttl ?? 0, data }));
    const lbId = alias.loadBalancerId ?? (alias.dnsName ? this.lookups.loadBalancerNamed?.(alias.dnsName) : undefined);
    if (lbId !== undefined) {
      if (type !== 'A' && type !== 'AAAA') return [];
      // §7.6: an alias carries no TTL; Route 53 uses the load balancer's 60 s.
      return this.lookups
        .loadBalancerAddresses(lbId, type)
        .map((data) => ({ name, type, ttl: ELB_ALIAS_TTL_SECONDS, data }));
    }
    if (alias.dnsName !== undefined) {
      const target = normalizeDnsName(alias.dnsName);
      // An alias to another record of the zones answers with that record's values and TTL (§7.4).
      return this.rrset(target, type, name, depth + 1);
    }
    return [];
  }

  answer(qname: string, qtype: string): DnsAnswer {
    const q = normalizeDnsName(qname);
    const lbId = this.lookups.loadBalancerNamed?.(q);
    if (lbId !== undefined) {
      const types = qtype === 'ANY' ? ['A', 'AAAA'] : [qtype];
      const answers = types.flatMap((t) =>
        t === 'A' || t === 'AAAA'
          ? this.lookups
              .loadBalancerAddresses(lbId, t)
              .map((data) => ({ name: q, type: t, ttl: ELB_ALIAS_TTL_SECONDS, data }))
          : [],
      );
      return { rcode: 'NOERROR', authoritative: true, answers, authority: [] };
    }
    const zone = zoneOf(this.data.hostedZones, q);
    if (zone === undefined) return { rcode: 'REFUSED', authoritative: false, answers: [], authority: [] };
    const records = recordsOfZone(this.data, zone);
    const names = new Set(records.map((r) => normalizeDnsName(r.name)));
    const owner = ownerOf(q, zone, names);
    if (owner === undefined)
      return { rcode: 'NXDOMAIN', authoritative: true, answers: [], authority: [soaRecord(zone)], zone };
    const atOwner = records.filter((r) => normalizeDnsName(r.name) === owner);
    const types = qtype === 'ANY' ? [...new Set(atOwner.map((r) => r.type))] : [qtype];
    const answers: DnsRecordData[] = types.flatMap((t) => this.rrset(owner, t, q, 0));
    if (q === zone && (qtype === 'SOA' || qtype === 'ANY') && !atOwner.some((r) => r.type === 'SOA'))
      answers.push(soaRecord(zone));
    if (q === zone && (qtype === 'NS' || qtype === 'ANY') && !atOwner.some((r) => r.type === 'NS'))
      answers.push({ name: zone, type: 'NS', ttl: ROUTE53_SOA.ttlSeconds, data: SIM_NAME_SERVER });
    if (answers.length === 0 && qtype !== 'CNAME') answers.push(...this.chaseCname(owner, q, qtype));
    if (answers.length === 0)
      return { rcode: 'NOERROR', authoritative: true, answers: [], authority: [soaRecord(zone)], zone };
    return { rcode: 'NOERROR', authoritative: true, answers, authority: [], zone };
  }

  /** A CNAME at the name answers any type; a target inside the zones is followed (RFC 1034 §4.3.2). */
  chaseCname(owner: string, q: string, qtype: string): DnsRecordData[] {
    const out: DnsRecordData[] = [];
    let from = owner;
    let as = q;
    for (let depth = 0; depth < MAX_CHAIN; depth++) {
      const cname = this.rrset(from, 'CNAME', as, 0)[0];
      if (!cname) break;
      out.push(cname);
      const target = normalizeDnsName(cname.data);
      if (zoneOf(this.data.hostedZones, target) === undefined) break;
      const values = this.rrset(target, qtype, target, 0);
      if (values.length > 0) {
        out.push(...values);
        break;
      }
      from = target;
      as = target;
    }
    return out;
  }
}

/** The answer to one question (§7.3–§7.6); `random` draws weighted and multivalue answers. */
export function answerQuery(
  data: DnsData,
  qname: string,
  qtype: string,
  lookups: DnsLookups,
  random: Random,
): DnsAnswer {
  return new Resolver(data, lookups, random).answer(qname, qtype);
}

/**
 * §7.6 TTL a resolver caches one record for: its own TTL, 60 s for an alias to a load balancer, the
 * target's TTL for an alias to another record of the zones, and 60 s for an alias to anything else
 * (the TTL AWS publishes for load-balancer names; other services' names are taken to be alike).
 */
export function recordTtlSeconds(data: DnsData, r: RecordSetModel, depth = 0): number {
  const alias = r.aliasTarget;
  if (!alias) return r.ttl ?? 0;
  if (alias.loadBalancerId !== undefined || alias.dnsName === undefined || depth > MAX_CHAIN)
    return ELB_ALIAS_TTL_SECONDS;
  const target = data.recordSets.filter((x) => normalizeDnsName(x.name) === normalizeDnsName(alias.dnsName!));
  const same = target.filter((x) => x.type === r.type);
  return same.length > 0 ? Math.max(...same.map((x) => recordTtlSeconds(data, x, depth + 1))) : ELB_ALIAS_TTL_SECONDS;
}
