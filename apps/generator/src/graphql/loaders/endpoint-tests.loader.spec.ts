import type { StoredTest, TestRepository } from '@t2t/storage';
import { createEndpointTestsLoader } from './endpoint-tests.loader';

/** Ten tests per endpoint, `<endpoint>-0` .. `<endpoint>-9`, in id order. */
function fakeRepository() {
  const calls: Parameters<TestRepository['currentTestsOfEndpoints']>[0][] = [];
  const repository = {
    currentTestsOfEndpoints: async (query: (typeof calls)[number]) => {
      calls.push(query);
      return query.pages.flatMap(({ endpoint, afterTestId }) =>
        Array.from({ length: 10 }, (_, i) => ({ endpoint, testId: `${endpoint}-${i}` }))
          .filter((t) => t.testId > afterTestId)
          .slice(0, query.limitPerEndpoint),
      ) as StoredTest[];
    },
  };
  return { calls, repository: repository as unknown as TestRepository };
}

const ids = (rows: StoredTest[]) => rows.map((r) => r.testId);

describe(createEndpointTestsLoader.name, () => {
  it('reads the pages of many endpoints with one query, each with its own cursor and size', async () => {
    const { calls, repository } = fakeRepository();
    const sut = createEndpointTestsLoader(repository);
    const [a, b] = await Promise.all([
      sut.load({ endpoint: 'a', afterTestId: '', limit: 2, filter: {} }),
      sut.load({ endpoint: 'b', afterTestId: 'b-4', limit: 4, filter: {} }),
    ]);
    expect(ids(a)).toEqual(['a-0', 'a-1']);
    expect(ids(b)).toEqual(['b-5', 'b-6', 'b-7', 'b-8']);
    expect(calls).toEqual([
      {
        pages: [
          { endpoint: 'a', afterTestId: '' },
          { endpoint: 'b', afterTestId: 'b-4' },
        ],
        limitPerEndpoint: 4,
      },
    ]);
  });

  it('queries separately for other filters and for an endpoint asked twice with other cursors', async () => {
    const { calls, repository } = fakeRepository();
    const sut = createEndpointTestsLoader(repository);
    const [first, again, rules] = await Promise.all([
      sut.load({ endpoint: 'a', afterTestId: '', limit: 2, filter: {} }),
      sut.load({ endpoint: 'a', afterTestId: 'a-1', limit: 2, filter: {} }),
      sut.load({ endpoint: 'a', afterTestId: '', limit: 2, filter: { kind: 'rule' } }),
      // The same page twice is one key (DataLoader's cache).
      sut.load({ endpoint: 'a', afterTestId: '', limit: 2, filter: {} }),
    ]);
    expect(ids(first)).toEqual(['a-0', 'a-1']);
    expect(ids(again)).toEqual(['a-2', 'a-3']);
    expect(ids(rules)).toEqual(['a-0', 'a-1']);
    expect(calls).toHaveLength(3);
    expect(calls.map((c) => c.kind ?? '')).toEqual(['', '', 'rule']);
  });
});
