import type { LoggerService } from '@nestjs/common';
import type { Writable } from 'node:stream';

/**
 * Where library logs go in the CLI (the Kafka client logs through Nest's logger). Quiet by
 * default: kafkajs logs every retry, which would bury the one line a command prints about the
 * outcome. `--verbose` prints warnings and errors as plain `context: message` lines. The last
 * error is kept either way, so a command can say why it gave up.
 */
export class CliLogger implements LoggerService {
  printing = false;
  lastError: string | undefined;

  constructor(private readonly out: Writable) {}

  error(message: unknown, ...params: unknown[]): void {
    // The Kafka log adapter appends the entry's fields as JSON; the sentence before it is enough.
    this.lastError = String(message).replace(/ \{.*\}$/s, '');
    this.print(message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.error(message, ...params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.print(message, params);
  }

  log(): void {}

  private print(message: unknown, params: unknown[]): void {
    if (!this.printing) return;
    const context = params.length > 0 ? params[params.length - 1] : undefined;
    this.out.write(`${typeof context === 'string' ? `${context}: ` : ''}${String(message)}\n`);
  }
}
