import { type DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@t2t/platform';
import { StorageModule } from '@t2t/storage';
import type { GeneratorConfig } from './generator.env';
import { GenerationModule } from './generation/generation.module';
import { GraphqlApiModule } from './graphql/graphql-api.module';

/** Test generation, its schedule and the GraphQL API; expects platform and storage globally. */
@Module({})
export class GeneratorCoreModule {
  static forRoot(config: GeneratorConfig): DynamicModule {
    return {
      module: GeneratorCoreModule,
      imports: [GenerationModule.forRoot(config), GraphqlApiModule.forRoot(config.graphql)],
    };
  }
}

/** Generates and verifies tests from the model; serves the GraphQL API. */
@Module({})
export class GeneratorModule {
  static forRoot(config: GeneratorConfig): DynamicModule {
    return {
      module: GeneratorModule,
      imports: [
        PlatformModule.forRoot('generator'),
        StorageModule.forRoot(config.storage),
        GeneratorCoreModule.forRoot(config),
      ],
    };
  }
}
