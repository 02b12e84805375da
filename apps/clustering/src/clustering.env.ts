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

const topicName = {
  pattern: /^[A-Za-z0-9._-]{1,249}$/,
  patternHint: 'is not a valid Kafka topic name',
};

/** Clustering's own options. */
export const clusteringOptions = defineEnv('clustering', {
  role: oneOf({
    key: 'CLUSTERING_ROLE',
    default: 'all',
    values: ['worker', 'sink', 'all'] as const,
    doc: '`worker` turns spans_by_trace into cluster events; `sink` writes cluster events to ClickHouse; `all` both.',
  }),
  inputTopic: str({
    key: 'CLUSTERING_INPUT_TOPIC',
    default: TOPICS.spansByTrace,
    ...topicName,
    doc: 'Trace records from ingest, keyed by trace id; unreadable ones go to `<topic>.dlq` (created with the others; it must exist).',
  }),
  groupId: str({
    key: 'CLUSTERING_GROUP_ID',
    default: 'clustering',
    doc: 'Consumer group of the workers; add workers to scale out.',
  }),
  eventsTopic: str({
    key: 'CLUSTERING_EVENTS_TOPIC',
    default: TOPICS.clusterEvents,
    ...topicName,
    doc: 'Window aggregates published by workers, written by the sink, read by modeling.',
  }),
  sinkGroupId: str({
    key: 'CLUSTERING_SINK_GROUP_ID',
    default: 'clustering-sink',
    doc: 'Consumer group of the sink.',
  }),
  sinkDlqTopic: str({
    key: 'CLUSTERING_SINK_DLQ_TOPIC',
    default: `${TOPICS.clusterEvents}.dlq`,
    ...topicName,
    doc: 'Cluster events the sink cannot read, with the reason.',
  }),
  idleGapMs: duration({
    key: 'CLUSTERING_IDLE_GAP',
    default: 10_000,
    min: 100,
    doc: 'A trace closes this long (event time) after its last span ended.',
  }),
  sourceIdleMs: duration({
    key: 'CLUSTERING_SOURCE_IDLE',
    default: 30_000,
    min: 0,
    doc: 'Event time waits for the slowest ingest source partition still sending (records carry how far ingest has read each), however far behind it is, so a trace whose spans arrive through several source partitions at different speeds is never split, and a replay at any speed makes no trace late; a source that has sent nothing for this long (wall clock) stops holding event time back. 0 turns alignment off.',
  }),
  maxSourceLagMs: duration({
    key: 'CLUSTERING_MAX_SOURCE_LAG',
    default: 0,
    min: 0,
    doc: 'Optional bound on how far alignment holds event time behind the newest span end: bounded closing latency (and open-trace memory) at the price of late traces when a source lags further. 0: no bound.',
  }),
  maxTraceDurationMs: duration({
    key: 'CLUSTERING_MAX_TRACE_DURATION',
    default: 300_000,
    min: 1000,
    doc: 'A trace closes at the latest this long after its first span started.',
  }),
  maxOpenTraces: int({
    key: 'CLUSTERING_MAX_OPEN_TRACES',
    default: 200_000,
    min: 1,
    doc: 'Per partition; above it the trace due first closes early (counted as evicted).',
  }),
  maxSpansPerTrace: int({
    key: 'CLUSTERING_MAX_SPANS_PER_TRACE',
    default: 2000,
    min: 1,
    doc: 'Further spans of a trace are dropped (counted) and the trace is marked incomplete.',
  }),
  windowMs: duration({
    key: 'CLUSTERING_WINDOW',
    default: 60_000,
    min: 1000,
    doc: 'Tumbling window of the aggregates (aligned to the epoch).',
  }),
  allowedLatenessMs: duration({
    key: 'CLUSTERING_ALLOWED_LATENESS',
    default: 30_000,
    min: 0,
    doc: 'A window closes when event time passes its end plus this; traces closing later are written as per-trace corrections.',
  }),
  maxOpenGroups: int({
    key: 'CLUSTERING_MAX_OPEN_GROUPS',
    default: 50_000,
    min: 10,
    doc: 'Per partition: open (window, endpoint, fingerprint) groups before windows close early.',
  }),
  sampleSize: int({
    key: 'CLUSTERING_SAMPLE_SIZE',
    default: 20,
    min: 1,
    max: 1000,
    doc: 'Trace ids kept per group (bottom-k by hash; the representative is chosen among them).',
  }),
  endpointRules: str({
    key: 'ENDPOINT_RULES',
    default: '',
    pattern:
      /^\s*([^=,\s]+\s*=\s*(auto|downstream|path|entry)\s*)?(,\s*([^=,\s]+\s*=\s*(auto|downstream|path|entry)\s*)?)*$/,
    patternHint: 'must be service=auto|downstream|path|entry, comma-separated',
    doc: "How a service names the endpoint of traces entering through it. Default `auto` for every service: a catch-all route (`/*`, `/**`) means a gateway, and the trace is named after the first server further in with a concrete route (else the request path); a server without a route is looked through only when the next server serves the same request. `downstream` always looks through, `path` uses the request path, `entry` the service's own route. Example: `edge-gateway=downstream,legacy-proxy=path`.",
  }),
  membersPerEvent: int({
    key: 'CLUSTERING_MEMBERS_PER_EVENT',
    default: 2000,
    min: 0,
    max: 20_000,
    doc: 'Which behaviour every closed trace belongs to is published (`members` events, at most this many traces each) and stored in `trace_behaviours`; modeling measures rules over all traces with it. 0 turns it off (rules are then measured on samples only).',
  }),
  idleAdvanceMs: duration({
    key: 'CLUSTERING_IDLE_ADVANCE_AFTER',
    default: 5_000,
    min: 100,
    doc: 'A partition with no records for this long closes its open traces and publishes its open windows as they stand. Event time does not move with the wall clock: data that continues the stream later still counts in those windows (written again), never late.',
  }),
  upstreamGroup: str({
    key: 'CLUSTERING_UPSTREAM_GROUP',
    default: 'ingest',
    pattern: /^(none|[A-Za-z0-9._-]{1,249})$/,
    patternHint: 'must be a consumer group id (letters, digits, . _ -) or `none`',
    doc: "Consumer group of the stage that writes the input topic (ingest's INGEST_GROUP_ID). A quiet partition is flushed only once that group has committed everything on its input topic (named by the records' source headers): a stopped or crashed ingest holds the rest of some traces, and flushing them half would count them under a behaviour they do not have. `none`: flush on quiet alone.",
  }),
  upstreamWaitMaxMs: duration({
    key: 'CLUSTERING_UPSTREAM_WAIT_MAX',
    default: 600_000,
    min: 0,
    doc: 'Longest a quiet partition waits for CLUSTERING_UPSTREAM_GROUP to catch up before it is flushed anyway (an upstream gone for good must not hold windows open forever).',
  }),
  sessionTimeoutMs: duration({
    key: 'CLUSTERING_SESSION_TIMEOUT',
    default: 30_000,
    min: 6000,
    doc: "Consumer group session timeout (how soon a dead worker's partitions move).",
  }),
  partitionsConcurrently: int({
    key: 'CLUSTERING_PARTITIONS_CONCURRENTLY',
    default: 2,
    min: 1,
    max: 64,
    doc: 'Partitions of one worker processed in parallel.',
  }),
  createTopics: bool({
    key: 'CLUSTERING_CREATE_TOPICS',
    default: true,
    doc: 'Create missing topics at start-up.',
  }),
  topicPartitions: int({
    key: 'CLUSTERING_TOPIC_PARTITIONS',
    default: 12,
    min: 1,
    doc: 'Partitions for topics this service creates.',
  }),
});

/** Everything the clustering service reads from its environment. */
export const clusteringEnv = composeEnv(
  'clustering',
  {
    platform: platformEnv(8082),
    storage: storageEnv,
    kafka: kafkaEnv,
    clustering: clusteringOptions,
  },
  (c) => {
    const problems: EnvProblem[] = [];
    if (!c.kafka.brokers)
      problems.push({
        key: 'KAFKA_BROKERS',
        problem: 'is required: clustering consumes spans_by_trace from Kafka',
      });
    if (c.clustering.allowedLatenessMs < c.clustering.idleGapMs) {
      problems.push({
        key: 'CLUSTERING_ALLOWED_LATENESS',
        problem: `(${c.clustering.allowedLatenessMs} ms) must be at least CLUSTERING_IDLE_GAP (${c.clustering.idleGapMs} ms): traces reach their window only after the idle gap`,
      });
    }
    return problems;
  },
);

export type ClusteringConfig = ReturnType<typeof clusteringEnv.parse>;
