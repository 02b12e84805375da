import { expectHealthAndMetrics, freshStorageConfig, startTestService } from '@t2t/test-support';
import { generatorEnv } from '../src/generator.env';
import { GeneratorModule } from '../src/generator.module';

describe(`${GeneratorModule.name} boot`, () => {
  it('starts, migrates storage, answers health and metrics, and closes', async () => {
    const storage = freshStorageConfig();
    const config = generatorEnv.parse({
      CLICKHOUSE_DATA_PATH: storage.config.dataPath,
      HTTP_PORT: '0',
      GRAPHQL_API_KEYS: 'k-generator-boot-0123456789',
    });
    const service = await startTestService(GeneratorModule.forRoot(config));
    try {
      await expectHealthAndMetrics(service.baseUrl, 'generator');
    } finally {
      await service.close();
      storage.cleanup();
    }
  });
});
