export * from './bootstrap';
export * from './health.registry';
export * from './metrics.registry';
export * from './metrics.token';
export * from './platform.env';
export * from './platform.module';
export * from './offload/worker-thread';
