/**
 * The packages as a user gets them: `npm pack` all three, install the tarballs into a fresh CDK
 * TypeScript app (test/consumer/app: its own package.json with the peers, `tsc` with `strict` and
 * `noUncheckedIndexedAccess` and `skipLibCheck` off, cdk.json `node dist/app.js`; no tsx, no ts-node),
 * then build, synthesize, test and simulate it with plain Node, and type-check it against the lowest
 * aws-cdk-lib this library supports.
 *
 * One install per run, from the npm cache where it can (`--prefer-offline`), into a temporary folder.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.join(__dirname, '..');
const FIXTURE = path.join(__dirname, 'consumer', 'app');
const run = promisify(execFile);

/** Version of a package installed in this repository (the consumer gets the same ones). */
function installed(name: string): string {
  return (
    JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }
  ).version;
}

const rootPackage = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  peerDependencies: Record<string, string>;
};
/** The lowest aws-cdk-lib the construct library supports: the floor of its peer range. */
const FLOOR = rootPackage.peerDependencies['aws-cdk-lib']!.replace(/^\^/, '');

let work: string;
let app: string;
const tarballs: Record<string, string> = {};

async function sh(cwd: string, file: string, args: string[], timeoutMs = 300_000): Promise<string> {
  try {
    const { stdout, stderr } = await run(file, args, {
      cwd,
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, NO_COLOR: '1', npm_config_audit: 'false', npm_config_fund: 'false' },
    });
    return stdout + stderr;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')} failed in ${cwd}: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/** Resolves with everything printed so far once `pattern` appears in the output. */
function waitFor(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (c: Buffer): void => {
      out += c.toString();
      if (pattern.test(out)) resolve(out);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code} before ${pattern}:\n${out}`)));
  });
}

/** `npx ha-sim ...` in its own process group, as a terminal runs it (Ctrl-C reaches the whole group). */
function npx(args: string[]): ChildProcess {
  return spawn('npx', args, { cwd: app, env: { ...process.env, NO_COLOR: '1' }, detached: true });
}

/**
 * Ctrl-C: SIGINT to the process group, as a terminal sends it. Resolves with what was printed while
 * stopping, once every process of the group has closed its output (npx itself dies of the signal, so
 * ha-sim's own exit code is not visible through it; its "Stopped." line and its exit are).
 */
async function interrupt(child: ChildProcess): Promise<string> {
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  const closed = new Promise<void>((resolve) => child.stdout!.once('end', () => resolve()));
  process.kill(-child.pid!, 'SIGINT');
  await closed;
  return out;
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'halb-consumer-'));
  // Packing builds first (prepack): the tarballs hold what tsc compiles from the sources now.
  await sh(ROOT, 'npm', ['pack', '--pack-destination', work]);
  await sh(ROOT, 'npm', ['pack', '-w', 'spec', '-w', 'local-sim', '--pack-destination', work]);
  for (const f of readdirSync(work)) {
    if (f.endsWith('.tgz')) tarballs[f.replace(/-\d+\.\d+\.\d+\.tgz$/, '')] = path.join(work, f);
  }
  app = path.join(work, 'app');
  cpSync(FIXTURE, app, { recursive: true });
  // The README's jest example runs in the fresh app too, exactly as a user copies it.
  cpSync(path.join(ROOT, 'test', 'local-sim-example.test.ts'), path.join(app, 'test', 'readme-example.test.ts'));
  cpSync(path.join(ROOT, 'test', 'local-sim-quick.test.ts'), path.join(app, 'test', 'readme-quick.test.ts'));
  cpSync(path.join(ROOT, 'test', 'local-sim-quick.node-test.ts'), path.join(app, 'test', 'readme-quick.node-test.ts'));
  const pkg = {
    name: 'shop-app',
    version: '1.0.0',
    private: true,
    scripts: { build: 'tsc', test: 'jest' },
    dependencies: {
      'aws-cdk-lib': installed('aws-cdk-lib'),
      constructs: installed('constructs'),
      'ha-load-balancer': `file:${tarballs['ha-load-balancer']}`,
      '@ha-load-balancer/spec': `file:${tarballs['ha-load-balancer-spec']}`,
    },
    devDependencies: {
      '@ha-load-balancer/local-sim': `file:${tarballs['ha-load-balancer-local-sim']}`,
      'aws-cdk': installed('aws-cdk'),
      typescript: installed('typescript'),
      jest: installed('jest'),
      'ts-jest': installed('ts-jest'),
      '@types/jest': installed('@types/jest'),
      '@types/node': installed('@types/node'),
    },
  };
  writeFileSync(path.join(app, 'package.json'), JSON.stringify(pkg, null, 2));
  await sh(app, 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], 600_000);
}, 900_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed packages', () => {
  test('hold compiled JavaScript, declarations, source maps, LICENSE, README and CHANGELOG, and no tests or fixtures', async () => {
    for (const [name, file] of Object.entries(tarballs)) {
      const files = (await sh(work, 'tar', ['-tzf', file])).trim().split('\n');
      expect(files).toEqual(expect.arrayContaining(['package/LICENSE', 'package/CHANGELOG.md', 'package/README.md']));
      expect(files.some((f) => f.endsWith('.d.ts'))).toBe(true);
      expect(files.some((f) => f.endsWith('.js.map'))).toBe(true);
      const unwanted = files.filter(
        (f) =>
          /(^|\/)(test|tests|__snapshots__|fixtures|bench|bin\/app|bin\/demo)(\/|\.)/.test(f) ||
          (f.endsWith('.ts') && !f.endsWith('.d.ts')),
      );
      expect({ name, unwanted }).toEqual({ name, unwanted: [] });
    }
  });

  test('the constructs depend on the spec package only; aws-cdk-lib and constructs are peers', () => {
    const manifest = (dir: string) =>
      JSON.parse(readFileSync(path.join(app, 'node_modules', dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    const constructs = manifest('ha-load-balancer');
    expect(constructs.dependencies).toEqual({ '@ha-load-balancer/spec': rootPackage.version });
    expect(Object.keys(constructs.peerDependencies as object).sort()).toEqual(['aws-cdk-lib', 'constructs']);
    expect(manifest('@ha-load-balancer/spec').dependencies).toBeUndefined();
    const sim = manifest('@ha-load-balancer/local-sim');
    expect(sim.peerDependenciesMeta).toEqual({ 'aws-cdk-lib': { optional: true } });
  });
});

describe('a fresh CDK app with the packages installed', () => {
  test('holds exactly one copy of aws-cdk-lib', async () => {
    const out = await sh(app, 'npm', ['ls', 'aws-cdk-lib', '--all', '--parseable']);
    const copies = [
      ...new Set(
        out
          .trim()
          .split('\n')
          .filter((l) => l.endsWith(`${path.sep}aws-cdk-lib`)),
      ),
    ];
    expect(copies).toEqual([path.join(app, 'node_modules', 'aws-cdk-lib')]);
  }, 60_000);

  test('builds with tsc: strict, noUncheckedIndexedAccess, skipLibCheck off', async () => {
    await sh(app, 'npx', ['tsc', '-p', 'tsconfig.json']);
    expect(existsSync(path.join(app, 'dist', 'app.js'))).toBe(true);
  }, 180_000);

  test('npx cdk synth succeeds with plain node (cdk.json: node dist/app.js)', async () => {
    const out = await sh(app, 'npx', ['cdk', 'synth', '--quiet']);
    expect(existsSync(path.join(app, 'cdk.out', 'Shop.template.json'))).toBe(true);
    expect(out).not.toMatch(/error/i);
  }, 180_000);

  test('its ts-jest tests start the simulator from the Stack within jest default timeouts', async () => {
    const out = await sh(app, 'npx', ['jest', '--ci']);
    expect(out).toMatch(/Tests:\s+\d+ passed, \d+ total/);
    expect(out).not.toMatch(/failed/);
  }, 300_000);

  test('the README node:test example compiles with tsc and passes under node --test', async () => {
    await sh(app, 'npx', ['tsc', '-p', 'tsconfig.node-test.json']);
    const out = await sh(app, process.execPath, ['--test', path.join('dist-node-test', 'readme-quick.node-test.js')]);
    expect(out).toMatch(/# pass 1\n# fail 0/);
  }, 120_000);

  test('npx ha-sim --version prints the version', async () => {
    expect((await sh(app, 'npx', ['ha-sim', '--version'])).trim()).toBe(rootPackage.version);
  }, 60_000);

  test('npx ha-sim start <cdk.out> serves the app', async () => {
    const child = npx([
      'ha-sim',
      'start',
      'cdk.out',
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
    ]);
    try {
      const out = await waitFor(child, /Ctrl-C to stop/);
      const url = /HTTP:80 +(http:\/\/127\.0\.0\.1:\d+) +\[Shop\/Web\/Http\]/.exec(out)?.[1];
      expect(url).toMatch(/^http:/);
      const res = await fetch(`${url}/ping`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('pong');
    } finally {
      expect(await interrupt(child)).toMatch(/SIGINT: stopping \.\.\.\nStopped\./);
    }
  }, 120_000);

  test('npx ha-sim start (no argument) synthesizes the project through its cdk.json, then serves', async () => {
    const child = npx([
      'ha-sim',
      'start',
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
    ]);
    try {
      const out = await waitFor(child, /Ctrl-C to stop/);
      expect(out).toMatch(/Synthesizing "node dist\/app.js" into \.sim\/cdk\.out/);
      expect(out).toMatch(/Synthesized 1 stack \(\d+\.\d s\)/);
      const url = /HTTP:80 +(http:\/\/127\.0\.0\.1:\d+) +\[Shop\/Web\/Http\]/.exec(out)?.[1];
      expect((await fetch(`${url}/ping`)).status).toBe(200);
    } finally {
      expect(await interrupt(child)).toMatch(/SIGINT: stopping \.\.\.\nStopped\./);
    }
  }, 120_000);

  test(`builds and synthesizes against the lowest supported aws-cdk-lib (${FLOOR})`, async () => {
    await sh(app, 'npm', ['install', '--no-save', '--prefer-offline', `aws-cdk-lib@${FLOOR}`], 600_000);
    expect(
      (
        JSON.parse(readFileSync(path.join(app, 'node_modules', 'aws-cdk-lib', 'package.json'), 'utf8')) as {
          version: string;
        }
      ).version,
    ).toBe(FLOOR);
    await sh(app, 'npx', ['tsc', '-p', 'tsconfig.test.json']);
    rmSync(path.join(app, 'cdk.out'), { recursive: true, force: true });
    await sh(app, 'npx', ['cdk', 'synth', '--quiet']);
    const template = readFileSync(path.join(app, 'cdk.out', 'Shop.template.json'), 'utf8');
    expect(template).toContain('AWS::ElasticLoadBalancingV2::ListenerRule');
  }, 600_000);
});
