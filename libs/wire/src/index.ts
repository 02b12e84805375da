export * from './trace-record.codec';
