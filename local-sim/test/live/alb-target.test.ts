/**
 * An NLB target group of type `alb` pointing at an ALB of the same assembly (docs/aws-behaviour.md §6.1):
 * the simulator registers that ALB, as AWS does, and the NLB forwards each flow to the ALB's listener on
 * the target's port; HTTP health checks reach the ALB's targets through it.
 *
 * Health checks every 200 ms (150 ms timeout): `healthCheckIntervalOverrideMs`, a simulator test
 * convenience and NOT AWS behaviour.
 */
import * as net from 'node:net';
import { modelFromTemplate, Simulator } from '../../src/index';
import { loadBalancerArn } from '../../src/model/ids';
import { albTemplate, IDS, resource, STACK } from '../model/fixtures';
import { allHealthy } from './helpers';

const NLB = `${STACK}/Front/LB`;
const NLB_LISTENER = `${STACK}/Front/LB/Tcp`;
const TO_ALB = `${STACK}/Front/ToAlb`;

function template() {
  return albTemplate({
    extraResources: {
      FrontLB: resource('ElasticLoadBalancingV2::LoadBalancer', 'Front/LB/Resource', {
        Type: 'network',
        Subnets: ['subnet-1', 'subnet-2'],
      }),
      FrontTcp: resource('ElasticLoadBalancingV2::Listener', 'Front/LB/Tcp/Resource', {
        LoadBalancerArn: { Ref: 'FrontLB' },
        Port: 80,
        Protocol: 'TCP',
        DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: 'FrontToAlb' } }],
      }),
      FrontToAlb: resource('ElasticLoadBalancingV2::TargetGroup', 'Front/ToAlb/Resource', {
        TargetType: 'alb',
        Protocol: 'TCP',
        Port: 80,
        HealthCheckProtocol: 'HTTP',
        HealthCheckPath: '/health',
        Targets: [{ Id: { Ref: 'WebLB0A1B2C3D' }, Port: 80 }],
        VpcId: 'vpc-1',
      }),
    },
  });
}

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

/** One HTTP/1.0 exchange over a raw TCP connection to the NLB listener. */
function through(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (c: Buffer) => (got += c.toString('latin1')));
    s.on('end', () => resolve(got));
    s.on('error', reject);
    s.write(`GET ${path} HTTP/1.0\r\nHost: www.example.com\r\n\r\n`);
  });
}

describe('live: NLB target group of type alb (§6.1)', () => {
  test('§6.1 the ALB of the assembly is registered by its ARN; the NLB forwards to its listener and health checks pass through it', async () => {
    const model = modelFromTemplate(template(), STACK);
    const alb = model.loadBalancers.find((lb) => lb.id === IDS.lb)!;
    expect(model.targetGroups.find((t) => t.id === TO_ALB)!.targets).toEqual([{ id: loadBalancerArn(alb), port: 80 }]);
    expect(model.issues.filter((i) => i.what.includes('alb'))).toEqual([]);
    sim = await Simulator.fromModel(model, {
      ports: 0,
      demoBackends: 2,
      healthCheckIntervalOverrideMs: 200,
      healthCheckTimeoutOverrideMs: 150,
    });
    expect(sim.describeTargetHealth(TO_ALB).map((d) => d.Target)).toEqual([{ Id: loadBalancerArn(alb), Port: 80 }]);
    await allHealthy(sim, IDS.tg());
    await sim.waitForHealth(TO_ALB, 0, 'healthy');
    // a client of the NLB reaches the ALB's targets
    const reply = await through(sim.port(NLB_LISTENER), '/via-nlb');
    expect(reply).toMatch(/^HTTP\/1\.1 200 /);
    expect(reply).toMatch(/"target":"WebAppTG#[01]"/);
    // and when the ALB has no healthy target, the NLB's check of it fails
    for (const c of sim.targets(IDS.tg()).controls) await c.down();
    await sim.waitForHealth(TO_ALB, 0, 'unhealthy');
    expect(sim.loadBalancer(NLB).type).toBe('network');
  });
});
