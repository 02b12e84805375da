import { composeEnv, defineEnv, duration, optionalStr, str, url } from '@t2t/config';
import { kafkaEnv } from '@t2t/messaging';
import { storageEnv } from '@t2t/storage';
import { DEFAULT_TENANT, tenantEnv } from '@t2t/wire';

/**
 * How the runner waits for a trace. The CLI composes these into its own options (flags override
 * them); emitted Jest files get them through `defaultRunnerEnv`, read once on the first `runSpec`.
 */
export const runnerEnv = defineEnv('runner', {
  targetUrl: url({
    key: 'T2T_TARGET_URL',
    doc: 'Base URL of the system under test (`test run --target` wins over it; emitted Jest files read it themselves).',
  }),
  timeoutMs: duration({
    key: 'T2T_RUNNER_TIMEOUT',
    default: 45_000,
    min: 100,
    doc: 'Longest one spec run may take (journey steps, the trigger and every trace wait together). Below the Jest timeout of emitted files (60s).',
  }),
  noSpansTimeoutMs: duration({
    key: 'T2T_RUNNER_NO_SPANS_TIMEOUT',
    default: 20_000,
    min: 100,
    doc: 'A trace with no span stored this long after its request was sent fails as "never arrived" (the target is not instrumented, does not export to trace2test, or ignores `traceparent`).',
  }),
  settleMs: duration({
    key: 'T2T_RUNNER_SETTLE',
    default: 6_000,
    min: 0,
    doc: 'Floor of the settle period: a trace is complete once no new span arrived for this long (and its learned duration has passed). Two services export the spans of one trace independently, up to one export delay apart (OTEL_BSP_SCHEDULE_DELAY, 5s by default in the SDKs): keep it above that plus the pipeline delay, and lower it when your services export more often.',
  }),
  maxSettleMs: duration({
    key: 'T2T_RUNNER_MAX_SETTLE',
    default: 15_000,
    min: 0,
    doc: 'Cap of the learned waits (settle period and learned trace duration), so one slow endpoint cannot make every run wait minutes.',
  }),
  protoPaths: optionalStr({
    key: 'T2T_RUNNER_PROTO',
    doc: 'The .proto files of the services under test, comma-separated files or directories: needed to send gRPC triggers (their messages are stored as JSON). Unset: gRPC specs fail with a clear error.',
  }),
  pollMs: duration({
    key: 'T2T_RUNNER_POLL',
    default: 250,
    min: 10,
    doc: 'How often the stored span count of a trace is polled while waiting.',
  }),
});

export type RunnerConfig = ReturnType<typeof runnerEnv.parse>;

/**
 * A running trace2test's GraphQL API as a place to read traces from, instead of ClickHouse. The
 * options are exported so the CLI declares the same keys with the same meaning.
 */
export const serverUrlOption = url({
  key: 'T2T_SERVER_URL',
  doc: 'GraphQL endpoint of a running trace2test, e.g. `http://localhost:4000/graphql`: `test run` and `test verify` read and store through it instead of opening ClickHouse (`--server` wins over it).',
});
export const apiKeyOption = optionalStr({
  key: 'T2T_API_KEY',
  secret: true,
  doc: 'API key sent to it (one of the server’s `GRAPHQL_API_KEYS`) as `Authorization: Bearer`; `--api-key` wins over it.',
});

/**
 * Whose traces, tests and timings the runner and the CLI's test commands read. In ClickHouse
 * every query is confined to it; through a server an API key decides the tenant, and without one
 * it is named in the server's tenant header (honoured while the server's GraphQL auth is off).
 */
export const tenantOption = str({
  key: 'T2T_TENANT',
  default: DEFAULT_TENANT,
  pattern: /^[a-z0-9][a-z0-9._-]{0,62}$/,
  patternHint:
    "is not a tenant name (1–63 characters of a-z, 0-9, '.', '_', '-', starting with a letter or digit)",
  doc: 'Tenant whose traces, tests and timings are read (`--tenant` wins over it). Reading ClickHouse, every query is confined to it; through a server (`T2T_SERVER_URL`) an API key decides the tenant, and without a key it is sent in the `TENANT_HEADER` header (the server honours it while `GRAPHQL_AUTH=off`).',
});

export const runnerTenantEnv = defineEnv('runner tenant', {
  tenant: tenantOption,
  header: tenantEnv.schema.header,
});

export const runnerServerEnv = defineEnv('runner server', {
  url: serverUrlOption,
  apiKey: apiKeyOption,
});

/**
 * What `runSpec` and `sendTrigger` read when nothing configured them (emitted Jest files): where
 * the traces are (a trace2test server, else ClickHouse) and whose, Kafka for message triggers,
 * the waits.
 */
export const defaultRunnerEnv = composeEnv('runner', {
  server: runnerServerEnv,
  tenant: runnerTenantEnv,
  storage: storageEnv,
  kafka: kafkaEnv,
  runner: runnerEnv,
});

export type DefaultRunnerConfig = ReturnType<typeof defaultRunnerEnv.parse>;

/** `T2T_RUNNER_PROTO` (or a CLI flag) as a list of paths. */
export function protoPathList(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

/**
 * Headers that name `tenant` on requests to a trace2test server: none with an API key (the key's
 * tenant decides, and the server refuses a header that differs) or for the implicit tenant.
 */
export function tenantHeaders(
  tenant: string,
  header: string,
  apiKey: string | undefined,
): Record<string, string> {
  return apiKey !== undefined || tenant === DEFAULT_TENANT ? {} : { [header]: tenant };
}
