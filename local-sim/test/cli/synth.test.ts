/**
 * Synthesizing a user's project the way the CDK CLI does: the app command of cdk.json with CDK_OUTDIR
 * and CDK_CONTEXT_JSON, the assembly read back, failures reported with the app's own output.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { readCdkProject, summarizeAssembly, synthesize } from '../../src/cli/synth';
import { tempProject, type TempProject } from './project';

let project: TempProject;
beforeEach(() => {
  project = tempProject();
});
afterEach(() => project.remove());

describe('readCdkProject', () => {
  test('reads the app command, the context of cdk.json over cdk.context.json, and the watch settings', () => {
    writeFileSync(path.join(project.dir, 'cdk.context.json'), JSON.stringify({ 'from-cdk-json': 'no', lookup: 1 }));
    const p = readCdkProject(project.dir, project.dir)!;
    expect(p.app).toBe('node app.js');
    expect(p.context).toEqual({ 'from-cdk-json': 'yes', lookup: 1 });
    expect(p.watch).toEqual({ include: ['template.json', 'app.js'], exclude: [] });
  });

  test('a folder without cdk.json is not a project; a cdk.json without "app" is a usage error', () => {
    expect(readCdkProject(path.join(project.dir, 'nowhere'))).toBeUndefined();
    writeFileSync(path.join(project.dir, 'cdk.json'), '{"context":{}}');
    expect(() => readCdkProject(project.dir)).toThrow(/SIM_BAD_OPTION: .*cdk\.json has no "app" command/);
  });
});

describe('synthesize', () => {
  test('runs the app with CDK_OUTDIR and CDK_CONTEXT_JSON and returns the assembly with its warnings', async () => {
    const p = readCdkProject(project.dir, project.dir)!;
    const result = await synthesize(p, {
      outDir: '.sim/cdk.out',
      context: { extra: 'flag' },
      env: { PATH: process.env.PATH },
    });
    expect(result.dir).toBe(path.join(project.dir, '.sim', 'cdk.out'));
    expect(result.stacks).toBe(1);
    expect(result.warnings).toEqual(['/LiveFixture/Web: HALB_W_NO_ACCESS_LOGS: no access logs']);
    const context = JSON.parse(readFileSync(path.join(result.dir, 'context.json'), 'utf8'));
    expect(context).toMatchObject({ 'from-cdk-json': 'yes', extra: 'flag', 'aws:cdk:enable-path-metadata': true });
    // aws-cdk-lib's template validation is off unless the user asks for it
    expect(JSON.parse(readFileSync(path.join(result.dir, 'env.json'), 'utf8'))).toEqual({ CDK_VALIDATION: 'false' });
  });

  test('CDK_VALIDATION set by the user is passed on unchanged', async () => {
    const p = readCdkProject(project.dir, project.dir)!;
    const result = await synthesize(p, { outDir: 'out', env: { PATH: process.env.PATH, CDK_VALIDATION: 'true' } });
    expect(JSON.parse(readFileSync(path.join(result.dir, 'env.json'), 'utf8'))).toEqual({ CDK_VALIDATION: 'true' });
  });

  test('an app that exits non-zero fails with SIM_SYNTH_FAILED and its last output as detail', async () => {
    const p = readCdkProject(project.dir, project.dir)!;
    const failing = synthesize(p, { outDir: 'out', env: { PATH: process.env.PATH, FAIL_WITH: '3' } });
    await expect(failing).rejects.toMatchObject({
      code: 'SIM_SYNTH_FAILED',
      message: expect.stringMatching(/^SIM_SYNTH_FAILED: "node app\.js" exited with 3 in /),
      detail: 'something went wrong in the app',
    });
  });

  test('an app that writes no assembly fails with SIM_SYNTH_FAILED', async () => {
    writeFileSync(path.join(project.dir, 'cdk.json'), JSON.stringify({ app: 'node -e "0"' }));
    const p = readCdkProject(project.dir, project.dir)!;
    await expect(synthesize(p, { outDir: 'out' })).rejects.toThrow(
      /SIM_SYNTH_FAILED: "node -e "0"" wrote no cloud assembly/,
    );
  });

  test('context lookups that need AWS credentials are reported, with what to do', async () => {
    const p = readCdkProject(project.dir, project.dir)!;
    await expect(synthesize(p, { outDir: 'out', env: { PATH: process.env.PATH, MISSING: '1' } })).rejects.toThrow(
      /SIM_SYNTH_FAILED: the app needs context lookups that need AWS credentials: vpc-provider \(vpc-provider:account=1\)\. Run "cdk synth" once/,
    );
  });

  test('"app" naming an assembly directory is used as it is', async () => {
    const fixture = path.join(__dirname, '..', 'fixtures', 'live', 'cdk.out');
    const result = await synthesize(
      { dir: project.dir, app: fixture, context: {}, watch: { include: [], exclude: [] } },
      { outDir: 'out' },
    );
    expect(result.dir).toBe(fixture);
    expect(existsSync(path.join(project.dir, 'out'))).toBe(false);
    expect(summarizeAssembly(fixture).stacks).toBe(1);
  });
});
