import { composeEnv } from '@t2t/config';
import { llmEnv, llmEnvProblems } from '@t2t/llm';
import { kafkaEnv } from '@t2t/messaging';
import { platformEnv } from '@t2t/platform';
import { storageEnv } from '@t2t/storage';
import { tenantEnv } from '@t2t/wire';
import { generationEnv, generationEnvProblems } from './generation/generation.env';
import { graphqlEnv, graphqlEnvProblems } from './graphql/graphql-api.env';
import { webUiEnv } from './web/web-ui.env';

/** Everything the generator service reads from its environment. */
export const generatorEnv = composeEnv(
  'generator',
  {
    platform: platformEnv(8084),
    storage: storageEnv,
    graphql: graphqlEnv,
    tenants: tenantEnv,
    webUi: webUiEnv,
    kafka: kafkaEnv,
    generation: generationEnv,
    llm: llmEnv,
  },
  (c) => [
    ...graphqlEnvProblems(c.graphql),
    ...generationEnvProblems(c.generation),
    ...llmEnvProblems(c.llm),
  ],
);

export type GeneratorConfig = ReturnType<typeof generatorEnv.parse>;
