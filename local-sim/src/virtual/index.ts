/** Virtual-time shell: deterministic scenarios over the same engine the live proxy uses. */
export { VirtualClock } from './clock';
export { CapacityBackend, healthyBackend, ok, ScriptedBackend, type Backend, type BackendResponse } from './backend';
export { VirtualSimulator, type VirtualResponse, type VirtualSimulatorOptions } from './simulator';
export { compareAlgorithms, type CompareOptions, type ComparisonRow } from './compare';
