/**
 * Programmatic API of the local simulator.
 *
 * ```ts
 * const sim = await Simulator.start(app, { demoBackends: 3, ports: 0 });
 * const res = await fetch(sim.url('WebPrimary/Web/Http') + '/api/orders');
 * await sim.targets('WebPrimary/Web/Site').get(0).failHealthChecks();
 * await sim.waitForHealth('WebPrimary/Web/Site', 0, 'unhealthy');
 * await sim.stop();
 * ```
 *
 * The simulator reads templates only: a cloud-assembly directory (`cdk.out`), or an aws-cdk-lib `App`,
 * `Stage` or `Stack` synthesized in-process. It never imports the construct library.
 */
export { SimulatorError, type SimErrorCode } from './errors';
export {
  Simulator,
  Simulator as LiveSimulator,
  TargetControl,
  TargetSet,
  type EndpointsDescription,
  type HealthChange,
  type ReloadSummary,
  type Route53CheckTarget,
  type SimulatorOptions,
  type SimulatorEvents,
} from './live/simulator';
export { modelOf, templatesOf, type SimulatorSource } from './live/source';
export { type TargetOutput, type TargetProcessSpec } from './live/target-process';
export { DemoBackend, type DemoBackendOptions, type DemoBackendState } from './live/demo-backend';
export { localPort, type PortMode } from './live/ports';
export {
  buildModel,
  modelFromAssemblyDirectory,
  modelFromCloudAssembly,
  modelFromTemplate,
  type ModelIssue,
  type SimModel,
  type TargetModel,
} from './model';
export { Metrics, type MetricsSnapshot, type ResetSource } from './core/metrics';
export { PrometheusExporter, renderPrometheus } from './live/prometheus';
export type { FlowRecord, TargetSource } from './live/flow';
export { formatAccessLogLine, parseAccessLogLine, parseAccessLogRecord, type AccessLogEntry } from './core/access-log';
/** Virtual time: the same engine driven by a virtual clock (deterministic scenarios, what-if comparisons). */
export * from './virtual';
export type {
  CheckerObservation,
  DnsAnswer,
  DnsAnswerChange,
  DnsRecordData,
  TargetHealthDescription,
  TargetKey,
} from './core/engine';
export type { DnsDescription } from './live/endpoints';
