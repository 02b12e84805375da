import { defineEnv, duration, optionalStr, str, url } from '@t2t/config';

/** ClickHouse connection options, shared by every service. */
export const storageEnv = defineEnv('storage', {
  url: url({
    key: 'CLICKHOUSE_URL',
    doc: 'ClickHouse server HTTP(S) endpoint, e.g. `http://clickhouse:8123`. Unset: the embedded engine (chdb) runs in-process.',
  }),
  user: str({ key: 'CLICKHOUSE_USER', default: 'default', doc: 'ClickHouse user (server mode).' }),
  password: optionalStr({
    key: 'CLICKHOUSE_PASSWORD',
    doc: 'ClickHouse password (server mode).',
    secret: true,
  }),
  database: str({
    key: 'CLICKHOUSE_DATABASE',
    default: 'trace2test',
    pattern: /^[A-Za-z_][A-Za-z0-9_]{0,62}$/,
    patternHint: 'must be a plain identifier (letters, digits, underscore)',
    doc: 'Database holding all tables; created at start-up if missing.',
  }),
  dataPath: str({
    key: 'CLICKHOUSE_DATA_PATH',
    default: './data/chdb',
    doc: 'Embedded mode: directory of the in-process engine. Only one process may own a directory.',
  }),
  requestTimeoutMs: duration({
    key: 'CLICKHOUSE_REQUEST_TIMEOUT',
    default: 60_000,
    min: 100,
    doc: 'Per-request timeout (server mode).',
  }),
});
