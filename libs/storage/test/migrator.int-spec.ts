import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { freshTestStorage, type TestStorage } from '@t2t/test-support';
import {
  type ClickHouseHandle,
  createClickHouse,
  defaultMigrationsDir,
  loadMigrations,
  type Migration,
  MigrationChecksumError,
  Migrator,
  parseMigration,
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

/** Columns and their types (not codecs) of one table. */
async function columnsOf(client: ClickHouseClient, db: string, table: string): Promise<string[]> {
  const rs = await client.query({
    query: `SELECT name, type FROM system.columns
            WHERE database = {db:String} AND table = {table:String} ORDER BY position`,
    query_params: { db, table },
    format: 'JSONEachRow',
  });
  return (await rs.json<{ name: string; type: string }>()).map((c) => `${c.name} ${c.type}`);
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
  let storage: TestStorage;
  let handle: ClickHouseHandle;
  let client: ClickHouseClient;
  let reference: string[];
  let dbReference: string;
  let dbConcurrent: string;
  let dbResumed: string;
  const migrations = withExtraMigration();

  beforeAll(async () => {
    storage = freshTestStorage();
    dbReference = storage.database('db_reference');
    dbConcurrent = storage.database('db_concurrent');
    dbResumed = storage.database('db_resumed');
    handle = await createClickHouse(storage.config);
    client = handle.client;
    const report = await new Migrator(client, dbReference, migrations).migrate();
    expect(report.applied).toEqual(migrations.map((m) => m.version));
    reference = await schemaOf(client, dbReference);
  });

  afterAll(async () => {
    await handle.close();
    await storage.cleanup();
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
        'spans_trace_id_ts_tenant_mv',
      ]),
    );
    // 007 replaced the trace-id view of 001 by one that keeps the tenant.
    expect(reference.map((r) => r.split(' ')[0])).not.toContain('spans_trace_id_ts_mv');
  });

  it('is a no-op the second time', async () => {
    const report = await new Migrator(client, dbReference, migrations).migrate();
    expect(report.applied).toEqual([]);
    expect(report.alreadyApplied).toEqual(migrations.map((m) => m.version));
    expect(await schemaOf(client, dbReference)).toEqual(reference);
    expect(await recordCount(client, dbReference)).toEqual({
      rows: migrations.length,
      versions: migrations.length,
    });
  });

  it('converges when several replicas migrate the same database at once', async () => {
    const replicas = Array.from(
      { length: 4 },
      () => new Migrator(client, dbConcurrent, migrations),
    );
    const reports = await Promise.all(replicas.map((r) => r.migrate()));
    // Every replica either applied or found each migration; none failed.
    for (const report of reports) {
      expect([...report.applied, ...report.alreadyApplied].sort()).toEqual(
        migrations.map((m) => m.version),
      );
    }
    expect(await schemaOf(client, dbConcurrent)).toEqual(reference);
    expect(await recordCount(client, dbConcurrent)).toEqual({
      rows: migrations.length,
      versions: migrations.length,
    });
  });

  it('resumes a migration that died half-way and ends with the same schema', async () => {
    const last = migrations[migrations.length - 1];
    const crashing = new Migrator(client, dbResumed, migrations, {
      onStatement: (m, index) => {
        if (m.version === last.version && index === 2)
          throw new Error('simulated crash after 2 of 4 statements');
      },
    });
    await expect(crashing.migrate()).rejects.toThrow('simulated crash');
    // Half-applied: the first table exists with its added column, the second does not, nothing recorded.
    const partial = await schemaOf(client, dbResumed);
    expect(partial.some((r) => r.startsWith('extra_a ') && r.includes('`w` UInt8'))).toBe(true);
    expect(partial.some((r) => r.startsWith('extra_b '))).toBe(false);
    expect((await new Migrator(client, dbResumed, migrations).recorded()).has(last.version)).toBe(
      false,
    );

    const report = await new Migrator(client, dbResumed, migrations).migrate();
    expect(report.applied).toEqual([last.version]);
    expect(await schemaOf(client, dbResumed)).toEqual(reference);
  });

  it("gives a new install the Collector exporter's sort key and codecs", () => {
    const spans = reference.find((r) => r.startsWith('spans '));
    expect(spans).toContain('PRIMARY KEY (ServiceName, SpanName, toDateTime(Timestamp))');
    expect(spans).toContain(
      'ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), Timestamp, Tenant)',
    );
    expect(spans).toContain('`Timestamp` DateTime64(9) CODEC(Delta(8), ZSTD(1))');
    expect(spans).toContain('`Duration` UInt64 CODEC(T64, ZSTD(1))');
  });

  it('accepts a database migrated with the first text of 001-spans and leaves its table as it was', async () => {
    const firstText = readFileSync(
      join(__dirname, 'fixtures', '001-spans.first-release.sql'),
      'utf8',
    );
    const firstRelease = parseMigration('001-spans.sql', firstText);
    expect(migrations[0].earlierChecksums).toContain(firstRelease.checksum);

    const db = storage.database('db_first_release');
    await new Migrator(client, db, [firstRelease, ...migrations.slice(1)]).migrate();
    const report = await new Migrator(client, db, migrations).migrate();
    expect(report.applied).toEqual([]);
    expect(report.alreadyApplied).toEqual(migrations.map((m) => m.version));

    // The existing table keeps its sort key (ClickHouse cannot insert a column into it), with the
    // tenant appended by 007 (which then names the primary key, the key as it was, explicitly),
    // and has the same columns.
    const schema = await schemaOf(client, db);
    const spans = schema.find((r) => r.startsWith('spans '));
    expect(spans).toContain(
      'PRIMARY KEY (ServiceName, SpanName, toDateTime(Timestamp)) ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), Tenant) SETTINGS',
    );
    expect(await columnsOf(client, db, 'spans')).toEqual(
      await columnsOf(client, dbReference, 'spans'),
    );
    const others = (rows: string[]) => rows.filter((r) => !r.startsWith('spans '));
    expect(others(schema)).toEqual(others(reference));
  });

  it('refuses to start when an applied migration was edited afterwards', async () => {
    const edited = migrations.map((m, i) => (i === 0 ? { ...m, checksum: 'e'.repeat(64) } : m));
    await expect(new Migrator(client, dbReference, edited).migrate()).rejects.toThrow(
      MigrationChecksumError,
    );
    await expect(new Migrator(client, dbReference, edited).migrate()).rejects.toThrow(
      /migration 1-spans was applied with checksum .* add a new numbered migration instead/,
    );
  });
});
