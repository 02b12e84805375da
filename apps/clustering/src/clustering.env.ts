import { composeEnv } from '@t2t/config';
import { platformEnv } from '@t2t/platform';
import { storageEnv } from '@t2t/storage';

/** Everything the clustering service reads from its environment. */
export const clusteringEnv = composeEnv('clustering', {
  platform: platformEnv(8082),
  storage: storageEnv,
});

export type ClusteringConfig = ReturnType<typeof clusteringEnv.parse>;
