import { runMain } from '@t2t/platform';
import { clusteringEnv } from './clustering.env';
import { ClusteringModule } from './clustering.module';

runMain('clustering', clusteringEnv, (config) => ({
  module: ClusteringModule.forRoot(config),
  platform: config.platform,
}));
