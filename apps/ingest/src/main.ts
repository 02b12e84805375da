import { runMain } from '@t2t/platform';
import { ingestEnv } from './ingest.env';
import { IngestModule } from './ingest.module';

runMain('ingest', ingestEnv, (config) => ({
  module: IngestModule.forRoot(config),
  platform: config.platform,
}));
