import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import type { ConfigOf } from '@t2t/config';
import type { storageEnv } from './storage.env';

type ClientConfig = NonNullable<Parameters<typeof createClient>[0]>;
type ClientConnection = NonNullable<ClientConfig['connection']>;

export type StorageConfig = ConfigOf<typeof storageEnv>;

export type StorageMode = 'server' | 'embedded';

export interface ClickHouseHandle {
  readonly client: ClickHouseClient;
  readonly mode: StorageMode;
  readonly database: string;
  /** Where the data lives: the server URL (without credentials) or the embedded data path. */
  readonly location: string;
  /**
   * Bulk insert of rows already encoded as JSONCompactEachRow lines, in `columns` order. The same
   * INSERT statement in both modes; only how the bytes travel differs (HTTP body to a server,
   * the engine's zero-copy raw insert in-process, which parses on its own threads instead of
   * turning 10s of MB into one JS string first: 3x faster here).
   */
  insertCompact(
    table: string,
    columns: readonly string[],
    body: Buffer,
    settings?: InsertSettings,
  ): Promise<void>;
  close(): Promise<void>;
}

export type InsertSettings = Record<string, string | number>;

/** The server-mode transport of `insertCompact` (exported so tests can run it against the engine too). */
export async function insertCompactViaClient(
  client: ClickHouseClient,
  table: string,
  columns: readonly string[],
  body: Buffer,
  settings?: InsertSettings,
): Promise<void> {
  const cols = columns.map((c) => `\`${c}\``).join(', ');
  const result = await client.exec({
    query: `INSERT INTO ${table} (${cols}) FORMAT JSONCompactEachRow`,
    values: Readable.from([body]),
    clickhouse_settings: settings as ClickHouseSettings | undefined,
  });
  result.stream.destroy();
}

export class EmbeddedStorageError extends Error {
  constructor(path: string, cause: unknown) {
    super(
      `cannot open the embedded ClickHouse data directory ${path}: ${cause instanceof Error ? cause.message : String(cause)}. ` +
        'Only one process may own a directory: give each process its own CLICKHOUSE_DATA_PATH, or use a ClickHouse server (CLICKHOUSE_URL).',
      { cause },
    );
    this.name = 'EmbeddedStorageError';
  }
}

/**
 * Settings every query and insert runs with, in both modes, so results do not depend on server
 * defaults: 64-bit integers (nanosecond timestamps, durations) come back as strings and keep all
 * their digits.
 */
const SETTINGS: ClickHouseSettings = {
  output_format_json_quote_64bit_integers: 1,
  date_time_output_format: 'simple',
};

/**
 * Added on a cluster. Rule statistics read spans whose trace id is `IN` a subquery on
 * trace_behaviours: both Distributed, which ClickHouse refuses by default. Both are sharded by
 * the trace id (table.catalogue.ts), so each shard can answer with its local tables.
 */
const CLUSTER_SETTINGS: ClickHouseSettings = {
  distributed_product_mode: 'local',
};

/**
 * The `@clickhouse/client` configuration of server mode: credentials, timeouts, settings, and TLS
 * with the PEM files read (`read` stands in for the file system in tests). An https:// URL
 * without CLICKHOUSE_TLS_CA_FILE verifies the server against the system's CAs.
 */
export function serverClientConfigOf(
  config: StorageConfig & { url: string },
  read: (path: string) => Buffer = (path) => readFileSync(path),
): ClientConfig {
  const load = (key: string, path: string): Buffer => {
    try {
      return read(path);
    } catch (e) {
      // Readable at start-up (the option checks it); gone since, e.g. a Secret remounted.
      throw new Error(`${key}: cannot read ${path}: ${(e as Error).message}`);
    }
  };
  let tls: ClientConfig['tls'];
  if (config.tlsCaFile) {
    const ca_cert = load('CLICKHOUSE_TLS_CA_FILE', config.tlsCaFile);
    tls =
      config.tlsCertFile && config.tlsKeyFile
        ? {
            ca_cert,
            cert: load('CLICKHOUSE_TLS_CERT_FILE', config.tlsCertFile),
            key: load('CLICKHOUSE_TLS_KEY_FILE', config.tlsKeyFile),
          }
        : { ca_cert };
  }
  return {
    url: config.url,
    username: config.user,
    password: config.password ?? '',
    request_timeout: config.requestTimeoutMs,
    clickhouse_settings: config.cluster ? { ...SETTINGS, ...CLUSTER_SETTINGS } : SETTINGS,
    application: 'trace2test',
    ...(tls ? { tls } : {}),
  };
}

/**
 * One `@clickhouse/client` for either a ClickHouse server or the in-process engine. Callers do not
 * care which: the same SQL and the same client API run against both. The client's default database
 * is NOT switched to `config.database` here, because the database may not exist yet; repositories
 * qualify table names and the migrator creates the database.
 */
export async function createClickHouse(config: StorageConfig): Promise<ClickHouseHandle> {
  if (config.url) {
    const u = new URL(config.url);
    const client = createClient(serverClientConfigOf({ ...config, url: config.url }));
    return {
      client,
      mode: 'server',
      database: config.database,
      location: `${u.protocol}//${u.host}`,
      insertCompact: (table, columns, body, settings) =>
        insertCompactViaClient(client, table, columns, body, settings),
      close: () => client.close(),
    };
  }
  if (config.cluster) {
    throw new Error(
      `CLICKHOUSE_CLUSTER (${config.cluster}) needs a ClickHouse server: set CLICKHOUSE_URL, or unset CLICKHOUSE_CLUSTER for the embedded engine`,
    );
  }
  const path = resolve(config.dataPath);
  mkdirSync(path, { recursive: true });
  // Loaded only in embedded mode: server deployments may install without the engine's native
  // library (npm ci --omit=optional leaves out its ~540 MB).
  let chdb: typeof import('chdb');
  let createChdbConnection: typeof import('chdb/connection').createChdbConnection;
  try {
    chdb = await import('chdb');
    ({ createChdbConnection } = await import('chdb/connection'));
  } catch (e) {
    throw new EmbeddedStorageError(
      path,
      new Error(`the embedded engine (npm package chdb) is not installed: ${(e as Error).message}`),
    );
  }
  let chdbConnection: ReturnType<typeof createChdbConnection>;
  try {
    chdbConnection = createChdbConnection({ path });
  } catch (e) {
    throw new EmbeddedStorageError(path, e);
  }
  const connection = chdbConnection as unknown as ClientConnection;
  const client = createClient({
    // chdb types its connection against @clickhouse/client-common, which @clickhouse/client 1.23
    // bundles as its own copy; the shapes match (chdb runs the client's parity suite), the
    // declarations are merely distinct.
    connection,
    clickhouse_settings: SETTINGS,
  });
  return {
    client,
    mode: 'embedded',
    database: config.database,
    location: path,
    insertCompact: async (table, columns, body, settings) => {
      await chdbConnection.chdb.rawInsert({
        table,
        columns,
        values: body,
        format: 'JSONCompactEachRow',
        settings,
      });
    },
    // The engine binds one data directory per process; draining lets this process open another
    // directory afterwards (tests do, one fresh directory per file).
    close: async () => {
      await client.close();
      await chdb.drainPending();
    },
  };
}
