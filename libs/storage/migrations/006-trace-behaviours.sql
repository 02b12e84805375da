-- Which behaviour every closed trace belongs to (clustering's `members` events), so statistics a
-- sample cannot give are computed over all traffic by joining with spans: where a numeric decision
-- really lies, how often a rule holds. Written at least once; a replayed trace replaces its row.
CREATE TABLE IF NOT EXISTS ${db}.trace_behaviours (
    trace_id String,
    endpoint LowCardinality(String),
    fingerprint String,
    start_time DateTime64(9),
    error UInt8,
    source_partition UInt32,
    written_at DateTime64(3) DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(written_at)
PARTITION BY toYYYYMMDD(start_time)
ORDER BY (endpoint, fingerprint, trace_id);
