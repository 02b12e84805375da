import { type DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@t2t/platform';
import { StorageModule } from '@t2t/storage';
import type { ModelingConfig } from './modeling.env';

/** Builds the versioned semantic model of the system from representative traces. */
@Module({})
export class ModelingModule {
  static forRoot(config: ModelingConfig): DynamicModule {
    return {
      module: ModelingModule,
      imports: [PlatformModule.forRoot('modeling'), StorageModule.forRoot(config.storage)],
    };
  }
}
