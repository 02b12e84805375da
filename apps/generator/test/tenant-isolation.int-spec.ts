import { StatusCode } from '@t2t/domain';
import {
  checkoutSystem,
  type GeneratedTrace,
  generateTraces,
  potatoSystem,
  type SystemDefinition,
} from '@t2t/examples';
import {
  type ClusterEvent,
  type ClusterMembersEvent,
  type TraceSummary,
  WindowAggregator,
} from '@t2t/fingerprint';
import { buildSystemModel, modelHash, type SystemModel } from '@t2t/model';
import {
  CLICKHOUSE,
  type ClickHouseHandle,
  ClusterRepository,
  ModelRepository,
  SpanRepository,
} from '@t2t/storage';
import { freshStorageConfig, type RunningService, startTestService } from '@t2t/test-support';
import { withTenant } from '@t2t/wire';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import {
  getNamedType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isScalarType,
  parse,
} from 'graphql';
// The clustering steps production runs, as libs/model's specs and graphql-tests.int-spec use them.
import { clusterTraces, toModelSpan } from '../../../libs/model/test/behaviour-evidence.fixture';
import { toSpanRow } from '../../../libs/runner/test/fake-shop.target';
import { operationDepth } from '../src/graphql/limits/operation-depth';
import { operationComplexity } from '../src/graphql/limits/query-limits.plugin';
import { generatorEnv } from '../src/generator.env';
import { GeneratorModule } from '../src/generator.module';

/*
 * Tenant isolation of the GraphQL API, end to end: the generator app on a fresh embedded
 * ClickHouse with API keys of two tenants. Tenant `a` records libs/examples' potato shop, tenant
 * `b` the checkout system; each tenant's spans, cluster windows, trace behaviours and model
 * version are written through the repositories inside `withTenant`, and each generates, verifies
 * and records a test run through the API with its own key.
 *
 * Then the schema is walked by introspection: every Query and Mutation field is called with
 * tenant a's ids (test, run and trace ids, endpoint keys, cursors, global ids, specs) and tenant
 * b's key. b must get none of a's data (the response holds no identifier only a has, unless b sent
 * it), and a's data must be the same afterwards. Every String and ID argument is tried with
 * injection attempts, which must be inert. A field the walk does not know how to call fails it.
 */

const TENANT_KEYS = {
  a: 'k-tenant-a-admin-0123456789abcdef',
  b: 'k-tenant-b-admin-fedcba9876543210',
};
const A_READ = 'k-tenant-a-read-00112233445566';
const A_GENERATE = 'k-tenant-a-generate-8899aabbcc';
const HEADER = 'x-t2t-tenant';
const TRACES = 300;
const SAMPLES_PER_BEHAVIOUR = 20;
const MAX_COMPLEXITY = 2000;
const MAX_DEPTH = 8;

type Tenant = keyof typeof TENANT_KEYS;

// ---------------------------------------------------------------------------------------------
// Seed: what clustering and modeling store for one tenant's traffic

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
  /** Trace ids whose spans are stored (windows' samples and representatives). */
  storedTraces: string[];
  /** Every trace's id (its behaviour is stored in trace_behaviours). */
  allTraces: string[];
  since: string;
  until: string;
}

/** Writes one tenant's recorded traffic; call inside `withTenant`. */
async function seedTenant(
  service: RunningService,
  system: SystemDefinition,
  seed: number,
): Promise<Seeded> {
  const traces = generateTraces(system, { seed, traces: TRACES });
  const { evidence, fingerprints } = clusterTraces(traces, {
    samplesPerBehaviour: SAMPLES_PER_BEHAVIOUR,
  });
  const model = buildSystemModel(evidence);
  const endpointOf = new Map(evidence.map((e) => [e.fingerprint, e.endpoint]));
  const aggregator = new WindowAggregator({ sampleSize: SAMPLES_PER_BEHAVIOUR });
  const members = new Map<string, ClusterMembersEvent>();
  let first = BigInt(Number.MAX_SAFE_INTEGER) * 1_000_000_000n;
  let last = 0n;
  for (const trace of traces) {
    const fingerprint = fingerprints.get(trace.traceId)!;
    const summary = summaryOf(trace, endpointOf.get(fingerprint)!, fingerprint);
    expect(aggregator.add(summary).outcome).toBe('added');
    if (summary.startNs < first) first = summary.startNs;
    if (summary.startNs > last) last = summary.startNs;
    const key = `${summary.endpoint}\u0000${fingerprint}`;
    const m = members.get(key) ?? {
      v: 1 as const,
      type: 'members' as const,
      partition: 0,
      endpoint: summary.endpoint,
      fingerprint,
      traceIds: [],
      startNs: [],
      errors: [],
    };
    m.traceIds.push(trace.traceId);
    m.startNs.push(summary.startNs.toString());
    m.errors.push(summary.error ? 1 : 0);
    members.set(key, m);
  }
  const windows = aggregator.closeUpTo(last + 3_600_000_000_000n);
  const events: ClusterEvent[] = [
    ...windows.map((aggregate) => ({
      v: 1 as const,
      type: 'window' as const,
      partition: 0,
      aggregate,
      fingerprint: undefined,
    })),
    ...members.values(),
  ];
  const stored = new Set(windows.flatMap((w) => [...w.sample.traceIds, w.representative.traceId]));
  const rows = traces
    .filter((t) => stored.has(t.traceId))
    .flatMap((t) => t.spans.map((s) => toSpanRow(toModelSpan(s))));

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
  const iso = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString();
  return {
    model,
    storedTraces: [...stored].sort(),
    allTraces: traces.map((t) => t.traceId),
    since: iso(first - 60_000_000_000n),
    until: iso(last + 60_000_000_000n),
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP

interface GqlError {
  message: string;
  path?: (string | number)[];
  extensions: Record<string, unknown> & { code: string };
}

interface GqlAnswer {
  status: number;
  data: any;
  errors: GqlError[] | undefined;
  /** The whole response body, as sent. */
  text: string;
}

// ---------------------------------------------------------------------------------------------
// What the walk knows of a tenant, and how it calls each root field with it

interface Known {
  tenant: Tenant;
  seeded: Seeded;
  /** Entry endpoints of the tenant's model. */
  endpoints: string[];
  testIds: string[];
  generationRunIds: string[];
  testRunIds: string[];
  specs: unknown[];
  /** The first cursor each list answered. */
  cursors: Record<string, string>;
  /** Global ids of every Node the tenant's own calls answered, by type. */
  globalIds: Map<string, string>;
}

type Args = Record<string, unknown>;

const some = <T>(items: readonly T[], n: number): T[] => items.slice(0, n);
const chunks = <T>(items: readonly T[], n: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / n) }, (_, i) => items.slice(i * n, i * n + n));
const idsOf = (k: Known, type: string) =>
  [...k.globalIds].filter(([, t]) => t === type).map(([id]) => id);

/**
 * Every Query field, with the calls made of it from a tenant's ids. A field missing here fails
 * the walk, and so does an argument no call uses: coverage cannot shrink unnoticed.
 */
const QUERIES: Record<string, (k: Known) => Args[]> = {
  clusters: (k) => [
    { first: 100 },
    ...k.endpoints.map((endpoint) => ({ endpoint, first: 100 })),
    { first: 100, after: k.cursors.clusters },
  ],
  endpointTimings: (k) => [{ endpoints: k.endpoints }],
  generationRun: (k) => [...k.generationRunIds, ...idsOf(k, 'GenerationRun')].map((id) => ({ id })),
  generationRuns: (k) => [{ first: 100 }, { first: 100, after: k.cursors.generationRuns }],
  modelDiff: () => [{ from: 1, to: 1 }],
  modelVersion: () => [{}, { version: 1 }],
  modelVersions: (k) => [{ first: 100 }, { first: 100, after: k.cursors.modelVersions }],
  node: (k) => [...k.globalIds.keys()].map((id) => ({ id })),
  nodes: (k) => chunks([...k.globalIds.keys()], 8).map((ids) => ({ ids })),
  test: (k) => [...some(k.testIds, 4), ...some(idsOf(k, 'Test'), 4)].map((id) => ({ id })),
  testRun: (k) => k.testRunIds.map((runId) => ({ runId })),
  testRuns: (k) => [{ first: 100 }, { first: 100, after: k.cursors.testRuns }],
  tests: (k) => [
    { first: 100 },
    ...k.endpoints.map((endpoint) => ({ endpoint, first: 100 })),
    { first: 100, after: k.cursors.tests },
    ...enumVariants('tests', ['kind', 'verdict', 'generator']),
  ],
  trace: (k) =>
    [...some(k.seeded.storedTraces, 4), ...some(idsOf(k, 'Trace'), 4)].map((id) => ({ id })),
  traceSpanCount: (k) => some(k.seeded.storedTraces, 4).map((id) => ({ id })),
};

/** Every Mutation field, with the calls tenant b makes of it with tenant a's ids. */
const MUTATIONS: Record<string, (k: Known) => Args[]> = {
  generateTests: (k) => k.endpoints.map((endpoint) => ({ endpoint })),
  verifyTests: (k) => [
    {
      since: k.seeded.since,
      until: k.seeded.until,
      endpoint: k.endpoints[0],
      maxTracesPerEndpoint: 100,
      store: true,
    },
    { since: k.seeded.since, until: k.seeded.until, endpoints: k.endpoints },
    { since: k.seeded.since, until: k.seeded.until, specs: k.specs, store: true },
  ],
  recordTestExecutions: (k) => [
    {
      runId: k.testRunIds[0],
      executions: some(k.testIds, 2).map((testId, i) => ({
        testId,
        mode: 'STORED',
        target: `${k.seeded.since}..${k.seeded.until}`,
        traceId: k.seeded.storedTraces[i],
        passed: false,
        failures: 1,
        report: { version: 1, note: 'recorded by another tenant' },
        durationMs: 5,
        startedAt: new Date().toISOString(),
      })),
    },
  ],
};

/**
 * What tenant b must get from a field called with tenant a's ids, beyond "nothing of a's": the
 * lookups by id find nothing, counts are zero, timings unknown, verifications read no trace.
 */
const B_EXPECTS: Record<
  string,
  (data: any, errors: GqlError[], args: Args, aOnly: ReadonlySet<string>) => void
> = {
  // An id both tenants have (model version 1, its global id) finds b's own object, legitimately.
  generationRun: (d, _e, args, aOnly) => aOnly.has(args.id as string) && expect(d).toBeNull(),
  node: (d, _e, args, aOnly) => aOnly.has(args.id as string) && expect(d).toBeNull(),
  nodes: (d, _e, args, aOnly) =>
    expect(d.filter((_: unknown, i: number) => aOnly.has((args.ids as string[])[i]))).toEqual(
      (args.ids as string[]).filter((id) => aOnly.has(id)).map(() => null),
    ),
  test: (d, _e, args, aOnly) => aOnly.has(args.id as string) && expect(d).toBeNull(),
  testRun: (d) => expect(d).toBeNull(),
  trace: (d, _e, args, aOnly) => aOnly.has(args.id as string) && expect(d).toBeNull(),
  traceSpanCount: (d) => expect(d).toBe(0),
  endpointTimings: (d) => expect(d.map((t: any) => t.p95Ms)).toEqual(d.map(() => null)),
  generateTests: (d, errors) => {
    expect(d).toBeNull();
    expect(errors.map((e) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
  },
  verifyTests: (d) => {
    if (d !== null) expect(d.traceCount).toBe(0);
  },
};

let schemaForVariants: GraphQLSchema;
/** The types that implement Node: their `id` is a global id. */
let nodeTypes = new Set<string>();

/** One call per value of each enum argument. */
function enumVariants(field: string, args: string[]): Args[] {
  const f = schemaForVariants.getQueryType()!.getFields()[field];
  return args.flatMap((name) => {
    const arg = f.args.find((a) => a.name === name)!;
    const type = getNamedType(arg.type);
    if (!isEnumType(type)) throw new Error(`${field}(${name}) is not an enum`);
    return type.getValues().map((v) => ({ [name]: v.name, first: 100 }));
  });
}

// ---------------------------------------------------------------------------------------------
// Selections from the schema

/**
 * Everything of a type a client can select without further arguments, `levels` objects deep:
 * every scalar and enum, objects and lists of them (lists of 3), and every type of an interface
 * or union. Fields that need an argument are left out.
 */
function selectionOf(schema: GraphQLSchema, type: GraphQLOutputType, levels: number): string {
  const named = getNamedType(type);
  if (isLeafType(named)) return '';
  if (isAbstractType(named)) {
    const parts = schema
      .getPossibleTypes(named)
      .map((t) => `... on ${t.name} ${objectSelection(schema, t, levels, t.name)}`);
    return `{ __typename ${parts.join(' ')} }`;
  }
  return objectSelection(schema, named as GraphQLObjectType, levels);
}

/**
 * `aliasFor`: the fields of one type of an interface or union are aliased `<field>__<type>`, as
 * two types may have fields of one name and different types (GraphQL refuses those side by side).
 */
function objectSelection(
  schema: GraphQLSchema,
  type: GraphQLObjectType,
  levels: number,
  aliasFor?: string,
): string {
  const parts = ['__typename'];
  for (const field of Object.values(type.getFields())) {
    if (field.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined)) continue;
    const name = aliasFor ? `${field.name}__${aliasFor}: ${field.name}` : field.name;
    if (isLeafType(getNamedType(field.type))) {
      parts.push(name);
    } else if (levels > 0) {
      const first = field.args.some((a) => a.name === 'first') ? '(first: 3)' : '';
      parts.push(`${name}${first} ${selectionOf(schema, field.type, levels - 1)}`);
    }
  }
  return `{ ${parts.join(' ')} }`;
}

/** The call as a document with one variable per argument (so no value is ever spliced in). */
function documentOf(
  schema: GraphQLSchema,
  kind: 'query' | 'mutation',
  field: GraphQLField<unknown, unknown>,
  args: Args,
): string {
  const used = field.args.filter((a) => a.name in args);
  const variables = used.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const passed = used.map((a) => `${a.name}: $${a.name}`).join(', ');
  const head = `${kind} Walk${variables ? `(${variables})` : ''}`;
  const call = `${field.name}${passed ? `(${passed})` : ''}`;
  // As much as the limits allow: the deepest selection within depth and complexity.
  for (let levels = 4; levels >= 0; levels--) {
    const selection = selectionOf(schema, field.type, levels);
    const doc = `${head} { ${call} ${selection} }`;
    const parsed = parse(doc);
    if (operationDepth(parsed) > MAX_DEPTH) continue;
    if (operationComplexity(schema, parsed, args) > MAX_COMPLEXITY) continue;
    return doc;
  }
  throw new Error(`no selection of ${field.name} fits the limits`);
}

// ---------------------------------------------------------------------------------------------
// Identifiers in answers

/** Fields whose values identify one tenant's objects. */
const IDENTIFYING = new Set([
  'id',
  'testId',
  'traceId',
  'spanId',
  'parentSpanId',
  'runId',
  'modelHash',
  'fromHash',
  'toHash',
  'fingerprint',
  'representativeTraceId',
  'exampleTraceId',
  'endpoint',
  'key',
  'cursor',
  'startCursor',
  'endCursor',
]);

/** Identifiers in an answer: identifying fields' values, and anything shaped like a trace id. */
function identifiersIn(value: unknown, out: Set<string>, nodes?: Map<string, string>): void {
  if (Array.isArray(value)) {
    for (const v of value) identifiersIn(v, out, nodes);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  // Fields of an interface's types come aliased `<field>__<type>` (see objectSelection).
  const record = Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k.startsWith('__') ? k : k.split('__')[0], v]),
  );
  for (const [k, v] of Object.entries(record)) {
    if (typeof v === 'string') {
      if (v.length >= 8 && (IDENTIFYING.has(k) || /^[0-9a-f]{32}$/.test(v))) out.add(v);
    } else {
      identifiersIn(v, out, nodes);
    }
  }
  if (
    nodes &&
    typeof record.id === 'string' &&
    typeof record.__typename === 'string' &&
    nodeTypes.has(record.__typename)
  ) {
    nodes.set(record.id, record.__typename);
  }
}

// ---------------------------------------------------------------------------------------------

const INJECTIONS = [
  "' OR 1=1 --",
  "\\' OR tenant != '",
  '"; DROP TABLE tests; --',
  "a' UNION ALL SELECT TraceId FROM spans --",
  '{db:Identifier}',
  '\u0000',
  'x'.repeat(20_000),
];

describe('GraphQL API: tenant isolation', () => {
  let storage: ReturnType<typeof freshStorageConfig>;
  let service: RunningService;
  let url: string;
  let schema: GraphQLSchema;
  const known = {} as Record<Tenant, Known>;
  /** Identifiers only tenant a's own calls answered: b must never see one it did not send. */
  let aOnly: Set<string>;

  async function post(
    query: string,
    variables: Args,
    headers: Record<string, string>,
  ): Promise<GqlAnswer> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    const text = await res.text();
    const body = JSON.parse(text) as { data?: unknown; errors?: GqlError[] };
    return { status: res.status, data: body.data, errors: body.errors, text };
  }

  const as = (tenant: Tenant) => ({ authorization: `Bearer ${TENANT_KEYS[tenant]}` });

  async function ok(tenant: Tenant, query: string, variables: Args = {}): Promise<any> {
    const answer = await post(query, variables, as(tenant));
    expect({ status: answer.status, errors: answer.errors }).toEqual({
      status: 200,
      errors: undefined,
    });
    return answer.data;
  }

  /** What tenant a has, read with a's key: compared before and after b's walk. */
  async function stateOf(tenant: Tenant): Promise<unknown> {
    const k = known[tenant];
    return ok(
      tenant,
      `query State($runs: [String!]!) {
        modelVersions(first: 100) { edges { node { version modelHash } } }
        clusters(first: 100) { edges { node { endpoint fingerprint traces } } }
        tests(first: 100) { edges { node { id testId endpoint verdict createdAt generationRunId } } }
        generationRuns(first: 100) { edges { node { id status testsKept } } }
        testRuns(first: 100) { edges { node { runId passed failed } } }
        timings: endpointTimings(endpoints: $runs) { endpoint p95Ms }
      }`,
      { runs: k.endpoints },
    ).then(async (data) => ({
      ...data,
      runs: await Promise.all(
        k.testRunIds.map((runId) =>
          ok(
            tenant,
            'query ($runId: String!) { testRun(runId: $runId) { runId executions { testId passed trace { traceId } } } }',
            { runId },
          ),
        ),
      ),
      spans: await Promise.all(
        k.seeded.storedTraces.map((id) =>
          ok(tenant, 'query ($id: String!) { traceSpanCount(id: $id) }', { id }),
        ),
      ),
    }));
  }

  /** Calls every query of the table with a tenant's own ids and key: what it has. */
  async function ownCalls(tenant: Tenant): Promise<Set<string>> {
    const k = known[tenant];
    const seen = new Set<string>();
    const fields = schema.getQueryType()!.getFields();
    // Node lookups last: they take the global ids the other answers hold.
    const order = Object.keys(QUERIES).sort(
      (x, y) => Number(x.startsWith('node')) - Number(y.startsWith('node')),
    );
    for (const name of order) {
      for (const args of QUERIES[name](k)) {
        const doc = documentOf(schema, 'query', fields[name], args);
        const data = await ok(tenant, doc, args);
        expect(data[name]).not.toBeNull();
        identifiersIn(data, seen, k.globalIds);
      }
    }
    return seen;
  }

  beforeAll(async () => {
    storage = freshStorageConfig();
    const config = generatorEnv.parse({
      CLICKHOUSE_DATA_PATH: storage.config.dataPath,
      HTTP_PORT: '0',
      GRAPHQL_API_KEYS: [
        `a:admin:${TENANT_KEYS.a}`,
        `b:admin:${TENANT_KEYS.b}`,
        `a:read:${A_READ}`,
        `a:generate:${A_GENERATE}`,
      ].join(','),
      GENERATOR_SCHEDULE: 'off',
      GENERATOR_SAMPLES_PER_BEHAVIOUR: `${SAMPLES_PER_BEHAVIOUR}`,
    });
    service = await startTestService(GeneratorModule.forRoot(config));
    url = `${service.baseUrl}/graphql`;
    schema = service.app.get(GraphQLSchemaHost).schema;
    schemaForVariants = schema;
    const node = schema.getType('Node');
    if (!node || !isAbstractType(node)) throw new Error('the schema has no Node interface');
    nodeTypes = new Set(schema.getPossibleTypes(node).map((t) => t.name));

    const systems: Record<Tenant, [SystemDefinition, number]> = {
      a: [potatoSystem, 20_260_601],
      b: [checkoutSystem, 20_260_602],
    };
    for (const tenant of ['a', 'b'] as const) {
      const [system, seed] = systems[tenant];
      const seeded = await withTenant(tenant, () => seedTenant(service, system, seed));
      // Tests, a generation run, a verify run and a recorded run, through the API.
      const { generateTests: run } = await ok(
        tenant,
        'mutation { generateTests { id runId status testsKept } }',
      );
      expect(run).toMatchObject({ status: 'SUCCEEDED' });
      expect(run.testsKept).toBeGreaterThan(0);
      const { verifyTests: verified } = await ok(
        tenant,
        'mutation ($since: String!, $until: String) { verifyTests(since: $since, until: $until) { runId traceCount } }',
        { since: seeded.since, until: seeded.until },
      );
      expect(verified.runId).not.toBeNull();
      expect(verified.traceCount).toBeGreaterThan(0);
      const { tests } = await ok(
        tenant,
        '{ tests(first: 100) { edges { cursor node { testId } } } }',
      );
      const { specs } = await ok(tenant, '{ specs: tests(first: 5) { edges { node { spec } } } }');
      const testIds: string[] = tests.edges.map((e: any) => e.node.testId);
      const recordedRun = `${tenant}-recorded-${modelHash(seeded.model).slice(0, 12)}`;
      await ok(
        tenant,
        `mutation ($runId: String!, $executions: [TestExecutionInput!]!) {
          recordTestExecutions(runId: $runId, executions: $executions) { recorded }
        }`,
        {
          runId: recordedRun,
          executions: [
            {
              testId: testIds[0],
              mode: 'LIVE',
              target: 'http://shop.invalid',
              traceId: seeded.storedTraces[0],
              passed: true,
              failures: 0,
              report: { version: 1 },
              durationMs: 42,
              startedAt: '2026-06-01T12:00:00.000Z',
            },
          ],
        },
      );
      const lists = await ok(
        tenant,
        `{ clusters(first: 1) { edges { cursor } } generationRuns(first: 1) { edges { cursor node { runId } } }
           modelVersions(first: 1) { edges { cursor } } testRuns(first: 1) { edges { cursor } } }`,
      );
      known[tenant] = {
        tenant,
        seeded,
        endpoints: seeded.model.endpoints.filter((e) => e.entry).map((e) => e.key),
        testIds,
        generationRunIds: [run.runId],
        testRunIds: [verified.runId, recordedRun],
        specs: specs.edges.map((e: any) => e.node.spec),
        cursors: {
          clusters: lists.clusters.edges[0].cursor,
          generationRuns: lists.generationRuns.edges[0].cursor,
          modelVersions: lists.modelVersions.edges[0].cursor,
          testRuns: lists.testRuns.edges[0].cursor,
          tests: tests.edges[0].cursor,
        },
        globalIds: new Map(),
      };
    }
    const ofA = await ownCalls('a');
    const ofB = await ownCalls('b');
    aOnly = new Set([...ofA].filter((id) => !ofB.has(id)));
    for (const id of known.a.seeded.allTraces) if (!ofB.has(id)) aOnly.add(id);
  });

  afterAll(async () => {
    await service?.close();
    storage?.cleanup();
  });

  /** Checks one call of b's: an inert answer that holds nothing of tenant a's. */
  function expectNothingOfA(field: string, answer: GqlAnswer, sent: string): void {
    const where = `${field} ${sent.slice(0, 300)}`;
    expect({ where, status: answer.status }).toEqual({ where, status: 200 });
    for (const e of answer.errors ?? []) {
      expect({ where, code: e.extensions.code }).toEqual({
        where,
        code: expect.stringMatching(/^(NOT_FOUND|BAD_USER_INPUT)$/),
      });
    }
    const leaked = [...aOnly].filter((id) => !sent.includes(id) && answer.text.includes(id));
    expect({ where, leaked }).toEqual({ where, leaked: [] });
  }

  it("knows how to call every Query and Mutation field, with every argument, and a's calls find a's data", () => {
    const uncovered = (type: GraphQLObjectType, table: Record<string, (k: Known) => Args[]>) =>
      Object.values(type.getFields()).flatMap((f) => {
        if (!(f.name in table)) return [`${type.name}.${f.name}: not walked`];
        const used = new Set(table[f.name](known.a).flatMap((args) => Object.keys(args)));
        return f.args
          .filter((a) => !used.has(a.name))
          .map((a) => `${type.name}.${f.name}(${a.name}): no call uses it`);
      });
    expect([
      ...uncovered(schema.getQueryType()!, QUERIES),
      ...uncovered(schema.getMutationType()!, MUTATIONS),
    ]).toEqual([]);
    expect(schema.getSubscriptionType() ?? undefined).toBeUndefined();
    // The walk is not vacuous: a has identifiers of its own of every kind it is checked for.
    for (const id of [
      ...known.a.testIds,
      ...known.a.testRunIds,
      ...known.a.generationRunIds,
      modelHash(known.a.seeded.model),
      ...some(known.a.seeded.storedTraces, 3),
    ]) {
      expect(aOnly.has(id)).toBe(true);
    }
    expect(new Set(known.a.globalIds.values())).toEqual(
      new Set([
        'Test',
        'GenerationRun',
        'TestRun',
        'ModelVersion',
        'Trace',
        'Service',
        'Entity',
        'Endpoint',
        'Behaviour',
      ]),
    );
  });

  it("gives tenant b nothing of tenant a's through any field, and changes nothing of a's", async () => {
    const before = await stateOf('a');
    for (const [kind, type, table] of [
      ['query', schema.getQueryType()!, QUERIES],
      ['mutation', schema.getMutationType()!, MUTATIONS],
    ] as const) {
      for (const field of Object.values(type.getFields())) {
        for (const args of table[field.name](known.a)) {
          const doc = documentOf(schema, kind, field, args);
          const answer = await post(doc, args, as('b'));
          const sent = sentText(args);
          expectNothingOfA(field.name, answer, sent);
          B_EXPECTS[field.name]?.(
            answer.data?.[field.name] ?? null,
            answer.errors ?? [],
            args,
            aOnly,
          );
        }
      }
    }
    expect(await stateOf('a')).toEqual(before);
  });

  it('keeps injection attempts through every String and ID argument inert', async () => {
    const handle = service.app.get<ClickHouseHandle>(CLICKHOUSE);
    const tables = async () => {
      const rs = await handle.client.query({
        query:
          'SELECT name, total_rows FROM system.tables WHERE database = {db:String} ORDER BY name',
        query_params: { db: handle.database },
        format: 'JSONEachRow',
      });
      return rs.json<{ name: string; total_rows: string | number | null }>();
    };
    const tablesBefore = await tables();
    const before = await stateOf('a');
    let attempts = 0;
    for (const [kind, type, table] of [
      ['query', schema.getQueryType()!, QUERIES],
      ['mutation', schema.getMutationType()!, MUTATIONS],
    ] as const) {
      for (const field of Object.values(type.getFields())) {
        // The first call of each field, with one string at a time replaced.
        const base = table[field.name](known.a)[0] ?? {};
        for (const { args, path } of injectionsOf(field, base)) {
          const doc = documentOf(schema, kind, field, args);
          const answer = await post(doc, args, as('b'));
          attempts++;
          expectNothingOfA(`${field.name} ${path}`, answer, sentText(args));
        }
      }
    }
    expect(attempts).toBeGreaterThan(INJECTIONS.length * 15);
    expect(await stateOf('a')).toEqual(before);
    // Every table is still there, none lost rows.
    const tablesAfter = await tables();
    expect(tablesAfter.map((t) => t.name)).toEqual(tablesBefore.map((t) => t.name));
    for (const [i, t] of tablesAfter.entries()) {
      expect(Number(t.total_rows ?? 0)).toBeGreaterThanOrEqual(
        Number(tablesBefore[i].total_rows ?? 0),
      );
    }
  });

  it('refuses a key of tenant b whose tenant header names a, and lets the header repeat b', async () => {
    const query = '{ tests(first: 100) { edges { node { testId } } } }';
    const refused = await post(query, {}, { ...as('b'), [HEADER]: 'a' });
    expect(refused.status).toBe(403);
    expect(refused.data).toBeUndefined();
    expect(refused.errors?.map((e) => e.extensions.code)).toEqual(['FORBIDDEN']);
    expect(refused.errors?.[0].message).toMatch(/tenant "b".*names "a"/);
    const own = await post(query, {}, { ...as('b'), [HEADER]: 'b' });
    expect(own.status).toBe(200);
    expect(own.data.tests.edges.map((e: any) => e.node.testId).sort()).toEqual(
      [...known.b.testIds].sort(),
    );
  });

  it('lets a read key query and refuses it mutations; a generate key may verify', async () => {
    const read = { authorization: `Bearer ${A_READ}` };
    const tests = await post('{ tests(first: 100) { edges { node { testId } } } }', {}, read);
    expect(tests.status).toBe(200);
    expect(tests.data.tests.edges.map((e: any) => e.node.testId).sort()).toEqual(
      [...known.a.testIds].sort(),
    );
    const verify =
      'mutation ($since: String!) { verifyTests(since: $since, store: false) { traceCount } }';
    const refused = await post(verify, { since: known.a.seeded.since }, read);
    expect(refused.status).toBe(403);
    expect(refused.errors?.map((e) => e.extensions.code)).toEqual(['FORBIDDEN']);
    expect(refused.errors?.[0].message).toContain('needs an API key with role generate');
    const generate = { authorization: `Bearer ${A_GENERATE}` };
    const allowed = await post(
      'mutation ($since: String!, $until: String) { verifyTests(since: $since, until: $until, store: false) { traceCount } }',
      { since: known.a.seeded.since, until: known.a.seeded.until },
      generate,
    );
    expect(allowed.errors).toBeUndefined();
    expect(allowed.data.verifyTests.traceCount).toBeGreaterThan(0);
  });

  describe('with GRAPHQL_AUTH=off', () => {
    let open: RunningService;

    beforeAll(async () => {
      await service.close();
      open = await startTestService(
        GeneratorModule.forRoot(
          generatorEnv.parse({
            CLICKHOUSE_DATA_PATH: storage.config.dataPath,
            HTTP_PORT: '0',
            GRAPHQL_AUTH: 'off',
            GENERATOR_SCHEDULE: 'off',
          }),
        ),
      );
      // The suite's afterAll closes `service`: let it close this one.
      service = open;
    });

    it('takes the tenant from the header, default without one, and refuses a malformed one', async () => {
      const query = '{ tests(first: 100) { edges { node { testId } } } }';
      const asked = async (headers: Record<string, string>) => {
        const res = await fetch(`${open.baseUrl}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ query }),
        });
        return { status: res.status, body: (await res.json()) as any };
      };
      for (const tenant of ['a', 'b'] as const) {
        const { status, body } = await asked({ [HEADER]: tenant });
        expect(status).toBe(200);
        expect(body.data.tests.edges.map((e: any) => e.node.testId).sort()).toEqual(
          [...known[tenant].testIds].sort(),
        );
      }
      const implicit = await asked({});
      expect(implicit.status).toBe(200);
      expect(implicit.body.data.tests.edges).toEqual([]);
      for (const bad of ['A', "a' OR 1=1 --", 'a, b']) {
        const refused = await asked({ [HEADER]: bad });
        expect(refused.status).toBe(400);
        expect(refused.body.errors.map((e: any) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
      }
    });
  });
});

/**
 * What a call sent, as text: its arguments, and what the global ids among them name (an answer may
 * repeat either, as in "generation run <id> not found").
 */
function sentText(args: Args): string {
  const text = JSON.stringify(args);
  const decoded = [...text.matchAll(/"([A-Za-z0-9_-]{8,})"/g)]
    .map((m) => Buffer.from(m[1], 'base64url').toString('utf8'))
    .filter((d) => /^[A-Z][A-Za-z]+:/.test(d));
  return [text, ...decoded].join('\n');
}

/**
 * The field's first call with each String or ID argument (a list's first item, an input
 * object's string fields) replaced by each injection attempt in turn.
 */
function injectionsOf(
  field: GraphQLField<unknown, unknown>,
  base: Args,
): { args: Args; path: string }[] {
  const out: { args: Args; path: string }[] = [];
  for (const arg of field.args) {
    for (const { path, replace } of stringSlots(arg, base[arg.name])) {
      for (const attempt of INJECTIONS) {
        out.push({ args: { ...base, [arg.name]: replace(attempt) }, path: `${arg.name}${path}` });
      }
    }
  }
  return out;
}

interface Slot {
  path: string;
  replace: (s: string) => unknown;
}

function stringSlots(arg: GraphQLArgument, value: unknown): Slot[] {
  return slotsOf(arg.type, value);
}

function slotsOf(type: GraphQLInputType, value: unknown): Slot[] {
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) {
    const items = Array.isArray(value) && value.length > 0 ? value : [undefined];
    return slotsOf(inner.ofType, items[0]).map((s) => ({
      path: `[0]${s.path}`,
      replace: (x) => [s.replace(x), ...items.slice(1)],
    }));
  }
  if (isInputObjectType(inner)) {
    const object = (value ?? {}) as Args;
    return Object.values(inner.getFields()).flatMap((f) =>
      slotsOf(f.type, object[f.name]).map((s) => ({
        path: `.${f.name}${s.path}`,
        replace: (x) => ({ ...object, [f.name]: s.replace(x) }),
      })),
    );
  }
  if (isScalarType(inner) && (inner.name === 'String' || inner.name === 'ID')) {
    return [{ path: '', replace: (x) => x }];
  }
  return [];
}
