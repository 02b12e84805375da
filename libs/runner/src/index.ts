// Running specs against a live system (the contract emitted Jest files call)
export type {
  RunSpecOptions,
  SendTriggerOptions,
  SpecRun,
  StepRun,
  TriggerRun,
} from './run/spec-run.model';
export { SpecRunner, type SpecRunnerDeps } from './run/spec.runner';
export {
  runSpec,
  sendTrigger,
  waitForTrace,
  configureRunner,
  closeRunner,
} from './run/default.runner';
export { profileRequested, runProfileEnv, type RunProfile } from './run/run-profile';
export { evaluateRun, conditionHolds, traceOf, type RunEvaluation } from './run/run.evaluation';

// Expectations (Jest-friendly)
export {
  expectTrace,
  TraceAssertionError,
  type TraceExpectation,
} from './expect/trace.expectation';
export {
  traceMatchers,
  registerTraceMatchers,
  type SpanAttributesOptions,
  type TraceLike,
  type TraceMatchers,
} from './expect/jest.matchers';

// Triggers
export { newTraceContext, type TestTraceContext } from './trigger/trace-context';
export { sendHttpTrigger, joinUrl, type TriggerResponse } from './trigger/http-trigger.sender';
export { KafkaMessageSender, type MessageSender } from './trigger/kafka-message.sender';
export { GrpcTriggerSender, grpcAddress } from './trigger/grpc-trigger.sender';
export {
  CaptureError,
  RunSetupError,
  TriggerError,
  UnsupportedTriggerError,
} from './trigger/trigger.errors';

// Waiting for complete traces
export type { EndpointTimings, TraceSource } from './wait/trace-source.port';
export {
  DEFAULT_WAIT_OPTIONS,
  DURATION_HEADROOM,
  SETTLE_SHARE_OF_P95,
  planWait,
  formatMs,
  type WaitOptions,
  type WaitPlan,
} from './wait/wait.plan';
export {
  TraceWaiter,
  TraceWaitError,
  adoptRoots,
  missingParentsOf,
  systemClock,
  type Clock,
  type TraceWaitFailure,
  type WaitReport,
} from './wait/trace.waiter';
export { ClickHouseTraceSource } from './wait/clickhouse-trace.source';
export { StoredEndpointTimings } from './wait/stored-endpoint.timings';

// Through a running trace2test's GraphQL API (T2T_SERVER_URL)
export {
  GraphqlClient,
  ServerRequestError,
  type GraphqlAnswer,
  type GraphqlClientOptions,
  type GraphqlErrorBody,
} from './remote/graphql.client';
export { RemoteTraceSource, toModelSpan } from './remote/remote-trace.source';
export { RemoteEndpointTimings } from './remote/remote-endpoint.timings';

// Suites, continuous verification, reports
export {
  loadSpecFiles,
  specsFromText,
  isSpecFile,
  type LoadedSpec,
  type LoadedSpecs,
  type LoadProblem,
} from './suite/spec-file.loader';
export {
  runSuite,
  type ExecutionOutcome,
  type SuiteOptions,
  type SuiteResult,
} from './suite/suite.runner';
export {
  StoredTraceVerifier,
  type TraceFailure,
  type VerifiedTest,
  type VerifyOptions,
  type VerifyResult,
} from './verify/stored-trace.verifier';
export { EntrySpanRepository, type EntrySpanRow } from './verify/entry-span.repository';
export {
  judgeTrace,
  groupOf,
  pinnedRequest,
  storedRequest,
  type ApplyReason,
  type SpecGroup,
  type TraceFinding,
  type TraceJudgement,
  type Verdict,
} from './verify/spec.applicability';
export { fingerprintOf } from './verify/trace.fingerprint';
export { knownBehavioursOf } from './verify/known-behaviours';
export { renderJUnit, type JUnitCase, type JUnitSuite } from './report/junit.report';
export {
  formatOutcome,
  formatSuiteSummary,
  suiteToJUnit,
  suiteExecutions,
} from './report/run.report';
export {
  formatVerifyResult,
  formatVerifySummary,
  verifyToJUnit,
  verifyExecutions,
  verifyJsonLines,
} from './report/verify.report';

// Options
export {
  runnerEnv,
  runnerServerEnv,
  runnerTenantEnv,
  tenantOption,
  tenantHeaders,
  serverUrlOption,
  apiKeyOption,
  defaultRunnerEnv,
  protoPathList,
  type RunnerConfig,
  type DefaultRunnerConfig,
} from './runner.env';
