import { UseFilters } from '@nestjs/common';
import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { type TestExecution, TestRepository } from '@t2t/storage';
import { BadUserInputError } from '../errors/api.errors';
import { ResolverExceptionFilter } from '../errors/resolver-exception.filter';
import { RecordedTestExecutionsType, TestExecutionInput } from '../types/test-execution.input';

/** Executions one call may record; a longer run records in several calls under its run id. */
export const MAX_RECORDED_EXECUTIONS = 1000;

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const TRACE_ID = /^[0-9a-f]{32}$/;
/** ISO 8601 with a time zone: a time without one would be read in the server's zone. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
/** test_runs.duration_ms is a UInt32. */
const MAX_UINT32 = 4_294_967_295;

/**
 * Stores the executions of a test run made elsewhere: `t2t test run` sends its results here when
 * the server owns the embedded store (the CLI cannot open it then). Rows are the ones the CLI
 * writes itself in direct mode, so `testRun(runId)` and `Test.executions` show them alike.
 */
@UseFilters(ResolverExceptionFilter)
@Resolver()
export class TestExecutionResolver {
  constructor(private readonly tests: TestRepository) {}

  @Mutation(() => RecordedTestExecutionsType, {
    description: `Records executions of a test run under \`runId\` (letters, digits and . _ : -, at most 128; a UUID is what the CLI sends), at most ${MAX_RECORDED_EXECUTIONS} per call: a run may be recorded in several calls. BAD_USER_INPUT names the first bad execution.`,
  })
  async recordTestExecutions(
    @Args('runId') runId: string,
    @Args('executions', { type: () => [TestExecutionInput] }) executions: TestExecutionInput[],
  ): Promise<RecordedTestExecutionsType> {
    if (!RUN_ID.test(runId)) {
      throw new BadUserInputError(
        'runId must be 1..128 letters, digits, ".", "_", ":" or "-" (starting with a letter or digit)',
        'runId',
      );
    }
    if (executions.length === 0 || executions.length > MAX_RECORDED_EXECUTIONS) {
      throw new BadUserInputError(
        `executions must hold 1..${MAX_RECORDED_EXECUTIONS} executions`,
        'executions',
      );
    }
    const rows = executions.map((e, i) => toRow(runId, e, `executions[${i}]`));
    await this.tests.saveExecutions(rows);
    return { runId, recorded: rows.length };
  }
}

function toRow(runId: string, e: TestExecutionInput, at: string): TestExecution {
  const bad = (field: string, problem: string) =>
    new BadUserInputError(`${at}.${field} ${problem}`, 'executions');
  if (e.testId.trim() === '') throw bad('testId', 'is empty');
  const traceId = (e.traceId ?? '').toLowerCase();
  if (traceId !== '' && !TRACE_ID.test(traceId)) {
    throw bad('traceId', 'must be 32 hexadecimal characters');
  }
  if (!Number.isSafeInteger(e.failures) || e.failures < 0) {
    throw bad('failures', 'must be a non-negative integer');
  }
  if (!Number.isSafeInteger(e.durationMs) || e.durationMs < 0 || e.durationMs > MAX_UINT32) {
    throw bad('durationMs', 'must be a non-negative integer');
  }
  const started = ISO_TIME.test(e.startedAt) ? Date.parse(e.startedAt) : Number.NaN;
  if (Number.isNaN(started)) {
    throw bad('startedAt', 'must be an ISO 8601 time with a time zone (2026-11-25T09:00:00.000Z)');
  }
  return {
    runId,
    testId: e.testId,
    mode: e.mode,
    target: e.target ?? '',
    traceId,
    passed: e.passed,
    failures: e.failures,
    report: JSON.stringify(e.report ?? null),
    durationMs: e.durationMs,
    // As the CLI writes it: DateTime64(3) text in UTC.
    startedAt: new Date(started).toISOString().replace('T', ' ').replace('Z', ''),
  };
}
