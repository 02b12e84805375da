import type { GraphqlClient } from '@t2t/runner';
import type { TestExecution } from '@t2t/storage';
import { type TestSpec, validateTestSpec } from '@t2t/testgen';

/**
 * Tests per page when reading specs: a spec costs 50 in the API's complexity count, so 20 of them
 * (about 1060) stay well inside the default limit of 2000.
 */
const SPECS_PER_PAGE = 20;

const TESTS = `query StoredSpecs($endpoint: String, $after: String, $first: Int!) {
  tests(endpoint: $endpoint, verdict: VERIFIED, first: $first, after: $after) {
    edges { node { testId spec } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/**
 * The current verified tests through the API, as StoredTraceVerifier.storedSpecs reads them from
 * the table: every page, each spec validated, an invalid one reported (same wording) and left out.
 * Several endpoints are read one after the other (`tests` filters on one), in sorted order: the
 * specs come in (endpoint, id) order, as from the table.
 */
export async function storedSpecsThroughServer(
  client: GraphqlClient,
  endpoints: readonly string[],
): Promise<{ specs: TestSpec[]; problems: string[] }> {
  const specs: TestSpec[] = [];
  const problems: string[] = [];
  for (const endpoint of endpoints.length === 0 ? [null] : [...new Set(endpoints)].sort()) {
    let after: string | null = null;
    for (;;) {
      const data: {
        tests: {
          edges: { node: { testId: string; spec: unknown } }[];
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      } = await client.request(TESTS, { endpoint, after, first: SPECS_PER_PAGE });
      for (const { node } of data.tests.edges) {
        const check = validateTestSpec(node.spec);
        if (check.ok) specs.push(check.spec);
        else problems.push(`test ${node.testId}: stored spec is not valid: ${check.errors[0]}`);
      }
      if (!data.tests.pageInfo.hasNextPage || data.tests.pageInfo.endCursor === null) break;
      after = data.tests.pageInfo.endCursor;
    }
  }
  return { specs, problems };
}

const RECORD = `mutation Record($runId: String!, $executions: [TestExecutionInput!]!) {
  recordTestExecutions(runId: $runId, executions: $executions) { recorded }
}`;

/**
 * Request bodies stay below this (the server's JSON body limit is Express's default, 100 kB): a
 * run's executions go in as many calls as that takes, under the one run id.
 */
const MAX_BATCH_BYTES = 64 * 1024;

/** Stores a run's executions through `recordTestExecutions`, in calls of bounded size. */
export async function recordExecutionsThroughServer(
  client: GraphqlClient,
  runId: string,
  executions: readonly TestExecution[],
): Promise<void> {
  let batch: unknown[] = [];
  let bytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await client.request(RECORD, { runId, executions: batch });
    batch = [];
    bytes = 0;
  };
  for (const e of executions) {
    const input = {
      testId: e.testId,
      mode: e.mode.toUpperCase(),
      target: e.target,
      traceId: e.traceId === '' ? null : e.traceId,
      passed: e.passed,
      failures: e.failures,
      report: parseReport(e.report),
      durationMs: e.durationMs,
      startedAt: isoOfClickHouseTime(e.startedAt),
    };
    const size = Buffer.byteLength(JSON.stringify(input));
    if (batch.length > 0 && bytes + size > MAX_BATCH_BYTES) await flush();
    batch.push(input);
    bytes += size;
  }
  await flush();
}

/** Reports are JSON text; one that is not (another writer's) goes as a JSON string. */
function parseReport(report: string): unknown {
  try {
    return JSON.parse(report) as unknown;
  } catch {
    return report;
  }
}

/** `2026-11-25 09:00:00.000` (UTC, as the runner's rows hold it) → ISO 8601 with its zone. */
function isoOfClickHouseTime(text: string): string {
  return /(Z|[+-]\d{2}:\d{2})$/.test(text) ? text : `${text.replace(' ', 'T')}Z`;
}
