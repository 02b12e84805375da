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
  HEADERS,
  LeaderElection,
  type MessageProducer,
  type MessagingClient,
  PartitionBatchConsumer,
} from '@t2t/messaging';
import type { SystemModel } from '@t2t/model';
import { HealthRegistry, MetricsRegistry, WorkerThread, workerFile } from '@t2t/platform';
import {
  ClusterRepository,
  ModelRepository,
  RuleStatsRepository,
  SpanRepository,
} from '@t2t/storage';
import type { ModelingConfig } from './modeling.env';
import { MODELING_CONFIG } from './modeling.tokens';
import { ModelBuilder, type ModelBuildResult } from './model.builder';

/**
 * The modeling service: replicas elect one leader; the leader follows `cluster_events`, rebuilds
 * the model (debounced, and periodically), stores new versions with their diff and announces them
 * on `model_events`. Followers stand by. Offsets of cluster_events are committed after the rebuild
 * they triggered, so a crash re-triggers it.
 */
@Injectable()
export class ModelingService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger('modeling');
  private kafka?: MessagingClient;
  private producer?: MessageProducer;
  private election?: LeaderElection;
  private consumer?: PartitionBatchConsumer<boolean>;
  private timer?: NodeJS.Timeout;
  private started = false;
  readonly builder: ModelBuilder;
  private readonly buildThread: WorkerThread | undefined;

  constructor(
    @Inject(MODELING_CONFIG) private readonly config: ModelingConfig,
    clusters: ClusterRepository,
    models: ModelRepository,
    spans: SpanRepository,
    ruleStats: RuleStatsRepository,
    private readonly metricsRegistry: MetricsRegistry,
    private readonly health: HealthRegistry,
  ) {
    const m = this.metricsRegistry;
    const thread = config.modeling.buildThread
      ? new WorkerThread(workerFile(__filename, 'model-build.worker'), 'model build')
      : undefined;
    this.buildThread = thread;
    const builds = m.counter(
      't2t_modeling_builds_total',
      'Model rebuilds by outcome (new_version | unchanged | inputs_unchanged: skipped, the sampled traces were those of the last build | failed).',
      ['outcome'],
    );
    const seconds = m.histogram(
      't2t_modeling_build_seconds',
      'Time to rebuild the model.',
      [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    );
    const version = m.gauge(
      't2t_modeling_model_version',
      'Latest model version built by this instance.',
    );
    this.builder = new ModelBuilder(
      clusters,
      models,
      spans,
      {
        samplesPerBehaviour: config.modeling.samplesPerBehaviour,
        debounceMs: config.modeling.debounceMs,
        horizonMs: config.modeling.horizonMs,
      },
      (event) => this.announce(event),
      (result: ModelBuildResult | Error, ms: number) => {
        seconds.observe(ms / 1000);
        if (result instanceof Error) builds.inc({ outcome: 'failed' });
        else {
          builds.inc({
            outcome: result.skipped
              ? 'inputs_unchanged'
              : result.changed
                ? 'new_version'
                : 'unchanged',
          });
          version.set(result.version);
        }
      },
      ruleStats,
      thread === undefined ? undefined : (evidence) => thread.run<SystemModel>('build', evidence),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    const c = this.config.modeling;
    this.kafka = createKafka(this.config.kafka, 'modeling');
    if (c.createTopics) {
      const admin = this.kafka.admin();
      await admin.connect();
      await ensureTopics(admin, [
        { topic: c.eventsTopic, partitions: c.topicPartitions },
        { topic: c.outputTopic, partitions: 1 },
      ]);
      await admin.disconnect();
    }
    this.producer = this.kafka.producer();
    await this.producer.connect();
    const leader = this.metricsRegistry.gauge(
      't2t_modeling_leader',
      '1 while this instance is the modeling leader.',
    );
    this.election = new LeaderElection(this.kafka, {
      name: c.leaderGroup,
      sessionTimeoutMs: c.sessionTimeoutMs,
      onElected: async () => {
        leader.set(1);
        await this.lead();
      },
      onRevoked: async () => {
        leader.set(0);
        await this.standDown();
      },
    });
    this.health.register({
      name: 'modeling',
      check: async () => {
        if (!this.started) throw new Error('modeling has not joined its leader election');
        const problem = this.consumer?.problem();
        if (problem !== undefined) throw new Error(problem);
      },
    });
    await this.election.start();
    this.started = true;
    this.log.log(`modeling replica up (leader election ${c.leaderGroup})`);
  }

  async onModuleDestroy(): Promise<void> {
    this.started = false;
    await this.election?.stop();
    await this.standDown();
    await this.producer?.disconnect();
    await this.buildThread?.close();
  }

  get isLeader(): boolean {
    return this.election?.isLeader ?? false;
  }

  private async lead(): Promise<void> {
    const c = this.config.modeling;
    this.consumer = new PartitionBatchConsumer<boolean>(
      this.kafka!,
      {
        // Window and late-trace events may change the model; `members` events (which behaviour
        // each trace has) arrive with every batch clustering reads and change nothing on their own.
        prepare: (record) => String(record.headers?.[HEADERS.eventType] ?? '') !== 'members',
        weight: () => ({ rows: 1, bytes: 1 }),
        // The rebuild is what makes the events "written".
        write: async (chunk) => {
          if (chunk.items.some((i) => i.prepared)) await this.builder.requestRebuild();
        },
        deadLetter: async (chunk, error) => {
          this.log.error(
            `giving up on cluster events ${chunk.firstOffset}..${chunk.lastOffset} of partition ${chunk.partition}: ${error.message}`,
          );
        },
      },
      {
        groupId: c.groupId,
        topic: c.eventsTopic,
        maxRows: 100_000,
        maxBytes: 8 * 1024 * 1024,
        maxWaitMs: 1000,
        minBytes: 1,
        maxBytesPerPartition: 16 * 1024 * 1024,
        sessionTimeoutMs: c.sessionTimeoutMs,
        retryMinMs: 500,
        retryMaxMs: 60_000,
        permanentAttempts: 3,
        partitionsConsumedConcurrently: 4,
        fromBeginning: true,
      },
    );
    await this.consumer.start();
    this.timer = setInterval(
      () =>
        void this.builder
          .requestRebuild({ full: true })
          .catch((e: unknown) => this.log.warn(`periodic rebuild failed: ${(e as Error).message}`)),
      c.rebuildIntervalMs,
    );
    void this.builder
      .requestRebuild()
      .catch((e: unknown) => this.log.warn(`initial rebuild failed: ${(e as Error).message}`));
  }

  private async standDown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.stop();
  }

  private async announce(event: import('./model.builder').ModelEvent): Promise<void> {
    await this.producer!.send({
      topic: this.config.modeling.outputTopic,
      messages: [{ key: 'model', value: JSON.stringify(event) }],
      acks: -1,
    });
  }
}
