-- Spans, with the column names and types of the OpenTelemetry Collector ClickHouse exporter's traces
-- table, so tools that read that table (Grafana's ClickHouse plugin, ad-hoc SQL) read this one.
-- Attribute values are strings, as the exporter stores them; typed values live in later columns.
-- ${db} is replaced by CLICKHOUSE_DATABASE. Every statement must be re-runnable (see the migrator).
--
-- Edited for new installs only: the exporter's current sort key (PRIMARY KEY of three columns,
-- ORDER BY with a trailing exact Timestamp) and codecs (Delta(8) on Timestamp, T64 on Duration).
-- ClickHouse cannot change the sort key of an existing table, and CREATE ... IF NOT EXISTS leaves
-- a table created from the first text as it is; databases that applied that text are accepted:
-- earlier-checksum: 1d0545501b64d03d3c3f9f74ef56f721db5f9ada0c32982cc536f2f65b28186a

CREATE TABLE IF NOT EXISTS ${db}.spans (
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    ParentSpanId String CODEC(ZSTD(1)),
    TraceState String CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    Duration UInt64 CODEC(T64, ZSTD(1)),
    StatusCode LowCardinality(String) CODEC(ZSTD(1)),
    StatusMessage String CODEC(ZSTD(1)),
    Events Nested (
        Timestamp DateTime64(9),
        Name LowCardinality(String),
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    Links Nested (
        TraceId String,
        SpanId String,
        TraceState String,
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1
) ENGINE = MergeTree
PARTITION BY toDate(Timestamp)
-- Spans of one service and span name in time order: filters on service, span name and time range
-- skip by the primary key; lookups by TraceId rely on idx_trace_id (bloom filter) and the time
-- range from spans_trace_id_ts. The exact Timestamp after the primary key orders the rows of one
-- second too (small deltas for its codec) without growing the in-memory primary index.
PRIMARY KEY (ServiceName, SpanName, toDateTime(Timestamp))
ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), Timestamp)
-- non_replicated_deduplication_window: inserts carrying an insert_deduplication_token seen among the
-- last N blocks are skipped, so replaying a batch after a crash does not duplicate spans.
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

-- Trace-id lookup: first and last span start per trace, so "all spans of trace X" reads only the
-- days the trace spans instead of the whole table (same shape as the exporter's *_trace_id_ts).
CREATE TABLE IF NOT EXISTS ${db}.spans_trace_id_ts (
    TraceId String CODEC(ZSTD(1)),
    Start SimpleAggregateFunction(min, DateTime) CODEC(ZSTD(1)),
    End SimpleAggregateFunction(max, DateTime) CODEC(ZSTD(1))
) ENGINE = AggregatingMergeTree
PARTITION BY toStartOfWeek(Start)
ORDER BY TraceId
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.spans_trace_id_ts_mv TO ${db}.spans_trace_id_ts AS
SELECT
    TraceId,
    min(toDateTime(Timestamp)) AS Start,
    max(toDateTime(Timestamp)) AS End
FROM ${db}.spans
WHERE TraceId != ''
GROUP BY TraceId;
