import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvValidationError } from '@t2t/config';
import { createClickHouse, serverClientConfigOf } from './clickhouse.factory';
import { storageEnv } from './storage.env';

/** The problems `storageEnv.parse` reports, as `KEY: problem` lines. */
function problems(env: Record<string, string>): string[] {
  try {
    storageEnv.parse(env);
  } catch (e) {
    if (e instanceof EnvValidationError) return e.problems.map((p) => `${p.key}: ${p.problem}`);
    throw e;
  }
  return [];
}

/**
 * No ClickHouse server runs here: these check that the TLS options and credentials reach the
 * client's configuration (and the client's HTTPS connection), not a TLS handshake with a server.
 */
describe('ClickHouse server credentials and TLS', () => {
  let dir: string;
  const files: Record<string, string> = {};
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 't2t-ch-tls-'));
    for (const [name, content] of [
      ['ca.pem', 'CA PEM\n'],
      ['client.pem', 'CLIENT CERT PEM\n'],
      ['client.key', 'CLIENT KEY PEM\n'],
      ['password', 'ch-secret\n'],
    ]) {
      files[name] = join(dir, name);
      writeFileSync(files[name], content);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const parseServer = (env: Record<string, string>) => {
    const config = storageEnv.parse(env);
    return serverClientConfigOf({ ...config, url: config.url! });
  };

  it('takes the password from CLICKHOUSE_PASSWORD_FILE', () => {
    const config = parseServer({
      CLICKHOUSE_URL: 'https://ch.example:8443',
      CLICKHOUSE_USER: 'trace2test',
      CLICKHOUSE_PASSWORD_FILE: files.password,
    });
    expect(config).toMatchObject({ username: 'trace2test', password: 'ch-secret' });
    expect(config.tls).toBeUndefined();
  });

  it('hands the client the CA read from CLICKHOUSE_TLS_CA_FILE', () => {
    const config = parseServer({
      CLICKHOUSE_URL: 'https://ch.example:8443',
      CLICKHOUSE_TLS_CA_FILE: files['ca.pem'],
    });
    expect(config.tls).toEqual({ ca_cert: Buffer.from('CA PEM\n') });
  });

  it('hands the client a CA, certificate and key for mutual TLS', () => {
    const config = parseServer({
      CLICKHOUSE_URL: 'https://ch.example:8443',
      CLICKHOUSE_TLS_CA_FILE: files['ca.pem'],
      CLICKHOUSE_TLS_CERT_FILE: files['client.pem'],
      CLICKHOUSE_TLS_KEY_FILE: files['client.key'],
    });
    expect(config.tls).toEqual({
      ca_cert: Buffer.from('CA PEM\n'),
      cert: Buffer.from('CLIENT CERT PEM\n'),
      key: Buffer.from('CLIENT KEY PEM\n'),
    });
  });

  it('reaches the HTTPS connection of the client it creates', async () => {
    const handle = await createClickHouse(
      storageEnv.parse({
        CLICKHOUSE_URL: 'https://ch.example:8443',
        CLICKHOUSE_TLS_CA_FILE: files['ca.pem'],
        CLICKHOUSE_TLS_CERT_FILE: files['client.pem'],
        CLICKHOUSE_TLS_KEY_FILE: files['client.key'],
      }),
    );
    try {
      // @clickhouse/client keeps the TLS options on its connection (not a public API: this
      // checks the wiring as far as it can without a server).
      const connection = (handle.client as unknown as { connection: { params: { tls: unknown } } })
        .connection;
      expect(connection.params.tls).toEqual({
        type: 'Mutual',
        ca_cert: Buffer.from('CA PEM\n'),
        cert: Buffer.from('CLIENT CERT PEM\n'),
        key: Buffer.from('CLIENT KEY PEM\n'),
      });
    } finally {
      await handle.close();
    }
  });

  it('refuses TLS files without an https:// server', () => {
    expect(problems({ CLICKHOUSE_TLS_CA_FILE: files['ca.pem'] })).toEqual([
      'CLICKHOUSE_TLS_CA_FILE: needs a ClickHouse server: set CLICKHOUSE_URL to its https:// endpoint',
    ]);
    expect(
      problems({ CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_TLS_CA_FILE: files['ca.pem'] }),
    ).toEqual(['CLICKHOUSE_TLS_CA_FILE: needs an https:// CLICKHOUSE_URL']);
  });

  it('refuses a client certificate without its key or without the CA', () => {
    expect(
      problems({
        CLICKHOUSE_URL: 'https://ch:8443',
        CLICKHOUSE_TLS_CA_FILE: files['ca.pem'],
        CLICKHOUSE_TLS_CERT_FILE: files['client.pem'],
      }),
    ).toEqual(['CLICKHOUSE_TLS_KEY_FILE: is required with CLICKHOUSE_TLS_CERT_FILE']);
    expect(
      problems({
        CLICKHOUSE_URL: 'https://ch:8443',
        CLICKHOUSE_TLS_CERT_FILE: files['client.pem'],
        CLICKHOUSE_TLS_KEY_FILE: files['client.key'],
      }),
    ).toEqual([
      'CLICKHOUSE_TLS_CA_FILE: is required with a client certificate (the ClickHouse client takes them together)',
    ]);
  });

  it('names the key and path of an unreadable password file, and never the password', () => {
    const missing = join(dir, 'nope');
    expect(problems({ CLICKHOUSE_PASSWORD_FILE: missing })).toEqual([
      `CLICKHOUSE_PASSWORD_FILE: cannot read ${missing}: no such file`,
    ]);
    const both = problems({
      CLICKHOUSE_PASSWORD: 'hunter2',
      CLICKHOUSE_PASSWORD_FILE: files.password,
    }).join('\n');
    expect(both).toBe(
      'CLICKHOUSE_PASSWORD: is set together with CLICKHOUSE_PASSWORD_FILE: set only one of them',
    );
  });
});
