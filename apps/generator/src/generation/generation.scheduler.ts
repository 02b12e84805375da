import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { Cron } from 'croner';
import {
  createKafka,
  ensureTopics,
  type GroupConsumer,
  KafkaConfigError,
  LeaderElection,
} from '@t2t/messaging';
import { MetricsRegistry } from '@t2t/platform';
import { DEFAULT_TENANT, isTenant, TENANT_RECORD_HEADER, withTenant } from '@t2t/wire';
import type { GeneratorConfig } from '../generator.env';
import { GENERATOR_CONFIG } from './generation.tokens';
import { TestGenerationService } from './test-generation.service';

/**
 * Runs generation on the cron schedule, on one replica only: replicas elect a leader through
 * Kafka group membership (the infrastructure the pipeline already has) and only the leader's cron
 * fires. Without Kafka (embedded mode, a single process) this process runs it.
 *
 * Every tick generates for each tenant that has clusters or a model, one tenant after the other,
 * each in its own scope (its runs are recorded as its own); one tenant's failing run does not keep
 * the others from theirs. A new model version starts a run for its tenant only.
 *
 * Runs are fenced by the leadership generation they start in: a run stores its tests only if this
 * replica still leads in that generation when the results are ready (a run can take minutes with
 * an LLM; meanwhile this replica may have been replaced and another may be generating).
 */
@Injectable()
export class GenerationScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger('generator');
  private cron?: Cron;
  private election?: LeaderElection;
  private modelEvents?: GroupConsumer;
  /** Debounced model-version runs, per tenant. */
  private readonly pending = new Map<string, { timer: NodeJS.Timeout; firstAt: number }>();
  private leading = false;
  /** The leadership generation the leader-only work runs in; undefined without an election. */
  private leaderGeneration: number | undefined;

  constructor(
    @Inject(GENERATOR_CONFIG) private readonly config: GeneratorConfig,
    private readonly generation: TestGenerationService,
    private readonly metrics: MetricsRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const g = this.config.generation;
    if (g.schedule === 'off') this.log.log('scheduled generation is off (GENERATOR_SCHEDULE=off)');
    if (g.schedule === 'off' && !g.onModelVersion) return;
    const leader = this.metrics.gauge(
      't2t_generator_schedule_leader',
      '1 while this replica runs the generation schedule.',
    );
    if (!this.config.kafka.brokers) {
      leader.set(1);
      await this.lead();
      return;
    }
    this.election = new LeaderElection(createKafka(this.config.kafka, 'generator'), {
      name: g.leaderGroup,
      sessionTimeoutMs: g.sessionTimeoutMs,
      onElected: async (generation) => {
        leader.set(1);
        await this.lead(generation);
      },
      onRevoked: async () => {
        leader.set(0);
        await this.standDown();
      },
    });
    await this.election.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.standDown();
    await this.election?.stop();
  }

  get isLeader(): boolean {
    return this.leading;
  }

  private async lead(generation?: number): Promise<void> {
    this.leading = true;
    this.leaderGeneration = generation;
    const g = this.config.generation;
    if (g.schedule !== 'off') this.startCron();
    if (g.onModelVersion) {
      try {
        await this.followModelEvents();
      } catch (e) {
        if (e instanceof KafkaConfigError) {
          this.log.log('no Kafka and no in-process transport: generating on the schedule only');
        } else {
          this.log.error(
            `cannot follow ${g.modelEventsTopic} (${(e as Error).message}): generation runs on the schedule only`,
          );
        }
      }
    }
  }

  private async standDown(): Promise<void> {
    this.leading = false;
    this.cron?.stop();
    this.cron = undefined;
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    const consumer = this.modelEvents;
    this.modelEvents = undefined;
    await consumer?.disconnect();
  }

  /**
   * New model versions start a run (for the endpoints they changed), debounced: a burst of traffic
   * changes the model many times in a row, one run after it settles is what is wanted, but never
   * later than GENERATOR_MODEL_MAX_DELAY after the first unhandled version.
   */
  private async followModelEvents(): Promise<void> {
    const g = this.config.generation;
    const kafka = createKafka(this.config.kafka, 'generator');
    const admin = kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, [{ topic: g.modelEventsTopic, partitions: 1 }]);
    } finally {
      await admin.disconnect();
    }
    const consumer = kafka.consumer({
      groupId: `${g.leaderGroup}.model-events`,
      sessionTimeoutMs: g.sessionTimeoutMs,
    });
    // From the beginning for a group that never committed: an announcement made while this
    // replica was still joining must not be missed (a first start reads the history once, which
    // costs one debounced run of whatever changed since the last one).
    await consumer.run({
      topic: g.modelEventsTopic,
      fromBeginning: true,
      eachBatch: async (batch) => {
        for (const message of batch.messages) {
          let event: { version?: number; tenant?: string } = {};
          try {
            event = JSON.parse(message.value?.toString() ?? '{}') as typeof event;
          } catch {
            // not ours to judge: any announcement means "the model changed"
          }
          const tenant = announcedTenant(message.headers?.[TENANT_RECORD_HEADER], event.tenant);
          if (tenant === undefined) {
            this.log.warn(`model announcement ${message.offset} names a malformed tenant: ignored`);
          } else {
            this.modelChanged(tenant, String(event.version ?? '?'));
          }
          batch.resolveOffset(message.offset);
        }
        const last = batch.messages[batch.messages.length - 1];
        if (last === undefined) return;
        // Handled means "a run is scheduled": announcements are not read again after a restart.
        await consumer
          .commit([
            {
              topic: batch.topic,
              partition: batch.partition,
              offset: String(BigInt(last.offset) + 1n),
            },
          ])
          .catch((e: unknown) =>
            this.log.warn(`committing model announcements failed: ${(e as Error).message}`),
          );
      },
    });
    this.modelEvents = consumer;
    this.log.log(
      `generating on new model versions (${g.modelEventsTopic}, debounce ${g.modelDebounceMs} ms)`,
    );
  }

  private modelChanged(tenant: string, version: string): void {
    if (!this.leading) return;
    const g = this.config.generation;
    const now = Date.now();
    const pending = this.pending.get(tenant);
    const firstAt = pending?.firstAt ?? now;
    if (pending) clearTimeout(pending.timer);
    const wait = Math.max(0, Math.min(g.modelDebounceMs, firstAt + g.modelMaxDelayMs - now));
    this.pending.set(tenant, {
      firstAt,
      timer: setTimeout(() => {
        this.pending.delete(tenant);
        this.log.log(`model version ${version} of tenant ${tenant} announced: generating`);
        void this.tick('model', [tenant]);
      }, wait),
    });
  }

  private startCron(): void {
    const g = this.config.generation;
    // protect: a tick while the previous run is still going is skipped, not queued.
    this.cron = new Cron(g.schedule, { timezone: 'UTC', protect: true }, () =>
      this.tick('schedule'),
    );
    this.log.log(
      `running the generation schedule "${g.schedule}" (next: ${this.cron.nextRun()?.toISOString() ?? 'never'})`,
    );
    if (g.runOnStart) void this.tick('startup');
  }

  /**
   * True while work started in `generation` may still publish: this replica leads in exactly that
   * generation. Without an election (a single process) leading is enough.
   */
  private leadsIn(generation: number | undefined): boolean {
    if (!this.leading) return false;
    if (this.election === undefined) return true;
    return generation !== undefined && this.election.isLeading(generation);
  }

  /** A run for each of `tenants` (default: every known tenant), one after the other. */
  private async tick(
    trigger: 'schedule' | 'startup' | 'model',
    tenants?: readonly string[],
  ): Promise<void> {
    const generation = this.leaderGeneration;
    if (!this.leadsIn(generation)) return;
    let list: readonly string[];
    try {
      list = tenants ?? (await this.generation.knownTenants());
    } catch (e) {
      this.log.error(`scheduled generation failed: cannot list tenants: ${(e as Error).message}`);
      return;
    }
    for (const tenant of list) {
      if (!this.leadsIn(generation)) return;
      try {
        await withTenant(tenant, () =>
          this.generation.generate({ trigger, stillLeading: () => this.leadsIn(generation) }),
        );
      } catch (e) {
        this.log.error(`scheduled generation of tenant ${tenant} failed: ${(e as Error).message}`);
      }
    }
  }
}

/**
 * The tenant of a model announcement: its `t2t-tenant` header (modeling sets it), else the
 * event's own field, else `default` (announcements from before tenants); undefined when malformed.
 */
function announcedTenant(
  header: Buffer | string | (Buffer | string)[] | undefined,
  field: unknown,
): string | undefined {
  const one = Array.isArray(header) ? header[header.length - 1] : header;
  const value = one?.toString() ?? (typeof field === 'string' ? field : '');
  if (value === '') return DEFAULT_TENANT;
  return isTenant(value) ? value : undefined;
}
