import type { ClickHouseClient } from '@clickhouse/client';
import { freshStorageConfig } from '@t2t/test-support';
import {
  type ClickHouseHandle,
  createClickHouse,
  defaultMigrationsDir,
  loadMigrations,
  type Migration,
  MigrationChecksumError,
  Migrator,
} from '@t2t/storage';

/** Everything that defines a database's schema, with the database name taken out so two can be compared. */
async function schemaOf(client: ClickHouseClient, db: string): Promise<string[]> {
  const rs = await client.query({
    query: `SELECT name, engine, replaceAll(create_table_query, {db:String}, 'DB') AS ddl
            FROM system.tables WHERE database = {db:String} ORDER BY name`,
    query_params: { db },
    format: 'JSONEachRow',
  });
  const rows = await rs.json<{ name: string; engine: string; ddl: string }>();
  return rows.map((r) => `${r.name} [${r.engine}] ${r.ddl}`);
}

async function recordCount(
  client: ClickHouseClient,
  db: string,
): Promise<{ rows: number; versions: number }> {
  const rs = await client.query({
    query:
      'SELECT count() AS rows, uniqExact(version) AS versions FROM {db:Identifier}.schema_migrations FINAL',
    query_params: { db },
    format: 'JSONEachRow',
  });
  const [r] = await rs.json<{ rows: string; versions: string }>();
  return { rows: Number(r.rows), versions: Number(r.versions) };
}

/** The project's migrations plus a later one with several statements, to interrupt in the middle. */
function withExtraMigration(): Migration[] {
  const real = loadMigrations(defaultMigrationsDir());
  return [
    ...real,
    {
      version: real.length + 1,
      name: 'test-extra',
      checksum: 'c'.repeat(64),
      statements: [
        'CREATE TABLE IF NOT EXISTS ${db}.extra_a (id UInt64, v String) ENGINE = MergeTree ORDER BY id',
        'ALTER TABLE ${db}.extra_a ADD COLUMN IF NOT EXISTS w UInt8 DEFAULT 1',
        'CREATE TABLE IF NOT EXISTS ${db}.extra_b (id UInt64) ENGINE = ReplacingMergeTree ORDER BY id',
        'ALTER TABLE ${db}.extra_b ADD INDEX IF NOT EXISTS idx_id id TYPE minmax GRANULARITY 1',
      ],
    },
  ];
}

describe(Migrator.name, () => {
  let storage: ReturnType<typeof freshStorageConfig>;
  let handle: ClickHouseHandle;
  let client: ClickHouseClient;
  let reference: string[];
  const migrations = withExtraMigration();

  beforeAll(async () => {
    storage = freshStorageConfig();
    handle = await createClickHouse(storage.config);
    client = handle.client;
    const report = await new Migrator(client, 'db_reference', migrations).migrate();
    expect(report.applied).toEqual(migrations.map((m) => m.version));
    reference = await schemaOf(client, 'db_reference');
  });

  afterAll(async () => {
    await handle.close();
    storage.cleanup();
  });

  it('creates the spans table with the exporter-compatible columns', () => {
    const spans = reference.find((r) => r.startsWith('spans '));
    expect(spans).toContain('`Timestamp` DateTime64(9)');
    expect(spans).toContain('`SpanAttributes` Map(LowCardinality(String), String)');
    expect(spans).toContain('`Events.Timestamp` Array(DateTime64(9))');
    expect(spans).toContain('`Links.Attributes` Array(Map(LowCardinality(String), String))');
    expect(reference.map((r) => r.split(' ')[0])).toEqual(
      expect.arrayContaining([
        'extra_a',
        'extra_b',
        'schema_migrations',
        'spans',
        'spans_trace_id_ts',
        'spans_trace_id_ts_mv',
      ]),
    );
  });

  it('is a no-op the second time', async () => {
    const report = await new Migrator(client, 'db_reference', migrations).migrate();
    expect(report.applied).toEqual([]);
    expect(report.alreadyApplied).toEqual(migrations.map((m) => m.version));
    expect(await schemaOf(client, 'db_reference')).toEqual(reference);
    expect(await recordCount(client, 'db_reference')).toEqual({
      rows: migrations.length,
      versions: migrations.length,
    });
  });

  it('converges when several replicas migrate the same database at once', async () => {
    const replicas = Array.from(
      { length: 4 },
      () => new Migrator(client, 'db_concurrent', migrations),
    );
    const reports = await Promise.all(replicas.map((r) => r.migrate()));
    // Every replica either applied or found each migration; none failed.
    for (const report of reports) {
      expect([...report.applied, ...report.alreadyApplied].sort()).toEqual(
        migrations.map((m) => m.version),
      );
    }
    expect(await schemaOf(client, 'db_concurrent')).toEqual(reference);
    expect(await recordCount(client, 'db_concurrent')).toEqual({
      rows: migrations.length,
      versions: migrations.length,
    });
  });

  it('resumes a migration that died half-way and ends with the same schema', async () => {
    const last = migrations[migrations.length - 1];
    const crashing = new Migrator(client, 'db_resumed', migrations, {
      onStatement: (m, index) => {
        if (m.version === last.version && index === 2)
          throw new Error('simulated crash after 2 of 4 statements');
      },
    });
    await expect(crashing.migrate()).rejects.toThrow('simulated crash');
    // Half-applied: the first table exists with its added column, the second does not, nothing recorded.
    const partial = await schemaOf(client, 'db_resumed');
    expect(partial.some((r) => r.startsWith('extra_a ') && r.includes('`w` UInt8'))).toBe(true);
    expect(partial.some((r) => r.startsWith('extra_b '))).toBe(false);
    expect(
      (await new Migrator(client, 'db_resumed', migrations).recorded()).has(last.version),
    ).toBe(false);

    const report = await new Migrator(client, 'db_resumed', migrations).migrate();
    expect(report.applied).toEqual([last.version]);
    expect(await schemaOf(client, 'db_resumed')).toEqual(reference);
  });

  it('refuses to start when an applied migration was edited afterwards', async () => {
    const edited = migrations.map((m, i) => (i === 0 ? { ...m, checksum: 'e'.repeat(64) } : m));
    await expect(new Migrator(client, 'db_reference', edited).migrate()).rejects.toThrow(
      MigrationChecksumError,
    );
    await expect(new Migrator(client, 'db_reference', edited).migrate()).rejects.toThrow(
      /migration 1-spans was applied with checksum .* add a new numbered migration instead/,
    );
  });
});
