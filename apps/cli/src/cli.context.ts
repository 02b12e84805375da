import type { Readable, Writable } from 'node:stream';
import type { CliConfig } from './cli.env';
import type { CliLogger } from './cli.logger';

/** What every command gets: the parsed environment and the process streams, injectable for tests. */
export interface CliContext {
  config: CliConfig;
  /** Opened only by commands that read it: touching process.stdin opens the descriptor. */
  stdin: () => Readable;
  stdinIsTerminal: boolean;
  stdout: Writable;
  stderr: Writable;
  /** Library logs (the Kafka client's); printed with --verbose. */
  logger: CliLogger;
  /** What the process exits with; commands set it (0 ok, 1 failed or skipped input, 2 usage). */
  exitCode: number;
}
