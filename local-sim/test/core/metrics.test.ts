import { Metrics, renderPrometheus } from '../../src/core/metrics';

const LB = 'app/web/50dc6c495c0c9188';
const TG = 'targetgroup/site/73e2d6bc24d8a067';

describe('CloudWatch metrics (aws-semantics.md §5.6)', () => {
  test('RequestCount counts only requests where a target was chosen', () => {
    const m = new Metrics();
    m.recordRequest({ loadBalancer: LB, targetGroup: TG, targetChosen: true, targetStatusCode: 200 });
    m.recordRequest({ loadBalancer: LB, targetChosen: false, elbStatusCode: 503, targetGroup: TG });
    const s = m.snapshot();
    expect(s.loadBalancers[LB].RequestCount).toBe(1);
    expect(s.targetGroups[TG].RequestCountPerTarget).toBe(1);
    expect(s.targetGroups[TG].HTTPCode_Target_2XX_Count).toBe(1);
  });

  test.each([
    [502, 'HTTPCode_ELB_5XX_Count', 'HTTPCode_ELB_502_Count'],
    [503, 'HTTPCode_ELB_5XX_Count', 'HTTPCode_ELB_503_Count'],
    [504, 'HTTPCode_ELB_5XX_Count', 'HTTPCode_ELB_504_Count'],
    [463, 'HTTPCode_ELB_4XX_Count', undefined],
  ] as const)('ELB status %i counts in %s and %s', (status, cls, exact) => {
    const m = new Metrics();
    m.recordRequest({ loadBalancer: LB, targetChosen: false, elbStatusCode: status });
    const c = m.snapshot().loadBalancers[LB];
    expect(c[cls]).toBe(1);
    if (exact) expect(c[exact]).toBe(1);
  });

  test('redirects, fixed responses, non-sticky, fail-open and connection errors', () => {
    const m = new Metrics();
    m.recordRequest({ loadBalancer: LB, targetChosen: false, elbStatusCode: 301, action: 'redirect' });
    m.recordRequest({ loadBalancer: LB, targetChosen: false, elbStatusCode: 404, action: 'fixed-response' });
    m.recordRequest({
      loadBalancer: LB,
      targetGroup: TG,
      targetChosen: true,
      nonSticky: true,
      unhealthyRouting: true,
      targetConnectionError: true,
      elbStatusCode: 502,
      targetResponseTime: 0.25,
    });
    const s = m.snapshot();
    expect(s.loadBalancers[LB].HTTP_Redirect_Count).toBe(1);
    expect(s.loadBalancers[LB].HTTPCode_ELB_3XX_Count).toBe(1);
    expect(s.loadBalancers[LB].HTTP_Fixed_Response_Count).toBe(1);
    expect(s.loadBalancers[LB].NonStickyRequestCount).toBe(1);
    expect(s.targetGroups[TG].UnhealthyRoutingRequestCount).toBe(1);
    expect(s.targetGroups[TG].TargetConnectionErrorCount).toBe(1);
    expect(s.targetGroups[TG].TargetResponseTime).toBe(0.25);
  });

  test('connections and host counts are gauges', () => {
    const m = new Metrics();
    m.connectionOpened(LB);
    m.connectionOpened(LB);
    m.connectionClosed(LB);
    m.setHostCounts(TG, 2, 1);
    const s = m.snapshot();
    expect(s.loadBalancers[LB].NewConnectionCount).toBe(2);
    expect(s.loadBalancers[LB].ActiveConnectionCount).toBe(1);
    expect(s.targetGroups[TG].HealthyHostCount).toBe(2);
    expect(s.targetGroups[TG].UnHealthyHostCount).toBe(1);
  });

  test('Prometheus rendering keeps AWS metric names and dimensions', () => {
    const m = new Metrics();
    m.declare(LB, [TG]);
    m.recordRequest({
      loadBalancer: LB,
      targetGroup: TG,
      targetChosen: true,
      targetStatusCode: 500,
      targetResponseTime: 1,
    });
    const text = renderPrometheus(m.snapshot());
    expect(text).toContain(`aws_applicationelb_RequestCount{LoadBalancer="${LB}"} 1`);
    expect(text).toContain(`aws_applicationelb_HTTPCode_Target_5XX_Count{TargetGroup="${TG}"} 1`);
    expect(text).toContain(`aws_applicationelb_UnHealthyHostCount{TargetGroup="${TG}"} 0`);
    expect(text).toContain(`aws_applicationelb_TargetResponseTime_count{TargetGroup="${TG}"} 1`);
    expect(text).toContain('# TYPE aws_applicationelb_HealthyHostCount gauge');
  });
});

test('invalid header names count as dropped or forwarded (aws-semantics.md §5.3, §5.6)', () => {
  const m = new Metrics();
  m.recordRequest({ loadBalancer: LB, targetChosen: true, invalidHeaders: 'dropped' });
  m.recordRequest({ loadBalancer: LB, targetChosen: true, invalidHeaders: 'forwarded' });
  const c = m.snapshot().loadBalancers[LB];
  expect(c.DroppedInvalidHeaderRequestCount).toBe(1);
  expect(c.ForwardedInvalidHeaderRequestCount).toBe(1);
});
