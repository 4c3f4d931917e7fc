/**
 * `/metrics`: the core's CloudWatch counters rendered by prom-client in the live shell (§5.6, §6.7).
 */
import { register } from 'prom-client';
import { Metrics } from '../../src/core/metrics';
import { PrometheusExporter, renderPrometheus } from '../../src/live/prometheus';

const LB = 'app/web/50dc6c495c0c9188';
const TG = 'targetgroup/site/73e2d6bc24d8a067';

describe('Prometheus text through prom-client', () => {
  test('each Metrics owns its registry; the global default registry stays empty', async () => {
    const a = new Metrics();
    const b = new Metrics();
    a.declare(LB, [TG]);
    a.recordRequest({ loadBalancer: LB, targetChosen: true });
    expect(await renderPrometheus(a)).toContain(`aws_applicationelb_RequestCount{LoadBalancer="${LB}"} 1`);
    expect(await renderPrometheus(b)).not.toContain(LB);
    expect(register.getMetricsAsArray()).toEqual([]);
    expect(new PrometheusExporter(a).contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  test('§5.6 every family has HELP and TYPE lines; TargetResponseTime is a histogram in seconds (cumulative buckets, _sum, _count)', async () => {
    const m = new Metrics();
    m.recordRequest({ loadBalancer: LB, targetGroup: TG, targetChosen: true, targetResponseTime: 0.5 });
    m.recordRequest({ loadBalancer: LB, targetGroup: TG, targetChosen: true, targetResponseTime: 0.25 });
    const text = await renderPrometheus(m);
    expect(text).toContain('# HELP aws_applicationelb_RequestCount ');
    expect(text).toContain('# TYPE aws_applicationelb_TargetResponseTime histogram');
    const bucket = (le: string) => `aws_applicationelb_TargetResponseTime_bucket{le="${le}",TargetGroup="${TG}"}`;
    expect(text).toContain(`${bucket('0.1')} 0\n`);
    // bounds are inclusive (le): 0.25 s falls in le="0.25", 0.5 s in le="0.5"
    expect(text).toContain(`${bucket('0.25')} 1\n`);
    expect(text).toContain(`${bucket('0.5')} 2\n`);
    expect(text).toContain(`${bucket('+Inf')} 2\n`);
    expect(text).toContain(`aws_applicationelb_TargetResponseTime_sum{TargetGroup="${TG}"} 0.75`);
    expect(text).toContain(`aws_applicationelb_TargetResponseTime_count{TargetGroup="${TG}"} 2`);
    expect(text).not.toContain('quantile=');
  });
});
