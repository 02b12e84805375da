/**
 * The ingest service as `apps/ingest/src/main.ts` runs it (same module, options from the
 * environment, same log lines), except that its SpanRepository is the integration tests'
 * FlakySpanRepository (apps/ingest/test/ingest.fixture.ts): every insert fails as "connection
 * refused" while ClickHouse is "down". The embedded engine cannot be stopped apart from the process
 * that holds it, so `npm run faults` takes ClickHouse away through this hook instead:
 * SIGUSR2 = ClickHouse unavailable, SIGHUP = back (SIGUSR1 is Node's debugger signal). Nothing else differs from a worker.
 */
import { ConsoleLogger, Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { readProcessEnv } from '@t2t/config';
import { logLevelsUpTo } from '@t2t/platform';
import { CLICKHOUSE, type ClickHouseHandle, SpanRepository } from '@t2t/storage';
import type { AddressInfo } from 'node:net';
import { FlakySpanRepository } from '../apps/ingest/test/ingest.fixture';
import { ingestEnv } from '../apps/ingest/src/ingest.env';
import { IngestModule } from '../apps/ingest/src/ingest.module';

async function main(): Promise<void> {
  const config = ingestEnv.parse(readProcessEnv());
  const ref = await Test.createTestingModule({ imports: [IngestModule.forRoot(config)] })
    .overrideProvider(SpanRepository)
    .useFactory({
      factory: (h: ClickHouseHandle) => new FlakySpanRepository(h),
      inject: [CLICKHOUSE],
    })
    .compile();
  // The testing module's own logger prints errors only; log as main.ts does.
  const app = ref.createNestApplication({
    logger: new ConsoleLogger({ logLevels: logLevelsUpTo(config.platform.logLevel) }),
  });
  // Only these: Nest's default list includes SIGUSR2 and SIGHUP, which are the fault switches here.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  const spans = app.get<FlakySpanRepository>(SpanRepository);
  const log = new Logger('faults');
  process.on('SIGUSR2', () => {
    spans.down = true;
    log.log('ClickHouse unavailable (simulated): every insert fails');
  });
  process.on('SIGHUP', () => {
    spans.down = false;
    log.log(`ClickHouse back (simulated) after ${spans.failures} failed inserts`);
  });
  await app.listen(config.platform.httpPort, config.platform.httpHost);
  const address = (app.getHttpServer() as import('node:http').Server).address() as AddressInfo;
  new Logger('ingest').log(`listening on http://${address.address}:${address.port}`);
}

main().catch((e) => {
  process.stderr.write(`faults ingest host: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
