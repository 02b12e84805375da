import { defineEnv, int, str } from '@t2t/config';
import { apiKeyOption, serverUrlOption } from '@t2t/runner';

/**
 * Where `test run` and `test verify` find a running trace2test when they go through its GraphQL
 * API instead of opening ClickHouse. `HTTP_PORT` and `GRAPHQL_PATH` are the all-in-one server's
 * own variables with its defaults (apps/server checks they agree): a shell that starts the
 * server with them set finds it here with the same values.
 */
export const serverClientEnv = defineEnv('server', {
  url: serverUrlOption,
  apiKey: apiKeyOption,
  localPort: int({
    key: 'HTTP_PORT',
    default: 4000,
    min: 0,
    max: 65535,
    doc: 'Port of the all-in-one server on this machine (`npm start` reads the same variable). When another process holds the embedded ClickHouse directory, `test run` and `test verify` go through the server at `http://127.0.0.1:<HTTP_PORT><GRAPHQL_PATH>` if it answers.',
  }),
  localPath: str({
    key: 'GRAPHQL_PATH',
    default: '/graphql',
    pattern: /^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/,
    patternHint: 'must be a URL path such as /graphql or /api/graphql',
    doc: 'HTTP path of that server’s GraphQL endpoint (as the server reads it).',
  }),
});

/** The local server's GraphQL URL: loopback, since the server binds every interface by default. */
export function localServerUrl(config: { localPort: number; localPath: string }): string {
  return `http://127.0.0.1:${config.localPort}${config.localPath}`;
}
