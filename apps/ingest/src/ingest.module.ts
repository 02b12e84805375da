import { type DynamicModule, Module } from '@nestjs/common';
import type { DecodedRequests } from '@t2t/otlp';
import { PlatformModule } from '@t2t/platform';
import { StorageModule } from '@t2t/storage';
import type { IngestConfig } from './ingest.env';
import { type IngestConsume, IngestService } from './ingest.service';
import { INGEST_CONFIG, INGEST_CONSUME, INGEST_DECODED } from './ingest.tokens';

/**
 * Ingest's own providers; expects the platform (health, metrics) and storage modules to be
 * provided globally by whoever composes it (its service below, or the all-in-one server).
 */
@Module({})
export class IngestCoreModule {
  /**
   * `consume: 'direct'` skips the Nest transport (benchmarks compare the two paths); `decoded`:
   * spans a receiver in this process decoded from the bodies ingest reads (in-process transport).
   */
  static forRoot(
    config: IngestConfig,
    consume: IngestConsume = 'transport',
    decoded?: DecodedRequests,
  ): DynamicModule {
    return {
      module: IngestCoreModule,
      providers: [
        { provide: INGEST_CONFIG, useValue: config },
        { provide: INGEST_CONSUME, useValue: consume },
        { provide: INGEST_DECODED, useValue: decoded ?? null },
        IngestService,
      ],
    };
  }
}

/** Consumes OTLP spans from Kafka into ClickHouse and re-keys them by trace id. */
@Module({})
export class IngestModule {
  static forRoot(config: IngestConfig, consume: IngestConsume = 'transport'): DynamicModule {
    return {
      module: IngestModule,
      imports: [
        PlatformModule.forRoot('ingest'),
        StorageModule.forRoot(config.storage),
        IngestCoreModule.forRoot(config, consume),
      ],
    };
  }
}
