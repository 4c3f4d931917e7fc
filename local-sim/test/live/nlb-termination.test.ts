/**
 * What happens on real sockets to the open flows of an NLB target that turns unhealthy or is deregistered
 * (docs/aws-behaviour.md §1.5, §2.3, §6.5, §6.6). The targets are TCP servers the tests own: `refuse()`
 * makes a target fail its TCP health checks while the connections it already has stay open.
 */
import { once } from 'node:events';
import * as tls from 'node:tls';
import type { Simulator } from '../../src/index';
import {
  closedWith,
  nextFlow,
  openEchoFlow,
  roundTrip,
  startNlb,
  TcpTarget,
  TG,
  LISTENER,
  type NlbSpec,
} from './nlb-helpers';

let sim: Simulator | undefined;
let targets: TcpTarget[] = [];

afterEach(async () => {
  await sim?.stop();
  sim = undefined;
  await Promise.all(targets.map((t) => t.close()));
  targets = [];
});

async function start(spec: NlbSpec, options: Parameters<typeof startNlb>[2] = {}, count = 2): Promise<Simulator> {
  targets = await Promise.all(Array.from({ length: count }, (_, i) => TcpTarget.start(`t${i}`)));
  sim = await startNlb(spec, targets, options);
  return sim;
}

/** Opens a flow and returns it with the index of the target that got it. */
async function flowToSomeTarget(s: Simulator) {
  const { socket, echo } = await openEchoFlow(s.port(LISTENER));
  const index = targets.findIndex((t) => echo.startsWith(`echo:${t.name}:`));
  expect(index).toBeGreaterThanOrEqual(0);
  const upstream = targets[index].connections.find((c) => c.received.toString() === 'hello')!;
  return { socket, index, upstream };
}

function nlbCounters(s: Simulator) {
  const entry = Object.entries(s.metrics.snapshot().networkLoadBalancers)[0];
  return entry![1];
}

describe('NLB: flows of a target that turns unhealthy (§1.5, §6.6)', () => {
  test('§6.6 by default the load balancer resets both sides of the flows of a target that turns unhealthy', async () => {
    const s = await start({});
    const { socket, index, upstream } = await flowToSomeTarget(s);
    const clientEnd = closedWith(socket);
    const targetEnd = closedWith(upstream.socket);
    const flow = nextFlow(s);
    // When the target stops accepting health checks
    targets[index].refuse();
    await s.waitForHealth(TG, index, 'unhealthy');
    // Then the client and the target each get a RST from the load balancer
    expect(await clientEnd).toBe('ECONNRESET');
    expect(await targetEnd).toBe('ECONNRESET');
    expect((await flow).resets).toEqual(['elb', 'elb']);
    expect(nlbCounters(s)).toMatchObject({ TCP_ELB_Reset_Count: 2, ActiveFlowCount: 0 });
  });

  test('§1.5 while the target group fails open, the flows of a target that turns unhealthy stay open', async () => {
    const s = await start({}, {}, 1);
    const { socket } = await flowToSomeTarget(s);
    targets[0].refuse();
    await s.waitForHealth(TG, 0, 'unhealthy');
    // the engine decides at the transition; the flow still carries data afterwards
    expect(await roundTrip(socket, 'still there')).toBe('echo:t0:still there');
    expect(nlbCounters(s).TCP_ELB_Reset_Count ?? 0).toBe(0);
    socket.destroy();
  });

  test('§6.6 termination off with a draining interval: flows carry on while unhealthy.draining, then are reset', async () => {
    const s = await start(
      {
        attributes: {
          'target_health_state.unhealthy.connection_termination.enabled': false,
          'target_health_state.unhealthy.draining_interval_seconds': 60,
        },
      },
      // SIMULATOR TEST CONVENIENCE, NOT AWS: the 60 s interval lasts 1 s here
      { unhealthyDrainingIntervalOverrideMs: 1000 },
    );
    const { socket, index } = await flowToSomeTarget(s);
    const clientEnd = closedWith(socket);
    targets[index].refuse();
    await s.waitForHealth(TG, index, 'unhealthy.draining');
    expect(await roundTrip(socket, 'draining')).toBe(`echo:t${index}:draining`);
    const flow = nextFlow(s);
    await s.waitForHealth(TG, index, 'unhealthy');
    expect(await clientEnd).toBe('ECONNRESET');
    expect((await flow).resets).toEqual(['elb', 'elb']);
  });

  test('§6.6 termination off without a draining interval: the flows of an unhealthy target stay open', async () => {
    const s = await start({ attributes: { 'target_health_state.unhealthy.connection_termination.enabled': false } });
    const { socket, index } = await flowToSomeTarget(s);
    targets[index].refuse();
    await s.waitForHealth(TG, index, 'unhealthy');
    expect(await roundTrip(socket, 'open')).toBe(`echo:t${index}:open`);
    socket.destroy();
  });

  test('§6.6 a TLS listener resets the TCP connection under the client TLS session too', async () => {
    const s = await start({ protocol: 'TLS', port: 443 });
    const client = tls.connect({ port: s.port(LISTENER), host: '127.0.0.1', rejectUnauthorized: false });
    await once(client, 'secureConnect');
    client.write('hello');
    const [chunk] = (await once(client, 'data')) as [Buffer];
    const index = targets.findIndex((t) => chunk.toString().startsWith(`echo:${t.name}:`));
    const clientEnd = closedWith(client);
    targets[index].refuse();
    await s.waitForHealth(TG, index, 'unhealthy');
    expect(await clientEnd).toBe('ECONNRESET');
  });
});

describe('NLB: flows of a deregistered target (§2.3, §6.5)', () => {
  test('§6.5 the flows of a deregistered target carry on after the delay (connection_termination default false)', async () => {
    // SIMULATOR TEST CONVENIENCE, NOT AWS: a 200 ms deregistration delay
    const s = await start({}, { deregistrationDelayOverrideMs: 200 });
    const { socket, index } = await flowToSomeTarget(s);
    s.targets(TG).get(index).deregister();
    await s.waitForHealth(TG, index, 'unused');
    expect(await roundTrip(socket, 'after the delay')).toBe(`echo:t${index}:after the delay`);
    const flow = nextFlow(s);
    socket.end();
    expect((await flow).resets).toEqual([]);
  });

  test('§6.5 with deregistration_delay.connection_termination.enabled the flows are reset when the delay ends', async () => {
    const s = await start(
      { attributes: { 'deregistration_delay.connection_termination.enabled': true } },
      // SIMULATOR TEST CONVENIENCE, NOT AWS: a 1 s deregistration delay
      { deregistrationDelayOverrideMs: 1000 },
    );
    const { socket, index } = await flowToSomeTarget(s);
    const clientEnd = closedWith(socket);
    const flow = nextFlow(s);
    s.targets(TG).get(index).deregister();
    // still carried while draining
    expect(await roundTrip(socket, 'draining')).toBe(`echo:t${index}:draining`);
    await s.waitForHealth(TG, index, 'unused');
    expect(await clientEnd).toBe('ECONNRESET');
    expect((await flow).resets).toEqual(['elb', 'elb']);
  });

  test('§2.3 new flows never reach a draining target', async () => {
    const s = await start({}, { deregistrationDelayOverrideMs: 60_000 });
    s.targets(TG).get(0).deregister();
    expect(s.targets(TG).get(0).health()?.TargetHealth.State).toBe('draining');
    const echoes: string[] = [];
    for (let i = 0; i < 12; i++) {
      const { socket, echo } = await openEchoFlow(s.port(LISTENER));
      echoes.push(echo);
      socket.destroy();
    }
    expect(new Set(echoes)).toEqual(new Set(['echo:t1:hello']));
  });
});
