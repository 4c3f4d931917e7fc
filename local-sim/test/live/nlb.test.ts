import { once } from 'node:events';
import * as net from 'node:net';
import type { Simulator } from '../../src/index';
import type { FlowRecord } from '../../src/live/tcp-listener';
import { NLB_LB_METRICS } from '@ha-load-balancer/spec';
import { allHealthy, startFixture } from './helpers';

const NET_TCP = 'LiveFixture/Net/Postgres';
const DB = 'LiveFixture/Net/Db';

let sim: Simulator;

beforeEach(async () => {
  sim = await startFixture();
  await allHealthy(sim, DB);
});

afterEach(async () => {
  await sim.stop();
});

/** Open a TCP connection through the NLB, speak HTTP to the demo backend, return which target answered. */
function viaTcp(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: db\r\nConnection: close\r\n\r\n'));
    let got = '';
    s.on('data', (c) => (got += c.toString()));
    s.on('end', () => {
      const m = /"target":"([^"]+)"/.exec(got);
      if (m) resolve(m[1]);
      else reject(new Error(`no target in ${JSON.stringify(got)}`));
    });
    s.on('error', reject);
  });
}

describe('NLB TCP listener on a live socket (docs/aws-behaviour.md §6.1, §6.2)', () => {
  test('§6.2 each TCP connection is one flow pinned to one target; connections spread over targets', async () => {
    const port = sim.port(NET_TCP);
    expect(sim.url(NET_TCP)).toBe(`tcp://127.0.0.1:${port}`);
    const seen = new Set<string>();
    for (let i = 0; i < 24; i++) seen.add(await viaTcp(port));
    expect(seen.size).toBeGreaterThan(1);
    for (const t of seen) expect(t).toMatch(/^DbTG#\d$/);
  });

  test('§1.3 TCP health check: a target that refuses connections turns unhealthy', async () => {
    await sim.targets(DB).get(0).down();
    await sim.waitForHealth(DB, 0, 'unhealthy');
    expect(sim.targets(DB).get(0).health()?.TargetHealth.Reason).toBe('Target.FailedHealthChecks');
  });
});

/** Open a keep-alive TCP connection through the NLB and wait for the first HTTP response on it. */
function openFlow(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: db\r\n\r\n'));
    let got = '';
    const onData = (c: Buffer): void => {
      got += c.toString();
      if (/\r\n\r\n[\s\S]*\}$/.test(got)) {
        s.off('data', onData);
        resolve(s);
      }
    };
    s.on('data', onData);
    s.on('error', reject);
  });
}

function nextFlow(): Promise<FlowRecord> {
  return (once(sim, 'flow') as Promise<[FlowRecord]>).then(([f]) => f);
}

function nlbCounters() {
  const snap = sim.metrics.snapshot();
  const entry = Object.entries(snap.networkLoadBalancers).find(([k]) => k.startsWith('net/NetLB/'));
  expect(entry).toBeDefined();
  // The JSON snapshot leaves out counters that never moved.
  return { ...Object.fromEntries(NLB_LB_METRICS.map((m) => [m, 0])), ...entry![1] };
}

describe('NLB metrics in AWS/NetworkELB (docs/aws-behaviour.md §6.7)', () => {
  test('§6.7 a flow counts in NewFlowCount, ActiveFlowCount while open and ProcessedBytes both ways', async () => {
    const port = sim.port(NET_TCP);
    const socket = await openFlow(port);
    expect(nlbCounters()).toMatchObject({ NewFlowCount: 1, ActiveFlowCount: 1 });
    const closed = nextFlow();
    socket.end();
    const flow = await closed;
    expect(flow.target?.targetGroupId).toBeDefined();
    expect(flow.receivedBytes).toBe(Buffer.byteLength('GET / HTTP/1.1\r\nHost: db\r\n\r\n'));
    expect(flow.sentBytes).toBeGreaterThan(0);
    expect(flow.resets).toEqual([]);
    expect(nlbCounters()).toMatchObject({
      NewFlowCount: 1,
      ActiveFlowCount: 0,
      ProcessedBytes: flow.receivedBytes + flow.sentBytes,
      TCP_Client_Reset_Count: 0,
      TCP_ELB_Reset_Count: 0,
      TCP_Target_Reset_Count: 0,
    });
  });

  test('§6.7 /metrics names network load balancers in AWS/NetworkELB, never in AWS/ApplicationELB', async () => {
    const closed = nextFlow();
    await viaTcp(sim.port(NET_TCP));
    await closed;
    const text = await sim.prometheus.render();
    expect(text).toMatch(/^aws_networkelb_NewFlowCount\{LoadBalancer="net\/NetLB\/[0-9a-f]{16}"\} 1$/m);
    expect(text).toMatch(/^aws_networkelb_HealthyHostCount\{TargetGroup="targetgroup\/DbTG\/[0-9a-f]{16}"\} 3$/m);
    expect(text).toContain('# TYPE aws_networkelb_ActiveFlowCount gauge');
    expect(text).not.toMatch(/^aws_applicationelb_\w+\{LoadBalancer="net\//m);
    expect(text).not.toMatch(/^aws_applicationelb_\w+\{TargetGroup="targetgroup\/DbTG\//m);
    expect(Object.keys(sim.metrics.snapshot().loadBalancers).some((k) => k.startsWith('net/'))).toBe(false);
  });

  test('§6.7 a client RST is passed on and counts in TCP_Client_Reset_Count', async () => {
    const socket = await openFlow(sim.port(NET_TCP));
    const closed = nextFlow();
    socket.resetAndDestroy();
    expect((await closed).resets).toEqual(['client']);
    expect(nlbCounters()).toMatchObject({ TCP_Client_Reset_Count: 1, TCP_ELB_Reset_Count: 0, ActiveFlowCount: 0 });
  });

  test('§6.7 a target RST reaches the client and counts in TCP_Target_Reset_Count', async () => {
    await Promise.all([0, 1, 2].map((i) => sim.targets(DB).get(i).reset()));
    const closed = nextFlow();
    const err = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      const s = net.connect(sim.port(NET_TCP), '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: db\r\n\r\n'));
      s.on('error', (e) => resolve(e));
      s.on('close', () => resolve(undefined));
    });
    expect(err?.code).toBe('ECONNRESET');
    expect((await closed).resets).toEqual(['target']);
    expect(nlbCounters()).toMatchObject({ TCP_Target_Reset_Count: 1, TCP_Client_Reset_Count: 0 });
  });

  test('§6.3 §6.7 an idle flow is reset by the load balancer on both sides: TCP_ELB_Reset_Count 2', async () => {
    await sim.stop();
    sim = await startFixture({ idleTimeoutOverrideMs: 100 });
    await allHealthy(sim, DB);
    const closed = nextFlow();
    await openFlow(sim.port(NET_TCP));
    expect((await closed).resets).toEqual(['elb', 'elb']);
    expect(nlbCounters()).toMatchObject({ TCP_ELB_Reset_Count: 2, ActiveFlowCount: 0 });
  });
});
