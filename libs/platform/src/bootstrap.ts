import 'reflect-metadata';
import { type DynamicModule, type INestApplication, Logger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  type ComposedEnv,
  type ConfigOf,
  type EnvSpec,
  EnvValidationError,
  readProcessEnv,
  type Schema,
} from '@t2t/config';
import type { platformEnv } from './platform.env';

export type PlatformConfig = ConfigOf<ReturnType<typeof platformEnv>>;

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

export function logLevelsUpTo(level: PlatformConfig['logLevel']): LogLevel[] {
  return LEVELS.slice(0, LEVELS.indexOf(level) + 1);
}

/**
 * Creates and starts one service: HTTP server for health/metrics (and API), shutdown hooks that
 * flush in-flight work on SIGTERM/SIGINT, and a watchdog that exits if flushing hangs.
 */
export async function startService(
  name: string,
  module: DynamicModule,
  platform: PlatformConfig,
): Promise<INestApplication> {
  // abortOnError: false lets start-up errors reach our caller, which logs them once and exits 1.
  const app = await NestFactory.create(module, {
    logger: logLevelsUpTo(platform.logLevel),
    abortOnError: false,
  });
  app.enableShutdownHooks();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      setTimeout(() => {
        new Logger(name).error(
          `shutdown did not finish within ${platform.shutdownTimeoutMs} ms; exiting`,
        );
        process.exit(1);
      }, platform.shutdownTimeoutMs).unref();
    });
  }
  await app.listen(platform.httpPort, platform.httpHost);
  const server = app.getHttpServer() as import('node:http').Server;
  const address = server.address() as import('node:net').AddressInfo;
  new Logger(name).log(
    `listening on http://${address.address}:${address.port} (health: /health/ready, metrics: /metrics)`,
  );
  return app;
}

/**
 * Entry-point helper for main.ts: parse the environment once, fail fast with every bad key named,
 * then start the service.
 */
export function runMain<G extends Record<string, EnvSpec<Schema>>>(
  name: string,
  env: ComposedEnv<G>,
  build: (config: ReturnType<ComposedEnv<G>['parse']>) => {
    module: DynamicModule;
    platform: PlatformConfig;
  },
): void {
  let built: { module: DynamicModule; platform: PlatformConfig };
  try {
    built = build(env.parse(readProcessEnv()));
  } catch (e) {
    if (e instanceof EnvValidationError) {
      process.stderr.write(`${name}: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  startService(name, built.module, built.platform).catch((e: unknown) => {
    new Logger(name).fatal(
      `failed to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
    );
    process.exit(1);
  });
}
