import {
  type GraphqlClient,
  RemoteEndpointTimings,
  RemoteTraceSource,
  ServerRequestError,
} from '@t2t/runner';
import type { TestExecution } from '@t2t/storage';
import type { TestSpec } from '@t2t/testgen';
import { recordExecutionsThroughServer, storedSpecsThroughServer } from '../remote/remote-tests';
import {
  type TestBackend,
  UsageError,
  type VerifyOutput,
  type VerifyRequest,
} from './test.backend';

const VERIFY = `mutation Verify(
  $since: String!, $until: String!, $endpoints: [String!], $max: Int!, $store: Boolean!,
  $specs: [JSON!], $show: Int!, $report: Boolean!, $jsonl: Boolean!, $junit: Boolean!
) {
  verifyTests(
    since: $since, until: $until, endpoints: $endpoints, maxTracesPerEndpoint: $max,
    store: $store, specs: $specs
  ) {
    runId
    problems
    tests { status }
    report(show: $show) @include(if: $report)
    jsonLines @include(if: $jsonl)
    junitXml @include(if: $junit)
  }
}`;

interface VerifyAnswer {
  verifyTests: {
    runId: string | null;
    problems: string[];
    tests: { status: string }[];
    report?: string;
    jsonLines?: string;
    junitXml?: string;
  };
}

/**
 * Verification can read thousands of stored traces; the server answers when it is done. Node's
 * fetch gives up on response headers after 5 minutes whatever this says.
 */
const VERIFY_TIMEOUT_MS = 300_000;

/**
 * A running trace2test through its GraphQL API: for when it owns the embedded store (one process
 * per directory), or runs elsewhere. The server runs the same libs/runner code on its data:
 * `verifyTests` renders the report, JSON Lines and JUnit XML with the functions direct mode calls,
 * the trace source and timings answer what the table and the sketches answer.
 */
export class ServerTestBackend implements TestBackend {
  readonly mode = 'server';
  readonly location: string;

  constructor(private readonly client: GraphqlClient) {
    this.location = `the trace2test server at ${client.url}`;
  }

  traceSource(): RemoteTraceSource {
    return new RemoteTraceSource(this.client);
  }

  endpointTimings(): RemoteEndpointTimings {
    return new RemoteEndpointTimings(this.client);
  }

  storedSpecs(endpoints: readonly string[]): Promise<{ specs: TestSpec[]; problems: string[] }> {
    return storedSpecsThroughServer(this.client, endpoints);
  }

  saveExecutions(runId: string, executions: readonly TestExecution[]): Promise<void> {
    return recordExecutionsThroughServer(this.client, runId, executions);
  }

  async verify(request: VerifyRequest): Promise<VerifyOutput> {
    let answer;
    try {
      answer = await this.client.execute<VerifyAnswer>(
        VERIFY,
        {
          // The CLI's clock decides the period, as in direct mode: the server gets exact times.
          since: new Date(request.fromMs).toISOString(),
          until: new Date(request.toMs).toISOString(),
          endpoints: request.endpoints,
          max: request.maxTracesPerEndpoint,
          store: request.store,
          specs: request.specs ?? null,
          show: request.show,
          report: request.report,
          jsonl: request.jsonLines,
          junit: request.junit,
        },
        { timeoutMs: VERIFY_TIMEOUT_MS },
      );
    } catch (e) {
      if (e instanceof ServerRequestError && e.code === 'BAD_USER_INPUT') {
        throw new UsageError(e.errors.map((x) => x.message).join('; '));
      }
      if (e instanceof ServerRequestError && e.status === 413 && request.specs !== undefined) {
        // The spec files travel in the request: fewer of them fit.
        throw new ServerRequestError(`${e.message}: verify fewer spec files at once`, 'http', 413);
      }
      throw e;
    }
    const run = answer.data!.verifyTests;
    // An error on runId alone: the verdicts stand, storing them failed.
    const storeErrors = answer.errors.filter((e) => e.path?.at(-1) === 'runId');
    const other = answer.errors.filter((e) => !storeErrors.includes(e));
    if (other.length > 0) {
      throw new ServerRequestError(other.map((e) => e.message).join('; '), 'graphql', 200, other);
    }
    if (run.tests.length === 0) return { problems: run.problems, tests: 0, failed: false };
    return {
      problems: run.problems,
      tests: run.tests.length,
      failed: run.tests.some((t) => t.status === 'FAILED'),
      ...(run.report === undefined ? {} : { report: run.report }),
      ...(run.jsonLines === undefined ? {} : { jsonLines: run.jsonLines }),
      ...(run.junitXml === undefined ? {} : { junitXml: run.junitXml }),
      ...(!request.store
        ? {}
        : storeErrors.length > 0 || run.runId === null
          ? {
              stored: {
                error: `the server did not store them: ${storeErrors.map((e) => e.message).join('; ') || 'no run id'}`,
              },
            }
          : { stored: { runId: run.runId } }),
    };
  }

  async close(): Promise<void> {
    // Nothing held: each request is its own.
  }
}
