import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bool,
  composeEnv,
  defineEnv,
  duration,
  envTable,
  EnvValidationError,
  file,
  hostPorts,
  int,
  oneOf,
  optionalStr,
  retention,
  str,
  url,
} from './env';

/** The EnvValidationError `parse` throws, for assertions on its problems and message. */
function parseError(parse: () => unknown): EnvValidationError {
  try {
    parse();
  } catch (e) {
    if (e instanceof EnvValidationError) return e;
    throw e;
  }
  throw new Error('parse did not fail');
}

describe('defineEnv', () => {
  const spec = defineEnv('demo', {
    topic: str({ key: 'DEMO_TOPIC', default: 'otlp_spans', doc: 'topic' }),
    batch: int({ key: 'DEMO_BATCH', default: 1000, min: 1, max: 100_000, doc: 'rows' }),
    gap: duration({ key: 'DEMO_GAP', default: 10_000, min: 100, doc: 'idle gap' }),
    dry: bool({ key: 'DEMO_DRY', default: false, doc: 'dry run' }),
    mode: oneOf({
      key: 'DEMO_MODE',
      default: 'proto',
      values: ['proto', 'json'] as const,
      doc: 'encoding',
    }),
    secret: optionalStr({ key: 'DEMO_SECRET', doc: 'secret', secret: true }),
    endpoint: url({ key: 'DEMO_URL', doc: 'server' }),
    brokers: hostPorts({ key: 'DEMO_BROKERS', doc: 'brokers' }),
  });

  it('applies defaults when nothing is set', () => {
    expect(spec.parse({})).toEqual({
      topic: 'otlp_spans',
      batch: 1000,
      gap: 10_000,
      dry: false,
      mode: 'proto',
      secret: undefined,
      endpoint: undefined,
      brokers: undefined,
    });
  });

  it('parses every kind of value', () => {
    const cfg = spec.parse({
      DEMO_TOPIC: ' spans ',
      DEMO_BATCH: '50000',
      DEMO_GAP: '2.5s',
      DEMO_DRY: 'yes',
      DEMO_MODE: 'json',
      DEMO_SECRET: 'hunter2',
      DEMO_URL: 'https://ch.example:8443',
      DEMO_BROKERS: 'a:9092, b.example:19092',
    });
    expect(cfg).toEqual({
      topic: 'spans',
      batch: 50_000,
      gap: 2500,
      dry: true,
      mode: 'json',
      secret: 'hunter2',
      endpoint: 'https://ch.example:8443',
      brokers: ['a:9092', 'b.example:19092'],
    });
  });

  it.each([
    ['250ms', 250],
    ['10s', 10_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1500', 1500],
  ])('reads duration %s as %d ms', (raw, ms) => {
    expect(spec.parse({ DEMO_GAP: raw }).gap).toBe(ms);
  });

  it('reports every bad key at once, naming key and problem', () => {
    let error: unknown;
    try {
      spec.parse({
        DEMO_BATCH: 'ten',
        DEMO_GAP: '10 parsecs',
        DEMO_DRY: 'maybe',
        DEMO_MODE: 'xml',
        DEMO_URL: 'clickhouse:8123',
        DEMO_BROKERS: 'localhost',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EnvValidationError);
    const problems = (error as EnvValidationError).problems;
    expect(problems.map((p) => p.key)).toEqual([
      'DEMO_BATCH',
      'DEMO_GAP',
      'DEMO_DRY',
      'DEMO_MODE',
      'DEMO_URL',
      'DEMO_BROKERS',
    ]);
    const message = (error as Error).message;
    expect(message).toContain('invalid demo configuration');
    expect(message).toContain('DEMO_BATCH: "ten" is not an integer');
    expect(message).toContain('DEMO_MODE: "xml" is not one of proto, json');
    expect(message).toContain('DEMO_URL: "clickhouse:8123" must be an http:// or https:// URL');
  });

  it('enforces bounds', () => {
    expect(() => spec.parse({ DEMO_BATCH: '0' })).toThrow('DEMO_BATCH: 0 is below the minimum 1');
    expect(() => spec.parse({ DEMO_BATCH: '100001' })).toThrow('above the maximum 100000');
    expect(() => spec.parse({ DEMO_GAP: '50ms' })).toThrow('below the minimum 100ms');
  });

  it('requires options without a default', () => {
    const required = defineEnv('req', { name: str({ key: 'REQ_NAME', doc: 'name' }) });
    expect(() => required.parse({})).toThrow('REQ_NAME: is required but not set');
    expect(() => required.parse({ REQ_NAME: '   ' })).toThrow('REQ_NAME: is required but not set');
  });

  describe('retention', () => {
    const keep = defineEnv('keep', {
      ttl: retention({ key: 'KEEP_TTL', min: 3600, doc: 'retention' }),
      name: optionalStr({
        key: 'KEEP_NAME',
        pattern: /^[a-z]+$/,
        patternHint: 'must be lower-case letters',
        doc: 'name',
      }),
    });

    it.each([
      ['30d', 30 * 86_400],
      ['12h', 43_200],
      ['90m', 5400],
      ['3600s', 3600],
      ['0', 0],
      ['0d', 0],
    ])('reads %s as %d seconds', (raw, seconds) => {
      expect(keep.parse({ KEEP_TTL: raw }).ttl).toBe(seconds);
    });

    it('is undefined when unset, so a caller can fall back to another option', () => {
      expect(keep.parse({}).ttl).toBeUndefined();
    });

    it.each([
      ['30', 'KEEP_TTL: "30" is not a retention'],
      ['1.5d', 'KEEP_TTL: "1.5d" is not a retention'],
      ['2w', 'KEEP_TTL: "2w" is not a retention'],
      ['30m', 'KEEP_TTL: 30m is below the minimum 1h (0 keeps forever)'],
    ])('refuses %s', (raw, message) => {
      expect(() => keep.parse({ KEEP_TTL: raw })).toThrow(message);
    });

    it('checks an optional string against its pattern only when set', () => {
      expect(keep.parse({}).name).toBeUndefined();
      expect(keep.parse({ KEEP_NAME: ' abc ' }).name).toBe('abc');
      expect(() => keep.parse({ KEEP_NAME: 'A-1' })).toThrow(
        'KEEP_NAME: "A-1" must be lower-case letters',
      );
    });
  });

  it('refuses a schema that declares one key twice', () => {
    expect(() =>
      defineEnv('dup', {
        a: str({ key: 'SAME', default: 'x', doc: '' }),
        b: str({ key: 'SAME', default: 'y', doc: '' }),
      }),
    ).toThrow('SAME is declared twice');
  });
});

describe('composeEnv', () => {
  const http = defineEnv('http', { port: int({ key: 'PORT', default: 8080, doc: 'port' }) });
  const db = defineEnv('db', {
    name: str({
      key: 'DB_NAME',
      default: 'x',
      pattern: /^\w+$/,
      patternHint: 'must be a word',
      doc: 'db',
    }),
  });
  const service = composeEnv('svc', { http, db });

  it('nests each group', () => {
    expect(service.parse({ PORT: '9000' })).toEqual({ http: { port: 9000 }, db: { name: 'x' } });
  });

  it('collects the problems of all groups', () => {
    expect(() => service.parse({ PORT: 'x', DB_NAME: 'a-b' })).toThrow(
      'invalid svc configuration:\n  - PORT: "x" is not an integer\n  - DB_NAME: "a-b" must be a word',
    );
  });

  it('renders a documentation table with defaults', () => {
    expect(envTable(service)).toBe(
      [
        '| variable | type | default | meaning |',
        '| --- | --- | --- | --- |',
        '| `PORT` | integer | `8080` | port |',
        '| `DB_NAME` | string | `x` | db |',
      ].join('\n'),
    );
  });

  it('refuses two groups declaring one key', () => {
    expect(() => composeEnv('bad', { a: http, b: http })).toThrow(
      'PORT is declared by two option groups',
    );
  });
});

describe('secrets', () => {
  const spec = defineEnv('vault', {
    password: optionalStr({ key: 'V_PASSWORD', doc: 'password', secret: true }),
    token: optionalStr({
      key: 'V_TOKEN',
      doc: 'token',
      secret: true,
      pattern: /^tok-/,
      patternHint: 'must start with tok-',
    }),
    user: optionalStr({ key: 'V_USER', doc: 'user' }),
  });
  let dir: string;
  const write = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 't2t-secret-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a secret from the environment', () => {
    expect(spec.parse({ V_PASSWORD: 's3cret' }).password).toBe('s3cret');
  });

  it('reads a secret from the file <KEY>_FILE names, dropping the trailing newline', () => {
    expect(spec.parse({ V_PASSWORD_FILE: write('pw', 'from-file\n') }).password).toBe('from-file');
    expect(spec.parse({ V_PASSWORD_FILE: write('pw-crlf', 'crlf\r\n') }).password).toBe('crlf');
    expect(spec.parse({ V_PASSWORD_FILE: write('pw-bare', 'bare') }).password).toBe('bare');
  });

  it('reads an empty environment value next to a file as unset (compose writes `KEY: ""`)', () => {
    expect(spec.parse({ V_PASSWORD: '', V_PASSWORD_FILE: write('pw', 'x\n') }).password).toBe('x');
  });

  it('refuses a secret set both ways, naming both keys and neither value', () => {
    const e = parseError(() =>
      spec.parse({ V_PASSWORD: 'env-value', V_PASSWORD_FILE: write('pw', 'file-value') }),
    );
    expect(e.problems).toEqual([
      { key: 'V_PASSWORD', problem: 'is set together with V_PASSWORD_FILE: set only one of them' },
    ]);
    expect(e.message).not.toContain('env-value');
    expect(e.message).not.toContain('file-value');
  });

  it('names the key and the path of a file it cannot read', () => {
    const missing = join(dir, 'no-such-file');
    const e = parseError(() => spec.parse({ V_PASSWORD_FILE: missing }));
    expect(e.problems).toEqual([
      { key: 'V_PASSWORD_FILE', problem: `cannot read ${missing}: no such file` },
    ]);
    expect(e.message).toBe(
      `invalid vault configuration:\n  - V_PASSWORD_FILE: cannot read ${missing}: no such file`,
    );
  });

  it('refuses a directory and an empty file', () => {
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    expect(parseError(() => spec.parse({ V_PASSWORD_FILE: sub })).problems).toEqual([
      { key: 'V_PASSWORD_FILE', problem: `cannot read ${sub}: is a directory` },
    ]);
    const empty = write('empty', '\n');
    expect(parseError(() => spec.parse({ V_PASSWORD_FILE: empty })).problems).toEqual([
      { key: 'V_PASSWORD_FILE', problem: `${empty} is empty` },
    ]);
  });

  it('reports a file problem together with the other bad keys', () => {
    const e = parseError(() =>
      spec.parse({ V_PASSWORD_FILE: join(dir, 'nope'), V_TOKEN: 'bad', V_USER: 'u' }),
    );
    expect(e.problems.map((p) => p.key)).toEqual(['V_PASSWORD_FILE', 'V_TOKEN']);
  });

  it('never echoes a secret that fails its pattern, from the environment or a file', () => {
    const fromEnv = parseError(() => spec.parse({ V_TOKEN: 'hunter2' }));
    expect(fromEnv.problems).toEqual([
      { key: 'V_TOKEN', problem: 'the value must start with tok-' },
    ]);
    expect(fromEnv.message).not.toContain('hunter2');
    const fromFile = parseError(() => spec.parse({ V_TOKEN_FILE: write('t', 'hunter2\n') }));
    expect(fromFile.message).not.toContain('hunter2');
  });

  it('does not echo the credentials of a URL it refuses', () => {
    const urls = defineEnv('u', { endpoint: url({ key: 'U_URL', doc: 'server' }) });
    expect(() => urls.parse({ U_URL: 'ftp://admin:hunter2@ch.example' })).toThrow(
      'U_URL: "ftp://…@ch.example" must be an http:// or https:// URL',
    );
  });

  it('reads <KEY>_FILE only for secrets', () => {
    expect(spec.parse({ V_USER_FILE: write('u', 'alice') }).user).toBeUndefined();
  });

  it('documents the _FILE form in the option table', () => {
    expect(envTable(spec)).toContain(
      '| `V_PASSWORD` | string (secret) | (unset) | password Or `V_PASSWORD_FILE`: a file holding it. |',
    );
    expect(envTable(spec)).toContain('| `V_USER` | string | (unset) | user |');
  });

  it('refuses a schema whose key collides with a secret’s _FILE form', () => {
    expect(() =>
      defineEnv('clash', {
        a: optionalStr({ key: 'X', doc: '', secret: true }),
        b: optionalStr({ key: 'X_FILE', doc: '' }),
      }),
    ).toThrow('X_FILE is declared twice');
  });
});

describe('file', () => {
  const spec = defineEnv('tls', { ca: file({ key: 'T_CA_FILE', doc: 'CA' }) });
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 't2t-file-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is undefined when unset and the path when readable', () => {
    expect(spec.parse({}).ca).toBeUndefined();
    const path = join(dir, 'ca.pem');
    writeFileSync(path, 'pem');
    expect(spec.parse({ T_CA_FILE: ` ${path} ` }).ca).toBe(path);
  });

  it('refuses a missing file and a directory at parse time, naming key and path', () => {
    expect(() => spec.parse({ T_CA_FILE: join(dir, 'x.pem') })).toThrow(
      `T_CA_FILE: cannot read ${join(dir, 'x.pem')}: no such file`,
    );
    expect(() => spec.parse({ T_CA_FILE: dir })).toThrow(`T_CA_FILE: ${dir} is not a regular file`);
  });
});

describe('defineEnv check', () => {
  const spec = defineEnv(
    'pair',
    {
      user: optionalStr({ key: 'P_USER', doc: 'user' }),
      password: optionalStr({ key: 'P_PASSWORD', doc: 'password', secret: true }),
    },
    (c) => (c.user && !c.password ? [{ key: 'P_PASSWORD', problem: 'is needed with P_USER' }] : []),
  );

  it('states rules across options, reported under the component and in a composed service', () => {
    expect(spec.parse({ P_USER: 'u', P_PASSWORD: 'p' })).toEqual({ user: 'u', password: 'p' });
    expect(() => spec.parse({ P_USER: 'u' })).toThrow(
      'invalid pair configuration:\n  - P_PASSWORD: is needed with P_USER',
    );
    const service = composeEnv('svc', {
      pair: spec,
      other: defineEnv('other', { n: int({ key: 'P_N', default: 1, doc: 'n' }) }),
    });
    expect(() => service.parse({ P_USER: 'u', P_N: 'x' })).toThrow(
      'invalid svc configuration:\n  - P_PASSWORD: is needed with P_USER\n  - P_N: "x" is not an integer',
    );
  });
});
