export * from './kafka';
export * from './storage';
