import { Field, Int, ObjectType } from '@nestjs/graphql';
import type { ModelVersionSummary } from '@t2t/storage';
import { ConnectionType } from '../pagination/connection.type';

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
  description:
    'One version of the system model, as modeling built it. Versions are immutable: the same number always shows the same model.',
})
export class ModelVersionType {
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
    version: v.version,
    modelHash: v.modelHash,
    createdAt: v.createdAt,
    counts: { ...v.counts },
  };
}

@ObjectType('ModelVersionConnection')
export class ModelVersionConnection extends ConnectionType(ModelVersionType, 'ModelVersion') {}
