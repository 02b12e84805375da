import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { MetricsRegistry } from '@t2t/platform';
import { CLICKHOUSE, ClusterRepository, type ClickHouseHandle } from '@t2t/storage';
import {
  behaviourStream,
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

/**
 * Traffic with a pause: recorded traces sent in two parts a while apart, the second continuing the
 * first's timestamps (a user sending a day's files one after another, a replay resumed). Event time
 * follows the data, not the wall clock, so the pause makes nothing late: the first part's windows
 * are published when the stream goes quiet, and the second part is counted in them.
 */
describe('clustering: traffic after a pause (real broker, embedded ClickHouse)', () => {
  const kafka = testKafka('pause-test');
  let app: INestApplication | undefined;
  let storage: ReturnType<typeof freshStorageConfig> | undefined;

  afterEach(async () => {
    await app?.close();
    storage?.cleanup();
  });

  it('counts the traces sent after the pause in the windows they belong to, none late', async () => {
    storage = freshStorageConfig();
    const input = uniqueTopic('spans_by_trace');
    await createTopics(kafka, { [input]: 1 });
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
    const total = async () => (await clusters.stats()).reduce((n, s) => n + s.traces, 0);

    // Part one: 4 s of event time (10 ms apart), less than one 5 s window plus its lateness.
    const first = behaviourStream(400);
    await produceTraceRecords(
      kafka,
      input,
      first.records.map((r) => r.record),
    );
    // Nothing moves event time past the open window: the quiet partition publishes it as it is.
    await eventually(async () => (await total()) === 400, 'part one counted', 60_000);

    // The pause: several idle periods of wall-clock time pass (event time must not move with it).
    await new Promise((r) => setTimeout(r, 5_000));

    // Part two continues the timestamps of part one.
    const second = behaviourStream(400, 10_000_000n, 400);
    await produceTraceRecords(
      kafka,
      input,
      second.records.map((r) => r.record),
    );
    await eventually(async () => (await total()) === 800, 'both parts counted', 60_000);

    const ch = app.get<ClickHouseHandle>(CLICKHOUSE);
    const rs = await ch.client.query({
      query: 'SELECT count() AS n FROM {db:Identifier}.cluster_late_traces',
      query_params: { db: ch.database },
      format: 'JSONEachRow',
    });
    expect(await rs.json()).toEqual([{ n: '0' }]);
    const metrics = await app.get(MetricsRegistry).text();
    expect(metrics).toMatch(/^t2t_clustering_late_trace_events_total\{[^}]*\} 0$/m);
    expect(metrics).toMatch(/^t2t_clustering_late_spans\{[^}]*\} 0$/m);
    // Per behaviour, the counts of both parts together.
    const byBehaviour = new Map<string, number>();
    for (const part of [first, second]) {
      for (const [b, n] of part.truth) byBehaviour.set(b, (byBehaviour.get(b) ?? 0) + n);
    }
    expect((await clusters.stats()).map((s) => s.traces).sort((a, b) => a - b)).toEqual(
      [...byBehaviour.values()].sort((a, b) => a - b),
    );
  });
});
