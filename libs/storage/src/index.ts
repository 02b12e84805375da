export * from './clickhouse.factory';
export * from './migrations/migration.loader';
export * from './migrations/migrator';
export * from './repositories/cluster.repository';
export * from './repositories/model.repository';
export * from './repositories/span.repository';
export * from './storage.env';
export * from './storage.module';
