/**
 * The pure core: no I/O, no timers, no wall clock. `engine.ts` is the facade the shells use; the other
 * modules are the pure pieces it is built from (each usable and tested on its own).
 */
export * from './engine';
export * from './random';
export * from './glob';
export * from './ip';
export * from './rules';
export * from './redirect';
export * from './health-check';
export * from './target-health';
export * from './candidates';
export * from './slow-start';
export * from './anomaly';
export * from './cookies';
export * from './stickiness';
export * from './balancers';
export * from './route53';
export * from './route53-checks';
export * from './route53-dns';
