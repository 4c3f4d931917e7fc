import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import * as ts from 'typescript';

const ROOT = join(__dirname, '..');
const OUT = join(ROOT, '.readme-snippets');

/** Fragments run inside this stack; complete programs (starting with `import`) run as they are. */
const PREAMBLE = `
import { App, Duration, SecretValue, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as sns from 'aws-cdk-lib/aws-sns';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { InstanceTarget, IpTarget, LambdaTarget } from 'aws-cdk-lib/aws-elasticloadbalancingv2-targets';
import {
  Algorithm, DesyncMitigationMode, FailoverRole, HaLoadBalancer, IpAddressType, ListenerAction,
  ListenerCondition, LoadBalancerType, MutualTls, RuleTransform, Stickiness, TargetGroupProtocol, TargetKind,
  UnauthenticatedAction, XffHeaderProcessingMode,
} from 'ha-load-balancer';
const cdkApp = new App({ context: { 'availability-zones:account=123456789012:region=us-east-1': ['us-east-1a', 'us-east-1b'] } });
const stack = new Stack(cdkApp, 'Readme', { env: { account: '123456789012', region: 'us-east-1' } });
const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
const certificate = elbv2.ListenerCertificate.fromArn('arn:aws:acm:us-east-1:123456789012:certificate/abc');
const lb = new HaLoadBalancer(stack, 'Web', { vpc });
const site = lb.addTargetGroup('Site', { port: 8080 });
const api = lb.addTargetGroup('Api', { port: 9000 });
const topic = new sns.Topic(stack, 'Topic');
void [Algorithm, DesyncMitigationMode, FailoverRole, IpAddressType, ListenerCondition, LoadBalancerType, Stickiness, TargetGroupProtocol, TargetKind, Duration, IpTarget, SnsAction, iam, lambda, InstanceTarget, LambdaTarget, site, api, topic, certificate, SecretValue, cloudwatch, cognito, s3, MutualTls, RuleTransform, UnauthenticatedAction, XffHeaderProcessingMode];
`;

/** Test files the README shows verbatim; jest (or node:test in the consumer app) runs them. */
const EXAMPLE_TESTS = ['local-sim-example.test.ts', 'local-sim-quick.test.ts', 'local-sim-quick.node-test.ts'];
const example = (file: string): string => readFileSync(join(ROOT, 'test', file), 'utf8');

function snippets(): { name: string; code: string }[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const examples = EXAMPLE_TESTS.map(example);
  // The example tests are test files of their own, not programs to synthesize.
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]).filter((b) => !examples.includes(b));
  return blocks.map((block, i) => {
    const complete = block.trimStart().startsWith('import');
    const code = complete
      ? `${block}\nexport const synthesized = app.synth();\n`
      : `${PREAMBLE}\n${block}\nexport const synthesized = cdkApp.synth();\n`;
    return { name: `snippet-${i + 1}`, code };
  });
}

describe('README snippets', () => {
  const all = snippets();
  beforeAll(() => {
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    for (const s of all) writeFileSync(join(OUT, `${s.name}.ts`), s.code);
  });

  test.each(EXAMPLE_TESTS)('the README shows test/%s verbatim', (file) => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('```ts\n' + example(file) + '```');
  });

  test('the README links only to documents in the repository', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const local = [...readme.matchAll(/\]\((?!https?:|#)([^)#]+)/g)].map((m) => m[1]);
    const mentioned = [
      ...readme.matchAll(/`((?:docs|lib|spec|local-sim|test|bin|bench)\/[^`\s*<>]+\.(?:md|ts|js|json))`/g),
    ].map((m) => m[1]);
    const missing = [...local, ...mentioned].filter((f) => !existsSync(join(ROOT, f)));
    expect(missing).toEqual([]);
    expect(readme).not.toMatch(/\.\.\/shared|aws-semantics\.md/);
  });

  test('the README has a quick start and feature snippets', () => {
    expect(all.length).toBeGreaterThanOrEqual(8);
  });

  test('every ts block type-checks against the library', () => {
    const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile).config;
    const { options } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT);
    const program = ts.createProgram(
      all.map((s) => join(OUT, `${s.name}.ts`)),
      { ...options, noUnusedLocals: false, noEmit: true },
    );
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file?.fileName.startsWith(OUT))
      .map((d) => `${d.file!.fileName}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(diagnostics).toEqual([]);
  });

  test.each(snippets().map((s) => [s.name]))('%s synthesizes', (name) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(join(OUT, `${name}.ts`));
    expect(mod.synthesized.stacks.length).toBeGreaterThan(0);
  });
});
