import { type DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@t2t/platform';
import { StorageModule } from '@t2t/storage';
import type { IngestConfig } from './ingest.env';
import { IngestService } from './ingest.service';
import { INGEST_CONFIG } from './ingest.tokens';

/**
 * Ingest's own providers; expects the platform (health, metrics) and storage modules to be
 * provided globally by whoever composes it (its service below, or the all-in-one server).
 */
@Module({})
export class IngestCoreModule {
  static forRoot(config: IngestConfig): DynamicModule {
    return {
      module: IngestCoreModule,
      providers: [{ provide: INGEST_CONFIG, useValue: config }, IngestService],
    };
  }
}

/** Consumes OTLP spans from Kafka into ClickHouse and re-keys them by trace id. */
@Module({})
export class IngestModule {
  static forRoot(config: IngestConfig): DynamicModule {
    return {
      module: IngestModule,
      imports: [
        PlatformModule.forRoot('ingest'),
        StorageModule.forRoot(config.storage),
        IngestCoreModule.forRoot(config),
      ],
    };
  }
}
