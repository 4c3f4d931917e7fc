/**
 * Pure NLB helpers (docs/aws-behaviour.md §1.1, §6.1, §6.4): the proxy protocol v2 header against the byte
 * layout of the PROXY protocol specification (section 2.2), client IP preservation, ALPN lists, the
 * health-check Host header.
 */
import {
  alpnProtocols,
  listenerForwardingTo,
  nlbHealthCheckHost,
  preservesClientIp,
  proxyHeaderV2,
  proxyHeaderV2Local,
  targetSourceAddress,
} from '../../src/core/nlb';
import { modelFromTemplate } from '../../src/model';
import { albTemplate, IDS, STACK } from '../model/fixtures';

/** The 12-byte signature every v2 header starts with: \r\n\r\n\0\r\nQUIT\n. */
const SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];

describe('proxy protocol v2 header (§6.4, §1.1)', () => {
  test('§6.4 a TCP flow over IPv4: PROXY command, AF_INET/STREAM, 12 address bytes, client then listener', () => {
    const header = proxyHeaderV2({ ip: '198.51.100.7', port: 40000 }, { ip: '127.1.1.1', port: 5432 });
    expect([...header]).toEqual([
      ...SIGNATURE,
      0x21, // version 2, command PROXY
      0x11, // AF_INET, STREAM
      0x00,
      0x0c, // 12 bytes of addresses follow
      198,
      51,
      100,
      7, // source address
      127,
      1,
      1,
      1, // destination address
      0x9c,
      0x40, // source port 40000
      0x15,
      0x38, // destination port 5432
    ]);
  });

  test('§6.4 an IPv6 client: AF_INET6/STREAM with 36 address bytes; an IPv4 listener address is IPv4-mapped', () => {
    const header = proxyHeaderV2({ ip: '2001:db8::1', port: 443 }, { ip: '127.0.0.1', port: 8443 });
    expect([...header.subarray(0, 16)]).toEqual([...SIGNATURE, 0x21, 0x21, 0x00, 36]);
    expect(header).toHaveLength(16 + 36);
    expect([...header.subarray(16, 32)]).toEqual([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect([...header.subarray(32, 48)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1]);
    expect([...header.subarray(48, 52)]).toEqual([0x01, 0xbb, 0x20, 0xfb]);
  });

  test('§6.4 an IPv4-mapped client address (as Node reports it on dual-stack sockets) is written as IPv4', () => {
    const header = proxyHeaderV2({ ip: '::ffff:10.0.0.5', port: 1 }, { ip: '10.0.0.100', port: 2 });
    expect(header[13]).toBe(0x11);
    expect([...header.subarray(16, 20)]).toEqual([10, 0, 0, 5]);
  });

  test('§1.1 a health-check connection: LOCAL command, AF_UNSPEC, no address data', () => {
    expect([...proxyHeaderV2Local()]).toEqual([...SIGNATURE, 0x20, 0x00, 0x00, 0x00]);
  });

  test('a source that is not an IP address is refused with a stable code', () => {
    expect(() => proxyHeaderV2({ ip: 'localhost', port: 1 }, { ip: '127.0.0.1', port: 2 })).toThrow(
      /^SIM_PROXY_PROTOCOL_ADDRESS: not an IP address: localhost$/,
    );
  });
});

describe('client IP preservation (§6.4)', () => {
  const tg = (targetType: 'ip' | 'instance' | 'alb', protocol: string, preserveClientIp: boolean) => ({
    targetType,
    protocol,
    attributes: { preserveClientIp },
  });

  test.each([
    ['instance TCP, attribute on', tg('instance', 'TCP', true), true],
    ['instance TCP, attribute off', tg('instance', 'TCP', false), false],
    ['ip TCP, attribute off (its default)', tg('ip', 'TCP', false), false],
    ['ip TLS, attribute on', tg('ip', 'TLS', true), true],
    ['ip UDP: cannot be turned off', tg('ip', 'UDP', false), true],
    ['ip TCP_UDP: cannot be turned off', tg('ip', 'TCP_UDP', false), true],
    ['alb: the ALB always receives the client IP', tg('alb', 'TCP', false), true],
  ] as const)('§6.4 %s', (_name, settings, expected) => {
    expect(preservesClientIp(settings)).toBe(expected);
  });

  test('§6.4 the target sees the client with preservation, else the node address and the port the node opened', () => {
    const client = { ip: '198.51.100.7', port: 40000 };
    const node = { ip: '127.1.1.1', port: 51000 };
    expect(targetSourceAddress(tg('ip', 'TCP', false), client, node)).toEqual({ ...node, preserved: false });
    expect(targetSourceAddress(tg('instance', 'TCP', true), client, node)).toEqual({ ...client, preserved: true });
  });
});

describe('TLS listener ALPN policies (§6.1)', () => {
  test.each([
    ['HTTP1Only', ['http/1.1', 'http/1.0']],
    ['HTTP2Only', ['h2']],
    ['HTTP2Optional', ['http/1.1', 'http/1.0', 'h2']],
    ['HTTP2Preferred', ['h2', 'http/1.1', 'http/1.0']],
  ])('§6.1 %s offers %j, most preferred first', (policy, list) => {
    expect(alpnProtocols([policy])).toEqual(list);
  });

  test('§6.1 None, no policy, or an unknown name negotiate no ALPN', () => {
    expect(alpnProtocols(['None'])).toBeUndefined();
    expect(alpnProtocols(undefined)).toBeUndefined();
    expect(alpnProtocols(['HTTP3'])).toBeUndefined();
  });
});

describe('NLB health-check Host header (§1.1)', () => {
  test('§1.1 node address and listener port; IPv6 nodes in brackets', () => {
    expect(nlbHealthCheckHost('127.1.2.1', 5432)).toBe('127.1.2.1:5432');
    expect(nlbHealthCheckHost('::1', 80)).toBe('[::1]:80');
  });

  test('§1.1 the listener named is the first one that forwards to the target group', () => {
    const model = modelFromTemplate(
      albTemplate({ lbType: 'network', listenerPort: 5432, targetGroups: { App: {}, Other: {} } }),
      STACK,
    );
    expect(listenerForwardingTo(model, IDS.tg('App'))?.port).toBe(5432);
    expect(listenerForwardingTo(model, IDS.tg('Other'))).toBeUndefined();
  });
});
