import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import type { GenerationRun } from '@t2t/storage';
import { encodeGlobalId } from '../node/global-id.codec';
import { ConnectionType } from '../pagination/connection.type';
import { enumValue } from './model.enums';
import { globalIdDescription, NodeType } from './node.type';
import { GenerationStatus, GenerationTrigger } from './test.enums';

@ObjectType('GenerationRun', {
  implements: () => [NodeType],
  description:
    'One run of test generation (scheduled, at start-up, or asked for with generateTests), as recorded.',
})
export class GenerationRunType {
  @Field(() => ID, { description: globalIdDescription('runId') })
  id!: string;

  @Field({ description: 'The run’s own id (a UUID), as in `Test.generationRunId`.' })
  runId!: string;

  @Field(() => GenerationTrigger)
  trigger!: GenerationTrigger;

  @Field(() => GenerationStatus)
  status!: GenerationStatus;

  @Field({ description: 'The generator replica that ran it (host:pid:instance).' })
  instance!: string;

  @Field(() => Int, {
    nullable: true,
    description: 'Model version generated from; null when the run ended before reading one.',
  })
  modelVersion!: number | null;

  @Field(() => String, { nullable: true })
  modelHash!: string | null;

  @Field(() => [String], { description: 'Endpoints regenerated.' })
  endpoints!: string[];

  @Field(() => Int, { description: 'Tests produced, kept and rejected.' })
  testsGenerated!: number;

  @Field(() => Int)
  testsKept!: number;

  @Field(() => Int)
  testsRejected!: number;

  @Field(() => Int, { description: 'Checks verification dropped from the tests.' })
  assertionsDropped!: number;

  @Field(() => String, { nullable: true, description: 'Why the run was skipped or failed.' })
  error!: string | null;

  @Field({ description: 'ClickHouse DateTime64(3) text, UTC.' })
  startedAt!: string;

  @Field(() => String, { nullable: true, description: 'Null while running.' })
  finishedAt!: string | null;
}

export function toGenerationRunType(run: GenerationRun): GenerationRunType {
  return {
    id: encodeGlobalId('GenerationRun', run.runId),
    runId: run.runId,
    trigger: enumValue(GenerationTrigger, run.trigger, GenerationTrigger.MANUAL),
    status: enumValue(GenerationStatus, run.status, GenerationStatus.FAILED),
    instance: run.instance,
    modelVersion: run.modelHash === '' ? null : run.modelVersion,
    modelHash: run.modelHash === '' ? null : run.modelHash,
    endpoints: run.endpoints,
    testsGenerated: run.testsGenerated,
    testsKept: run.testsKept,
    testsRejected: run.testsRejected,
    assertionsDropped: run.assertionsDropped,
    error: run.error === '' ? null : run.error,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
  };
}

@ObjectType('GenerationRunConnection')
export class GenerationRunConnection extends ConnectionType(GenerationRunType, 'GenerationRun') {}
