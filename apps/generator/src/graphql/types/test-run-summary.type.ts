import { Field, Int, ObjectType } from '@nestjs/graphql';
import type { TestRunSummary } from '@t2t/storage';
import { ConnectionType } from '../pagination/connection.type';
import { enumValue } from './model.enums';
import { ExecutionMode } from './test.enums';

@ObjectType('TestRunSummary', {
  description:
    'A test run (`t2t test run`, `t2t test verify`, `verifyTests`) summed over its executions; `testRun(runId)` has them all.',
})
export class TestRunSummaryType {
  @Field({ description: 'The id the CLI printed.' }) runId!: string;
  @Field(() => ExecutionMode) mode!: ExecutionMode;
  @Field({ description: 'Base URL of a live run; the period of a verify run.' }) target!: string;
  @Field(() => Int) passed!: number;
  @Field(() => Int) failed!: number;
  @Field({ description: 'When its first execution started (ClickHouse DateTime64(3) text, UTC).' })
  startedAt!: string;
}

@ObjectType('TestRunSummaryConnection')
export class TestRunSummaryConnection extends ConnectionType(
  TestRunSummaryType,
  'TestRunSummary',
) {}

export function toTestRunSummaryType(r: TestRunSummary): TestRunSummaryType {
  return {
    runId: r.runId,
    mode: enumValue(ExecutionMode, r.mode, ExecutionMode.LIVE),
    target: r.target,
    passed: r.passed,
    failed: r.failed,
    startedAt: r.startedAt,
  };
}
