import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type Command, Option } from 'commander';
import { loadSpecFiles, ServerRequestError } from '@t2t/runner';
import type { TestSpec } from '@t2t/testgen';
import { openTestBackend, type ServerFlags } from '../backend/open-backend';
import { UsageError, type VerifyOutput } from '../backend/test.backend';
import type { CliContext } from '../cli.context';
import {
  addServerOptions,
  collect,
  parseTimeSpec,
  positiveInt,
  usage,
} from './test-command.options';

interface TestVerifyFlags extends ServerFlags {
  since: string;
  until: string;
  endpoint: string[];
  maxTraces: number;
  junit?: string;
  jsonl?: string;
  store: boolean;
  show: number;
}

const COMMAND = 'test verify';

/** `t2t test verify`: the current tests against the stored production traces of a period. */
export function registerTestVerifyCommand(test: Command, ctx: CliContext): void {
  const command = test
    .command('verify')
    .summary('evaluate the current tests on stored production traces (continuous verification)')
    .description(
      'Evaluates the current verified tests in ClickHouse (or the given spec files) against the ' +
        'production traces stored for their endpoints in a period, with the same evaluator as a live ' +
        'run. A trace is judged by the rule tests of its endpoint and by the behaviour tests its ' +
        'request selects (the arms of the rules that decide behaviours, not example values); among ' +
        'those, the test of its own behaviour, or every one when its structure is none of theirs. A ' +
        'structure no behaviour of the latest model has is reported as a finding. Traces the runner ' +
        'started are not production traces and are left out. Prints a report, stores the results in ' +
        'test_runs, and with --jsonl writes one JSON line per trace; exit code 1 when a test fails on ' +
        'some trace. With --server (or when the running server holds the embedded store) it goes ' +
        'through the server’s GraphQL API, with the same output.',
    )
    .argument('[inputs...]', 'spec files or directories instead of the stored tests')
    .requiredOption(
      '--since <time>',
      'start of the period: a duration ago (15m, 2h, 7d) or an ISO time',
    )
    .option(
      '--until <time>',
      'end of the period; traces younger than that may still be arriving',
      '10s',
    )
    .addOption(
      new Option('--endpoint <key>', 'only this endpoint’s tests (repeatable)')
        .argParser(collect)
        .default([], 'all'),
    )
    .option('--max-traces <n>', 'newest traces evaluated per endpoint', positiveInt, 200)
    .option('--show <n>', 'failing traces printed per failing test', positiveInt, 3)
    .option('--junit <file>', 'also write a JUnit XML report')
    .option(
      '--jsonl <file>',
      'also write one JSON line per evaluated trace (tests applied, passed/failed, failing assertions); - for stdout',
    )
    .option('--no-store', 'do not store the results in test_runs');
  addServerOptions(command).action(async (inputs: string[], flags: TestVerifyFlags) => {
    const now = Date.now();
    let from: number;
    let to: number;
    try {
      from = parseTimeSpec(flags.since, now);
      to = parseTimeSpec(flags.until, now);
    } catch (e) {
      return usage(ctx, COMMAND, `--since/--until: ${(e as Error).message}`);
    }
    if (!(from < to)) {
      return usage(
        ctx,
        COMMAND,
        `the period is empty: --since ${flags.since} is not before --until ${flags.until}`,
      );
    }
    let specs: TestSpec[] | undefined;
    let problems = 0;
    if (inputs.length > 0) {
      const loaded = await loadSpecFiles(inputs);
      for (const p of loaded.problems)
        ctx.stderr.write(`t2t ${COMMAND}: ${p.source}: ${p.message}\n`);
      problems += loaded.problems.length;
      specs = loaded.specs.map((s) => s.spec);
    }
    const backend = await openTestBackend(ctx, COMMAND, flags);
    if (backend === undefined) return;
    let output: VerifyOutput;
    try {
      output = await backend.verify({
        ...(specs === undefined ? {} : { specs }),
        endpoints: flags.endpoint,
        fromMs: from,
        toMs: to,
        maxTracesPerEndpoint: flags.maxTraces,
        store: flags.store,
        report: flags.jsonl !== '-',
        show: flags.show,
        jsonLines: flags.jsonl !== undefined,
        junit: flags.junit !== undefined,
      });
    } catch (e) {
      if (e instanceof UsageError) return usage(ctx, COMMAND, e.message);
      if (e instanceof ServerRequestError) {
        ctx.stderr.write(`t2t ${COMMAND}: ${e.message}\n`);
        ctx.exitCode = 1;
        return;
      }
      throw e;
    } finally {
      await backend.close();
    }
    ctx.exitCode = await report(ctx, output, flags, problems);
  });
}

/** Prints and writes what the verification produced; the exit code. Identical in every mode. */
async function report(
  ctx: CliContext,
  output: VerifyOutput,
  flags: TestVerifyFlags,
  fileProblems: number,
): Promise<number> {
  for (const p of output.problems) ctx.stderr.write(`t2t ${COMMAND}: ${p}\n`);
  const problems = fileProblems + output.problems.length;
  if (output.tests === 0) {
    ctx.stdout.write('no tests to verify\n');
    return problems > 0 ? 1 : 0;
  }
  if (flags.jsonl === '-') {
    ctx.stdout.write(output.jsonLines ?? '');
  } else {
    ctx.stdout.write(`${output.report ?? ''}\n`);
  }
  let code = output.failed || problems > 0 ? 1 : 0;
  const write = async (file: string, text: string, what: string) => {
    try {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, text);
      ctx.stdout.write(`${what}: ${file}\n`);
    } catch (e) {
      ctx.stderr.write(`t2t ${COMMAND}: cannot write ${file}: ${(e as Error).message}\n`);
      code = 1;
    }
  };
  if (flags.jsonl !== undefined && flags.jsonl !== '-') {
    await write(flags.jsonl, output.jsonLines ?? '', 'JSON Lines');
  }
  if (flags.junit !== undefined) await write(flags.junit, output.junitXml ?? '', 'JUnit XML');
  if (output.stored !== undefined) {
    if ('runId' in output.stored) {
      ctx.stdout.write(`results stored in test_runs (run ${output.stored.runId})\n`);
    } else {
      ctx.stderr.write(`t2t ${COMMAND}: cannot store the results: ${output.stored.error}\n`);
      code = 1;
    }
  }
  return code;
}
