/**
 * `@trace2test/runner`: what a test suite in the user's own repository needs to run trace-based
 * tests, the ones trace2test emits and hand-written ones. A curated entry over libs/runner: the
 * runner's internals (storage repositories, stored-trace verification, reports) stay out of the
 * published API. The build bundles it with the internal libs it imports (see docs/ARCHITECTURE.md,
 * "Published packages").
 */
import type { TraceMatchers } from '@t2t/runner';

// Sending triggers and reading their traces back
export {
  sendTrigger,
  runSpec,
  profileRequested,
  type RunProfile,
  waitForTrace,
  configureRunner,
  closeRunner,
  newTraceContext,
  SpecRunner,
  type SendTriggerOptions,
  type TriggerRun,
  type RunSpecOptions,
  type SpecRun,
  type StepRun,
  type SpecRunnerDeps,
  type TestTraceContext,
  type TriggerResponse,
  type MessageSender,
  type TraceSource,
  type EndpointTimings,
  type WaitOptions,
  type WaitReport,
} from '@t2t/runner';

// Judging traces
export {
  traceMatchers,
  registerTraceMatchers,
  expectTrace,
  evaluateRun,
  conditionHolds,
  traceOf,
  type TraceMatchers,
  type TraceLike,
  type SpanAttributesOptions,
  type TraceExpectation,
  type RunEvaluation,
} from '@t2t/runner';

// Reading traces through a running trace2test (T2T_SERVER_URL)
export {
  GraphqlClient,
  RemoteTraceSource,
  RemoteEndpointTimings,
  ServerRequestError,
  type GraphqlClientOptions,
} from '@t2t/runner';

// Errors a run can end with
export {
  TraceAssertionError,
  TraceWaitError,
  TriggerError,
  CaptureError,
  RunSetupError,
  UnsupportedTriggerError,
  type TraceWaitFailure,
} from '@t2t/runner';

// Test specs (format v1), for runSpec and the matchers' arguments
export type {
  TestSpec,
  Trigger,
  HttpTrigger,
  GrpcTrigger,
  MessageTrigger,
  TriggerVariant,
  JourneyStep,
  Capture,
  Assertion,
  SpanSelector,
  SpanKindName,
  AttributeMatcher,
  StatusMatcher,
  StatusName,
  Condition,
  ConditionAtom,
  AssertionResult,
  SpanRef,
  EvaluateOptions,
} from '@t2t/testgen';

// A trace as the runner reads it back
export type { ModelTrace as Trace, ModelSpan as Span } from '@t2t/model';

/*
 * The matchers' types, for every suite that imports the package: Jest's `expect(trace)` knows
 * `toHaveSpan` and the rest. Registering them at run time is `import '@trace2test/runner/jest'`.
 */
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface Matchers<R> extends TraceMatchers<R> {}
  }
}
