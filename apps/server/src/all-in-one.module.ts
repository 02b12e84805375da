import { type DynamicModule, Module } from '@nestjs/common';
import { DecodedRequests } from '@t2t/otlp';
import { PlatformModule } from '@t2t/platform';
import { KafkaOtlpIntake, OtlpReceiverModule } from '@t2t/receiver';
import { StorageModule } from '@t2t/storage';
import { ClusteringCoreModule } from '../../clustering/src/clustering.module';
import { GeneratorCoreModule } from '../../generator/src/generator.module';
import { IngestCoreModule } from '../../ingest/src/ingest.module';
import { ModelingCoreModule } from '../../modeling/src/modeling.module';
import type { AllInOneConfig } from './all-in-one.env';

/**
 * Decoded spans waiting between the receiver and ingest, at most (about 100 MB of objects; a
 * second or two of traffic at full speed). Past it the oldest bodies are decoded by ingest again.
 */
const DECODED_MAX_SPANS = 100_000;

/**
 * Every stage in one Nest application: one platform (health, metrics), one storage connection,
 * the four services' own modules exactly as they run on their own, and the OTLP receivers (HTTP
 * and gRPC) feeding the spans topic. The composition is the only thing specific to this mode.
 */
@Module({})
export class AllInOneModule {
  static forRoot(c: AllInOneConfig): DynamicModule {
    const shared = { platform: c.platform, storage: c.storage, kafka: c.kafka };
    // On the in-process transport ingest reads the very Buffers the receiver produced: it takes
    // the spans the receiver decoded to validate them instead of decoding every body twice.
    const decoded = c.kafka.brokers ? undefined : new DecodedRequests(DECODED_MAX_SPANS);
    return {
      module: AllInOneModule,
      imports: [
        PlatformModule.forRoot('trace2test'),
        StorageModule.forRoot(c.storage),
        OtlpReceiverModule.forRoot(
          c.receiver,
          {
            useFactory: () =>
              KafkaOtlpIntake.fromConfig(
                c.kafka,
                { ...c.kafkaIntake, topic: c.ingest.topic, tenantHeader: c.tenants.header },
                decoded,
              ),
          },
          c.grpcReceiver,
          c.tenants,
        ),
        IngestCoreModule.forRoot(
          { ...shared, ingest: c.ingest, tenants: c.tenants },
          'transport',
          decoded,
        ),
        ClusteringCoreModule.forRoot({ ...shared, clustering: c.clustering }),
        ModelingCoreModule.forRoot({ ...shared, modeling: c.modeling }),
        GeneratorCoreModule.forRoot({
          ...shared,
          graphql: c.graphql,
          tenants: c.tenants,
          webUi: c.webUi,
          generation: c.generation,
          llm: c.llm,
        }),
      ],
    };
  }
}
