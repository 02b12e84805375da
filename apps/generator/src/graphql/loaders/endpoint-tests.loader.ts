import DataLoader from 'dataloader';
import type { StoredTest, TestFilter, TestRepository } from '@t2t/storage';

/** One endpoint's page of current tests, as `Endpoint.tests` asks for it. */
export interface EndpointTestsKey {
  endpoint: string;
  /** Test id the page starts after; '' for the first page. */
  afterTestId: string;
  /** Rows wanted: the page size plus one, which tells whether there is a next page. */
  limit: number;
  filter: TestFilter;
}

/** Endpoints per ClickHouse query; a page of endpoints holds at most 100. */
const ENDPOINT_BATCH_SIZE = 100;

const filterKey = (f: TestFilter) =>
  JSON.stringify([f.kind ?? '', f.verdict ?? '', f.generator ?? '']);

/**
 * Pages of tests by endpoint for one request: `tests` selected on every endpoint of a page of
 * endpoints is one `currentTestsOfEndpoints` query (each endpoint with its own cursor, `LIMIT n BY
 * endpoint`), not one query per endpoint. Keys with different filters cannot share a WHERE clause,
 * and an endpoint asked for twice with different cursors (aliases) cannot share one query's
 * per-endpoint cursor, so those go into further queries: their number depends on the operation's
 * text, never on the data.
 */
export function createEndpointTestsLoader(
  tests: TestRepository,
): DataLoader<EndpointTestsKey, StoredTest[], string> {
  return new DataLoader<EndpointTestsKey, StoredTest[], string>(
    async (keys) => {
      const queries: EndpointTestsKey[][] = [];
      const byFilter = new Map<string, EndpointTestsKey[][]>();
      for (const key of keys) {
        const group = byFilter.get(filterKey(key.filter)) ?? [];
        byFilter.set(filterKey(key.filter), group);
        let query = group.find((q) => !q.some((k) => k.endpoint === key.endpoint));
        if (!query) {
          query = [];
          group.push(query);
          queries.push(query);
        }
        query.push(key);
      }
      const answers = new Map<EndpointTestsKey, StoredTest[]>();
      await Promise.all(
        queries.map(async (query) => {
          const rows = await tests.currentTestsOfEndpoints({
            pages: query.map((k) => ({ endpoint: k.endpoint, afterTestId: k.afterTestId })),
            limitPerEndpoint: Math.max(...query.map((k) => k.limit)),
            ...query[0].filter,
          });
          const byEndpoint = new Map<string, StoredTest[]>();
          for (const row of rows) {
            const list = byEndpoint.get(row.endpoint) ?? [];
            list.push(row);
            byEndpoint.set(row.endpoint, list);
          }
          for (const key of query) {
            answers.set(key, (byEndpoint.get(key.endpoint) ?? []).slice(0, key.limit));
          }
        }),
      );
      return keys.map((key) => answers.get(key) ?? []);
    },
    {
      maxBatchSize: ENDPOINT_BATCH_SIZE,
      cacheKeyFn: (k) => JSON.stringify([k.endpoint, k.afterTestId, k.limit, filterKey(k.filter)]),
    },
  );
}
