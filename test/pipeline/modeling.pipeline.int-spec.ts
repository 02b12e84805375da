import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { DynamicModule } from '@nestjs/common';
import {
  call,
  db,
  DEFAULT_START_NS,
  diffGroundTruth,
  generateTraces,
  groundTruth,
  http,
  numericId,
  potatoSystem,
  toOtlpRequests,
  withEndpoint,
  withoutDbWrites,
  type SystemDefinition,
} from '@t2t/examples';
import { edgeId, type ModelChange, type ModelEdge, type SystemModel } from '@t2t/model';
import { encodeTraceRequestProto } from '@t2t/otlp';
import { ModelRepository } from '@t2t/storage';
import {
  eventually,
  freshStorageConfig,
  readTopic,
  testBrokers,
  testKafka,
  uniqueTopic,
} from '@t2t/test-support';
import type { ModelEvent } from '../../apps/modeling/src/model.builder';
import { clusteringEnv } from '../../apps/clustering/src/clustering.env';
import { ClusteringModule } from '../../apps/clustering/src/clustering.module';
import { ingestEnv } from '../../apps/ingest/src/ingest.env';
import { IngestModule } from '../../apps/ingest/src/ingest.module';
import { modelingEnv } from '../../apps/modeling/src/modeling.env';
import { ModelingModule } from '../../apps/modeling/src/modeling.module';

/**
 * The whole pipeline on a real broker and one embedded engine: OTLP requests of the potato system
 * on otlp_spans → ingest → clustering workers + sink → modeling. Three apps in one process share
 * the data directory (one process owns it; connections to the same path coexist).
 */
describe('modeling through the pipeline (real broker, embedded ClickHouse)', () => {
  const kafka = testKafka('modeling-pipeline');
  const apps: INestApplication[] = [];
  let storage: ReturnType<typeof freshStorageConfig>;

  afterAll(async () => {
    for (const app of apps.reverse()) await app.close();
    storage?.cleanup();
  });

  async function start(module: DynamicModule): Promise<INestApplication> {
    const ref = await Test.createTestingModule({ imports: [module] }).compile();
    const app = ref.createNestApplication({ logger: ['error', 'warn'] });
    await app.init();
    apps.push(app);
    return app;
  }

  async function produce(
    system: SystemDefinition,
    seed: number,
    requests: number,
    startNs: bigint,
    topic: string,
  ): Promise<void> {
    const traces = generateTraces(system, { seed, traces: requests, startNs, ratePerSecond: 100 });
    const producer = kafka.producer();
    await producer.connect();
    for (const spans of toOtlpRequests(traces, { spansPerRequest: 200, mixTraces: true })) {
      await producer.send({
        topic,
        messages: [{ value: Buffer.from(encodeTraceRequestProto(spans)) }],
        acks: -1,
      });
    }
    await producer.disconnect();
  }

  it('builds the potato model with its rule, then versions a drift with exactly its changes', async () => {
    storage = freshStorageConfig();
    const suffix = uniqueTopic('pipe');
    const common = {
      CLICKHOUSE_DATA_PATH: storage.config.dataPath,
      KAFKA_BROKERS: testBrokers().join(','),
      HTTP_PORT: '0',
    };
    const topics = {
      spans: `${suffix}.otlp_spans`,
      byTrace: `${suffix}.spans_by_trace`,
      events: `${suffix}.cluster_events`,
    };
    await start(
      IngestModule.forRoot(
        ingestEnv.parse({
          ...common,
          INGEST_TOPIC: topics.spans,
          INGEST_OUTPUT_TOPIC: topics.byTrace,
          INGEST_DLQ_TOPIC: `${topics.spans}.dlq`,
          INGEST_GROUP_ID: `${suffix}.ingest`,
          INGEST_TOPIC_PARTITIONS: '3',
          INGEST_BATCH_MAX_WAIT: '200ms',
        }),
      ),
    );
    await start(
      ClusteringModule.forRoot(
        clusteringEnv.parse({
          ...common,
          CLUSTERING_INPUT_TOPIC: topics.byTrace,
          CLUSTERING_EVENTS_TOPIC: topics.events,
          CLUSTERING_SINK_DLQ_TOPIC: `${topics.events}.dlq`,
          CLUSTERING_GROUP_ID: `${suffix}.clustering`,
          CLUSTERING_UPSTREAM_GROUP: `${suffix}.ingest`,
          CLUSTERING_SINK_GROUP_ID: `${suffix}.sink`,
          CLUSTERING_TOPIC_PARTITIONS: '3',
          CLUSTERING_IDLE_GAP: '1s',
          CLUSTERING_WINDOW: '10s',
          CLUSTERING_ALLOWED_LATENESS: '3s',
          CLUSTERING_IDLE_ADVANCE_AFTER: '1s',
          CLUSTERING_SAMPLE_SIZE: '50',
        }),
      ),
    );
    const modeling = await start(
      ModelingModule.forRoot(
        modelingEnv.parse({
          ...common,
          MODELING_EVENTS_TOPIC: topics.events,
          MODELING_OUTPUT_TOPIC: `${suffix}.model_events`,
          MODELING_GROUP_ID: `${suffix}.modeling`,
          MODELING_LEADER_GROUP: `${suffix}.modeling-leader`,
          MODELING_DEBOUNCE: '500ms',
          // The drifted traffic starts 10 minutes of event time later: the old behaviours fall out.
          MODELING_HORIZON: '5m',
        }),
      ),
    );
    const models = modeling.get(ModelRepository);
    const latest = async (): Promise<SystemModel | undefined> => {
      const v = await models.latestVersion();
      return v ? (JSON.parse(v.model) as SystemModel) : undefined;
    };

    // 1. The potato system: 600 requests over 6 s of event time.
    await produce(potatoSystem, 1, 600, DEFAULT_START_NS, topics.spans);
    const truth = groundTruth(potatoSystem);
    await eventually(
      async () => {
        const m = await latest();
        return (
          m !== undefined &&
          m.rules.length >= truth.rules.length &&
          m.endpoints.length >= truth.endpoints.length
        );
      },
      'the potato model with its rule',
      120_000,
    );
    const model = (await latest())!;
    expect(model.services.map((s) => s.name).sort()).toEqual(
      truth.services.map((s) => s.name).sort(),
    );
    expect(model.endpoints.map((e) => e.key).sort()).toEqual(
      truth.endpoints.map((e) => e.key).sort(),
    );
    expect(model.entities.map((e) => `${e.kind}:${e.name}`).sort()).toEqual(
      truth.entities.map((e) => `${e.kind}:${e.name}`).sort(),
    );
    expect(model.edges.map((e) => edgeId(e)).sort()).toEqual(
      truth.edges.map((e) => edgeId(e)).sort(),
    );
    expect(model.rules.map((r) => [r.endpoint, r.condition, r.effect])).toEqual(
      truth.rules.map((r) => [r.endpoint, r.condition, r.effect]),
    );
    const firstVersion = (await models.latestVersion())!;

    // 2. Drift: a new endpoint (through the gateway), and the order writer stops inserting into `orders`.
    const withDelete = withEndpoint(
      withEndpoint(
        potatoSystem,
        'api-gateway',
        http(
          'DELETE',
          '/orders/{id}',
          call('order-service', 'DELETE /orders/{id}', { params: { id: 'order.id' } }),
        ),
        {
          traffic: {
            weight: 1,
            attributes: { 'order.id': numericId(1, 1000) },
            params: { id: 'order.id' },
          },
        },
      ),
      'order-service',
      http('DELETE', '/orders/{id}', db('postgresql', 'DELETE', 'orders', { database: 'shop' })),
    );
    const drifted = withoutDbWrites(withDelete, 'orders', { service: 'order-writer' });
    const truthDiff = diffGroundTruth(truth, groundTruth(drifted));
    await produce(drifted, 2, 600, DEFAULT_START_NS + 600_000_000_000n, topics.spans);
    await eventually(
      async () => {
        const v = await models.latestVersion();
        const m = v ? (JSON.parse(v.model) as SystemModel) : undefined;
        return (
          v !== undefined &&
          v.version > firstVersion.version &&
          m!.endpoints.some((e) => e.key.includes('DELETE'))
        );
      },
      'a drifted model version',
      120_000,
    );
    const v2 = (await models.latestVersion())!;
    const [diff] = await models.diffsFor([v2.version]);
    const changes = JSON.parse(diff.changes) as ModelChange[];
    const kinds = (kind: ModelChange['kind']) => changes.filter((c) => c.kind === kind);
    // Exactly the endpoints and edges the truth says were added and removed.
    expect(
      kinds('endpoint_added')
        .map((c) => (c as { endpoint: string }).endpoint)
        .sort(),
    ).toEqual([...truthDiff.added.endpoints].sort());
    expect(kinds('endpoint_removed')).toEqual([]);
    expect(
      kinds('edge_added')
        .map((c) => edgeId((c as { edge: ModelEdge }).edge))
        .sort(),
    ).toEqual(truthDiff.added.edges.map((e) => edgeId(e)).sort());
    expect(
      kinds('edge_removed')
        .map((c) => edgeId((c as { edge: ModelEdge }).edge))
        .sort(),
    ).toEqual(truthDiff.removed.edges.map((e) => edgeId(e)).sort());
    expect(truthDiff.removed.edges.some((e) => e.type === 'WRITES' && e.to === 'orders')).toBe(
      true,
    );

    // Each stored version was announced on model_events, with the endpoints it changed.
    const announced = (await readTopic(kafka, `${suffix}.model_events`))
      .map((m) => JSON.parse(m.value!.toString()) as ModelEvent)
      .filter((e) => e.type === 'model_version');
    const byVersion = new Map(announced.map((e) => [e.version, e]));
    expect(byVersion.get(firstVersion.version)?.modelHash).toBe(firstVersion.modelHash);
    const last = byVersion.get(v2.version);
    expect(last?.modelHash).toBe(v2.modelHash);
    expect(last?.changedEndpoints).toEqual(expect.arrayContaining([...truthDiff.added.endpoints]));
  });
});
