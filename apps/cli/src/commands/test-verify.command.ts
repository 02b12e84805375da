import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type Command, Option } from 'commander';
import {
  EntrySpanRepository,
  formatVerifyResult,
  loadSpecFiles,
  renderJUnit,
  StoredTraceVerifier,
  verifyExecutions,
  verifyJsonLines,
  verifyToJUnit,
} from '@t2t/runner';
import { SpanRepository, TestRepository } from '@t2t/storage';
import type { TestSpec } from '@t2t/testgen';
import type { CliContext } from '../cli.context';
import { collect, openCliStorage, parseTimeSpec, positiveInt, usage } from './test-command.options';

interface TestVerifyFlags {
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
  test
    .command('verify')
    .summary('evaluate the current tests on stored production traces (continuous verification)')
    .description(
      'Evaluates the current verified tests in ClickHouse (or the given spec files) against the ' +
        'production traces stored for their endpoints in a period, with the same evaluator as a live ' +
        'run. A trace is judged by the rule tests of its endpoint and by the behaviour tests its ' +
        'request selects (the arms of the rules that decide behaviours, not example values); among ' +
        'those, the test of its own behaviour, or every one when its structure is none of theirs. A ' +
        'structure no known behaviour has is reported as a finding. Traces the runner started are not ' +
        'production traces and are left out. Prints a report, stores the results in test_runs, and ' +
        'with --jsonl writes one JSON line per trace; exit code 1 when a test fails on some trace.',
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
    .option('--no-store', 'do not store the results in test_runs')
    .action(async (inputs: string[], flags: TestVerifyFlags) => {
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
      let specs: TestSpec[] = [];
      let problems = 0;
      if (inputs.length > 0) {
        const loaded = await loadSpecFiles(inputs);
        for (const p of loaded.problems)
          ctx.stderr.write(`t2t ${COMMAND}: ${p.source}: ${p.message}\n`);
        problems += loaded.problems.length;
        specs = loaded.specs.map((s) => s.spec);
      }
      const handle = await openCliStorage(ctx, COMMAND);
      if (handle === undefined) return;
      try {
        const tests = new TestRepository(handle);
        const verifier = new StoredTraceVerifier({
          spans: new SpanRepository(handle),
          roots: new EntrySpanRepository(handle),
          tests,
        });
        if (inputs.length === 0) {
          const stored = await verifier.storedSpecs(flags.endpoint);
          for (const p of stored.problems) ctx.stderr.write(`t2t ${COMMAND}: ${p}\n`);
          problems += stored.problems.length;
          specs = stored.specs;
        }
        if (specs.length === 0) {
          ctx.stdout.write('no tests to verify\n');
          ctx.exitCode = problems > 0 ? 1 : 0;
          return;
        }
        const startedAt = new Date().toISOString();
        const result = await verifier.verify(specs, {
          fromNs: BigInt(from) * 1_000_000n,
          toNs: BigInt(to) * 1_000_000n,
          endpoints: flags.endpoint,
          maxTracesPerEndpoint: flags.maxTraces,
          keepJudgements: flags.jsonl !== undefined,
        });
        if (flags.jsonl === '-') {
          ctx.stdout.write(verifyJsonLines(result));
        } else {
          ctx.stdout.write(`${formatVerifyResult(result, flags.show)}\n`);
        }
        let code = result.tests.some((t) => t.status === 'failed') || problems > 0 ? 1 : 0;
        if (flags.jsonl !== undefined && flags.jsonl !== '-') {
          try {
            await mkdir(dirname(flags.jsonl), { recursive: true });
            await writeFile(flags.jsonl, verifyJsonLines(result));
            ctx.stdout.write(`JSON Lines: ${flags.jsonl}\n`);
          } catch (e) {
            ctx.stderr.write(
              `t2t ${COMMAND}: cannot write ${flags.jsonl}: ${(e as Error).message}\n`,
            );
            code = 1;
          }
        }
        if (flags.junit !== undefined) {
          try {
            await mkdir(dirname(flags.junit), { recursive: true });
            await writeFile(
              flags.junit,
              renderJUnit('trace2test test verify', verifyToJUnit(result)),
            );
            ctx.stdout.write(`JUnit XML: ${flags.junit}\n`);
          } catch (e) {
            ctx.stderr.write(
              `t2t ${COMMAND}: cannot write ${flags.junit}: ${(e as Error).message}\n`,
            );
            code = 1;
          }
        }
        if (flags.store) {
          const runId = randomUUID();
          try {
            await tests.saveExecutions(verifyExecutions(result, runId, startedAt));
            ctx.stdout.write(`results stored in test_runs (run ${runId})\n`);
          } catch (e) {
            ctx.stderr.write(`t2t ${COMMAND}: cannot store the results: ${(e as Error).message}\n`);
            code = 1;
          }
        }
        ctx.exitCode = code;
      } finally {
        await handle.close();
      }
    });
}
