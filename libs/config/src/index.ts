export * from './env';
export * from './process-env';
