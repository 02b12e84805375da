import { composeEnv } from '@t2t/config';
import { platformEnv } from '@t2t/platform';
import { storageEnv } from '@t2t/storage';

/** Everything the modeling service reads from its environment. */
export const modelingEnv = composeEnv('modeling', {
  platform: platformEnv(8083),
  storage: storageEnv,
});

export type ModelingConfig = ReturnType<typeof modelingEnv.parse>;
