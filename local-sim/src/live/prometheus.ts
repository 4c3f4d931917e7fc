/**
 * `/metrics`: the simulator's CloudWatch-named counters in the Prometheus text format, rendered by
 * prom-client. Metric names keep AWS's spelling behind a namespace prefix
 * (`aws_applicationelb_RequestCount`, `aws_networkelb_NewFlowCount`); the label is the CloudWatch
 * dimension (`LoadBalancer`, `TargetGroup`). `TargetResponseTime` is a histogram (buckets
 * `LATENCY_BUCKETS_SECONDS`, seconds as CloudWatch reports it). Per target (simulator only: CloudWatch has
 * no such dimension) the target-group metrics that count requests repeat as
 * `aws_applicationelb_target_<name>{TargetGroup, Target="id:port"}`. The counters themselves live in the
 * pure core (`core/metrics.ts`); this exporter reads them only when scraped (prom-client `collect`
 * callbacks), in the order their dimension values were first seen. The dashboard draws the same numbers.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ALB_NAMESPACE } from '@ha-load-balancer/spec';
import {
  DISTRIBUTION_METRICS,
  GAUGE_METRICS,
  LATENCY_BUCKETS_SECONDS,
  TARGET_METRICS,
  type Dimension,
  type Family,
  type Metrics,
  type TargetCounters,
} from '../core/metrics';

/** `AWS/ApplicationELB` → `aws_applicationelb` */
export function prometheusPrefix(namespace: string = ALB_NAMESPACE): string {
  return namespace.toLowerCase().replace(/[^a-z0-9]+/g, '_');
}

/** The part of a prom-client histogram's per-label state that is filled from the core's rows. */
interface HistogramEntry {
  labels: Record<string, string>;
  bucketValues: Record<string, number>;
  sum: number;
  count: number;
}

/**
 * Fill a histogram from counters kept elsewhere: one entry per label set, with the core's samples per
 * bucket (not cumulative; prom-client adds them up when rendering), sum and count.
 */
function fillHistogram(
  h: Histogram<string>,
  rows: Iterable<{ labels: Record<string, string>; buckets: readonly number[]; sum: number; count: number }>,
): void {
  h.reset();
  for (const row of rows) {
    h.zero(row.labels);
    const map = (h as unknown as { hashMap: Record<string, HistogramEntry> }).hashMap;
    const entry = Object.values(map).at(-1)!;
    LATENCY_BUCKETS_SECONDS.forEach((bound, i) => {
      entry.bucketValues[bound] = row.buckets[i] ?? 0;
    });
    entry.sum = row.sum;
    entry.count = row.count;
  }
}

function register(registry: Registry, family: Family<string>): void {
  const prefix = prometheusPrefix(family.namespace);
  const dim: Dimension = family.dimension;
  const rows = () => family.rows();
  for (const m of family.names) {
    const config = {
      name: `${prefix}_${m}`,
      help: `${family.namespace} ${m} per ${dim} (CloudWatch metric)`,
      labelNames: [dim],
      registers: [registry],
    };
    if (DISTRIBUTION_METRICS.has(m)) {
      new Histogram({
        ...config,
        buckets: [...LATENCY_BUCKETS_SECONDS],
        collect(this: Histogram<Dimension>) {
          // A row is rendered once it has a sample.
          const filled = [...rows()].flatMap(([key, row]) => {
            const count = row[`${m}Count`];
            const buckets = family.buckets(key);
            if (count === undefined || !buckets) return [];
            return [{ labels: { [dim]: key }, buckets, sum: row[m] ?? 0, count }];
          });
          fillHistogram(this, filled);
        },
      });
    } else if (GAUGE_METRICS.has(m)) {
      new Gauge({
        ...config,
        collect(this: Gauge<Dimension>) {
          this.reset();
          for (const [key, row] of rows()) this.set({ [dim]: key }, row[m] ?? 0);
        },
      });
    } else {
      new Counter({
        ...config,
        collect(this: Counter<Dimension>) {
          this.reset();
          for (const [key, row] of rows()) this.inc({ [dim]: key }, row[m] ?? 0);
        },
      });
    }
  }
}

/** Per-target series (simulator only): `aws_applicationelb_target_<name>{TargetGroup, Target}`. */
function registerTargets(registry: Registry, targets: () => Iterable<TargetCounters>): void {
  const prefix = `${prometheusPrefix(ALB_NAMESPACE)}_target`;
  const labelNames = ['TargetGroup', 'Target'];
  const labels = (t: TargetCounters) => ({ TargetGroup: t.targetGroup, Target: t.target });
  for (const m of TARGET_METRICS) {
    const config = {
      name: `${prefix}_${m}`,
      help: `${ALB_NAMESPACE} ${m} per target (simulator only: CloudWatch has no per-target dimension)`,
      labelNames,
      registers: [registry],
    };
    if (DISTRIBUTION_METRICS.has(m)) {
      new Histogram({
        ...config,
        buckets: [...LATENCY_BUCKETS_SECONDS],
        collect(this: Histogram<string>) {
          const rows = [...targets()].flatMap((t) =>
            t.counters.TargetResponseTimeCount === undefined
              ? []
              : [
                  {
                    labels: labels(t),
                    buckets: t.latencyBuckets,
                    sum: t.counters.TargetResponseTime ?? 0,
                    count: t.counters.TargetResponseTimeCount,
                  },
                ],
          );
          fillHistogram(this, rows);
        },
      });
    } else {
      new Counter({
        ...config,
        collect(this: Counter<string>) {
          this.reset();
          for (const t of targets()) this.inc(labels(t), t.counters[m] ?? 0);
        },
      });
    }
  }
}

/** A prom-client registry of its own (never the global default one) over one `Metrics`. */
export class PrometheusExporter {
  readonly registry = new Registry();

  constructor(metrics: Metrics) {
    for (const family of metrics.families()) register(this.registry, family);
    registerTargets(this.registry, () => metrics.targets());
  }

  /** `Content-Type` of `render()` (text exposition format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}

/** Prometheus text of `metrics` (a new exporter each call; the simulator keeps one for `/metrics`). */
export function renderPrometheus(metrics: Metrics): Promise<string> {
  return new PrometheusExporter(metrics).render();
}
