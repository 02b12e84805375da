import { Controller, type DynamicModule, Module } from '@nestjs/common';
import { Ctx, EventPattern, Payload, RpcException } from '@nestjs/microservices';
import type { KafkaBatchContext } from '@t2t/messaging';
import type { IngestChunkWriter } from './ingest.writer';
import type { PreparedMessage } from './pipeline/otlp-message.preparer';

/** The logical pattern of the spans topic; the transport maps it to INGEST_TOPIC (`topicFor`). */
export const INGEST_SPANS_PATTERN = 'ingest.spans';

/** Makes one batch of the spans topic durable through the ingest writer. */
export class IngestBatchHandler {
  constructor(private readonly writer: IngestChunkWriter) {}

  async handle(batch: PreparedMessage[], ctx: KafkaBatchContext): Promise<void> {
    try {
      const output = await this.writer.write({
        topic: ctx.topic,
        partition: ctx.partition,
        firstOffset: ctx.firstOffset,
        lastOffset: ctx.lastOffset,
        token: ctx.token,
        topicPartitions: ctx.topicPartitions,
        items: ctx.messages.map((record, i) => ({ record, prepared: batch[i] })),
      });
      // Re-keyed traces and dead letters go out with the batch's commit.
      ctx.produceWithCommit(output.produce);
    } catch (e) {
      // An RpcException hands the error to the transport as it is (a PermanentWriteError stays
      // one), where Nest's filter would log it and pass on a summary.
      throw new RpcException(e instanceof Error ? e : new Error(String(e)));
    }
  }
}

@Controller()
export class IngestController {
  constructor(private readonly handler: IngestBatchHandler) {}

  /**
   * Resolving commits ctx.firstOffset..ctx.lastOffset (with the records it produces); throwing
   * retries the same batch.
   */
  @EventPattern(INGEST_SPANS_PATTERN)
  handle(@Payload() batch: PreparedMessage[], @Ctx() ctx: KafkaBatchContext): Promise<void> {
    return this.handler.handle(batch, ctx);
  }
}

/** The microservice side of ingest: its handler, bound to the writer the service built. */
@Module({})
export class IngestHandlersModule {
  static forHandler(handler: IngestBatchHandler): DynamicModule {
    return {
      module: IngestHandlersModule,
      controllers: [IngestController],
      providers: [{ provide: IngestBatchHandler, useValue: handler }],
    };
  }
}
