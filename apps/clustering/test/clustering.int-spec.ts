import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { MetricsRegistry } from '@t2t/platform';
import { ClusterRepository, CLICKHOUSE, type ClickHouseHandle } from '@t2t/storage';
import { HEADERS } from '@t2t/messaging';
import {
  type Behaviour,
  behaviourStream,
  consumeUntil,
  createTopics,
  eventually,
  freshStorageConfig,
  produceTraceRecords,
  testBrokers,
  testKafka,
  uniqueTopic,
} from '@t2t/test-support';
import { clusteringEnv } from '../src/clustering.env';
import { ClusteringModule } from '../src/clustering.module';
import { FAST_CLUSTERING_ENV } from './clustering.fixture';

describe('clustering (real broker, embedded ClickHouse)', () => {
  const kafka = testKafka('clustering-test');
  let app: INestApplication;
  let storage: ReturnType<typeof freshStorageConfig>;

  afterEach(async () => {
    await app?.close();
    storage?.cleanup();
  });

  it('reduces a stream of traces to one cluster per behaviour with exact counts and a representative each', async () => {
    storage = freshStorageConfig();
    const input = uniqueTopic('spans_by_trace');
    await createTopics(kafka, { [input]: 4 });
    const { records, truth } = behaviourStream(2000);
    await produceTraceRecords(
      kafka,
      input,
      records.map((r) => r.record),
    );

    const config = clusteringEnv.parse({
      CLICKHOUSE_DATA_PATH: storage.config.dataPath,
      KAFKA_BROKERS: testBrokers().join(','),
      CLUSTERING_INPUT_TOPIC: input,
      CLUSTERING_EVENTS_TOPIC: `${input}.events`,
      CLUSTERING_SINK_DLQ_TOPIC: `${input}.events.dlq`,
      CLUSTERING_GROUP_ID: uniqueTopic('clustering'),
      CLUSTERING_SINK_GROUP_ID: uniqueTopic('sink'),
      ...FAST_CLUSTERING_ENV,
    });
    const ref = await Test.createTestingModule({
      imports: [ClusteringModule.forRoot(config)],
    }).compile();
    app = ref.createNestApplication({ logger: ['error', 'warn'] });
    await app.init();
    const clusters = app.get(ClusterRepository);

    await eventually(
      async () => (await clusters.stats()).reduce((n, s) => n + s.traces, 0) >= records.length,
      'every trace counted',
      90_000,
    );
    const stats = await clusters.stats();
    expect(stats.reduce((n, s) => n + s.traces, 0)).toBe(records.length);

    // The worker's metrics agree with what went in: every span and trace counted, nothing open,
    // late, evicted or held back, window events published.
    const metric = async (name: string) =>
      Number(
        new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(
          await app.get(MetricsRegistry).text(),
        )?.[1] ?? NaN,
      );
    const spans = records.reduce((n, r) => n + r.record.spans.length, 0);
    expect(await metric('t2t_clustering_spans_total')).toBe(spans);
    expect(await metric('t2t_clustering_traces_closed_total')).toBe(records.length);
    expect(await metric('t2t_clustering_open_traces')).toBe(0);
    expect(await metric('t2t_clustering_open_traces_estimated_bytes')).toBe(0);
    expect(await metric('t2t_clustering_late_spans')).toBe(0);
    expect(await metric('t2t_clustering_evicted_traces')).toBe(0);
    expect(await metric('t2t_clustering_event_time_hold_seconds')).toBe(0);
    expect(await metric('t2t_clustering_window_events_total')).toBeGreaterThan(0);
    expect(await metric('t2t_clustering_consumer_lag')).toBe(0);
    // One fingerprint per behaviour, counted exactly.
    expect(stats.map((s) => s.traces).sort((a, b) => a - b)).toEqual(
      [...truth.values()].sort((a, b) => a - b),
    );
    expect(new Set(stats.map((s) => s.endpoint))).toEqual(
      new Set(['orders|HTTP POST /orders', 'cart|HTTP GET /cart/{id}']),
    );

    // Each representative is a trace of that very behaviour.
    const behaviourOf = new Map<string, Behaviour>(
      records.map((r) => [r.record.traceId, r.behaviour]),
    );
    const reps = await clusters.representatives();
    expect(reps).toHaveLength(4);
    const repBehaviours = reps.map((r) => behaviourOf.get(r.traceId));
    expect(new Set(repBehaviours).size).toBe(4);
    for (const s of stats) {
      const rep = reps.find((r) => r.fingerprint === s.fingerprint)!;
      expect(truth.get(behaviourOf.get(rep.traceId)!)).toBe(s.traces);
    }

    // The fingerprint's structure is stored with it.
    const ch = app.get<ClickHouseHandle>(CLICKHOUSE);
    const rs = await ch.client.query({
      query:
        'SELECT fingerprint, any(canonical) AS canonical FROM {db:Identifier}.clusters GROUP BY fingerprint',
      query_params: { db: ch.database },
      format: 'JSONEachRow',
    });
    const described = await rs.json<{ fingerprint: string; canonical: string }>();
    expect(described).toHaveLength(4);
    expect(described.every((d) => d.canonical.length > 0)).toBe(true);
    expect(described.some((d) => d.canonical.includes('potato-handler'))).toBe(true);

    // Families group the variants of each endpoint without merging the fingerprints.
    const families = await clusters.families(0.3);
    expect(families).toHaveLength(4);
    expect(new Set(families.map((f) => f.fingerprint)).size).toBe(4);
    const familiesOf = (endpoint: string) =>
      new Set(families.filter((f) => f.endpoint === endpoint).map((f) => f.family));
    expect(familiesOf('orders|HTTP POST /orders').size).toBe(1);
    expect(familiesOf('cart|HTTP GET /cart/{id}').size).toBe(1);
    expect((await clusters.families(0.99)).every((f) => f.family === f.fingerprint)).toBe(true);

    // Every trace's behaviour is stored (members events), under the fingerprint its window
    // counted it in, so rules can be measured over all traffic and not only the samples.
    const members = await ch.client.query({
      query: `SELECT trace_id, fingerprint FROM {db:Identifier}.trace_behaviours FINAL`,
      query_params: { db: ch.database },
      format: 'JSONEachRow',
    });
    const rows = await members.json<{ trace_id: string; fingerprint: string }>();
    expect(rows).toHaveLength(records.length);
    const fingerprintOf = new Map(rows.map((r) => [r.trace_id, r.fingerprint]));
    for (const s of stats) {
      const traces = records.filter((r) => fingerprintOf.get(r.record.traceId) === s.fingerprint);
      expect(traces).toHaveLength(s.traces);
      expect(new Set(traces.map((r) => r.behaviour)).size).toBe(1);
    }
    expect(await metric('t2t_clustering_window_events_total')).toBeGreaterThan(0);
  });

  it('sends an unreadable trace record and an unreadable cluster event to their dead-letter topics with the reason, and clusters the rest', async () => {
    storage = freshStorageConfig();
    const input = uniqueTopic('spans_by_trace');
    await createTopics(kafka, {
      [input]: 1,
      [`${input}.dlq`]: 1,
      [`${input}.events`]: 1,
      [`${input}.events.dlq`]: 1,
    });
    const { records } = behaviourStream(200);
    const traces = records.map((r) => r.record);
    // A foreign producer's garbage in the middle of the partition, on both topics the service reads.
    await produceTraceRecords(kafka, input, traces.slice(0, 100));
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: input,
      messages: [{ key: 'x', value: Buffer.from('not a trace record') }],
      acks: -1,
    });
    await producer.send({
      topic: `${input}.events`,
      messages: [{ key: 'x', value: Buffer.from('{"type":"window"') }],
      acks: -1,
    });
    await producer.disconnect();
    await produceTraceRecords(kafka, input, traces.slice(100));

    const config = clusteringEnv.parse({
      CLICKHOUSE_DATA_PATH: storage.config.dataPath,
      KAFKA_BROKERS: testBrokers().join(','),
      CLUSTERING_INPUT_TOPIC: input,
      CLUSTERING_EVENTS_TOPIC: `${input}.events`,
      CLUSTERING_SINK_DLQ_TOPIC: `${input}.events.dlq`,
      CLUSTERING_GROUP_ID: uniqueTopic('clustering'),
      CLUSTERING_SINK_GROUP_ID: uniqueTopic('sink'),
      CLUSTERING_CREATE_TOPICS: 'false',
      ...FAST_CLUSTERING_ENV,
    });
    const ref = await Test.createTestingModule({
      imports: [ClusteringModule.forRoot(config)],
    }).compile();
    app = ref.createNestApplication({ logger: false });
    await app.init();
    const clusters = app.get(ClusterRepository);
    await eventually(
      async () => (await clusters.stats()).reduce((n, s) => n + s.traces, 0) >= traces.length,
      'every readable trace counted',
      90_000,
    );
    expect((await clusters.stats()).reduce((n, s) => n + s.traces, 0)).toBe(traces.length);

    const [dead] = await consumeUntil(kafka, `${input}.dlq`, (r) => r.length >= 1);
    expect(dead.value.toString()).toBe('not a trace record');
    expect(dead.headers[HEADERS.dlqSourceTopic]).toBe(input);
    expect(dead.headers[HEADERS.dlqSourceOffset]).toBe('100');
    expect(dead.headers[HEADERS.dlqReason]).toMatch(/\S/);
    const [deadEvent] = await consumeUntil(kafka, `${input}.events.dlq`, (r) => r.length >= 1);
    expect(deadEvent.value.toString()).toBe('{"type":"window"');
    expect(deadEvent.headers[HEADERS.dlqReason]).toMatch(/\S/);
    const text = await app.get(MetricsRegistry).text();
    expect(text).toMatch(/^t2t_clustering_bad_records_total(\{[^}]*\})? 1$/m);
  });
});
