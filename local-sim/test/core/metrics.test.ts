import { Metrics } from '../../src/core/metrics';
import { renderPrometheus } from '../../src/live/prometheus';

const LB = 'app/web/50dc6c495c0c9188';
const TG = 'targetgroup/site/73e2d6bc24d8a067';

describe('CloudWatch metrics (docs/aws-behaviour.md §5.6)', () => {
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

  test('Prometheus rendering keeps AWS metric names and dimensions', async () => {
    const m = new Metrics();
    m.declare(LB, [TG]);
    m.recordRequest({
      loadBalancer: LB,
      targetGroup: TG,
      targetChosen: true,
      targetStatusCode: 500,
      targetResponseTime: 1,
    });
    const text = await renderPrometheus(m);
    expect(text).toContain(`aws_applicationelb_RequestCount{LoadBalancer="${LB}"} 1`);
    expect(text).toContain(`aws_applicationelb_HTTPCode_Target_5XX_Count{TargetGroup="${TG}"} 1`);
    expect(text).toContain(`aws_applicationelb_UnHealthyHostCount{TargetGroup="${TG}"} 0`);
    expect(text).toContain(`aws_applicationelb_TargetResponseTime_count{TargetGroup="${TG}"} 1`);
    expect(text).toContain('# TYPE aws_applicationelb_HealthyHostCount gauge');
  });
});

test('invalid header names count as dropped or forwarded (docs/aws-behaviour.md §5.3, §5.6)', () => {
  const m = new Metrics();
  m.recordRequest({ loadBalancer: LB, targetChosen: true, invalidHeaders: 'dropped' });
  m.recordRequest({ loadBalancer: LB, targetChosen: true, invalidHeaders: 'forwarded' });
  const c = m.snapshot().loadBalancers[LB];
  expect(c.DroppedInvalidHeaderRequestCount).toBe(1);
  expect(c.ForwardedInvalidHeaderRequestCount).toBe(1);
});

describe('NLB metrics in AWS/NetworkELB (docs/aws-behaviour.md §6.7)', () => {
  const NLB = 'net/db/2a3b4c5d6e7f8091';
  const NTG = 'targetgroup/db/0a1b2c3d4e5f6071';

  test('flows, bytes and resets count under the NetworkELB names, host counts follow the declared namespace', async () => {
    const m = new Metrics();
    m.declare(LB, [TG]);
    m.declare(NLB, [NTG], 'network');
    m.flowOpened(NLB, 'TCP', NTG, true);
    m.flowOpened(NLB, 'TCP', NTG);
    m.flowBytes(NLB, 'TCP', 120);
    m.flowBytes(NLB, 'TCP', 30);
    m.flowClosed(NLB, 'TCP');
    m.tcpReset(NLB, 'client');
    m.tcpReset(NLB, 'elb');
    m.tcpReset(NLB, 'elb');
    m.tcpReset(NLB, 'target');
    m.setHostCounts(NTG, 3, 1);
    const s = m.snapshot();
    expect(s.networkLoadBalancers[NLB]).toEqual({
      NewFlowCount: 2,
      NewFlowCount_TCP: 2,
      ActiveFlowCount: 1,
      ActiveFlowCount_TCP: 1,
      ProcessedBytes: 150,
      ProcessedBytes_TCP: 150,
      TCP_Client_Reset_Count: 1,
      TCP_ELB_Reset_Count: 2,
      TCP_Target_Reset_Count: 1,
    });
    expect(s.networkTargetGroups[NTG]).toEqual({
      HealthyHostCount: 3,
      UnHealthyHostCount: 1,
      UnhealthyRoutingFlowCount: 1,
    });
    expect(s.loadBalancers[NLB]).toBeUndefined();
    expect(s.targetGroups[NTG]).toBeUndefined();
    const text = await renderPrometheus(m);
    expect(text).toContain(`aws_networkelb_NewFlowCount{LoadBalancer="${NLB}"} 2`);
    expect(text).toContain(`aws_networkelb_ActiveFlowCount{LoadBalancer="${NLB}"} 1`);
    expect(text).toContain(`aws_networkelb_TCP_ELB_Reset_Count{LoadBalancer="${NLB}"} 2`);
    expect(text).toContain(`aws_networkelb_HealthyHostCount{TargetGroup="${NTG}"} 3`);
    expect(text).toContain('# TYPE aws_networkelb_ActiveFlowCount gauge');
    expect(text).toContain('# TYPE aws_networkelb_NewFlowCount counter');
    expect(text).not.toContain(`aws_applicationelb_RequestCount{LoadBalancer="${NLB}"}`);
    expect(text).toContain(`aws_applicationelb_RequestCount{LoadBalancer="${LB}"} 0`);
  });

  test('§6.7 UDP and TLS flows count in their own _UDP / _TLS variants as well as in the totals', async () => {
    const m = new Metrics();
    m.declare(NLB, [NTG], 'network');
    m.flowOpened(NLB, 'UDP', NTG);
    m.flowOpened(NLB, 'TLS', NTG);
    m.flowBytes(NLB, 'UDP', 40);
    m.flowBytes(NLB, 'TLS', 7);
    m.flowClosed(NLB, 'UDP');
    expect(m.snapshot().networkLoadBalancers[NLB]).toEqual({
      NewFlowCount: 2,
      NewFlowCount_UDP: 1,
      NewFlowCount_TLS: 1,
      ActiveFlowCount: 1,
      ActiveFlowCount_UDP: 0,
      ActiveFlowCount_TLS: 1,
      ProcessedBytes: 47,
      ProcessedBytes_UDP: 40,
      ProcessedBytes_TLS: 7,
    });
    const text = await renderPrometheus(m);
    expect(text).toContain('# TYPE aws_networkelb_ActiveFlowCount_UDP gauge');
    expect(text).toContain(`aws_networkelb_NewFlowCount_UDP{LoadBalancer="${NLB}"} 1`);
    expect(text).toContain(`aws_networkelb_ProcessedBytes_TCP{LoadBalancer="${NLB}"} 0`);
  });
});

describe('counters of several load-balancer nodes (ha-sim --workers)', () => {
  test('§5.6 each node reports cumulative counters; the primary sums them with its own, a new report replaces the old', () => {
    const primary = new Metrics();
    primary.declare(LB, [TG]);
    primary.setHostCounts(TG, 3, 0);
    const node = new Metrics();
    node.connectionOpened(LB);
    node.recordRequest({
      loadBalancer: LB,
      targetGroup: TG,
      targetChosen: true,
      elbStatusCode: 200,
      targetStatusCode: 200,
    });
    primary.absorb('node-1', node.ownRows());
    primary.absorb('node-2', node.ownRows());
    expect(primary.snapshot().loadBalancers[LB]).toMatchObject({ RequestCount: 2, ActiveConnectionCount: 2 });
    expect(primary.snapshot().targetGroups[TG]).toMatchObject({ RequestCountPerTarget: 2, HealthyHostCount: 3 });
    node.connectionClosed(LB);
    node.recordRequest({ loadBalancer: LB, targetGroup: TG, targetChosen: true, elbStatusCode: 200 });
    primary.absorb('node-1', node.ownRows());
    expect(primary.snapshot().loadBalancers[LB]).toMatchObject({ RequestCount: 3, ActiveConnectionCount: 1 });
    primary.absorb('node-2', undefined);
    expect(primary.snapshot().loadBalancers[LB]).toMatchObject({ RequestCount: 2, ActiveConnectionCount: 0 });
  });
});
