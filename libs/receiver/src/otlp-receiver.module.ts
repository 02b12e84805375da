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
  type Provider,
  type ValueProvider,
} from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { MetricsRegistry } from '@t2t/platform';
import type { tenantEnv } from '@t2t/wire';
import type { ConfigOf } from '@t2t/config';
import {
  type GrpcReceiverOptions,
  OtlpGrpcReceiver,
  TRACE_EXPORT_PATH,
} from './otlp-grpc.receiver';
import { OtlpHttpReceiver, type ReceiverOptions, TRACES_PATH } from './otlp-http.receiver';
import type { OtlpIntake } from './otlp-intake.port';
import type { GrpcReceiverConfig, ReceiverConfig } from './receiver.env';
import { GrpcReceiverMetrics, ReceiverMetrics } from './receiver.metrics';
import { GRPC_RECEIVER_CONFIG, OTLP_INTAKE, RECEIVER_CONFIG } from './receiver.tokens';

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
    @Inject(RECEIVER_CONFIG) config: ReceiverOptions,
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

/** Runs the OTLP/gRPC receiver for the app's lifetime, as OtlpReceiverService runs OTLP/HTTP. */
@Injectable()
export class OtlpGrpcReceiverService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger('otlp-grpc');
  private readonly receiver: OtlpGrpcReceiver;

  constructor(
    @Inject(GRPC_RECEIVER_CONFIG) config: GrpcReceiverOptions,
    @Inject(OTLP_INTAKE) intake: OtlpIntake,
    metrics: MetricsRegistry,
  ) {
    this.receiver = new OtlpGrpcReceiver(
      intake,
      config,
      new GrpcReceiverMetrics(metrics, () => this.receiver.load()),
    );
  }

  /** A port that cannot be bound fails the start-up, with the address and the reason. */
  async onApplicationBootstrap(): Promise<void> {
    const a = await this.receiver.listen();
    this.log.log(`OTLP/gRPC receiver listening on ${a.host}:${a.port} (${TRACE_EXPORT_PATH})`);
  }

  /** Like the OTLP/HTTP receiver: drains before any intake's onApplicationShutdown. */
  async onModuleDestroy(): Promise<void> {
    await this.receiver.close();
    this.log.log('OTLP/gRPC receiver stopped');
  }

  /** The bound address (useful with `OTLP_GRPC_PORT=0`); undefined before start or after stop. */
  address(): { host: string; port: number } | undefined {
    return this.receiver.address();
  }
}

/**
 * The OTLP trace receivers, each on its own port: OTLP/HTTP, and OTLP/gRPC when its options are
 * given, both handing requests to the one intake. Needs `MetricsRegistry` (PlatformModule). A
 * receiver whose `enabled` is false is left out; with neither, the module is empty and the intake
 * is never created. `tenants`: which header (gRPC metadata key) names a request's tenant; default
 * tenantEnv's.
 */
@Module({})
export class OtlpReceiverModule {
  static forRoot(
    config: ReceiverConfig,
    intake: OtlpIntakeProvider,
    grpc?: GrpcReceiverConfig,
    tenants?: Pick<ConfigOf<typeof tenantEnv>, 'header'>,
  ): DynamicModule {
    const tenantHeader = tenants?.header;
    const serveGrpc = grpc?.enabled === true;
    if (!config.enabled && !serveGrpc) return { module: OtlpReceiverModule };
    const { imports, ...provider } = intake;
    const receivers: Provider[] = [];
    const exported: Provider[] = [];
    if (config.enabled) {
      receivers.push(
        { provide: RECEIVER_CONFIG, useValue: { ...config, tenantHeader } },
        OtlpReceiverService,
      );
      exported.push(OtlpReceiverService);
    }
    if (serveGrpc) {
      receivers.push(
        { provide: GRPC_RECEIVER_CONFIG, useValue: { ...grpc, tenantHeader } },
        OtlpGrpcReceiverService,
      );
      exported.push(OtlpGrpcReceiverService);
    }
    return {
      module: OtlpReceiverModule,
      imports: imports ?? [],
      providers: [{ ...provider, provide: OTLP_INTAKE }, ...receivers],
      exports: exported,
    };
  }
}
