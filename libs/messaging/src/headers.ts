/**
 * Record headers the pipeline reads and writes. Producers of `otlp_spans` may set `content-type`
 * to say how the value is encoded; ingest falls back to its configured encoding (the collector's
 * kafka exporter sets no header).
 */
export const HEADERS = {
  contentType: 'content-type',
  /** Dead-letter records: why the record was rejected. */
  dlqReason: 'x-t2t-dlq-reason',
  dlqSourceTopic: 'x-t2t-dlq-source-topic',
  dlqSourcePartition: 'x-t2t-dlq-source-partition',
  dlqSourceOffset: 'x-t2t-dlq-source-offset',
  dlqSourceTimestamp: 'x-t2t-dlq-source-timestamp',
  /** Set when the original value did not fit into the dead-letter topic and was cut. */
  dlqTruncated: 'x-t2t-dlq-truncated',
  /**
   * Re-keyed trace records: the ingest source (`topic/partition`) and how far in event time ingest
   * has read that source (the largest trace start it has sent so far, Unix ns, decimal; records of
   * a chunk go out in start order, so what follows from the source starts at or after it).
   * Clustering aligns its event time to the slowest source with them.
   */
  source: 'x-t2t-source',
  sourceTime: 'x-t2t-source-time',
  /**
   * How many partitions the source's topic has (`otlp_spans/0` … `/n-1`): clustering then expects
   * every one of them as a source from the start, instead of learning them one by one while event
   * time runs ahead of the ones not heard from yet.
   */
  sourcePartitions: 'x-t2t-source-partitions',
  /** Cluster events: `window`, `late_trace` or `members`, so a reader can skip what it ignores. */
  eventType: 'x-t2t-event-type',
} as const;

export const CONTENT_TYPES = {
  otlpProto: 'application/x-protobuf',
  otlpJson: 'application/json',
} as const;

export type OtlpEncoding = 'otlp_proto' | 'otlp_json';

/** Reads a content-type header value; undefined when absent or not an OTLP encoding we know. */
export function encodingFromContentType(value: string | undefined): OtlpEncoding | undefined {
  if (!value) return undefined;
  const v = value.split(';')[0].trim().toLowerCase();
  if (
    v === CONTENT_TYPES.otlpProto ||
    v === 'application/protobuf' ||
    v === 'application/vnd.google.protobuf'
  )
    return 'otlp_proto';
  if (v === CONTENT_TYPES.otlpJson) return 'otlp_json';
  return undefined;
}
