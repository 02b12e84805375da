import { UseFilters } from '@nestjs/common';
import { Context, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import type { ModelEdge } from '@t2t/model';
import { ResolverExceptionFilter } from '../errors/resolver-exception.filter';
import type { ApiContext } from '../api.context';
import { BehaviourStatisticsType, BehaviourType } from '../types/behaviour.type';
import { EndpointType, toEndpointType } from '../types/endpoint.type';
import { ModelEdgeType, toModelEdgeType } from '../types/model-edge.type';
import { toTraceType, TraceType } from '../types/trace.type';

@UseFilters(ResolverExceptionFilter)
@Resolver(() => BehaviourType)
export class BehaviourResolver {
  /**
   * Only the id is known here; the trace's spans are read if and when `spans` is selected, and
   * then batched with every other trace of the request (see span.loader.ts).
   */
  @ResolveField(() => TraceType, {
    nullable: true,
    description:
      'The trace chosen to represent this behaviour. Its `spans` are empty once the spans table no longer holds it (retention).',
  })
  representativeTrace(@Parent() b: BehaviourType): TraceType | null {
    return b.representativeTraceId ? toTraceType(b.representativeTraceId) : null;
  }

  @ResolveField(() => BehaviourStatisticsType, {
    nullable: true,
    description:
      'Statistics counted up to now (a model version keeps the counts it was built with until the structure changes); null when clustering no longer counts it within 24 hours.',
  })
  current(
    @Parent() b: BehaviourType,
    @Context() ctx: ApiContext,
  ): Promise<BehaviourStatisticsType | null> {
    return ctx.loaders.behaviourStats.load(`${b.endpoint}\u0000${b.fingerprint}`);
  }

  @ResolveField(() => EndpointType, { nullable: true, description: 'The entry endpoint.' })
  entryEndpoint(@Parent() b: BehaviourType): EndpointType | null {
    const endpoint = b.snapshot.endpoint(b.endpoint);
    return endpoint ? toEndpointType(endpoint, b.snapshot) : null;
  }

  @ResolveField(() => [ModelEdgeType], { description: 'Edges this behaviour’s traces use.' })
  edges(@Parent() b: BehaviourType): ModelEdgeType[] {
    return b.edgeIds
      .map((id) => b.snapshot.edgeById(id))
      .filter((e): e is ModelEdge => e !== undefined)
      .map((e) => toModelEdgeType(e));
  }
}
