import { type DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@t2t/platform';
import { StorageModule } from '@t2t/storage';
import type { ClusteringConfig } from './clustering.env';

/** Assembles traces and fingerprints their structure in tumbling windows. */
@Module({})
export class ClusteringModule {
  static forRoot(config: ClusteringConfig): DynamicModule {
    return {
      module: ClusteringModule,
      imports: [PlatformModule.forRoot('clustering'), StorageModule.forRoot(config.storage)],
    };
  }
}
