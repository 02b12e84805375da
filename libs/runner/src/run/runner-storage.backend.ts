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
 * traces, the stored cluster statistics for the learned waits. Opened without migrating (the
 * product owns the schema). Loaded on first use only (see default.runner.ts).
 */
export async function openRunnerStorage(config: StorageConfig) {
  const handle = await createClickHouse(config);
  return {
    handle,
    traces: new ClickHouseTraceSource(new SpanRepository(handle)),
    timings: new StoredEndpointTimings(new ModelRepository(handle)),
  };
}
