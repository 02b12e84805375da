import { UseFilters } from '@nestjs/common';
import { Args, Query, Resolver } from '@nestjs/graphql';
import { type TestRunSummary, TestRepository } from '@t2t/storage';
import { BadUserInputError } from '../errors/api.errors';
import { ResolverExceptionFilter } from '../errors/resolver-exception.filter';
import { decodeCursor, encodeCursor } from '../pagination/cursor';
import { keysetConnection } from '../pagination/keyset.connection';
import { connectionComplexity, PageArgs, pageSize } from '../pagination/page.args';
import { TestRunSummaryConnection, toTestRunSummaryType } from '../types/test-run-summary.type';

const RUNS = 'testRuns';
/** Between start time and run id; neither contains it. */
const SEP = '\u0000';
/** A start time as the repository writes it into cursors (ClickHouse DateTime64 text). */
const STARTED_AT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,9})?$/;

const runCursor = (r: TestRunSummary) => encodeCursor(RUNS, `${r.startedAt}${SEP}${r.runId}`);

/** The list of test runs (one run in full is `testRun`). */
@UseFilters(ResolverExceptionFilter)
@Resolver()
export class TestRunsResolver {
  constructor(private readonly tests: TestRepository) {}

  @Query(() => TestRunSummaryConnection, {
    description:
      'Test runs and verify runs, newest first, each with its passed and failed executions; keyset-paged, so runs recorded while a client pages do not shift its pages.',
    complexity: connectionComplexity,
  })
  async testRuns(@Args() page: PageArgs): Promise<TestRunSummaryConnection> {
    const first = pageSize(page);
    let before: { startedAt: string; runId: string } | undefined;
    if (page.after) {
      const parts = String(decodeCursor(RUNS, page.after)).split(SEP);
      // The start time goes into SQL as a DateTime64: a forged one is the client's mistake.
      if (parts.length !== 2 || !STARTED_AT.test(parts[0]))
        throw new BadUserInputError('malformed cursor', 'after');
      before = { startedAt: parts[0], runId: parts[1] };
    }
    const rows = await this.tests.testRunsPage(first + 1, before);
    const connection = keysetConnection(rows, first, before !== undefined, runCursor);
    return {
      ...connection,
      edges: connection.edges.map((e) => ({
        cursor: e.cursor,
        node: toTestRunSummaryType(e.node),
      })),
    };
  }
}
