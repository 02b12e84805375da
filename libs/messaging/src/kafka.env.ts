import {
  bool,
  type ConfigOf,
  defineEnv,
  hostPorts,
  int,
  oneOf,
  optionalStr,
  str,
} from '@t2t/config';

/** Kafka connection options, shared by every service that talks to the broker. */
export const kafkaEnv = defineEnv('kafka', {
  brokers: hostPorts({
    key: 'KAFKA_BROKERS',
    doc: 'Bootstrap servers, `host:port[,host:port]`. Unset: services that can run without Kafka do (embedded mode); the others refuse to start.',
  }),
  clientId: str({
    key: 'KAFKA_CLIENT_ID',
    default: 'trace2test',
    doc: 'Client id sent to the broker (shows in broker logs and quotas).',
  }),
  ssl: bool({ key: 'KAFKA_SSL', default: false, doc: 'Connect with TLS.' }),
  saslMechanism: oneOf({
    key: 'KAFKA_SASL_MECHANISM',
    default: 'none',
    values: ['none', 'plain', 'scram-sha-256', 'scram-sha-512'] as const,
    doc: 'SASL authentication mechanism.',
  }),
  saslUsername: optionalStr({ key: 'KAFKA_SASL_USERNAME', doc: 'SASL user name.' }),
  saslPassword: optionalStr({ key: 'KAFKA_SASL_PASSWORD', doc: 'SASL password.', secret: true }),
  retries: int({
    key: 'KAFKA_RETRIES',
    default: 8,
    min: 0,
    max: 50,
    doc: 'Retries of a failed request inside the Kafka client (backoff from 200 ms, doubling, at most 30 s apart; 8 is about a minute) before the service sees the error and applies its own policy (ingest and the clustering sink back off and fetch nothing meanwhile; nothing is committed).',
  }),
});

/** The in-process queue between stages in embedded mode (no KAFKA_BROKERS). */
export const inProcessQueueEnv = defineEnv('in-process queue', {
  durable: bool({
    key: 'EMBEDDED_QUEUE_DURABLE',
    default: true,
    doc: 'Embedded mode: journal the queue between stages to disk, so a killed process loses no acknowledged span and counts no trace twice when started again. `false`: in memory only (records in flight are lost on a crash).',
  }),
  path: optionalStr({
    key: 'EMBEDDED_QUEUE_PATH',
    doc: 'Embedded mode: directory of the queue journal. Default: beside the engine data directory, `<CLICKHOUSE_DATA_PATH>-queue`.',
  }),
});

export type InProcessQueueConfig = ConfigOf<typeof inProcessQueueEnv>;
