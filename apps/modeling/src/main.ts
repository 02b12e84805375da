import { runMain } from '@t2t/platform';
import { modelingEnv } from './modeling.env';
import { ModelingModule } from './modeling.module';

runMain('modeling', modelingEnv, (config) => ({
  module: ModelingModule.forRoot(config),
  platform: config.platform,
}));
