/**
 * NLB UDP and TCP_UDP listeners on real sockets (docs/aws-behaviour.md §6.1–§6.3, §6.5, §6.7). Targets are
 * UDP echo servers with a TCP port of the same number for their health checks.
 */
import { modelFromTemplate, Simulator } from '../../src/index';
import {
  LISTENER,
  nextFlow,
  nlbTemplate,
  openEchoFlow,
  startNlb,
  STACK,
  TG,
  UdpClient,
  UdpTarget,
} from './nlb-helpers';

let sim: Simulator | undefined;
let targets: UdpTarget[] = [];
let clients: UdpClient[] = [];

afterEach(async () => {
  await sim?.stop();
  sim = undefined;
  for (const c of clients) c.close();
  clients = [];
  await Promise.all(targets.map((t) => t.close()));
  targets = [];
});

function client(): UdpClient {
  const c = new UdpClient();
  clients.push(c);
  return c;
}

async function startUdp(count: number, options: Parameters<typeof startNlb>[2] = {}, spec = {}): Promise<Simulator> {
  targets = await Promise.all(Array.from({ length: count }, (_, i) => UdpTarget.start(`u${i}`)));
  sim = await startNlb({ protocol: 'UDP', port: 53, ...spec }, targets, options);
  return sim;
}

function nlbCounters(s: Simulator) {
  return Object.values(s.metrics.snapshot().networkLoadBalancers)[0]!;
}

describe('NLB UDP listener (§6.1, §6.2)', () => {
  test('§6.2 a UDP flow stays on one target; replies come back to the client from the listener port', async () => {
    const s = await startUdp(3);
    const port = s.port(LISTENER);
    expect(s.url(LISTENER)).toBe(`udp://127.0.0.1:${port}`);
    const c = client();
    const first = await c.ask(port, 'one');
    const name = first.data.split(':')[0];
    expect(first).toEqual({ data: `${name}:one`, from: { address: '127.0.0.1', port } });
    for (const word of ['two', 'three', 'four']) expect((await c.ask(port, word)).data).toBe(`${name}:${word}`);
    // the target saw all four datagrams from one source: the flow's own socket
    const target = targets.find((t) => t.name === name)!;
    expect(target.datagrams.map((d) => d.data)).toEqual(['one', 'two', 'three', 'four']);
    expect(new Set(target.datagrams.map((d) => d.from.port)).size).toBe(1);
  });

  test('§6.2 flows from different client ports spread over the targets', async () => {
    const s = await startUdp(3);
    const seen = new Set<string>();
    for (let i = 0; i < 24; i++) seen.add((await client().ask(s.port(LISTENER), 'hi')).data.split(':')[0]);
    expect(seen.size).toBeGreaterThan(1);
  });

  test('§6.3 after the UDP idle timeout the next datagram is a new flow (timeout overridden: NOT AWS)', async () => {
    // SIMULATOR TEST CONVENIENCE, NOT AWS: a 300 ms UDP idle timeout instead of 120 s
    const s = await startUdp(1, { udpIdleTimeoutOverrideMs: 300 });
    const c = client();
    const ended = nextFlow(s);
    await c.ask(s.port(LISTENER), 'a');
    await c.ask(s.port(LISTENER), 'b');
    const flow = await ended;
    expect(flow).toMatchObject({
      protocol: 'UDP',
      client: { ip: '127.0.0.1', port: c.port },
      receivedBytes: 2,
      sentBytes: 'u0:a'.length + 'u0:b'.length,
      packets: { received: 2, sent: 2 },
      resets: [],
      proxyProtocol: false,
    });
    // §6.4 UDP target groups always preserve the client IP
    expect(flow.targetSource).toEqual({ ip: '127.0.0.1', port: c.port, preserved: true });
    expect(nlbCounters(s)).toMatchObject({ NewFlowCount: 1, ActiveFlowCount: 0 });
    // the same client again: a new flow
    await c.ask(s.port(LISTENER), 'c');
    expect(nlbCounters(s)).toMatchObject({ NewFlowCount: 2, NewFlowCount_UDP: 2, ActiveFlowCount_UDP: 1 });
    const sources = new Set(targets[0].datagrams.map((d) => d.from.port));
    expect(sources.size).toBe(2);
  });

  test('§6.7 UDP flows count in NewFlowCount_UDP, ActiveFlowCount_UDP and ProcessedBytes_UDP', async () => {
    const s = await startUdp(2);
    const a = client();
    const b = client();
    await a.ask(s.port(LISTENER), 'xyz');
    await b.ask(s.port(LISTENER), 'pq');
    const replyBytes = a.replies[0].data.length + b.replies[0].data.length;
    expect(nlbCounters(s)).toMatchObject({
      NewFlowCount: 2,
      NewFlowCount_UDP: 2,
      ActiveFlowCount: 2,
      ActiveFlowCount_UDP: 2,
      ProcessedBytes: 5 + replyBytes,
      ProcessedBytes_UDP: 5 + replyBytes,
    });
    // the snapshot leaves out counters that never moved
    expect(nlbCounters(s).NewFlowCount_TCP).toBeUndefined();
  });

  test('§6.5 deregistration ends UDP flows when the delay ends (termination defaults to true for UDP)', async () => {
    // SIMULATOR TEST CONVENIENCE, NOT AWS: a 100 ms deregistration delay
    const s = await startUdp(2, { deregistrationDelayOverrideMs: 100 });
    const c = client();
    const first = (await c.ask(s.port(LISTENER), 'one')).data.split(':')[0];
    const index = targets.findIndex((t) => t.name === first);
    const ended = nextFlow(s);
    s.targets(TG).get(index).deregister();
    await s.waitForHealth(TG, index, 'unused');
    expect((await ended).target?.port).toBe(targets[index].port);
    // the next datagram of the same client is a new flow to the other target
    expect((await c.ask(s.port(LISTENER), 'two')).data).toBe(`${targets[1 - index].name}:two`);
  });

  test('§6.2 demo backends of a UDP target group answer datagrams too, naming the target (simulator convenience)', async () => {
    sim = await Simulator.fromModel(modelFromTemplate(nlbTemplate({ protocol: 'UDP' }), STACK), {
      ports: 0,
      demoBackends: 2,
      // SIMULATOR TEST CONVENIENCE, NOT AWS
      healthCheckIntervalOverrideMs: 100,
      healthCheckTimeoutOverrideMs: 75,
    });
    await Promise.all([0, 1].map((i) => sim!.waitForHealth(TG, i, 'healthy')));
    const c = client();
    const reply = await c.ask(sim.port(LISTENER), 'ping');
    expect(JSON.parse(reply.data)).toEqual({
      target: expect.stringMatching(/^Pool#[01]$/),
      protocol: 'udp',
      from: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      data: 'ping',
    });
  });

  test('§6.1 a model whose only listener is UDP is served (it used to be refused as nothing to serve)', async () => {
    targets = [await UdpTarget.start('u0')];
    sim = await Simulator.fromModel(modelFromTemplate(nlbTemplate({ protocol: 'UDP' }), STACK), {
      ports: 0,
      targets: { [TG]: [`127.0.0.1:${targets[0].port}`] },
    });
    expect(sim.port(LISTENER)).toBeGreaterThan(0);
  });
});

describe('NLB TCP_UDP listener (§6.1)', () => {
  test('§6.1 TCP and UDP are served on the same port and reach the same target group', async () => {
    const s = await startUdp(1, {}, { protocol: 'TCP_UDP' });
    const port = s.port(LISTENER);
    expect(s.url(LISTENER)).toBe(`tcp+udp://127.0.0.1:${port}`);
    const closed = nextFlow(s);
    const { socket, echo } = await openEchoFlow(port);
    expect(echo).toBe('u0:hello');
    socket.end();
    expect((await closed).protocol).toBe('TCP');
    expect((await client().ask(port, 'dgram')).data).toBe('u0:dgram');
    expect(nlbCounters(s)).toMatchObject({ NewFlowCount: 2, NewFlowCount_TCP: 1, NewFlowCount_UDP: 1 });
  });
});
