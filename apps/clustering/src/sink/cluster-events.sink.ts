import {
  type INestMicroservice,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { ClusterEvent } from '@t2t/fingerprint';
import { createKafka, ensureTopics, KafkaBatchTransport } from '@t2t/messaging';
import { HealthRegistry, MetricsRegistry } from '@t2t/platform';
import { ClusterRepository } from '@t2t/storage';
import type { ClusteringConfig } from '../clustering.env';
import { CLUSTERING_CONFIG } from '../clustering.tokens';
import { parseClusterEvent } from './cluster-event.codec';
import {
  CLUSTER_EVENTS_PATTERN,
  ClusterEventsBatchHandler,
  ClusterEventsHandlersModule,
} from './cluster-events.handler';

/**
 * Persists `cluster_events` into the clustering tables through an `@EventPattern` handler on the
 * Kafka batch transport. Writes are idempotent (replayed events replace their rows), so each
 * batch is committed once written and replays safely; unreadable events go to the sink's
 * dead-letter topic with the reason.
 */
@Injectable()
export class ClusterEventsSink implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger('clustering-sink');
  private transport?: KafkaBatchTransport<ClusterEvent>;
  private microservice?: INestMicroservice;
  private running = false;

  constructor(
    @Inject(CLUSTERING_CONFIG) private readonly config: ClusteringConfig,
    private readonly clusters: ClusterRepository,
    private readonly metricsRegistry: MetricsRegistry,
    private readonly health: HealthRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const c = this.config.clustering;
    const kafka = createKafka(this.config.kafka, 'clustering-sink');
    if (c.createTopics) {
      const admin = kafka.admin();
      await admin.connect();
      await ensureTopics(admin, [
        { topic: c.eventsTopic, partitions: c.topicPartitions },
        { topic: c.sinkDlqTopic, partitions: 1 },
      ]);
      await admin.disconnect();
    }
    const written = this.metricsRegistry.counter(
      't2t_clustering_sink_events_total',
      'Cluster events handled by the sink, by outcome.',
      ['outcome'],
    );
    const handler = new ClusterEventsBatchHandler(this.clusters, (ok, refused) => {
      written.inc({ outcome: 'written' }, ok);
      if (refused > 0) written.inc({ outcome: 'dead_letter' }, refused);
    });
    this.transport = new KafkaBatchTransport<ClusterEvent>(kafka, {
      groupId: c.sinkGroupId,
      groupIdFor: () => c.sinkGroupId,
      topicFor: (pattern) => (pattern === CLUSTER_EVENTS_PATTERN ? c.eventsTopic : undefined),
      decode: (record) => parseClusterEvent(record.value, record.headers),
      // A members event names up to membersPerEvent traces: bound batches by those rows.
      weight: (event, record) => ({
        rows: event.type === 'members' ? event.traceIds.length : 1,
        bytes: record.value?.length ?? 0,
      }),
      deadLetterTopic: () => c.sinkDlqTopic,
      maxBatchRecords: 5000,
      maxBatchBytes: 8 * 1024 * 1024,
      maxBytesPerPartition: 16 * 1024 * 1024,
      maxWaitMs: 500,
      sessionTimeoutMs: c.sessionTimeoutMs,
      permanentAttempts: 3,
      fromBeginning: true,
    });
    this.health.register({
      name: 'clustering-sink',
      check: async () => {
        if (!this.running) throw new Error('the clustering sink is not running');
        const problem = this.transport?.problem();
        if (problem !== undefined) throw new Error(problem);
      },
    });
    this.microservice = await NestFactory.createMicroservice(
      ClusterEventsHandlersModule.forHandler(handler),
      // No logger option: the app's log levels (set globally) stay as they are.
      { strategy: this.transport, abortOnError: false },
    );
    await this.microservice.listen();
    this.running = true;
    this.log.log(
      `sink consuming ${c.eventsTopic} as group ${c.sinkGroupId} → ClickHouse cluster tables`,
    );
  }

  async onModuleDestroy(): Promise<void> {
    this.running = false;
    // The transport lets the batch in hand finish and commits it before leaving the group.
    await this.microservice?.close();
  }
}
