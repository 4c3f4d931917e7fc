/**
 * The AWS-compatible API with the AWS CLI (`aws --endpoint-url`), as a user types it: dummy credentials,
 * no configuration files. Skipped, with the reason printed, when no working `aws` is on PATH (CI installs
 * the Debian package; see .ci/run). Health checks use the SIMULATOR TEST CONVENIENCE, NOT AWS interval.
 */
import { execFile, execFileSync } from 'node:child_process';
import { DemoBackend, Simulator } from '../../src/index';
import { fixtureWithRecords, get, SITE, startFixture, WEB_HTTP } from './helpers';

const ENV = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_PAGER: '',
  AWS_CONFIG_FILE: '/nonexistent/ha-sim-aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/ha-sim-aws-credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
};

/** `aws --version`, or why the CLI cannot be used. */
function awsVersion(): { version?: string; reason?: string } {
  try {
    return { version: execFileSync('aws', ['--version'], { env: ENV, encoding: 'utf8', timeout: 60_000 }).trim() };
  } catch (err) {
    return { reason: `"aws --version" failed (${(err as Error).message.split('\n')[0]})` };
  }
}

const cli = awsVersion();
if (!cli.version) {
  console.log(
    `AWS CLI tests skipped: no working "aws" on PATH: ${cli.reason}. Install it (apt-get install awscli) to run them.`,
  );
}
const describeWithCli = cli.version ? describe : describe.skip;

/** Each `aws` run starts a Python interpreter (1-3 s on a busy machine); a test makes up to eight of them. */
const CLI_TEST_TIMEOUT_MS = 180_000;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function aws(endpoint: string, args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      'aws',
      ['--endpoint-url', endpoint, '--output', 'json', ...args],
      { env: ENV, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
      },
    );
  });
}

async function awsJson<T = Record<string, any>>(endpoint: string, args: string[]): Promise<T> {
  const r = await aws(endpoint, args);
  if (r.code !== 0) throw new Error(`aws ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return (r.stdout.trim() === '' ? {} : JSON.parse(r.stdout)) as T;
}

describeWithCli(`AWS CLI (${cli.version ?? 'not installed'})`, () => {
  let sim: Simulator | undefined;
  let backend: DemoBackend | undefined;
  afterEach(async () => {
    await sim?.stop();
    await backend?.close();
    sim = undefined;
    backend = undefined;
  });

  test(
    '§1.4/§2.3 elbv2: describe, deregister (draining), register a new server, and an error in AWS words',
    async () => {
      sim = await startFixture({ apiPort: 0 });
      const url = sim.apiUrl!;
      const tgs = await awsJson(url, ['elbv2', 'describe-target-groups', '--names', 'SiteTG']);
      const arn = tgs.TargetGroups[0].TargetGroupArn as string;
      expect(tgs.TargetGroups[0]).toMatchObject({
        TargetGroupName: 'SiteTG',
        Protocol: 'HTTP',
        Port: 80,
        HealthCheckPath: '/health',
      });
      await Promise.all([0, 1, 2].map((i) => sim!.waitForHealth(SITE, i, 'healthy')));
      const health = await awsJson(url, ['elbv2', 'describe-target-health', '--target-group-arn', arn]);
      expect(health.TargetHealthDescriptions.map((d: any) => d.TargetHealth.State)).toEqual([
        'healthy',
        'healthy',
        'healthy',
      ]);

      const first = sim.targets(SITE).get(0).target;
      await awsJson(url, [
        'elbv2',
        'deregister-targets',
        '--target-group-arn',
        arn,
        '--targets',
        `Id=${first.targetId},Port=${first.port}`,
      ]);
      expect(sim.targets(SITE).get(0).health()?.TargetHealth.State).toBe('draining');

      backend = await DemoBackend.start({ name: 'cli', healthCheckPath: '/health' });
      await awsJson(url, [
        'elbv2',
        'register-targets',
        '--target-group-arn',
        arn,
        '--targets',
        `Id=${backend.host},Port=${backend.port}`,
      ]);
      expect(sim.targets(SITE).get(3).target.port).toBe(backend.port);
      await sim.waitForHealth(SITE, 3, 'healthy');

      const bad = await aws(url, ['elbv2', 'describe-target-health', '--target-group-arn', 'nope']);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain(
        "An error occurred (ValidationError) when calling the DescribeTargetHealth operation: 'nope' is not a valid target group ARN",
      );
    },
    CLI_TEST_TIMEOUT_MS,
  );

  test(
    '§4.1 elbv2 create-rule answers on the live listener; modify-target-group-attributes is validated',
    async () => {
      sim = await startFixture({ apiPort: 0 });
      const url = sim.apiUrl!;
      const lbs = await awsJson(url, ['elbv2', 'describe-load-balancers', '--names', 'WebLB']);
      const listeners = await awsJson(url, [
        'elbv2',
        'describe-listeners',
        '--load-balancer-arn',
        lbs.LoadBalancers[0].LoadBalancerArn,
      ]);
      const http = listeners.Listeners.find((l: any) => l.Port === 80);
      const created = await awsJson(url, [
        'elbv2',
        'create-rule',
        '--listener-arn',
        http.ListenerArn,
        '--priority',
        '2',
        '--conditions',
        JSON.stringify([{ Field: 'path-pattern', Values: ['/cli/*'] }]),
        '--actions',
        JSON.stringify([
          { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200', MessageBody: 'from the CLI' } },
        ]),
      ]);
      expect(created.Rules[0]).toMatchObject({ Priority: '2', IsDefault: false });
      const res = await get(sim.url(WEB_HTTP) + '/cli/x');
      expect([res.status, res.body]).toEqual([200, 'from the CLI']);

      const tg = (await awsJson(url, ['elbv2', 'describe-target-groups', '--names', 'SiteTG'])).TargetGroups[0]
        .TargetGroupArn;
      const bad = await aws(url, [
        'elbv2',
        'modify-target-group-attributes',
        '--target-group-arn',
        tg,
        '--attributes',
        'Key=deregistration_delay.timeout_seconds,Value=4000',
      ]);
      expect(bad.stderr).toContain(
        "(ValidationError) when calling the ModifyTargetGroupAttributes operation: The value of 'deregistration_delay.timeout_seconds' must be an integer 0-3600 seconds, but was '4000'",
      );
    },
    CLI_TEST_TIMEOUT_MS,
  );

  test(
    '§7.4 route53: list zones and records, change a record, get-change INSYNC, health-check status per Region',
    async () => {
      sim = await Simulator.start(fixtureWithRecords(), { ports: 0, apiPort: 0 });
      const url = sim.apiUrl!;
      const zones = await awsJson(url, ['route53', 'list-hosted-zones']);
      expect(zones.HostedZones.map((z: any) => [z.Id, z.Name])).toEqual([
        ['/hostedzone/Z0EXAMPLE1234567890', 'example.com.'],
      ]);
      const records = await awsJson(url, [
        'route53',
        'list-resource-record-sets',
        '--hosted-zone-id',
        'Z0EXAMPLE1234567890',
      ]);
      expect(records.ResourceRecordSets.map((r: any) => [r.Name, r.Type, r.Failover])).toEqual([
        ['www.example.com.', 'A', 'PRIMARY'],
        ['www.example.com.', 'A', 'SECONDARY'],
      ]);
      const batch = {
        Changes: [
          {
            Action: 'UPSERT',
            ResourceRecordSet: {
              Name: 'www.example.com',
              Type: 'A',
              SetIdentifier: 'secondary',
              Failover: 'SECONDARY',
              TTL: 30,
              ResourceRecords: [{ Value: '192.0.2.88' }],
            },
          },
        ],
      };
      const change = await awsJson(url, [
        'route53',
        'change-resource-record-sets',
        '--hosted-zone-id',
        '/hostedzone/Z0EXAMPLE1234567890',
        '--change-batch',
        JSON.stringify(batch),
      ]);
      expect(change.ChangeInfo.Status).toBe('PENDING');
      expect(sim.engine.resolveRecord('www.example.com', 'A')?.resourceRecords).toEqual(['192.0.2.88']);
      const synced = await awsJson(url, ['route53', 'get-change', '--id', change.ChangeInfo.Id]);
      expect(synced.ChangeInfo.Status).toBe('INSYNC');

      const checks = await awsJson(url, ['route53', 'list-health-checks']);
      const status = await awsJson(url, [
        'route53',
        'get-health-check-status',
        '--health-check-id',
        checks.HealthChecks[0].Id,
      ]);
      // two checkers per Region (simulator choice route53_checkers), each with its own last probe
      expect(status.HealthCheckObservations).toHaveLength(16);
      for (const o of status.HealthCheckObservations as { StatusReport: { Status: string } }[]) {
        expect(o.StatusReport.Status).toMatch(/^(Success|Failure): /);
      }

      const missing = await aws(url, ['route53', 'get-hosted-zone', '--id', 'ZNOPE']);
      expect(missing.stderr).toContain(
        'An error occurred (NoSuchHostedZone) when calling the GetHostedZone operation: No hosted zone found with ID: ZNOPE',
      );
    },
    CLI_TEST_TIMEOUT_MS,
  );
});
