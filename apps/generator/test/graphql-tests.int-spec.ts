import { SPAN_KIND_NAMES, STATUS_CODE_NAMES, type Span, StatusCode } from '@t2t/domain';
import { type GeneratedTrace, generateTraces, potatoSystem } from '@t2t/examples';
import { type ClusterWindowEvent, type TraceSummary, WindowAggregator } from '@t2t/fingerprint';
import { buildSystemModel, modelHash, type SystemModel } from '@t2t/model';
import { attributesToStringMap } from '@t2t/otlp';
import {
  ClusterRepository,
  ModelRepository,
  SpanRepository,
  type SpanRow,
  TestRepository,
} from '@t2t/storage';
import { freshStorageConfig, type RunningService, startTestService } from '@t2t/test-support';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { parse } from 'graphql';
// The clustering steps production runs, as libs/model's, libs/testgen's and libs/llm's specs use them.
import { clusterTraces } from '../../../libs/model/test/behaviour-evidence.fixture';
import { TestGenerationService } from '../src/generation/test-generation.service';
import { operationComplexity } from '../src/graphql/limits/query-limits.plugin';
import { generatorEnv } from '../src/generator.env';
import { GeneratorModule } from '../src/generator.module';

/*
 * The tests part of the GraphQL API end to end, on a real model: traces of libs/examples'
 * potatoSystem are clustered as clustering does and modeled with buildSystemModel; what modeling
 * and clustering would have stored (the model version, the cluster windows with their samples and
 * representatives, the spans of those traces) is written through the repositories into a fresh
 * embedded ClickHouse. Tests are then generated over HTTP with the generateTests mutation (the
 * deterministic synthesizer: no LLM configured) and queried with fetch.
 */

const KEY = 'k-tests-api-0123456789abcdef';
const ORDERS = 'api-gateway|HTTP POST /orders';
const POTATO_HANDLER = 'potato-handler|HTTP POST /potatoes';
const TRACES = 400;
const SAMPLES_PER_BEHAVIOUR = 20;

// ---------------------------------------------------------------------------------------------
// Seed: what clustering and modeling store for the potato system's traffic

/** A domain span as ingest writes it to the spans table (apps/ingest SpanRowMapper's mapping). */
function toSpanRow(span: Span): SpanRow {
  const service = span.resource.attributes['service.name'];
  return {
    Timestamp: span.startTimeUnixNano.toString(),
    TraceId: span.traceId,
    SpanId: span.spanId,
    ParentSpanId: span.parentSpanId,
    TraceState: span.traceState,
    SpanName: span.name,
    SpanKind: SPAN_KIND_NAMES[span.kind] ?? 'Unspecified',
    ServiceName: typeof service === 'string' ? service : '',
    ResourceAttributes: attributesToStringMap(span.resource.attributes),
    ScopeName: span.scope.name,
    ScopeVersion: span.scope.version,
    SpanAttributes: attributesToStringMap(span.attributes),
    Duration: (span.endTimeUnixNano - span.startTimeUnixNano).toString(),
    StatusCode: STATUS_CODE_NAMES[span.status.code] ?? 'Unset',
    StatusMessage: span.status.message,
    'Events.Timestamp': span.events.map((e) => e.timeUnixNano.toString()),
    'Events.Name': span.events.map((e) => e.name),
    'Events.Attributes': span.events.map((e) => attributesToStringMap(e.attributes)),
    'Links.TraceId': span.links.map((l) => l.traceId),
    'Links.SpanId': span.links.map((l) => l.spanId),
    'Links.TraceState': span.links.map((l) => l.traceState),
    'Links.Attributes': span.links.map((l) => attributesToStringMap(l.attributes)),
    Flags: span.flags,
    DroppedAttributesCount: span.droppedAttributesCount,
    DroppedEventsCount: span.droppedEventsCount,
    DroppedLinksCount: span.droppedLinksCount,
    ScopeAttributes: attributesToStringMap(span.scope.attributes),
    ScopeDroppedAttributesCount: span.scope.droppedAttributesCount,
    ScopeSchemaUrl: span.scope.schemaUrl,
    ResourceDroppedAttributesCount: span.resource.droppedAttributesCount,
    ResourceSchemaUrl: span.resource.schemaUrl,
    'Events.DroppedAttributesCount': span.events.map((e) => e.droppedAttributesCount),
    'Links.Flags': span.links.map((l) => l.flags),
    'Links.DroppedAttributesCount': span.links.map((l) => l.droppedAttributesCount),
  };
}

/** One closed trace as clustering's window aggregation sees it, with the key clustering gave it. */
function summaryOf(trace: GeneratedTrace, endpoint: string, fingerprint: string): TraceSummary {
  let start = trace.spans[0].startTimeUnixNano;
  let end = trace.spans[0].endTimeUnixNano;
  for (const s of trace.spans) {
    if (s.startTimeUnixNano < start) start = s.startTimeUnixNano;
    if (s.endTimeUnixNano > end) end = s.endTimeUnixNano;
  }
  return {
    traceId: trace.traceId,
    endpoint,
    fingerprint,
    startNs: start,
    durationUs: Number((end - start) / 1000n),
    error: trace.spans.some((s) => s.status.code === StatusCode.Error),
    complete: true,
    spanCount: trace.spans.length,
  };
}

interface Seeded {
  model: SystemModel;
  /** Trace ids whose spans are stored (the windows' samples and representatives). */
  storedTraces: Set<string>;
}

async function seed(service: RunningService): Promise<Seeded> {
  const traces = generateTraces(potatoSystem, { seed: 20_260_601, traces: TRACES });
  // The model, from the traces clustered as clustering does (bottom-k samples, representatives).
  const { evidence, fingerprints } = clusterTraces(traces, {
    samplesPerBehaviour: SAMPLES_PER_BEHAVIOUR,
  });
  const model = buildSystemModel(evidence);
  const endpointOf = new Map(evidence.map((e) => [e.fingerprint, e.endpoint]));

  // Clustering's windows of the same traces: counts, duration sketches, samples, representatives.
  const aggregator = new WindowAggregator({ sampleSize: SAMPLES_PER_BEHAVIOUR });
  let watermark = 0n;
  for (const trace of traces) {
    const fingerprint = fingerprints.get(trace.traceId)!;
    const summary = summaryOf(trace, endpointOf.get(fingerprint)!, fingerprint);
    expect(aggregator.add(summary).outcome).toBe('added');
    if (summary.startNs > watermark) watermark = summary.startNs;
  }
  const windows = aggregator.closeUpTo(watermark + 3_600_000_000_000n);
  const events: ClusterWindowEvent[] = windows.map((aggregate) => ({
    v: 1,
    type: 'window',
    partition: 0,
    aggregate,
    fingerprint: undefined,
  }));

  // The spans table keeps what the generator reads: every sampled trace and each representative.
  const storedTraces = new Set(
    windows.flatMap((w) => [...w.sample.traceIds, w.representative.traceId]),
  );
  const rows = traces
    .filter((t) => storedTraces.has(t.traceId))
    .flatMap((t) => t.spans.map(toSpanRow));

  await service.app.get(ModelRepository).saveVersion(
    {
      modelHash: modelHash(model),
      version: 1,
      createdAt: '2026-06-01 12:00:00.000',
      model: JSON.stringify(model),
      counts: {
        services: model.services.length,
        endpoints: model.endpoints.length,
        entities: model.entities.length,
        edges: model.edges.length,
        behaviours: model.behaviours.length,
        rules: model.rules.length,
      },
    },
    undefined,
  );
  await service.app.get(ClusterRepository).write(events);
  await service.app.get(SpanRepository).insert(rows);
  return { model, storedTraces };
}

// ---------------------------------------------------------------------------------------------
// HTTP client

interface GqlError {
  message: string;
  path?: (string | number)[];
  extensions: Record<string, unknown> & { code: string };
}

interface GqlAnswer {
  status: number;
  data: any;
  errors: GqlError[] | undefined;
}

describe('GraphQL API over HTTP: tests and generation runs', () => {
  let storage: ReturnType<typeof freshStorageConfig>;
  let service: RunningService;
  let seeded: Seeded;
  let url: string;
  let firstRun: any;

  async function post(
    query: string,
    variables: Record<string, unknown> = {},
    headers: Record<string, string> = { authorization: `Bearer ${KEY}` },
  ): Promise<GqlAnswer> {
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

  /** Walks a connection `first` at a time to its end; returns every edge in order. */
  async function pageThrough(
    q: string,
    pick: (data: any) => { edges: { cursor: string; node: any }[]; pageInfo: any },
    first: number,
    variables: Record<string, unknown> = {},
  ): Promise<{ cursor: string; node: any }[]> {
    const all: { cursor: string; node: any }[] = [];
    let after: string | null = null;
    for (let pages = 0; ; pages++) {
      expect(pages).toBeLessThan(100);
      const connection = pick(await query(q, { ...variables, first, after }));
      expect(connection.edges.length).toBeLessThanOrEqual(first);
      all.push(...connection.edges);
      if (!connection.pageInfo.hasNextPage) break;
      expect(connection.pageInfo.endCursor).toBe(connection.edges.at(-1)?.cursor);
      after = connection.pageInfo.endCursor as string;
    }
    return all;
  }

  const GENERATE = `mutation ($endpoint: String) {
    generateTests(endpoint: $endpoint) {
      id trigger status modelVersion modelHash endpoints testsGenerated testsKept testsRejected
      assertionsDropped error startedAt finishedAt
    }
  }`;

  const runCount = async () =>
    (await query('{ generationRuns(first: 100) { edges { node { id } } } }')).generationRuns.edges
      .length as number;

  beforeAll(async () => {
    storage = freshStorageConfig();
    const config = generatorEnv.parse({
      CLICKHOUSE_DATA_PATH: storage.config.dataPath,
      HTTP_PORT: '0',
      GRAPHQL_API_KEYS: KEY,
      // Runs happen when the tests ask for them, not on a timer.
      GENERATOR_SCHEDULE: 'off',
      GENERATOR_SAMPLES_PER_BEHAVIOUR: `${SAMPLES_PER_BEHAVIOUR}`,
    });
    service = await startTestService(GeneratorModule.forRoot(config));
    url = `${service.baseUrl}/graphql`;
    seeded = await seed(service);
    // The first run, for every endpoint, here rather than in its test: every test below reads
    // the tests it stores, and each can run alone (jest -t).
    firstRun = (await query(GENERATE)).generateTests;
  });

  afterAll(async () => {
    await service?.close();
    storage?.cleanup();
  });

  afterEach(() => jest.restoreAllMocks());

  describe('generateTests', () => {
    it('without an endpoint: generates every endpoint of a model nothing was generated from', async () => {
      const run = firstRun;
      const entries = seeded.model.endpoints.filter((e) => e.entry).map((e) => e.key);
      expect(run).toMatchObject({
        trigger: 'MANUAL',
        status: 'SUCCEEDED',
        modelVersion: 1,
        modelHash: modelHash(seeded.model),
        error: null,
      });
      expect([...run.endpoints].sort()).toEqual([...entries].sort());
      expect(run.testsKept).toBeGreaterThan(0);
      expect(run.finishedAt).not.toBeNull();
    });

    it('for one endpoint: regenerates it even though its part of the model did not change', async () => {
      const { generateTests: run } = await query(GENERATE, { endpoint: ORDERS });
      expect(run).toMatchObject({
        trigger: 'MANUAL',
        status: 'SUCCEEDED',
        endpoints: [ORDERS],
        modelVersion: 1,
      });
      expect(run.testsKept).toBeGreaterThan(0);
      expect(run.testsGenerated).toBe(run.testsKept + run.testsRejected);

      // Nothing changed since: a run for all endpoints has nothing to do, and says so.
      const { generateTests: again } = await query(GENERATE);
      expect(again).toMatchObject({
        status: 'SKIPPED',
        error: 'no endpoint changed since the last run',
        endpoints: [],
      });
    });

    it('refuses an endpoint the latest model does not have, or an inner one, recording no run', async () => {
      const before = await runCount();
      const generate = jest.spyOn(service.app.get(TestGenerationService), 'generate');
      for (const endpoint of ['api-gateway|HTTP DELETE /orders', POTATO_HANDLER, '']) {
        const answer = await post(GENERATE, { endpoint });
        expect(answer.status).toBe(200);
        expect(answer.data).toBeNull();
        expect(answer.errors).toHaveLength(1);
        expect(answer.errors![0].extensions).toEqual({
          code: 'BAD_USER_INPUT',
          argument: 'endpoint',
        });
      }
      expect(generate).not.toHaveBeenCalled();
      expect(await runCount()).toBe(before);
    });

    it('needs an API key like every other operation', async () => {
      const generate = jest.spyOn(service.app.get(TestGenerationService), 'generate');
      const wrongKey = { authorization: 'Bearer k-wrong-key-0123456789abcdef' };
      for (const headers of [{}, wrongKey] as Record<string, string>[]) {
        const answer = await post(GENERATE, { endpoint: ORDERS }, headers);
        expect(answer.status).toBe(401);
        expect(answer.data).toBeUndefined();
        expect(answer.errors?.map((e) => e.extensions.code)).toEqual(['UNAUTHENTICATED']);
      }
      expect(generate).not.toHaveBeenCalled();
    });
  });

  describe('tests', () => {
    it('lists the generated tests with their verification, provenance and model version', async () => {
      const data = await query(
        `query ($endpoint: String) {
          tests(endpoint: $endpoint, first: 100) {
            totalCount
            edges { node {
              testId name endpoint kind generator verdict modelVersion modelHash generationRunId createdAt
              assertionCount
              trigger { type summary service method path pathTemplate topic }
              covers { behaviour rule { endpoint at condition effect } journey { entity endpoints } }
              verification { status reason recordedTraces mutationsTried kept
                dropped { path assertionId reason detail } traces { traceId passed } }
              provenance { generator model promptVersion evidenceTraceIds modelVersion }
              generationRun { runId status endpoints }
            } }
          }
        }`,
        { endpoint: ORDERS },
      );
      const tests = data.tests.edges.map((e: any) => e.node);
      expect(data.tests.totalCount).toBeNull();
      expect(tests.length).toBeGreaterThanOrEqual(3);
      const hash = modelHash(seeded.model);
      for (const t of tests) {
        expect(t).toMatchObject({
          endpoint: ORDERS,
          generator: 'DETERMINISTIC',
          verdict: 'VERIFIED',
          modelVersion: 1,
          modelHash: hash,
          trigger: {
            type: 'HTTP',
            service: 'api-gateway',
            method: 'POST',
            pathTemplate: '/orders',
            topic: null,
          },
          provenance: {
            generator: 'DETERMINISTIC',
            model: 'testgen-deterministic/1',
            modelVersion: hash,
          },
          generationRun: { runId: t.generationRunId, status: 'SUCCEEDED' },
        });
        expect(t.generationRun.endpoints).toContain(ORDERS);
        expect(t.trigger.summary).toBe(`HTTP POST ${t.trigger.path} to api-gateway`);
        expect(t.assertionCount).toBeGreaterThan(0);
        const v = t.verification;
        expect(v.status).toBe('VERIFIED');
        expect(v.recordedTraces).toBeGreaterThan(0);
        expect(v.mutationsTried).toBeGreaterThan(0);
        expect(v.kept).toBeGreaterThan(0);
        expect(v.traces.length).toBe(v.recordedTraces);
        expect(v.traces.every((r: any) => r.passed)).toBe(true);
        for (const d of v.dropped) {
          expect(d.path).toMatch(/^assertions\[\d+\]/);
          expect(['FAILS_ON_RECORDED', 'CANNOT_FAIL', 'NEVER_APPLIES']).toContain(d.reason);
          expect(d.detail).not.toBe('');
        }
        // Evidence comes from what clustering sampled, whose spans are stored.
        expect(t.provenance.evidenceTraceIds.length).toBeGreaterThan(0);
        for (const id of t.provenance.evidenceTraceIds) expect(seeded.storedTraces).toContain(id);
      }
      // One behaviour test per behaviour of the endpoint, and the potato rule's test.
      const behaviours = seeded.model.behaviours.filter((b) => b.endpoint === ORDERS);
      const behaviourTests = tests.filter((t: any) => t.kind === 'BEHAVIOUR');
      expect(behaviourTests.map((t: any) => t.covers.behaviour).sort()).toEqual(
        behaviours.map((b) => b.fingerprint).sort(),
      );
      const rule = tests.find((t: any) => t.kind === 'RULE');
      expect(rule.covers.rule).toMatchObject({
        endpoint: ORDERS,
        condition: 'user.likes_potatoes = true',
        effect: `calls ${POTATO_HANDLER.replace('|HTTP', '')}`,
      });
    });

    it('answers one test with its spec and emitted files: Jest with @trace2test/runner, Tracetest YAML', async () => {
      const { tests } = await query(
        `{ tests(endpoint: "${ORDERS}", kind: RULE, first: 5) { edges { node { testId } } } }`,
      );
      expect(tests.edges).toHaveLength(1);
      const id = tests.edges[0].node.testId as string;
      const { test } = await query(
        `query ($id: String!) {
          test(id: $id) {
            testId name description spec assertionCount
            variants { name trigger { type summary } }
            jestFile { fileName content }
            tracetestFiles { fileName content }
            verification { kept traces { traceId trace { traceId spans { spanId } } } }
          }
        }`,
        { id },
      );
      expect(test.testId).toBe(id);
      expect(test.spec).toMatchObject({
        specVersion: 1,
        id,
        name: test.name,
        description: test.description,
        endpoint: ORDERS,
        covers: { rule: { condition: 'user.likes_potatoes = true' } },
        verification: { status: 'verified', kept: test.verification.kept },
        provenance: { generator: 'deterministic' },
      });
      // The rule's test also runs the other arm.
      expect(test.variants).toEqual([
        {
          name: 'not (user.likes_potatoes = true)',
          trigger: { type: 'HTTP', summary: expect.stringContaining('HTTP POST /orders') },
        },
      ]);
      expect(test.jestFile.fileName).toBe(`${id}.trace.spec.ts`);
      expect(test.jestFile.content).toContain("from '@trace2test/runner'");
      expect(test.tracetestFiles.map((f: any) => f.fileName)).toEqual([
        `${id}.tracetest.yaml`,
        `${id}.variant-1.tracetest.yaml`,
      ]);
      for (const f of test.tracetestFiles) {
        expect(f.content).toMatch(/^type: "Test"$/m);
        expect(f.content).not.toMatch(/^---$/m);
      }
      // The recorded traces the verification ran on, with their spans (batched: see below).
      for (const r of test.verification.traces) {
        expect(r.trace.traceId).toBe(r.traceId);
        expect(r.trace.spans.length).toBeGreaterThan(0);
      }
    });

    it('filters by kind, verdict and generator', async () => {
      const ids = async (args: string) =>
        (
          await query(`{ tests(first: 100${args}) { edges { node { id kind } } } }`)
        ).tests.edges.map((e: any) => e.node);
      const all = await ids('');
      const rules = await ids(', kind: RULE');
      expect(rules.length).toBeGreaterThan(0);
      expect(rules.every((t: any) => t.kind === 'RULE')).toBe(true);
      expect(await ids(', kind: RULE, verdict: VERIFIED, generator: DETERMINISTIC')).toEqual(rules);
      expect(await ids(', generator: LLM')).toEqual([]);
      expect(await ids(', verdict: REJECTED')).toEqual([]);
      expect(all.length).toBeGreaterThan(rules.length);
    });

    it('says NOT_FOUND for an unknown test or run', async () => {
      for (const [q, field] of [
        ['{ test(id: "bhv-no-such-test-00000000") { id } }', 'test'],
        ['{ generationRun(id: "00000000-0000-0000-0000-000000000000") { id } }', 'generationRun'],
      ]) {
        const answer = await post(q);
        expect(answer.status).toBe(200);
        expect(answer.data).toEqual({ [field]: null });
        expect(answer.errors).toHaveLength(1);
        expect(answer.errors![0]).toMatchObject({
          path: [field],
          extensions: { code: 'NOT_FOUND' },
        });
      }
    });
  });

  describe('pagination', () => {
    it('walks tests first/after to the end: every test once, in order, with stable cursors', async () => {
      const q = `query ($first: Int, $after: String) {
        tests(first: $first, after: $after) {
          edges { cursor node { testId endpoint } }
          pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        }
      }`;
      const whole = (await query(q, { first: 100 })).tests;
      expect(whole.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
      const keys = whole.edges.map((e: any) => `${e.node.endpoint} ${e.node.testId}`);
      expect(keys).toEqual([...keys].sort());
      const paged = await pageThrough(q, (d) => d.tests, 2);
      expect(paged.map((e) => e.cursor)).toEqual(whole.edges.map((e: any) => e.cursor));
      const second = (await query(q, { first: 1, after: whole.edges[0].cursor })).tests;
      expect(second.edges[0].node.testId).toBe(whole.edges[1].node.testId);
      expect(second.pageInfo.hasPreviousPage).toBe(true);
    });

    it('pages an endpoint’s tests from the model, with the same cursors as `tests`', async () => {
      // The endpoint before POST /orders, so that `endpoints(first: 1, after: ...)` is POST /orders.
      const { modelVersion } = await query(
        '{ modelVersion { endpoints(first: 100) { edges { cursor node { key } } } } }',
      );
      const endpoints = modelVersion.endpoints.edges;
      const index = endpoints.findIndex((e: any) => e.node.key === ORDERS);
      const q = `query ($endpoint: String, $first: Int, $after: String) {
        modelVersion { endpoints(first: 1, after: $endpoint) { edges { node {
          key
          tests(first: $first, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } }
        } } } }
      }`;
      const orders = (d: any) => {
        expect(d.modelVersion.endpoints.edges[0].node.key).toBe(ORDERS);
        return d.modelVersion.endpoints.edges[0].node.tests;
      };
      const paged = await pageThrough(q, orders, 2, {
        endpoint: index > 0 ? endpoints[index - 1].cursor : null,
      });
      const flat = (
        await query(`{ tests(endpoint: "${ORDERS}", first: 100) { edges { cursor } } }`)
      ).tests.edges;
      expect(paged.map((e) => e.cursor)).toEqual(flat.map((e: any) => e.cursor));
    });

    it('pages generation runs newest first', async () => {
      const q = `query ($first: Int, $after: String) {
        generationRuns(first: $first, after: $after) {
          edges { cursor node { id status startedAt } } pageInfo { hasNextPage endCursor }
        }
      }`;
      await query(GENERATE, { endpoint: ORDERS });
      await query(GENERATE, { endpoint: ORDERS });
      const whole = (await query(q, { first: 100 })).generationRuns.edges;
      expect(whole.length).toBeGreaterThanOrEqual(3);
      const started = whole.map((e: any) => e.node.startedAt as string);
      expect(started).toEqual([...started].sort().reverse());
      expect(whole.at(-1).node.status).toBe('SUCCEEDED');
      const paged = await pageThrough(q, (d) => d.generationRuns, 1);
      expect(paged.map((e) => e.node.id)).toEqual(whole.map((e: any) => e.node.id));
    });

    it('refuses a cursor of another list or another endpoint, and an oversized page', async () => {
      const { tests } = await query('{ tests(first: 1) { edges { cursor node { endpoint } } } }');
      const other =
        tests.edges[0].node.endpoint === ORDERS ? 'api-gateway|HTTP GET /orders/{id}' : ORDERS;
      const { generationRuns } = await query('{ generationRuns(first: 1) { edges { cursor } } }');
      for (const [q, argument] of [
        [`{ tests(after: "${generationRuns.edges[0].cursor}") { edges { cursor } } }`, 'after'],
        [`{ generationRuns(after: "${tests.edges[0].cursor}") { edges { cursor } } }`, 'after'],
        [
          `{ tests(endpoint: "${other}", after: "${tests.edges[0].cursor}") { edges { cursor } } }`,
          'after',
        ],
        ['{ tests(first: 101) { edges { cursor } } }', 'first'],
        ['{ tests(first: 1) { edges { node { executions(first: 21) { passed } } } } }', 'first'],
      ]) {
        const answer = await post(q);
        expect(answer.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', argument });
      }
    });
  });

  describe('no N+1 against ClickHouse', () => {
    it('reads the executions of a page of tests with one query, newest first', async () => {
      const tests = service.app.get(TestRepository);
      const { tests: page } = await query('{ tests(first: 50) { edges { node { testId } } } }');
      const ids: string[] = page.edges.map((e: any) => e.node.testId as string);
      const executed = ids.slice(0, 3);
      const traceId = [...seeded.storedTraces][0];
      await tests.saveExecutions(
        executed.flatMap((testId, i) =>
          [0, 1, 2].map((n) => ({
            runId: `exec-${n}`,
            testId,
            mode: n === 2 ? 'live' : 'stored',
            target: n === 2 ? 'http://staging.example' : '',
            traceId,
            passed: n !== 1 || i !== 0,
            failures: n === 1 && i === 0 ? 2 : 0,
            report: JSON.stringify({ run: n, results: [] }),
            durationMs: 10 + n,
            startedAt: `2026-06-0${n + 2} 10:00:00.000`,
          })),
        ),
      );
      const executionsFor = jest.spyOn(tests, 'executionsFor');
      const runs = jest.spyOn(tests, 'runsByIds');
      const spans = jest.spyOn(service.app.get(SpanRepository), 'findByTraceIds');
      const data = await query(`{
        tests(first: 50) { edges { node { testId
          generationRun { runId status }
          executions(first: 2) { runId mode target passed failures report durationMs startedAt trace { traceId spans { spanId } } }
        } } }
      }`);
      expect(executionsFor).toHaveBeenCalledTimes(1);
      expect(new Set(executionsFor.mock.calls[0][0])).toEqual(new Set(ids));
      // The two runs that stored the tests, in one query; the executions' traces in one more.
      expect(runs).toHaveBeenCalledTimes(1);
      expect(new Set(data.tests.edges.map((e: any) => e.node.generationRun.runId)).size).toBe(
        runs.mock.calls[0][0].length,
      );
      expect(spans).toHaveBeenCalledTimes(1);
      const byId = new Map(data.tests.edges.map((e: any) => [e.node.testId, e.node.executions]));
      expect(byId.get(executed[0])).toEqual([
        {
          runId: 'exec-2',
          mode: 'LIVE',
          target: 'http://staging.example',
          passed: true,
          failures: 0,
          report: { run: 2, results: [] },
          durationMs: 12,
          startedAt: '2026-06-04 10:00:00.000',
          trace: { traceId, spans: expect.any(Array) },
        },
        expect.objectContaining({ runId: 'exec-1', mode: 'STORED', passed: false, failures: 2 }),
      ]);
      expect(byId.get(ids[ids.length - 1])).toEqual(ids.length > 3 ? [] : expect.any(Array));

      // A run by the id the CLI printed: all its executions, also of specs that are not stored
      // tests (a spec file's own id), with the counts.
      await tests.saveExecutions([
        {
          runId: 'exec-1',
          testId: 'bhv-from-a-spec-file',
          mode: 'live',
          target: 'http://staging.example',
          traceId: '',
          passed: true,
          failures: 0,
          report: '{}',
          durationMs: 5,
          startedAt: '2026-06-03 09:59:59.000',
        },
      ]);
      const { testRun } = await query(
        '{ testRun(runId: "exec-1") { runId passed failed startedAt executions { testId passed failures trace { traceId } } } }',
      );
      expect(testRun).toEqual({
        runId: 'exec-1',
        passed: 3,
        failed: 1,
        startedAt: '2026-06-03 09:59:59.000',
        executions: expect.arrayContaining([
          { testId: 'bhv-from-a-spec-file', passed: true, failures: 0, trace: null },
          { testId: executed[0], passed: false, failures: 2, trace: { traceId } },
        ]),
      });
      expect(testRun.executions).toHaveLength(4);
      // An unknown run nulls only its own field: the rest of the operation keeps its data.
      const missing = await post(
        '{ testRun(runId: "no-such-run") { runId } known: testRun(runId: "exec-1") { runId passed } }',
      );
      expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(missing.errors?.[0]?.path).toEqual(['testRun']);
      expect(missing.data).toEqual({ testRun: null, known: { runId: 'exec-1', passed: 3 } });

      // The list of runs, newest first, summed; paging one at a time gives the same list.
      const listQuery = `query($first: Int, $after: String) { testRuns(first: $first, after: $after) {
        edges { cursor node { runId mode target passed failed startedAt } }
        pageInfo { hasNextPage endCursor } } }`;
      const listed = (
        (await query(listQuery, { first: 100 })) as {
          testRuns: { edges: { node: { runId: string } & Record<string, unknown> }[] };
        }
      ).testRuns.edges.map((e) => e.node);
      const runIds = listed.map((r) => r.runId);
      expect(runIds.indexOf('exec-2')).toBeGreaterThanOrEqual(0);
      expect(runIds.indexOf('exec-2')).toBeLessThan(runIds.indexOf('exec-1'));
      expect(listed.find((r) => r.runId === 'exec-2')).toEqual({
        runId: 'exec-2',
        mode: 'LIVE',
        target: 'http://staging.example',
        passed: expect.any(Number),
        failed: 0,
        startedAt: '2026-06-04 10:00:00.000',
      });
      expect(listed.find((r) => r.runId === 'exec-1')).toMatchObject({
        passed: 3,
        failed: 1,
        startedAt: '2026-06-03 09:59:59.000',
      });
      const paged = await pageThrough(listQuery, (d) => d.testRuns, 1);
      expect(paged.map((e) => (e.node as { runId: string }).runId)).toEqual(runIds);
      const forged = await post('{ testRuns(after: "bm90LWEtY3Vyc29y") { edges { cursor } } }');
      expect(forged.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });

    it('reads the tests of a page of endpoints with one query', async () => {
      const tests = service.app.get(TestRepository);
      const perEndpoint = jest.spyOn(tests, 'currentTestsOfEndpoints');
      const flat = jest.spyOn(tests, 'currentTests');
      const data = await query(`{
        modelVersion { endpoints(entry: true, first: 20) { edges { node {
          key tests(first: 3) { edges { node { id endpoint } } pageInfo { hasNextPage } }
        } } } }
      }`);
      expect(perEndpoint).toHaveBeenCalledTimes(1);
      expect(flat).not.toHaveBeenCalled();
      const endpoints = data.modelVersion.endpoints.edges.map((e: any) => e.node);
      expect(endpoints.length).toBeGreaterThan(1);
      for (const e of endpoints) {
        expect(e.tests.edges.length).toBeGreaterThan(0);
        expect(e.tests.edges.length).toBeLessThanOrEqual(3);
        for (const t of e.tests.edges) expect(t.node.endpoint).toBe(e.key);
      }
    });
  });

  describe('Node: global ids', () => {
    /** A global id as the API writes it: URL-safe base64 of `<Type>:<key parts>`. */
    const globalId = (...parts: string[]) => Buffer.from(parts.join(':')).toString('base64url');

    /**
     * The fields compared per type: as a list answers them, and as `node` answers them again (with
     * nested fields, which need what the list attached to the object, e.g. its model version).
     * Fields of one name but different types in two types are aliased, as one selection on `Node`
     * requires.
     */
    const FIELDS: Record<string, string> = {
      ModelVersion: `id version modelHash createdAt counts { services endpoints entities edges behaviours rules }
        someEndpoints: endpoints(first: 2) { edges { node { id key } } }`,
      Service: 'id name endpoints',
      Entity: 'id entityKind: kind name system',
      Endpoint: `id key service endpointKind: kind entry traces
        behaviours(first: 2) { edges { node { id fingerprint } } }`,
      Behaviour: `id endpoint fingerprint share traces errorRate p50Us p95Us representativeTraceId
        entryEndpoint { id key }`,
      Trace: 'id traceId spans { spanId name }',
      Test: `id testId name endpoint testKind: kind generator verdict modelVersion modelHash generationRunId
        createdAt generationRun { id runId status }`,
      GenerationRun: 'id runId trigger status endpoints testsKept startedAt finishedAt',
      TestRun: 'id runId passed failed startedAt executions { testId passed }',
    };
    const ANY_NODE = `__typename ${Object.entries(FIELDS)
      .map(([type, fields]) => `... on ${type} { ${fields} }`)
      .join(' ')}`;
    const RUN_ID = 'node-run-1';

    /** One object of every type implementing Node, each with `__typename`, from ordinary fields. */
    async function listed(): Promise<any[]> {
      const traceId = [...seeded.storedTraces][0];
      const data = await query(`{
        modelVersion {
          __typename ${FIELDS.ModelVersion}
          services { __typename ${FIELDS.Service} }
          entities { __typename ${FIELDS.Entity} }
          entryEndpoints: endpoints(entry: true, first: 1) { edges { node { __typename ${FIELDS.Endpoint} } } }
          someBehaviours: behaviours(first: 1) { edges { node { __typename ${FIELDS.Behaviour} } } }
        }
        trace(id: "${traceId}") { __typename ${FIELDS.Trace} }
        tests(first: 1) { edges { node { __typename ${FIELDS.Test} } } }
        generationRuns(first: 1) { edges { node { __typename ${FIELDS.GenerationRun} } } }
        testRun(runId: "${RUN_ID}") { __typename ${FIELDS.TestRun} }
      }`);
      const { services, entities, entryEndpoints, someBehaviours, ...version } = data.modelVersion;
      return [
        version,
        services[0],
        entities[0],
        entryEndpoints.edges[0].node,
        someBehaviours.edges[0].node,
        data.trace,
        data.tests.edges[0].node,
        data.generationRuns.edges[0].node,
        data.testRun,
      ];
    }

    beforeAll(async () => {
      // A test run to refetch: one execution of a stored test.
      const { tests } = await query('{ tests(first: 1) { edges { node { testId } } } }');
      await service.app.get(TestRepository).saveExecutions([
        {
          runId: RUN_ID,
          testId: tests.edges[0].node.testId,
          mode: 'live',
          target: 'http://staging.example',
          traceId: '',
          passed: true,
          failures: 0,
          report: '{}',
          durationMs: 7,
          startedAt: '2026-06-05 10:00:00.000',
        },
      ]);
    });

    it('refetches an object of every Node type by the id a list gave it: same type, same fields', async () => {
      const objects = await listed();
      expect(objects.map((o) => o.__typename)).toEqual(Object.keys(FIELDS));
      for (const object of objects) {
        // Opaque, URL-safe, and unique across all of them.
        expect(object.id).toMatch(/^[A-Za-z0-9_-]+$/);
        const { node } = await query(`query ($id: ID!) { node(id: $id) { ${ANY_NODE} } }`, {
          id: object.id,
        });
        expect(node).toEqual(object);
      }
      expect(new Set(objects.map((o) => o.id)).size).toBe(objects.length);
    });

    it('nodes: in the order asked, null for ids of nothing, an error at the index of a malformed id', async () => {
      const objects = await listed();
      const test = objects.find((o) => o.__typename === 'Test');
      const endpoint = objects.find((o) => o.__typename === 'Endpoint');
      const hash = modelHash(seeded.model);
      const unknown = [
        globalId('Test', 'bhv-no-such-test-00000000'),
        globalId('GenerationRun', '00000000-0000-0000-0000-000000000000'),
        globalId('TestRun', 'no-such-run'),
        globalId('ModelVersion', '999'),
        globalId('Trace', '0'.repeat(32)),
        globalId('Endpoint', hash, 'api-gateway|HTTP DELETE /nothing'),
        // A version that was never stored: its objects are not there either.
        globalId('Endpoint', 'no-such-model-hash', endpoint.key),
        globalId('Behaviour', hash, ORDERS, 'no-such-fingerprint'),
        globalId('Service', hash, 'no-such-service'),
        globalId('Entity', hash, 'table', 'no_such_table', 'postgresql'),
      ];
      const tests = service.app.get(TestRepository);
      const testsByIds = jest.spyOn(tests, 'testsByIds');
      const ids = [...objects.map((o) => o.id), 'not-a-global-id', ...unknown];
      const answer = await post(`query ($ids: [ID!]!) { nodes(ids: $ids) { ${ANY_NODE} } }`, {
        ids,
      });
      expect(answer.status).toBe(200);
      expect(answer.data.nodes).toEqual([...objects, null, ...unknown.map(() => null)]);
      // Unknown ids are no errors; the malformed one is, at its own index only.
      expect(answer.errors).toEqual([
        expect.objectContaining({
          message: expect.stringMatching(new RegExp(`^ids\\[${objects.length}\\] is not an id`)),
          path: ['nodes', objects.length],
          extensions: { code: 'BAD_USER_INPUT', argument: 'ids' },
        }),
      ]);
      // The tests asked for, known or not, are read together.
      expect(testsByIds).toHaveBeenCalledTimes(1);
      expect(new Set(testsByIds.mock.calls[0][0])).toEqual(
        new Set([test.testId, 'bhv-no-such-test-00000000']),
      );
    });

    it('node: null without an error for an unknown id, BAD_USER_INPUT for a malformed one', async () => {
      const missing = await post(
        `{ node(id: "${globalId('Test', 'bhv-no-such-test-00000000')}") { id } }`,
      );
      expect(missing).toMatchObject({ status: 200, data: { node: null }, errors: undefined });
      for (const id of [
        'not-a-global-id',
        globalId('Span', 'abc'),
        globalId('ModelVersion', 'latest'),
        globalId('Trace', 'xyz'),
        globalId('Endpoint', 'only-a-hash'),
      ]) {
        const answer = await post('query ($id: ID!) { node(id: $id) { id } }', { id });
        expect(answer.data).toEqual({ node: null });
        expect(answer.errors).toHaveLength(1);
        expect(answer.errors![0]).toMatchObject({
          path: ['node'],
          extensions: { code: 'BAD_USER_INPUT', argument: 'id' },
        });
      }
      const tooMany = await post('query ($ids: [ID!]!) { nodes(ids: $ids) { id } }', {
        ids: Array.from({ length: 101 }, (_, i) => globalId('Test', `bhv-${i}`)),
      });
      expect(tooMany.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'ids' });
    });

    it('a test’s and a run’s global ids are not their own ids; test(id:), generationRun(id:) and trace(id:) take either', async () => {
      const objects = await listed();
      const test = objects.find((o) => o.__typename === 'Test');
      const run = objects.find((o) => o.__typename === 'GenerationRun');
      const trace = objects.find((o) => o.__typename === 'Trace');
      expect(test.id).not.toBe(test.testId);
      expect(test.id).toBe(globalId('Test', test.testId));
      expect(run.id).not.toBe(run.runId);
      expect(test.generationRun.id).toBe(globalId('GenerationRun', test.generationRunId));
      const q = `query ($test: String!, $run: String!, $trace: String!) {
        test(id: $test) { id testId }
        generationRun(id: $run) { id runId }
        trace(id: $trace) { id traceId }
      }`;
      const byOwnIds = await query(q, { test: test.testId, run: run.runId, trace: trace.traceId });
      const byGlobalIds = await query(q, { test: test.id, run: run.id, trace: trace.id });
      expect(byGlobalIds).toEqual(byOwnIds);
      expect(byGlobalIds).toEqual({
        test: { id: test.id, testId: test.testId },
        generationRun: { id: run.id, runId: run.runId },
        trace: { id: trace.id, traceId: trace.traceId },
      });
      // Another type's global id is refused, not looked up as an own id.
      const wrong = await post(`{ test(id: "${run.id}") { id } }`);
      expect(wrong.errors?.[0]).toMatchObject({
        path: ['test'],
        extensions: { code: 'BAD_USER_INPUT', argument: 'id' },
      });
    });

    it('costs `nodes` as many `node` fields: its selection once per id', () => {
      const schema = service.app.get(GraphQLSchemaHost).schema;
      const cost = (q: string, variables: Record<string, unknown> = {}) =>
        operationComplexity(schema, parse(q), variables);
      const ids = (n: number) => Array.from({ length: n }, (_, i) => globalId('Test', `bhv-${i}`));
      const selection = '{ id ... on Test { spec } ... on Endpoint { key } }';
      // Per id: the object (1) and the costliest type's selection (a spec, 50).
      expect(cost(`{ a: node(id: "x") ${selection} b: node(id: "y") ${selection} }`)).toBe(102);
      expect(cost(`query ($ids: [ID!]!) { nodes(ids: $ids) ${selection} }`, { ids: ids(2) })).toBe(
        102,
      );
      // A test run costs its executions alike whether read with testRun or refetched with node.
      const executions = 'executions { testId report }';
      expect(cost(`{ testRun(runId: "r") { runId ${executions} } }`)).toBe(10 + 11 * 20);
      expect(cost(`{ node(id: "x") { ... on TestRun { runId ${executions} } } }`)).toBe(
        1 + 11 * 20,
      );
      // What the README says: 100 tests' specs are refused.
      expect(
        cost(`query ($ids: [ID!]!) { nodes(ids: $ids) { ... on Test { spec } } }`, {
          ids: ids(100),
        }),
      ).toBe(5100);
      // Over the bound: costed at 100 ids (and refused by the resolver).
      expect(cost(`query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: ids(500) })).toBe(100);
    });

    it('refuses before execution a `nodes` call that would cost too much', async () => {
      const testsByIds = jest.spyOn(service.app.get(TestRepository), 'testsByIds');
      const answer = await post(
        'query ($ids: [ID!]!) { nodes(ids: $ids) { ... on Test { spec jestFile { content } } } }',
        { ids: Array.from({ length: 100 }, (_, i) => globalId('Test', `bhv-${i}`)) },
      );
      expect(answer.status).toBe(400);
      expect(answer.errors?.[0].extensions).toMatchObject({
        code: 'QUERY_TOO_COMPLEX',
        measure: 'complexity',
        actual: 100 * (1 + 50 + 50),
      });
      expect(testsByIds).not.toHaveBeenCalled();
    });
  });

  describe('query limits', () => {
    it('costs specs and emitted files: a page of tests with all of them is refused', async () => {
      const fields = 'spec jestFile { content } tracetestFiles { content }';
      const refused = await post(`{ tests(first: 20) { edges { node { id ${fields} } } } }`);
      expect(refused.status).toBe(400);
      expect(refused.errors?.[0].extensions).toMatchObject({
        code: 'QUERY_TOO_COMPLEX',
        measure: 'complexity',
      });
      await query(`{ tests(first: 20) { edges { node { id spec } } } }`);
      await query(`{ tests(first: 5) { edges { node { id ${fields} } } } }`);
    });
  });
});
