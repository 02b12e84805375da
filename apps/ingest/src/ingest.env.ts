import {
  bool,
  composeEnv,
  defineEnv,
  duration,
  type EnvProblem,
  int,
  oneOf,
  str,
} from '@t2t/config';
import { kafkaEnv, TOPICS } from '@t2t/messaging';
import { platformEnv } from '@t2t/platform';
import { storageEnv } from '@t2t/storage';
import { tenantEnv } from '@t2t/wire';

const MiB = 1024 * 1024;

const topicName = {
  pattern: /^[A-Za-z0-9._-]{1,249}$/,
  patternHint: 'is not a valid Kafka topic name',
};

/** Ingest's own options. */
export const ingestOptions = defineEnv('ingest', {
  topic: str({
    key: 'INGEST_TOPIC',
    default: TOPICS.spans,
    ...topicName,
    doc: 'Topic producers write OTLP ExportTraceServiceRequests to.',
  }),
  groupId: str({
    key: 'INGEST_GROUP_ID',
    default: 'ingest',
    doc: 'Consumer group; every replica uses the same one.',
  }),
  encoding: oneOf({
    key: 'INGEST_ENCODING',
    default: 'otlp_proto',
    values: ['otlp_proto', 'otlp_json'] as const,
    doc: 'Encoding of messages without a `content-type` header (the collector kafka exporter sets none).',
  }),
  outputTopic: str({
    key: 'INGEST_OUTPUT_TOPIC',
    default: TOPICS.spansByTrace,
    ...topicName,
    doc: 'Re-keyed trace records for clustering, keyed by trace id.',
  }),
  dlqTopic: str({
    key: 'INGEST_DLQ_TOPIC',
    default: TOPICS.spansDlq,
    ...topicName,
    doc: 'Dead letters: undecodable, oversized or invalid input, with the reason in headers.',
  }),
  maxMessageBytes: int({
    key: 'INGEST_MAX_MESSAGE_BYTES',
    default: 8 * MiB,
    min: 1024,
    unit: 'bytes',
    doc: 'Messages larger than this are dead-lettered undecoded.',
  }),
  dlqMaxValueBytes: int({
    key: 'INGEST_DLQ_MAX_VALUE_BYTES',
    default: 8 * MiB,
    min: 1024,
    unit: 'bytes',
    doc: 'Dead-letter values are cut to this size (header `x-t2t-dlq-truncated` keeps the original size); the DLQ topic is created to accept it.',
  }),
  batchMaxRows: int({
    key: 'INGEST_BATCH_MAX_ROWS',
    default: 50_000,
    min: 1,
    unit: 'spans',
    doc: 'A chunk (one ClickHouse insert per partition) holds at most this many spans...',
  }),
  batchMaxBytes: int({
    key: 'INGEST_BATCH_MAX_BYTES',
    default: 16 * MiB,
    min: 1024,
    unit: 'bytes',
    doc: '...and at most this many message bytes (a single larger message still forms a chunk).',
  }),
  batchMaxWaitMs: duration({
    key: 'INGEST_BATCH_MAX_WAIT',
    default: 1000,
    min: 10,
    doc: 'The broker answers a fetch after this long even if `INGEST_FETCH_MIN_BYTES` are not there yet: the time bound of a chunk.',
  }),
  fetchMinBytes: int({
    key: 'INGEST_FETCH_MIN_BYTES',
    default: 1 * MiB,
    min: 1,
    unit: 'bytes',
    doc: 'Bytes the broker gathers before answering a fetch (bigger chunks, fewer inserts).',
  }),
  partitionsConcurrently: int({
    key: 'INGEST_PARTITIONS_CONCURRENTLY',
    default: 2,
    min: 1,
    max: 64,
    doc: 'Partitions of one replica written in parallel.',
  }),
  reorderWindowMs: duration({
    key: 'INGEST_REORDER_WINDOW',
    default: 10_000,
    min: 0,
    doc: "How long a message may reach its partition after later ones (concurrent senders, a Collector's parallel exporters, SDKs of several services) and still continue its traces on time: the event time ingest reports to clustering waits for the earliest trace start read this long ago. 0: the largest start read (traces continued by an overtaken message count late).",
  }),
  maxFutureSkewMs: duration({
    key: 'INGEST_MAX_FUTURE_SKEW',
    default: 3_600_000,
    min: 0,
    doc: 'Spans starting further in the future than this are rejected as absurd.',
  }),
  retryMinMs: duration({
    key: 'INGEST_RETRY_MIN',
    default: 200,
    min: 10,
    doc: 'First backoff after a failed write (ClickHouse or broker unavailable); doubles each time...',
  }),
  retryMaxMs: duration({
    key: 'INGEST_RETRY_MAX',
    default: 30_000,
    min: 100,
    doc: '...up to this.',
  }),
  sessionTimeoutMs: duration({
    key: 'INGEST_SESSION_TIMEOUT',
    default: 30_000,
    min: 6000,
    doc: 'Consumer group session timeout.',
  }),
  createTopics: bool({
    key: 'INGEST_CREATE_TOPICS',
    default: true,
    doc: 'Create missing topics at start-up (input, output, DLQ).',
  }),
  topicPartitions: int({
    key: 'INGEST_TOPIC_PARTITIONS',
    default: 12,
    min: 1,
    doc: 'Partitions for topics this service creates.',
  }),
  fromBeginning: bool({
    key: 'INGEST_FROM_BEGINNING',
    default: true,
    doc: 'A new consumer group starts at the oldest retained message (false: only new ones).',
  }),
  fault: oneOf({
    key: 'INGEST_FAULT',
    default: 'none',
    values: ['none', 'crash-after-write'] as const,
    doc: 'Testing only: `crash-after-write` SIGKILLs the process after its first chunk is written, before the commit.',
  }),
});

/** Everything the ingest service reads from its environment. */
export const ingestEnv = composeEnv(
  'ingest',
  {
    platform: platformEnv(8081),
    storage: storageEnv,
    kafka: kafkaEnv,
    ingest: ingestOptions,
    tenants: tenantEnv,
  },
  (c) => {
    const problems: EnvProblem[] = [];
    if (!c.kafka.brokers)
      problems.push({
        key: 'KAFKA_BROKERS',
        problem: 'is required: ingest consumes spans from Kafka',
      });
    return problems;
  },
);

export type IngestConfig = ReturnType<typeof ingestEnv.parse>;
