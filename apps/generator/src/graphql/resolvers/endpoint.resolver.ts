import { UseFilters } from '@nestjs/common';
import { Args, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { ResolverExceptionFilter } from '../errors/resolver-exception.filter';
import { behaviourKey } from '../model/model.snapshot';
import { paginateList } from '../pagination/list.paginator';
import { PageArgs, connectionComplexity } from '../pagination/page.args';
import { BehaviourConnection, toBehaviourType } from '../types/behaviour.type';
import { EndpointType } from '../types/endpoint.type';

@UseFilters(ResolverExceptionFilter)
@Resolver(() => EndpointType)
export class EndpointResolver {
  @ResolveField(() => BehaviourConnection, {
    complexity: connectionComplexity,
    description:
      'The endpoint’s behaviours, busiest first (entry endpoints only; others have none).',
  })
  behaviours(@Parent() endpoint: EndpointType, @Args() page: PageArgs): BehaviourConnection {
    const snapshot = endpoint.snapshot;
    const connection = paginateList(
      snapshot.behavioursOf(endpoint.key),
      'behaviours',
      behaviourKey,
      page,
    );
    return {
      ...connection,
      edges: connection.edges.map((e) => ({
        cursor: e.cursor,
        node: toBehaviourType(e.node, snapshot),
      })),
    };
  }
}
