import { composeEnv } from '@t2t/config';
import { platformEnv } from '@t2t/platform';
import { storageEnv } from '@t2t/storage';

/** Everything the generator service reads from its environment. */
export const generatorEnv = composeEnv('generator', {
  platform: platformEnv(8084),
  storage: storageEnv,
});

export type GeneratorConfig = ReturnType<typeof generatorEnv.parse>;
