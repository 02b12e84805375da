import { type DynamicModule, Global, Module } from '@nestjs/common';
import { HealthRegistry } from './health.registry';
import { MetricsRegistry } from './metrics.registry';
import { METRICS } from './metrics.token';
import { PlatformController } from './platform.controller';

/** Health, readiness and metrics endpoints plus the registries other modules report into. */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(service: string): DynamicModule {
    return {
      module: PlatformModule,
      controllers: [PlatformController],
      providers: [
        HealthRegistry,
        { provide: MetricsRegistry, useValue: new MetricsRegistry(service) },
        { provide: METRICS, useExisting: MetricsRegistry },
      ],
      exports: [HealthRegistry, MetricsRegistry, METRICS],
    };
  }
}
