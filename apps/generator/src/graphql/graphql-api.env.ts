import {
  bool,
  type ConfigOf,
  defineEnv,
  type EnvProblem,
  int,
  oneOf,
  optionalStr,
  str,
} from '@t2t/config';
import {
  type ApiKeyEntry,
  apiKeyEntries,
  API_ROLES,
  MIN_API_KEY_LENGTH,
  parseApiKeys,
} from './auth/api-key';

/** The GraphQL API's options (composed into the generator's environment). */
export const graphqlEnv = defineEnv('graphql', {
  path: str({
    key: 'GRAPHQL_PATH',
    default: '/graphql',
    pattern: /^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/,
    patternHint: 'must be a URL path such as /graphql or /api/graphql',
    doc: 'HTTP path of the GraphQL endpoint (POST queries; GET for queries and the landing page).',
  }),
  auth: oneOf({
    key: 'GRAPHQL_AUTH',
    default: 'api-key',
    values: ['api-key', 'off'] as const,
    doc: '`api-key`: every request needs one of `GRAPHQL_API_KEYS`. `off` must be set explicitly to serve the API without keys (it exposes recorded production traces).',
  }),
  apiKeys: optionalStr({
    key: 'GRAPHQL_API_KEYS',
    secret: true,
    doc: `Comma-separated API keys, each \`<tenant>:<role>:<key>\` (role ${API_ROLES.join(', ')}) or a bare \`<key>\` (tenant \`default\`, role admin); keys at least ${MIN_API_KEY_LENGTH} characters. Clients send one as \`Authorization: Bearer <key>\` or \`x-api-key: <key>\`; a request acts as its key's tenant, with its key's role. Several keys allow rotation. In a file, entries may also be one a line, with \`#\` comment lines.`,
  }),
  maxDepth: int({
    key: 'GRAPHQL_MAX_DEPTH',
    default: 8,
    min: 1,
    max: 64,
    unit: 'levels',
    doc: 'Deepest field nesting an operation may select (introspection’s `ofType` chain does not count); deeper operations are refused before execution.',
  }),
  maxComplexity: int({
    key: 'GRAPHQL_MAX_COMPLEXITY',
    default: 2000,
    min: 1,
    doc: 'Highest estimated cost of an operation: objects it can return (scalars free; connections count `first` items, span lists 20 spans). Costlier operations are refused before execution.',
  }),
  playground: bool({
    key: 'GRAPHQL_PLAYGROUND',
    default: false,
    doc: 'Serve GraphiQL (an in-browser IDE whose scripts load from unpkg.com) on a browser GET of the path. Off by default so production serves no third-party script; queries from it still need a key.',
  }),
});

export type GraphqlApiConfig = ConfigOf<typeof graphqlEnv>;

/**
 * Every configured key with its tenant and role, and the problems found in them (messages name
 * the entry or line, never the key). The value is comma-separated in the environment and may hold
 * one entry a line, with `#` comment lines, when it comes from `GRAPHQL_API_KEYS_FILE`.
 */
export function configuredApiKeys(config: Pick<GraphqlApiConfig, 'apiKeys'>): {
  keys: ApiKeyEntry[];
  problems: EnvProblem[];
} {
  const { keys, problems } = parseApiKeys(apiKeyEntries(config.apiKeys));
  return {
    keys,
    problems: problems.map(({ message }) => ({ key: 'GRAPHQL_API_KEYS', problem: message })),
  };
}

/**
 * Rules across the API options. No keys means an open API unless `GRAPHQL_AUTH=off` says so
 * explicitly: an API that serves recorded production traces to anyone, because a secret was
 * missing from a deployment, is worse than a service that refuses to start.
 */
export function graphqlEnvProblems(config: GraphqlApiConfig): EnvProblem[] {
  if (config.auth === 'off') {
    // Keys next to auth=off would look protected and be open: refuse the contradiction.
    return apiKeyEntries(config.apiKeys).length > 0
      ? [{ key: 'GRAPHQL_API_KEYS', problem: 'is set while GRAPHQL_AUTH=off would ignore it' }]
      : [];
  }
  const { keys, problems } = configuredApiKeys(config);
  if (problems.length > 0) return problems;
  if (keys.length === 0) {
    return [
      {
        key: 'GRAPHQL_API_KEYS',
        problem:
          'is required: the GraphQL API serves recorded traces; set API keys (or GRAPHQL_API_KEYS_FILE), or GRAPHQL_AUTH=off to run it open on purpose',
      },
    ];
  }
  return [];
}
