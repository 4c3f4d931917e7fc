import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { tempProject } from '../cli/project';
import { FIXTURE, get } from './helpers';

const BIN = path.join(__dirname, '..', '..', 'bin', 'ha-sim.js');

let child: ChildProcess | undefined;

afterEach(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  child = undefined;
});

/** Resolves with everything printed so far once `pattern` appears on stdout. */
function waitFor(proc: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (c: Buffer): void => {
      out += c.toString();
      if (pattern.test(out)) {
        proc.stdout!.off('data', onData);
        resolve(out);
      }
    };
    proc.stdout!.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`ha-sim exited with ${code} before ${pattern}: ${out}`)));
  });
}

function exitCode(proc: ChildProcess): Promise<number | null> {
  if (proc.exitCode !== null) return Promise.resolve(proc.exitCode);
  return new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
}

describe('ha-sim CLI (bin/ha-sim.js)', () => {
  test('--help prints usage and exits 0', async () => {
    child = spawn(process.execPath, [BIN, '--help']);
    const out = await waitFor(child, /Usage:/);
    expect(out).toContain('ha-sim start');
    expect(out).toContain('ha-sim demo');
    expect(await exitCode(child)).toBe(0);
  });

  test('start serves the fixture, prints endpoints, the dashboard URL and admin token, and stops cleanly on SIGTERM', async () => {
    child = spawn(process.execPath, [
      BIN,
      'start',
      FIXTURE,
      '--ports',
      '0',
      '--admin-port',
      '0',
      '--api-port',
      '0',
      '--dns-port',
      '0',
      '--demo-backends',
      '1',
      '--summary-seconds',
      '0',
    ]);
    const out = await waitFor(child, /Ctrl-C to stop/);
    const url = /HTTP:80 +(http:\/\/127\.0\.0\.1:\d+) +\[LiveFixture\/Web\/Http\]/.exec(out)?.[1];
    expect(url).toBeDefined();
    expect(out).toMatch(/Target group LiveFixture\/Web\/Site/);
    expect((await get(url! + '/teapot')).status).toBe(418);
    // the ready-to-paste AWS CLI line names the API endpoint and a target group ARN the API resolves
    const aws =
      /Try: AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 aws --endpoint-url (http:\/\/127\.0\.0\.1:\d+) elbv2 describe-target-health --target-group-arn (arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup\/SiteTG\/[0-9a-f]{16})\n/.exec(
        out,
      );
    expect(aws).not.toBeNull();
    const health = await get(
      `${aws![1]}/?Action=DescribeTargetHealth&Version=2015-12-01&TargetGroupArn=${encodeURIComponent(aws![2])}`,
    );
    expect(health.status).toBe(200);
    expect(health.body).toContain('<TargetHealthDescriptions>');
    // the dashboard URL and the admin token it prints are the real ones: the page carries the token and
    // a control posted with it runs
    const dashboard = /\nDashboard: (http:\/\/127\.0\.0\.1:\d+)\/\n/.exec(out)?.[1];
    expect(dashboard).toBeDefined();
    const token = new RegExp(
      `\nControls: curl -X POST -H 'X-HA-Sim-Token: ([0-9a-f]{32})' ${dashboard!.replace(/\./g, '\\.')}/_sim/targets/<tg>/<i>/<verb>\n`,
    ).exec(out)?.[1];
    expect(token).toBeDefined();
    const page = await get(`${dashboard}/`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.body).toContain(`<meta name="ha-sim-token" content="${token}" />`);
    const control = `${dashboard}/_sim/targets/${encodeURIComponent('LiveFixture/Web/Site')}/0/recover`;
    expect((await get(control, { method: 'POST' })).status).toBe(403);
    expect((await get(control, { method: 'POST', headers: { 'x-ha-sim-token': token! } })).status).toBe(200);
    const exited = exitCode(child);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  test('start --watch in a CDK project: synthesizes with progress, then applies each change without dropping connections', async () => {
    const project = tempProject();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      child = spawn(
        process.execPath,
        [
          BIN,
          'start',
          '--watch',
          '--ports',
          '0',
          '--admin-port',
          '0',
          '--api-port',
          '0',
          '--dns-port',
          '0',
          '--demo-backends',
          '1',
          '--summary-seconds',
          '0',
        ],
        {
          cwd: project.dir,
          env: { ...process.env, NO_COLOR: '1' },
        },
      );
      const out = await waitFor(child, /Ctrl-C to stop/);
      expect(out).toMatch(/Synthesizing "node app\.js" into \.sim\/cdk\.out \.\.\./);
      expect(out).toMatch(/Synthesized 1 stack \(\d+\.\d s\)/);
      expect(out).toMatch(/1 warning from the app:\n {2}\/LiveFixture\/Web: HALB_W_NO_ACCESS_LOGS/);
      expect(out).toMatch(/Watching .* \(cdk\.json "watch"\) for changes\./);
      const url = /HTTP:80 +(http:\/\/127\.0\.0\.1:\d+) +\[LiveFixture\/Web\/Http\]/.exec(out)![1];
      expect((await get(url + '/teapot', { agent })).body).toBe('short and stout');

      const file = path.join(project.dir, 'template.json');
      writeFileSync(file, readFileSync(file, 'utf8').replace('short and stout', 'tall and thin'));
      const reloaded = await waitFor(child, /reloaded: .*/);
      expect(reloaded).toMatch(/changed: template\.json/);
      expect(reloaded).toMatch(/reloaded: rules changed on LiveFixture\/Web\/Http/);
      const sockets = Object.values(agent.freeSockets).flat();
      expect((await get(url + '/teapot', { agent })).body).toBe('tall and thin');
      expect(Object.values(agent.freeSockets).flat()).toEqual(sockets);

      const exited = exitCode(child);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      agent.destroy();
      project.remove();
    }
  });
});
