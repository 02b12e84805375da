import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { HEADERS, type OutgoingMessage } from '@t2t/messaging';
import { MetricsRegistry } from '@t2t/platform';
import { ClusterRepository } from '@t2t/storage';
import {
  behaviourTrace,
  createTopics,
  eventually,
  freshStorageConfig,
  RECORDS_T0,
  testBrokers,
  testKafka,
  uniqueTopic,
} from '@t2t/test-support';
import { encodeTraceRecord, type TraceRecord } from '@t2t/wire';
import { clusteringEnv } from '../src/clustering.env';
import { ClusteringModule } from '../src/clustering.module';
import { FAST_CLUSTERING_ENV } from './clustering.fixture';

const S = 1_000_000_000n;

/** A record as ingest writes it: keyed by trace, stamped with its source and how far that source got. */
function sourced(record: TraceRecord, source: string, timeNs: bigint): OutgoingMessage {
  return {
    key: record.traceId,
    value: encodeTraceRecord(record),
    headers: { [HEADERS.source]: source, [HEADERS.sourceTime]: timeNs.toString() },
  };
}

/**
 * Ingest reads `otlp_spans` partitions at different speeds, so the two halves of one trace can
 * reach a clustering partition 10 s apart in event time (far above the 1 s idle gap): source a
 * delivers the trace's first half and then races ahead; source b delivers the second half later.
 * Both sources have sent before, as in a running system.
 */
function raceStream(): { messages: OutgoingMessage[]; traces: number } {
  const split = behaviourTrace(0, 'orders-potato', RECORDS_T0);
  const first = { traceId: split.traceId, spans: split.spans.slice(0, 2) };
  const second = { traceId: split.traceId, spans: split.spans.slice(2) };
  // Steady state: both sources have delivered before (a worker learns a source from its records).
  const messages = [
    sourced(
      behaviourTrace(1, 'cart-miss', RECORDS_T0 - 3n * S),
      'otlp_spans/1',
      RECORDS_T0 - 2n * S,
    ),
    sourced(first, 'otlp_spans/0', RECORDS_T0 + S / 10n),
  ];
  let n = 2;
  for (let s = 1n; s <= 10n; s++) {
    const t = behaviourTrace(n++, 'cart-hit', RECORDS_T0 + s * S);
    messages.push(sourced(t, 'otlp_spans/0', RECORDS_T0 + s * S + S / 10n));
  }
  messages.push(sourced(second, 'otlp_spans/1', RECORDS_T0 + S / 10n));
  for (let s = 1n; s <= 10n; s++) {
    const t = behaviourTrace(n++, 'cart-miss', RECORDS_T0 + s * S + S / 2n);
    messages.push(sourced(t, 'otlp_spans/1', RECORDS_T0 + s * S + S / 2n + S / 10n));
  }
  return { messages, traces: n };
}

describe('clustering: event time aligned across ingest sources (real broker, embedded ClickHouse)', () => {
  const kafka = testKafka('alignment-test');
  let app: INestApplication | undefined;
  let storage: ReturnType<typeof freshStorageConfig> | undefined;

  afterEach(async () => {
    await app?.close();
    storage?.cleanup();
  });

  async function cluster(sourceIdle: string) {
    storage = freshStorageConfig();
    const input = uniqueTopic('spans_by_trace');
    await createTopics(kafka, { [input]: 1 });
    const { messages, traces } = raceStream();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: input, messages, acks: -1 });
    await producer.disconnect();
    const config = clusteringEnv.parse({
      CLICKHOUSE_DATA_PATH: storage.config.dataPath,
      KAFKA_BROKERS: testBrokers().join(','),
      CLUSTERING_INPUT_TOPIC: input,
      CLUSTERING_EVENTS_TOPIC: `${input}.events`,
      CLUSTERING_SINK_DLQ_TOPIC: `${input}.events.dlq`,
      CLUSTERING_GROUP_ID: uniqueTopic('clustering'),
      CLUSTERING_SINK_GROUP_ID: uniqueTopic('sink'),
      ...FAST_CLUSTERING_ENV,
      CLUSTERING_SOURCE_IDLE: sourceIdle,
    });
    const ref = await Test.createTestingModule({
      imports: [ClusteringModule.forRoot(config)],
    }).compile();
    app = ref.createNestApplication({ logger: ['error', 'warn'] });
    await app.init();
    const clusters = app.get(ClusterRepository);
    await eventually(
      async () => (await clusters.stats()).reduce((n, s) => n + s.traces, 0) >= traces,
      'every trace counted',
      60_000,
    );
    const metrics = await app.get(MetricsRegistry).text();
    const late = Number(/^t2t_clustering_late_spans\{[^}]*\} (\d+)$/m.exec(metrics)?.[1] ?? -1);
    return { stats: await clusters.stats(), traces, late };
  }

  it('clusters the trace whose halves arrived 10 s apart whole, as one of its behaviour', async () => {
    const { stats, traces, late } = await cluster('30s');
    expect(stats.reduce((n, s) => n + s.traces, 0)).toBe(traces);
    const orders = stats.filter((s) => s.endpoint === 'orders|HTTP POST /orders');
    expect(orders).toHaveLength(1);
    expect(orders[0].traces).toBe(1);
    expect(stats.map((s) => s.endpoint).sort()).toEqual([
      'cart|HTTP GET /cart/{id}',
      'cart|HTTP GET /cart/{id}',
      'orders|HTTP POST /orders',
    ]);
    expect(late).toBe(0);
  });

  it('without alignment (0) the same stream splits it: the second half arrives late', async () => {
    const { late } = await cluster('0');
    expect(late).toBeGreaterThan(0);
  });
});
