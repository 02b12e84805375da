import { Field, ObjectType } from '@nestjs/graphql';
import { EntityKind } from './model.enums';

@ObjectType('Entity', {
  description: 'Something services read, write or call: a table, collection, topic, cache or API.',
})
export class EntityType {
  @Field(() => EntityKind)
  kind!: EntityKind;

  @Field({ description: 'Table, collection, topic, host, or a cache key template (`cart:{id}`).' })
  name!: string;

  @Field({ description: '`postgresql`, `mongodb`, `redis`, `kafka`, `https`, ...' })
  system!: string;
}
