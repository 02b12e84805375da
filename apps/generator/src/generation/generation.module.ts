import { type DynamicModule, Inject, Module, type OnModuleDestroy } from '@nestjs/common';
import type { SystemModel } from '@t2t/model';
import { MetricsRegistry, sharedTaskThread, type TaskRunner, workerFile } from '@t2t/platform';
import type { TestSpec } from '@t2t/testgen';
import {
  ClusterRepository,
  ModelRepository,
  SpanRepository,
  TestRepository,
  withEvidenceOnThread,
} from '@t2t/storage';
import type { GeneratorConfig } from '../generator.env';
import { GenerationScheduler } from './generation.scheduler';
import { GENERATOR_CONFIG } from './generation.tokens';
import { LLM_TEST_GENERATOR, llmTestGenerator } from './llm.provider';
import {
  type LlmTestGenerator,
  type SynthesisEvidence,
  TestGenerationService,
} from './test-generation.service';

/** The thread synthesis and verification run on (GENERATOR_SYNTHESIS_THREAD); null: inline. */
export const SYNTHESIS_THREAD = Symbol('SYNTHESIS_THREAD');

/** Test generation (deterministic + optional LLM), its schedule and leader election. */
@Module({})
export class GenerationModule implements OnModuleDestroy {
  constructor(@Inject(SYNTHESIS_THREAD) private readonly thread: TaskRunner | null) {}

  async onModuleDestroy(): Promise<void> {
    await this.thread?.close();
  }

  static forRoot(config: GeneratorConfig): DynamicModule {
    return {
      module: GenerationModule,
      providers: [
        { provide: GENERATOR_CONFIG, useValue: config },
        { provide: LLM_TEST_GENERATOR, useFactory: () => llmTestGenerator(config.llm) },
        {
          provide: SYNTHESIS_THREAD,
          useFactory: () =>
            config.generation.synthesisThread
              ? sharedTaskThread(workerFile(__filename, 'synthesis.worker'), 'synthesis')
              : null,
        },
        {
          provide: TestGenerationService,
          inject: [
            ModelRepository,
            ClusterRepository,
            SpanRepository,
            TestRepository,
            LLM_TEST_GENERATOR,
            MetricsRegistry,
            SYNTHESIS_THREAD,
          ],
          useFactory: (
            models: ModelRepository,
            clusters: ClusterRepository,
            spans: SpanRepository,
            tests: TestRepository,
            llm: LlmTestGenerator | null,
            metrics: MetricsRegistry,
            thread: TaskRunner | null,
          ) => {
            const runs = metrics.counter(
              't2t_generator_runs_total',
              'Generation runs by what started them (schedule | startup | manual | model), how they ended (succeeded | skipped | failed) and tenant.',
              ['trigger', 'status', 'tenant'],
            );
            const kept = metrics.gauge(
              't2t_generator_tests_kept',
              'Tests kept by the last successful generation run, per tenant.',
              ['tenant'],
            );
            const modelVersion = metrics.gauge(
              't2t_generator_model_version',
              'Model version the last successful generation run generated from, per tenant.',
              ['tenant'],
            );
            return new TestGenerationService(
              models,
              clusters,
              spans,
              tests,
              config.generation,
              llm ?? undefined,
              (run, tenant) => {
                runs.inc({ trigger: run.trigger, status: run.status, tenant });
                if (run.status === 'succeeded') {
                  kept.set({ tenant }, run.testsKept);
                  modelVersion.set({ tenant }, run.modelVersion);
                }
              },
              thread === null
                ? undefined
                : (model: SystemModel, source: SynthesisEvidence, tenant: string) =>
                    'evidence' in source
                      ? thread.run<TestSpec[]>('synthesize', {
                          model,
                          evidence: source.evidence,
                          tenant,
                        })
                      : withEvidenceOnThread(thread, source.plan, source.spans, (pages) =>
                          thread.run<TestSpec[]>('synthesize', { model, pages, tenant }),
                        ),
            );
          },
        },
        GenerationScheduler,
      ],
      exports: [TestGenerationService, GenerationScheduler],
    };
  }
}
