import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import { readFileSync } from 'fs';
import { join } from 'path';
import { buildDemoApp } from '../bin/demo';

/** The demo app as `cdk synth` builds it: with cdk.json's context (Availability Zones, feature flags). */
function demoApp(): ReturnType<typeof buildDemoApp> {
  const { context } = JSON.parse(readFileSync(join(__dirname, '..', 'cdk.json'), 'utf8'));
  return buildDemoApp(new App({ context }));
}

describe('demo app (bin/app.ts)', () => {
  test('two regional stacks, each with an ALB, an NLB and one side of the failover pair', () => {
    const { primary, secondary } = demoApp();
    for (const [stack, role] of [
      [primary, 'PRIMARY'],
      [secondary, 'SECONDARY'],
    ] as const) {
      const t = Template.fromStack(stack);
      t.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 2);
      t.hasResourceProperties('AWS::Route53::RecordSet', { Failover: role, Name: 'www.example.com.' });
      t.resourceCountIs('AWS::Route53::HealthCheck', 1);
    }
    expect(primary.region).toBe('us-east-1');
    expect(secondary.region).toBe('us-west-2');
  });

  test('snapshot of both templates', () => {
    const { primary, secondary } = demoApp();
    expect(Template.fromStack(primary).toJSON()).toMatchSnapshot('WebPrimary');
    expect(Template.fromStack(secondary).toJSON()).toMatchSnapshot('WebSecondary');
  });

  test('cdk-nag AwsSolutions and NIST 800-53 R5: no unacknowledged errors', () => {
    const { app } = demoApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new NIST80053R5Checks(app));
    let report = '';
    try {
      app.synth();
    } catch (e) {
      report = String((e as Error).message);
    }
    expect(report).toBe('');
  });
});
