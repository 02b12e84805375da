import { Command, CommanderError } from 'commander';
import type { CliContext } from './cli.context';
import { registerProduceCommand } from './commands/produce.command';
import { registerSendCommand } from './commands/send.command';
import { registerTestCommands } from './commands/test-group.command';

/**
 * The `t2t` command tree. Each command lives in `commands/<name>.command.ts` and registers itself
 * here; subcommands are created with `program.command()` so they inherit the output and exit
 * settings below.
 */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('t2t')
    .description('trace2test command line: feed traces into the pipeline and work with its tests')
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    })
    // Usage errors come back to runCli as exceptions instead of exiting mid-way.
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .option('-v, --verbose', "print the Kafka client's warnings and errors on stderr", false)
    .hook('preAction', () => {
      ctx.logger.printing = program.opts<{ verbose: boolean }>().verbose;
    });
  registerProduceCommand(program, ctx);
  registerSendCommand(program, ctx);
  registerTestCommands(program, ctx);
  return program;
}

/** Runs one command line (`argv` as in process.argv) and returns the exit code. */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  try {
    await buildProgram(ctx).parseAsync(argv);
  } catch (e) {
    // --help and --version end with exit code 0; every other commander error is a usage error.
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  return ctx.exitCode;
}
