import { bool, composeEnv, defineEnv, duration, type EnvProblem, int, str } from '@t2t/config';
import { kafkaEnv, TOPICS } from '@t2t/messaging';
import { platformEnv } from '@t2t/platform';
import { storageEnv } from '@t2t/storage';

const topicName = {
  pattern: /^[A-Za-z0-9._-]{1,249}$/,
  patternHint: 'is not a valid Kafka topic name',
};

/** Modeling's own options. */
export const modelingOptions = defineEnv('modeling', {
  eventsTopic: str({
    key: 'MODELING_EVENTS_TOPIC',
    default: TOPICS.clusterEvents,
    ...topicName,
    doc: 'Cluster events that trigger a rebuild.',
  }),
  groupId: str({
    key: 'MODELING_GROUP_ID',
    default: 'modeling',
    doc: 'Consumer group of the leader reading cluster events.',
  }),
  leaderGroup: str({
    key: 'MODELING_LEADER_GROUP',
    default: 'modeling-leader',
    doc: 'Election among modeling replicas (group on the single-partition topic `<name>.leader`): only the leader builds.',
  }),
  outputTopic: str({
    key: 'MODELING_OUTPUT_TOPIC',
    default: TOPICS.modelEvents,
    ...topicName,
    doc: 'New model versions are announced here.',
  }),
  debounceMs: duration({
    key: 'MODELING_DEBOUNCE',
    default: 5_000,
    min: 0,
    doc: 'Cluster events within this long of each other lead to one rebuild.',
  }),
  rebuildIntervalMs: duration({
    key: 'MODELING_REBUILD_INTERVAL',
    default: 300_000,
    min: 1000,
    doc: 'The leader also rebuilds this often without events (catches rows written after the last event).',
  }),
  horizonMs: duration({
    key: 'MODELING_HORIZON',
    default: 86_400_000,
    min: 1000,
    doc: 'The model covers behaviours seen within this much event time before the newest data; older ones drop out (drift).',
  }),
  buildThread: bool({
    key: 'MODELING_BUILD_THREAD',
    default: true,
    doc: 'Build the model on a worker thread (one per process, shared with test generation when it runs in it), so a rebuild never holds up the event loop that receives spans (false: on the main thread).',
  }),
  samplesPerBehaviour: int({
    key: 'MODELING_SAMPLES_PER_BEHAVIOUR',
    default: 300,
    min: 1,
    max: 10_000,
    doc: 'Sampled traces read per behaviour to build edges and mine rules.',
  }),
  sessionTimeoutMs: duration({
    key: 'MODELING_SESSION_TIMEOUT',
    default: 30_000,
    min: 6000,
    doc: 'Session timeout of the election and the consumer (how soon a dead leader is replaced).',
  }),
  createTopics: bool({
    key: 'MODELING_CREATE_TOPICS',
    default: true,
    doc: 'Create missing topics at start-up.',
  }),
  topicPartitions: int({
    key: 'MODELING_TOPIC_PARTITIONS',
    default: 12,
    min: 1,
    doc: 'Partitions for topics this service creates.',
  }),
});

/** Everything the modeling service reads from its environment. */
export const modelingEnv = composeEnv(
  'modeling',
  { platform: platformEnv(8083), storage: storageEnv, kafka: kafkaEnv, modeling: modelingOptions },
  (c) => {
    const problems: EnvProblem[] = [];
    if (!c.kafka.brokers)
      problems.push({
        key: 'KAFKA_BROKERS',
        problem: 'is required: modeling follows cluster_events and elects its leader through Kafka',
      });
    return problems;
  },
);

export type ModelingConfig = ReturnType<typeof modelingEnv.parse>;
