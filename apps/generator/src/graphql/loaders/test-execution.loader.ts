import DataLoader from 'dataloader';
import type { TestExecution, TestRepository } from '@t2t/storage';

/** Most executions of one test a request can ask for (`Test.executions(first)`), newest first. */
export const EXECUTIONS_PER_TEST = 20;

/** Test ids per ClickHouse query (bounds the `IN` list); pages hold at most 100 tests. */
const TEST_BATCH_SIZE = 500;

/**
 * The latest executions of tests, by test id, for one request: the `executions` of every test on
 * a page (or on the pages of several endpoints) are one `executionsFor` query, which returns up to
 * EXECUTIONS_PER_TEST rows per test; each field takes the newest `first` of them.
 */
export function createTestExecutionLoader(
  tests: TestRepository,
): DataLoader<string, TestExecution[]> {
  return new DataLoader<string, TestExecution[]>(
    async (testIds) => {
      const rows = await tests.executionsFor(testIds, EXECUTIONS_PER_TEST);
      const byTest = new Map<string, TestExecution[]>(testIds.map((id) => [id, []]));
      // Rows come newest first within each test; pushing keeps that order.
      for (const row of rows) byTest.get(row.testId)?.push(row);
      return testIds.map((id) => byTest.get(id) ?? []);
    },
    { maxBatchSize: TEST_BATCH_SIZE },
  );
}
