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
  type RecordHeaders,
} from '@t2t/messaging';
import type { SystemModel } from '@t2t/model';
import {
  HealthRegistry,
  MetricsRegistry,
  sharedTaskThread,
  type TaskRunner,
  workerFile,
} from '@t2t/platform';
import {
  ClusterRepository,
  ModelRepository,
  RuleStatsRepository,
  SpanRepository,
  withEvidenceOnThread,
} from '@t2t/storage';
import { DEFAULT_TENANT, isTenant, parseTenant, TENANT_RECORD_HEADER } from '@t2t/wire';
import type { ModelingConfig } from './modeling.env';
import { MODELING_CONFIG } from './modeling.tokens';
import { ModelBuilder, type ModelBuildResult, type ModelEvent } from './model.builder';

/**
 * The tenant of a cluster event: its `t2t-tenant` header (clustering sets it), `default` for
 * records without one; undefined for a malformed name, which no stored row can have.
 */
export function tenantOfRecord(headers: RecordHeaders | undefined): string | undefined {
  const raw = headers?.[TENANT_RECORD_HEADER];
  const one = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  const value = one === undefined ? '' : one.toString();
  if (value === '') return DEFAULT_TENANT;
  return isTenant(value) ? value : undefined;
}

/**
 * The modeling service: replicas elect one leader; the leader follows `cluster_events`, rebuilds
 * the model of each tenant the events are of (debounced, and periodically every known tenant's),
 * stores new versions with their diff and announces them on `model_events`. Followers stand by.
 * Offsets of cluster_events are committed after the rebuilds they triggered, so a crash
 * re-triggers them. Every tenant has its own model, versions and builder; one tenant's failing
 * build is logged and counted (`outcome="failed"`) and does not hold up the others.
 */
@Injectable()
export class ModelingService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger('modeling');
  private kafka?: MessagingClient;
  private producer?: MessageProducer;
  private election?: LeaderElection;
  private consumer?: PartitionBatchConsumer<string | undefined>;
  private timer?: NodeJS.Timeout;
  private started = false;
  private readonly builders = new Map<string, ModelBuilder>();
  private readonly buildThread: TaskRunner | undefined;
  private readonly newBuilder: (tenant: string) => ModelBuilder;
  /** Follow-up rebuilds of tenants whose last build dropped a rule, with their backoff. */
  private readonly remeasures = new Map<string, { timer?: NodeJS.Timeout; delayMs: number }>();

  constructor(
    @Inject(MODELING_CONFIG) private readonly config: ModelingConfig,
    clusters: ClusterRepository,
    private readonly models: ModelRepository,
    spans: SpanRepository,
    ruleStats: RuleStatsRepository,
    private readonly metricsRegistry: MetricsRegistry,
    private readonly health: HealthRegistry,
  ) {
    const m = this.metricsRegistry;
    const thread = config.modeling.buildThread
      ? sharedTaskThread(workerFile(__filename, 'model-build.worker'), 'model build')
      : undefined;
    this.buildThread = thread;
    const builds = m.counter(
      't2t_modeling_builds_total',
      'Model rebuilds by tenant and outcome (new_version | unchanged | inputs_unchanged: skipped, the sampled traces were those of the last build | failed).',
      ['outcome', 'tenant'],
    );
    const seconds = m.histogram(
      't2t_modeling_build_seconds',
      'Time to rebuild the model.',
      [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    );
    const version = m.gauge(
      't2t_modeling_model_version',
      'Latest model version built by this instance, per tenant.',
      ['tenant'],
    );
    this.newBuilder = (tenant) =>
      new ModelBuilder(
        clusters,
        models,
        spans,
        {
          samplesPerBehaviour: config.modeling.samplesPerBehaviour,
          debounceMs: config.modeling.debounceMs,
          horizonMs: config.modeling.horizonMs,
          tenant,
        },
        (event) => this.announce(event),
        (result: ModelBuildResult | Error, ms: number) => {
          seconds.observe(ms / 1000);
          if (result instanceof Error) builds.inc({ outcome: 'failed', tenant });
          else {
            builds.inc({
              outcome: result.skipped
                ? 'inputs_unchanged'
                : result.changed
                  ? 'new_version'
                  : 'unchanged',
              tenant,
            });
            version.set({ tenant }, result.version);
          }
        },
        ruleStats,
        thread === undefined
          ? undefined
          : (plan, spans, forTenant) =>
              withEvidenceOnThread(thread, plan, spans, (pages) =>
                thread.run<SystemModel>('build', { pages, tenant: forTenant }),
              ),
      );
  }

  /** The builder of `tenant`'s model (one per tenant, made on first use). */
  builderFor(tenant: string): ModelBuilder {
    let builder = this.builders.get(tenant);
    if (builder === undefined) {
      builder = this.newBuilder(parseTenant(tenant, 'modeling'));
      this.builders.set(tenant, builder);
    }
    return builder;
  }

  /**
   * Rebuilds (debounced) the models of these tenants, each on its own: every one is attempted
   * whatever another's does. Rejects, after all of them ended, naming the tenants that failed.
   */
  async rebuild(tenants: Iterable<string>, options: { full?: boolean } = {}): Promise<void> {
    const list = [...new Set(tenants)];
    const results = await Promise.allSettled(
      list.map((t) => this.builderFor(t).requestRebuild(options)),
    );
    list.forEach((t, i) => {
      const r = results[i];
      if (r.status === 'fulfilled' && !r.value.skipped) this.followUp(t, r.value.droppedRules ?? 0);
    });
    const failed = list
      .map((t, i) => ({ t, r: results[i] }))
      .filter((x): x is { t: string; r: PromiseRejectedResult } => x.r.status === 'rejected');
    if (failed.length > 0) {
      throw new Error(
        `model rebuild failed for ${failed
          .map(({ t, r }) => `tenant ${t} (${(r.reason as Error).message})`)
          .join(', ')}`,
      );
    }
  }

  /** Rebuilds every tenant that has clusters or a model (the periodic and the initial rebuild). */
  async rebuildAll(options: { full?: boolean } = {}): Promise<void> {
    await this.rebuild(await this.models.knownTenants(), options);
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
    this.consumer = new PartitionBatchConsumer<string | undefined>(
      this.kafka!,
      {
        // Window and late-trace events may change their tenant's model; `members` events (which
        // behaviour each trace has) arrive with every batch clustering reads and change nothing
        // on their own.
        prepare: (record) => {
          if (String(record.headers?.[HEADERS.eventType] ?? '') === 'members') return undefined;
          const tenant = tenantOfRecord(record.headers);
          if (tenant === undefined)
            this.log.warn(
              `cluster event ${record.partition}/${record.offset} names a malformed tenant: ignored`,
            );
          return tenant;
        },
        weight: () => ({ rows: 1, bytes: 1 }),
        // The rebuilds are what make the events "written". A tenant whose rebuild fails does not
        // hold the partition up (the events of the others behind it would wait): it is logged,
        // counted, and built again by the next event of its own or the periodic rebuild.
        write: async (chunk) => {
          const tenants = chunk.items.flatMap((i) =>
            i.prepared === undefined ? [] : [i.prepared],
          );
          if (tenants.length === 0) return;
          await this.rebuild(tenants).catch((e: unknown) =>
            this.log.warn(`${(e as Error).message}; retried on the periodic rebuild`),
          );
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
        void this.rebuildAll({ full: true }).catch((e: unknown) =>
          this.log.warn(`periodic rebuild: ${(e as Error).message}`),
        ),
      c.rebuildIntervalMs,
    );
    void this.rebuildAll().catch((e: unknown) =>
      this.log.warn(`initial rebuild: ${(e as Error).message}`),
    );
  }

  /**
   * A build that dropped a rule measured it on trace_behaviours as they stood; the sink may still
   * be writing the memberships that decide it, and no further window event need come to trigger
   * another build. Such a tenant is built again (in full: its samples may be unchanged) after 2 s,
   * then 4 s, 8 s… (up to the periodic rebuild's interval), until a build keeps every rule it
   * mined. Event-triggered builds keep skipping unchanged inputs, so a rule that really does not
   * hold costs a few builds, not one per window event.
   */
  private followUp(tenant: string, dropped: number): void {
    const known = this.remeasures.get(tenant);
    if (dropped === 0) {
      if (known) clearTimeout(known.timer);
      this.remeasures.delete(tenant);
      return;
    }
    if (!this.timer || known?.timer) return;
    const delayMs = known?.delayMs ?? 2000;
    const entry: { timer?: NodeJS.Timeout; delayMs: number } = {
      delayMs: Math.min(delayMs * 2, this.config.modeling.rebuildIntervalMs),
    };
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      // Stood down meanwhile: the next leader builds.
      if (!this.timer) return;
      void this.rebuild([tenant], { full: true }).catch((e: unknown) =>
        this.log.warn(`re-measuring rules: ${(e as Error).message}`),
      );
    }, delayMs);
    entry.timer.unref();
    this.remeasures.set(tenant, entry);
  }

  private async standDown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const r of this.remeasures.values()) clearTimeout(r.timer);
    this.remeasures.clear();
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.stop();
  }

  private async announce(event: ModelEvent): Promise<void> {
    await this.producer!.send({
      topic: this.config.modeling.outputTopic,
      messages: [
        {
          key: 'model',
          value: JSON.stringify(event),
          headers: { [TENANT_RECORD_HEADER]: event.tenant },
        },
      ],
      acks: -1,
    });
  }
}
