export * from './kafka';
export * from './storage';
export * from './service';
export * from './spans';
export * from './process';
export * from './trace-records';
export * from './broker';
export * from './zstd';
