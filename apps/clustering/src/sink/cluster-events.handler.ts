import { Controller, type DynamicModule, Inject, Module } from '@nestjs/common';
import { Ctx, EventPattern, Payload, RpcException } from '@nestjs/microservices';
import type { ClusterEvent } from '@t2t/fingerprint';
import type { KafkaBatchContext } from '@t2t/messaging';
import type { ClusterRepository } from '@t2t/storage';
import { DEFAULT_TENANT, withTenant } from '@t2t/wire';

/** The logical pattern of cluster_events; the transport maps it to CLUSTERING_EVENTS_TOPIC. */
export const CLUSTER_EVENTS_PATTERN = 'clustering.cluster-events';

/**
 * Writes one batch of cluster events to the clustering tables (idempotent: replays replace rows),
 * each tenant's events within that tenant's scope, so every row carries the tenant of its traces.
 */
export class ClusterEventsBatchHandler {
  constructor(
    private readonly clusters: ClusterRepository,
    private readonly onWritten: (events: number, deadLettered: number) => void,
  ) {}

  async handle(events: ClusterEvent[], ctx: KafkaBatchContext): Promise<void> {
    const byTenant = new Map<string, ClusterEvent[]>();
    for (const e of events) {
      const tenant = e.tenant ?? DEFAULT_TENANT;
      const list = byTenant.get(tenant);
      if (list) list.push(e);
      else byTenant.set(tenant, [e]);
    }
    try {
      await Promise.all(
        [...byTenant].map(([tenant, own]) => withTenant(tenant, () => this.clusters.write(own))),
      );
    } catch (e) {
      // An RpcException hands the error to the transport as it is (a PermanentWriteError stays one).
      throw new RpcException(e instanceof Error ? e : new Error(String(e)));
    }
    this.onWritten(events.length, ctx.deadLettered);
  }
}

const HANDLER = Symbol('ClusterEventsBatchHandler');

@Controller()
export class ClusterEventsController {
  constructor(@Inject(HANDLER) private readonly handler: ClusterEventsBatchHandler) {}

  /** Resolving commits the batch; throwing retries it; unreadable events were dead-lettered. */
  @EventPattern(CLUSTER_EVENTS_PATTERN)
  handle(@Payload() events: ClusterEvent[], @Ctx() ctx: KafkaBatchContext): Promise<void> {
    return this.handler.handle(events, ctx);
  }
}

/** The microservice side of the sink, bound to the handler the sink built. */
@Module({})
export class ClusterEventsHandlersModule {
  static forHandler(handler: ClusterEventsBatchHandler): DynamicModule {
    return {
      module: ClusterEventsHandlersModule,
      controllers: [ClusterEventsController],
      providers: [{ provide: HANDLER, useValue: handler }],
    };
  }
}
