/** Virtual-time shell: deterministic scenarios over the same engine the live proxy uses. */
export { VirtualClock } from './clock';
export { CapacityBackend, healthyBackend, ok, ScriptedBackend, type Backend, type BackendResponse } from './backend';
export { EventQueue } from './event-queue';
export { VirtualSimulator, type VirtualOutcome, type VirtualResponse, type VirtualSimulatorOptions } from './simulator';
export {
  compareAlgorithms,
  compareScenario,
  comparisonRow,
  keysMoved,
  type CompareOptions,
  type ComparisonRow,
  type KeysMovedPoint,
} from './compare';
export { latencySampler, SimulatedTarget, type FailureMode, type LatencySpec, type TargetBehaviour } from './target';
export {
  parseScenario,
  scenarioFromObject,
  type Scenario,
  type ScenarioApp,
  type TargetGroupSetup,
  type TimelineAction,
  type TimelineEvent,
  type Workload,
} from './scenario';
export { runScenario, type FailureReport, type RunOptions, type ScenarioResult } from './runner';
export { RunRecorder, type CdfPoint, type LatencySummary, type TargetLoad } from './recorder';
