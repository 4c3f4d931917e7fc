/**
 * What a target learns about the client (docs/aws-behaviour.md §6.4): the proxy protocol v2 header on each
 * TCP flow, and the source address the target would see with or without client IP preservation
 * (simulator choice `client_ip_preservation`: on loopback the target always sees the simulator's own
 * socket; the `flow` event says what AWS would show).
 */
import * as net from 'node:net';
import { V2ProxyProtocol, Command, TransportProtocol, IPv4ProxyAddress } from 'proxy-protocol-js';
import type { Simulator } from '../../src/index';
import { LISTENER, nextFlow, startNlb, TcpTarget, type NlbSpec } from './nlb-helpers';

let sim: Simulator | undefined;
let target: TcpTarget | undefined;

afterEach(async () => {
  await sim?.stop();
  sim = undefined;
  await target?.close();
  target = undefined;
});

/** One flow through a single-target NLB: what the target received, where from, and the flow record. */
async function oneFlow(spec: NlbSpec) {
  target = await TcpTarget.start('t0', false);
  sim = await startNlb(spec, [target]);
  const accepted = target.nextConnection();
  const closed = nextFlow(sim);
  const client = net.connect(sim.port(LISTENER), '127.0.0.1');
  await new Promise((resolve) => client.once('connect', resolve));
  client.write('hello');
  const upstream = await accepted;
  const clientPort = client.localPort!;
  client.end();
  const flow = await closed;
  return { upstream, clientPort, flow };
}

describe('proxy protocol v2 on TCP flows (§6.4)', () => {
  test('§6.4 the target receives the PPv2 header (client as source, listener as destination), then the client bytes', async () => {
    const { upstream, clientPort, flow } = await oneFlow({
      port: 5432,
      attributes: { 'proxy_protocol_v2.enabled': true },
    });
    const header = upstream.received.subarray(0, 28);
    // signature, version 2 / PROXY, AF_INET / STREAM, 12 address bytes
    expect([...header.subarray(0, 16)]).toEqual([
      0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x11, 0x00, 0x0c,
    ]);
    const parsed = V2ProxyProtocol.parse(new Uint8Array(header));
    expect(parsed.command).toBe(Command.PROXY);
    expect(parsed.transportProtocol).toBe(TransportProtocol.STREAM);
    const address = parsed.proxyAddress as IPv4ProxyAddress;
    expect(address.sourceAddress.address).toEqual([127, 0, 0, 1]);
    expect(address.sourcePort).toBe(clientPort);
    // the node the client reached (the simulator's host without the DNS server) and the listener's port
    expect(address.destinationAddress.address).toEqual([127, 0, 0, 1]);
    expect(address.destinationPort).toBe(5432);
    expect(upstream.received.subarray(28).toString()).toBe('hello');
    expect(flow.proxyProtocol).toBe(true);
  });

  test('§6.4 without proxy protocol the target receives the client bytes unchanged', async () => {
    const { upstream, flow } = await oneFlow({});
    expect(upstream.received.toString()).toBe('hello');
    expect(flow.proxyProtocol).toBe(false);
  });
});

describe('client IP preservation (§6.4, simulator choice client_ip_preservation)', () => {
  test('§6.4 ip target over TCP (preservation off by default): the target would see the node, from the port the node opened', async () => {
    const { upstream, flow } = await oneFlow({});
    expect(flow.targetSource).toEqual({ ip: '127.0.0.1', port: upstream.remote.port, preserved: false });
  });

  test('§6.4 with preserve_client_ip.enabled the target would see the client address and port', async () => {
    const { upstream, clientPort, flow } = await oneFlow({ attributes: { 'preserve_client_ip.enabled': true } });
    expect(flow.targetSource).toEqual({ ip: '127.0.0.1', port: clientPort, preserved: true });
    // on loopback the simulator cannot send from the client's port: the socket the target sees is its own
    expect(upstream.remote.port).not.toBe(clientPort);
  });

  test('§6.4 preservation off and PPv2 on: the header still carries the client', async () => {
    const { upstream, clientPort, flow } = await oneFlow({ attributes: { 'proxy_protocol_v2.enabled': true } });
    expect(flow.targetSource?.preserved).toBe(false);
    const parsed = V2ProxyProtocol.parse(new Uint8Array(upstream.received.subarray(0, 28)));
    expect((parsed.proxyAddress as IPv4ProxyAddress).sourcePort).toBe(clientPort);
  });
});
