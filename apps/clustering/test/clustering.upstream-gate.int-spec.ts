import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { HEADERS, type MessagingClient, type OutgoingMessage } from '@t2t/messaging';
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
import { encodeTraceRecord } from '@t2t/wire';
import { clusteringEnv } from '../src/clustering.env';
import { ClusteringModule } from '../src/clustering.module';
import { FAST_CLUSTERING_ENV } from './clustering.fixture';

/** Commits `offset` for `groupId` on partition 0 of `topic`, as ingest does after writing. */
async function commitAs(
  kafka: MessagingClient,
  groupId: string,
  topic: string,
  offset: string,
): Promise<void> {
  const consumer = kafka.consumer({ groupId, sessionTimeoutMs: 10_000 });
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        topic,
        fromBeginning: true,
        eachBatch: async (batch) => {
          await consumer.commit([{ topic, partition: batch.partition, offset }]);
          resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
}

const metric = (text: string, name: string, labels = '') =>
  Number(
    new RegExp(`^${name}${labels ? `\\{${labels}\\}` : '(\\{[^}]*\\})?'} (\\d+)$`, 'm').exec(
      text,
    )?.[2] ?? 0,
  );

/**
 * Ingest stopped (or crashed) with records it had not committed: the rest of some traces may be
 * among them. A quiet clustering partition must not close those traces half while that lasts
 * (issue 15's kill-both fault: a half trace published by the idle flush, then the whole trace
 * again by a replay, counted twice); once ingest has committed everything, it flushes as before.
 */
describe('clustering: quiet partitions wait for the upstream group (real broker, embedded ClickHouse)', () => {
  const kafka = testKafka('upstream-gate-test');
  let app: INestApplication | undefined;
  let storage: ReturnType<typeof freshStorageConfig> | undefined;

  afterEach(async () => {
    await app?.close();
    storage?.cleanup();
  });

  it('holds the idle flush while the upstream group has uncommitted records, and flushes once it has caught up', async () => {
    storage = freshStorageConfig();
    const input = uniqueTopic('spans_by_trace');
    const upstream = uniqueTopic('otlp_spans');
    const upstreamGroup = uniqueTopic('ingest');
    await createTopics(kafka, { [input]: 1, [upstream]: 1 });
    const producer = kafka.producer();
    await producer.connect();
    // Three records on ingest's input; ingest has committed only the first.
    await producer.send({
      topic: upstream,
      messages: ['a', 'b', 'c'].map((v) => ({ value: Buffer.from(v) })),
      acks: -1,
    });
    await commitAs(kafka, upstreamGroup, upstream, '1');
    // What ingest wrote so far: two traces close together in event time (no window closes by
    // event time; only the idle flush would publish them).
    const traces = [0, 1].map((i) => behaviourTrace(i, 'cart-hit', RECORDS_T0));
    const messages: OutgoingMessage[] = traces.map((t) => ({
      key: t.traceId,
      value: encodeTraceRecord(t),
      headers: { [HEADERS.source]: `${upstream}/0`, [HEADERS.sourceTime]: RECORDS_T0.toString() },
    }));
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
      CLUSTERING_UPSTREAM_GROUP: upstreamGroup,
    });
    const ref = await Test.createTestingModule({
      imports: [ClusteringModule.forRoot(config)],
    }).compile();
    app = ref.createNestApplication({ logger: ['error', 'warn'] });
    await app.init();
    const registry = app.get(MetricsRegistry);

    // The worker has read both traces and decided three times over not to flush them.
    await eventually(async () => {
      const text = await registry.text();
      return (
        metric(text, 't2t_clustering_spans_total') > 0 &&
        metric(text, 't2t_clustering_idle_flushes_held_total') >= 3
      );
    }, 'the quiet partition held three times');
    const held = await registry.text();
    expect(metric(held, 't2t_clustering_traces_closed_total')).toBe(0);
    expect(metric(held, 't2t_clustering_window_events_total', 'type="window"')).toBe(0);

    // Ingest catches up: the partition flushes, and both traces are counted once.
    await commitAs(kafka, upstreamGroup, upstream, '3');
    const clusters = app.get(ClusterRepository);
    await eventually(
      async () => (await clusters.stats()).reduce((n, s) => n + s.traces, 0) === traces.length,
      'both traces counted after ingest caught up',
      60_000,
    );
  });
});
