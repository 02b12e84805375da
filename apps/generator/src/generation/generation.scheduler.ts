import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { Cron } from 'croner';
import type { Consumer } from 'kafkajs';
import { createKafka, ensureTopics, KafkaConfigError, LeaderElection } from '@t2t/messaging';
import { MetricsRegistry } from '@t2t/platform';
import type { GeneratorConfig } from '../generator.env';
import { GENERATOR_CONFIG } from './generation.tokens';
import { TestGenerationService } from './test-generation.service';

/**
 * Runs generation on the cron schedule, on one replica only: replicas elect a leader through
 * Kafka group membership (the infrastructure the pipeline already has) and only the leader's cron
 * fires. Without Kafka (embedded mode, a single process) this process runs it.
 */
@Injectable()
export class GenerationScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger('generator');
  private cron?: Cron;
  private election?: LeaderElection;
  private modelEvents?: Consumer;
  private pending?: { timer: NodeJS.Timeout; firstAt: number };
  private leading = false;

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
      onElected: async () => {
        leader.set(1);
        await this.lead();
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

  private async lead(): Promise<void> {
    this.leading = true;
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
    if (this.pending) clearTimeout(this.pending.timer);
    this.pending = undefined;
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
      sessionTimeout: g.sessionTimeoutMs,
    });
    await consumer.connect();
    // From the beginning for a group that never committed: an announcement made while this
    // replica was still joining must not be missed (a first start reads the history once, which
    // costs one debounced run of whatever changed since the last one).
    await consumer.subscribe({ topic: g.modelEventsTopic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        let version = '?';
        try {
          version = String(
            (JSON.parse(message.value?.toString() ?? '{}') as { version?: number }).version,
          );
        } catch {
          // not ours to judge: any announcement means "the model changed"
        }
        this.modelChanged(version);
        return Promise.resolve();
      },
    });
    this.modelEvents = consumer;
    this.log.log(
      `generating on new model versions (${g.modelEventsTopic}, debounce ${g.modelDebounceMs} ms)`,
    );
  }

  private modelChanged(version: string): void {
    if (!this.leading) return;
    const g = this.config.generation;
    const now = Date.now();
    const firstAt = this.pending?.firstAt ?? now;
    if (this.pending) clearTimeout(this.pending.timer);
    const wait = Math.max(0, Math.min(g.modelDebounceMs, firstAt + g.modelMaxDelayMs - now));
    this.pending = {
      firstAt,
      timer: setTimeout(() => {
        this.pending = undefined;
        this.log.log(`model version ${version} announced: generating`);
        void this.tick('model');
      }, wait),
    };
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

  private async tick(trigger: 'schedule' | 'startup' | 'model'): Promise<void> {
    try {
      await this.generation.generate({ trigger });
    } catch (e) {
      this.log.error(`scheduled generation failed: ${(e as Error).message}`);
    }
  }
}
