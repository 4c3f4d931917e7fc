/**
 * NLB TLS listeners on real sockets (docs/aws-behaviour.md §6.1): the listener offers the ALPN protocols of
 * its `AlpnPolicy` in the policy's order, and to a TLS target group it offers the protocol it agreed with
 * the client (simulator choice `nlb_alpn_target`).
 */
import { once } from 'node:events';
import * as tls from 'node:tls';
import type { Simulator } from '../../src/index';
import { selfSignedCertificate } from '../../src/live/tls';
import { LISTENER, nextFlow, startNlb, TcpTarget, TG } from './nlb-helpers';

let sim: Simulator | undefined;
let target: TcpTarget | undefined;
let tlsTarget: tls.Server | undefined;

afterEach(async () => {
  await sim?.stop();
  sim = undefined;
  await target?.close();
  target = undefined;
  if (tlsTarget) await new Promise<void>((resolve) => tlsTarget!.close(() => resolve()));
  tlsTarget = undefined;
});

/** Handshake with the listener offering `offer`; resolves with the agreed protocol or the error code. */
async function negotiate(port: number, offer: string[]): Promise<{ alpn?: string | false | null; error?: string }> {
  const socket = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, ALPNProtocols: offer });
  return new Promise((resolve) => {
    socket.once('secureConnect', () => {
      resolve({ alpn: socket.alpnProtocol });
      socket.end();
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code }));
  });
}

describe('NLB TLS listener ALPN policy (§6.1)', () => {
  test.each([
    ['HTTP2Preferred', ['http/1.1', 'h2'], 'h2'],
    ['HTTP2Optional', ['h2', 'http/1.1'], 'http/1.1'],
    ['HTTP1Only', ['h2', 'http/1.1'], 'http/1.1'],
    ['HTTP2Only', ['http/1.1', 'h2'], 'h2'],
    ['None', ['h2', 'http/1.1'], false],
  ] as const)('§6.1 %s with a client offering %j agrees on %j', async (policy, offer, agreed) => {
    target = await TcpTarget.start('t0');
    sim = await startNlb({ protocol: 'TLS', port: 443, alpnPolicy: policy }, [target]);
    const flow = nextFlow(sim);
    expect(await negotiate(sim.port(LISTENER), [...offer])).toEqual({ alpn: agreed });
    const record = await flow;
    expect(record.protocol).toBe('TLS');
    expect(record.alpnProtocol).toBe(agreed === false ? undefined : agreed);
  });

  test('§6.1 simulator choice nlb_alpn_mismatch: HTTP2Only with a client that offers only http/1.1 fails the handshake', async () => {
    target = await TcpTarget.start('t0');
    sim = await startNlb({ protocol: 'TLS', port: 443, alpnPolicy: 'HTTP2Only' }, [target]);
    expect(await negotiate(sim.port(LISTENER), ['http/1.1'])).toEqual({
      error: 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL',
    });
    // no flow was opened: the connection ended in the handshake
    expect(Object.values(sim.metrics.snapshot().networkLoadBalancers)[0]!.NewFlowCount).toBeUndefined();
  });

  test('§6.1 simulator choice nlb_alpn_target: a TLS target group is offered the protocol agreed with the client', async () => {
    const { key, cert } = await selfSignedCertificate();
    const seen: (string | false | null)[] = [];
    tlsTarget = tls.createServer({ key, cert, ALPNProtocols: ['h2', 'http/1.1'] }, (s) => {
      seen.push(s.alpnProtocol);
      s.on('data', (c: Buffer) => s.write(`tls:${c.toString()}`));
      s.on('error', () => undefined);
    });
    tlsTarget.on('tlsClientError', () => undefined);
    tlsTarget.listen(0, '127.0.0.1');
    await once(tlsTarget, 'listening');
    const port = (tlsTarget.address() as { port: number }).port;
    sim = await startNlb({ protocol: 'TLS', port: 443, tgProtocol: 'TLS', alpnPolicy: 'HTTP2Optional' }, [{ port }]);
    await sim.waitForHealth(TG, 0, 'healthy');
    const client = tls.connect({
      port: sim.port(LISTENER),
      host: '127.0.0.1',
      rejectUnauthorized: false,
      ALPNProtocols: ['h2', 'http/1.1'],
    });
    await once(client, 'secureConnect');
    expect(client.alpnProtocol).toBe('http/1.1');
    client.write('ping');
    const [reply] = (await once(client, 'data')) as [Buffer];
    expect(reply.toString()).toBe('tls:ping');
    // the target prefers h2, but only http/1.1 was offered to it
    expect(seen).toEqual(['http/1.1']);
    client.destroy();
  });
});
