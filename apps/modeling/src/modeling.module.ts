import { type DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@t2t/platform';
import { StorageModule } from '@t2t/storage';
import type { ModelingConfig } from './modeling.env';
import { ModelingService } from './modeling.service';
import { MODELING_CONFIG } from './modeling.tokens';

/** Modeling's own providers; expects platform and storage to be provided globally. */
@Module({})
export class ModelingCoreModule {
  static forRoot(config: ModelingConfig): DynamicModule {
    return {
      module: ModelingCoreModule,
      providers: [{ provide: MODELING_CONFIG, useValue: config }, ModelingService],
      exports: [ModelingService],
    };
  }
}

/** Builds the versioned semantic model of the system from clustering's output. */
@Module({})
export class ModelingModule {
  static forRoot(config: ModelingConfig): DynamicModule {
    return {
      module: ModelingModule,
      imports: [
        PlatformModule.forRoot('modeling'),
        StorageModule.forRoot(config.storage),
        ModelingCoreModule.forRoot(config),
      ],
    };
  }
}
