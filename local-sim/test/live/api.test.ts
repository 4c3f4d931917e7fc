import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { formatEndpoints, parseCli } from '../../src/cli';
import { localPort, Simulator, SimulatorError } from '../../src/index';
import { FIXTURE, get, SITE, startFixture, WEB_HTTP } from './helpers';

describe('port mapping (ARCHITECTURE.md)', () => {
  test.each([
    [80, 'aws', 8080],
    [443, 'aws', 8443],
    [1023, 'aws', 9023],
    [1024, 'aws', 1024],
    [8080, 'aws', 8080],
    [80, 0, 0],
    [80, { offset: 100 }, 8180],
    [9000, { offset: 1 }, 9001],
  ] as const)('listener port %i with %j → %i', (port, mode, expected) => {
    expect(localPort(port, mode)).toBe(expected);
  });
});

describe('CLI arguments', () => {
  test('start with targets, demo backends, offset and access log', () => {
    const a = parseCli([
      'start',
      'out',
      '--targets',
      'Site=127.0.0.1:3000,127.0.0.1:3001',
      '--targets',
      'Api=localhost:4000',
      '--demo-backends',
      '2',
      '--port-offset',
      '10',
      '--access-log',
      '-',
    ]);
    expect(a.command).toBe('start');
    expect(a.assembly).toBe('out');
    expect(a.options.targets).toEqual({ Site: ['127.0.0.1:3000', '127.0.0.1:3001'], Api: ['localhost:4000'] });
    expect(a.options.demoBackends).toBe(2);
    expect(a.options.ports).toEqual({ offset: 10 });
    expect(a.options.accessLog).toBe('-');
    expect(a.options.adminPort).toBe(8404);
    expect(a.options.dnsPort).toBe(5300);
  });

  test.each([
    [['start', '--dns-port', '0'], 0],
    [['start', '--dns-port', '5353'], 5353],
    [['start', '--dns-port', 'off'], false],
  ])('%j sets the DNS port to %p', (argv, port) => {
    expect(parseCli(argv).options.dnsPort).toBe(port);
  });

  test('--api-port: 4566 by default, N, 0 or off; out of range is SIM_BAD_OPTION', () => {
    expect(parseCli(['start']).options.apiPort).toBe(4566);
    expect(parseCli(['start', '--api-port', '0']).options.apiPort).toBe(0);
    expect(parseCli(['start', '--api-port', 'off']).options.apiPort).toBe(false);
    expect(() => parseCli(['start', '--api-port', '70000'])).toThrow(
      expect.objectContaining({
        code: 'SIM_BAD_OPTION',
        message: expect.stringContaining('--api-port must be 0-65535 or "off"'),
      }),
    );
  });

  test('demo defaults to 3 demo backends per target group', () => {
    expect(parseCli(['demo']).options.demoBackends).toBe(3);
  });

  test.each([
    [['start', '--targets', 'nohostport']],
    [['start', '--targets', 'TG=host']],
    [['start', '--demo-backends', '-1']],
    [['start', '--ports', '7']],
    [['start', '--dns-port', '65536']],
    [['start', '--dns-port', 'on']],
    [['frobnicate']],
  ])('%j is rejected with SIM_BAD_OPTION', (argv) => {
    expect(() => parseCli(argv)).toThrow(expect.objectContaining({ code: 'SIM_BAD_OPTION' }));
  });

  test('--help', () => {
    expect(parseCli(['--help']).command).toBe('help');
  });
});

describe('programmatic API', () => {
  let sim: Simulator | undefined;
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
  });

  test('unknown listener → SIM_LISTENER_NOT_FOUND; unknown target group → SIM_TARGET_GROUP_NOT_FOUND', async () => {
    sim = await startFixture({ demoBackends: 0 });
    expect(() => sim!.url('Nope')).toThrow(expect.objectContaining({ code: 'SIM_LISTENER_NOT_FOUND' }));
    expect(() => sim!.targets('Nope')).toThrow(expect.objectContaining({ code: 'SIM_TARGET_GROUP_NOT_FOUND' }));
    expect(() => sim!.targets(SITE).get(0)).toThrow(SimulatorError);
  });

  test('missing cloud assembly → SIM_SOURCE_NOT_FOUND', async () => {
    await expect(Simulator.start('/nonexistent/cdk.out', { ports: 0 })).rejects.toMatchObject({
      code: 'SIM_SOURCE_NOT_FOUND',
    });
  });

  test('--targets registers given addresses; endpoints table lists listeners, rules and targets', async () => {
    sim = await startFixture({ demoBackends: 0, targets: { SiteTG: ['127.0.0.1:9'] } });
    const e = sim.endpoints();
    const site = e.targetGroups.find((t) => t.id === SITE)!;
    expect(site.targets.map((t) => t.address)).toEqual(['127.0.0.1:9']);
    const text = formatEndpoints(e);
    expect(text).toContain(sim.url(WEB_HTTP));
    expect(text).toContain('/api/*');
    expect(text).toContain('redirect 301');
    expect(FIXTURE).toContain('cdk.out');
  });

  test('an aws-cdk-lib Stack synthesized in-process runs in the simulator', async () => {
    const app = new App();
    const stack = new Stack(app, 'InProc', { env: { account: '123456789012', region: 'us-east-1' } });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-12345678',
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      publicSubnetIds: ['subnet-12345678', 'subnet-87654321'],
    });
    const lb = new elbv2.ApplicationLoadBalancer(stack, 'Lb', { vpc, internetFacing: true });
    const listener = lb.addListener('Http', { port: 80, open: false });
    listener.addTargets('Web', {
      port: 8080,
      healthCheck: { path: '/health', interval: undefined },
      targets: [],
    });
    sim = await Simulator.start(stack, { ports: 0, demoBackends: 2, healthCheckIntervalOverrideMs: 100 });
    await sim.waitForHealth('InProc/Lb/Http/WebGroup', 0, 'healthy');
    const r = await get(sim.url('InProc/Lb/Http') + '/');
    expect(r.status).toBe(200);
    expect(r.json().target).toMatch(/#0|#1/);
  });
});

describe('demo backends', () => {
  test('HTTP control paths switch a backend to 503 and back', async () => {
    const { DemoBackend } = await import('../../src/index');
    const b = await DemoBackend.start({ name: 'solo', healthCheckPath: '/health' });
    try {
      expect((await get(b.url + '/_sim/status/503')).status).toBe(200);
      expect((await get(b.url + '/x')).status).toBe(503);
      expect((await get(b.url + '/_sim/recover')).status).toBe(200);
      const r = await get(b.url + '/x?y=1', { headers: { 'x-test': 'a' } });
      expect(r.status).toBe(200);
      expect(r.json()).toMatchObject({ target: 'solo', request: { method: 'GET', url: '/x?y=1', httpVersion: '1.1' } });
      expect(r.json().headers).toContainEqual(['x-test', 'a']);
    } finally {
      await b.close();
    }
  });
});
