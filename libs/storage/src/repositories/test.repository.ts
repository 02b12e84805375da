import type { ClickHouseClient } from '@clickhouse/client';
import { currentTenant } from '@t2t/wire';
import type { ClickHouseHandle } from '../clickhouse.factory';

export interface StoredTest {
  testId: string;
  endpoint: string;
  fingerprint: string;
  rule: string;
  /** 'behaviour' | 'rule' | 'journey' */
  kind: string;
  /** 'deterministic' | 'llm' */
  generator: string;
  name: string;
  modelHash: string;
  modelVersion: number;
  generationRunId: string;
  /** 'verified' | 'rejected' */
  verdict: string;
  assertionsKept: number;
  assertionsDropped: number;
  /** TestSpec as JSON (with its verification and provenance). */
  spec: string;
  jestFile: string;
  tracetestYaml: string;
  createdAt: string;
  retired: boolean;
}

export interface GenerationRun {
  runId: string;
  /** 'schedule' | 'manual' | 'startup' */
  trigger: string;
  /** 'running' | 'succeeded' | 'failed' | 'skipped' */
  status: string;
  instance: string;
  modelVersion: number;
  modelHash: string;
  endpoints: string[];
  testsGenerated: number;
  testsKept: number;
  testsRejected: number;
  assertionsDropped: number;
  error: string;
  startedAt: string;
  finishedAt: string | null;
}

export interface TestExecution {
  runId: string;
  testId: string;
  /** 'live' | 'stored' */
  mode: string;
  target: string;
  traceId: string;
  passed: boolean;
  failures: number;
  /** Structured report as JSON. */
  report: string;
  durationMs: number;
  startedAt: string;
}

/** Optional filters on tests; each given one must hold. */
export interface TestFilter {
  /** 'verified' | 'rejected' */
  verdict?: string;
  /** 'behaviour' | 'rule' | 'journey' */
  kind?: string;
  /** 'deterministic' | 'llm' */
  generator?: string;
}

/** The TestFilter conditions; '' (the parameter's default) means no filter. */
const TEST_FILTER = `({verdict:String} = '' OR verdict = {verdict:String})
          AND ({kind:String} = '' OR kind = {kind:String})
          AND ({generator:String} = '' OR generator = {generator:String})`;

const filterParams = (f: TestFilter) => ({
  verdict: f.verdict ?? '',
  kind: f.kind ?? '',
  generator: f.generator ?? '',
});

/** Columns of a generation run as toGenerationRun reads them (times as text, exact). */
const RUN_COLUMNS = `run_id, trigger, status, instance, model_version, model_hash, endpoints, tests_generated, tests_kept,
               tests_rejected, assertions_dropped, error, toString(r.started_at) AS started_text,
               if(isNull(r.finished_at), NULL, toString(r.finished_at)) AS finished_text`;

const nowText = () => new Date().toISOString().replace('T', ' ').replace('Z', '');

/**
 * All SQL on the tests, generation_runs and test_runs tables (migration 005). Reads see the
 * current tenant's rows only; writes go to the current tenant.
 */
export class TestRepository {
  private readonly client: ClickHouseClient;
  private readonly db: string;

  constructor(handle: ClickHouseHandle) {
    this.client = handle.client;
    this.db = handle.database;
  }

  async saveTests(tests: readonly StoredTest[]): Promise<void> {
    if (tests.length === 0) return;
    const tenant = currentTenant();
    await this.client.insert({
      table: `${this.db}.tests`,
      format: 'JSONEachRow',
      values: tests.map((t) => ({
        test_id: t.testId,
        endpoint: t.endpoint,
        fingerprint: t.fingerprint,
        rule: t.rule,
        kind: t.kind,
        generator: t.generator,
        name: t.name,
        model_hash: t.modelHash,
        model_version: t.modelVersion,
        generation_run_id: t.generationRunId,
        verdict: t.verdict,
        assertions_kept: t.assertionsKept,
        assertions_dropped: t.assertionsDropped,
        spec: t.spec,
        jest_file: t.jestFile,
        tracetest_yaml: t.tracetestYaml,
        created_at: t.createdAt,
        retired: t.retired ? 1 : 0,
        tenant,
      })),
    });
  }

  /**
   * Current (latest, not retired) tests, in (endpoint, test id) order, after a keyset position;
   * `endpoints`, `verdict`, `kind` and `generator` filter.
   */
  async currentTests(
    query: {
      limit: number;
      after?: { endpoint: string; testId: string };
      endpoints?: string[];
    } & TestFilter,
  ): Promise<StoredTest[]> {
    const rs = await this.client.query({
      query: `
        SELECT * FROM {db:Identifier}.tests FINAL
        WHERE tenant = {tenant:String} AND retired = 0
          AND (length({endpoints:Array(String)}) = 0 OR has({endpoints:Array(String)}, endpoint))
          AND ${TEST_FILTER}
          AND (endpoint, test_id) > ({afterEndpoint:String}, {afterTestId:String})
        ORDER BY endpoint, test_id
        LIMIT {limit:UInt32}`,
      query_params: {
        db: this.db,
        endpoints: query.endpoints ?? [],
        ...filterParams(query),
        afterEndpoint: query.after?.endpoint ?? '',
        afterTestId: query.after?.testId ?? '',
        limit: query.limit,
        tenant: currentTenant(),
      },
      format: 'JSONEachRow',
    });
    return (await rs.json<Record<string, string | number>>()).map(toStoredTest);
  }

  /**
   * One page of current tests for each of several endpoints, in one query: up to
   * `limitPerEndpoint` tests of each endpoint in test id order, after that endpoint's own
   * `afterTestId` ('' for its first page). For listing the tests of a page of endpoints without
   * a query per endpoint. An endpoint may appear once.
   */
  async currentTestsOfEndpoints(
    query: {
      pages: readonly { endpoint: string; afterTestId: string }[];
      limitPerEndpoint: number;
    } & TestFilter,
  ): Promise<StoredTest[]> {
    if (query.pages.length === 0 || query.limitPerEndpoint <= 0) return [];
    const rs = await this.client.query({
      // indexOf finds the endpoint's own cursor in the parallel array (every endpoint is listed).
      query: `
        SELECT * FROM {db:Identifier}.tests FINAL
        WHERE tenant = {tenant:String} AND retired = 0
          AND has({endpoints:Array(String)}, endpoint)
          AND ${TEST_FILTER}
          AND test_id > arrayElement({afters:Array(String)}, indexOf({endpoints:Array(String)}, endpoint))
        ORDER BY endpoint, test_id
        LIMIT {limit:UInt32} BY endpoint`,
      query_params: {
        db: this.db,
        endpoints: query.pages.map((p) => p.endpoint),
        afters: query.pages.map((p) => p.afterTestId),
        ...filterParams(query),
        limit: query.limitPerEndpoint,
        tenant: currentTenant(),
      },
      format: 'JSONEachRow',
    });
    return (await rs.json<Record<string, string | number>>()).map(toStoredTest);
  }

  async testsByIds(ids: readonly string[]): Promise<StoredTest[]> {
    if (ids.length === 0) return [];
    const rs = await this.client.query({
      query: `SELECT * FROM {db:Identifier}.tests FINAL
              WHERE tenant = {tenant:String} AND test_id IN {ids:Array(String)} AND retired = 0`,
      query_params: { db: this.db, ids, tenant: currentTenant() },
      format: 'JSONEachRow',
    });
    return (await rs.json<Record<string, string | number>>()).map(toStoredTest);
  }

  /** Marks the current tests of `endpoints` that are not in `keep` as retired (their behaviour or rule is gone). */
  async retireTests(endpoints: readonly string[], keep: ReadonlySet<string>): Promise<number> {
    if (endpoints.length === 0) return 0;
    const current = await this.currentTests({ limit: 100_000, endpoints: [...endpoints] });
    const retired = current
      .filter((t) => !keep.has(t.testId))
      .map((t) => ({ ...t, retired: true, createdAt: nowText() }));
    await this.saveTests(retired);
    return retired.length;
  }

  async saveRun(run: GenerationRun): Promise<void> {
    await this.client.insert({
      table: `${this.db}.generation_runs`,
      format: 'JSONEachRow',
      values: [
        {
          run_id: run.runId,
          trigger: run.trigger,
          status: run.status,
          instance: run.instance,
          model_version: run.modelVersion,
          model_hash: run.modelHash,
          endpoints: run.endpoints,
          tests_generated: run.testsGenerated,
          tests_kept: run.testsKept,
          tests_rejected: run.testsRejected,
          assertions_dropped: run.assertionsDropped,
          error: run.error,
          started_at: run.startedAt,
          finished_at: run.finishedAt,
          updated_at: nowText(),
          tenant: currentTenant(),
        },
      ],
    });
  }

  /** Newest first, paged by start time. */
  async runs(limit: number, beforeStartedAt?: string): Promise<GenerationRun[]> {
    const rs = await this.client.query({
      query: `
        SELECT ${RUN_COLUMNS}
        FROM {db:Identifier}.generation_runs AS r FINAL
        WHERE r.tenant = {tenant:String} AND r.started_at < toDateTime64({before:String}, 3)
        ORDER BY r.started_at DESC, run_id DESC
        LIMIT {limit:UInt32}`,
      query_params: {
        db: this.db,
        limit,
        before: beforeStartedAt ?? '2999-12-31 00:00:00.000',
        tenant: currentTenant(),
      },
      format: 'JSONEachRow',
    });
    return (await rs.json<Record<string, unknown>>()).map(toGenerationRun);
  }

  /**
   * Newest first, keyset-paged on (start time, run id): unlike `runs`, two runs started in the
   * same millisecond are neither skipped nor repeated between pages, and runs started while a
   * client pages (always newer) do not shift the pages it has not read yet.
   */
  async runsPage(
    limit: number,
    before?: { startedAt: string; runId: string },
  ): Promise<GenerationRun[]> {
    const rs = await this.client.query({
      query: `
        SELECT ${RUN_COLUMNS}
        FROM {db:Identifier}.generation_runs AS r FINAL
        WHERE r.tenant = {tenant:String}
          AND ({hasBefore:UInt8} = 0
            OR (r.started_at, run_id) < (toDateTime64({beforeStartedAt:String}, 3), {beforeRunId:String}))
        ORDER BY r.started_at DESC, run_id DESC
        LIMIT {limit:UInt32}`,
      query_params: {
        db: this.db,
        limit,
        hasBefore: before ? 1 : 0,
        beforeStartedAt: before?.startedAt ?? '1970-01-01 00:00:00.000',
        beforeRunId: before?.runId ?? '',
        tenant: currentTenant(),
      },
      format: 'JSONEachRow',
    });
    return (await rs.json<Record<string, unknown>>()).map(toGenerationRun);
  }

  /** The given runs in their latest state (one query); unknown ids are left out. */
  async runsByIds(ids: readonly string[]): Promise<GenerationRun[]> {
    if (ids.length === 0) return [];
    const rs = await this.client.query({
      query: `
        SELECT ${RUN_COLUMNS}
        FROM {db:Identifier}.generation_runs AS r FINAL
        WHERE r.tenant = {tenant:String} AND run_id IN {ids:Array(String)}`,
      query_params: { db: this.db, ids, tenant: currentTenant() },
      format: 'JSONEachRow',
    });
    return (await rs.json<Record<string, unknown>>()).map(toGenerationRun);
  }

  /** The model hash the last successful run generated from (undefined before the first). */
  async lastGeneratedModelHash(): Promise<string | undefined> {
    const rs = await this.client.query({
      query: `SELECT model_hash FROM {db:Identifier}.generation_runs FINAL
              WHERE tenant = {tenant:String} AND status = 'succeeded'
              ORDER BY started_at DESC LIMIT 1`,
      query_params: { db: this.db, tenant: currentTenant() },
      format: 'JSONEachRow',
    });
    const [row] = await rs.json<{ model_hash: string }>();
    return row?.model_hash;
  }

  async saveExecutions(executions: readonly TestExecution[]): Promise<void> {
    if (executions.length === 0) return;
    const tenant = currentTenant();
    await this.client.insert({
      table: `${this.db}.test_runs`,
      format: 'JSONEachRow',
      values: executions.map((e) => ({
        run_id: e.runId,
        test_id: e.testId,
        mode: e.mode,
        target: e.target,
        trace_id: e.traceId,
        passed: e.passed ? 1 : 0,
        failures: e.failures,
        report: e.report,
        duration_ms: e.durationMs,
        started_at: e.startedAt,
        tenant,
      })),
    });
  }

  /** Latest executions of the given tests, newest first (one query for all of them). */
  /** Every execution of one test run (a `t2t test run` or `test verify`), in test order. */
  async executionsOfRun(runId: string, limit = 10_000): Promise<TestExecution[]> {
    const rs = await this.client.query({
      query: `
        SELECT run_id, test_id, mode, target, trace_id, passed, failures, report, duration_ms, toString(started_at) AS started_at
        FROM {db:Identifier}.test_runs FINAL
        WHERE tenant = {tenant:String} AND run_id = {run:String}
        ORDER BY test_id, started_at
        LIMIT {n:UInt32}`,
      query_params: { db: this.db, run: runId, n: limit, tenant: currentTenant() },
      format: 'JSONEachRow',
    });
    return (await rs.json<Record<string, string | number>>()).map(toExecution);
  }

  /**
   * Test runs (`t2t test run`, `test verify`, `verifyTests`) summed over their executions, newest
   * first, keyset-paged on (first start, run id) like `runsPage`.
   */
  async testRunsPage(
    limit: number,
    before?: { startedAt: string; runId: string },
  ): Promise<TestRunSummary[]> {
    const rs = await this.client.query({
      query: `
        SELECT run_id, any(mode) AS run_mode, any(target) AS run_target,
               toString(min(started_at)) AS first_started_at,
               countIf(passed = 1) AS passed_n, countIf(passed = 0) AS failed_n
        FROM {db:Identifier}.test_runs FINAL
        WHERE tenant = {tenant:String}
        GROUP BY run_id
        HAVING {hasBefore:UInt8} = 0
            OR (min(started_at), run_id) < (toDateTime64({beforeStartedAt:String}, 3), {beforeRunId:String})
        ORDER BY min(started_at) DESC, run_id DESC
        LIMIT {limit:UInt32}`,
      query_params: {
        db: this.db,
        limit,
        hasBefore: before ? 1 : 0,
        beforeStartedAt: before?.startedAt ?? '1970-01-01 00:00:00.000',
        beforeRunId: before?.runId ?? '',
        tenant: currentTenant(),
      },
      format: 'JSONEachRow',
    });
    return (await rs.json<Record<string, string | number>>()).map((r) => ({
      runId: String(r.run_id),
      mode: String(r.run_mode),
      target: String(r.run_target),
      startedAt: String(r.first_started_at),
      passed: Number(r.passed_n),
      failed: Number(r.failed_n),
    }));
  }

  async executionsFor(testIds: readonly string[], limitPerTest = 20): Promise<TestExecution[]> {
    if (testIds.length === 0) return [];
    const rs = await this.client.query({
      query: `
        SELECT run_id, test_id, mode, target, trace_id, passed, failures, report, duration_ms, toString(started_at) AS started_at
        FROM {db:Identifier}.test_runs FINAL
        WHERE tenant = {tenant:String} AND test_id IN {ids:Array(String)}
        ORDER BY test_id, started_at DESC
        LIMIT {n:UInt32} BY test_id`,
      query_params: { db: this.db, ids: testIds, n: limitPerTest, tenant: currentTenant() },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<Record<string, string | number>>();
    return rows.map(toExecution);
  }
}

/** A test run summed over its executions (`testRunsPage`). */
export interface TestRunSummary {
  runId: string;
  mode: string;
  target: string;
  /** Its first execution's start, ClickHouse DateTime64(3) text (UTC). */
  startedAt: string;
  passed: number;
  failed: number;
}

function toExecution(r: Record<string, string | number>): TestExecution {
  return {
    runId: String(r.run_id),
    testId: String(r.test_id),
    mode: String(r.mode),
    target: String(r.target),
    traceId: String(r.trace_id),
    passed: Number(r.passed) === 1,
    failures: Number(r.failures),
    report: String(r.report),
    durationMs: Number(r.duration_ms),
    startedAt: String(r.started_at),
  };
}

function toStoredTest(r: Record<string, string | number>): StoredTest {
  return {
    testId: String(r.test_id),
    endpoint: String(r.endpoint),
    fingerprint: String(r.fingerprint),
    rule: String(r.rule),
    kind: String(r.kind),
    generator: String(r.generator),
    name: String(r.name),
    modelHash: String(r.model_hash),
    modelVersion: Number(r.model_version),
    generationRunId: String(r.generation_run_id),
    verdict: String(r.verdict),
    assertionsKept: Number(r.assertions_kept),
    assertionsDropped: Number(r.assertions_dropped),
    spec: String(r.spec),
    jestFile: String(r.jest_file),
    tracetestYaml: String(r.tracetest_yaml),
    createdAt: String(r.created_at),
    retired: Number(r.retired) === 1,
  };
}

function toGenerationRun(r: Record<string, unknown>): GenerationRun {
  return {
    runId: String(r.run_id),
    trigger: String(r.trigger),
    status: String(r.status),
    instance: String(r.instance),
    modelVersion: Number(r.model_version),
    modelHash: String(r.model_hash),
    endpoints: r.endpoints as string[],
    testsGenerated: Number(r.tests_generated),
    testsKept: Number(r.tests_kept),
    testsRejected: Number(r.tests_rejected),
    assertionsDropped: Number(r.assertions_dropped),
    error: String(r.error),
    startedAt: String(r.started_text),
    finishedAt: r.finished_text === null ? null : (r.finished_text as string),
  };
}
