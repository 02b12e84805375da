import { readProcessEnv } from '@t2t/config';
import type { ModelTrace } from '@t2t/model';
import type { TestSpec, Trigger } from '@t2t/testgen';
import { GraphqlClient } from '../remote/graphql.client';
import { RemoteEndpointTimings } from '../remote/remote-endpoint.timings';
import { RemoteTraceSource } from '../remote/remote-trace.source';
import {
  type DefaultRunnerConfig,
  defaultRunnerEnv,
  protoPathList,
  tenantHeaders,
} from '../runner.env';
import type { MessageSender } from '../trigger/kafka-message.sender';
import { RunSetupError } from '../trigger/trigger.errors';
import type { EndpointTimings, TraceSource } from '../wait/trace-source.port';
import type { WaitReport } from '../wait/trace.waiter';
import type { RunSpecOptions, SendTriggerOptions, SpecRun, TriggerRun } from './spec-run.model';
import { SpecRunner, type SpecRunnerDeps } from './spec.runner';

interface Installed {
  runner: SpecRunner;
  close(): Promise<void>;
}

let installed: Promise<Installed> | undefined;

/**
 * Sets the runner `runSpec` and `sendTrigger` use (a test harness, the CLI, a Jest setup file that
 * owns its storage). Without it, the first call builds one from the environment.
 */
export function configureRunner(runner: SpecRunner | SpecRunnerDeps): void {
  const r = runner instanceof SpecRunner ? runner : new SpecRunner(runner);
  installed = Promise.resolve({ runner: r, close: () => r.close() });
}

/**
 * Runs a whole spec with the configured runner:
 *
 *   const run = await runSpec(spec, { baseUrl: process.env.T2T_TARGET_URL });
 *   expectTrace(run).toSatisfy(spec);
 */
export async function runSpec(spec: TestSpec, options: RunSpecOptions): Promise<SpecRun> {
  return (await defaultRunner()).runner.run(spec, options);
}

/**
 * Sends one trigger with the configured runner and resolves with its complete trace (what the
 * emitted Jest files call):
 *
 *   const { trace } = await sendTrigger(placeOrder, { endpoint, baseUrl: process.env.T2T_TARGET_URL });
 *   expect(trace).toHaveSpan({ service: 'potato-shop', semantic: 'db postgresql INSERT orders' });
 */
export async function sendTrigger(
  trigger: Trigger,
  options: SendTriggerOptions,
): Promise<TriggerRun> {
  return (await defaultRunner()).runner.trigger(trigger, options);
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

/** Where a runner built from the environment reads traces and learned durations. */
interface TraceBackend {
  traces: TraceSource;
  timings: EndpointTimings;
  close(): Promise<void>;
}

/**
 * The runner of an emitted Jest file, its options read once from the environment: traces through
 * a trace2test server's GraphQL API when `T2T_SERVER_URL` is set (nothing else to install: what a
 * user's repository does), else from ClickHouse (`CLICKHOUSE_*`, opened without migrating: the
 * product owns the schema), the traces of `T2T_TENANT` either way; Kafka for message triggers when `KAFKA_BROKERS` is set; gRPC when
 * `T2T_RUNNER_PROTO` names the services' .proto files; the waits from `T2T_RUNNER_*`.
 */
async function fromEnvironment(): Promise<Installed> {
  const config = defaultRunnerEnv.parse(readProcessEnv());
  const backend = config.server.url
    ? serverBackend(config.server.url, config.server.apiKey, config.tenant)
    : await storageBackend(config);
  let messages: MessageSender | undefined;
  try {
    messages = config.kafka.brokers
      ? loadMessageSender().messageSenderFor(config.kafka)
      : undefined;
  } catch (e) {
    await backend.close();
    throw e;
  }
  // The target URL is the emitted file's business (it passes baseUrl); the rest shapes the waits.
  const { targetUrl: _target, protoPaths, ...wait } = config.runner;
  const protos = protoPathList(protoPaths);
  const runner = new SpecRunner({
    traces: backend.traces,
    timings: backend.timings,
    ...(messages === undefined ? {} : { messages }),
    ...(protos.length === 0 ? {} : { grpc: new (loadGrpcSender().GrpcTriggerSender)(protos) }),
    wait,
  });
  return {
    runner,
    close: async () => {
      await runner.close();
      await backend.close();
    },
  };
}

function serverBackend(
  url: string,
  apiKey: string | undefined,
  tenant: { tenant: string; header: string },
): TraceBackend {
  const client = new GraphqlClient(url, {
    ...(apiKey === undefined ? {} : { apiKey }),
    headers: tenantHeaders(tenant.tenant, tenant.header, apiKey),
  });
  return {
    traces: new RemoteTraceSource(client),
    timings: new RemoteEndpointTimings(client),
    close: async () => undefined,
  };
}

async function storageBackend(config: DefaultRunnerConfig): Promise<TraceBackend> {
  const { handle, traces, timings } = await loadStorage().openRunnerStorage(
    config.storage,
    config.tenant.tenant,
  );
  return { traces, timings, close: () => handle.close() };
}

/*
 * The backends below are loaded on first use, with `require`, because each needs npm packages
 * that a user of the published runner may not have installed (@clickhouse/client, kafkajs,
 * @grpc/grpc-js): reading traces through a trace2test server needs none of them. `import()` would
 * defer them too, but TypeScript's node16 output keeps it an ES import, which resolves relative
 * paths only with file extensions this code base does not write. The package build turns each
 * into a bundle of its own (scripts/build-packages.ts). A missing package is reported with what to
 * install, or what to set instead.
 */

function loadStorage(): typeof import('./runner-storage.backend') {
  return loadOptional(
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    () => require('./runner-storage.backend') as typeof import('./runner-storage.backend'),
    'reading traces from ClickHouse',
    'or set T2T_SERVER_URL to read them through a running trace2test',
  );
}

type KafkaBackend = typeof import('../trigger/message-sender.factory');
type GrpcBackend = typeof import('../trigger/grpc-trigger.sender');

function loadMessageSender(): KafkaBackend {
  return loadOptional(
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    () => require('../trigger/message-sender.factory') as KafkaBackend,
    'message triggers on Kafka (KAFKA_BROKERS is set)',
    'or unset KAFKA_BROKERS when no spec sends messages',
  );
}

function loadGrpcSender(): GrpcBackend {
  return loadOptional(
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    () => require('../trigger/grpc-trigger.sender') as GrpcBackend,
    'gRPC triggers (T2T_RUNNER_PROTO is set)',
    'or unset T2T_RUNNER_PROTO when no spec sends gRPC requests',
  );
}

function loadOptional<T>(load: () => T, what: string, otherwise: string): T {
  try {
    return load();
  } catch (e) {
    // Only a missing npm package is the user's to install; a missing file of ours is a bug.
    const missing = /Cannot find module '([^'./][^']*)'/.exec((e as Error).message)?.[1];
    if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND' || missing === undefined) throw e;
    throw new RunSetupError(
      `${what} needs the npm package ${missing}, which is not installed: npm install --save-dev ${missing} (${otherwise})`,
    );
  }
}
