import { expectHealthAndMetrics, freshStorageConfig, startTestService } from '@t2t/test-support';
import { modelingEnv } from '../src/modeling.env';
import { ModelingModule } from '../src/modeling.module';

describe(`${ModelingModule.name} boot`, () => {
  it('starts, migrates storage, answers health and metrics, and closes', async () => {
    const storage = freshStorageConfig();
    const config = modelingEnv.parse({
      CLICKHOUSE_DATA_PATH: storage.config.dataPath,
      HTTP_PORT: '0',
    });
    const service = await startTestService(ModelingModule.forRoot(config));
    try {
      await expectHealthAndMetrics(service.baseUrl, 'modeling');
    } finally {
      await service.close();
      storage.cleanup();
    }
  });
});
