import { bool, defineEnv, hostPorts, int, oneOf, optionalStr, str } from '@t2t/config';

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
