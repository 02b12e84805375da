import { UseFilters } from '@nestjs/common';
import { Args, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { ResolverExceptionFilter } from '../errors/resolver-exception.filter';
import { AttributeType, SpanType, toAttributes } from '../types/trace.type';

const keysArg = {
  type: () => [String],
  nullable: true,
  description: 'Only these keys (in this order); all, sorted by key, when omitted.',
} as const;

@UseFilters(ResolverExceptionFilter)
@Resolver(() => SpanType)
export class SpanResolver {
  @ResolveField(() => [AttributeType], { description: 'Span attributes.' })
  attributes(
    @Parent() span: SpanType,
    @Args('keys', keysArg) keys?: string[] | null,
  ): AttributeType[] {
    return toAttributes(span.row.SpanAttributes, keys);
  }

  @ResolveField(() => [AttributeType], { description: 'Attributes of the emitting resource.' })
  resourceAttributes(
    @Parent() span: SpanType,
    @Args('keys', keysArg) keys?: string[] | null,
  ): AttributeType[] {
    return toAttributes(span.row.ResourceAttributes, keys);
  }
}
