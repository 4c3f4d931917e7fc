/**
 * DNS wire format for the simulator's name server, without sockets: a query packet in, a response packet
 * out (dns-packet does the encoding). The answer itself comes from the engine (`core/route53-dns.ts`);
 * this module only turns it into RFC 1035 bytes and answers malformed or unsupported packets the way a
 * name server does: FORMERR for a packet it cannot parse or with other than one question, NOTIMP for
 * other opcodes, REFUSED for classes other than IN, nothing for responses and for packets too short to
 * carry an id. Over UDP an answer that does not fit (512 bytes, or the EDNS size the client offers, at
 * most 4096) is sent truncated (TC) so the client retries over TCP.
 */
import * as dnsPacket from 'dns-packet';
import type { DnsAnswer, DnsRcode, DnsRecordData } from '../core/engine';

const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
type WireRcode = keyof typeof RCODE;

/** Classic UDP limit without EDNS (RFC 1035 §2.3.4). */
export const UDP_PLAIN_LIMIT = 512;
/** Largest UDP answer sent even when a client offers more. */
export const UDP_EDNS_LIMIT = 4096;
/** Smallest well-formed DNS message: the 12-byte header. */
const HEADER_BYTES = 12;

/** The OPT record of a response to an EDNS query (RFC 6891): version 0, the size this server accepts. */
const EDNS_OPT: dnsPacket.OptAnswer = {
  type: 'OPT',
  name: '.',
  udpPayloadSize: UDP_EDNS_LIMIT,
  extendedRcode: 0,
  ednsVersion: 0,
  flags: 0,
  flag_do: false,
  options: [],
};

/** What one packet asked, for logs and tests. */
export interface DnsQuestionInfo {
  readonly name: string;
  readonly type: string;
}

export interface DnsExchange {
  /** The response to send; undefined when nothing should be sent (a response packet, a runt). */
  readonly response?: Buffer;
  readonly question?: DnsQuestionInfo;
  readonly rcode?: WireRcode;
}

/** Parse `"a b" "c"` (zone-file TXT) into its strings; an unquoted value is one string. */
export function txtStrings(data: string): string[] {
  const quoted = [...data.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1].replace(/\\(.)/g, '$1'));
  return quoted.length > 0 ? quoted : [data];
}

const stripDot = (s: string) => s.replace(/\.$/, '');

/** One presentation-form record as dns-packet wants it; undefined for types it cannot encode here. */
export function toWireRecord(r: DnsRecordData): dnsPacket.Answer | undefined {
  const base = { name: r.name, ttl: r.ttl, class: 'IN' as const };
  const parts = r.data.trim().split(/\s+/);
  switch (r.type) {
    case 'A':
    case 'AAAA':
      return { ...base, type: r.type, data: r.data.trim() };
    case 'CNAME':
    case 'NS':
    case 'PTR':
      return { ...base, type: r.type, data: stripDot(r.data.trim()) };
    case 'TXT':
      return { ...base, type: 'TXT', data: txtStrings(r.data) };
    case 'MX':
      if (parts.length !== 2) return undefined;
      return { ...base, type: 'MX', data: { preference: Number(parts[0]), exchange: stripDot(parts[1]) } };
    case 'SRV':
      if (parts.length !== 4) return undefined;
      return {
        ...base,
        type: 'SRV',
        data: {
          priority: Number(parts[0]),
          weight: Number(parts[1]),
          port: Number(parts[2]),
          target: stripDot(parts[3]),
        },
      };
    case 'CAA': {
      const m = /^(\d+)\s+(\S+)\s+"?(.*?)"?$/.exec(r.data.trim());
      if (!m || !['issue', 'issuewild', 'iodef'].includes(m[2])) return undefined;
      return { ...base, type: 'CAA', data: { flags: Number(m[1]), tag: m[2] as 'issue', value: m[3] } };
    }
    case 'SOA':
      if (parts.length !== 7) return undefined;
      return {
        ...base,
        type: 'SOA',
        data: {
          mname: stripDot(parts[0]),
          rname: stripDot(parts[1]),
          serial: Number(parts[2]),
          refresh: Number(parts[3]),
          retry: Number(parts[4]),
          expire: Number(parts[5]),
          minimum: Number(parts[6]),
        },
      };
    default:
      return undefined;
  }
}

/** A header-only error response for a packet whose id could be read but not the rest. */
function errorHeader(id: number, rd: boolean, rcode: WireRcode): Buffer {
  const buf = Buffer.alloc(HEADER_BYTES);
  buf.writeUInt16BE(id, 0);
  buf.writeUInt16BE(0x8000 | (rd ? dnsPacket.RECURSION_DESIRED : 0) | RCODE[rcode], 2);
  return buf;
}

/**
 * Answer one query packet. `answer` is called with the question's name (without the trailing dot) and
 * type; `transport` decides whether the UDP size limit applies. Never throws.
 */
export function dnsExchange(
  query: Buffer,
  transport: 'udp' | 'tcp',
  answer: (name: string, type: string) => DnsAnswer,
): DnsExchange {
  if (query.length < HEADER_BYTES) return {};
  const id = query.readUInt16BE(0);
  const flags = query.readUInt16BE(2);
  if (flags & 0x8000) return {}; // a response: never answer one (no loops between servers)
  const rd = (flags & dnsPacket.RECURSION_DESIRED) !== 0;
  let packet: dnsPacket.Packet;
  try {
    packet = dnsPacket.decode(query);
  } catch {
    return { response: errorHeader(id, rd, 'FORMERR'), rcode: 'FORMERR' };
  }
  const opcode = (flags >> 11) & 0xf;
  if (opcode !== 0) return { response: errorHeader(id, rd, 'NOTIMP'), rcode: 'NOTIMP' };
  const questions = packet.questions ?? [];
  if (questions.length !== 1) return { response: errorHeader(id, rd, 'FORMERR'), rcode: 'FORMERR' };
  const q = questions[0];
  const question: DnsQuestionInfo = { name: q.name, type: q.type };
  const opt = (packet.additionals ?? []).find((a) => a.type === 'OPT') as dnsPacket.OptAnswer | undefined;
  const reply = (rcode: WireRcode, a?: DnsAnswer, truncated = false): Buffer => {
    const answers = truncated ? [] : (a?.answers ?? []).map(toWireRecord).filter((x) => x !== undefined);
    const authorities = truncated ? [] : (a?.authority ?? []).map(toWireRecord).filter((x) => x !== undefined);
    return dnsPacket.encode({
      id,
      type: 'response',
      flags:
        (a?.authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0) |
        (rd ? dnsPacket.RECURSION_DESIRED : 0) |
        (truncated ? dnsPacket.TRUNCATED_RESPONSE : 0) |
        RCODE[rcode],
      questions: [q],
      answers,
      authorities,
      additionals: opt ? [EDNS_OPT] : [],
    });
  };
  if ((q.class ?? 'IN') !== 'IN' && q.class !== 'ANY')
    return { response: reply('REFUSED'), question, rcode: 'REFUSED' };
  let result: DnsAnswer;
  try {
    result = answer(stripDot(q.name), q.type);
  } catch {
    return { response: reply('SERVFAIL'), question, rcode: 'SERVFAIL' };
  }
  const rcode: DnsRcode = result.rcode;
  const full = reply(rcode, result);
  if (transport === 'udp') {
    const limit = opt
      ? Math.min(Math.max(opt.udpPayloadSize ?? UDP_PLAIN_LIMIT, UDP_PLAIN_LIMIT), UDP_EDNS_LIMIT)
      : UDP_PLAIN_LIMIT;
    if (full.length > limit) return { response: reply(rcode, result, true), question, rcode };
  }
  return { response: full, question, rcode };
}
