import { UseFilters } from '@nestjs/common';
import { Args, Context, Int, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { SpanRepository } from '@t2t/storage';
import type { ApiLoaders } from '../api.context';
import { BadUserInputError, NotFoundError } from '../errors/api.errors';
import { ResolverExceptionFilter } from '../errors/resolver-exception.filter';
import { ownIdOf } from '../node/global-id.codec';
import { SpanType, toSpanType, toTraceType, TraceType } from '../types/trace.type';

/**
 * Spans a trace is assumed to hold when costing a query (the real count is unknown until read).
 * Generous enough for typical request traces, small enough that a page of behaviours with spans
 * fits the default complexity limit.
 */
export const SPANS_PER_TRACE_ESTIMATE = 20;

const TRACE_ID = /^[0-9a-f]{32}$/;

@UseFilters(ResolverExceptionFilter)
@Resolver(() => TraceType)
export class TraceResolver {
  constructor(private readonly repository: SpanRepository) {}

  @Query(() => TraceType, {
    nullable: true,
    description:
      'A recorded trace by its trace id (32 hex characters) or its global id. NOT_FOUND if no span of it is stored.',
  })
  async trace(@Args('id') id: string, @Context('loaders') loaders: ApiLoaders): Promise<TraceType> {
    const traceId = traceIdOf(id);
    // Through the loader: `spans` below is then answered from its cache, not a second query.
    const spans = await loaders.spans.load(traceId);
    if (spans.length === 0) throw new NotFoundError(`trace ${traceId} not found`);
    return toTraceType(traceId);
  }

  /**
   * What the runner polls while it waits for a trace to complete (`t2t test run` through the
   * server): one count, no spans read. 0 rather than NOT_FOUND, since "nothing stored yet" is the
   * normal first answer for a trace the runner just started.
   */
  @Query(() => Int, {
    description:
      'Spans stored so far for a trace (32 hex characters), duplicates of an at-least-once delivery included; 0 when none is.',
  })
  async traceSpanCount(@Args('id') id: string): Promise<number> {
    return this.repository.countByTraceId(traceIdOf(id));
  }

  @ResolveField(() => [SpanType], {
    description: 'Every stored span of the trace, oldest first.',
    complexity: ({ childComplexity }) => 1 + childComplexity * SPANS_PER_TRACE_ESTIMATE,
  })
  async spans(
    @Parent() trace: TraceType,
    @Context('loaders') loaders: ApiLoaders,
  ): Promise<SpanType[]> {
    const rows = await loaders.spans.load(trace.traceId);
    return rows.map(toSpanType);
  }
}

function traceIdOf(id: string): string {
  const traceId = ownIdOf(id, 'Trace', 'id').trim().toLowerCase();
  if (!TRACE_ID.test(traceId)) {
    throw new BadUserInputError('trace id must be 32 hexadecimal characters', 'id');
  }
  return traceId;
}
