import {
  DdlRenderError,
  desiredTtls,
  renderStatement,
  type SchemaLayout,
  ttlExpression,
  ttlOfEngine,
  ttlStatement,
} from './ddl.renderer';
import { defaultMigrationsDir, loadMigrations } from './migration.loader';
import { renderSchema } from './migrator';
import { fillSortingKey, sortingKeySet, splitTopLevel } from './sorting-key';
import { TABLE_CATALOGUE } from './table.catalogue';

const DAY = 86_400;
const migrations = loadMigrations(defaultMigrationsDir());
const retention = { spansSeconds: 30 * DAY, derivedSeconds: 90 * DAY };
const single: SchemaLayout = { database: 'trace2test', retention };
const cluster: SchemaLayout = { database: 'trace2test', cluster: 'c1', retention };

/** The one rendered statement that starts with `head` (fails when there is not exactly one). */
function statementStarting(all: string[], head: string): string {
  const found = all.filter((s) => s.startsWith(head));
  expect(found).toHaveLength(1);
  return found[0];
}

/** Tables in the TTL wording the generated statements use, per table. */
function ttlByTable(statements: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of statements) {
    const m = /^ALTER TABLE trace2test\.(\w+)(?: ON CLUSTER '\w+')? MODIFY TTL (.*)$/.exec(s);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

const NEVER_EXPIRE = [
  'model_versions',
  'model_diffs',
  'tests',
  'generation_runs',
  'test_runs',
  'schema_migrations',
];

describe('DDL for one node', () => {
  const ddl = renderSchema(migrations, single);

  it('runs every migration statement exactly as written, the database filled in', () => {
    for (const m of migrations) {
      for (const s of m.statements) {
        if (s.includes('${sorting_key}')) continue; // below
        expect(renderStatement(s, single)).toEqual([s.replace(/\$\{db\}/g, 'trace2test')]);
      }
    }
  });

  it('appends the tenant to the sorting key each table was created with', () => {
    const appended = ddl
      .map((s) =>
        /^ALTER TABLE trace2test\.(\w+) ADD COLUMN IF NOT EXISTS (\w+) .*MODIFY ORDER BY \((.*)\)$/.exec(
          s,
        ),
      )
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], m[2], m[3]]);
    expect(appended).toEqual([
      ['spans', 'Tenant', 'ServiceName, SpanName, toDateTime(Timestamp), Timestamp, Tenant'],
      ['spans_trace_id_ts', 'Tenant', 'TraceId, Tenant'],
      ['trace_behaviours', 'tenant', 'endpoint, fingerprint, trace_id, tenant'],
      [
        'cluster_windows',
        'tenant',
        'endpoint, fingerprint, window_start, source_partition, tenant',
      ],
      ['cluster_late_traces', 'tenant', 'trace_id, tenant'],
      ['clusters', 'tenant', 'endpoint, fingerprint, fingerprint_version, tenant'],
      ['representatives', 'tenant', 'endpoint, fingerprint, source_partition, tenant'],
      ['model_versions', 'tenant', 'model_hash, tenant'],
      ['model_diffs', 'tenant', 'from_hash, to_hash, tenant'],
      ['tests', 'tenant', 'endpoint, test_id, tenant'],
      ['generation_runs', 'tenant', 'run_id, tenant'],
      ['test_runs', 'tenant', 'run_id, test_id, trace_id, tenant'],
    ]);
    // Every table but the migration records: none is left without a tenant.
    const tables = ddl
      .map((s) => /^CREATE TABLE IF NOT EXISTS trace2test\.(\w+) \(/.exec(s)?.[1])
      .filter((t): t is string => t !== undefined && t !== 'schema_migrations');
    expect(appended.map((a) => a[0]).sort()).toEqual([...tables].sort());
    expect(ddl).toContain(
      "ALTER TABLE trace2test.clusters MODIFY COLUMN IF EXISTS tenant DEFAULT 'default'",
    );
  });

  it('refuses to render a statement whose sorting key is not filled in', () => {
    expect(() =>
      renderStatement(
        'ALTER TABLE ${db}.t ADD COLUMN IF NOT EXISTS c String, MODIFY ORDER BY (${sorting_key}, c)',
        single,
      ),
    ).toThrow('fill in ${sorting_key}');
  });

  it("creates spans with the Collector exporter's sort key, partitions and codecs", () => {
    const spans = statementStarting(ddl, 'CREATE TABLE IF NOT EXISTS trace2test.spans (');
    expect(spans).toContain('PARTITION BY toDate(Timestamp)');
    expect(spans).toContain('PRIMARY KEY (ServiceName, SpanName, toDateTime(Timestamp))');
    expect(spans).toContain('ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), Timestamp)');
    expect(spans).toContain('Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1))');
    expect(spans).toContain('Duration UInt64 CODEC(T64, ZSTD(1))');
    expect(spans).toContain('SpanName LowCardinality(String) CODEC(ZSTD(1))');
    expect(spans).toContain('INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1');
    expect(spans).toContain('ENGINE = MergeTree\n');
    expect(spans).toContain('non_replicated_deduplication_window = 10000');
    expect(ddl.join('\n')).not.toContain('ON CLUSTER');
  });

  it('sets the TTL of spans and derived tables, and of no model or test table', () => {
    expect(ttlByTable(ddl)).toEqual({
      spans: 'toDateTime(Timestamp) + toIntervalDay(30)',
      spans_trace_id_ts: 'toDateTime(Start) + toIntervalDay(30)',
      trace_behaviours: 'toDateTime(start_time) + toIntervalDay(90)',
      cluster_windows: 'toDateTime(window_start) + toIntervalDay(90)',
      cluster_late_traces: 'toDateTime(window_start) + toIntervalDay(90)',
      representatives: 'toDateTime(window_start) + toIntervalDay(90)',
      clusters: 'toDateTime(last_seen) + toIntervalDay(90)',
    });
  });

  it('sets no TTL when nothing is configured', () => {
    expect(renderSchema(migrations, { database: 'trace2test' }).join('\n')).not.toContain('TTL');
  });
});

describe('DDL for a cluster', () => {
  const ddl = renderSchema(migrations, cluster);

  it('runs every statement on the cluster', () => {
    for (const s of ddl) expect(s).toMatch(/^(CREATE|ALTER|DROP) [^(]*? ON CLUSTER 'c1'/);
  });

  it('replaces every MergeTree-family engine with its Replicated form', () => {
    const engines = ddl.flatMap((s) => [...s.matchAll(/ENGINE = (\w+)/g)].map((m) => m[1]));
    expect(new Set(engines)).toEqual(
      new Set([
        'ReplicatedMergeTree',
        'ReplicatedAggregatingMergeTree',
        'ReplicatedReplacingMergeTree',
        'Distributed',
      ]),
    );
  });

  it('shards spans by trace id behind a Distributed table of the original name', () => {
    const local = statementStarting(
      ddl,
      "CREATE TABLE IF NOT EXISTS trace2test.spans_local ON CLUSTER 'c1' (",
    );
    expect(local).toContain(
      "ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')",
    );
    expect(local).toContain('ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), Timestamp)');
    // Replicated tables deduplicate with their own setting; a replayed batch is still skipped.
    expect(local).toContain('replicated_deduplication_window = 10000');
    expect(local).not.toContain('non_replicated');
    expect(statementStarting(ddl, 'CREATE TABLE IF NOT EXISTS trace2test.spans ')).toBe(
      "CREATE TABLE IF NOT EXISTS trace2test.spans ON CLUSTER 'c1' AS trace2test.spans_local\n" +
        "ENGINE = Distributed('c1', 'trace2test', 'spans_local', cityHash64(TraceId))",
    );
    expect(statementStarting(ddl, 'CREATE TABLE IF NOT EXISTS trace2test.trace_behaviours ')).toBe(
      "CREATE TABLE IF NOT EXISTS trace2test.trace_behaviours ON CLUSTER 'c1' AS trace2test.trace_behaviours_local\n" +
        "ENGINE = Distributed('c1', 'trace2test', 'trace_behaviours_local', cityHash64(trace_id))",
    );
  });

  it('fills the trace-id lookup on each shard from the spans stored there', () => {
    const view = statementStarting(
      ddl,
      'CREATE MATERIALIZED VIEW IF NOT EXISTS trace2test.spans_trace_id_ts_mv ',
    );
    expect(view).toContain(
      "spans_trace_id_ts_mv ON CLUSTER 'c1' TO trace2test.spans_trace_id_ts_local AS",
    );
    expect(view).toContain('FROM trace2test.spans_local\n');
    expect(
      statementStarting(
        ddl,
        "CREATE TABLE IF NOT EXISTS trace2test.spans_trace_id_ts_local ON CLUSTER 'c1'",
      ),
    ).toContain(
      "ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')",
    );
  });

  it('adds columns to the per-shard table and to the Distributed table in front of it', () => {
    const flags = ddl.filter((s) => s.includes('ADD COLUMN IF NOT EXISTS Flags '));
    expect(flags).toEqual([
      "ALTER TABLE trace2test.spans_local ON CLUSTER 'c1' ADD COLUMN IF NOT EXISTS Flags UInt32 DEFAULT 0 CODEC(ZSTD(1))",
      "ALTER TABLE trace2test.spans ON CLUSTER 'c1' ADD COLUMN IF NOT EXISTS Flags UInt32 DEFAULT 0 CODEC(ZSTD(1))",
    ]);
    // Indexes, settings and TTLs belong to the stored data only.
    expect(
      renderStatement(
        'ALTER TABLE ${db}.spans ADD INDEX IF NOT EXISTS idx_x SpanKind TYPE set(10) GRANULARITY 1',
        cluster,
      ),
    ).toEqual([
      "ALTER TABLE trace2test.spans_local ON CLUSTER 'c1' ADD INDEX IF NOT EXISTS idx_x SpanKind TYPE set(10) GRANULARITY 1",
    ]);
  });

  it('replicates the other tables whole to every node, keeping their engine arguments', () => {
    expect(
      statementStarting(
        ddl,
        "CREATE TABLE IF NOT EXISTS trace2test.cluster_windows ON CLUSTER 'c1' (",
      ),
    ).toContain(
      "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/all/{database}/{table}', '{replica}', written_at)",
    );
    expect(
      statementStarting(ddl, "CREATE TABLE IF NOT EXISTS trace2test.clusters ON CLUSTER 'c1' ("),
    ).toContain(
      "ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/all/{database}/{table}', '{replica}')",
    );
    expect(ddl.filter((s) => s.includes('Distributed('))).toHaveLength(3);
  });

  it('keeps the migration records in a replicated table on every node', () => {
    expect(ddl[0]).toBe("CREATE DATABASE IF NOT EXISTS trace2test ON CLUSTER 'c1'");
    expect(ddl[1]).toMatch(
      /^CREATE TABLE IF NOT EXISTS trace2test\.schema_migrations ON CLUSTER 'c1' \([\s\S]*\) ENGINE = ReplicatedReplacingMergeTree\('\/clickhouse\/tables\/all\/\{database\}\/\{table\}', '\{replica\}', applied_at\) ORDER BY version$/,
    );
  });

  it('creates views on every node over the Distributed and replicated tables', () => {
    const stats = ddl.filter((s) =>
      s.startsWith('CREATE OR REPLACE VIEW trace2test.cluster_stats'),
    );
    expect(stats).toHaveLength(2); // 003, then 007 with the tenant
    for (const view of stats) {
      expect(view).toMatch(
        /^CREATE OR REPLACE VIEW trace2test\.cluster_stats ON CLUSTER 'c1' AS\n/,
      );
      expect(view).toContain('FROM trace2test.cluster_windows FINAL');
    }
    expect(stats[1]).toContain('GROUP BY tenant, endpoint, fingerprint');
  });

  it('gives the Distributed table the column changes of an ALTER, not its sorting key', () => {
    const tenant = ddl.filter((s) => /\.spans(_local)? .*ADD COLUMN IF NOT EXISTS Tenant /.test(s));
    expect(tenant).toEqual([
      "ALTER TABLE trace2test.spans_local ON CLUSTER 'c1' ADD COLUMN IF NOT EXISTS Tenant LowCardinality(String) CODEC(ZSTD(1)), MODIFY ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), Timestamp, Tenant)",
      "ALTER TABLE trace2test.spans ON CLUSTER 'c1' ADD COLUMN IF NOT EXISTS Tenant LowCardinality(String) CODEC(ZSTD(1))",
    ]);
    expect(ddl).toContain(
      "ALTER TABLE trace2test.spans ON CLUSTER 'c1' MODIFY COLUMN IF EXISTS Tenant DEFAULT 'default'",
    );
    expect(
      renderStatement('ALTER TABLE ${db}.trace_behaviours MODIFY ORDER BY (a, b)', cluster),
    ).toEqual([
      "ALTER TABLE trace2test.trace_behaviours_local ON CLUSTER 'c1' MODIFY ORDER BY (a, b)",
    ]);
  });

  it('fills the trace-id lookup per tenant from the spans of its shard', () => {
    const view = statementStarting(
      ddl,
      'CREATE MATERIALIZED VIEW IF NOT EXISTS trace2test.spans_trace_id_ts_tenant_mv',
    );
    expect(view).toContain(
      "spans_trace_id_ts_tenant_mv ON CLUSTER 'c1' TO trace2test.spans_trace_id_ts_local AS",
    );
    expect(view).toContain('FROM trace2test.spans_local\n');
    expect(view).toContain('GROUP BY Tenant, TraceId');
    expect(ddl).toContain("DROP VIEW IF EXISTS trace2test.spans_trace_id_ts_mv ON CLUSTER 'c1'");
  });

  it('sets TTLs on the tables that store the rows', () => {
    expect(ttlByTable(ddl)).toEqual({
      spans_local: 'toDateTime(Timestamp) + toIntervalDay(30)',
      spans_trace_id_ts_local: 'toDateTime(Start) + toIntervalDay(30)',
      trace_behaviours_local: 'toDateTime(start_time) + toIntervalDay(90)',
      cluster_windows: 'toDateTime(window_start) + toIntervalDay(90)',
      cluster_late_traces: 'toDateTime(window_start) + toIntervalDay(90)',
      representatives: 'toDateTime(window_start) + toIntervalDay(90)',
      clusters: 'toDateTime(last_seen) + toIntervalDay(90)',
    });
    expect(
      ttlStatement({ table: 'spans', storedIn: 'spans_local', expression: undefined }, cluster),
    ).toBe("ALTER TABLE trace2test.spans_local ON CLUSTER 'c1' REMOVE TTL");
  });

  it('drops both tables of a sharded one', () => {
    expect(renderStatement('DROP TABLE IF EXISTS ${db}.spans SYNC', cluster)).toEqual([
      "DROP TABLE IF EXISTS trace2test.spans ON CLUSTER 'c1' SYNC",
      "DROP TABLE IF EXISTS trace2test.spans_local ON CLUSTER 'c1' SYNC",
    ]);
  });

  it('refuses statements it has no cluster form for, instead of running them on one node', () => {
    expect(() => renderStatement('CREATE FUNCTION IF NOT EXISTS f AS x -> x', cluster)).toThrow(
      DdlRenderError,
    );
    expect(() =>
      renderStatement(
        'CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.v TO ${db}.cluster_windows AS SELECT * FROM ${db}.spans',
        cluster,
      ),
    ).toThrow('a materialized view cannot join sharded and whole tables');
    expect(() =>
      renderStatement('DROP DATABASE IF EXISTS ${db}', { ...cluster, cluster: "c'1" }),
    ).toThrow('is not a plain name');
  });
});

describe('table catalogue', () => {
  it('names every table the migrations create, so each has a placement and a retention', () => {
    const created = migrations
      .flatMap((m) => m.statements)
      .map((s) => /^CREATE TABLE IF NOT EXISTS \$\{db\}\.(\w+)/.exec(s)?.[1])
      .filter((t): t is string => t !== undefined);
    expect(created.length).toBeGreaterThan(10);
    for (const table of [...created, 'schema_migrations']) {
      expect(Object.keys(TABLE_CATALOGUE)).toContain(table);
    }
  });

  it('never expires models, tests, runs or migration records', () => {
    for (const table of NEVER_EXPIRE) expect(TABLE_CATALOGUE[table].ttl).toBeUndefined();
    const ttlTables = desiredTtls(single).map((d) => d.table);
    for (const table of NEVER_EXPIRE) expect(ttlTables).not.toContain(table);
  });
});

describe('sorting key', () => {
  const append =
    'ALTER TABLE ${db}.t ADD COLUMN IF NOT EXISTS tenant LowCardinality(String), MODIFY ORDER BY (${sorting_key}, tenant)';
  const keyOf = (s: string) => /MODIFY ORDER BY \((.*)\)$/.exec(s)?.[1];

  it('appends the columns to the key the table has', () => {
    expect(keyOf(fillSortingKey(append, 'a, toDateTime(t), t'))).toBe(
      'a, toDateTime(t), t, tenant',
    );
    expect(keyOf(fillSortingKey(append, 'a, toDateTime(t)'))).toBe('a, toDateTime(t), tenant');
    expect(keyOf(fillSortingKey(append, 'k'))).toBe('k, tenant');
    expect(keyOf(fillSortingKey(append, ''))).toBe('tenant');
  });

  it('names the key as it is when the statement ran before, so running it again changes nothing', () => {
    expect(keyOf(fillSortingKey(append, 'k, tenant'))).toBe('k, tenant');
    expect(keyOf(fillSortingKey(append, 'tenant'))).toBe('tenant');
    // A column of that name elsewhere in the key is not the appended one.
    expect(keyOf(fillSortingKey(append, 'tenant, k'))).toBe('tenant, k, tenant');
  });

  it('reads the key a statement sets', () => {
    expect(
      sortingKeySet(
        'CREATE TABLE IF NOT EXISTS ${db}.s (x UInt8) ENGINE = MergeTree\nPRIMARY KEY (a, f(b))\nORDER BY (a, f(b), b)\nSETTINGS x = 1',
      ),
    ).toEqual({ table: 's', key: 'a, f(b), b' });
    expect(
      sortingKeySet('CREATE TABLE IF NOT EXISTS ${db}.s (x UInt8) ENGINE = MergeTree ORDER BY x'),
    ).toEqual({ table: 's', key: 'x' });
    expect(sortingKeySet('ALTER TABLE ${db}.s ADD COLUMN IF NOT EXISTS y UInt8')).toBeUndefined();
  });

  it('splits at commas outside parentheses and quotes', () => {
    expect(
      splitTopLevel("ADD COLUMN m Map(String, String) DEFAULT 'a,b', MODIFY ORDER BY (x, y)"),
    ).toEqual(["ADD COLUMN m Map(String, String) DEFAULT 'a,b'", 'MODIFY ORDER BY (x, y)']);
  });
});

describe('retention', () => {
  it.each([
    [30 * DAY, 'toDateTime(Timestamp) + toIntervalDay(30)'],
    [36 * 3600, 'toDateTime(Timestamp) + toIntervalHour(36)'],
    [90 * 60, 'toDateTime(Timestamp) + toIntervalMinute(90)'],
    [3601, 'toDateTime(Timestamp) + toIntervalSecond(3601)'],
  ])('writes %d seconds in the largest whole unit', (seconds, expression) => {
    expect(ttlExpression('Timestamp', seconds)).toBe(expression);
  });

  it('reads the table TTL from engine_full, with or without settings after it', () => {
    expect(
      ttlOfEngine(
        'MergeTree PARTITION BY toDate(Timestamp) ORDER BY toDateTime(Timestamp) TTL toDateTime(Timestamp) + toIntervalDay(30) SETTINGS ttl_only_drop_parts = 1, index_granularity = 8192',
      ),
    ).toBe('toDateTime(Timestamp) + toIntervalDay(30)');
    expect(
      ttlOfEngine(
        'ReplacingMergeTree(written_at) ORDER BY trace_id TTL toDateTime(window_start) + toIntervalHour(2)',
      ),
    ).toBe('toDateTime(window_start) + toIntervalHour(2)');
    expect(ttlOfEngine('MergeTree ORDER BY x SETTINGS index_granularity = 8192')).toBeUndefined();
  });
});
