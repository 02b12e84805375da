import { type DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@t2t/platform';
import { StorageModule } from '@t2t/storage';
import type { GeneratorConfig } from './generator.env';
import { GenerationModule } from './generation/generation.module';
import { GraphqlApiModule } from './graphql/graphql-api.module';

/** Generates and verifies tests from the model; serves the GraphQL API. */
@Module({})
export class GeneratorModule {
  static forRoot(config: GeneratorConfig): DynamicModule {
    return {
      module: GeneratorModule,
      imports: [
        PlatformModule.forRoot('generator'),
        StorageModule.forRoot(config.storage),
        GenerationModule.forRoot(config),
        GraphqlApiModule.forRoot(config.graphql),
      ],
    };
  }
}
