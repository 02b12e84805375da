import { Controller, type DynamicModule } from '@nestjs/common';
import { BaseRpcContext, Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { KafkaBatchContext } from '../src/transport/kafka-batch.context';

/** What one handler call saw. */
export interface Call {
  values: unknown[];
  topic: string;
  partition: number;
  firstOffset: string;
  lastOffset: string;
  offsets: string[];
  headers: Record<string, string>[];
  isContext: boolean;
}

export type OnBatch = (values: unknown[], ctx: KafkaBatchContext) => Promise<void> | void;

/**
 * A module with one `@EventPattern(topic)` controller per entry, recording every call before
 * running `onBatch`; with `heartbeat`, each call heartbeats first (as long work would).
 */
export function handlersModule(
  handlers: Record<string, OnBatch>,
  calls: Call[],
  options: { heartbeat?: boolean } = {},
): DynamicModule {
  const controllers = Object.entries(handlers).map(([topic, onBatch]) => {
    @Controller()
    class TopicHandler {
      @EventPattern(topic)
      async handle(@Payload() values: unknown[], @Ctx() ctx: KafkaBatchContext): Promise<void> {
        calls.push({
          values,
          topic: ctx.topic,
          partition: ctx.partition,
          firstOffset: ctx.firstOffset,
          lastOffset: ctx.lastOffset,
          offsets: ctx.messages.map((m) => m.offset),
          headers: ctx.messages.map((m) =>
            Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, String(v)])),
          ),
          isContext: ctx instanceof BaseRpcContext,
        });
        if (options.heartbeat) await ctx.heartbeat();
        await onBatch(values, ctx);
      }
    }
    return TopicHandler;
  });
  class HandlersModule {}
  return { module: HandlersModule, controllers };
}
