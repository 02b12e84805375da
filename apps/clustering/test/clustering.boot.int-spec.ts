import {
  expectHealthAndMetrics,
  freshStorageConfig,
  startTestService,
  testBrokers,
  uniqueTopic,
} from '@t2t/test-support';
import { clusteringEnv } from '../src/clustering.env';
import { ClusteringModule } from '../src/clustering.module';

describe(`${ClusteringModule.name} boot`, () => {
  it('starts worker and sink, answers health and metrics, and closes', async () => {
    const storage = freshStorageConfig();
    const topic = uniqueTopic('spans_by_trace');
    const config = clusteringEnv.parse({
      CLICKHOUSE_DATA_PATH: storage.config.dataPath,
      HTTP_PORT: '0',
      KAFKA_BROKERS: testBrokers().join(','),
      CLUSTERING_INPUT_TOPIC: topic,
      CLUSTERING_EVENTS_TOPIC: `${topic}.events`,
      CLUSTERING_SINK_DLQ_TOPIC: `${topic}.events.dlq`,
      CLUSTERING_GROUP_ID: uniqueTopic('clustering'),
      CLUSTERING_SINK_GROUP_ID: uniqueTopic('sink'),
    });
    const service = await startTestService(ClusteringModule.forRoot(config));
    try {
      await expectHealthAndMetrics(service.baseUrl, 'clustering', [
        'clickhouse',
        'clustering-worker',
        'clustering-sink',
      ]);
    } finally {
      await service.close();
      storage.cleanup();
    }
  });

  it('refuses a configuration without Kafka or with a lateness shorter than the idle gap', () => {
    expect(() => clusteringEnv.parse({})).toThrow('KAFKA_BROKERS: is required');
    expect(() =>
      clusteringEnv.parse({
        KAFKA_BROKERS: 'a:9092',
        CLUSTERING_IDLE_GAP: '20s',
        CLUSTERING_ALLOWED_LATENESS: '10s',
      }),
    ).toThrow(
      'CLUSTERING_ALLOWED_LATENESS: (10000 ms) must be at least CLUSTERING_IDLE_GAP (20000 ms)',
    );
  });
});
