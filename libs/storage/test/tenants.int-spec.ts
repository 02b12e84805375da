import type { ClusterMembersEvent, ClusterWindowEvent } from '@t2t/fingerprint';
import {
  type ClickHouseHandle,
  ClusterRepository,
  defaultMigrationsDir,
  type GenerationRun,
  loadMigrations,
  Migrator,
  ModelRepository,
  openStorage,
  RuleStatsRepository,
  SpanRepository,
  type SpanRow,
  type StoredModelVersion,
  type StoredTest,
  type TestExecution,
  TestRepository,
} from '@t2t/storage';
import { freshTestStorage, type TestStorage } from '@t2t/test-support';
import { withTenant } from '@t2t/wire';

/**
 * Two tenants writing the same ids (trace, test, run, model hash, endpoint and fingerprint, window)
 * see only their own rows through every read of every repository; merges keep them apart; rows
 * written outside any tenant scope, and rows stored before migration 007, belong to 'default'.
 */

const ACME = 'acme';
const GLOBEX = 'globex';
const T0_MS = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const NS = 1_000_000n;
const DAY_MS = 86_400_000;
const TRACE = '0af7651916cd43dd8448eb211c80319c';
const ENDPOINT = 'shop|HTTP POST /orders';
const FINGERPRINT = 'f'.repeat(16);

function span(overrides: Partial<SpanRow>): SpanRow {
  return {
    Timestamp: `${BigInt(T0_MS) * NS}`,
    TraceId: TRACE,
    SpanId: '0000000000000001',
    ParentSpanId: '',
    TraceState: '',
    SpanName: 'POST /orders',
    SpanKind: 'Server',
    ServiceName: 'shop',
    ResourceAttributes: {},
    ScopeName: '',
    ScopeVersion: '',
    SpanAttributes: {},
    Duration: '1000',
    StatusCode: 'Unset',
    StatusMessage: '',
    'Events.Timestamp': [],
    'Events.Name': [],
    'Events.Attributes': [],
    'Links.TraceId': [],
    'Links.SpanId': [],
    'Links.TraceState': [],
    'Links.Attributes': [],
    Flags: 0,
    DroppedAttributesCount: 0,
    DroppedEventsCount: 0,
    DroppedLinksCount: 0,
    ScopeAttributes: {},
    ScopeDroppedAttributesCount: 0,
    ScopeSchemaUrl: '',
    ResourceDroppedAttributesCount: 0,
    ResourceSchemaUrl: '',
    'Events.DroppedAttributesCount': [],
    'Links.Flags': [],
    'Links.DroppedAttributesCount': [],
    ...overrides,
  };
}

/** What tells the two tenants' rows apart: their own counts, names and times for the same ids. */
interface TenantData {
  tenant: string;
  /** Spans of TRACE: this many, named after the tenant, starting this many days after T0. */
  spans: number;
  day: number;
  traces: number;
  amount: string;
  modelVersion: number;
  passed: boolean;
}

const DATA: TenantData[] = [
  { tenant: ACME, spans: 2, day: 0, traces: 5, amount: '10', modelVersion: 3, passed: true },
  { tenant: GLOBEX, spans: 3, day: 40, traces: 9, amount: '900', modelVersion: 7, passed: false },
];

const startMs = (d: TenantData) => T0_MS + d.day * DAY_MS;

function spansOf(d: TenantData): SpanRow[] {
  return Array.from({ length: d.spans }, (_, i) =>
    span({
      Timestamp: `${BigInt(startMs(d) + i) * NS}`,
      SpanId: `000000000000000${i + 1}`,
      ParentSpanId: i === 0 ? '' : '0000000000000001',
      SpanName: i === 0 ? 'POST /orders' : `${d.tenant} step ${i}`,
      SpanAttributes: { 'order.amount': d.amount },
    }),
  );
}

function windowEvent(d: TenantData): ClusterWindowEvent {
  const start = startMs(d);
  return {
    v: 1,
    type: 'window',
    partition: 0,
    fingerprint: { version: 1, canonical: `${d.tenant} canonical`, shingles: [d.tenant] },
    aggregate: {
      windowStartMs: start,
      windowEndMs: start + 60_000,
      endpoint: ENDPOINT,
      fingerprint: FINGERPRINT,
      count: d.traces,
      errorCount: 0,
      incompleteCount: 0,
      spanCount: d.traces * d.spans,
      firstSeenNs: `${BigInt(start) * NS}`,
      lastSeenNs: `${BigInt(start + 1000) * NS}`,
      duration: { gamma: 1.02, zeroCount: 0, indexes: [100], counts: [d.traces] },
      sample: {
        k: 20,
        traceIds: [TRACE],
        hashes: ['0000000000000001'],
        durationsUs: [1000],
        errorFlags: [false],
        completeFlags: [true],
      },
      representative: { traceId: TRACE, durationUs: 1000 * d.spans },
    },
  };
}

function lateEvent(d: TenantData): ClusterWindowEvent {
  const w = windowEvent(d);
  return { ...w, type: 'late_trace', traceId: 'late'.padEnd(32, '0') };
}

function membersEvent(d: TenantData): ClusterMembersEvent {
  return {
    v: 1,
    type: 'members',
    partition: 0,
    endpoint: ENDPOINT,
    fingerprint: FINGERPRINT,
    traceIds: [TRACE],
    startNs: [`${BigInt(startMs(d)) * NS}`],
    errors: [0],
  };
}

function modelVersion(d: TenantData): StoredModelVersion {
  return {
    modelHash: 'same-hash',
    version: d.modelVersion,
    createdAt: '2026-01-02 00:00:00.000',
    model: JSON.stringify({ tenant: d.tenant }),
    counts: { services: 1, endpoints: 1, entities: 0, edges: 0, behaviours: 1, rules: 0 },
  };
}

function storedTest(d: TenantData): StoredTest {
  return {
    testId: 'test-1',
    endpoint: ENDPOINT,
    fingerprint: FINGERPRINT,
    rule: '',
    kind: 'behaviour',
    generator: 'deterministic',
    name: `${d.tenant} test`,
    modelHash: 'same-hash',
    modelVersion: d.modelVersion,
    generationRunId: 'run-1',
    verdict: 'verified',
    assertionsKept: 1,
    assertionsDropped: 0,
    spec: '{}',
    jestFile: '',
    tracetestYaml: '',
    createdAt: '2026-01-02 00:00:00.000',
    retired: false,
  };
}

function generationRun(d: TenantData): GenerationRun {
  return {
    runId: 'run-1',
    trigger: 'manual',
    status: 'succeeded',
    instance: d.tenant,
    modelVersion: d.modelVersion,
    modelHash: `${d.tenant}-hash`,
    endpoints: [ENDPOINT],
    testsGenerated: 1,
    testsKept: 1,
    testsRejected: 0,
    assertionsDropped: 0,
    error: '',
    startedAt: '2026-01-02 00:00:00.000',
    finishedAt: '2026-01-02 00:01:00.000',
  };
}

function execution(d: TenantData): TestExecution {
  return {
    runId: 'exec-1',
    testId: 'test-1',
    mode: 'stored',
    target: d.tenant,
    traceId: TRACE,
    passed: d.passed,
    failures: d.passed ? 0 : 1,
    report: '{}',
    durationMs: 5,
    startedAt: '2026-01-02 00:00:00.000',
  };
}

interface Repositories {
  spans: SpanRepository;
  clusters: ClusterRepository;
  models: ModelRepository;
  tests: TestRepository;
  rules: RuleStatsRepository;
}

const repositoriesOf = (handle: ClickHouseHandle): Repositories => ({
  spans: new SpanRepository(handle),
  clusters: new ClusterRepository(handle),
  models: new ModelRepository(handle),
  tests: new TestRepository(handle),
  rules: new RuleStatsRepository(handle),
});

/** A handle on another database of the same engine (repositories only read `client` and `database`). */
function onDatabase(handle: ClickHouseHandle, database: string): ClickHouseHandle {
  return {
    client: handle.client,
    mode: handle.mode,
    location: handle.location,
    database,
    insertCompact: (table, columns, body, settings) =>
      handle.insertCompact(table, columns, body, settings),
    close: async () => undefined,
  };
}

async function rows<T>(handle: ClickHouseHandle, query: string): Promise<T[]> {
  const rs = await handle.client.query({
    query,
    query_params: { db: handle.database },
    format: 'JSONEachRow',
  });
  return rs.json<T>();
}

/** The product tables of a database: every table but the migration records and the views. */
async function productTables(
  handle: ClickHouseHandle,
): Promise<{ name: string; engine: string; sorting_key: string }[]> {
  return rows(
    handle,
    `SELECT name, engine, sorting_key FROM system.tables
     WHERE database = {db:String} AND name != 'schema_migrations'
       AND engine NOT IN ('View', 'MaterializedView')
     ORDER BY name`,
  );
}

/** Fails unless every product table has its tenant column, default 'default', ending its sorting key. */
async function expectEveryTableTenanted(handle: ClickHouseHandle): Promise<void> {
  const tables = await productTables(handle);
  expect(tables.length).toBeGreaterThanOrEqual(12);
  const columns = await rows<{
    table: string;
    name: string;
    type: string;
    default_kind: string;
    default_expression: string;
  }>(
    handle,
    `SELECT table, name, type, default_kind, default_expression FROM system.columns
     WHERE database = {db:String} AND lower(name) = 'tenant'`,
  );
  const problems: string[] = [];
  for (const t of tables) {
    const column = columns.find((c) => c.table === t.name);
    if (!column) {
      problems.push(`${t.name}: no tenant column`);
      continue;
    }
    if (column.type !== 'LowCardinality(String)' || column.default_expression !== "'default'") {
      problems.push(
        `${t.name}: ${column.name} ${column.type} DEFAULT ${column.default_expression}`,
      );
    }
    const key = t.sorting_key.split(',').map((k) => k.trim());
    if (key[key.length - 1] !== column.name) {
      problems.push(`${t.name}: sorting key (${t.sorting_key}) does not end with ${column.name}`);
    }
  }
  // The view every behaviour total is read through carries the tenant too.
  if (!columns.some((c) => c.table === 'cluster_stats')) problems.push('cluster_stats: no tenant');
  expect(problems).toEqual([]);
}

describe('tenants in storage', () => {
  let storage: TestStorage;
  let handle: ClickHouseHandle;
  let repos: Repositories;

  beforeAll(async () => {
    storage = freshTestStorage();
    handle = await openStorage(storage.config);
    repos = repositoriesOf(handle);
    for (const d of DATA) {
      await withTenant(d.tenant, async () => {
        await repos.spans.insert(spansOf(d));
        await repos.clusters.write([windowEvent(d), lateEvent(d), membersEvent(d)]);
        await repos.models.saveVersion(modelVersion(d), {
          fromHash: 'before',
          toHash: 'same-hash',
          version: d.modelVersion,
          createdAt: '2026-01-02 00:00:00.000',
          changes: JSON.stringify([d.tenant]),
        });
        await repos.tests.saveTests([storedTest(d)]);
        await repos.tests.saveRun(generationRun(d));
        await repos.tests.saveExecutions([execution(d)]);
      });
    }
  });

  afterAll(async () => {
    await handle.close();
    await storage.cleanup();
  });

  describe.each(DATA)('tenant $tenant', (d) => {
    const own = <T>(fn: () => Promise<T>) => withTenant(d.tenant, fn);

    it('reads only its own spans of a trace id both tenants used', async () => {
      const { spans } = repos;
      const mine = await own(() => spans.findByTraceId(TRACE));
      expect(mine.map((s) => s.SpanName)).toEqual(spansOf(d).map((s) => s.SpanName));
      expect(mine).toEqual(spansOf(d));
      expect(await own(() => spans.findByTraceIds([TRACE]))).toEqual(spansOf(d));
      const model = await own(() => spans.findModelSpansByTraceIds([TRACE]));
      expect(model.map((s) => s.SpanName)).toEqual(spansOf(d).map((s) => s.SpanName));
      expect(await own(() => spans.countByTraceId(TRACE))).toBe(d.spans);
      const bounds = await own(() => spans.traceBounds(TRACE));
      expect(bounds?.start).toBe(new Date(startMs(d)).toISOString().replace('T', ' ').slice(0, 19));
    });

    it('reads only its own behaviours, families and representatives', async () => {
      const { clusters } = repos;
      const stats = await own(() => clusters.stats());
      // Its window plus its late trace; nothing of the other tenant's same behaviour.
      expect(stats.map((s) => [s.endpoint, s.fingerprint, s.traces])).toEqual([
        [ENDPOINT, FINGERPRINT, d.traces + 1],
      ]);
      const page = await own(() => clusters.statsPage({ limit: 10 }));
      expect(page.map((s) => s.traces)).toEqual([d.traces + 1]);
      expect(page[0].firstSeenNs).toBe(`${BigInt(startMs(d)) * NS}`);
      expect(await own(() => clusters.families())).toEqual([
        { endpoint: ENDPOINT, fingerprint: FINGERPRINT, family: FINGERPRINT },
      ]);
      const reps = await own(() => clusters.representatives());
      expect(reps.map((r) => r.durationUs)).toEqual([1000 * d.spans]);
    });

    it('models from its own windows, with its own horizon, and reads its own versions', async () => {
      const { models } = repos;
      // A one-day horizon from the tenant's own newest window: the other tenant's newer traffic
      // (40 days later for globex) does not push acme's windows out.
      const stats = await own(() => models.behaviourStats(DAY_MS));
      expect(stats.map((s) => [s.fingerprint, s.traces])).toEqual([[FINGERPRINT, d.traces + 1]]);
      const samples = await own(() => models.sampleTraceIds(10, DAY_MS));
      expect([...samples.keys()]).toEqual([`${ENDPOINT}\u0000${FINGERPRINT}`]);
      expect((await own(() => models.latestVersion()))?.model).toBe(modelVersion(d).model);
      expect((await own(() => models.versions(10))).map((v) => v.version)).toEqual([
        d.modelVersion,
      ]);
      expect((await own(() => models.versionSummaries(10))).map((v) => v.version)).toEqual([
        d.modelVersion,
      ]);
      expect((await own(() => models.modelsByHash(['same-hash']))).get('same-hash')).toBe(
        modelVersion(d).model,
      );
      expect((await own(() => models.versionByHash('same-hash')))?.version).toBe(d.modelVersion);
      const diffs = await own(() => models.diffsFor([3, 7]));
      expect(diffs.map((x) => x.changes)).toEqual([JSON.stringify([d.tenant])]);
    });

    it('reads only its own tests, generation runs and executions', async () => {
      const { tests } = repos;
      const current = await own(() => tests.currentTests({ limit: 10 }));
      expect(current.map((t) => t.name)).toEqual([`${d.tenant} test`]);
      const ofEndpoints = await own(() =>
        tests.currentTestsOfEndpoints({
          pages: [{ endpoint: ENDPOINT, afterTestId: '' }],
          limitPerEndpoint: 10,
        }),
      );
      expect(ofEndpoints.map((t) => t.name)).toEqual([`${d.tenant} test`]);
      expect((await own(() => tests.testsByIds(['test-1']))).map((t) => t.name)).toEqual([
        `${d.tenant} test`,
      ]);
      expect((await own(() => tests.runs(10))).map((r) => r.instance)).toEqual([d.tenant]);
      expect((await own(() => tests.runsPage(10))).map((r) => r.instance)).toEqual([d.tenant]);
      expect((await own(() => tests.runsByIds(['run-1']))).map((r) => r.instance)).toEqual([
        d.tenant,
      ]);
      expect(await own(() => tests.lastGeneratedModelHash())).toBe(`${d.tenant}-hash`);
      expect((await own(() => tests.executionsOfRun('exec-1'))).map((e) => e.target)).toEqual([
        d.tenant,
      ]);
      // Grouped within the tenant: one execution each, not both tenants' summed.
      const summaries = await own(() => tests.testRunsPage(10));
      expect(summaries).toEqual([
        expect.objectContaining({
          runId: 'exec-1',
          target: d.tenant,
          passed: d.passed ? 1 : 0,
          failed: d.passed ? 0 : 1,
        }),
      ]);
      expect((await own(() => tests.executionsFor(['test-1']))).map((e) => e.target)).toEqual([
        d.tenant,
      ]);
    });

    it('computes rule statistics over its own behaviours and spans', async () => {
      const { rules } = repos;
      const fromNs = BigInt(startMs(d)) * NS - 1n;
      expect(await own(() => rules.horizonStartNs(0))).toBe(BigInt(startMs(d)) * NS);
      const ranges = await own(() =>
        rules.numericRanges({
          endpoint: ENDPOINT,
          at: 'shop|HTTP POST /orders',
          attribute: 'order.amount',
          fingerprints: [FINGERPRINT],
          fromNs,
        }),
      );
      expect(ranges).toEqual([
        { fingerprint: FINGERPRINT, count: 1, min: Number(d.amount), max: Number(d.amount) },
      ]);
      const counts = await own(() =>
        rules.conditionCounts({
          endpoint: ENDPOINT,
          at: 'shop|HTTP POST /orders',
          atoms: [{ attribute: 'order.amount', op: '=', value: d.amount }],
          fingerprints: [FINGERPRINT],
          fromNs: BigInt(T0_MS) * NS,
        }),
      );
      expect(counts).toEqual([{ fingerprint: FINGERPRINT, traces: 1, holds: 1 }]);
    });
  });

  it('retires tests of one tenant without touching the same test id of another', async () => {
    const { tests } = repos;
    await withTenant('initech', () => tests.saveTests([storedTest({ ...DATA[0], tenant: 'x' })]));
    await withTenant('hooli', () => tests.saveTests([storedTest({ ...DATA[0], tenant: 'y' })]));
    expect(await withTenant('initech', () => tests.retireTests([ENDPOINT], new Set()))).toBe(1);
    expect(await withTenant('initech', () => tests.testsByIds(['test-1']))).toEqual([]);
    expect(
      (await withTenant('hooli', () => tests.testsByIds(['test-1']))).map((t) => t.name),
    ).toEqual(['y test']);
  });

  it('writes spans and cluster events to the tenant each row names, whatever the scope', async () => {
    const trace = 'e'.repeat(32);
    // As ingest writes: one insert of several tenants' rows, outside any scope.
    await repos.spans.insert([
      span({ TraceId: trace, SpanName: 'for acme', Tenant: ACME }),
      span({ TraceId: trace, SpanName: 'for globex', Tenant: GLOBEX }),
    ]);
    for (const [tenant, name] of [
      [ACME, 'for acme'],
      [GLOBEX, 'for globex'],
    ]) {
      const found = await withTenant(tenant, () => repos.spans.findByTraceId(trace));
      expect(found.map((s) => s.SpanName)).toEqual([name]);
    }
    // As the sink writes: events carrying their tenant, written inside some other scope.
    const event = { ...windowEvent(DATA[0]), tenant: 'umbrella' };
    event.aggregate = { ...event.aggregate, endpoint: 'umbrella|GET /' };
    await withTenant(ACME, () => repos.clusters.write([event]));
    expect(
      (await withTenant('umbrella', () => repos.clusters.stats())).map((s) => s.endpoint),
    ).toEqual(['umbrella|GET /']);
    expect((await withTenant(ACME, () => repos.clusters.stats())).map((s) => s.endpoint)).toEqual([
      ENDPOINT,
    ]);
  });

  it('refuses a row that names a malformed tenant', async () => {
    await expect(
      repos.spans.insert([span({ TraceId: 'f'.repeat(32), Tenant: "x' OR 1=1" })]),
    ).rejects.toThrow('invalid tenant');
    await expect(
      repos.clusters.write([{ ...windowEvent(DATA[0]), tenant: 'Not A Tenant' }]),
    ).rejects.toThrow('invalid tenant');
  });

  it('keeps one batch token per tenant: a replay is skipped, the same source batch of another tenant is not', async () => {
    const trace = 'd'.repeat(32);
    const batch = (tenant: string) => [span({ TraceId: trace, Tenant: tenant })];
    await repos.spans.insert(batch(ACME), { dedupToken: 'otlp_spans/0/0-9' });
    await repos.spans.insert(batch(GLOBEX), { dedupToken: 'otlp_spans/0/0-9' });
    await repos.spans.insert(batch(ACME), { dedupToken: 'otlp_spans/0/0-9' });
    expect(await withTenant(ACME, () => repos.spans.countByTraceId(trace))).toBe(1);
    expect(await withTenant(GLOBEX, () => repos.spans.countByTraceId(trace))).toBe(1);
  });

  it('never merges rows of two tenants that share a key (OPTIMIZE FINAL)', async () => {
    for (const t of await productTables(handle)) {
      await handle.client.command({
        query: `OPTIMIZE TABLE {db:Identifier}.{table:Identifier} FINAL`,
        query_params: { db: handle.database, table: t.name },
      });
    }
    const perTenant = async (table: string, column: string, where: string) =>
      rows<{ t: string; n: string }>(
        handle,
        `SELECT ${column} AS t, count() AS n FROM {db:Identifier}.${table}
         WHERE ${where} AND ${column} IN ('acme', 'globex') GROUP BY t ORDER BY t`,
      );
    const both = [
      { t: ACME, n: '1' },
      { t: GLOBEX, n: '1' },
    ];
    expect(await perTenant('spans_trace_id_ts', 'Tenant', `TraceId = '${TRACE}'`)).toEqual(both);
    expect(await perTenant('cluster_windows', 'tenant', `fingerprint = '${FINGERPRINT}'`)).toEqual(
      both,
    );
    expect(
      await perTenant('cluster_late_traces', 'tenant', `fingerprint = '${FINGERPRINT}'`),
    ).toEqual(both);
    expect(await perTenant('clusters', 'tenant', `fingerprint = '${FINGERPRINT}'`)).toEqual(both);
    expect(await perTenant('representatives', 'tenant', `fingerprint = '${FINGERPRINT}'`)).toEqual(
      both,
    );
    expect(await perTenant('trace_behaviours', 'tenant', `trace_id = '${TRACE}'`)).toEqual(both);
    expect(await perTenant('model_versions', 'tenant', `model_hash = 'same-hash'`)).toEqual(both);
    expect(await perTenant('model_diffs', 'tenant', `to_hash = 'same-hash'`)).toEqual(both);
    expect(await perTenant('tests', 'tenant', `test_id = 'test-1'`)).toEqual(both);
    expect(await perTenant('generation_runs', 'tenant', `run_id = 'run-1'`)).toEqual(both);
    expect(await perTenant('test_runs', 'tenant', `run_id = 'exec-1'`)).toEqual(both);
    // And the reads after the merge are still each tenant's own.
    for (const d of DATA) {
      const stats = await withTenant(d.tenant, () => repos.clusters.stats());
      expect(stats.find((s) => s.endpoint === ENDPOINT)?.traces).toBe(d.traces + 1);
      const [bounds] = await rows<{ s: string }>(
        handle,
        `SELECT toString(Start) AS s FROM {db:Identifier}.spans_trace_id_ts
         WHERE TraceId = '${TRACE}' AND Tenant = '${d.tenant}'`,
      );
      expect(bounds.s).toBe(new Date(startMs(d)).toISOString().replace('T', ' ').slice(0, 19));
    }
  });

  it("writes rows outside any tenant scope to 'default', which other tenants do not see", async () => {
    const trace = 'b'.repeat(32);
    await repos.spans.insert([span({ TraceId: trace })]);
    await repos.models.saveVersion(
      { ...modelVersion(DATA[0]), modelHash: 'default-hash' },
      undefined,
    );
    await repos.tests.saveTests([{ ...storedTest(DATA[0]), testId: 'default-test' }]);
    const [spanRow] = await rows<{ Tenant: string }>(
      handle,
      `SELECT Tenant FROM {db:Identifier}.spans WHERE TraceId = '${trace}'`,
    );
    expect(spanRow.Tenant).toBe('default');
    const [model] = await rows<{ tenant: string }>(
      handle,
      `SELECT tenant FROM {db:Identifier}.model_versions WHERE model_hash = 'default-hash'`,
    );
    expect(model.tenant).toBe('default');
    expect(await repos.spans.countByTraceId(trace)).toBe(1);
    expect(await withTenant('default', () => repos.spans.countByTraceId(trace))).toBe(1);
    expect(await withTenant(ACME, () => repos.spans.countByTraceId(trace))).toBe(0);
    expect((await repos.tests.testsByIds(['default-test'])).length).toBe(1);
    expect(await withTenant(ACME, () => repos.tests.testsByIds(['default-test']))).toEqual([]);
  });

  it("lists the tenants with clusters or models, sorted, always with 'default'", async () => {
    expect(await repos.models.knownTenants()).toEqual([ACME, 'default', GLOBEX, 'umbrella']);
    const empty = onDatabase(handle, storage.database('db_no_tenants'));
    await new Migrator(
      handle.client,
      empty.database,
      loadMigrations(defaultMigrationsDir()),
    ).migrate();
    expect(await new ModelRepository(empty).knownTenants()).toEqual(['default']);
  });

  it('gives every product table a tenant column that ends its sorting key', async () => {
    await expectEveryTableTenanted(handle);
  });

  it("keeps the rows of an existing install as tenant 'default' when 007 runs", async () => {
    const migrations = loadMigrations(defaultMigrationsDir());
    const before = migrations.filter((m) => m.version < 7);
    expect(before.map((m) => m.version)).toEqual([1, 2, 3, 4, 5, 6]);
    const old = onDatabase(handle, storage.database('db_before_tenants'));
    await new Migrator(handle.client, old.database, before).migrate();

    // Rows as the release before tenants wrote them (its columns only).
    const d = DATA[0];
    const insert = (table: string, values: Record<string, unknown>[]) =>
      handle.client.insert({ table: `${old.database}.${table}`, format: 'JSONEachRow', values });
    await old.insertCompact(
      `${old.database}.spans`,
      ['Timestamp', 'TraceId', 'SpanId', 'SpanName', 'ServiceName'],
      Buffer.from(
        spansOf(d)
          .map((s) => JSON.stringify([s.Timestamp, s.TraceId, s.SpanId, s.SpanName, s.ServiceName]))
          .join('\n'),
      ),
    );
    const window = {
      endpoint: ENDPOINT,
      fingerprint: FINGERPRINT,
      window_start: (startMs(d) / 1000).toFixed(3),
      trace_count: d.traces,
    };
    await insert('cluster_windows', [window]);
    await insert('clusters', [
      { endpoint: ENDPOINT, fingerprint: FINGERPRINT, fingerprint_version: 1 },
    ]);
    await insert('representatives', [
      { endpoint: ENDPOINT, fingerprint: FINGERPRINT, trace_id: TRACE },
    ]);
    await insert('cluster_late_traces', [
      { trace_id: TRACE, endpoint: ENDPOINT, fingerprint: FINGERPRINT },
    ]);
    await insert('trace_behaviours', [
      { trace_id: TRACE, endpoint: ENDPOINT, fingerprint: FINGERPRINT },
    ]);
    await insert('model_versions', [{ model_hash: 'old-hash', version: 1, model: '{"old":1}' }]);
    await insert('model_diffs', [
      { from_hash: 'a', to_hash: 'old-hash', version: 1, changes: '[]' },
    ]);
    await insert('tests', [{ ...snake(storedTest(d)), test_id: 'old-test' }]);
    await insert('generation_runs', [
      { run_id: 'old-run', status: 'succeeded', model_hash: 'old-hash' },
    ]);
    await insert('test_runs', [{ run_id: 'old-exec', test_id: 'old-test', trace_id: TRACE }]);

    const report = await new Migrator(handle.client, old.database, migrations).migrate();
    expect(report.applied).toEqual([7]);
    await expectEveryTableTenanted(old);

    // Every stored row reads as 'default', before and after its parts merge.
    const tenantsOfEveryTable = async () => {
      const out: Record<string, string[]> = {};
      for (const t of await productTables(old)) {
        const column = t.name.startsWith('spans') ? 'Tenant' : 'tenant';
        const found = await rows<{ t: string }>(
          old,
          `SELECT DISTINCT ${column} AS t FROM {db:Identifier}.${t.name} ORDER BY t`,
        );
        out[t.name] = found.map((r) => r.t);
      }
      return out;
    };
    const expected = Object.fromEntries(
      (await productTables(old)).map((t) => [t.name, ['default']]),
    );
    expect(await tenantsOfEveryTable()).toEqual(expected);
    for (const t of await productTables(old)) {
      await handle.client.command({
        query: `OPTIMIZE TABLE {db:Identifier}.{table:Identifier} FINAL`,
        query_params: { db: old.database, table: t.name },
      });
    }
    expect(await tenantsOfEveryTable()).toEqual(expected);

    // And the repositories read them as the implicit tenant's, and as no other tenant's.
    const r = repositoriesOf(old);
    expect((await r.spans.findByTraceId(TRACE)).map((s) => s.SpanName)).toEqual(
      spansOf(d).map((s) => s.SpanName),
    );
    expect(await r.spans.traceBounds(TRACE)).toBeDefined();
    expect((await r.clusters.stats()).map((s) => s.traces)).toEqual([d.traces + 1]);
    expect((await r.models.versionByHash('old-hash'))?.model).toBe('{"old":1}');
    expect((await r.tests.testsByIds(['old-test'])).length).toBe(1);
    expect(await r.tests.lastGeneratedModelHash()).toBe('old-hash');
    expect((await r.tests.executionsOfRun('old-exec')).length).toBe(1);
    expect(await withTenant(ACME, () => r.spans.findByTraceId(TRACE))).toEqual([]);
    expect(await withTenant(ACME, () => r.models.versionByHash('old-hash'))).toBeUndefined();

    // Spans written after the upgrade reach the per-tenant trace-id lookup.
    const fresh = 'a'.repeat(32);
    await withTenant(GLOBEX, () => r.spans.insert([span({ TraceId: fresh })]));
    expect(await withTenant(GLOBEX, () => r.spans.findByTraceId(fresh))).toHaveLength(1);
    expect(await r.spans.traceBounds(fresh)).toBeUndefined();
  });
});

/** A StoredTest as the tests table's columns. */
function snake(t: StoredTest): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(t).map(([k, v]) => [
      k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
      typeof v === 'boolean' ? Number(v) : v,
    ]),
  );
}
