import { runMain } from '@t2t/platform';
import { generatorEnv } from './generator.env';
import { GeneratorModule } from './generator.module';

runMain('generator', generatorEnv, (config) => ({
  module: GeneratorModule.forRoot(config),
  platform: config.platform,
}));
