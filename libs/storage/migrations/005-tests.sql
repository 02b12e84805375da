-- Generated tests, the runs that generated them, and the runs that executed them.

-- One row per test version; the latest row of a test id is current (ReplacingMergeTree).
CREATE TABLE IF NOT EXISTS ${db}.tests (
    test_id String,
    endpoint LowCardinality(String),
    fingerprint String,
    rule String,
    kind LowCardinality(String),
    generator LowCardinality(String),
    name String,
    model_hash String,
    model_version UInt64,
    generation_run_id String,
    verdict LowCardinality(String),
    assertions_kept UInt32,
    assertions_dropped UInt32,
    spec String CODEC(ZSTD(3)),
    jest_file String CODEC(ZSTD(3)),
    tracetest_yaml String CODEC(ZSTD(3)),
    created_at DateTime64(3),
    retired UInt8 DEFAULT 0
) ENGINE = ReplacingMergeTree(created_at)
ORDER BY (endpoint, test_id);

-- One row per generation run (scheduled or requested); updated as the run progresses.
CREATE TABLE IF NOT EXISTS ${db}.generation_runs (
    run_id String,
    trigger LowCardinality(String),
    status LowCardinality(String),
    instance String,
    model_version UInt64,
    model_hash String,
    endpoints Array(String),
    tests_generated UInt32,
    tests_kept UInt32,
    tests_rejected UInt32,
    assertions_dropped UInt32,
    error String,
    started_at DateTime64(3),
    finished_at Nullable(DateTime64(3)),
    updated_at DateTime64(3)
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY run_id;

-- Executions of tests: against a live system (test run) or stored production traces (test verify).
CREATE TABLE IF NOT EXISTS ${db}.test_runs (
    run_id String,
    test_id String,
    mode LowCardinality(String),
    target String,
    trace_id String,
    passed UInt8,
    failures UInt32,
    report String CODEC(ZSTD(3)),
    duration_ms UInt32,
    started_at DateTime64(3)
) ENGINE = ReplacingMergeTree(started_at)
ORDER BY (run_id, test_id, trace_id);
