import {
  expectHealthAndMetrics,
  freshStorageConfig,
  startTestService,
  testBrokers,
  uniqueTopic,
} from '@t2t/test-support';
import { ingestEnv } from '../src/ingest.env';
import { IngestModule } from '../src/ingest.module';

describe(`${IngestModule.name} boot`, () => {
  it('starts, migrates storage, joins its consumer group, answers health and metrics, and closes', async () => {
    const storage = freshStorageConfig();
    const topic = uniqueTopic('otlp_spans');
    const config = ingestEnv.parse({
      CLICKHOUSE_DATA_PATH: storage.config.dataPath,
      HTTP_PORT: '0',
      KAFKA_BROKERS: testBrokers().join(','),
      INGEST_TOPIC: topic,
      INGEST_OUTPUT_TOPIC: `${topic}.out`,
      INGEST_DLQ_TOPIC: `${topic}.dlq`,
      INGEST_GROUP_ID: uniqueTopic('ingest'),
    });
    const service = await startTestService(IngestModule.forRoot(config));
    try {
      await expectHealthAndMetrics(service.baseUrl, 'ingest', ['clickhouse', 'kafka-consumer']);
    } finally {
      await service.close();
      storage.cleanup();
    }
  });

  it('refuses a configuration without Kafka brokers before opening anything', () => {
    expect(() => ingestEnv.parse({})).toThrow(
      'KAFKA_BROKERS: is required: ingest consumes spans from Kafka',
    );
  });
});
