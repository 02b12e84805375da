import { Logger } from '@nestjs/common';
import type { ModelSpan, SystemModel } from '@t2t/model';
import { modelHash } from '@t2t/model';
import { fingerprintOf, StoredTraceVerifier } from '@t2t/runner';
import { ModelRepository, SpanRepository, type StoredTest, TestRepository } from '@t2t/storage';
import type { TestSpec } from '@t2t/testgen';
import {
  eventually,
  freshStorageConfig,
  type RunningService,
  startTestService,
} from '@t2t/test-support';
import {
  fakeShopSpecs,
  type FakeShop,
  startFakeShop,
  toSpanRow,
} from '../../../libs/runner/test/fake-shop.target';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { parse } from 'graphql';
import { operationComplexity } from '../src/graphql/limits/query-limits.plugin';
import { generatorEnv } from '../src/generator.env';
import { GeneratorModule } from '../src/generator.module';

/*
 * What `t2t test verify` and `t2t test run` need from a running server, over HTTP: the
 * `verifyTests` mutation on stored production traces (a fake instrumented shop writes what an SDK
 * and the pipeline would store), `recordTestExecutions`, `traceSpanCount` and `endpointTimings`.
 * The generator app runs in-process on a fresh embedded ClickHouse, which it owns, as the
 * all-in-one server does.
 */

const KEY = 'k-verify-api-0123456789abcdef';
const ORDERS = 'shop|HTTP POST /orders';
const READS = 'shop|HTTP GET /orders/{id}';

interface GqlError {
  message: string;
  path?: (string | number)[];
  extensions: Record<string, unknown> & { code: string };
}

const VERIFY = `mutation Verify(
  $since: String!, $until: String, $endpoint: String, $endpoints: [String!], $max: Int,
  $store: Boolean, $specs: [JSON!]
) {
  verifyTests(since: $since, until: $until, endpoint: $endpoint, endpoints: $endpoints,
              maxTracesPerEndpoint: $max, store: $store, specs: $specs) {
    runId from to traceCount passed failed skipped durationMs problems
    tests {
      testId name endpoint kind status traces failedTraces reasons { reason traces }
      failures(first: 5) { traceId reason report failed { id path description expected found } }
    }
    findings { endpoint finding traces exampleTraceId }
    uncovered { endpoint finding traces exampleTraceId }
    traces(first: 100) {
      traceId endpoint fingerprint knownBehaviour findings passed
      tests { testId name kind reason passed failed { id path description expected found } }
    }
    report
    jsonLines
    junitXml
  }
}`;

describe('GraphQL API for test runs and verification (verifyTests, recordTestExecutions)', () => {
  const specs = fakeShopSpecs();
  let storage: ReturnType<typeof freshStorageConfig>;
  let service: RunningService;
  let url: string;
  let shop: FakeShop;
  /** Every batch the shop exported (one per request), as stored. */
  const exported: ModelSpan[][] = [];
  let healthyFrom: string;
  let healthyTo: string;

  async function post(
    query: string,
    variables: Record<string, unknown> = {},
    headers: Record<string, string> = { authorization: `Bearer ${KEY}` },
  ): Promise<{ status: number; data: any; errors: GqlError[] | undefined }> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: unknown; errors?: GqlError[] };
    return { status: res.status, data: body.data, errors: body.errors };
  }

  async function query(q: string, variables: Record<string, unknown> = {}): Promise<any> {
    const answer = await post(q, variables);
    expect(answer.errors).toBeUndefined();
    expect(answer.status).toBe(200);
    return answer.data;
  }

  /** The BAD_USER_INPUT a request is refused with (HTTP 200, no data). */
  async function refusal(q: string, variables: Record<string, unknown>): Promise<GqlError> {
    const answer = await post(q, variables);
    expect(answer.status).toBe(200);
    expect(answer.data).toBeNull();
    expect(answer.errors).toHaveLength(1);
    expect(answer.errors![0].extensions.code).toBe('BAD_USER_INPUT');
    return answer.errors![0];
  }

  /** Production traffic (no traceparent), waited for until every request's spans are stored. */
  async function traffic(orders: number, reads: boolean): Promise<void> {
    const before = exported.length;
    let requests = 0;
    for (let i = 0; i < orders; i++) {
      const res = await fetch(`${shop.url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: { id: 7, likes_potatoes: i % 2 === 0 }, cart: { items: 2 } }),
      });
      const { id } = (await res.json()) as { id: number };
      requests++;
      if (reads) {
        await (await fetch(`${shop.url}/orders/${id}`)).text();
        requests++;
      }
    }
    await eventually(
      () => exported.length >= before + requests,
      `the spans of ${requests} requests stored`,
      60_000,
    );
  }

  beforeAll(async () => {
    storage = freshStorageConfig();
    service = await startTestService(
      GeneratorModule.forRoot(
        generatorEnv.parse({
          CLICKHOUSE_DATA_PATH: storage.config.dataPath,
          HTTP_PORT: '0',
          GRAPHQL_API_KEYS: KEY,
          GENERATOR_SCHEDULE: 'off',
          GENERATOR_RUN_ON_START: 'false',
        }),
      ),
    );
    url = `${service.baseUrl}/graphql`;
    const spans = service.app.get(SpanRepository);
    shop = await startFakeShop({
      sink: async (batch) => {
        await spans.insert(batch.map((s) => toSpanRow(s)));
        exported.push(batch);
      },
      exportDelayMs: 20,
    });
    await service.app.get(TestRepository).saveTests(Object.values(specs).map(stored));

    healthyFrom = new Date(Date.now() - 1000).toISOString();
    await traffic(6, true);
    healthyTo = new Date(Date.now() + 1).toISOString();

    // The model knows the healthy structures (the real fingerprints, not the specs' labels).
    const fingerprint = (entry: (s: ModelSpan) => boolean) => {
      const batch = exported.find((b) => b.some((s) => s.parentSpanId === '' && entry(s)))!;
      return fingerprintOf({ traceId: batch[0].traceId, spans: batch }).hash;
    };
    const likes = fingerprint(
      (s) => s.name === 'POST /orders' && s.attributes['user.likes_potatoes'] === 'true',
    );
    const plain = fingerprint(
      (s) => s.name === 'POST /orders' && s.attributes['user.likes_potatoes'] === 'false',
    );
    const read = fingerprint((s) => s.name === 'GET /orders/{id}');
    await saveModel([
      [ORDERS, likes],
      [ORDERS, plain],
      [READS, read],
    ]);
  });

  afterAll(async () => {
    await shop?.close();
    await service?.close();
    storage?.cleanup();
  });

  afterEach(() => jest.restoreAllMocks());

  async function saveModel(behaviours: [string, string][]): Promise<void> {
    const model: SystemModel = {
      services: [{ name: 'shop', endpoints: [ORDERS, READS] }],
      endpoints: [ORDERS, READS].map((key) => ({
        key,
        service: 'shop',
        kind: 'http' as const,
        entry: true,
        traces: 6,
        behaviours: behaviours.filter(([e]) => e === key).map(([, f]) => f),
      })),
      entities: [],
      edges: [],
      behaviours: behaviours.map(([endpoint, fingerprint]) => ({
        endpoint,
        fingerprint,
        share: 0.5,
        traces: 3,
        errorRate: 0,
        p50Us: 10_000,
        p95Us: 10_000,
        representativeTraceId: undefined,
        edges: [],
      })),
      rules: [],
    };
    await service.app.get(ModelRepository).saveVersion(
      {
        modelHash: modelHash(model),
        version: 1,
        createdAt: '2026-11-25 09:00:00.000',
        model: JSON.stringify(model),
        counts: {
          services: 1,
          endpoints: 2,
          entities: 0,
          edges: 0,
          behaviours: behaviours.length,
          rules: 0,
        },
      },
      undefined,
    );
  }

  describe('verifyTests', () => {
    it('verifies the stored tests on the period’s production traces, typed, rendered and stored under its run id', async () => {
      const { verifyTests: run } = await query(VERIFY, { since: healthyFrom, until: healthyTo });
      expect(run).toMatchObject({
        from: healthyFrom,
        to: healthyTo,
        traceCount: 12,
        passed: 3,
        failed: 0,
        skipped: 0,
        problems: [],
        findings: [],
        // No behaviour test selects the reads (the journey's are judged as a journey) or the
        // orders of users who do not like potatoes.
        uncovered: [
          { endpoint: READS, finding: 'UNCOVERED', traces: 6 },
          { endpoint: ORDERS, finding: 'UNCOVERED', traces: 3 },
        ],
      });
      expect(run.runId).toMatch(/^[0-9a-f-]{36}$/);
      const byId = new Map(run.tests.map((t: any) => [t.testId, t]));
      expect(byId.get(specs.order.id)).toMatchObject({
        name: specs.order.name,
        endpoint: ORDERS,
        kind: 'BEHAVIOUR',
        status: 'PASSED',
        traces: 3,
        failedTraces: 0,
        failures: [],
      });
      expect(byId.get(specs.rule.id)).toMatchObject({
        kind: 'RULE',
        status: 'PASSED',
        traces: 6,
        reasons: [{ reason: 'RULE', traces: 6 }],
      });
      expect(byId.get(specs.journey.id)).toMatchObject({ kind: 'JOURNEY', traces: 6 });

      // Per trace: every trace once, each with the tests that judged it, known to the model.
      expect(run.traces).toHaveLength(12);
      for (const t of run.traces) {
        expect(t).toMatchObject({ passed: true, knownBehaviour: true });
        expect(t.traceId).toMatch(/^[0-9a-f]{32}$/);
        expect(t.fingerprint).not.toBe('');
      }
      const likesTrace = run.traces.find((t: any) =>
        t.tests.some((v: any) => v.testId === specs.order.id),
      );
      expect(likesTrace).toMatchObject({ endpoint: ORDERS, findings: [] });
      expect(likesTrace.tests).toEqual(
        expect.arrayContaining([
          {
            testId: specs.order.id,
            name: specs.order.name,
            kind: 'BEHAVIOUR',
            // The spec's behaviour is a label, not the trace's fingerprint: it accepts the structure.
            reason: 'STRUCTURE',
            passed: true,
            failed: [],
          },
          expect.objectContaining({ testId: specs.rule.id, reason: 'RULE', passed: true }),
        ]),
      );
      expect(run.traces.filter((t: any) => t.findings.includes('UNCOVERED'))).toHaveLength(9);

      // The documents the CLI writes: one JSON line per trace, the same facts as the typed list.
      const lines = run.jsonLines
        .trimEnd()
        .split('\n')
        .map((l: string) => JSON.parse(l));
      expect(lines).toHaveLength(12);
      expect(lines.map((l: any) => l.traceId)).toEqual(run.traces.map((t: any) => t.traceId));
      expect(lines.find((l: any) => l.traceId === likesTrace.traceId)).toEqual({
        traceId: likesTrace.traceId,
        endpoint: ORDERS,
        fingerprint: likesTrace.fingerprint,
        knownBehaviour: true,
        findings: [],
        passed: true,
        tests: expect.arrayContaining([
          {
            testId: specs.order.id,
            name: specs.order.name,
            kind: 'behaviour',
            reason: 'structure',
            passed: true,
            failed: [],
          },
        ]),
      });
      expect(run.report).toContain(`✓ [${specs.order.id}] ${specs.order.name}: 3 trace(s) pass`);
      expect(run.report).toMatch(
        /verified 3 test\(s\) on 12 stored trace\(s\) of .*: 3 passed, 0 failed, 0 without traces/,
      );
      expect(run.junitXml).toMatch(/<testsuites name="trace2test test verify" tests="3"/);

      const { testRun } = await query(
        `query ($runId: String!) { testRun(runId: $runId) { runId passed failed executions { testId mode passed failures target } } }`,
        { runId: run.runId },
      );
      expect(testRun).toMatchObject({ runId: run.runId, passed: 3, failed: 0 });
      expect(testRun.executions.map((e: any) => e.testId).sort()).toEqual(
        Object.values(specs)
          .map((s) => s.id)
          .sort(),
      );
      for (const e of testRun.executions) {
        expect(e).toMatchObject({ mode: 'STORED', passed: true, failures: 0 });
        expect(e.target).toBe(`stored ${healthyFrom} .. ${healthyTo}`);
      }
    });

    it('names the failing traces with their failed assertions, and reports the structure the model does not know', async () => {
      shop.faults.dropDbWrite = true;
      const since = new Date(Date.now() - 1).toISOString();
      try {
        await traffic(4, false);
      } finally {
        shop.faults.dropDbWrite = false;
      }
      const until = new Date(Date.now() + 1).toISOString();
      const { verifyTests: run } = await query(VERIFY, {
        since,
        until,
        endpoint: ORDERS,
        store: false,
      });
      expect(run).toMatchObject({ runId: null, traceCount: 4, passed: 1, failed: 1 });
      const order = run.tests.find((t: any) => t.testId === specs.order.id);
      expect(order).toMatchObject({ status: 'FAILED', traces: 2, failedTraces: 2 });
      expect(order.failures).toHaveLength(2);
      for (const f of order.failures) {
        expect(f.reason).toBe('UNKNOWN_BEHAVIOUR');
        expect(f.failed).toEqual([
          {
            id: 'a1',
            path: '$.assertions[0]',
            description: 'writes the order (db postgresql INSERT orders)',
            expected:
              'a span matching {service=shop kind=client semantic="db postgresql INSERT orders"}',
            found: expect.stringContaining('no such span'),
          },
        ]);
        expect(f.report).toContain('✗ writes the order (db postgresql INSERT orders) [a1]');
      }
      // A failing trace's spans, through the trace it names.
      const { verifyTests: withSpans } = await query(
        `mutation ($since: String!, $until: String!) { verifyTests(since: $since, until: $until, store: false) {
          tests { failures(first: 1) { trace { spans { name service } } } }
        } }`,
        { since, until },
      );
      const [failure] = withSpans.tests.flatMap((t: any) => t.failures);
      expect(failure.trace.spans.map((s: any) => s.name).sort()).toEqual([
        'POST /orders',
        'POST /potatoes',
      ]);
      expect(run.findings).toEqual([
        {
          endpoint: ORDERS,
          finding: 'UNKNOWN_BEHAVIOUR',
          traces: 2,
          exampleTraceId: order.failures[0].traceId,
        },
      ]);
      const failing = run.traces.filter((t: any) => !t.passed);
      expect(failing.map((t: any) => t.traceId).sort()).toEqual(
        order.failures.map((f: any) => f.traceId).sort(),
      );
      for (const t of failing) {
        expect(t).toMatchObject({ knownBehaviour: false, findings: ['UNKNOWN_BEHAVIOUR'] });
      }
      expect(run.report).toContain(
        `✗ [${specs.order.id}] ${specs.order.name}: 2 of 2 trace(s) fail`,
      );
      expect(run.report).toMatch(
        /! 2 trace\(s\) of shop\|HTTP POST \/orders have a structure no known behaviour has/,
      );

      // Only the failing ones, when asked; nothing stored with store: false.
      const { verifyTests: only } = await query(
        `mutation ($since: String!) { verifyTests(since: $since, until: "0s", endpoint: "${ORDERS}", store: false) {
          runId traces(failedOnly: true) { traceId passed }
        } }`,
        { since },
      );
      expect(only.runId).toBeNull();
      expect(only.traces.map((t: any) => t.traceId).sort()).toEqual(
        failing.map((t: any) => t.traceId).sort(),
      );
    });

    it('verifies given specs instead of the stored tests', async () => {
      const { verifyTests: run } = await query(
        `mutation ($since: String!, $until: String!, $specs: [JSON!]) {
          verifyTests(since: $since, until: $until, specs: $specs, store: false) {
            traceCount tests { testId status traces }
          }
        }`,
        { since: healthyFrom, until: healthyTo, specs: [specs.order] },
      );
      expect(run).toEqual({
        traceCount: 6,
        tests: [{ testId: specs.order.id, status: 'PASSED', traces: 3 }],
      });
    });

    it('keeps per-trace judgements only when per-trace results are selected', async () => {
      const verify = jest.spyOn(StoredTraceVerifier.prototype, 'verify');
      await query(
        `mutation ($since: String!, $until: String!) { verifyTests(since: $since, until: $until, store: false) { traceCount report } }`,
        { since: healthyFrom, until: healthyTo },
      );
      await query(
        `mutation ($since: String!, $until: String!, $lines: Boolean!) {
          verifyTests(since: $since, until: $until, store: false) { ...lines }
        }
        fragment lines on VerifyRun { jsonLines @include(if: $lines) }`,
        { since: healthyFrom, until: healthyTo, lines: true },
      );
      expect(verify.mock.calls.map(([, options]) => options.keepJudgements)).toEqual([false, true]);
    });

    it('refuses bad times, an empty period, unknown endpoints, bad limits and invalid specs with BAD_USER_INPUT', async () => {
      const verify = jest.spyOn(StoredTraceVerifier.prototype, 'verify');
      const saved = jest.spyOn(service.app.get(TestRepository), 'saveExecutions');
      const cases: [Record<string, unknown>, string, RegExp][] = [
        [{ since: 'yesterday' }, 'since', /^since: "yesterday" is neither a duration/],
        [{ since: '1h', until: 'soon' }, 'until', /^until: "soon" is neither a duration/],
        [{ since: '2026-13-45T00:00:00Z' }, 'since', /is not an ISO 8601 time/],
        [{ since: '5m', until: '10m' }, 'since', /^the period is empty: since 5m/],
        [{ since: healthyTo, until: healthyTo }, 'since', /^the period is empty/],
        [
          { since: '1h', endpoint: 'shop|HTTP DELETE /orders' },
          'endpoint',
          /^unknown endpoint "shop\|HTTP DELETE \/orders": no test to verify is of it, and it is not in the latest model \(version 1\)$/,
        ],
        [
          { since: '1h', endpoints: [READS, 'shop|GET /x'] },
          'endpoints',
          /^unknown endpoint "shop\|GET \/x"/,
        ],
        [{ since: '1h', max: 0 }, 'maxTracesPerEndpoint', /between 1 and 1000/],
        [{ since: '1h', max: 1001 }, 'maxTracesPerEndpoint', /between 1 and 1000/],
        [{ since: '1h', specs: [{ id: 'x' }] }, 'specs', /^specs\[0\] is not a valid spec: /],
      ];
      for (const [variables, argument, message] of cases) {
        const error = await refusal(VERIFY, variables);
        expect({ variables, message: error.message, argument: error.extensions.argument }).toEqual({
          variables,
          message: expect.stringMatching(message),
          argument,
        });
      }
      expect(verify).not.toHaveBeenCalled();
      expect(saved).not.toHaveBeenCalled();
    });

    it('needs an API key like every other operation', async () => {
      const verify = jest.spyOn(StoredTraceVerifier.prototype, 'verify');
      for (const headers of [{}, { 'x-api-key': 'k-wrong-key-0123456789abcdef' }] as Record<
        string,
        string
      >[]) {
        const answer = await post(VERIFY, { since: '1h' }, headers);
        expect(answer.status).toBe(401);
        expect(answer.errors?.map((e) => e.extensions.code)).toEqual(['UNAUTHENTICATED']);
      }
      expect(verify).not.toHaveBeenCalled();
      const ok = await post(
        'mutation { verifyTests(since: "1h", store: false) { traceCount } }',
        {},
        { 'x-api-key': KEY },
      );
      expect(ok.errors).toBeUndefined();
    });

    it('answers the verdicts when storing them fails, with the error on runId', async () => {
      const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      jest
        .spyOn(service.app.get(TestRepository), 'saveExecutions')
        .mockRejectedValueOnce(new Error('disk full'));
      const answer = await post(
        'mutation ($since: String!, $until: String!) { verifyTests(since: $since, until: $until) { runId passed } }',
        { since: healthyFrom, until: healthyTo },
      );
      expect(answer.status).toBe(200);
      expect(answer.data).toEqual({ verifyTests: { runId: null, passed: 3 } });
      expect(answer.errors).toEqual([
        {
          message: 'Internal server error',
          path: ['verifyTests', 'runId'],
          locations: expect.any(Array),
          extensions: { code: 'INTERNAL' },
        },
      ]);
      expect(logged).toHaveBeenCalledWith(
        expect.stringMatching(/^GraphQL request failed at verifyTests\.runId: Error: disk full/),
      );
    });

    it('costs what the README says', () => {
      const schema = service.app.get(GraphQLSchemaHost).schema;
      const cost = (q: string, variables: Record<string, unknown> = {}) =>
        operationComplexity(schema, parse(q), variables);
      // What `t2t test verify` selects (apps/cli server.backend.ts), every document included.
      const cli = `mutation ($show: Int!, $report: Boolean!, $jsonl: Boolean!, $junit: Boolean!) {
        verifyTests(since: "1h") {
          runId problems tests { status }
          report(show: $show) @include(if: $report)
          jsonLines @include(if: $jsonl)
          junitXml @include(if: $junit)
        }
      }`;
      expect(cost(cli, { show: 3, report: true, jsonl: true, junit: true })).toBe(251);
      expect(cost(cli, { show: 3, report: true, jsonl: false, junit: false })).toBe(151);
      const perTrace = `mutation { verifyTests(since: "1h") { traces(first: 100) {
        traceId endpoint fingerprint knownBehaviour findings passed
        tests { testId name kind reason passed failed { id path description expected found } }
      } } }`;
      expect(cost(perTrace)).toBe(701);
      // Everything typed, 100 traces, five failures per test and every document: just fits.
      expect(cost(VERIFY, { since: '1h' })).toBe(1994);
    });

    it('is costed: the CLI’s selection fits, per-trace results are bounded by `first`', async () => {
      const tooMuch = await post(
        `mutation { verifyTests(since: "1h") {
          tests { failures(first: 20) { trace { spans { name attributes { key value } } } } }
        } }`,
      );
      expect(tooMuch.status).toBe(400);
      expect(tooMuch.errors?.[0].extensions).toMatchObject({
        code: 'QUERY_TOO_COMPLEX',
        measure: 'complexity',
      });
      const pageTooLarge = await post(
        'mutation { verifyTests(since: "1h", store: false) { traces(first: 101) { traceId } } }',
      );
      expect(pageTooLarge.errors?.[0]).toMatchObject({
        path: ['verifyTests', 'traces'],
        extensions: { code: 'BAD_USER_INPUT', argument: 'first' },
      });
    });
  });

  describe('recordTestExecutions', () => {
    const execution = {
      testId: specs.order.id,
      mode: 'LIVE',
      target: 'http://shop.staging:8080',
      traceId: '0af7651916cd43dd8448eb211c80319c',
      passed: false,
      failures: 2,
      report: { version: 1, status: 'failed', failed: [{ id: 'a1' }] },
      durationMs: 1234,
      startedAt: '2026-11-25T09:00:01.500Z',
    };
    const RECORD = `mutation ($runId: String!, $executions: [TestExecutionInput!]!) {
      recordTestExecutions(runId: $runId, executions: $executions) { runId recorded }
    }`;

    it('stores a run made elsewhere, in several calls, where testRun finds it', async () => {
      const runId = 'c78ca71d-541e-415e-b0f5-75b1d4a1d176';
      expect(
        (await query(RECORD, { runId, executions: [execution] })).recordTestExecutions,
      ).toEqual({ runId, recorded: 1 });
      const second = {
        ...execution,
        testId: specs.rule.id,
        passed: true,
        failures: 0,
        traceId: null,
      };
      expect(
        (await query(RECORD, { runId, executions: [second] })).recordTestExecutions.recorded,
      ).toBe(1);
      const { testRun } = await query(
        `query ($runId: String!) { testRun(runId: $runId) {
          passed failed startedAt
          executions { testId mode target passed failures report durationMs startedAt trace { traceId } }
        } }`,
        { runId },
      );
      expect(testRun).toEqual({
        passed: 1,
        failed: 1,
        startedAt: '2026-11-25 09:00:01.500',
        executions: [
          {
            testId: specs.order.id,
            mode: 'LIVE',
            target: 'http://shop.staging:8080',
            passed: false,
            failures: 2,
            report: execution.report,
            durationMs: 1234,
            startedAt: '2026-11-25 09:00:01.500',
            trace: { traceId: execution.traceId },
          },
          expect.objectContaining({ testId: specs.rule.id, passed: true, trace: null }),
        ],
      });
    });

    it('refuses bad executions by their index, storing none of the call', async () => {
      const saved = jest.spyOn(service.app.get(TestRepository), 'saveExecutions');
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ runId: 'has spaces', executions: [execution] }, /^runId must be/],
        [{ runId: 'r1', executions: [] }, /^executions must hold 1\.\.1000/],
        [
          {
            runId: 'r1',
            executions: [execution, { ...execution, startedAt: '2026-11-25 09:00:00' }],
          },
          /^executions\[1\]\.startedAt must be an ISO 8601 time with a time zone/,
        ],
        [
          { runId: 'r1', executions: [{ ...execution, traceId: 'nope' }] },
          /^executions\[0\]\.traceId must be 32 hexadecimal characters/,
        ],
        [{ runId: 'r1', executions: [{ ...execution, failures: -1 }] }, /failures must be/],
      ];
      for (const [variables, message] of cases) {
        expect((await refusal(RECORD, variables)).message).toMatch(message);
      }
      expect(saved).not.toHaveBeenCalled();
    });
  });

  describe('what the runner polls', () => {
    it('traceSpanCount counts a trace’s stored spans, 0 for one not stored yet', async () => {
      const batch = exported.find((b) => b.length === 3)!;
      const { stored, missing } = await query(
        `query ($id: String!) { stored: traceSpanCount(id: $id) missing: traceSpanCount(id: "${'0'.repeat(32)}") }`,
        { id: batch[0].traceId.toUpperCase() },
      );
      expect({ stored, missing }).toEqual({ stored: 3, missing: 0 });
      const bad = await refusal('{ traceSpanCount(id: "xyz") }', {});
      expect(bad.extensions.argument).toBe('id');
    });

    it('endpointTimings answers null for endpoints nothing was clustered for', async () => {
      const { endpointTimings } = await query(
        `{ endpointTimings(endpoints: ["${ORDERS}", "x|HTTP GET /"]) { endpoint p95Ms } }`,
      );
      expect(endpointTimings).toEqual([
        { endpoint: ORDERS, p95Ms: null },
        { endpoint: 'x|HTTP GET /', p95Ms: null },
      ]);
    });
  });
});

function stored(spec: TestSpec): StoredTest {
  return {
    testId: spec.id,
    endpoint: spec.endpoint,
    fingerprint: spec.covers.behaviour ?? '',
    rule: '',
    kind: spec.covers.journey ? 'journey' : spec.covers.rule ? 'rule' : 'behaviour',
    generator: 'deterministic',
    name: spec.name,
    modelHash: spec.provenance.modelVersion,
    modelVersion: 1,
    generationRunId: 'g1',
    verdict: 'verified',
    assertionsKept: 1,
    assertionsDropped: 0,
    spec: JSON.stringify(spec),
    jestFile: '',
    tracetestYaml: '',
    createdAt: '2026-11-25 09:00:00.000',
    retired: false,
  };
}
