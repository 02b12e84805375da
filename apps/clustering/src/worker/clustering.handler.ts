import { Controller, type DynamicModule, Inject, Module } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { KafkaBatchContext } from '@t2t/messaging';
import type { TenantTraceRecord } from './tenant-trace.record';

/** The logical pattern of spans_by_trace; the transport maps it to CLUSTERING_INPUT_TOPIC. */
export const CLUSTERING_SPANS_PATTERN = 'clustering.spans-by-trace';

/** What the worker does with one batch of a partition (see ClusteringWorker.handleBatch). */
export interface ClusteringBatchHandler {
  handleBatch(batch: TenantTraceRecord[], ctx: KafkaBatchContext): Promise<void>;
}

export const CLUSTERING_BATCH_HANDLER = Symbol('CLUSTERING_BATCH_HANDLER');

@Controller()
export class ClusteringController {
  constructor(@Inject(CLUSTERING_BATCH_HANDLER) private readonly handler: ClusteringBatchHandler) {}

  /**
   * Adds the batch's traces to the partition's open traces and windows and publishes what
   * closed; commits (ctx.commitAt) only the offset before the oldest record still held open.
   */
  @EventPattern(CLUSTERING_SPANS_PATTERN)
  handle(@Payload() batch: TenantTraceRecord[], @Ctx() ctx: KafkaBatchContext): Promise<void> {
    return this.handler.handleBatch(batch, ctx);
  }
}

/** The microservice side of the clustering worker, bound to the worker that owns the state. */
@Module({})
export class ClusteringHandlersModule {
  static forHandler(handler: ClusteringBatchHandler): DynamicModule {
    return {
      module: ClusteringHandlersModule,
      controllers: [ClusteringController],
      providers: [{ provide: CLUSTERING_BATCH_HANDLER, useValue: handler }],
    };
  }
}
