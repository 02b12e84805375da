/** Default names of the topics the pipeline reads and writes (each overridable per service). */
export const TOPICS = {
  /** What users produce to: OTLP ExportTraceServiceRequest, protobuf or JSON. */
  spans: 'otlp_spans',
  /** Ingest's output, keyed by trace id: every span of a trace on one partition. */
  spansByTrace: 'spans_by_trace',
  /** Undecodable or invalid input from `otlp_spans`, original bytes + reason headers. */
  spansDlq: 'otlp_spans.dlq',
  /** Clustering announces closed windows here; modeling consumes it. */
  clusterEvents: 'cluster_events',
  /** Modeling announces new model versions here; the generator consumes it. */
  modelEvents: 'model_events',
} as const;

/** Kafka's own rule for topic names. */
export function assertTopicName(name: string): void {
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(name) || name === '.' || name === '..') {
    throw new Error(
      `"${name}" is not a valid Kafka topic name (letters, digits, '.', '_', '-'; at most 249)`,
    );
  }
}
