import { EnvValidationError } from '@t2t/config';
import { generatorEnv } from '../generator.env';
import { apiKeysOf } from './graphql-api.env';

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
      'GRAPHQL_API_KEYS: 1 key(s) shorter than 16 characters',
    ]);
  });

  it('splits and trims the key list', () => {
    expect(apiKeysOf({ apiKeys: ` ${KEY} ,, ${KEY}x ` })).toEqual([KEY, `${KEY}x`]);
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
