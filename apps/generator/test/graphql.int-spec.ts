import { Logger } from '@nestjs/common';
import type { ClusterWindowEvent } from '@t2t/fingerprint';
import {
  diffModels,
  edgeId,
  type ModelBehaviour,
  type ModelEdge,
  type ModelEndpoint,
  type ModelRule,
  modelHash,
  type SystemModel,
} from '@t2t/model';
import { ClusterRepository, ModelRepository, SpanRepository, type SpanRow } from '@t2t/storage';
import { freshStorageConfig, type RunningService, startTestService } from '@t2t/test-support';
import { getIntrospectionQuery } from 'graphql';
import { generatorEnv } from '../src/generator.env';
import { GeneratorModule } from '../src/generator.module';

/*
 * The GraphQL API end to end: the generator app in-process on a free port with a fresh embedded
 * ClickHouse, seeded through the repositories with three model versions of a small shop (an
 * orders API that calls a potato handler when the user likes potatoes, a payments consumer, and
 * a catalog API with 30 endpoints so lists need several pages), their diffs, the spans of every
 * representative trace and clustering's statistics; then queried over HTTP with fetch.
 */

const KEY = 'k-primary-0123456789abcdef';
const ROTATED_KEY = 'k-rotated-fedcba9876543210';
const T0_NS = 1_767_225_600_000_000_000n;
const CATALOG_ENDPOINTS = 30;

// ---------------------------------------------------------------------------------------------
// Seed data

const ORDERS_POST = 'orders-api|HTTP POST /orders';
const ORDERS_GET = 'orders-api|HTTP GET /orders/{id}';
const POTATOES = 'potato-handler|HTTP POST /potatoes';
const PAYMENTS = 'payments|CONSUME orders';
const catalogEndpoint = (i: number) => `catalog-api|HTTP GET /items/v${i}/{id}`;

/** Deterministic 32-hex trace ids, one per behaviour; `n` is in the last 8 digits. */
const traceIdOf = (n: number) => 'a'.repeat(24) + n.toString(16).padStart(8, '0');
const numberOf = (traceId: string) => parseInt(traceId.slice(24), 16);

const edges = {
  writesOrders: {
    type: 'WRITES',
    from: ORDERS_POST,
    to: 'orders',
    entityKind: 'table',
    operation: 'INSERT',
    seenIn: [ORDERS_POST],
  },
  readsOrders: {
    type: 'READS',
    from: ORDERS_GET,
    to: 'orders',
    entityKind: 'table',
    operation: 'SELECT',
    seenIn: [ORDERS_GET],
  },
  publishes: { type: 'PUBLISHES', from: ORDERS_POST, to: 'orders', seenIn: [ORDERS_POST] },
  consumes: { type: 'CONSUMES', from: PAYMENTS, to: 'orders', seenIn: [PAYMENTS] },
  callsPotatoes: {
    type: 'CALLS',
    from: ORDERS_POST,
    to: POTATOES,
    protocol: 'http',
    method: 'POST',
    route: '/potatoes',
    seenIn: [ORDERS_POST],
  },
  charges: {
    type: 'CALLS_EXTERNAL',
    from: PAYMENTS,
    to: 'api.stripe.example',
    method: 'POST',
    route: '/v1/charges',
    seenIn: [PAYMENTS],
  },
} satisfies Record<string, ModelEdge>;

const readsItems = (i: number): ModelEdge => ({
  type: 'READS',
  from: catalogEndpoint(i),
  to: 'items',
  entityKind: 'table',
  operation: 'SELECT',
  seenIn: [catalogEndpoint(i)],
});

function endpoint(key: string, traces: number, behaviours: string[], entry = true): ModelEndpoint {
  const [service, operation] = key.split('|');
  return {
    key,
    service,
    kind: operation.startsWith('CONSUME') ? 'consume' : 'http',
    entry,
    traces,
    behaviours,
  };
}

function behaviour(
  key: string,
  fingerprint: string,
  n: number,
  share: number,
  edgeList: ModelEdge[],
): ModelBehaviour {
  return {
    endpoint: key,
    fingerprint,
    share,
    traces: Math.round(share * 1000),
    errorRate: n % 5 === 0 ? 0.1 : 0,
    p50Us: 1000 + n,
    p95Us: 5000 + n,
    representativeTraceId: traceIdOf(n),
    edges: edgeList.map(edgeId),
  };
}

const potatoRule: ModelRule = {
  endpoint: ORDERS_POST,
  at: ORDERS_POST,
  condition: 'user.likes_potatoes = true',
  atoms: [{ attribute: 'user.likes_potatoes', op: '=', value: 'true' }],
  effect: 'calls potato-handler POST /potatoes',
  edge: edges.callsPotatoes,
  support: 412,
  confidence: 1,
  falseRate: 0,
  // Two of the plain behaviour's traces satisfied the condition without the call: a counter-example.
  measured: {
    basis: 'all-traces',
    behaviours: [
      { fingerprint: 'fp-potato', effect: true, traces: 412, holds: 412 },
      { fingerprint: 'fp-plain', effect: false, traces: 600, holds: 2 },
    ],
  },
};

const cacheRule = (i: number): ModelRule => ({
  endpoint: catalogEndpoint(i),
  at: catalogEndpoint(i),
  condition: 'cache.hit = false',
  atoms: [{ attribute: 'cache.hit', op: '=', value: 'false' }],
  effect: 'reads items (SELECT)',
  edge: readsItems(i),
  support: 100 + i,
  confidence: 0.99,
  falseRate: 0.01,
});

/** Version 1: orders and payments; 2: the potato handler and its rule; 3: the catalog. */
function shopModel(stage: 1 | 2 | 3): SystemModel {
  const catalog = stage === 3 ? Array.from({ length: CATALOG_ENDPOINTS }, (_, i) => i) : [];
  const postBehaviours = stage >= 2 ? ['fp-plain', 'fp-potato'] : ['fp-plain'];
  const model: SystemModel = {
    services: [
      { name: 'orders-api', endpoints: stage === 3 ? [ORDERS_POST, ORDERS_GET] : [ORDERS_POST] },
      { name: 'payments', endpoints: [PAYMENTS] },
      ...(stage >= 2 ? [{ name: 'potato-handler', endpoints: [POTATOES] }] : []),
      ...(stage === 3 ? [{ name: 'catalog-api', endpoints: catalog.map(catalogEndpoint) }] : []),
    ],
    endpoints: [
      endpoint(ORDERS_POST, 1000, postBehaviours),
      ...(stage === 3 ? [endpoint(ORDERS_GET, 500, ['fp-get'])] : []),
      endpoint(PAYMENTS, 1000, ['fp-pay']),
      ...(stage >= 2 ? [endpoint(POTATOES, 0, [], false)] : []),
      ...catalog.map((i) => endpoint(catalogEndpoint(i), 100 + i, [`fp-cat-${i}`])),
    ],
    entities: [
      { kind: 'table', name: 'orders', system: 'postgresql' },
      { kind: 'topic', name: 'orders', system: 'kafka' },
      ...(stage === 3
        ? [
            { kind: 'table' as const, name: 'items', system: 'postgresql' },
            { kind: 'external-api' as const, name: 'api.stripe.example', system: 'https' },
          ]
        : []),
    ],
    edges: [
      edges.writesOrders,
      edges.publishes,
      edges.consumes,
      ...(stage >= 2 ? [edges.callsPotatoes] : []),
      ...(stage === 3 ? [edges.readsOrders, edges.charges, ...catalog.map(readsItems)] : []),
    ],
    behaviours: [
      behaviour(ORDERS_POST, 'fp-plain', 1, stage >= 2 ? 0.6 : 1, [
        edges.writesOrders,
        edges.publishes,
      ]),
      ...(stage >= 2
        ? [
            behaviour(ORDERS_POST, 'fp-potato', 2, 0.4, [
              edges.writesOrders,
              edges.publishes,
              edges.callsPotatoes,
            ]),
          ]
        : []),
      behaviour(PAYMENTS, 'fp-pay', 3, 1, stage === 3 ? [edges.consumes, edges.charges] : []),
      ...(stage === 3 ? [behaviour(ORDERS_GET, 'fp-get', 4, 1, [edges.readsOrders])] : []),
      ...catalog.map((i) =>
        behaviour(catalogEndpoint(i), `fp-cat-${i}`, 10 + i, 1, [readsItems(i)]),
      ),
    ],
    rules: [...(stage >= 2 ? [potatoRule] : []), ...catalog.map(cacheRule)],
  };
  return model;
}

/** A representative trace: the entry span, a database call and an outgoing call. */
function traceRows(traceId: string, service: string, name: string, n: number): SpanRow[] {
  const start = T0_NS + BigInt(n) * 1_000_000_000n;
  const row = (
    spanId: string,
    parent: string,
    spanName: string,
    kind: string,
    offsetMs: number,
    durationMs: number,
    attributes: Record<string, string>,
  ): SpanRow => ({
    Timestamp: `${start + BigInt(offsetMs) * 1_000_000n}`,
    TraceId: traceId,
    SpanId: spanId,
    ParentSpanId: parent,
    TraceState: '',
    SpanName: spanName,
    SpanKind: kind,
    ServiceName: service,
    ResourceAttributes: { 'service.name': service, 'host.name': 'node-7' },
    ScopeName: '@opentelemetry/instrumentation-http',
    ScopeVersion: '0.57.0',
    SpanAttributes: attributes,
    Duration: `${BigInt(durationMs) * 1_000_000n}`,
    StatusCode: kind === 'Server' ? 'Ok' : 'Unset',
    StatusMessage: '',
    'Events.Timestamp': kind === 'Client' ? [`${start + 2_000_000n}`] : [],
    'Events.Name': kind === 'Client' ? ['query.sent'] : [],
    'Events.Attributes': kind === 'Client' ? [{ bytes: '120' }] : [],
    'Links.TraceId': [],
    'Links.SpanId': [],
    'Links.TraceState': [],
    'Links.Attributes': [],
    Flags: 1,
    DroppedAttributesCount: 0,
    DroppedEventsCount: 0,
    DroppedLinksCount: 0,
    ScopeAttributes: {},
    ScopeDroppedAttributesCount: 0,
    ScopeSchemaUrl: '',
    ResourceDroppedAttributesCount: 0,
    ResourceSchemaUrl: '',
    'Events.DroppedAttributesCount': kind === 'Client' ? [0] : [],
    'Links.Flags': [],
    'Links.DroppedAttributesCount': [],
  });
  const root = `${n.toString(16).padStart(8, '0')}00000001`;
  // `HTTP POST /orders` → a server span `POST /orders`; `CONSUME orders` stays as it is.
  const spanName = name.replace(/^HTTP /, '');
  const [method, route] = spanName.split(' ');
  return [
    row(root, '', spanName, 'Server', 0, 20, {
      'http.request.method': method,
      'http.route': route ?? '',
      'http.response.status_code': '200',
      'user.likes_potatoes': n === 2 ? 'true' : 'false',
    }),
    row(`${n.toString(16).padStart(8, '0')}00000002`, root, 'SELECT orders', 'Client', 1, 3, {
      'db.system': 'postgresql',
      'db.statement': 'SELECT * FROM orders WHERE id = $1',
    }),
    row(`${n.toString(16).padStart(8, '0')}00000003`, root, 'POST', 'Client', 5, 10, {
      'http.request.method': 'POST',
      'server.address': 'potato-handler',
    }),
  ];
}

function windowEvent(b: ModelBehaviour): ClusterWindowEvent {
  const startMs = Number(T0_NS / 1_000_000n);
  return {
    v: 1,
    type: 'window',
    partition: 0,
    fingerprint: { version: 1, canonical: b.fingerprint, shingles: [] },
    aggregate: {
      windowStartMs: startMs,
      windowEndMs: startMs + 60_000,
      endpoint: b.endpoint,
      fingerprint: b.fingerprint,
      count: b.traces,
      errorCount: Math.round(b.traces * b.errorRate),
      incompleteCount: 0,
      spanCount: b.traces * 3,
      firstSeenNs: `${T0_NS}`,
      lastSeenNs: `${T0_NS + 59_000_000_000n}`,
      duration: { gamma: 1.02, zeroCount: 0, indexes: [350], counts: [b.traces] },
      sample: {
        k: 20,
        traceIds: [b.representativeTraceId!],
        hashes: ['0000000000000001'],
        durationsUs: [b.p50Us],
        errorFlags: [false],
        completeFlags: [true],
      },
      representative: { traceId: b.representativeTraceId!, durationUs: b.p50Us },
    },
  };
}

async function seed(service: RunningService): Promise<SystemModel[]> {
  const models = service.app.get(ModelRepository);
  const spans = service.app.get(SpanRepository);
  const clusters = service.app.get(ClusterRepository);
  const stages = [shopModel(1), shopModel(2), shopModel(3)];
  for (const [i, model] of stages.entries()) {
    const previous = stages[i - 1];
    const version = i + 1;
    const createdAt = `2026-01-0${version} 12:00:00.000`;
    await models.saveVersion(
      {
        modelHash: modelHash(model),
        version,
        createdAt,
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
      previous
        ? {
            fromHash: modelHash(previous),
            toHash: modelHash(model),
            version,
            createdAt,
            changes: JSON.stringify(diffModels(previous, model)),
          }
        : undefined,
    );
  }
  const latest = stages[2];
  const rows = latest.behaviours.flatMap((b) => {
    const n = numberOf(b.representativeTraceId!);
    const [service, operation] = b.endpoint.split('|');
    return traceRows(b.representativeTraceId!, service, operation, n);
  });
  await spans.insert(rows);
  await clusters.write(latest.behaviours.map(windowEvent));
  return stages;
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
  headers: Headers;
  data: any;
  errors: GqlError[] | undefined;
}

describe('GraphQL API over HTTP', () => {
  let storage: ReturnType<typeof freshStorageConfig>;
  let service: RunningService;
  let stages: SystemModel[];
  let url: string;

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
    return { status: res.status, headers: res.headers, data: body.data, errors: body.errors };
  }

  /** A query that must succeed. */
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

  beforeAll(async () => {
    storage = freshStorageConfig();
    const config = generatorEnv.parse({
      CLICKHOUSE_DATA_PATH: storage.config.dataPath,
      HTTP_PORT: '0',
      GRAPHQL_API_KEYS: `${KEY}, ${ROTATED_KEY}`,
    });
    service = await startTestService(GeneratorModule.forRoot(config));
    url = `${service.baseUrl}/graphql`;
    stages = await seed(service);
  });

  afterAll(async () => {
    await service?.close();
    storage?.cleanup();
  });

  afterEach(() => jest.restoreAllMocks());

  describe('the model', () => {
    it('answers services, entities, endpoints, edges and rules of the latest version', async () => {
      const data = await query(`{
        modelVersion {
          version modelHash counts { services endpoints entities edges behaviours rules }
          services { name endpoints }
          entities { kind name system }
          endpoints(first: 5) { totalCount edges { node { key service kind entry traces } } }
          edges(first: 10, type: CALLS) { totalCount edges { node { id type from to protocol method route entityKind operation seenIn } } }
          rules(first: 1) { totalCount edges { node { endpoint at condition atoms { attribute op value } effect support confidence falseRate edge { id type } } } }
        }
      }`);
      const v = data.modelVersion;
      const latest = stages[2];
      expect(v.version).toBe(3);
      expect(v.modelHash).toBe(modelHash(latest));
      expect(v.counts).toEqual({
        services: 4,
        endpoints: 3 + 1 + CATALOG_ENDPOINTS,
        entities: 4,
        edges: 6 + CATALOG_ENDPOINTS,
        behaviours: 4 + CATALOG_ENDPOINTS,
        rules: 1 + CATALOG_ENDPOINTS,
      });
      expect(v.services.map((s: any) => s.name)).toEqual([
        'orders-api',
        'payments',
        'potato-handler',
        'catalog-api',
      ]);
      expect(v.entities).toContainEqual({
        kind: 'EXTERNAL_API',
        name: 'api.stripe.example',
        system: 'https',
      });
      expect(v.endpoints.totalCount).toBe(latest.endpoints.length);
      expect(v.endpoints.edges[0].node).toEqual({
        key: ORDERS_POST,
        service: 'orders-api',
        kind: 'HTTP',
        entry: true,
        traces: 1000,
      });
      expect(v.edges.totalCount).toBe(1);
      expect(v.edges.edges[0].node).toEqual({
        id: `CALLS ${ORDERS_POST} -> ${POTATOES}`,
        type: 'CALLS',
        from: ORDERS_POST,
        to: POTATOES,
        protocol: 'http',
        method: 'POST',
        route: '/potatoes',
        entityKind: null,
        operation: null,
        seenIn: [ORDERS_POST],
      });
      expect(v.rules.totalCount).toBe(1 + CATALOG_ENDPOINTS);
      expect(v.rules.edges[0].node).toEqual({
        endpoint: ORDERS_POST,
        at: ORDERS_POST,
        condition: 'user.likes_potatoes = true',
        atoms: [{ attribute: 'user.likes_potatoes', op: '=', value: 'true' }],
        effect: 'calls potato-handler POST /potatoes',
        support: 412,
        confidence: 1,
        falseRate: 0,
        edge: { id: edgeId(edges.callsPotatoes), type: 'CALLS' },
      });
    });

    it('filters endpoints by service and entry, edges by type, from and to, rules by endpoint', async () => {
      const data = await query(
        `query ($from: String, $to: String, $endpoint: String) {
          modelVersion {
            orders: endpoints(service: "orders-api") { edges { node { key } } }
            inner: endpoints(entry: false) { edges { node { key } } }
            writes: edges(type: WRITES) { edges { node { id entityKind operation } } }
            fromPayments: edges(from: $from) { edges { node { type } } }
            intoItems: edges(to: $to, first: 100) { totalCount }
            rules(endpoint: $endpoint) { edges { node { condition } } }
          }
        }`,
        { from: PAYMENTS, to: 'items', endpoint: catalogEndpoint(7) },
      );
      const v = data.modelVersion;
      expect(v.orders.edges.map((e: any) => e.node.key)).toEqual([ORDERS_POST, ORDERS_GET]);
      expect(v.inner.edges.map((e: any) => e.node.key)).toEqual([POTATOES]);
      expect(v.writes.edges).toEqual([
        {
          node: {
            id: `WRITES ${ORDERS_POST} -> table orders (INSERT)`,
            entityKind: 'TABLE',
            operation: 'INSERT',
          },
        },
      ]);
      expect(v.fromPayments.edges.map((e: any) => e.node.type).sort()).toEqual([
        'CALLS_EXTERNAL',
        'CONSUMES',
      ]);
      expect(v.intoItems.totalCount).toBe(CATALOG_ENDPOINTS);
      expect(v.rules.edges).toEqual([{ node: { condition: 'cache.hit = false' } }]);
    });

    it('answers behaviours per endpoint with statistics, edges and the representative trace with its spans', async () => {
      const data = await query(
        `query ($endpoint: String) {
          modelVersion {
            endpoints(service: "orders-api", first: 1) {
              edges { node { key behaviours { totalCount edges { node { fingerprint share } } } } }
            }
            behaviours(endpoint: $endpoint, first: 2) {
              edges {
                node {
                  endpoint fingerprint share traces errorRate p50Us p95Us representativeTraceId
                  entryEndpoint { key }
                  edges { type to }
                  representativeTrace {
                    traceId
                    spans {
                      traceId spanId parentSpanId name kind service statusCode
                      startTimeUnixNano durationNs durationMs
                      attributes(keys: ["user.likes_potatoes", "http.route"]) { key value }
                      resourceAttributes { key value }
                      events { name timeUnixNano }
                      scope { name version }
                    }
                  }
                }
              }
            }
          }
        }`,
        { endpoint: ORDERS_POST },
      );
      const v = data.modelVersion;
      expect(v.endpoints.edges[0].node).toEqual({
        key: ORDERS_POST,
        behaviours: {
          totalCount: 2,
          edges: [
            { node: { fingerprint: 'fp-plain', share: 0.6 } },
            { node: { fingerprint: 'fp-potato', share: 0.4 } },
          ],
        },
      });
      const potato = v.behaviours.edges[1].node;
      expect(potato).toMatchObject({
        endpoint: ORDERS_POST,
        fingerprint: 'fp-potato',
        share: 0.4,
        traces: 400,
        errorRate: 0,
        p50Us: 1002,
        p95Us: 5002,
        representativeTraceId: traceIdOf(2),
        entryEndpoint: { key: ORDERS_POST },
      });
      expect(potato.edges.map((e: any) => e.type)).toEqual(['WRITES', 'PUBLISHES', 'CALLS']);
      const spans = potato.representativeTrace.spans;
      expect(spans).toHaveLength(3);
      expect(spans[0]).toEqual({
        traceId: traceIdOf(2),
        spanId: '0000000200000001',
        parentSpanId: null,
        name: 'POST /orders',
        kind: 'SERVER',
        service: 'orders-api',
        statusCode: 'OK',
        startTimeUnixNano: `${T0_NS + 2_000_000_000n}`,
        durationNs: '20000000',
        durationMs: 20,
        attributes: [
          { key: 'user.likes_potatoes', value: 'true' },
          { key: 'http.route', value: '/orders' },
        ],
        resourceAttributes: [
          { key: 'host.name', value: 'node-7' },
          { key: 'service.name', value: 'orders-api' },
        ],
        events: [],
        scope: { name: '@opentelemetry/instrumentation-http', version: '0.57.0' },
      });
      expect(spans[1]).toMatchObject({
        parentSpanId: '0000000200000001',
        kind: 'CLIENT',
        statusCode: 'UNSET',
        events: [{ name: 'query.sent', timeUnixNano: `${T0_NS + 2_002_000_000n}` }],
      });
    });

    it('serves current statistics beside those a model version was built with', async () => {
      // Version 1 was built when every order was plain; clustering has since counted 600 plain
      // and 400 potato orders (the windows seeded for the latest version).
      const data = await query(
        `query ($endpoint: String) {
          modelVersion(version: 1) {
            behaviours(endpoint: $endpoint, first: 5) {
              edges { node { fingerprint traces share current { traces share errorRate p50Us } } }
            }
          }
        }`,
        { endpoint: ORDERS_POST },
      );
      expect(data.modelVersion.behaviours.edges.map((e: any) => e.node)).toEqual([
        {
          fingerprint: 'fp-plain',
          traces: 1000,
          share: 1,
          current: { traces: 600, share: 0.6, errorRate: 0, p50Us: expect.any(Number) },
        },
      ]);
    });

    it('reads the spans of many representative traces with one ClickHouse query (no N+1)', async () => {
      const spans = service.app.get(SpanRepository);
      const batched = jest.spyOn(spans, 'findByTraceIds');
      const single = jest.spyOn(spans, 'findByTraceId');
      const documents = jest.spyOn(service.app.get(ModelRepository), 'modelsByHash');
      const data = await query(`{
        modelVersion {
          behaviours(first: 40) {
            edges { node { representativeTraceId representativeTrace { traceId spans { spanId name } } } }
          }
        }
      }`);
      const nodes = data.modelVersion.behaviours.edges.map((e: any) => e.node);
      expect(nodes).toHaveLength(4 + CATALOG_ENDPOINTS);
      for (const node of nodes) {
        expect(node.representativeTrace.traceId).toBe(node.representativeTraceId);
        expect(node.representativeTrace.spans).toHaveLength(3);
      }
      expect(single).not.toHaveBeenCalled();
      expect(batched).toHaveBeenCalledTimes(1);
      // modelVersion read the document with the version; nothing reads it again.
      expect(documents).not.toHaveBeenCalled();
      expect(new Set(batched.mock.calls[0][0])).toEqual(
        new Set(nodes.map((n: any) => n.representativeTraceId)),
      );
    });
  });

  describe('pagination', () => {
    it.each([
      ['endpoints', 'key', 3 + 1 + CATALOG_ENDPOINTS],
      ['edges', 'id', 6 + CATALOG_ENDPOINTS],
      ['behaviours', 'fingerprint', 4 + CATALOG_ENDPOINTS],
      ['rules', 'endpoint', 1 + CATALOG_ENDPOINTS],
    ])('walks %s first/after to the end: every item once, in order', async (list, id, total) => {
      const q = `query ($first: Int, $after: String) {
        modelVersion { ${list}(first: $first, after: $after) {
          totalCount edges { cursor node { ${id} } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        } }
      }`;
      const pick = (d: any) => d.modelVersion[list];
      const whole = pick(await query(q, { first: 100 }));
      expect(whole.totalCount).toBe(total);
      expect(whole.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });

      const paged = await pageThrough(q, pick, 7);
      const ids = paged.map((e) => e.node[id]);
      expect(ids).toEqual(whole.edges.map((e: any) => e.node[id]));
      expect(new Set(ids).size).toBe(total);
      // Stable: an item has the same cursor on every page size.
      expect(paged.map((e) => e.cursor)).toEqual(whole.edges.map((e: any) => e.cursor));
      const third = await pageThrough(q, pick, 3);
      expect(third.map((e) => e.cursor)).toEqual(whole.edges.map((e: any) => e.cursor));
    });

    it('continues after any cursor, and a cursor works with another page size', async () => {
      const q = `query ($first: Int, $after: String) {
        modelVersion { endpoints(first: $first, after: $after) {
          edges { cursor node { key } } pageInfo { hasNextPage hasPreviousPage }
        } }
      }`;
      const all = (await query(q, { first: 100 })).modelVersion.endpoints.edges;
      const from10 = (await query(q, { first: 5, after: all[9].cursor })).modelVersion.endpoints;
      expect(from10.edges.map((e: any) => e.node.key)).toEqual(
        all.slice(10, 15).map((e: any) => e.node.key),
      );
      expect(from10.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: true });
      const last = (await query(q, { first: 5, after: all.at(-1).cursor })).modelVersion.endpoints;
      expect(last.edges).toEqual([]);
      expect(last.pageInfo.hasNextPage).toBe(false);
    });

    it('pages model versions newest first, and clusters in a stable order', async () => {
      const versions = await pageThrough(
        `query ($first: Int, $after: String) {
          modelVersions(first: $first, after: $after) {
            edges { cursor node { version } } pageInfo { hasNextPage endCursor }
          }
        }`,
        (d) => d.modelVersions,
        1,
      );
      expect(versions.map((e) => e.node.version)).toEqual([3, 2, 1]);

      const clusters = await pageThrough(
        `query ($first: Int, $after: String) {
          clusters(first: $first, after: $after) {
            edges { cursor node { endpoint fingerprint traces errors spans errorRate firstSeenUnixNano } }
            pageInfo { hasNextPage endCursor }
          }
        }`,
        (d) => d.clusters,
        8,
      );
      const keys = clusters.map((e) => `${e.node.endpoint} ${e.node.fingerprint}`);
      expect(keys).toHaveLength(4 + CATALOG_ENDPOINTS);
      expect(new Set(keys).size).toBe(keys.length);
      expect([...keys].sort()).toEqual(keys);
      const potato = clusters.find((e) => e.node.fingerprint === 'fp-potato')!.node;
      expect(potato).toEqual({
        endpoint: ORDERS_POST,
        fingerprint: 'fp-potato',
        traces: 400,
        errors: 0,
        spans: 1200,
        errorRate: 0,
        firstSeenUnixNano: `${T0_NS}`,
      });
      const filtered = await query(
        `{ clusters(endpoint: "${ORDERS_POST}") { edges { node { fingerprint } } } }`,
      );
      expect(filtered.clusters.edges.map((e: any) => e.node.fingerprint)).toEqual([
        'fp-plain',
        'fp-potato',
      ]);
    });

    it('refuses a cursor of another list, a malformed cursor and an oversized page', async () => {
      const versions = await query('{ modelVersions(first: 1) { edges { cursor } } }');
      const foreign = versions.modelVersions.edges[0].cursor;
      for (const after of [foreign, 'not-a-cursor']) {
        const answer = await post(
          'query ($after: String) { modelVersion { endpoints(after: $after) { totalCount } } }',
          { after },
        );
        expect(answer.errors?.[0].extensions).toEqual({
          code: 'BAD_USER_INPUT',
          argument: 'after',
        });
      }
      const big = await post('{ modelVersion { endpoints(first: 1000) { totalCount } } }');
      expect(big.errors?.[0]).toMatchObject({
        message: 'first must be between 0 and 100',
        extensions: { code: 'BAD_USER_INPUT', argument: 'first' },
      });
    });
  });

  describe('versions and diffs', () => {
    it('lists versions with their typed diffs, read with one query for the whole page', async () => {
      const diffsFor = jest.spyOn(service.app.get(ModelRepository), 'diffsFor');
      const data = await query(`{
        modelVersions {
          edges { node {
            version createdAt counts { endpoints rules }
            diff {
              fromHash toHash
              changes {
                __typename kind summary
                ... on ServiceChange { service }
                ... on EndpointChange { endpoint }
                ... on EntityChange { entity { kind name } }
                ... on EdgeChange { edge { id type } }
                ... on BehaviourChange { endpoint fingerprint }
                ... on RuleChange { rule { condition effect } }
                ... on RuleUpdate { before { condition } after { condition } }
              }
            }
          } }
        }
      }`);
      expect(diffsFor).toHaveBeenCalledTimes(1);
      const [v3, v2, v1] = data.modelVersions.edges.map((e: any) => e.node);
      expect(v1).toMatchObject({ version: 1, counts: { endpoints: 2, rules: 0 }, diff: null });
      expect(v1.createdAt).toBe('2026-01-01 12:00:00.000');
      expect(v2.diff.fromHash).toBe(modelHash(stages[0]));
      expect(v2.diff.toHash).toBe(modelHash(stages[1]));
      expect(v2.diff.changes).toEqual(
        expect.arrayContaining([
          {
            __typename: 'ServiceChange',
            kind: 'SERVICE_ADDED',
            summary: 'service added: potato-handler',
            service: 'potato-handler',
          },
          {
            __typename: 'EdgeChange',
            kind: 'EDGE_ADDED',
            summary: `edge added: ${edgeId(edges.callsPotatoes)}`,
            edge: { id: edgeId(edges.callsPotatoes), type: 'CALLS' },
          },
          expect.objectContaining({
            __typename: 'BehaviourChange',
            kind: 'BEHAVIOUR_ADDED',
            endpoint: ORDERS_POST,
            fingerprint: 'fp-potato',
          }),
          expect.objectContaining({
            __typename: 'RuleChange',
            kind: 'RULE_ADDED',
            rule: {
              condition: 'user.likes_potatoes = true',
              effect: 'calls potato-handler POST /potatoes',
            },
          }),
        ]),
      );
      expect(v2.diff.changes).toHaveLength(diffModels(stages[0], stages[1]).length);
      const v3Kinds = new Set(v3.diff.changes.map((c: any) => c.kind));
      expect(v3Kinds).toEqual(
        new Set([
          'SERVICE_ADDED',
          'ENDPOINT_ADDED',
          'ENTITY_ADDED',
          'EDGE_ADDED',
          'BEHAVIOUR_ADDED',
          'RULE_ADDED',
        ]),
      );
    });

    it('gives an entity a diff adds the global id of that entity in the newer version', async () => {
      const { modelVersions } = await query(`{
        modelVersions(first: 1) { edges { node {
          version entities { id kind name system }
          diff { changes { kind ... on EntityChange { entity { id kind name system } } } }
        } } }
      }`);
      const latest = modelVersions.edges[0].node;
      const added = latest.diff.changes
        .filter((c: any) => c.kind === 'ENTITY_ADDED')
        .map((c: any) => c.entity);
      expect(added.length).toBeGreaterThan(0);
      for (const entity of added) {
        expect(latest.entities).toContainEqual(entity);
        const { node } = await query(
          'query ($id: ID!) { node(id: $id) { __typename ... on Entity { id kind name system } } }',
          { id: entity.id },
        );
        expect(node).toEqual({ __typename: 'Entity', ...entity });
      }
    });

    it('reads model documents only for fields that need them, one query per page', async () => {
      const documents = jest.spyOn(service.app.get(ModelRepository), 'modelsByHash');
      await query('{ modelVersions { edges { node { version counts { endpoints } } } } }');
      expect(documents).not.toHaveBeenCalled();
      const data = await query(
        '{ modelVersions { edges { node { version services { name } endpoints(first: 1) { totalCount } } } } }',
      );
      expect(data.modelVersions.edges.map((e: any) => e.node.endpoints.totalCount)).toEqual([
        stages[2].endpoints.length,
        stages[1].endpoints.length,
        stages[0].endpoints.length,
      ]);
      expect(documents).toHaveBeenCalledTimes(1);
      expect(documents.mock.calls[0][0]).toHaveLength(3);
    });

    it('answers an older version by number, unchanged', async () => {
      const data = await query(`{
        modelVersion(version: 1) {
          version counts { services } endpoints { edges { node { key } } } rules { totalCount }
        }
      }`);
      expect(data.modelVersion).toEqual({
        version: 1,
        counts: { services: 2 },
        endpoints: { edges: [{ node: { key: ORDERS_POST } }, { node: { key: PAYMENTS } }] },
        rules: { totalCount: 0 },
      });
    });

    it('diffs any two versions, in either order, as modeling diffs consecutive ones', async () => {
      const diff = async (from: number, to: number) =>
        (
          await query(
            `query($from: Int!, $to: Int!) { modelDiff(from: $from, to: $to) {
              fromHash toHash changes { kind summary ... on EndpointChange { endpoint } } } }`,
            { from, to },
          )
        ).modelDiff;
      const forward = await diff(1, 3);
      expect(forward.fromHash).toBe(modelHash(stages[0]));
      expect(forward.toHash).toBe(modelHash(stages[2]));
      const expected = diffModels(stages[0], stages[2]);
      expect(forward.changes.map((c: any) => c.kind)).toEqual(
        expected.map((c) => c.kind.toUpperCase()),
      );
      expect(forward.changes).toContainEqual({
        kind: 'ENDPOINT_ADDED',
        summary: `endpoint added: ${ORDERS_GET}`,
        endpoint: ORDERS_GET,
      });
      const backward = await diff(3, 1);
      expect(backward.changes.map((c: any) => c.kind)).toEqual(
        diffModels(stages[2], stages[0]).map((c) => c.kind.toUpperCase()),
      );
      expect(backward.changes).toContainEqual({
        kind: 'ENDPOINT_REMOVED',
        summary: `endpoint removed: ${ORDERS_GET}`,
        endpoint: ORDERS_GET,
      });
      expect((await diff(2, 2)).changes).toEqual([]);
      const missing = await post('{ modelDiff(from: 1, to: 9) { fromHash } }');
      expect(missing.errors?.[0]).toMatchObject({
        message: 'model version 9 not found',
        extensions: { code: 'NOT_FOUND' },
      });
    });

    it('answers what a rule was measured on, behaviour by behaviour', async () => {
      const data = await query(`{ modelVersion { rules(endpoint: "${ORDERS_POST}") { edges { node {
        condition measured { basis behaviours { fingerprint effect traces holds } } } } } } }`);
      expect(data.modelVersion.rules.edges[0].node).toEqual({
        condition: 'user.likes_potatoes = true',
        measured: {
          basis: 'all-traces',
          behaviours: [
            { fingerprint: 'fp-potato', effect: true, traces: 412, holds: 412 },
            { fingerprint: 'fp-plain', effect: false, traces: 600, holds: 2 },
          ],
        },
      });
    });
  });

  describe('traces', () => {
    it('answers a trace by id with its spans (one query for the lookup and the spans)', async () => {
      const batched = jest.spyOn(service.app.get(SpanRepository), 'findByTraceIds');
      const id = traceIdOf(3).toUpperCase();
      const data = await query(
        `query ($id: String!) {
          trace(id: $id) {
            traceId
            spans { spanId parentSpanId name service kind events { name attributes { key value } } }
          }
        }`,
        { id },
      );
      expect(data.trace.traceId).toBe(traceIdOf(3));
      expect(data.trace.spans.map((s: any) => [s.name, s.kind, s.parentSpanId])).toEqual([
        ['CONSUME orders', 'SERVER', null],
        ['SELECT orders', 'CLIENT', '0000000300000001'],
        ['POST', 'CLIENT', '0000000300000001'],
      ]);
      expect(data.trace.spans[1].events).toEqual([
        { name: 'query.sent', attributes: [{ key: 'bytes', value: '120' }] },
      ]);
      expect(batched).toHaveBeenCalledTimes(1);
    });

    it('says NOT_FOUND for an unknown trace or version, BAD_USER_INPUT for a malformed id', async () => {
      const missing = await post('{ trace(id: "0123456789abcdef0123456789abcdef") { traceId } }');
      expect(missing.status).toBe(200);
      expect(missing.data).toEqual({ trace: null });
      expect(missing.errors).toEqual([
        {
          message: 'trace 0123456789abcdef0123456789abcdef not found',
          path: ['trace'],
          locations: [{ line: 1, column: 3 }],
          extensions: { code: 'NOT_FOUND' },
        },
      ]);
      const version = await post('{ modelVersion(version: 99) { version } }');
      expect(version.errors?.[0]).toMatchObject({
        message: 'model version 99 not found',
        extensions: { code: 'NOT_FOUND' },
      });
      const malformed = await post('{ trace(id: "nope") { traceId } }');
      expect(malformed.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'id' });
    });
  });

  describe('authentication', () => {
    const q = '{ modelVersion { version } }';

    it.each([
      ['no key', {}, 'API key required'],
      [
        'a wrong bearer key',
        { authorization: 'Bearer k-wrong-0123456789abcdef' },
        'invalid API key',
      ],
      ['a wrong x-api-key', { 'x-api-key': 'k-wrong-0123456789abcdef' }, 'invalid API key'],
      ['another scheme', { authorization: `Basic ${KEY}` }, 'API key required'],
    ])('refuses %s with HTTP 401 and UNAUTHENTICATED', async (_, headers, message) => {
      const answer = await post(q, {}, headers);
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toContain('Bearer');
      expect(answer.data).toBeUndefined();
      expect(answer.errors).toEqual([
        { message: expect.stringContaining(message), extensions: { code: 'UNAUTHENTICATED' } },
      ]);
    });

    it('refuses before parsing: an unauthenticated client learns nothing about the schema', async () => {
      const answer = await post('{ noSuchField }', {}, {});
      expect(answer.status).toBe(401);
      expect(answer.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
    });

    it.each([
      ['Authorization: Bearer', { authorization: `Bearer ${KEY}` }],
      ['x-api-key', { 'x-api-key': KEY }],
      ['a second (rotated) key', { 'x-api-key': ROTATED_KEY }],
    ])('accepts %s', async (_, headers) => {
      const answer = await post(q, {}, headers);
      expect(answer.status).toBe(200);
      expect(answer.data).toEqual({ modelVersion: { version: 3 } });
    });

    it('leaves health and metrics open, and counts refusals by code', async () => {
      expect((await fetch(`${service.baseUrl}/health/ready`)).status).toBe(200);
      await post(q, {}, {});
      const metrics = await fetch(`${service.baseUrl}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toMatch(
        /^t2t_graphql_errors_total\{code="UNAUTHENTICATED",service="generator"\} [1-9]/m,
      );
    });
  });

  describe('query limits', () => {
    it('refuses a too-deep query before execution (HTTP 400, QUERY_TOO_COMPLEX)', async () => {
      const models = service.app.get(ModelRepository);
      const latest = jest.spyOn(models, 'latestVersion');
      // modelVersion > endpoints > edges > node > behaviours > edges > node > representativeTrace > traceId: 9 levels.
      const answer = await post(`{
        modelVersion { endpoints(first: 1) { edges { node {
          behaviours(first: 1) { edges { node { representativeTrace { traceId } } } }
        } } } }
      }`);
      expect(answer.status).toBe(400);
      expect(answer.data).toBeUndefined();
      expect(answer.errors).toEqual([
        {
          message: 'query is 9 levels deep; the limit is 8',
          extensions: { code: 'QUERY_TOO_COMPLEX', measure: 'depth', limit: 8, actual: 9 },
        },
      ]);
      expect(latest).not.toHaveBeenCalled();
    });

    it('refuses a too-complex query before execution, naming its cost and the limit', async () => {
      const versions = jest.spyOn(service.app.get(ModelRepository), 'versions');
      const answer = await post(`{
        modelVersions(first: 100) { edges { node { endpoints(first: 100) { edges { node { key } } } } } }
      }`);
      expect(answer.status).toBe(400);
      expect(answer.errors?.[0]).toMatchObject({
        message: expect.stringMatching(/^query complexity \d+ exceeds the limit 2000/),
        extensions: { code: 'QUERY_TOO_COMPLEX', measure: 'complexity', limit: 2000 },
      });
      expect(answer.errors?.[0].extensions.actual).toBeGreaterThan(2000);
      expect(versions).not.toHaveBeenCalled();
    });

    it('allows the standard introspection query that GraphQL tools send', async () => {
      const data = await query(getIntrospectionQuery());
      const types = data.__schema.types.map((t: any) => t.name);
      expect(types).toEqual(
        expect.arrayContaining(['ModelVersion', 'Behaviour', 'Span', 'RuleUpdate']),
      );
    });
  });

  describe('errors', () => {
    it('returns INTERNAL without the cause or a stack trace, and logs it', async () => {
      jest
        .spyOn(service.app.get(ModelRepository), 'latestVersion')
        .mockRejectedValueOnce(new Error('connection to ch-7 refused (password=hunter2)'));
      const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      const answer = await post('{ modelVersion { version } }');
      expect(answer.errors).toEqual([
        {
          message: 'Internal server error',
          path: ['modelVersion'],
          locations: [{ line: 1, column: 3 }],
          extensions: { code: 'INTERNAL' },
        },
      ]);
      expect(JSON.stringify(answer)).not.toContain('hunter2');
      expect(logged).toHaveBeenCalledWith(expect.stringContaining('hunter2'));
    });

    it('reports unparsable and invalid queries as BAD_USER_INPUT with the reason', async () => {
      const parse = await post('{ modelVersion { ');
      expect(parse.status).toBe(400);
      expect(parse.errors?.[0].extensions).toEqual({
        code: 'BAD_USER_INPUT',
        reason: 'GRAPHQL_PARSE_FAILED',
      });
      const invalid = await post('{ modelVersion { nope } }');
      expect(invalid.status).toBe(400);
      expect(invalid.errors?.[0]).toMatchObject({
        message: 'Cannot query field "nope" on type "ModelVersion".',
        extensions: { code: 'BAD_USER_INPUT', reason: 'GRAPHQL_VALIDATION_FAILED' },
      });
    });
  });
});
