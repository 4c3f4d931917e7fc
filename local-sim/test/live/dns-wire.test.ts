/** The DNS wire format of the simulator's name server, without sockets (`live/dns-wire.ts`). */
import * as dnsPacket from 'dns-packet';
import type { DnsAnswer } from '../../src/core/engine';
import { dnsExchange, toWireRecord, txtStrings, UDP_PLAIN_LIMIT } from '../../src/live/dns-wire';

const decoded = (b: Buffer) => dnsPacket.decode(b) as dnsPacket.DecodedPacket & { rcode: string; flag_tc: boolean };

const ask = (q: dnsPacket.Packet) => dnsPacket.encode({ type: 'query', id: 5, ...q });

const many = (n: number): DnsAnswer => ({
  rcode: 'NOERROR',
  authoritative: true,
  answers: Array.from({ length: n }, (_, i) => ({
    name: 'mv.example.com',
    type: 'A',
    ttl: 60,
    data: `192.0.2.${i + 1}`,
  })),
  authority: [],
});

describe('DNS wire format', () => {
  test('an answer keeps the query id, echoes the question, sets AA and copies RD', () => {
    const ex = dnsExchange(
      ask({ flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: 'Www.Example.com', type: 'A' }] }),
      'udp',
      (name, type) => {
        expect([name, type]).toEqual(['Www.Example.com', 'A']);
        return many(1);
      },
    );
    const p = decoded(ex.response!);
    expect([p.id, p.type, p.rcode]).toEqual([5, 'response', 'NOERROR']);
    expect((p.flags ?? 0) & dnsPacket.AUTHORITATIVE_ANSWER).toBeTruthy();
    expect((p.flags ?? 0) & dnsPacket.RECURSION_DESIRED).toBeTruthy();
    expect(p.questions).toEqual([{ name: 'Www.Example.com', type: 'A', class: 'IN' }]);
    expect(p.answers).toMatchObject([{ name: 'mv.example.com', type: 'A', ttl: 60, data: '192.0.2.1' }]);
  });

  test('over UDP an answer above 512 bytes is truncated (TC, no records); with EDNS it fits; TCP never truncates', () => {
    const q = { questions: [{ name: 'mv.example.com', type: 'A' as const }] };
    const plain = decoded(dnsExchange(ask(q), 'udp', () => many(30)).response!);
    expect([plain.flag_tc, plain.answers?.length]).toEqual([true, 0]);
    const edns = ask({
      ...q,
      additionals: [
        {
          type: 'OPT',
          name: '.',
          udpPayloadSize: 1232,
          extendedRcode: 0,
          ednsVersion: 0,
          flags: 0,
          flag_do: false,
          options: [],
        },
      ],
    });
    const withEdns = dnsExchange(edns, 'udp', () => many(30)).response!;
    expect(withEdns.length).toBeGreaterThan(UDP_PLAIN_LIMIT);
    expect(decoded(withEdns).answers).toHaveLength(30);
    expect(decoded(dnsExchange(ask(q), 'tcp', () => many(30)).response!).answers).toHaveLength(30);
  });

  test('responses and runts get no answer; two questions are FORMERR; class CH is REFUSED', () => {
    const answer = () => many(1);
    expect(dnsExchange(Buffer.from([0, 1, 2]), 'udp', answer).response).toBeUndefined();
    expect(
      dnsExchange(dnsPacket.encode({ type: 'response', id: 1, questions: [{ name: 'a', type: 'A' }] }), 'udp', answer)
        .response,
    ).toBeUndefined();
    const two = ask({
      questions: [
        { name: 'a.example.com', type: 'A' },
        { name: 'b.example.com', type: 'A' },
      ],
    });
    expect(decoded(dnsExchange(two, 'udp', answer).response!).rcode).toBe('FORMERR');
    const ch = ask({ questions: [{ name: 'version.bind', type: 'TXT', class: 'CH' }] });
    expect(decoded(dnsExchange(ch, 'udp', answer).response!).rcode).toBe('REFUSED');
  });

  test('an answer function that throws gives SERVFAIL', () => {
    const ex = dnsExchange(ask({ questions: [{ name: 'a.example.com', type: 'A' }] }), 'tcp', () => {
      throw new Error('boom');
    });
    expect(decoded(ex.response!).rcode).toBe('SERVFAIL');
  });

  test.each([
    [
      { type: 'MX', data: '10 mail.example.com.' },
      { preference: 10, exchange: 'mail.example.com' },
    ],
    [
      { type: 'SRV', data: '1 5 443 web.example.com' },
      { priority: 1, weight: 5, port: 443, target: 'web.example.com' },
    ],
    [
      { type: 'CAA', data: '0 issue "amazon.com"' },
      { flags: 0, tag: 'issue', value: 'amazon.com' },
    ],
    [{ type: 'TXT', data: '"v=spf1" "-all"' }, ['v=spf1', '-all']],
    [{ type: 'CNAME', data: 'www.example.com.' }, 'www.example.com'],
  ])('zone-file %j becomes wire data %j', (r, data) => {
    expect((toWireRecord({ name: 'example.com', ttl: 300, ...r }) as { data?: unknown })?.data).toEqual(data);
  });

  test('TXT strings: quoted parts with escapes, or the whole value', () => {
    expect(txtStrings('"a \\"quoted\\" word" "two"')).toEqual(['a "quoted" word', 'two']);
    expect(txtStrings('bare')).toEqual(['bare']);
  });
});
