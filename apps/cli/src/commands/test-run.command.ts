import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type Command, Option } from 'commander';
import { createKafka, KafkaConfigError } from '@t2t/messaging';
import {
  GrpcTriggerSender,
  formatOutcome,
  formatSuiteSummary,
  protoPathList,
  KafkaMessageSender,
  loadSpecFiles,
  type MessageSender,
  renderJUnit,
  runSuite,
  ServerRequestError,
  SpecRunner,
  suiteExecutions,
  suiteToJUnit,
} from '@t2t/runner';
import type { TestSpec } from '@t2t/testgen';
import { openTestBackend, type ServerFlags } from '../backend/open-backend';
import type { TestBackend } from '../backend/test.backend';
import type { CliContext } from '../cli.context';
import {
  addServerOptions,
  brokersFrom,
  collect,
  collectServiceUrl,
  parseDuration,
  positiveInt,
  usage,
} from './test-command.options';

interface TestRunFlags extends ServerFlags {
  target?: string;
  serviceUrl: Record<string, string>;
  stored: boolean;
  endpoint: string[];
  grep?: string;
  junit: string | false;
  store: boolean;
  variants: boolean;
  performance: boolean;
  concurrency: number;
  timeout?: number;
  settle?: number;
  firstSpanTimeout?: number;
  poll?: number;
  brokers?: string;
  proto: string[];
}

const COMMAND = 'test run';

/** `t2t test run`: specs against a live system; console report, JUnit XML, results in test_runs. */
export function registerTestRunCommand(test: Command, ctx: CliContext): void {
  const command = test
    .command('run')
    .summary('run test specs against a live system')
    .description(
      'Runs test specs against a live system: each trigger is sent with a fresh W3C traceparent, the ' +
        'trace is read back from ClickHouse once complete, and the assertions are evaluated. Inputs: ' +
        'spec files (*.json: a spec or an array of specs), Jest files emitted with an embedded spec ' +
        '(*.trace.spec.ts of earlier versions) and directories of them; or --stored for the current ' +
        'tests in ClickHouse. ' +
        'Prints a report, writes JUnit XML and stores the results in test_runs. Exit code 1 when a run ' +
        'failed or could not be evaluated. With --server (or when the running server holds the ' +
        'embedded store) traces, stored tests and timings are read, and results stored, through the ' +
        'server’s GraphQL API.',
    )
    .argument('[inputs...]', 'spec files (*.json), or directories of them')
    .option('-t, --target <url>', 'base URL of the system under test (default: $T2T_TARGET_URL)')
    .addOption(
      new Option(
        '--service-url <service=url>',
        'base URL of one service, for triggers that enter elsewhere (repeatable)',
      )
        .argParser(collectServiceUrl)
        .default({}, 'none'),
    )
    .option('--stored', 'run the current verified tests stored in ClickHouse', false)
    .addOption(
      new Option('--endpoint <key>', 'with --stored: only this endpoint’s tests (repeatable)')
        .argParser(collect)
        .default([], 'all'),
    )
    .option('--grep <pattern>', 'only specs whose id or name matches this regular expression')
    .option('--junit <file>', 'JUnit XML report file', 't2t-junit.xml')
    .option('--no-junit', 'write no JUnit XML')
    .option('--no-store', 'do not store the results in test_runs')
    .option('--no-variants', 'run only each spec’s own trigger, not its variants')
    .option(
      '--performance',
      'also check the performance profile (duration bounds), reported apart; exit 1 when a run is over a bound',
      false,
    )
    .option('--concurrency <n>', 'runs in flight at once', positiveInt, 4)
    .option('--timeout <duration>', 'per run (default: $T2T_RUNNER_TIMEOUT, 45s)', parseDuration)
    .option('--settle <duration>', 'settle floor (default: $T2T_RUNNER_SETTLE, 6s)', parseDuration)
    .option(
      '--first-span-timeout <duration>',
      'fail when no span arrived within this (default: $T2T_RUNNER_NO_SPANS_TIMEOUT, 20s)',
      parseDuration,
    )
    .option('--poll <duration>', 'poll interval (default: $T2T_RUNNER_POLL, 250ms)', parseDuration)
    .option(
      '-b, --brokers <host:port,...>',
      'Kafka, for message triggers (default: $KAFKA_BROKERS)',
    )
    .option(
      '--proto <path>',
      'a .proto file or directory of the services under test, for gRPC triggers (repeatable; default: $T2T_RUNNER_PROTO)',
      collect,
      [],
    );
  addServerOptions(command).action(async (inputs: string[], flags: TestRunFlags) => {
    const target = flags.target ?? ctx.config.runner.targetUrl;
    if (target !== undefined && !/^https?:\/\/[^/]/i.test(target)) {
      return usage(ctx, COMMAND, `--target: "${target}" is not an http(s) URL`);
    }
    if (inputs.length === 0 && !flags.stored) {
      return usage(ctx, COMMAND, 'no specs: name spec files or directories, or pass --stored');
    }
    let grep: RegExp | undefined;
    try {
      grep = flags.grep === undefined ? undefined : new RegExp(flags.grep);
    } catch (e) {
      return usage(ctx, COMMAND, `--grep: ${(e as Error).message}`);
    }
    let messages: MessageSender | undefined;
    try {
      const brokers = brokersFrom(ctx, flags.brokers);
      if (brokers) {
        messages = new KafkaMessageSender(createKafka({ ...ctx.config.kafka, brokers }, 'cli'));
      }
    } catch (e) {
      if (e instanceof KafkaConfigError || flags.brokers !== undefined) {
        return usage(ctx, COMMAND, `--brokers: ${(e as Error).message}`);
      }
      throw e;
    }

    const specs: TestSpec[] = [];
    let problems = 0;
    if (inputs.length > 0) {
      const loaded = await loadSpecFiles(inputs);
      for (const p of loaded.problems)
        ctx.stderr.write(`t2t ${COMMAND}: ${p.source}: ${p.message}\n`);
      problems += loaded.problems.length;
      specs.push(...loaded.specs.map((s) => s.spec));
    }

    const backend = await openTestBackend(ctx, COMMAND, flags);
    if (backend === undefined) {
      await messages?.close();
      return;
    }
    try {
      if (flags.stored) {
        const stored = await backend.storedSpecs(flags.endpoint);
        for (const p of stored.problems) ctx.stderr.write(`t2t ${COMMAND}: ${p}\n`);
        problems += stored.problems.length;
        const have = new Set(specs.map((s) => s.id));
        specs.push(...stored.specs.filter((s) => !have.has(s.id)));
      }
      const selected =
        grep === undefined ? specs : specs.filter((s) => grep.test(s.id) || grep.test(s.name));
      if (selected.length === 0) {
        ctx.stderr.write(`t2t ${COMMAND}: no specs to run\n`);
        ctx.exitCode = problems > 0 ? 1 : 2;
        return;
      }
      if (target === undefined && selected.some((s) => needsTarget(s, flags.serviceUrl))) {
        return usage(ctx, COMMAND, 'no target: pass --target <url> or set T2T_TARGET_URL');
      }
      ctx.exitCode = await runAndReport(ctx, backend, selected, target, flags, messages);
      if (problems > 0) ctx.exitCode = 1;
    } catch (e) {
      // The server failing to list the stored tests (runs report their own errors).
      if (!(e instanceof ServerRequestError)) throw e;
      ctx.stderr.write(`t2t ${COMMAND}: ${e.message}\n`);
      ctx.exitCode = 1;
    } finally {
      await messages?.close();
      await backend.close();
    }
  });
}

/** Whether some HTTP trigger of the spec needs the default base URL. */
function needsTarget(spec: TestSpec, serviceUrls: Record<string, string>): boolean {
  const triggers = [
    spec.trigger,
    ...(spec.variants ?? []).map((v) => v.trigger),
    ...(spec.before ?? []).map((s) => s.trigger),
  ];
  return triggers.some((t) => t.type === 'http' && serviceUrls[t.service] === undefined);
}

async function runAndReport(
  ctx: CliContext,
  backend: TestBackend,
  specs: TestSpec[],
  target: string | undefined,
  flags: TestRunFlags,
  messages: MessageSender | undefined,
): Promise<number> {
  const wait = ctx.config.runner;
  const protos = flags.proto.length > 0 ? flags.proto : protoPathList(wait.protoPaths);
  const runner = new SpecRunner({
    traces: backend.traceSource(),
    timings: backend.endpointTimings(),
    ...(messages === undefined ? {} : { messages }),
    ...(protos.length === 0 ? {} : { grpc: new GrpcTriggerSender(protos) }),
    wait: {
      timeoutMs: flags.timeout ?? wait.timeoutMs,
      settleMs: flags.settle ?? wait.settleMs,
      noSpansTimeoutMs: flags.firstSpanTimeout ?? wait.noSpansTimeoutMs,
      pollMs: flags.poll ?? wait.pollMs,
      maxSettleMs: wait.maxSettleMs,
    },
  });
  const result = await runSuite(runner, specs, {
    baseUrl: target,
    serviceUrls: flags.serviceUrl,
    concurrency: flags.concurrency,
    variants: flags.variants,
    performance: flags.performance,
    onOutcome: (o) => ctx.stdout.write(`${formatOutcome(o)}\n`),
  });
  ctx.stdout.write(`${formatSuiteSummary(result)}\n`);
  let code = result.failed + result.errors + result.performance.over > 0 ? 1 : 0;
  if (flags.junit !== false) {
    try {
      await mkdir(dirname(flags.junit), { recursive: true });
      await writeFile(flags.junit, renderJUnit('trace2test test run', suiteToJUnit(result)));
      ctx.stdout.write(`JUnit XML: ${flags.junit}\n`);
    } catch (e) {
      ctx.stderr.write(`t2t ${COMMAND}: cannot write ${flags.junit}: ${(e as Error).message}\n`);
      code = 1;
    }
  }
  if (flags.store) {
    const runId = randomUUID();
    try {
      await backend.saveExecutions(
        runId,
        suiteExecutions(result, runId, target ?? Object.values(flags.serviceUrl).join(',')),
      );
      ctx.stdout.write(`results stored in test_runs (run ${runId})\n`);
    } catch (e) {
      ctx.stderr.write(`t2t ${COMMAND}: cannot store the results: ${(e as Error).message}\n`);
      code = 1;
    }
  }
  return code;
}
