import {
  expectHealthAndMetrics,
  freshStorageConfig,
  startTestService,
  testBrokers,
  uniqueTopic,
} from '@t2t/test-support';
import { modelingEnv } from '../src/modeling.env';
import { ModelingModule } from '../src/modeling.module';

describe(`${ModelingModule.name} boot`, () => {
  it('starts, migrates storage, joins its leader election, answers health and metrics, and closes', async () => {
    const storage = freshStorageConfig();
    const topic = uniqueTopic('cluster_events');
    const config = modelingEnv.parse({
      CLICKHOUSE_DATA_PATH: storage.config.dataPath,
      HTTP_PORT: '0',
      KAFKA_BROKERS: testBrokers().join(','),
      MODELING_EVENTS_TOPIC: topic,
      MODELING_OUTPUT_TOPIC: `${topic}.models`,
      MODELING_GROUP_ID: uniqueTopic('modeling'),
      MODELING_LEADER_GROUP: uniqueTopic('modeling-leader'),
    });
    const service = await startTestService(ModelingModule.forRoot(config));
    try {
      await expectHealthAndMetrics(service.baseUrl, 'modeling', ['clickhouse', 'modeling']);
    } finally {
      await service.close();
      storage.cleanup();
    }
  });

  it('refuses a configuration without Kafka brokers', () => {
    expect(() => modelingEnv.parse({})).toThrow('KAFKA_BROKERS: is required');
  });
});
