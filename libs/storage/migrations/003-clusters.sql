-- Clustering output. Workers publish window aggregates on cluster_events; the sink writes them here.
-- Every table is keyed so that writing the same aggregate again (a replay after a crash) replaces
-- it instead of adding to it: counts are summed over distinct keys only.

-- One row per (endpoint, fingerprint, window, source partition of spans_by_trace).
CREATE TABLE IF NOT EXISTS ${db}.cluster_windows (
    endpoint LowCardinality(String),
    fingerprint String,
    fingerprint_version UInt16,
    window_start DateTime64(3),
    window_end DateTime64(3),
    source_partition UInt32,
    trace_count UInt64,
    error_count UInt64,
    incomplete_count UInt64,
    span_count UInt64,
    first_seen DateTime64(9),
    last_seen DateTime64(9),
    duration_gamma Float64,
    duration_zero_count UInt64,
    duration_indexes Array(Int32),
    duration_counts Array(UInt64),
    sample_k UInt16,
    sample_trace_ids Array(String),
    sample_hashes Array(String),
    sample_durations_us Array(UInt64),
    sample_errors Array(UInt8),
    sample_complete Array(UInt8),
    representative_trace_id String,
    representative_duration_us UInt64,
    written_at DateTime64(3) DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(written_at)
PARTITION BY toYYYYMM(window_start)
ORDER BY (endpoint, fingerprint, window_start, source_partition);

-- Traces that closed after their window was written, one row per trace (a correction).
CREATE TABLE IF NOT EXISTS ${db}.cluster_late_traces (
    trace_id String,
    endpoint LowCardinality(String),
    fingerprint String,
    window_start DateTime64(3),
    error UInt8,
    incomplete UInt8,
    span_count UInt64,
    duration_us UInt64,
    start_time DateTime64(9),
    written_at DateTime64(3) DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(written_at)
ORDER BY trace_id;

-- What each fingerprint looks like; first/last seen across all windows.
CREATE TABLE IF NOT EXISTS ${db}.clusters (
    endpoint LowCardinality(String),
    fingerprint String,
    fingerprint_version UInt16,
    canonical SimpleAggregateFunction(any, String),
    shingles SimpleAggregateFunction(any, Array(String)),
    first_seen SimpleAggregateFunction(min, DateTime64(9)),
    last_seen SimpleAggregateFunction(max, DateTime64(9))
) ENGINE = AggregatingMergeTree
ORDER BY (endpoint, fingerprint, fingerprint_version);

-- The representative trace of each behaviour: the one chosen in its latest window, per partition;
-- readers pick deterministically across partitions (ClusterRepository.representatives).
CREATE TABLE IF NOT EXISTS ${db}.representatives (
    endpoint LowCardinality(String),
    fingerprint String,
    source_partition UInt32,
    window_start DateTime64(3),
    trace_id String,
    duration_us UInt64
) ENGINE = ReplacingMergeTree(window_start)
ORDER BY (endpoint, fingerprint, source_partition);

-- Totals per behaviour: every window row once (FINAL) plus late corrections.
CREATE OR REPLACE VIEW ${db}.cluster_stats AS
SELECT
    endpoint,
    fingerprint,
    sum(trace_count) AS traces,
    sum(error_count) AS errors,
    sum(incomplete_count) AS incomplete,
    sum(span_count) AS spans,
    min(first_seen) AS first_seen,
    max(last_seen) AS last_seen
FROM (
    SELECT endpoint, fingerprint, trace_count, error_count, incomplete_count, span_count, first_seen, last_seen
    FROM ${db}.cluster_windows FINAL
    UNION ALL
    SELECT endpoint, fingerprint, 1, error, incomplete, span_count, start_time, start_time
    FROM ${db}.cluster_late_traces FINAL
)
GROUP BY endpoint, fingerprint;
