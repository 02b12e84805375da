/**
 * SASL and TLS towards a real broker: the dev broker (deploy/kafka/kafka.sh) started in its opt-in
 * secure modes, reached through the service options (`kafkaEnv`) and the messaging port the
 * services use, with the password given the way a deployment mounts it: KAFKA_SASL_PASSWORD_FILE.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniqueTopic } from '@t2t/test-support';
import { createKafka, ensureTopics, kafkaEnv, type MessagingClient } from '@t2t/messaging';

const script = join(__dirname, '..', '..', '..', 'deploy', 'kafka', 'kafka.sh');

interface SecureBroker {
  /** The client options kafka.sh printed (KAFKA_BROKERS, KAFKA_SASL_*, KAFKA_SSL*), never a password. */
  env: Record<string, string>;
  stop(): void;
}

/** Starts the dev broker with `security` (KAFKA_SASL, KAFKA_TLS, ...) in a fresh state dir. */
function startSecureBroker(security: Record<string, string>): SecureBroker {
  const state = mkdtempSync(join(tmpdir(), 't2t-kafka-secure-'));
  const stop = () => {
    execFileSync('bash', [script, 'stop', '--clean'], {
      env: { ...process.env, KAFKA_STATE_DIR: state },
      stdio: 'ignore',
    });
    rmSync(state, { recursive: true, force: true });
  };
  let out: string;
  try {
    out = execFileSync('bash', [script, 'start'], {
      env: { ...process.env, ...security, KAFKA_STATE_DIR: state, KAFKA_PORT: '0' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    stop();
    throw new Error(`kafka.sh start failed:\n${(e as { stderr?: string }).stderr ?? String(e)}`);
  }
  const env: Record<string, string> = {};
  for (const m of out.matchAll(/^(KAFKA_[A-Z_]+)=(.*)$/gm)) env[m[1]] = m[2];
  return { env, stop };
}

/** One record through the port: a topic created, a record produced, the same record consumed. */
async function roundTrip(kafka: MessagingClient): Promise<string> {
  const topic = uniqueTopic('secure');
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, [{ topic, partitions: 1 }]);
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: [{ key: 'k', value: Buffer.from('over a secure line') }],
  });
  await producer.disconnect();
  const consumer = kafka.consumer({
    groupId: uniqueTopic('secure-group'),
    sessionTimeoutMs: 30_000,
    maxWaitMs: 100,
  });
  try {
    return await new Promise<string>((resolve, reject) => {
      consumer
        .run({
          topic,
          fromBeginning: true,
          eachBatch: async (batch) => {
            for (const m of batch.messages) {
              batch.resolveOffset(m.offset);
              resolve(m.value!.toString());
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
}

/**
 * The error a first request ends with. Not `connect` alone: a broker answers the version probe
 * before authentication, and TLS 1.3 refuses a missing client certificate only after the client's
 * side of the handshake completed.
 */
async function refusal(kafka: MessagingClient): Promise<Error> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.listTopics();
  } catch (e) {
    return e as Error;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  throw new Error('the broker served the request');
}

describe('Kafka SASL/SCRAM-SHA-512 on the real broker', () => {
  const password = `pw-${randomBytes(12).toString('hex')}`;
  let dir: string;
  let passwordFile: string;
  let wrongFile: string;
  let broker: SecureBroker;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 't2t-kafka-secrets-'));
    passwordFile = join(dir, 'kafka-password');
    wrongFile = join(dir, 'wrong-password');
    // As a mounted secret or `echo pw > file` leaves it: with a trailing newline.
    writeFileSync(passwordFile, `${password}\n`);
    writeFileSync(wrongFile, 'not-the-password\n');
    broker = startSecureBroker({
      KAFKA_SASL: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'ingest',
      KAFKA_SASL_PASSWORD_FILE: passwordFile,
    });
  });
  afterAll(() => {
    broker?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('prints the client options to reach it, without the password', () => {
    expect(broker.env).toEqual({
      KAFKA_BROKERS: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'ingest',
    });
  });

  it('produces and consumes with the password read from KAFKA_SASL_PASSWORD_FILE', async () => {
    const config = kafkaEnv.parse({ ...broker.env, KAFKA_SASL_PASSWORD_FILE: passwordFile });
    expect(config.saslPassword).toBe(password);
    await expect(roundTrip(createKafka(config, 'sasl-test'))).resolves.toBe('over a secure line');
  });

  it('fails with an authentication error for a wrong password, without echoing it', async () => {
    const config = kafkaEnv.parse({
      ...broker.env,
      KAFKA_SASL_PASSWORD_FILE: wrongFile,
      KAFKA_RETRIES: '0',
    });
    const error = await refusal(createKafka(config, 'sasl-test'));
    expect(error.message).toMatch(/SASL SCRAM SHA512 authentication failed/);
    expect(error.message).not.toContain('not-the-password');
  });

  it('is refused without SASL', async () => {
    const config = kafkaEnv.parse({
      KAFKA_BROKERS: broker.env.KAFKA_BROKERS,
      KAFKA_RETRIES: '0',
    });
    const kafka = createKafka(config, 'sasl-test');
    // The broker closes a connection that sends requests before authenticating.
    expect((await refusal(kafka)).message).toMatch(/Closed connection/);
  });
});

describe('Kafka mutual TLS with SASL/PLAIN on the real broker', () => {
  let dir: string;
  let passwordFile: string;
  let broker: SecureBroker;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 't2t-kafka-tls-'));
    passwordFile = join(dir, 'kafka-password');
    writeFileSync(passwordFile, `tls-${randomBytes(12).toString('hex')}\n`);
    broker = startSecureBroker({
      KAFKA_TLS: 'mutual',
      KAFKA_SASL: 'plain',
      KAFKA_SASL_PASSWORD_FILE: passwordFile,
    });
  });
  afterAll(() => {
    broker?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('prints the CA and the client certificate to use', () => {
    expect(Object.keys(broker.env).sort()).toEqual([
      'KAFKA_BROKERS',
      'KAFKA_SASL_MECHANISM',
      'KAFKA_SASL_USERNAME',
      'KAFKA_SSL',
      'KAFKA_SSL_CA_FILE',
      'KAFKA_SSL_CERT_FILE',
      'KAFKA_SSL_KEY_FILE',
    ]);
  });

  it('produces and consumes with the CA, the client certificate and the SASL password', async () => {
    const config = kafkaEnv.parse({ ...broker.env, KAFKA_SASL_PASSWORD_FILE: passwordFile });
    await expect(roundTrip(createKafka(config, 'tls-test'))).resolves.toBe('over a secure line');
  });

  it('does not trust the broker without its CA', async () => {
    const { KAFKA_SSL_CA_FILE: _ca, ...withoutCa } = broker.env;
    const config = kafkaEnv.parse({
      ...withoutCa,
      KAFKA_SASL_PASSWORD_FILE: passwordFile,
      KAFKA_RETRIES: '0',
    });
    const error = await refusal(createKafka(config, 'tls-test'));
    expect(error.message).toMatch(/self[- ]signed certificate|unable to (get|verify)/i);
  });

  it('is refused without a client certificate', async () => {
    const { KAFKA_SSL_CERT_FILE: _cert, KAFKA_SSL_KEY_FILE: _key, ...withoutCert } = broker.env;
    const config = kafkaEnv.parse({
      ...withoutCert,
      KAFKA_SASL_PASSWORD_FILE: passwordFile,
      KAFKA_RETRIES: '0',
    });
    expect((await refusal(createKafka(config, 'tls-test'))).message).toMatch(
      /bad certificate|certificate required/,
    );
  });
});
