import { UseFilters } from '@nestjs/common';
import { Args, Context, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import type { ModelChange } from '@t2t/model';
import type { ApiLoaders } from '../api.context';
import { ResolverExceptionFilter } from '../errors/resolver-exception.filter';
import { behaviourKey, ruleKey } from '../model/model.snapshot';
import { paginateList } from '../pagination/list.paginator';
import { PageArgs, connectionComplexity } from '../pagination/page.args';
import { BehaviourConnection, toBehaviourType } from '../types/behaviour.type';
import { EndpointConnection, toEndpointType } from '../types/endpoint.type';
import { EntityType, toEntityType } from '../types/entity.type';
import { ModelDiffType, toModelChangeType } from '../types/model-change.type';
import { ModelEdgeConnection, toModelEdgeType } from '../types/model-edge.type';
import { EdgeType } from '../types/model.enums';
import { ModelVersionType } from '../types/model-version.type';
import { RuleConnection, toRuleType } from '../types/rule.type';
import { ServiceType, toServiceType } from '../types/service.type';

/**
 * The parts of one model version. All of them come from the version's document, read through the
 * request's model loader: once per version and request, in one query for a page of versions.
 */
@UseFilters(ResolverExceptionFilter)
@Resolver(() => ModelVersionType)
export class ModelVersionResolver {
  @ResolveField(() => [ServiceType])
  async services(
    @Parent() v: ModelVersionType,
    @Context('loaders') loaders: ApiLoaders,
  ): Promise<ServiceType[]> {
    const { model } = await loaders.models.load(v.modelHash);
    return model.services.map((s) => toServiceType(s, v.modelHash));
  }

  @ResolveField(() => [EntityType])
  async entities(
    @Parent() v: ModelVersionType,
    @Context('loaders') loaders: ApiLoaders,
  ): Promise<EntityType[]> {
    const { model } = await loaders.models.load(v.modelHash);
    return model.entities.map((e) => toEntityType(e, v.modelHash));
  }

  @ResolveField(() => EndpointConnection, { complexity: connectionComplexity })
  async endpoints(
    @Parent() v: ModelVersionType,
    @Context('loaders') loaders: ApiLoaders,
    @Args() page: PageArgs,
    @Args('service', { nullable: true, description: 'Only this service’s endpoints.' })
    service?: string,
    @Args('entry', { nullable: true, description: 'Only entry (true) or inner (false) endpoints.' })
    entry?: boolean,
  ): Promise<EndpointConnection> {
    const snapshot = await loaders.models.load(v.modelHash);
    const items = snapshot.model.endpoints.filter(
      (e) =>
        (service === undefined || service === null || e.service === service) &&
        (entry === undefined || entry === null || e.entry === entry),
    );
    const connection = paginateList(items, 'endpoints', (e) => e.key, page);
    return {
      ...connection,
      edges: connection.edges.map((e) => ({
        cursor: e.cursor,
        node: toEndpointType(e.node, snapshot),
      })),
    };
  }

  @ResolveField(() => ModelEdgeConnection, {
    complexity: connectionComplexity,
    description: 'Edges of the system graph (calls, reads, writes, publishes, consumes).',
  })
  async edges(
    @Parent() v: ModelVersionType,
    @Context('loaders') loaders: ApiLoaders,
    @Args() page: PageArgs,
    @Args('type', { type: () => EdgeType, nullable: true }) type?: EdgeType,
    @Args('from', { nullable: true }) from?: string,
    @Args('to', { nullable: true }) to?: string,
  ): Promise<ModelEdgeConnection> {
    const { model } = await loaders.models.load(v.modelHash);
    const items = model.edges
      .map(toModelEdgeType)
      .filter(
        (e) => (!type || e.type === type) && (!from || e.from === from) && (!to || e.to === to),
      );
    return paginateList(items, 'edges', (e) => e.id, page);
  }

  @ResolveField(() => BehaviourConnection, {
    complexity: connectionComplexity,
    description: 'Behaviours of every endpoint (or of `endpoint`), each endpoint’s busiest first.',
  })
  async behaviours(
    @Parent() v: ModelVersionType,
    @Context('loaders') loaders: ApiLoaders,
    @Args() page: PageArgs,
    @Args('endpoint', { nullable: true }) endpoint?: string,
  ): Promise<BehaviourConnection> {
    const snapshot = await loaders.models.load(v.modelHash);
    const items = endpoint ? snapshot.behavioursOf(endpoint) : snapshot.model.behaviours;
    const connection = paginateList(items, 'behaviours', behaviourKey, page);
    return {
      ...connection,
      edges: connection.edges.map((e) => ({
        cursor: e.cursor,
        node: toBehaviourType(e.node, snapshot),
      })),
    };
  }

  @ResolveField(() => RuleConnection, { complexity: connectionComplexity })
  async rules(
    @Parent() v: ModelVersionType,
    @Context('loaders') loaders: ApiLoaders,
    @Args() page: PageArgs,
    @Args('endpoint', { nullable: true }) endpoint?: string,
  ): Promise<RuleConnection> {
    const { model } = await loaders.models.load(v.modelHash);
    const items = model.rules.filter((r) => !endpoint || r.endpoint === endpoint);
    const connection = paginateList(items, 'rules', ruleKey, page);
    return {
      ...connection,
      edges: connection.edges.map((e) => ({ cursor: e.cursor, node: toRuleType(e.node) })),
    };
  }

  @ResolveField(() => ModelDiffType, {
    nullable: true,
    description: 'Changes from the previous version; null for the first version.',
  })
  async diff(
    @Parent() v: ModelVersionType,
    @Context('loaders') loaders: ApiLoaders,
  ): Promise<ModelDiffType | null> {
    const diffs = await loaders.modelDiffs.load(v.version);
    const diff = diffs.find((d) => d.toHash === v.modelHash) ?? diffs[0];
    if (!diff) return null;
    const changes = JSON.parse(diff.changes) as ModelChange[];
    return {
      fromHash: diff.fromHash,
      toHash: diff.toHash,
      changes: changes.map((c) => toModelChangeType(c, diff)),
    };
  }
}
