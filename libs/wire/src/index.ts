export * from './trace-record.codec';
export * from './tenant';
export * from './tenant.env';
