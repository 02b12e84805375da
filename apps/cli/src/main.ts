import { isatty } from 'node:tty';
import { Logger } from '@nestjs/common';
import { EnvValidationError, readProcessEnv } from '@t2t/config';
import type { CliContext } from './cli.context';
import { cliEnv } from './cli.env';
import { CliLogger } from './cli.logger';
import { runCli } from './cli.program';

async function main(): Promise<number> {
  let config;
  try {
    config = cliEnv.parse(readProcessEnv());
  } catch (e) {
    if (!(e instanceof EnvValidationError)) throw e;
    process.stderr.write(`t2t: ${e.message}\n`);
    return 2;
  }
  const logger = new CliLogger(process.stderr);
  // The Kafka client logs through Nest's static logger.
  Logger.overrideLogger(logger);
  const ctx: CliContext = {
    config,
    stdin: () => process.stdin,
    stdinIsTerminal: isatty(0),
    stdout: process.stdout,
    stderr: process.stderr,
    logger,
    exitCode: 0,
  };
  return runCli(process.argv, ctx);
}

/**
 * Exits once stdout and stderr have drained. Exiting explicitly matters after a connect timeout:
 * the Kafka client keeps retrying on timers that would hold the process for up to a minute.
 */
function exitWhenDrained(code: number): void {
  process.exitCode = code;
  let open = 2;
  const drained = () => {
    if (--open === 0) process.exit(code);
  };
  process.stdout.write('', drained);
  process.stderr.write('', drained);
}

main().then(exitWhenDrained, (e: unknown) => {
  process.stderr.write(`t2t: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  exitWhenDrained(1);
});
