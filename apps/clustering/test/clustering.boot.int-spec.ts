import { expectHealthAndMetrics, freshStorageConfig, startTestService } from '@t2t/test-support';
import { clusteringEnv } from '../src/clustering.env';
import { ClusteringModule } from '../src/clustering.module';

describe(`${ClusteringModule.name} boot`, () => {
  it('starts, migrates storage, answers health and metrics, and closes', async () => {
    const storage = freshStorageConfig();
    const config = clusteringEnv.parse({
      CLICKHOUSE_DATA_PATH: storage.config.dataPath,
      HTTP_PORT: '0',
    });
    const service = await startTestService(ClusteringModule.forRoot(config));
    try {
      await expectHealthAndMetrics(service.baseUrl, 'clustering');
    } finally {
      await service.close();
      storage.cleanup();
    }
  });
});
