import { Logger } from '@nestjs/common';
import { readProcessEnv } from '@t2t/config';
import { inProcessTransportFor, useInProcessTransport } from '@t2t/messaging';
import { runMain } from '@t2t/platform';
import { clusteringEnv } from '../../clustering/src/clustering.env';
import { ClusteringModule } from '../../clustering/src/clustering.module';
import { generatorEnv } from '../../generator/src/generator.env';
import { GeneratorModule } from '../../generator/src/generator.module';
import { ingestEnv } from '../../ingest/src/ingest.env';
import { IngestModule } from '../../ingest/src/ingest.module';
import { modelingEnv } from '../../modeling/src/modeling.env';
import { ModelingModule } from '../../modeling/src/modeling.module';
import { allInOneEnv, embeddedConfig } from './all-in-one.env';
import { AllInOneModule } from './all-in-one.module';
import { ReceiverRoleModule, receiverRoleEnv } from './receiver-role.module';
import { parseRole, RoleError } from './roles';

/**
 * One entry point for every role, so one build (and one image) runs the product embedded or as
 * separate, scaled services: `node main.js --role ingest|clustering|modeling|generator|receiver|all`.
 */
function main(): void {
  let role;
  try {
    role = parseRole(process.argv.slice(2), readProcessEnv().T2T_ROLE);
  } catch (e) {
    if (!(e instanceof RoleError)) throw e;
    process.stderr.write(`trace2test: ${e.message}\n`);
    process.exit(2);
  }
  switch (role) {
    case 'ingest':
      return runMain('ingest', ingestEnv, (c) => ({
        module: IngestModule.forRoot(c),
        platform: c.platform,
      }));
    case 'clustering':
      return runMain('clustering', clusteringEnv, (c) => ({
        module: ClusteringModule.forRoot(c),
        platform: c.platform,
      }));
    case 'modeling':
      return runMain('modeling', modelingEnv, (c) => ({
        module: ModelingModule.forRoot(c),
        platform: c.platform,
      }));
    case 'generator':
      return runMain('generator', generatorEnv, (c) => ({
        module: GeneratorModule.forRoot(c),
        platform: c.platform,
      }));
    case 'receiver':
      return runMain('receiver', receiverRoleEnv, (c) => ({
        module: ReceiverRoleModule.forRoot(c),
        platform: c.platform,
      }));
    case 'all':
      return runMain('trace2test', allInOneEnv, (parsed) => {
        let c = parsed;
        // Embedded default: no broker configured, the stages talk in-process (journalled to disk).
        if (!c.kafka.brokers) {
          c = embeddedConfig(c);
          const { kafka, journal } = inProcessTransportFor(c.queue, c.storage.dataPath);
          useInProcessTransport(kafka);
          new Logger('trace2test').log(
            journal
              ? `stages talk in-process, journalled in ${journal}`
              : 'stages talk in-process, in memory only (EMBEDDED_QUEUE_DURABLE=false)',
          );
        }
        return { module: AllInOneModule.forRoot(c), platform: c.platform };
      });
  }
}

main();
