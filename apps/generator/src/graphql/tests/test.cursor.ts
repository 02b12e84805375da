import type { StoredTest } from '@t2t/storage';
import { BadUserInputError } from '../errors/api.errors';
import { decodeCursor, encodeCursor } from '../pagination/cursor';

/**
 * Cursors of tests: the test's place in (endpoint, test id) order, the tests table's key. One
 * list name for `tests` and `Endpoint.tests`, so a test has the same cursor in both.
 */
const TESTS = 'tests';
/** Between endpoint and test id; neither contains it. */
const SEP = '\u0000';

export interface TestPosition {
  endpoint: string;
  testId: string;
}

export function testCursor(t: Pick<StoredTest, 'endpoint' | 'testId'>): string {
  return encodeCursor(TESTS, `${t.endpoint}${SEP}${t.testId}`);
}

export function decodeTestCursor(after: string): TestPosition {
  const parts = String(decodeCursor(TESTS, after)).split(SEP);
  if (parts.length !== 2) throw new BadUserInputError('malformed cursor', 'after');
  return { endpoint: parts[0], testId: parts[1] };
}
