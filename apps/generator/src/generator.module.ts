import { type DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@t2t/platform';
import { StorageModule } from '@t2t/storage';
import type { GeneratorConfig } from './generator.env';
import { GenerationModule } from './generation/generation.module';
import { GraphqlApiModule } from './graphql/graphql-api.module';
import { WebUiModule } from './web/web-ui.module';

/**
 * Test generation, its schedule, the GraphQL API and the web UI that reads it; expects platform
 * and storage globally.
 */
@Module({})
export class GeneratorCoreModule {
  static forRoot(config: GeneratorConfig): DynamicModule {
    return {
      module: GeneratorCoreModule,
      imports: [
        GenerationModule.forRoot(config),
        GraphqlApiModule.forRoot(config.graphql, config.tenants),
        ...WebUiModule.forRoot(config.webUi, config.graphql),
      ],
    };
  }
}

/** Generates and verifies tests from the model; serves the GraphQL API and the web UI. */
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
