import {
  type ClassProvider,
  type DynamicModule,
  type ExistingProvider,
  type FactoryProvider,
  Inject,
  Injectable,
  Logger,
  Module,
  type ModuleMetadata,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type ValueProvider,
} from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { MetricsRegistry } from '@t2t/platform';
import { OtlpHttpReceiver, TRACES_PATH } from './otlp-http.receiver';
import type { OtlpIntake } from './otlp-intake.port';
import type { ReceiverConfig } from './receiver.env';
import { ReceiverMetrics } from './receiver.metrics';
import { OTLP_INTAKE, RECEIVER_CONFIG } from './receiver.tokens';

/**
 * How the module gets its intake: any Nest provider shape without `provide` (the module provides
 * it as `OTLP_INTAKE`), plus the modules its factory needs.
 */
export type OtlpIntakeProvider = (
  | Omit<ValueProvider<OtlpIntake>, 'provide'>
  | Omit<ClassProvider<OtlpIntake>, 'provide'>
  | Omit<FactoryProvider<OtlpIntake>, 'provide'>
  | Omit<ExistingProvider<OtlpIntake>, 'provide'>
) & { imports?: ModuleMetadata['imports'] };

/** Runs the receiver for the app's lifetime: listens once the app is up, drains on shutdown. */
@Injectable()
export class OtlpReceiverService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger('otlp-http');
  private readonly receiver: OtlpHttpReceiver;

  constructor(
    @Inject(RECEIVER_CONFIG) private readonly config: ReceiverConfig,
    @Inject(OTLP_INTAKE) intake: OtlpIntake,
    metrics: MetricsRegistry,
  ) {
    this.receiver = new OtlpHttpReceiver(
      intake,
      config,
      new ReceiverMetrics(metrics, () => this.receiver.load()),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    const a = await this.receiver.listen();
    this.log.log(`OTLP/HTTP receiver listening on http://${a.address}:${a.port}${TRACES_PATH}`);
  }

  /**
   * Stops accepting and finishes the requests in flight. This runs in onModuleDestroy, before any
   * intake's onApplicationShutdown, so the intake is still there for the last requests.
   */
  async onModuleDestroy(): Promise<void> {
    await this.receiver.close();
    this.log.log('OTLP/HTTP receiver stopped');
  }

  /** The bound address (useful with `OTLP_HTTP_PORT=0`); undefined before start or after stop. */
  address(): AddressInfo | undefined {
    return this.receiver.address();
  }
}

/**
 * The OTLP/HTTP trace receiver on its own port. Needs `MetricsRegistry` (PlatformModule). With
 * `OTLP_HTTP_ENABLED=false` it is an empty module and the intake is never created.
 */
@Module({})
export class OtlpReceiverModule {
  static forRoot(config: ReceiverConfig, intake: OtlpIntakeProvider): DynamicModule {
    if (!config.enabled) return { module: OtlpReceiverModule };
    const { imports, ...provider } = intake;
    return {
      module: OtlpReceiverModule,
      imports: imports ?? [],
      providers: [
        { provide: RECEIVER_CONFIG, useValue: config },
        { ...provider, provide: OTLP_INTAKE },
        OtlpReceiverService,
      ],
      exports: [OtlpReceiverService],
    };
  }
}
