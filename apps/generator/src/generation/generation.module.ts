import { type DynamicModule, Module } from '@nestjs/common';
import { ClusterRepository, ModelRepository, SpanRepository, TestRepository } from '@t2t/storage';
import type { GeneratorConfig } from '../generator.env';
import { GenerationScheduler } from './generation.scheduler';
import { GENERATOR_CONFIG } from './generation.tokens';
import { LLM_TEST_GENERATOR, llmTestGenerator } from './llm.provider';
import { type LlmTestGenerator, TestGenerationService } from './test-generation.service';

/** Test generation (deterministic + optional LLM), its schedule and leader election. */
@Module({})
export class GenerationModule {
  static forRoot(config: GeneratorConfig): DynamicModule {
    return {
      module: GenerationModule,
      providers: [
        { provide: GENERATOR_CONFIG, useValue: config },
        { provide: LLM_TEST_GENERATOR, useFactory: () => llmTestGenerator(config.llm) },
        {
          provide: TestGenerationService,
          inject: [
            ModelRepository,
            ClusterRepository,
            SpanRepository,
            TestRepository,
            LLM_TEST_GENERATOR,
          ],
          useFactory: (
            models: ModelRepository,
            clusters: ClusterRepository,
            spans: SpanRepository,
            tests: TestRepository,
            llm: LlmTestGenerator | null,
          ) =>
            new TestGenerationService(
              models,
              clusters,
              spans,
              tests,
              config.generation,
              llm ?? undefined,
            ),
        },
        GenerationScheduler,
      ],
      exports: [TestGenerationService, GenerationScheduler],
    };
  }
}
