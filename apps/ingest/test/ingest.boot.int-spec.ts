import { expectHealthAndMetrics, freshStorageConfig, startTestService } from '@t2t/test-support';
import { ingestEnv } from '../src/ingest.env';
import { IngestModule } from '../src/ingest.module';

describe(`${IngestModule.name} boot`, () => {
  it('starts, migrates storage, answers health and metrics, and closes', async () => {
    const storage = freshStorageConfig();
    const config = ingestEnv.parse({
      CLICKHOUSE_DATA_PATH: storage.config.dataPath,
      HTTP_PORT: '0',
    });
    const service = await startTestService(IngestModule.forRoot(config));
    try {
      await expectHealthAndMetrics(service.baseUrl, 'ingest');
    } finally {
      await service.close();
      storage.cleanup();
    }
  });
});
