import {
  createClickHouse,
  ModelRepository,
  SpanRepository,
  type StorageConfig,
} from '@t2t/storage';
import { ClickHouseTraceSource } from '../wait/clickhouse-trace.source';
import { StoredEndpointTimings } from '../wait/stored-endpoint.timings';

/**
 * ClickHouse as the runner reads it when no trace2test server is named: the spans table for the
 * traces, the stored cluster statistics for the learned waits, both of `tenant` only (the
 * readers enter its scope themselves: this module is bundled apart from the caller's, see
 * default.runner.ts). Opened without migrating (the product owns the schema). Loaded on first
 * use only.
 */
export async function openRunnerStorage(config: StorageConfig, tenant: string) {
  const handle = await createClickHouse(config);
  return {
    handle,
    traces: new ClickHouseTraceSource(new SpanRepository(handle), tenant),
    timings: new StoredEndpointTimings(new ModelRepository(handle), { tenant }),
  };
}
