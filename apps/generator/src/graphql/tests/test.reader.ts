import { Injectable } from '@nestjs/common';
import { type StoredTest, type TestExecution, TestRepository } from '@t2t/storage';
import type DataLoader from 'dataloader';
import { BadUserInputError, NotFoundError } from '../errors/api.errors';
import type { EndpointTestsKey } from '../loaders/endpoint-tests.loader';
import type { Connection } from '../pagination/connection.type';
import { keysetConnection } from '../pagination/keyset.connection';
import { pageSize } from '../pagination/page.args';
import { type TestPageArgs, testFilterOf } from './test-filter.args';
import { decodeTestCursor, testCursor } from './test.cursor';

/**
 * Current tests as the API reads them: one by id, or pages in (endpoint, test id) order, keyset-
 * paged on that key, so tests regenerated while a client pages (replaced in place, same id) never
 * shift the pages it has not read yet.
 */
@Injectable()
export class TestReader {
  constructor(private readonly repository: TestRepository) {}

  /** A current test; NOT_FOUND for an unknown or retired id. */
  async test(id: string): Promise<StoredTest> {
    const [found] = await this.repository.testsByIds([id]);
    if (!found) throw new NotFoundError(`test ${id} not found`);
    return found;
  }

  /** The executions of a test run; NOT_FOUND when none is stored under that id. */
  async run(runId: string): Promise<TestExecution[]> {
    const executions = await this.repository.executionsOfRun(runId);
    if (executions.length === 0) throw new NotFoundError(`test run ${runId} not found`);
    return executions;
  }

  async page(args: TestPageArgs, endpoint?: string | null): Promise<Connection<StoredTest>> {
    const first = pageSize(args);
    const after = args.after ? decodeTestCursor(args.after) : undefined;
    if (after && endpoint && after.endpoint !== endpoint) throw otherEndpoint();
    const rows = await this.repository.currentTests({
      limit: first + 1,
      after,
      endpoints: endpoint ? [endpoint] : undefined,
      ...testFilterOf(args),
    });
    return keysetConnection(rows, first, after !== undefined, testCursor);
  }

  /**
   * One endpoint's tests, through the request's loader: the pages of every endpoint a request
   * lists are read together (see endpoint-tests.loader.ts).
   */
  async pageOfEndpoint(
    endpoint: string,
    args: TestPageArgs,
    loader: DataLoader<EndpointTestsKey, StoredTest[], string>,
  ): Promise<Connection<StoredTest>> {
    const first = pageSize(args);
    const after = args.after ? decodeTestCursor(args.after) : undefined;
    if (after && after.endpoint !== endpoint) throw otherEndpoint();
    const rows = await loader.load({
      endpoint,
      afterTestId: after?.testId ?? '',
      limit: first + 1,
      filter: testFilterOf(args),
    });
    return keysetConnection(rows, first, after !== undefined, testCursor);
  }
}

const otherEndpoint = () =>
  new BadUserInputError('cursor points to a test of another endpoint', 'after');
