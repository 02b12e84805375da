import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@clickhouse/client';
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

/** The ClickHouse server storage tests run against (T2T_TEST_CLICKHOUSE_URL), if one is given. */
export function testClickHouseServer():
  { url: string; user: string | undefined; password: string | undefined } | undefined {
  const url = process.env.T2T_TEST_CLICKHOUSE_URL;
  if (!url) return undefined;
  return {
    url,
    user: process.env.T2T_TEST_CLICKHOUSE_USER,
    password: process.env.T2T_TEST_CLICKHOUSE_PASSWORD,
  };
}

export interface TestStorage {
  /** Storage options for this test file. */
  readonly config: StorageConfig;
  /**
   * A database for this test file to use besides `config.database`. On a server it is unique
   * (test files share the server) and dropped by `cleanup`; embedded, the directory is fresh and
   * the name is used as given.
   */
  database(name: string): string;
  /** Parses storage options for this test file's engine or server, with other options added. */
  configWith(extra: Record<string, string>): StorageConfig;
  /** Drops the databases handed out (server) or removes the data directory (embedded). */
  cleanup(): Promise<void>;
}

/**
 * Storage for one test file, on the ClickHouse server named by `T2T_TEST_CLICKHOUSE_URL` when set,
 * else on the embedded engine in a fresh data directory (as `freshStorageConfig`). Both run the
 * same SQL; the server run checks it against what production runs, the embedded run needs nothing.
 * Storage's own tests use this; services' tests stay embedded (they own their processes' data).
 */
export function freshTestStorage(database = 't2t_test'): TestStorage {
  const server = testClickHouseServer();
  if (!server) {
    const dir = mkdtempSync(join(tmpdir(), 't2t-chdb-'));
    const configWith = (extra: Record<string, string>) =>
      storageEnv.parse({ CLICKHOUSE_DATA_PATH: dir, CLICKHOUSE_DATABASE: database, ...extra });
    return {
      config: configWith({}),
      database: (name) => name,
      configWith,
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const run = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const created = new Set<string>();
  const unique = (name: string) => {
    const db = `${name}_${run}`;
    created.add(db);
    return db;
  };
  const main = unique(database);
  const configWith = (extra: Record<string, string>) =>
    storageEnv.parse({
      CLICKHOUSE_URL: server.url,
      CLICKHOUSE_USER: server.user,
      CLICKHOUSE_PASSWORD: server.password,
      CLICKHOUSE_DATABASE: main,
      ...extra,
    });
  return {
    config: configWith({}),
    database: unique,
    configWith,
    cleanup: async () => {
      const client = createClient({
        url: server.url,
        username: server.user ?? 'default',
        password: server.password ?? '',
      });
      try {
        for (const db of created) {
          await client.command({ query: `DROP DATABASE IF EXISTS ${db} SYNC` });
        }
      } finally {
        await client.close();
      }
    },
  };
}
