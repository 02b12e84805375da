import { composeEnv } from '@t2t/config';
import { kafkaEnv } from '@t2t/messaging';

/**
 * Everything the CLI reads from its environment. Command-line flags override it (`--brokers` over
 * `KAFKA_BROKERS`); connection security (TLS, SASL) comes from here only, so secrets stay out of
 * shell history.
 */
export const cliEnv = composeEnv('cli', { kafka: kafkaEnv });

export type CliConfig = ReturnType<typeof cliEnv.parse>;
