import { Field, InputType, Int, ObjectType } from '@nestjs/graphql';
import { JsonScalar } from './json.scalar';
import { ExecutionMode } from './test.enums';

@InputType('TestExecutionInput', {
  description:
    'One execution to record, as `t2t test run` / `t2t test verify` store them (one row of test_runs).',
})
export class TestExecutionInput {
  @Field({ description: 'Id of the spec executed (a stored test’s, or a spec file’s own).' })
  testId!: string;

  @Field(() => ExecutionMode)
  mode!: ExecutionMode;

  @Field({
    nullable: true,
    defaultValue: '',
    description: 'What it ran against: the base URL of a live run, the period of a stored one.',
  })
  target?: string;

  @Field(() => String, {
    nullable: true,
    description: 'The trace it produced or failed on (32 hex characters); null for none.',
  })
  traceId?: string | null;

  @Field()
  passed!: boolean;

  @Field(() => Int, { description: 'Assertions (live) or traces (stored) that failed.' })
  failures!: number;

  @Field(() => JsonScalar, {
    description: 'The structured report (any JSON; the runner’s is `{ version: 1, ... }`).',
  })
  report!: unknown;

  @Field(() => Int)
  durationMs!: number;

  @Field({
    description: 'When it started: ISO 8601 with a time zone (`2026-11-25T09:00:00.000Z`).',
  })
  startedAt!: string;
}

@ObjectType('RecordedTestExecutions', {
  description: 'What `recordTestExecutions` stored; `testRun(runId)` lists them.',
})
export class RecordedTestExecutionsType {
  @Field() runId!: string;
  @Field(() => Int, { description: 'Executions stored by this call.' }) recorded!: number;
}
