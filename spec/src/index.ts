/**
 * The one copy of AWS facts used by the construct library, the template model and the simulator:
 * defaults, ranges, enums, quotas and error texts, each traced to a section of docs/aws-behaviour.md.
 * Pure TypeScript with no imports from outside this folder.
 */
export * from './range';
export * from './enums';
export * from './health-check';
export * from './target-group';
export * from './load-balancer';
export * from './listener';
export * from './route53';
export * from './http';
export * from './lambda';
export * from './metrics';
export * from './choices';
export * from './regex';
