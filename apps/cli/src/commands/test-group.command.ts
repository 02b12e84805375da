import type { Command } from 'commander';
import type { CliContext } from '../cli.context';
import { registerTestRunCommand } from './test-run.command';
import { registerTestVerifyCommand } from './test-verify.command';

/** `t2t test <run|verify>`: the runner's commands. */
export function registerTestCommands(program: Command, ctx: CliContext): void {
  const test = program
    .command('test')
    .summary('run generated tests against a live system or stored production traces')
    .description(
      'run: specs against a live system (fresh traceparent per trigger, trace read back from ClickHouse). ' +
        'verify: the current tests against the stored production traces of a period.',
    );
  registerTestRunCommand(test, ctx);
  registerTestVerifyCommand(test, ctx);
}
