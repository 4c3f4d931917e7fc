/**
 * `ha-sim` conventions: --version, one exit code per kind of failure for every command, every error one
 * line with its code and no stack trace, colour only on a terminal and never with NO_COLOR.
 */
import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { main, version } from '../../src/cli';
import { colourEnabled, painter } from '../../src/cli/output';
import { formatEndpoints } from '../../src/cli/report';
import { tempProject } from './project';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'live', 'cdk.out');
const SILENT = ['--ports', '0', '--dns-port', '0', '--summary-seconds', '0', '-q'];

async function cli(argv: string[], cwd = process.cwd()): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t + '\n'), err: (t) => (err += t + '\n') }, cwd);
  return { code, out, err };
}

function expectOneLineError(err: string, code: string): void {
  const lines = err.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^${code}: `));
  expect(err).not.toMatch(/\n\s+at /);
}

/** An assembly directory holding one template. */
function assemblyWith(template: object, stacks = 1): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ha-sim-asm-'));
  const artifacts: Record<string, object> = {};
  for (let i = 0; i < stacks; i++) {
    writeFileSync(path.join(dir, `S${i}.template.json`), JSON.stringify(template));
    artifacts[`S${i}`] = { type: 'aws:cloudformation:stack', properties: { templateFile: `S${i}.template.json` } };
  }
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ version: '36.0.0', artifacts }));
  return dir;
}

describe('ha-sim --version and exit codes', () => {
  test('--version prints the package version and exits 0', async () => {
    const r = await cli(['--version']);
    expect(r).toEqual({ code: 0, out: `${version()}\n`, err: '' });
    expect(version()).toMatch(/^\d+\.\d+\.\d+/);
  });

  test.each([
    ['an unknown option', ['start', '--nope'], 'SIM_BAD_OPTION'],
    ['an unknown command', ['stop'], 'SIM_BAD_OPTION'],
    ['a missing assembly directory', ['start', '/no/such/cdk.out'], 'SIM_SOURCE_NOT_FOUND'],
    ['a missing assembly for compare', ['compare', '/no/such/cdk.out', '--target-group', 'X'], 'SIM_SOURCE_NOT_FOUND'],
    [
      'an unknown target group',
      ['start', FIXTURE, ...SILENT, '--targets', 'Nope=127.0.0.1:1'],
      'SIM_TARGET_GROUP_NOT_FOUND',
    ],
    [
      'an unknown target group for compare',
      ['compare', FIXTURE, '--target-group', 'Nope'],
      'SIM_TARGET_GROUP_NOT_FOUND',
    ],
    [
      'a port offset past 65535',
      ['start', FIXTURE, '--port-offset', '65000', '--admin-port', 'off', '-q'],
      'SIM_BAD_OPTION',
    ],
    ['no load-balancer node processes', ['start', FIXTURE, ...SILENT, '--workers', '0'], 'SIM_BAD_OPTION'],
    ['more node processes than allowed', ['start', FIXTURE, ...SILENT, '--workers', '65'], 'SIM_BAD_OPTION'],
    ['node processes that are not a number', ['start', FIXTURE, ...SILENT, '--workers', 'two'], 'SIM_BAD_OPTION'],
    [
      'a bind address that does not resolve',
      ['start', FIXTURE, ...SILENT, '--host', 'no-such-host.invalid'],
      'SIM_BAD_OPTION',
    ],
    [
      'a bind address of another machine',
      ['start', FIXTURE, ...SILENT, '--admin-port', 'off', '--host', '192.0.2.7'],
      'SIM_BAD_OPTION',
    ],
    [
      'an access log that cannot be written',
      ['start', FIXTURE, ...SILENT, '--access-log', '/no/such/dir/access.log'],
      'SIM_BAD_OPTION',
    ],
  ])('%s is a usage error: exit 2, one line with the code', async (_what, argv, code) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expectOneLineError(r.err, code);
  });

  test('the messages say what is wrong and what to do', async () => {
    expect((await cli(['start', FIXTURE, '--port-offset', '65000', '--admin-port', 'off', '-q'])).err).toMatch(
      /listener LiveFixture\/Web\/Http \(HTTP:80\) would bind local port 73080, above 65535; use a smaller --port-offset or --ports 0/,
    );
    expect((await cli(['start', FIXTURE, ...SILENT, '--host', 'no-such-host.invalid'])).err).toMatch(
      /--host no-such-host\.invalid does not resolve \(ENOTFOUND\)/,
    );
    expect((await cli(['start', FIXTURE, ...SILENT, '--admin-port', 'off', '--host', '192.0.2.7'])).err).toMatch(
      /--host 192\.0\.2\.7 is not an address of this machine/,
    );
    expect((await cli(['start', FIXTURE, ...SILENT, '--access-log', '/no/such/dir/access.log'])).err).toMatch(
      /access log \/no\/such\/dir\/access\.log cannot be written \(ENOENT\)/,
    );
  });

  describe('assemblies with nothing to serve', () => {
    const dirs: string[] = [];
    afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

    test('an assembly with no stacks: exit 2, SIM_SOURCE_INVALID', async () => {
      const dir = assemblyWith({}, 0);
      dirs.push(dir);
      const r = await cli(['start', dir, ...SILENT]);
      expect(r.code).toBe(2);
      expectOneLineError(r.err, 'SIM_SOURCE_INVALID');
    });

    test('a stack without load balancers: exit 2, SIM_NOTHING_TO_SERVE (not "Ctrl-C to stop" and exit 0)', async () => {
      const dir = assemblyWith({ Resources: { Bucket: { Type: 'AWS::S3::Bucket' } } });
      dirs.push(dir);
      const r = await cli(['start', dir, ...SILENT]);
      expect(r.code).toBe(2);
      expectOneLineError(r.err, 'SIM_NOTHING_TO_SERVE');
      expect(r.err).toMatch(/the assembly has no load balancer/);
      expect(r.out).not.toMatch(/Ctrl-C/);
    });

    test('only listeners the live simulator does not serve: exit 2, naming them', async () => {
      const dir = assemblyWith({
        Resources: {
          Nlb: { Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer', Properties: { Type: 'network' } },
          Tg: {
            Type: 'AWS::ElasticLoadBalancingV2::TargetGroup',
            Properties: { Protocol: 'QUIC', Port: 443, TargetType: 'ip' },
          },
          Quic: {
            Type: 'AWS::ElasticLoadBalancingV2::Listener',
            Properties: {
              LoadBalancerArn: { Ref: 'Nlb' },
              Protocol: 'QUIC',
              Port: 443,
              DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: 'Tg' } }],
            },
          },
        },
      });
      dirs.push(dir);
      const r = await cli(['start', dir, ...SILENT]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^SIM_NOTHING_TO_SERVE: .*only listeners the live simulator does not serve \(QUIC:443\)/);
    });
  });

  describe('runtime failures', () => {
    let busy: Server;
    beforeAll(async () => {
      busy = createServer();
      await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    });
    afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

    test('the admin port in use: exit 1, SIM_PORT_IN_USE with what to do, no stack trace', async () => {
      const port = (busy.address() as { port: number }).port;
      const r = await cli(['start', FIXTURE, ...SILENT, '--admin-port', String(port)]);
      expect(r.code).toBe(1);
      expectOneLineError(r.err, 'SIM_PORT_IN_USE');
      expect(r.err).toMatch(
        new RegExp(`admin port ${port} is in use; use --admin-port N \\(0 = a free port\\) or --admin-port off`),
      );
    });

    test('a failing synthesis: exit 1, the error line, then the app output indented', async () => {
      const project = tempProject();
      try {
        writeFileSync(
          path.join(project.dir, 'cdk.json'),
          JSON.stringify({ app: 'node -e "console.error(\'boom\'); process.exit(4)"' }),
        );
        const r = await cli(['start', ...SILENT], project.dir);
        expect(r.code).toBe(1);
        expect(r.err.split('\n')[0]).toMatch(/^SIM_SYNTH_FAILED: ".*" exited with 4 in /);
        expect(r.err).toContain('  | boom');
      } finally {
        project.remove();
      }
    });
  });

  test('start without an argument outside a CDK project: exit 2, saying what to do', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ha-sim-empty-'));
    try {
      const r = await cli(['start'], dir);
      expect(r.code).toBe(2);
      expectOneLineError(r.err, 'SIM_SOURCE_NOT_FOUND');
      expect(r.err).toMatch(/no cdk\.json in .*: run ha-sim in your CDK project, or name a cloud assembly directory/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--no-synth with no earlier assembly: exit 2', async () => {
    const project = tempProject();
    try {
      mkdirSync(path.join(project.dir, '.sim'), { recursive: true });
      const r = await cli(['start', '--no-synth', ...SILENT], project.dir);
      expect(r.code).toBe(2);
      expectOneLineError(r.err, 'SIM_SOURCE_NOT_FOUND');
    } finally {
      project.remove();
    }
  });
});

describe('colour', () => {
  const endpoints = {
    loadBalancers: [],
    targetGroups: [
      {
        id: 'S/Web/Site',
        arn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/Site/0123456789abcdef',
        healthCheck: 'HTTP',
        targets: [{ index: 0, address: '127.0.0.1:1', state: 'healthy' }],
      },
    ],
    issues: [],
    failedZones: [],
  };

  test('only on a terminal, and never with NO_COLOR (even empty) or TERM=dumb', () => {
    expect(colourEnabled({ tty: true, env: {} })).toBe(true);
    expect(colourEnabled({ tty: false, env: {} })).toBe(false);
    expect(colourEnabled({ tty: true, env: { NO_COLOR: '' } })).toBe(false);
    expect(colourEnabled({ tty: true, env: { TERM: 'dumb' } })).toBe(false);
  });

  test('health states are coloured on a terminal and still spelled out', () => {
    const coloured = formatEndpoints(endpoints, painter({ tty: true, env: {} }));
    expect(coloured).toMatch(/\x1b\[32mhealthy\s*\x1b\[39m/);
    const plain = formatEndpoints(endpoints, painter({ tty: true, env: { NO_COLOR: '1' } }));
    expect(plain).not.toMatch(/\x1b\[/);
    expect(plain).toMatch(/127\.0\.0\.1:1 +- +- +healthy/);
  });
});
