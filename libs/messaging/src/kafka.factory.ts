import { readFileSync } from 'node:fs';
import type { ConfigOf } from '@t2t/config';
import type { InProcessQueueConfig, kafkaEnv } from './kafka.env';
import { InProcessBroker, InProcessKafka } from './in-process/in-process.kafka';
import {
  createKafkaClient,
  type KafkaClientOptions,
  type KafkaTlsOptions,
} from './kafka/kafka.client';
import type { MessagingClient } from './port/messaging.port';

export type KafkaConfig = ConfigOf<typeof kafkaEnv>;

export class KafkaConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KafkaConfigError';
  }
}

let inProcess: InProcessKafka | undefined;

/**
 * Embedded mode: from now on, `createKafka` without KAFKA_BROKERS returns this process's
 * in-memory transport instead of refusing. Called once by the all-in-one entry point.
 */
export function useInProcessTransport(
  kafka: InProcessKafka = new InProcessKafka(),
): InProcessKafka {
  inProcess = kafka;
  return kafka;
}

/**
 * The in-process transport embedded mode runs on: journalled in `queue.path` (default beside the
 * engine's data directory, `<dataPath>-queue`) unless `queue.durable` is off.
 */
export function inProcessTransportFor(
  queue: InProcessQueueConfig,
  dataPath: string,
): { kafka: InProcessKafka; journal: string | undefined } {
  if (!queue.durable) return { kafka: new InProcessKafka(), journal: undefined };
  const journal = queue.path ?? `${dataPath.replace(/[/\\]+$/, '')}-queue`;
  return { kafka: new InProcessKafka(new InProcessBroker({ journalDir: journal })), journal };
}

/** Back to requiring a broker (tests that installed the in-process transport). */
export function clearInProcessTransport(): void {
  inProcess = undefined;
}

/**
 * The service's transport from its options: Kafka at KAFKA_BROKERS, else the in-process transport
 * when embedded mode installed it, else a `KafkaConfigError`.
 */
export function createKafka(config: KafkaConfig, clientSuffix?: string): MessagingClient {
  if (!config.brokers && inProcess) return inProcess;
  return createKafkaClient(kafkaClientOptionsOf(config, clientSuffix));
}

/**
 * The Kafka client options of a service's configuration: TLS with the PEM files read (`read`
 * stands in for the file system in tests), SASL with its credentials, retries.
 */
export function kafkaClientOptionsOf(
  config: KafkaConfig,
  clientSuffix?: string,
  read: (path: string) => Buffer = (path) => readFileSync(path),
): KafkaClientOptions {
  if (!config.brokers)
    throw new KafkaConfigError('KAFKA_BROKERS is not set: this service needs a Kafka cluster');
  let sasl: KafkaClientOptions['sasl'];
  if (config.saslMechanism !== 'none') {
    // The option rules (kafka.env.ts) refuse this at start-up; a configuration built by hand may not.
    if (!config.saslUsername || !config.saslPassword) {
      throw new KafkaConfigError(
        `KAFKA_SASL_MECHANISM=${config.saslMechanism} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD`,
      );
    }
    sasl = {
      mechanism: config.saslMechanism,
      username: config.saslUsername,
      password: config.saslPassword,
    };
  }
  return {
    clientId: clientSuffix ? `${config.clientId}-${clientSuffix}` : config.clientId,
    brokers: config.brokers,
    ssl: config.ssl ? kafkaTlsOf(config, read) : false,
    sasl,
    retry: { initialRetryTimeMs: 200, retries: config.retries },
  };
}

function kafkaTlsOf(config: KafkaConfig, read: (path: string) => Buffer): KafkaTlsOptions {
  const load = (key: string, path: string | undefined): Buffer | undefined => {
    if (path === undefined) return undefined;
    try {
      return read(path);
    } catch (e) {
      // Readable at start-up (the option checks it); gone since, e.g. a Secret remounted.
      throw new KafkaConfigError(`${key}: cannot read ${path}: ${(e as Error).message}`);
    }
  };
  const tls: KafkaTlsOptions = { rejectUnauthorized: config.sslRejectUnauthorized };
  const ca = load('KAFKA_SSL_CA_FILE', config.sslCaFile);
  const cert = load('KAFKA_SSL_CERT_FILE', config.sslCertFile);
  const key = load('KAFKA_SSL_KEY_FILE', config.sslKeyFile);
  if (ca) tls.ca = ca;
  if (cert) tls.cert = cert;
  if (key) tls.key = key;
  if (config.sslKeyPassword) tls.passphrase = config.sslKeyPassword;
  return tls;
}
