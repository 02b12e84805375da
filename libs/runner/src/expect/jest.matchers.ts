import type { ModelTrace } from '@t2t/model';
import type { SpanSelector, TestSpec } from '@t2t/testgen';
import { evaluateRun } from '../run/run.evaluation';
import type { SpecRun } from '../run/spec-run.model';
import { expectTrace, TraceAssertionError } from './trace.expectation';

/** The part of Jest's matcher context these matchers read (no import of Jest at run time). */
interface MatcherContext {
  isNot?: boolean;
}

interface MatcherResult {
  pass: boolean;
  message: () => string;
}

/**
 * Matchers for `expect.extend(traceMatchers)`, for suites that prefer Jest's own `expect`
 * (`.not`, `expect.soft` in other runners, snapshot-friendly output) over `expectTrace`:
 *
 *   expect.extend(traceMatchers);
 *   expect(run).toSatisfySpec(spec);
 *   expect(run).not.toHaveSpan({ service: 'potato-handler' });
 *
 * Types: add `interface Matchers<R> extends TraceMatchers<R> {}` to Jest's `Matchers` (see the
 * README). The messages are the same formatted assertion results `expectTrace` throws.
 */
export const traceMatchers = {
  toSatisfySpec(
    this: MatcherContext,
    received: SpecRun | ModelTrace,
    spec: TestSpec,
  ): MatcherResult {
    const evaluation = evaluateRun(spec, received);
    return {
      pass: evaluation.passed,
      message: () =>
        evaluation.passed
          ? `expected the trace not to satisfy ${spec.id}, but every assertion passed:\n${evaluation.report}`
          : evaluation.report,
    };
  },

  toHaveSpan(
    this: MatcherContext,
    received: SpecRun | ModelTrace,
    select: SpanSelector,
  ): MatcherResult {
    try {
      expectTrace(received).toHaveSpan(select);
    } catch (e) {
      if (!(e instanceof TraceAssertionError)) throw e;
      return { pass: false, message: () => e.message };
    }
    return {
      pass: true,
      message: () => {
        try {
          expectTrace(received).not.toHaveSpan(select);
          return 'expected no matching span';
        } catch (e) {
          return (e as Error).message;
        }
      },
    };
  },
};

/** Declaration helper: `interface Matchers<R> extends TraceMatchers<R> {}` inside Jest's namespace. */
export interface TraceMatchers<R> {
  toSatisfySpec(spec: TestSpec): R;
  toHaveSpan(select: SpanSelector): R;
}
