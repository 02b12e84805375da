import DataLoader from 'dataloader';
import type { StoredTest, TestRepository } from '@t2t/storage';

/**
 * Current tests by test id for one request: the tests among the ids of a `nodes(ids:)` call are
 * one `testsByIds` query. An unknown or retired id resolves to null.
 */
export function createTestLoader(tests: TestRepository): DataLoader<string, StoredTest | null> {
  return new DataLoader<string, StoredTest | null>(async (testIds) => {
    const found = new Map((await tests.testsByIds(testIds)).map((t) => [t.testId, t]));
    return testIds.map((id) => found.get(id) ?? null);
  });
}
