import { composeEnv } from '@t2t/config';
import { platformEnv } from '@t2t/platform';
import { storageEnv } from '@t2t/storage';

/** Everything the ingest service reads from its environment. */
export const ingestEnv = composeEnv('ingest', {
  platform: platformEnv(8081),
  storage: storageEnv,
});

export type IngestConfig = ReturnType<typeof ingestEnv.parse>;
