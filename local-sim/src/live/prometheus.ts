/**
 * `/metrics`: the simulator's CloudWatch-named counters in the Prometheus text format, rendered by
 * prom-client. Metric names keep AWS's spelling behind a namespace prefix
 * (`aws_applicationelb_RequestCount`, `aws_networkelb_NewFlowCount`); the label is the CloudWatch
 * dimension (`LoadBalancer`, `TargetGroup`). The counters themselves live in the pure core
 * (`core/metrics.ts`); this exporter reads them only when scraped (prom-client `collect` callbacks), in
 * the order their dimension values were first seen.
 */
import { Counter, Gauge, Registry, Summary } from 'prom-client';
import { ALB_NAMESPACE } from '@ha-load-balancer/spec';
import { DISTRIBUTION_METRICS, GAUGE_METRICS, type Dimension, type Family, type Metrics } from '../core/metrics';

/** `AWS/ApplicationELB` → `aws_applicationelb` */
export function prometheusPrefix(namespace: string = ALB_NAMESPACE): string {
  return namespace.toLowerCase().replace(/[^a-z0-9]+/g, '_');
}

/** The part of a prom-client summary's per-label state that is filled from the core's rows. */
interface SummaryEntry {
  labels: Record<string, string>;
  sum: number;
  count: number;
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
      new Summary({
        ...config,
        percentiles: [],
        collect(this: Summary<Dimension>) {
          // A row is rendered once it has a sample: sum and count come from the core's counters.
          const map = (this as unknown as { hashMap: Record<string, SummaryEntry> }).hashMap;
          for (const [key, row] of rows()) {
            const count = row[`${m}Count`];
            if (count === undefined) continue;
            let entry = Object.values(map).find((e) => e.labels[dim] === key);
            if (!entry) {
              this.observe({ [dim]: key }, 0);
              entry = Object.values(map).find((e) => e.labels[dim] === key)!;
            }
            entry.sum = row[m] ?? 0;
            entry.count = count;
          }
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

/** A prom-client registry of its own (never the global default one) over one `Metrics`. */
export class PrometheusExporter {
  readonly registry = new Registry();

  constructor(metrics: Metrics) {
    for (const family of metrics.families()) register(this.registry, family);
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
