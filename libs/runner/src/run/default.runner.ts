import { readProcessEnv } from '@t2t/config';
import { createKafka } from '@t2t/messaging';
import type { ModelTrace } from '@t2t/model';
import { createClickHouse, ModelRepository, SpanRepository } from '@t2t/storage';
import type { TestSpec } from '@t2t/testgen';
import { defaultRunnerEnv, protoPathList } from '../runner.env';
import { GrpcTriggerSender } from '../trigger/grpc-trigger.sender';
import { KafkaMessageSender } from '../trigger/kafka-message.sender';
import { ClickHouseTraceSource } from '../wait/clickhouse-trace.source';
import { StoredEndpointTimings } from '../wait/stored-endpoint.timings';
import type { WaitReport } from '../wait/trace.waiter';
import type { RunSpecOptions, SpecRun } from './spec-run.model';
import { SpecRunner, type SpecRunnerDeps } from './spec.runner';

interface Installed {
  runner: SpecRunner;
  close(): Promise<void>;
}

let installed: Promise<Installed> | undefined;

/**
 * Sets the runner `runSpec` uses (a test harness, the CLI, a Jest setup file that owns its
 * storage). Without it, the first `runSpec` builds one from the environment.
 */
export function configureRunner(runner: SpecRunner | SpecRunnerDeps): void {
  const r = runner instanceof SpecRunner ? runner : new SpecRunner(runner);
  installed = Promise.resolve({ runner: r, close: () => r.close() });
}

/**
 * Runs a spec with the configured runner (the contract the emitted Jest files call):
 *
 *   const run = await runSpec(spec, { baseUrl: process.env.T2T_TARGET_URL });
 *   expectTrace(run).toSatisfy(spec);
 */
export async function runSpec(spec: TestSpec, options: RunSpecOptions): Promise<SpecRun> {
  return (await defaultRunner()).runner.run(spec, options);
}

/** Waits for a trace the caller started with `newTraceContext()` (see SpecRunner.waitForTrace). */
export async function waitForTrace(
  traceId: string,
  options: { endpoint: string; rootParentSpanId?: string; timeoutMs?: number; startedAt?: number },
): Promise<{ trace: ModelTrace; wait: WaitReport }> {
  return (await defaultRunner()).runner.waitForTrace(traceId, options);
}

/** Releases what the runner opened (storage, Kafka producer); call it in a global teardown. */
export async function closeRunner(): Promise<void> {
  const current = installed;
  installed = undefined;
  if (current) await (await current.catch(() => undefined))?.close();
}

function defaultRunner(): Promise<Installed> {
  installed ??= fromEnvironment();
  // A failed start is not kept: the next test tries again (and reports the same reason).
  installed.catch(() => (installed = undefined));
  return installed;
}

/**
 * The runner of an emitted Jest file: its options read once from the environment (CLICKHOUSE_*,
 * KAFKA_*, T2T_RUNNER_*), ClickHouse opened read-only in spirit (no migrations: the product owns
 * the schema), learned waits from the stored cluster statistics.
 */
async function fromEnvironment(): Promise<Installed> {
  const config = defaultRunnerEnv.parse(readProcessEnv());
  const handle = await createClickHouse(config.storage);
  const messages = config.kafka.brokers
    ? new KafkaMessageSender(createKafka(config.kafka, 'runner'))
    : undefined;
  // The target URL is the emitted file's business (it passes baseUrl); the rest shapes the waits.
  const { targetUrl: _target, protoPaths, ...wait } = config.runner;
  const protos = protoPathList(protoPaths);
  const runner = new SpecRunner({
    traces: new ClickHouseTraceSource(new SpanRepository(handle)),
    timings: new StoredEndpointTimings(new ModelRepository(handle)),
    ...(messages === undefined ? {} : { messages }),
    ...(protos.length === 0 ? {} : { grpc: new GrpcTriggerSender(protos) }),
    wait,
  });
  return {
    runner,
    close: async () => {
      await runner.close();
      await handle.close();
    },
  };
}
