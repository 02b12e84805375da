/**
 * What the migration files (written for one node) do not say about a table: where its rows live
 * on a cluster and how long they are kept. The DDL renderer combines the two, so the single-node
 * and the cluster schema come from one description and cannot drift apart.
 */

/** Which option bounds a table's rows: SPANS_TTL or DERIVED_TTL. */
export type RetentionClass = 'spans' | 'derived';

export interface TableSpec {
  /**
   * Cluster mode: rows are spread over the shards by this expression. The table is created as
   * `<name>_local` on every node, with a Distributed table `<name>` in front of it, so queries and
   * inserts keep using `<name>`. Unset: every node holds a whole replica of the table.
   */
  readonly shardBy?: string;
  /** Rows expire this long (the class's option) after `column`. Unset: never. */
  readonly ttl?: { readonly retention: RetentionClass; readonly column: string };
}

/**
 * Tables that grow with every span or trace are sharded by trace id: a trace is then read from
 * one shard, and joins by trace id (rule statistics: trace_behaviours with spans) run on each
 * shard against its local tables (`distributed_product_mode = 'local'`).
 *
 * The rest are replicated whole to every node: they grow with behaviours and windows, not with
 * traffic; they are read with FINAL across all rows of a key, or read back right after a write
 * (generation runs, models, the migration records), which a Distributed table's asynchronous
 * insert would not guarantee.
 *
 * A unit test fails when a migration creates a table missing here, so each new table gets a
 * placement and a retention decision.
 */
export const TABLE_CATALOGUE: Readonly<Record<string, TableSpec>> = {
  spans: { shardBy: 'cityHash64(TraceId)', ttl: { retention: 'spans', column: 'Timestamp' } },
  // The trace-id lookup must sit on the shard of its trace's spans: its materialized view fills it
  // from the spans inserted on that shard.
  spans_trace_id_ts: {
    shardBy: 'cityHash64(TraceId)',
    ttl: { retention: 'spans', column: 'Start' },
  },
  trace_behaviours: {
    shardBy: 'cityHash64(trace_id)',
    ttl: { retention: 'derived', column: 'start_time' },
  },
  cluster_windows: { ttl: { retention: 'derived', column: 'window_start' } },
  cluster_late_traces: { ttl: { retention: 'derived', column: 'window_start' } },
  // One row per behaviour: a behaviour not seen for the retention drops out, as its windows do
  // (its representative trace would be gone with the spans anyway).
  representatives: { ttl: { retention: 'derived', column: 'window_start' } },
  clusters: { ttl: { retention: 'derived', column: 'last_seen' } },
  // Models, tests, runs and the migration records are the product's output: never expired.
  model_versions: {},
  model_diffs: {},
  tests: {},
  generation_runs: {},
  test_runs: {},
  schema_migrations: {},
};
