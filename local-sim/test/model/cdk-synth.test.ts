/**
 * The model reads what aws-cdk-lib's elbv2 L2 constructs really synthesize (not only hand-written
 * fixtures): an ALB with a listener, a rule with conditions, IP targets, health check and attributes.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Template } from 'aws-cdk-lib/assertions';
import { findListener, findTargetGroup, modelFromCloudAssembly, modelFromTemplate } from '../../src/model';

function synthStack(): Stack {
  const app = new App({ context: { 'aws:cdk:enable-path-metadata': true } });
  const stack = new Stack(app, 'WebPrimary');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
  const alb = new elbv2.ApplicationLoadBalancer(stack, 'Lb', { vpc, internetFacing: true });
  const listener = alb.addListener('Http', { port: 80, open: false });
  const tg = new elbv2.ApplicationTargetGroup(stack, 'Api', {
    vpc,
    port: 8080,
    protocol: elbv2.ApplicationProtocol.HTTP,
    targetType: elbv2.TargetType.IP,
    targets: [],
    healthCheck: { path: '/health', interval: Duration.seconds(10), healthyHttpCodes: '200-299' },
    deregistrationDelay: Duration.seconds(15),
    stickinessCookieDuration: Duration.hours(1),
    slowStart: Duration.seconds(60),
  });
  listener.addAction('Default', { action: elbv2.ListenerAction.fixedResponse(404, { messageBody: 'none' }) });
  listener.addTargetGroups('Api', {
    priority: 10,
    conditions: [elbv2.ListenerCondition.pathPatterns(['/api/*']), elbv2.ListenerCondition.httpRequestMethods(['GET'])],
    targetGroups: [tg],
  });
  return stack;
}

describe('model: templates synthesized by aws-cdk-lib', () => {
  const stack = synthStack();

  test('§4.1/§8.1 Template.fromStack(...).toJSON(): listener, rule, TG attributes and health check', () => {
    const model = modelFromTemplate(Template.fromStack(stack).toJSON(), 'WebPrimary');
    const listener = findListener(model, 'WebPrimary/Lb/Http')!;
    expect(listener.defaultActions[0]).toMatchObject({ type: 'fixed-response', statusCode: 404, messageBody: 'none' });
    expect(listener.rules).toHaveLength(1);
    expect(listener.rules[0]).toMatchObject({
      priority: 10,
      conditions: [
        { field: 'path-pattern', values: ['/api/*'] },
        { field: 'http-request-method', values: ['GET'] },
      ],
      actions: [{ type: 'forward', targetGroups: [{ targetGroupId: 'WebPrimary/Api', weight: 1 }] }],
    });
    const tg = findTargetGroup(model, 'WebPrimary/Api')!;
    expect(tg.inUse).toBe(true);
    expect(tg.healthCheck).toMatchObject({ path: '/health', intervalSeconds: 10, matcher: { httpCode: '200-299' } });
    expect(tg.attributes).toMatchObject({
      deregistrationDelaySeconds: 15,
      slowStartSeconds: 60,
      stickiness: { enabled: true, type: 'lb_cookie', lbCookieDurationSeconds: 3600 },
    });
    expect(model.issues.filter((i) => i.severity === 'error')).toEqual([]);
  });

  test('in-process cloud assembly (app.synth()) gives the same model', () => {
    const assembly = (stack.node.root as App).synth();
    const model = modelFromCloudAssembly(assembly);
    expect(model.stackNames).toEqual(['WebPrimary']);
    expect(findTargetGroup(model, 'WebPrimary/Api')).toBeDefined();
  });
});
