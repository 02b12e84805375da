import { Field, ID, InterfaceType } from '@nestjs/graphql';
import { parseGlobalId } from '../node/global-id.codec';

/**
 * Relay's Global Object Identification: every object a client may want to refetch has a global
 * `id`, and `node(id:)` / `nodes(ids:)` answer it again, whatever its type. Normalising caches
 * (Relay, Apollo Client with `dataIdFromObject`, urql's graphcache) key objects by this id.
 *
 * Each implementation's value carries its global id (set by its `to…Type` mapper), and the id
 * names the type: that is how a `Node` is resolved to its object type, with no tag on the value.
 */
@InterfaceType('Node', {
  description:
    'An object with a global id: refetch it with `node(id:)` or `nodes(ids:)` (Relay Global Object Identification).',
  resolveType: (node: { id: string }) => parseGlobalId(node.id)?.type,
})
export abstract class NodeType {
  @Field(() => ID, { description: globalIdDescription() })
  id!: string;
}

/** The description of every implementation's `id`, optionally naming the object's own id field. */
export function globalIdDescription(ownId?: string): string {
  const own = ownId ? ` Not the object's own id: that is \`${ownId}\`.` : '';
  return `Global id (Node): opaque and stable; pass it as received to \`node(id:)\`.${own}`;
}
