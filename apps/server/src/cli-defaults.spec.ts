import { cliEnv } from '../../cli/src/cli.env';
import { localServerUrl } from '../../cli/src/server.env';
import { allInOneEnv } from './all-in-one.env';

/**
 * `t2t test run` / `test verify` look for the server on this machine when it holds the embedded
 * store, at the URL the server's own HTTP_PORT and GRAPHQL_PATH give. The CLI declares those two
 * variables itself (a CLI cannot import a service), so their defaults must stay the server's.
 */
describe('the CLI finds the all-in-one server where it listens by default', () => {
  it('has the server’s default port and GraphQL path', () => {
    const server = allInOneEnv.parse({ GRAPHQL_AUTH: 'off' });
    const cli = cliEnv.parse({});
    expect(cli.server.localPort).toBe(server.platform.httpPort);
    expect(cli.server.localPath).toBe(server.graphql.path);
    expect(localServerUrl(cli.server)).toBe('http://127.0.0.1:4000/graphql');
  });

  it('follows the server’s variables when the shell sets them for both', () => {
    const env = { HTTP_PORT: '4100', GRAPHQL_PATH: '/api/graphql', GRAPHQL_AUTH: 'off' };
    const server = allInOneEnv.parse(env);
    const cli = cliEnv.parse(env);
    expect(localServerUrl(cli.server)).toBe(
      `http://127.0.0.1:${server.platform.httpPort}${server.graphql.path}`,
    );
  });
});
