import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvValidationError } from '@t2t/config';
import { kafkaEnv } from './kafka.env';
import { kafkaClientOptionsOf } from './kafka.factory';
import { kafkajsConfigOf } from './kafka/kafka.client';

/** The problems `kafkaEnv.parse` reports, as `KEY: problem` lines. */
function problems(env: Record<string, string>): string[] {
  try {
    kafkaEnv.parse(env);
  } catch (e) {
    if (e instanceof EnvValidationError) return e.problems.map((p) => `${p.key}: ${p.problem}`);
    throw e;
  }
  return [];
}

describe('Kafka security options', () => {
  let dir: string;
  const files: Record<string, string> = {};
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 't2t-kafka-tls-'));
    for (const [name, content] of [
      ['ca.pem', 'CA PEM\n'],
      ['client.pem', 'CLIENT CERT PEM\n'],
      ['client.key', 'CLIENT KEY PEM\n'],
      ['password', 'from-a-file\n'],
    ]) {
      files[name] = join(dir, name);
      writeFileSync(files[name], content);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('connects in plain text without credentials by default', () => {
    const options = kafkaClientOptionsOf(kafkaEnv.parse({ KAFKA_BROKERS: 'k:9092' }));
    expect(options.ssl).toBe(false);
    expect(options.sasl).toBeUndefined();
  });

  it('hands kafkajs the CA, client certificate and key read from their files', () => {
    const config = kafkaEnv.parse({
      KAFKA_BROKERS: 'k:9093',
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: files['ca.pem'],
      KAFKA_SSL_CERT_FILE: files['client.pem'],
      KAFKA_SSL_KEY_FILE: files['client.key'],
      KAFKA_SSL_KEY_PASSWORD: 'unlock',
    });
    const ssl = kafkajsConfigOf({ ...kafkaClientOptionsOf(config), logs: 'silent' }).ssl;
    expect(ssl).toEqual({
      ca: Buffer.from('CA PEM\n'),
      cert: Buffer.from('CLIENT CERT PEM\n'),
      key: Buffer.from('CLIENT KEY PEM\n'),
      passphrase: 'unlock',
      rejectUnauthorized: true,
    });
  });

  it('verifies the broker against the system CAs unless told not to verify', () => {
    const verify = kafkaEnv.parse({ KAFKA_BROKERS: 'k:9093', KAFKA_SSL: 'true' });
    expect(kafkaClientOptionsOf(verify).ssl).toEqual({ rejectUnauthorized: true });
    const optOut = kafkaEnv.parse({
      KAFKA_BROKERS: 'k:9093',
      KAFKA_SSL: 'true',
      KAFKA_SSL_REJECT_UNAUTHORIZED: 'false',
    });
    expect(kafkaClientOptionsOf(optOut).ssl).toEqual({ rejectUnauthorized: false });
  });

  it.each(['plain', 'scram-sha-256', 'scram-sha-512'] as const)(
    'hands kafkajs SASL %s with the password from KAFKA_SASL_PASSWORD_FILE',
    (mechanism) => {
      const config = kafkaEnv.parse({
        KAFKA_BROKERS: 'k:9092',
        KAFKA_SASL_MECHANISM: mechanism,
        KAFKA_SASL_USERNAME: 'ingest',
        KAFKA_SASL_PASSWORD_FILE: files.password,
      });
      expect(kafkajsConfigOf({ ...kafkaClientOptionsOf(config), logs: 'silent' }).sasl).toEqual({
        mechanism,
        username: 'ingest',
        password: 'from-a-file',
      });
    },
  );

  it('names the missing credentials of a SASL mechanism', () => {
    expect(problems({ KAFKA_SASL_MECHANISM: 'scram-sha-256' })).toEqual([
      'KAFKA_SASL_USERNAME: is required with KAFKA_SASL_MECHANISM=scram-sha-256',
      'KAFKA_SASL_PASSWORD: is required with KAFKA_SASL_MECHANISM=scram-sha-256 (or KAFKA_SASL_PASSWORD_FILE)',
    ]);
    expect(problems({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' })).toEqual([
      'KAFKA_SASL_PASSWORD: is required with KAFKA_SASL_MECHANISM=plain (or KAFKA_SASL_PASSWORD_FILE)',
    ]);
  });

  it('refuses credentials without a mechanism, which would silently not be sent', () => {
    expect(problems({ KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' })).toEqual([
      'KAFKA_SASL_MECHANISM: is none while SASL credentials are set: choose plain, scram-sha-256 or scram-sha-512 (the broker decides which it accepts)',
    ]);
  });

  it('refuses TLS files without KAFKA_SSL, and a certificate without its key', () => {
    expect(problems({ KAFKA_SSL_CA_FILE: files['ca.pem'] })).toEqual([
      'KAFKA_SSL_CA_FILE: is set while KAFKA_SSL=false: set KAFKA_SSL=true',
    ]);
    expect(problems({ KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: files['client.pem'] })).toEqual([
      'KAFKA_SSL_KEY_FILE: is required with KAFKA_SSL_CERT_FILE',
    ]);
    expect(problems({ KAFKA_SSL: 'true', KAFKA_SSL_KEY_FILE: files['client.key'] })).toEqual([
      'KAFKA_SSL_CERT_FILE: is required with KAFKA_SSL_KEY_FILE',
    ]);
  });

  it('names the key and path of a certificate file that is not there, at start-up', () => {
    const missing = join(dir, 'missing.pem');
    expect(problems({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: missing })).toEqual([
      `KAFKA_SSL_CA_FILE: cannot read ${missing}: no such file`,
    ]);
  });

  it('never puts a password in its messages', () => {
    const messages = [
      ...problems({ KAFKA_SASL_PASSWORD: 'hunter2' }),
      ...problems({ KAFKA_SASL_PASSWORD: 'hunter2', KAFKA_SASL_PASSWORD_FILE: files.password }),
      ...problems({ KAFKA_SSL_KEY_PASSWORD: 'hunter2' }),
    ].join('\n');
    expect(messages).toContain('KAFKA_SASL_PASSWORD: is set together with');
    expect(messages).not.toContain('hunter2');
    expect(messages).not.toContain('from-a-file');
  });
});
