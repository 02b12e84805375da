import type { EndpointTimings, TraceSource } from '@t2t/runner';
import type { TestExecution } from '@t2t/storage';
import type { TestSpec } from '@t2t/testgen';

/** What `test verify` asks a backend for. */
export interface VerifyRequest {
  /** Specs to verify (spec files); undefined: the current verified tests in storage. */
  specs?: TestSpec[];
  /** Only these endpoints' tests; [] = all. */
  endpoints: string[];
  /** The period, Unix ms: traces that started in [fromMs, toMs). */
  fromMs: number;
  toMs: number;
  maxTracesPerEndpoint: number;
  store: boolean;
  /** Which documents to render: the console report (with `show` failing traces per test), the JSON Lines, the JUnit XML. */
  report: boolean;
  show: number;
  jsonLines: boolean;
  junit: boolean;
}

/** What a verification produced, rendered: the command prints and writes it the same in every mode. */
export interface VerifyOutput {
  /** Stored tests that could not be read (left out). */
  problems: string[];
  /** Tests verified; 0 means there was nothing to verify (nothing rendered or stored). */
  tests: number;
  /** Some test failed on some trace. */
  failed: boolean;
  report?: string;
  jsonLines?: string;
  junitXml?: string;
  /** With `store`: the run id the executions were stored under, or why they were not. */
  stored?: { runId: string } | { error: string };
}

/** A request the backend refuses as a usage error (exit code 2), e.g. an unknown endpoint. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Where `test run` and `test verify` read traces, tests and timings and store their results: the
 * ClickHouse database itself (direct), or a running trace2test through its GraphQL API (server),
 * for when the server owns the embedded store and no other process can open it. Both run the same
 * libs/runner code on the same data, so a command's output does not depend on the mode.
 */
export interface TestBackend {
  readonly mode: 'direct' | 'server';
  /** Where the data is, for messages (`ClickHouse embedded (./data/chdb)`, the server's URL). */
  readonly location: string;
  traceSource(): TraceSource;
  endpointTimings(): EndpointTimings;
  /** The current verified tests (their latest versions), invalid ones reported and left out. */
  storedSpecs(endpoints: readonly string[]): Promise<{ specs: TestSpec[]; problems: string[] }>;
  /** Stores a live run's executions (test_runs). */
  saveExecutions(runId: string, executions: readonly TestExecution[]): Promise<void>;
  verify(request: VerifyRequest): Promise<VerifyOutput>;
  close(): Promise<void>;
}

/**
 * Refuses an endpoint that no test to verify is of and the latest model does not have: a
 * misspelt `--endpoint` would otherwise verify nothing and pass. The server answers the same
 * check with BAD_USER_INPUT (apps/generator stored-verification.service.ts).
 */
export function unknownEndpointError(
  endpoint: string,
  latestVersion: number | undefined,
): UsageError {
  return new UsageError(
    `unknown endpoint ${JSON.stringify(endpoint)}: no test to verify is of it, and it is not in ` +
      (latestVersion === undefined
        ? 'any model (none has been built yet)'
        : `the latest model (version ${latestVersion})`),
  );
}
