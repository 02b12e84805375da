import type { ModelTrace } from '@t2t/model';
import {
  type Assertion,
  type AssertionResult,
  type AttributeMatcher,
  type EvaluateOptions,
  evaluateAssertions,
  formatAssertionResults,
  type SpanSelector,
  type TestSpec,
} from '@t2t/testgen';
import { evaluateRun, traceOf } from '../run/run.evaluation';
import type { SpecRun, TriggerRun } from '../run/spec-run.model';

/** Thrown by a failing expectation; the message is the formatted assertion results. */
export class TraceAssertionError extends Error {
  override readonly name = 'TraceAssertionError';

  constructor(
    message: string,
    readonly results: readonly AssertionResult[],
  ) {
    super(message);
  }
}

export interface TraceExpectation {
  /** Every assertion of the spec holds (journey steps included); else throws with the report. */
  toSatisfy: (spec: TestSpec, options?: EvaluateOptions) => void;
  /** Some span matches the selector. */
  toHaveSpan: (select: SpanSelector, description?: string) => void;
  /** The number of matching spans is `count`, or within `{ min, max }`. */
  toHaveSpanCount: (select: SpanSelector, count: number | { min?: number; max?: number }) => void;
  /** Every matching span (`any`: one) satisfies the attribute matchers; fails when none matches. */
  toHaveSpanAttributes: (
    select: SpanSelector,
    attributes: Record<string, AttributeMatcher>,
    quantifier?: 'all' | 'any',
  ) => void;
  /** The negation: no matching span. */
  readonly not: { toHaveSpan: (select: SpanSelector, description?: string) => void };
}

/**
 * Fluent, Jest-friendly expectations on a run or a trace: each throws an Error whose message is
 * `formatAssertionResults(...)` (expected, found, spans involved), so Jest prints the report as
 * the failure; the stack starts at the caller's line. The ad-hoc matchers are built as spec
 * assertions and evaluated by the same evaluator as `toSatisfy`.
 */
export function expectTrace(run: SpecRun | TriggerRun | ModelTrace): TraceExpectation {
  const trace = traceOf(run);
  // `caller` is where the stack trace is cut, so Jest points at the test's line.
  const check = (assertion: Assertion, caller: (...args: never[]) => void): void => {
    const results = evaluateAssertions([assertion], trace, undefined, '$.expect');
    if (results.every((r) => r.passed)) return;
    const error = new TraceAssertionError(
      formatAssertionResults(results, `expectTrace (trace ${trace.traceId})`),
      results,
    );
    Error.captureStackTrace(error, caller);
    throw error;
  };
  const toSatisfy = (spec: TestSpec, options: EvaluateOptions = {}): void => {
    const evaluation = evaluateRun(spec, run, options);
    if (evaluation.passed) return;
    const error = new TraceAssertionError(evaluation.report, [
      ...evaluation.results,
      ...evaluation.steps.flatMap((s) => s.results),
    ]);
    Error.captureStackTrace(error, toSatisfy);
    throw error;
  };
  const toHaveSpan = (select: SpanSelector, description?: string): void =>
    check(
      { id: 'e1', kind: 'exists', description: description ?? 'has the span', select },
      toHaveSpan,
    );
  const toHaveSpanCount = (
    select: SpanSelector,
    count: number | { min?: number; max?: number },
  ): void =>
    check(
      {
        id: 'e1',
        kind: 'count',
        description: 'has that many spans',
        select,
        count: typeof count === 'number' ? { equals: count } : count,
      },
      toHaveSpanCount,
    );
  const toHaveSpanAttributes = (
    select: SpanSelector,
    attributes: Record<string, AttributeMatcher>,
    quantifier: 'all' | 'any' = 'all',
  ): void =>
    check(
      {
        id: 'e1',
        kind: 'attributes',
        description: 'spans carry the attributes',
        select,
        attributes,
        quantifier,
      },
      toHaveSpanAttributes,
    );
  const notToHaveSpan = (select: SpanSelector, description?: string): void =>
    check(
      { id: 'e1', kind: 'absent', description: description ?? 'has no such span', select },
      notToHaveSpan,
    );
  return {
    toSatisfy,
    toHaveSpan,
    toHaveSpanCount,
    toHaveSpanAttributes,
    not: { toHaveSpan: notToHaveSpan },
  };
}
