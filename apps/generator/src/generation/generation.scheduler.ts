import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { Cron } from 'croner';
import { createKafka, LeaderElection } from '@t2t/messaging';
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

  constructor(
    @Inject(GENERATOR_CONFIG) private readonly config: GeneratorConfig,
    private readonly generation: TestGenerationService,
    private readonly metrics: MetricsRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const g = this.config.generation;
    if (g.schedule === 'off') {
      this.log.log('scheduled generation is off (GENERATOR_SCHEDULE=off)');
      return;
    }
    const leader = this.metrics.gauge(
      't2t_generator_schedule_leader',
      '1 while this replica runs the generation schedule.',
    );
    if (!this.config.kafka.brokers) {
      leader.set(1);
      this.startCron();
      return;
    }
    this.election = new LeaderElection(createKafka(this.config.kafka, 'generator'), {
      name: g.leaderGroup,
      sessionTimeoutMs: g.sessionTimeoutMs,
      onElected: () => {
        leader.set(1);
        this.startCron();
      },
      onRevoked: () => {
        leader.set(0);
        this.cron?.stop();
        this.cron = undefined;
      },
    });
    await this.election.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.cron?.stop();
    await this.election?.stop();
  }

  get isLeader(): boolean {
    return this.cron !== undefined;
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

  private async tick(trigger: 'schedule' | 'startup'): Promise<void> {
    try {
      await this.generation.generate({ trigger });
    } catch (e) {
      this.log.error(`scheduled generation failed: ${(e as Error).message}`);
    }
  }
}
