import { Field, ID, ObjectType } from '@nestjs/graphql';
import type { ModelEntity } from '@t2t/model';
import { encodeGlobalId } from '../node/global-id.codec';
import { EntityKind } from './model.enums';
import { globalIdDescription, NodeType } from './node.type';

@ObjectType('Entity', {
  implements: () => [NodeType],
  description:
    'Something services read, write or call: a table, collection, topic, cache or API, in one model version (its global id names the version too).',
})
export class EntityType {
  @Field(() => ID, { description: globalIdDescription() })
  id!: string;

  @Field(() => EntityKind)
  kind!: EntityKind;

  @Field({ description: 'Table, collection, topic, host, or a cache key template (`cart:{id}`).' })
  name!: string;

  @Field({ description: '`postgresql`, `mongodb`, `redis`, `kafka`, `https`, ...' })
  system!: string;
}

/**
 * An entity of the model version `modelHash`. Kind, name and system together identify it within
 * a version (libs/model keys entities by them).
 */
export function toEntityType(entity: ModelEntity, modelHash: string): EntityType {
  return {
    id: encodeGlobalId('Entity', modelHash, entity.kind, entity.name, entity.system),
    kind: entity.kind as EntityKind,
    name: entity.name,
    system: entity.system,
  };
}
