-- Tenants: every row carries the tenant it belongs to, and every table's sorting key ends with it,
-- so a ReplacingMergeTree or AggregatingMergeTree merge never combines rows of two tenants that
-- share an id (a trace id, a test id, a model hash, an endpoint and fingerprint). `Tenant` on the
-- exporter-style tables (spans, spans_trace_id_ts), `tenant` elsewhere. Rows written before this
-- migration, and rows whose writer names no tenant, belong to the implicit tenant 'default'.
--
-- Two statements per table, because ClickHouse adds a column to the sorting key only in the ALTER
-- that creates it, and only when that column has no default expression:
--   1. add the column without a default and append it to the sorting key;
--   2. give it its default. Rows already stored do not hold the column: reads compute it from the
--      default, so they read 'default' from here on (merges then store it).
-- Re-runnable: statement 1 finds the column there and the key already ending with it, which is no
-- change; statement 2 sets the same default again. A row stored between the two (an insert by a
-- writer that names no tenant, or a merge, in the moment between them, or longer if the migration
-- dies there) keeps '' as its tenant and is read by no tenant.
--
-- ${sorting_key} is the table's sorting key when the statement runs (the migrator reads it from
-- system.tables): the first release of 001-spans created spans with a shorter key than later
-- installs, and a sorting key can only be extended at its end.

ALTER TABLE ${db}.spans ADD COLUMN IF NOT EXISTS Tenant LowCardinality(String) CODEC(ZSTD(1)), MODIFY ORDER BY (${sorting_key}, Tenant);
ALTER TABLE ${db}.spans MODIFY COLUMN IF EXISTS Tenant DEFAULT 'default';

ALTER TABLE ${db}.spans_trace_id_ts ADD COLUMN IF NOT EXISTS Tenant LowCardinality(String) CODEC(ZSTD(1)), MODIFY ORDER BY (${sorting_key}, Tenant);
ALTER TABLE ${db}.spans_trace_id_ts MODIFY COLUMN IF EXISTS Tenant DEFAULT 'default';

-- The trace-id lookup is filled per tenant: the view of 001 groups by trace id only, so its rows
-- would all land in 'default' and two tenants' traces of one id would share a time range. The new
-- view is created before the old one is dropped, so no insert into spans is missed in between;
-- for that moment both fill the lookup, and their rows for the same trace merge (min/max).
CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.spans_trace_id_ts_tenant_mv TO ${db}.spans_trace_id_ts AS
SELECT
    Tenant,
    TraceId,
    min(toDateTime(Timestamp)) AS Start,
    max(toDateTime(Timestamp)) AS End
FROM ${db}.spans
WHERE TraceId != ''
GROUP BY Tenant, TraceId;
DROP VIEW IF EXISTS ${db}.spans_trace_id_ts_mv;

ALTER TABLE ${db}.trace_behaviours ADD COLUMN IF NOT EXISTS tenant LowCardinality(String), MODIFY ORDER BY (${sorting_key}, tenant);
ALTER TABLE ${db}.trace_behaviours MODIFY COLUMN IF EXISTS tenant DEFAULT 'default';

ALTER TABLE ${db}.cluster_windows ADD COLUMN IF NOT EXISTS tenant LowCardinality(String), MODIFY ORDER BY (${sorting_key}, tenant);
ALTER TABLE ${db}.cluster_windows MODIFY COLUMN IF EXISTS tenant DEFAULT 'default';

ALTER TABLE ${db}.cluster_late_traces ADD COLUMN IF NOT EXISTS tenant LowCardinality(String), MODIFY ORDER BY (${sorting_key}, tenant);
ALTER TABLE ${db}.cluster_late_traces MODIFY COLUMN IF EXISTS tenant DEFAULT 'default';

ALTER TABLE ${db}.clusters ADD COLUMN IF NOT EXISTS tenant LowCardinality(String), MODIFY ORDER BY (${sorting_key}, tenant);
ALTER TABLE ${db}.clusters MODIFY COLUMN IF EXISTS tenant DEFAULT 'default';

ALTER TABLE ${db}.representatives ADD COLUMN IF NOT EXISTS tenant LowCardinality(String), MODIFY ORDER BY (${sorting_key}, tenant);
ALTER TABLE ${db}.representatives MODIFY COLUMN IF EXISTS tenant DEFAULT 'default';

ALTER TABLE ${db}.model_versions ADD COLUMN IF NOT EXISTS tenant LowCardinality(String), MODIFY ORDER BY (${sorting_key}, tenant);
ALTER TABLE ${db}.model_versions MODIFY COLUMN IF EXISTS tenant DEFAULT 'default';

ALTER TABLE ${db}.model_diffs ADD COLUMN IF NOT EXISTS tenant LowCardinality(String), MODIFY ORDER BY (${sorting_key}, tenant);
ALTER TABLE ${db}.model_diffs MODIFY COLUMN IF EXISTS tenant DEFAULT 'default';

ALTER TABLE ${db}.tests ADD COLUMN IF NOT EXISTS tenant LowCardinality(String), MODIFY ORDER BY (${sorting_key}, tenant);
ALTER TABLE ${db}.tests MODIFY COLUMN IF EXISTS tenant DEFAULT 'default';

ALTER TABLE ${db}.generation_runs ADD COLUMN IF NOT EXISTS tenant LowCardinality(String), MODIFY ORDER BY (${sorting_key}, tenant);
ALTER TABLE ${db}.generation_runs MODIFY COLUMN IF EXISTS tenant DEFAULT 'default';

ALTER TABLE ${db}.test_runs ADD COLUMN IF NOT EXISTS tenant LowCardinality(String), MODIFY ORDER BY (${sorting_key}, tenant);
ALTER TABLE ${db}.test_runs MODIFY COLUMN IF EXISTS tenant DEFAULT 'default';

-- Totals per behaviour within its tenant.
CREATE OR REPLACE VIEW ${db}.cluster_stats AS
SELECT
    tenant,
    endpoint,
    fingerprint,
    sum(trace_count) AS traces,
    sum(error_count) AS errors,
    sum(incomplete_count) AS incomplete,
    sum(span_count) AS spans,
    min(first_seen) AS first_seen,
    max(last_seen) AS last_seen
FROM (
    SELECT tenant, endpoint, fingerprint, trace_count, error_count, incomplete_count, span_count, first_seen, last_seen
    FROM ${db}.cluster_windows FINAL
    UNION ALL
    SELECT tenant, endpoint, fingerprint, 1, error, incomplete, span_count, start_time, start_time
    FROM ${db}.cluster_late_traces FINAL
)
GROUP BY tenant, endpoint, fingerprint;
