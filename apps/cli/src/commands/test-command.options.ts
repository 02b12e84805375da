import { type Command, InvalidArgumentError } from 'commander';
import { kafkaEnv } from '@t2t/messaging';
import type { CliContext } from '../cli.context';

import { tenantName } from './flag.parsers';

export { positiveInt } from './flag.parsers';

/**
 * Option parsers and helpers shared by `test run` and `test verify`. The time forms are also
 * what the server's `verifyTests` takes (apps/generator verify/period.parser.ts, kept alike).
 */

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `500ms`, `10s`, `5m`, `2h`, `7d`; a bare number is seconds. Milliseconds. */
export function parseDuration(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(raw.trim());
  if (!m) throw new InvalidArgumentError('must be a duration such as 500ms, 30s, 15m, 2h or 7d');
  return Math.round(Number(m[1]) * UNITS[m[2] ?? 's']);
}

/**
 * A point in time: a duration ago (`15m`: fifteen minutes before now) or an ISO 8601 time
 * (`2026-11-25T08:00:00Z`). Unix ms; `now` is passed in so a command reads the clock once.
 */
export function parseTimeSpec(raw: string, now: number): number {
  if (/^\d{4}-\d{2}-\d{2}/.test(raw.trim())) {
    const t = Date.parse(raw.trim());
    if (Number.isNaN(t)) throw new InvalidArgumentError(`"${raw}" is not an ISO 8601 time`);
    return t;
  }
  return now - parseDuration(raw);
}

/** `--service-url potato-handler=http://127.0.0.1:8081` (or grpc://host:port), repeatable. */
export function collectServiceUrl(raw: string, previous: Record<string, string>) {
  const eq = raw.indexOf('=');
  const url = raw.slice(eq + 1);
  if (eq <= 0 || !/^(https?|grpcs?):\/\/[^/]/.test(url)) {
    throw new InvalidArgumentError(
      'must be <service>=<http(s) base URL> or <service>=<grpc(s)://host:port>',
    );
  }
  return { ...previous, [raw.slice(0, eq)]: url };
}

export function collect(raw: string, previous: string[]): string[] {
  return [...previous, raw];
}

/** Fails the command as a usage error (exit 2) with `message`. */
export function usage(ctx: CliContext, command: string, message: string): void {
  ctx.stderr.write(`t2t ${command}: ${message}\n`);
  ctx.exitCode = 2;
}

/** `--server <url>`: an http(s) URL (the GraphQL endpoint of a running trace2test). */
export function serverUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidArgumentError('must be the http(s) URL of a GraphQL endpoint');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError('must be the http(s) URL of a GraphQL endpoint');
  }
  return raw;
}

/**
 * Adds `--server` and `--api-key` (both go through a running server) and `--tenant` (whose data)
 * to a test command.
 */
export function addServerOptions(command: Command): Command {
  return command
    .option(
      '--tenant <name>',
      'the tenant whose traces, tests and timings are read and stored: in ClickHouse every query is confined to it; through a server an API key decides, without one it is named in the tenant header (default: $T2T_TENANT, else default)',
      tenantName,
    )
    .option(
      '--server <url>',
      'go through the GraphQL API of a running trace2test (e.g. http://localhost:4000/graphql) instead of opening ClickHouse (default: $T2T_SERVER_URL)',
      serverUrl,
    )
    .option(
      '--api-key <key>',
      'API key for the server (--server, or the local one used when it holds the store; default: $T2T_API_KEY)',
    );
}

/** The brokers for message triggers: the flag, else KAFKA_BROKERS; undefined when neither. */
export function brokersFrom(ctx: CliContext, flag: string | undefined): string[] | undefined {
  return flag === undefined ? ctx.config.kafka.brokers : kafkaEnv.schema.brokers.parse(flag);
}
