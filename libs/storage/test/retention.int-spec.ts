import type { ClickHouseClient } from '@clickhouse/client';
import { freshTestStorage, type TestStorage } from '@t2t/test-support';
import {
  type ClickHouseHandle,
  defaultMigrationsDir,
  loadMigrations,
  Migrator,
  openStorage,
  retentionOf,
  ttlOfEngine,
} from '@t2t/storage';

const DAY = 86_400;

/** Table → TTL expression, for the tables of `db` that have one. */
async function ttls(client: ClickHouseClient, db: string): Promise<Record<string, string>> {
  const rs = await client.query({
    query: 'SELECT name, engine_full FROM system.tables WHERE database = {db:String} ORDER BY name',
    query_params: { db },
    format: 'JSONEachRow',
  });
  const out: Record<string, string> = {};
  for (const { name, engine_full } of await rs.json<{ name: string; engine_full: string }>()) {
    const ttl = ttlOfEngine(engine_full);
    if (ttl !== undefined) out[name] = ttl;
  }
  return out;
}

/** Mutations ever started on `db`'s tables: each `MODIFY TTL` starts one that re-reads a table. */
async function mutationCount(client: ClickHouseClient, db: string): Promise<number> {
  const rs = await client.query({
    query: 'SELECT count() AS n FROM system.mutations WHERE database = {db:String}',
    query_params: { db },
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<{ n: string }>();
  return Number(row.n);
}

describe('retention (SPANS_TTL, DERIVED_TTL)', () => {
  let storage: TestStorage;
  let handle: ClickHouseHandle;
  let client: ClickHouseClient;
  const migrations = loadMigrations(defaultMigrationsDir());

  beforeAll(async () => {
    storage = freshTestStorage();
    // Spans kept a day; DERIVED_TTL unset, so derived tables follow.
    handle = await openStorage(storage.configWith({ SPANS_TTL: '1d' }));
    client = handle.client;
  });

  afterAll(async () => {
    await handle.close();
    await storage.cleanup();
  });

  it('sets, keeps, changes and removes TTLs as the options change, never on models or tests', async () => {
    const db = storage.database('db_retention');
    const migrate = (spansTtlSeconds?: number, derivedTtlSeconds?: number) =>
      new Migrator(client, db, migrations, {
        layout: { retention: retentionOf({ spansTtlSeconds, derivedTtlSeconds }) },
      }).migrate();

    let report = await migrate(30 * DAY, undefined);
    expect(report.retentionChanged).toHaveLength(7);
    expect(await ttls(client, db)).toEqual({
      spans: 'toDateTime(Timestamp) + toIntervalDay(30)',
      spans_trace_id_ts: 'toDateTime(Start) + toIntervalDay(30)',
      trace_behaviours: 'toDateTime(start_time) + toIntervalDay(30)',
      cluster_windows: 'toDateTime(window_start) + toIntervalDay(30)',
      cluster_late_traces: 'toDateTime(window_start) + toIntervalDay(30)',
      representatives: 'toDateTime(window_start) + toIntervalDay(30)',
      clusters: 'toDateTime(last_seen) + toIntervalDay(30)',
    });

    // A restart with the same options alters nothing, so no table is re-read.
    const mutations = await mutationCount(client, db);
    report = await migrate(30 * DAY, undefined);
    expect(report.retentionChanged).toEqual([]);
    expect(await mutationCount(client, db)).toBe(mutations);

    report = await migrate(12 * 3600, 0);
    expect(await ttls(client, db)).toEqual({
      spans: 'toDateTime(Timestamp) + toIntervalHour(12)',
      spans_trace_id_ts: 'toDateTime(Start) + toIntervalHour(12)',
    });

    report = await migrate(0, 90 * DAY);
    expect(Object.keys(await ttls(client, db))).toEqual([
      'cluster_late_traces',
      'cluster_windows',
      'clusters',
      'representatives',
      'trace_behaviours',
    ]);

    report = await migrate(undefined, undefined);
    expect(report.retentionChanged).toHaveLength(5);
    expect(await ttls(client, db)).toEqual({});
  });

  it('drops spans and derived rows older than the retention when their parts merge', async () => {
    const db = handle.database;
    expect(await ttls(client, db)).toMatchObject({
      spans: 'toDateTime(Timestamp) + toIntervalDay(1)',
      trace_behaviours: 'toDateTime(start_time) + toIntervalDay(1)',
    });
    await client.command({
      query: `INSERT INTO ${db}.spans (Timestamp, TraceId, SpanId, ServiceName, SpanName)
              VALUES (now64(9) - INTERVAL 3 DAY, 'old', '01', 'shop', 'GET /'),
                     (now64(9), 'new', '02', 'shop', 'GET /')`,
    });
    await client.command({
      query: `INSERT INTO ${db}.trace_behaviours (trace_id, endpoint, fingerprint, start_time, error, source_partition)
              VALUES ('old', 'shop|GET /', 'f', now64(9) - INTERVAL 3 DAY, 0, 0),
                     ('new', 'shop|GET /', 'f', now64(9), 0, 0)`,
    });
    // TTLs apply when parts merge; OPTIMIZE ... FINAL merges now instead of some time later.
    for (const table of ['spans', 'trace_behaviours']) {
      await client.command({ query: `OPTIMIZE TABLE ${db}.${table} FINAL` });
    }
    const ids = async (query: string) => {
      const rs = await client.query({ query, format: 'JSONEachRow' });
      return (await rs.json<{ id: string }>()).map((r) => r.id);
    };
    expect(await ids(`SELECT TraceId AS id FROM ${db}.spans ORDER BY id`)).toEqual(['new']);
    expect(await ids(`SELECT trace_id AS id FROM ${db}.trace_behaviours ORDER BY id`)).toEqual([
      'new',
    ]);
  });
});
