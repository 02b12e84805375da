import {
  bool,
  type ConfigOf,
  defineEnv,
  type EnvProblem,
  file,
  hostPorts,
  int,
  oneOf,
  optionalStr,
  str,
} from '@t2t/config';

/**
 * Rules across the connection options: a SASL mechanism needs its credentials, credentials need a
 * mechanism (else they would silently not be sent), TLS files need TLS, and a client certificate
 * needs its key. Checked at start-up, so a misconfigured service exits naming the keys.
 */
function kafkaEnvProblems(c: {
  ssl: boolean;
  sslCaFile: string | undefined;
  sslCertFile: string | undefined;
  sslKeyFile: string | undefined;
  sslKeyPassword: string | undefined;
  saslMechanism: string;
  saslUsername: string | undefined;
  saslPassword: string | undefined;
}): EnvProblem[] {
  const problems: EnvProblem[] = [];
  if (c.saslMechanism !== 'none') {
    const needs = `is required with KAFKA_SASL_MECHANISM=${c.saslMechanism}`;
    if (!c.saslUsername) problems.push({ key: 'KAFKA_SASL_USERNAME', problem: needs });
    if (!c.saslPassword) {
      problems.push({
        key: 'KAFKA_SASL_PASSWORD',
        problem: `${needs} (or KAFKA_SASL_PASSWORD_FILE)`,
      });
    }
  } else if (c.saslUsername || c.saslPassword) {
    problems.push({
      key: 'KAFKA_SASL_MECHANISM',
      problem:
        'is none while SASL credentials are set: choose plain, scram-sha-256 or scram-sha-512 (the broker decides which it accepts)',
    });
  }
  if (!c.ssl) {
    const tlsOnly: [string, unknown][] = [
      ['KAFKA_SSL_CA_FILE', c.sslCaFile],
      ['KAFKA_SSL_CERT_FILE', c.sslCertFile],
      ['KAFKA_SSL_KEY_FILE', c.sslKeyFile],
      ['KAFKA_SSL_KEY_PASSWORD', c.sslKeyPassword],
    ];
    for (const [key, value] of tlsOnly) {
      if (value !== undefined) {
        problems.push({ key, problem: 'is set while KAFKA_SSL=false: set KAFKA_SSL=true' });
      }
    }
  }
  if (c.sslCertFile && !c.sslKeyFile) {
    problems.push({ key: 'KAFKA_SSL_KEY_FILE', problem: 'is required with KAFKA_SSL_CERT_FILE' });
  }
  if (c.sslKeyFile && !c.sslCertFile) {
    problems.push({ key: 'KAFKA_SSL_CERT_FILE', problem: 'is required with KAFKA_SSL_KEY_FILE' });
  }
  if (c.sslKeyPassword && !c.sslKeyFile) {
    problems.push({
      key: 'KAFKA_SSL_KEY_PASSWORD',
      problem: 'is set without KAFKA_SSL_KEY_FILE, the key it unlocks',
    });
  }
  return problems;
}

/** Kafka connection options, shared by every service that talks to the broker. */
export const kafkaEnv = defineEnv(
  'kafka',
  {
    brokers: hostPorts({
      key: 'KAFKA_BROKERS',
      doc: 'Bootstrap servers, `host:port[,host:port]`. Unset: services that can run without Kafka do (embedded mode); the others refuse to start.',
    }),
    clientId: str({
      key: 'KAFKA_CLIENT_ID',
      default: 'trace2test',
      doc: 'Client id sent to the broker (shows in broker logs and quotas).',
    }),
    ssl: bool({
      key: 'KAFKA_SSL',
      default: false,
      doc: 'Connect with TLS. The broker’s certificate is verified against the system’s CAs, or `KAFKA_SSL_CA_FILE`.',
    }),
    sslCaFile: file({
      key: 'KAFKA_SSL_CA_FILE',
      doc: 'PEM file of the CA certificate(s) that signed the brokers’ certificates (a private CA). Unset: the system’s CAs.',
    }),
    sslCertFile: file({
      key: 'KAFKA_SSL_CERT_FILE',
      doc: 'PEM client certificate (chain) for mutual TLS, with `KAFKA_SSL_KEY_FILE`.',
    }),
    sslKeyFile: file({
      key: 'KAFKA_SSL_KEY_FILE',
      doc: 'PEM private key of `KAFKA_SSL_CERT_FILE`.',
    }),
    sslKeyPassword: optionalStr({
      key: 'KAFKA_SSL_KEY_PASSWORD',
      secret: true,
      doc: 'Passphrase of an encrypted `KAFKA_SSL_KEY_FILE`.',
    }),
    sslRejectUnauthorized: bool({
      key: 'KAFKA_SSL_REJECT_UNAUTHORIZED',
      default: true,
      doc: '`false` accepts a broker certificate that does not verify (self-signed, wrong host name): the connection is encrypted but not authenticated. Only for a test broker.',
    }),
    saslMechanism: oneOf({
      key: 'KAFKA_SASL_MECHANISM',
      default: 'none',
      values: ['none', 'plain', 'scram-sha-256', 'scram-sha-512'] as const,
      doc: 'SASL authentication mechanism; anything but `none` needs `KAFKA_SASL_USERNAME` and `KAFKA_SASL_PASSWORD`. `plain` sends the password as is: use it with `KAFKA_SSL`.',
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
  },
  kafkaEnvProblems,
);

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
  partitions: int({
    key: 'EMBEDDED_QUEUE_PARTITIONS',
    default: 2,
    min: 1,
    max: 64,
    doc: 'Embedded mode: partitions of the topics the stages create in process, in place of `INGEST_TOPIC_PARTITIONS`, `CLUSTERING_TOPIC_PARTITIONS` and `MODELING_TOPIC_PARTITIONS` (those size Kafka topics, read by many replicas). One process reads every partition on one event loop, so more only make smaller inserts and more windows to close. Topics already in the journal keep their partitions.',
  }),
});

export type InProcessQueueConfig = ConfigOf<typeof inProcessQueueEnv>;
