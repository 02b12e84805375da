import { composeEnv } from '@t2t/config';
import { platformEnv } from '@t2t/platform';
import { storageEnv } from '@t2t/storage';
import { graphqlEnv, graphqlEnvProblems } from './graphql/graphql-api.env';

/** Everything the generator service reads from its environment. */
export const generatorEnv = composeEnv(
  'generator',
  {
    platform: platformEnv(8084),
    storage: storageEnv,
    graphql: graphqlEnv,
  },
  (c) => [...graphqlEnvProblems(c.graphql)],
);

export type GeneratorConfig = ReturnType<typeof generatorEnv.parse>;
