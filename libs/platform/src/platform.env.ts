import { defineEnv, duration, int, oneOf, str } from '@t2t/config';

/** HTTP surface (health, metrics, and the generator's GraphQL API) and process options. */
export function platformEnv(defaultPort: number) {
  return defineEnv('platform', {
    httpHost: str({
      key: 'HTTP_HOST',
      default: '0.0.0.0',
      doc: 'Interface the HTTP server (health, metrics, API) binds to.',
    }),
    httpPort: int({
      key: 'HTTP_PORT',
      default: defaultPort,
      min: 0,
      max: 65535,
      doc: 'Port of the HTTP server; 0 picks a free port (printed at start-up).',
    }),
    logLevel: oneOf({
      key: 'LOG_LEVEL',
      default: 'log',
      values: ['error', 'warn', 'log', 'debug', 'verbose'] as const,
      doc: 'Most verbose log level printed.',
    }),
    shutdownTimeoutMs: duration({
      key: 'SHUTDOWN_TIMEOUT',
      default: 30_000,
      min: 1000,
      doc: 'On SIGTERM, how long in-flight work may take to flush before the process exits anyway.',
    }),
  });
}
