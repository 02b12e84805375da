-- Versions of the system model built by modeling. A version is identified by the hash of its
-- content: building the same model twice (a replay, a second instance) writes the same row.

CREATE TABLE IF NOT EXISTS ${db}.model_versions (
    model_hash String,
    version UInt64,
    created_at DateTime64(3),
    services UInt32,
    endpoints UInt32,
    entities UInt32,
    edges UInt32,
    behaviours UInt32,
    rules UInt32,
    model String CODEC(ZSTD(3))
) ENGINE = ReplacingMergeTree(created_at)
ORDER BY model_hash;

-- What changed from one version to the next (structured ModelChange list as JSON).
CREATE TABLE IF NOT EXISTS ${db}.model_diffs (
    from_hash String,
    to_hash String,
    version UInt64,
    created_at DateTime64(3),
    change_count UInt32,
    changes String CODEC(ZSTD(3))
) ENGINE = ReplacingMergeTree(created_at)
ORDER BY (from_hash, to_hash);
