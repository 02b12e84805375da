export * from './trace-record.codec';
export * from './tenant';
