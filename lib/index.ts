export * from './ha-load-balancer';
export * from './alarms';
export * from './dns/failover';
export * from './shared/actions';
export * from './shared/conditions';
export * from './shared/errors';
export * from './shared/listener';
export * from './shared/target-group';
