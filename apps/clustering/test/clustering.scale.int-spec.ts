import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ClusterRepository } from '@t2t/storage';
import {
  behaviourStream,
  createTopics,
  eventually,
  freshStorageConfig,
  type NodeProcess,
  produceTraceRecords,
  spawnNode,
  testBrokers,
  testKafka,
  uniqueTopic,
  waitForMatch,
} from '@t2t/test-support';
import { clusteringEnv } from '../src/clustering.env';
import { ClusteringModule } from '../src/clustering.module';
import { FAST_CLUSTERING_ENV } from './clustering.fixture';

describe('clustering workers scaling out (separate processes, real broker)', () => {
  const kafka = testKafka('clustering-scale');
  const workers: NodeProcess[] = [];
  let sink: INestApplication | undefined;
  let storage: ReturnType<typeof freshStorageConfig>;

  afterAll(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await sink?.close();
    storage?.cleanup();
  });

  it('three workers, one SIGKILLed mid-stream and a fourth started: every trace counted exactly once per behaviour', async () => {
    const input = uniqueTopic('spans_by_trace');
    const events = `${input}.events`;
    const groupId = uniqueTopic('clustering');
    await createTopics(kafka, { [input]: 6, [events]: 3 });
    const env = {
      KAFKA_BROKERS: testBrokers().join(','),
      HTTP_PORT: '0',
      HTTP_HOST: '127.0.0.1',
      CLUSTERING_ROLE: 'worker',
      CLUSTERING_INPUT_TOPIC: input,
      CLUSTERING_EVENTS_TOPIC: events,
      CLUSTERING_GROUP_ID: groupId,
      ...FAST_CLUSTERING_ENV,
    };
    const startWorker = () => {
      const w = spawnNode(['-r', '@swc-node/register', 'apps/clustering/src/main.ts'], env);
      workers.push(w);
      return w;
    };

    // The sink (the one process owning the embedded database) runs here.
    storage = freshStorageConfig();
    const sinkConfig = clusteringEnv.parse({
      ...env,
      CLUSTERING_ROLE: 'sink',
      CLICKHOUSE_DATA_PATH: storage.config.dataPath,
      CLUSTERING_SINK_GROUP_ID: uniqueTopic('sink'),
      CLUSTERING_SINK_DLQ_TOPIC: `${events}.dlq`,
    });
    const ref = await Test.createTestingModule({
      imports: [ClusteringModule.forRoot(sinkConfig)],
    }).compile();
    sink = ref.createNestApplication({ logger: ['error', 'warn'] });
    await sink.init();
    const clusters = sink.get(ClusterRepository);

    const [a, b, c] = [startWorker(), startWorker(), startWorker()];
    for (const w of [a, b, c])
      await waitForMatch(
        () => /assigned partitions \[[\d, ]+\]/.exec(w.output()),
        60_000,
        w.output,
      );

    // A stream in three waves, ~20 s of event time each; a worker dies during the second wave.
    const total = 6000;
    const { records, truth } = behaviourStream(total);
    const waves = [records.slice(0, 2000), records.slice(2000, 4000), records.slice(4000)];
    await produceTraceRecords(
      kafka,
      input,
      waves[0].map((r) => r.record),
    );
    await eventually(
      async () => (await clusters.stats()).reduce((n, s) => n + s.traces, 0) > 0,
      'first windows written',
      60_000,
    );
    await produceTraceRecords(
      kafka,
      input,
      waves[1].slice(0, 1000).map((r) => r.record),
    );
    a.child.kill('SIGKILL');
    expect((await a.exited).signal).toBe('SIGKILL');
    await produceTraceRecords(
      kafka,
      input,
      waves[1].slice(1000).map((r) => r.record),
    );
    const d = startWorker();
    await produceTraceRecords(
      kafka,
      input,
      waves[2].map((r) => r.record),
    );

    await eventually(
      async () => (await clusters.stats()).reduce((n, s) => n + s.traces, 0) >= total,
      'every trace counted',
      120_000,
    );
    // Let any straggling replays land, then compare exactly.
    await new Promise((r) => setTimeout(r, 3000));
    const stats = await clusters.stats();
    expect(stats.reduce((n, s) => n + s.traces, 0)).toBe(total);
    expect(stats.map((s) => s.traces).sort((x, y) => x - y)).toEqual(
      [...truth.values()].sort((x, y) => x - y),
    );
    // The partitions of the killed worker moved: some survivor logged taking over a committed position.
    expect([b, c, d].some((w) => /resuming at offset \d+/.test(w.output()))).toBe(true);
  });
});
