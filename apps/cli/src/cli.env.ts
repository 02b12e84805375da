import { composeEnv } from '@t2t/config';
import { kafkaEnv } from '@t2t/messaging';
import { runnerEnv, runnerTenantEnv } from '@t2t/runner';
import { storageEnv } from '@t2t/storage';
import { serverClientEnv } from './server.env';

/**
 * Everything the CLI reads from its environment. Command-line flags override it (`--brokers` over
 * `KAFKA_BROKERS`); connection security (TLS, SASL) and ClickHouse credentials come from here
 * only, so secrets stay out of shell history. `test run` and `test verify` read ClickHouse
 * (`storage`), or a running server's API (`server`), of one tenant (`tenant`), and the runner's
 * waits (`runner`).
 */
export const cliEnv = composeEnv('cli', {
  kafka: kafkaEnv,
  storage: storageEnv,
  runner: runnerEnv,
  server: serverClientEnv,
  tenant: runnerTenantEnv,
});

export type CliConfig = ReturnType<typeof cliEnv.parse>;
