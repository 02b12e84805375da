import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import {
  createKafka,
  ensureTopics,
  type MessageProducer,
  PartitionBatchConsumer,
} from '@t2t/messaging';
import { HealthRegistry, MetricsRegistry } from '@t2t/platform';
import { ClusterRepository } from '@t2t/storage';
import type { ClusteringConfig } from '../clustering.env';
import { CLUSTERING_CONFIG } from '../clustering.tokens';
import { ClusterEventsWriter } from './cluster-events.writer';

/**
 * Persists `cluster_events` into the clustering tables. Writes are idempotent (replayed events
 * replace their rows), so the sink commits after each written chunk and replays safely.
 */
@Injectable()
export class ClusterEventsSink implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger('clustering-sink');
  private consumer?: PartitionBatchConsumer<unknown>;
  private producer?: MessageProducer;
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
    this.producer = kafka.producer();
    await this.producer.connect();
    const written = this.metricsRegistry.counter(
      't2t_clustering_sink_events_total',
      'Cluster events handled by the sink, by outcome.',
      ['outcome'],
    );
    const writer = new ClusterEventsWriter(
      this.clusters,
      this.producer,
      c.sinkDlqTopic,
      (ok, refused) => {
        written.inc({ outcome: 'written' }, ok);
        if (refused > 0) written.inc({ outcome: 'dead_letter' }, refused);
      },
    );
    this.consumer = new PartitionBatchConsumer(kafka, writer, {
      groupId: c.sinkGroupId,
      topic: c.eventsTopic,
      maxRows: 5000,
      maxBytes: 8 * 1024 * 1024,
      maxWaitMs: 500,
      minBytes: 1,
      maxBytesPerPartition: 16 * 1024 * 1024,
      sessionTimeoutMs: c.sessionTimeoutMs,
      retryMinMs: 200,
      retryMaxMs: 30_000,
      permanentAttempts: 3,
      partitionsConsumedConcurrently: 1,
      fromBeginning: true,
    });
    this.health.register({
      name: 'clustering-sink',
      check: async () => {
        if (!this.running) throw new Error('the clustering sink is not running');
        const problem = this.consumer?.problem();
        if (problem !== undefined) throw new Error(problem);
      },
    });
    await this.consumer.start();
    this.running = true;
    this.log.log(
      `sink consuming ${c.eventsTopic} as group ${c.sinkGroupId} → ClickHouse cluster tables`,
    );
  }

  async onModuleDestroy(): Promise<void> {
    this.running = false;
    await this.consumer?.stop();
    await this.producer?.disconnect();
  }
}
