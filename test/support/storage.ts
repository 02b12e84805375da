import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storageEnv, type StorageConfig } from '@t2t/storage';

/**
 * Embedded-engine configuration on a fresh data directory. One directory per test file: the
 * engine binds one directory per process, and Jest reuses worker processes across files.
 */
export function freshStorageConfig(database = 't2t_test'): {
  config: StorageConfig;
  cleanup(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), 't2t-chdb-'));
  const config = storageEnv.parse({ CLICKHOUSE_DATA_PATH: dir, CLICKHOUSE_DATABASE: database });
  return { config, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
