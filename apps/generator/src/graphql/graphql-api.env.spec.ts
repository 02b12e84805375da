import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvValidationError } from '@t2t/config';
import { generatorEnv } from '../generator.env';
import { configuredApiKeys } from './graphql-api.env';

const KEY = 'k-0123456789abcdef';

function problemsOf(env: Record<string, string>): string[] {
  try {
    generatorEnv.parse(env);
    return [];
  } catch (e) {
    if (!(e instanceof EnvValidationError)) throw e;
    return e.problems.map((p) => `${p.key}: ${p.problem}`);
  }
}

describe('GraphQL API options', () => {
  it('has the documented defaults', () => {
    expect(generatorEnv.parse({ GRAPHQL_API_KEYS: KEY }).graphql).toEqual({
      path: '/graphql',
      auth: 'api-key',
      apiKeys: KEY,
      maxDepth: 8,
      maxComplexity: 2000,
      playground: false,
    });
  });

  it('refuses to start without keys unless GRAPHQL_AUTH=off says so', () => {
    expect(problemsOf({})).toEqual([
      expect.stringMatching(
        /^GRAPHQL_API_KEYS: is required: the GraphQL API serves recorded traces/,
      ),
    ]);
    expect(problemsOf({ GRAPHQL_API_KEYS: ' , ' })).toHaveLength(1);
    expect(problemsOf({ GRAPHQL_AUTH: 'off' })).toEqual([]);
  });

  it('refuses keys next to GRAPHQL_AUTH=off, and short keys', () => {
    expect(problemsOf({ GRAPHQL_AUTH: 'off', GRAPHQL_API_KEYS: KEY })).toEqual([
      'GRAPHQL_API_KEYS: is set while GRAPHQL_AUTH=off would ignore it',
    ]);
    expect(problemsOf({ GRAPHQL_API_KEYS: `${KEY},short` })).toEqual([
      'GRAPHQL_API_KEYS: entry 2 of GRAPHQL_API_KEYS has a key shorter than 16 characters',
    ]);
  });

  it('reads each key with its tenant and role; a bare key is tenant default, role admin', () => {
    expect(configuredApiKeys({ apiKeys: ` ${KEY} ,, a:read:${KEY}x ` }).keys).toEqual([
      { key: KEY, tenant: 'default', role: 'admin' },
      { key: `${KEY}x`, tenant: 'a', role: 'read' },
    ]);
  });

  it('reports every bad entry at start-up: bad tenant, unknown role, short key, a key twice', () => {
    expect(
      problemsOf({
        GRAPHQL_API_KEYS: `Tenant A:read:${KEY}1,b:owner:${KEY}2,c:read:tiny,d:read:${KEY}4,e:admin:${KEY}4`,
      }),
    ).toEqual([
      expect.stringMatching(
        /^GRAPHQL_API_KEYS: invalid tenant "Tenant A" from entry 1 of GRAPHQL_API_KEYS: 1–63 characters/,
      ),
      'GRAPHQL_API_KEYS: entry 2 of GRAPHQL_API_KEYS has the unknown role "owner": one of read, generate, admin',
      'GRAPHQL_API_KEYS: entry 3 of GRAPHQL_API_KEYS has a key shorter than 16 characters',
      'GRAPHQL_API_KEYS: entry 5 of GRAPHQL_API_KEYS repeats the key of entry 4 of GRAPHQL_API_KEYS',
    ]);
  });

  describe('GRAPHQL_API_KEYS_FILE', () => {
    let dir: string;
    beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 't2t-keys-'))));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('holds the keys one a line, with # comments', () => {
      const file = join(dir, 'keys');
      writeFileSync(
        file,
        `# shop A
a:generate:${KEY}a

# shop B
b:read:${KEY}b
`,
      );
      const config = generatorEnv.parse({ GRAPHQL_API_KEYS_FILE: file });
      expect(configuredApiKeys(config.graphql).keys).toEqual([
        { key: `${KEY}a`, tenant: 'a', role: 'generate' },
        { key: `${KEY}b`, tenant: 'b', role: 'read' },
      ]);
    });

    it('names the line of a bad entry, and refuses a file that cannot be read', () => {
      const file = join(dir, 'bad-keys');
      writeFileSync(
        file,
        `# ok
a:read:${KEY}
b:reader:${KEY}x
`,
      );
      expect(problemsOf({ GRAPHQL_API_KEYS_FILE: file })).toEqual([
        'GRAPHQL_API_KEYS: line 3, entry 2 of GRAPHQL_API_KEYS has the unknown role "reader": one of read, generate, admin',
      ]);
      expect(problemsOf({ GRAPHQL_API_KEYS_FILE: join(dir, 'missing') })).toEqual([
        expect.stringMatching(/^GRAPHQL_API_KEYS_FILE: /),
      ]);
    });
  });

  it('checks the path and the limits', () => {
    expect(problemsOf({ GRAPHQL_AUTH: 'off', GRAPHQL_PATH: 'graphql' })).toEqual([
      'GRAPHQL_PATH: "graphql" must be a URL path such as /graphql or /api/graphql',
    ]);
    expect(problemsOf({ GRAPHQL_AUTH: 'off', GRAPHQL_MAX_DEPTH: '0' })).toEqual([
      'GRAPHQL_MAX_DEPTH: 0 is below the minimum 1',
    ]);
  });
});
