import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import type { ModelVersionSummary } from '@t2t/storage';
import { encodeGlobalId } from '../node/global-id.codec';
import { ConnectionType } from '../pagination/connection.type';
import { globalIdDescription, NodeType } from './node.type';

@ObjectType('ModelCounts', { description: 'Sizes of a model version.' })
export class ModelCountsType {
  @Field(() => Int) services!: number;
  @Field(() => Int) endpoints!: number;
  @Field(() => Int) entities!: number;
  @Field(() => Int) edges!: number;
  @Field(() => Int) behaviours!: number;
  @Field(() => Int) rules!: number;
}

@ObjectType('ModelVersion', {
  implements: () => [NodeType],
  description:
    'One version of the system model, as modeling built it. Versions are immutable: the same number always shows the same model.',
})
export class ModelVersionType {
  @Field(() => ID, { description: globalIdDescription('version') })
  id!: string;

  @Field(() => Int)
  version!: number;

  @Field({ description: 'Hash of the model’s content; identifies the version.' })
  modelHash!: string;

  @Field({ description: 'When modeling built it, as stored (ClickHouse DateTime64(3) text).' })
  createdAt!: string;

  @Field(() => ModelCountsType)
  counts!: ModelCountsType;
}

export function toModelVersionType(v: ModelVersionSummary): ModelVersionType {
  return {
    id: encodeGlobalId('ModelVersion', String(v.version)),
    version: v.version,
    modelHash: v.modelHash,
    createdAt: v.createdAt,
    counts: { ...v.counts },
  };
}

@ObjectType('ModelVersionConnection')
export class ModelVersionConnection extends ConnectionType(ModelVersionType, 'ModelVersion') {}
