import { UseFilters } from '@nestjs/common';
import { Args, Context, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import type { ApiLoaders } from '../api.context';
import { ResolverExceptionFilter } from '../errors/resolver-exception.filter';
import { behaviourKey } from '../model/model.snapshot';
import { paginateList } from '../pagination/list.paginator';
import { PageArgs, connectionComplexity } from '../pagination/page.args';
import { TestPageArgs } from '../tests/test-filter.args';
import { TestReader } from '../tests/test.reader';
import { BehaviourConnection, toBehaviourType } from '../types/behaviour.type';
import { EndpointType } from '../types/endpoint.type';
import { TestConnection, toTestType } from '../types/test.type';

@UseFilters(ResolverExceptionFilter)
@Resolver(() => EndpointType)
export class EndpointResolver {
  constructor(private readonly testReader: TestReader) {}

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

  @ResolveField(() => TestConnection, {
    complexity: connectionComplexity,
    description:
      'The endpoint’s current tests, in id order, whichever model version generated them (entry endpoints only; others have none). Read together for every endpoint of a request.',
  })
  async tests(
    @Parent() endpoint: EndpointType,
    @Args() page: TestPageArgs,
    @Context('loaders') loaders: ApiLoaders,
  ): Promise<TestConnection> {
    const connection = await this.testReader.pageOfEndpoint(
      endpoint.key,
      page,
      loaders.endpointTests,
    );
    return {
      ...connection,
      edges: connection.edges.map((e) => ({ cursor: e.cursor, node: toTestType(e.node) })),
    };
  }
}
