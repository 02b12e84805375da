import { UseFilters } from '@nestjs/common';
import { Args, Context, ID, Query, Resolver } from '@nestjs/graphql';
import type { ApiLoaders } from '../api.context';
import { BadUserInputError } from '../errors/api.errors';
import { ResolverExceptionFilter } from '../errors/resolver-exception.filter';
import { decodeGlobalId, malformedId, parseGlobalId } from '../node/global-id.codec';
import { NodeReader, type NodeValue } from '../node/node.reader';
import { NodeType } from '../types/node.type';

/** Ids one `nodes` call may ask for: a page's worth, as connections allow. */
export const MAX_NODES = 100;

/**
 * Cost of `nodes`: what as many `node` fields would cost, each an object (1) plus its selection
 * (for fragments on several types, the costliest). Too many ids are costed at the maximum; the
 * resolver refuses them.
 */
export function nodesComplexity(options: {
  args: { ids?: readonly unknown[] };
  childComplexity: number;
}): number {
  const asked = options.args.ids?.length ?? 0;
  const ids = asked <= MAX_NODES ? asked : MAX_NODES;
  return Math.max(ids, 1) * (1 + options.childComplexity);
}

/**
 * Relay's refetch entry points. An unknown id (a well-formed id whose object is gone, or never
 * was) answers null without an error, as Relay expects; an id the API cannot have issued is the
 * client's mistake (BAD_USER_INPUT).
 */
@UseFilters(ResolverExceptionFilter)
@Resolver()
export class NodeResolver {
  constructor(private readonly reader: NodeReader) {}

  @Query(() => NodeType, {
    nullable: true,
    description:
      'The object with this global id (any type implementing Node); null when there is none (any more). BAD_USER_INPUT for a malformed id.',
  })
  async node(
    @Args('id', { type: () => ID }) id: string,
    @Context('loaders') loaders: ApiLoaders,
  ): Promise<NodeValue | null> {
    return this.reader.node(decodeGlobalId(id, 'id'), loaders);
  }

  @Query(() => [NodeType], {
    nullable: 'items',
    description: `The objects with these global ids (at most ${MAX_NODES}), in the order asked: null for an id with no object, null with a BAD_USER_INPUT error at its index for a malformed id. Read together (one query per kind of object, as far as the store allows).`,
    complexity: nodesComplexity,
  })
  async nodes(
    @Args('ids', { type: () => [ID] }) ids: string[],
    @Context('loaders') loaders: ApiLoaders,
  ): Promise<(NodeValue | null | Error)[]> {
    if (ids.length > MAX_NODES) {
      throw new BadUserInputError(`ids must hold at most ${MAX_NODES} ids`, 'ids');
    }
    // Each lookup settles on its own: an Error in the list becomes the error of that item only
    // (GraphQL nulls it and reports it at ['nodes', index]), so one bad id spoils nothing else.
    return Promise.all(
      ids.map(async (id, i) => {
        const decoded = parseGlobalId(id);
        if (!decoded) return malformedId('ids', `ids[${i}]`);
        try {
          return await this.reader.node(decoded, loaders);
        } catch (e) {
          return e instanceof Error ? e : new Error(String(e));
        }
      }),
    );
  }
}
