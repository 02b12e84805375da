import { envTable } from '@t2t/config';
import { cliEnv } from '../apps/cli/src/cli.env';
import { clusteringEnv } from '../apps/clustering/src/clustering.env';
import { generatorEnv } from '../apps/generator/src/generator.env';
import { ingestEnv } from '../apps/ingest/src/ingest.env';
import { modelingEnv } from '../apps/modeling/src/modeling.env';
import { llmEnv } from '@t2t/llm';

/** Every service and the README that documents its options. */
export function serviceEnvDocs(): { readme: string; table: string }[] {
  return [
    { readme: 'apps/ingest/README.md', table: envTable(ingestEnv) },
    { readme: 'apps/clustering/README.md', table: envTable(clusteringEnv) },
    { readme: 'apps/modeling/README.md', table: envTable(modelingEnv) },
    { readme: 'apps/generator/README.md', table: envTable(generatorEnv) },
    { readme: 'apps/cli/README.md', table: envTable(cliEnv) },
    { readme: 'libs/llm/README.md', table: envTable(llmEnv) },
  ];
}
