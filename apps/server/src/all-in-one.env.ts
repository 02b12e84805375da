import { composeEnv, type EnvProblem } from '@t2t/config';
import { llmEnv, llmEnvProblems } from '@t2t/llm';
import { inProcessQueueEnv, kafkaEnv } from '@t2t/messaging';
import { platformEnv } from '@t2t/platform';
import {
  grpcReceiverEnv,
  grpcReceiverEnvProblems,
  kafkaIntakeEnv,
  receiverEnv,
  receiverEnvProblems,
} from '@t2t/receiver';
import { storageEnv } from '@t2t/storage';
import { tenantEnv } from '@t2t/wire';
import { clusteringOptions } from '../../clustering/src/clustering.env';
import {
  generationEnv,
  generationEnvProblems,
} from '../../generator/src/generation/generation.env';
import { graphqlEnv, graphqlEnvProblems } from '../../generator/src/graphql/graphql-api.env';
import { webUiEnv } from '../../generator/src/web/web-ui.env';
import { ingestOptions } from '../../ingest/src/ingest.env';
import { modelingOptions } from '../../modeling/src/modeling.env';

/**
 * The whole product in one process: every service's options, one HTTP server (health, metrics,
 * GraphQL) and the OTLP receivers (HTTP and gRPC). Without KAFKA_BROKERS the stages talk through the
 * in-process transport; with it, through Kafka, exactly as the separate services do.
 */
export const allInOneEnv = composeEnv(
  'trace2test',
  {
    platform: platformEnv(4000),
    storage: storageEnv,
    tenants: tenantEnv,
    kafka: kafkaEnv,
    queue: inProcessQueueEnv,
    receiver: receiverEnv,
    grpcReceiver: grpcReceiverEnv,
    kafkaIntake: kafkaIntakeEnv,
    ingest: ingestOptions,
    clustering: clusteringOptions,
    modeling: modelingOptions,
    generation: generationEnv,
    graphql: graphqlEnv,
    webUi: webUiEnv,
    llm: llmEnv,
  },
  (c) => {
    const problems: EnvProblem[] = [
      ...receiverEnvProblems(c.receiver),
      ...grpcReceiverEnvProblems(c.grpcReceiver),
      ...graphqlEnvProblems(c.graphql),
      ...generationEnvProblems(c.generation),
      ...llmEnvProblems(c.llm),
    ];
    if (c.clustering.allowedLatenessMs < c.clustering.idleGapMs) {
      problems.push({
        key: 'CLUSTERING_ALLOWED_LATENESS',
        problem: 'must be at least CLUSTERING_IDLE_GAP',
      });
    }
    if (c.ingest.outputTopic !== c.clustering.inputTopic) {
      problems.push({
        key: 'CLUSTERING_INPUT_TOPIC',
        problem: `must equal INGEST_OUTPUT_TOPIC (${c.ingest.outputTopic}): clustering reads what ingest writes`,
      });
    }
    if (c.clustering.eventsTopic !== c.modeling.eventsTopic) {
      problems.push({
        key: 'MODELING_EVENTS_TOPIC',
        problem: `must equal CLUSTERING_EVENTS_TOPIC (${c.clustering.eventsTopic})`,
      });
    }
    if (c.clustering.role !== 'all') {
      problems.push({
        key: 'CLUSTERING_ROLE',
        problem: 'must be `all` in the all-in-one server (it runs both workers and the sink)',
      });
    }
    return problems;
  },
);

export type AllInOneConfig = ReturnType<typeof allInOneEnv.parse>;

/**
 * The configuration the embedded default runs with: the topics the stages create in process get
 * `EMBEDDED_QUEUE_PARTITIONS` partitions. The services' `*_TOPIC_PARTITIONS` (12) size Kafka topics
 * for replicas to share; one process reading them all on one event loop gains nothing from them and
 * pays for each: smaller inserts (a chunk per partition) and more windows to close.
 */
export function embeddedConfig(c: AllInOneConfig): AllInOneConfig {
  const partitions = c.queue.partitions;
  return {
    ...c,
    ingest: { ...c.ingest, topicPartitions: partitions },
    clustering: { ...c.clustering, topicPartitions: partitions },
    modeling: { ...c.modeling, topicPartitions: partitions },
  };
}
