import type { ModelTrace } from '@t2t/model';
import {
  type Assertion,
  type AssertionResult,
  type AttributeMatcher,
  evaluateAssertions,
  type SpanSelector,
  type StatusMatcher,
  type TestSpec,
} from '@t2t/testgen';
import { evaluateRun, traceOf } from '../run/run.evaluation';
import type { SpecRun, TriggerRun } from '../run/spec-run.model';

/** The part of Jest's matcher context these matchers read (no import of Jest at run time). */
interface MatcherContext {
  isNot?: boolean;
}

interface MatcherResult {
  pass: boolean;
  message: () => string;
}

/** What the matchers accept: a trace, or a run that has one. */
export type TraceLike = SpecRun | TriggerRun | ModelTrace;

/** Options of `toHaveSpanAttributes`. */
export interface SpanAttributesOptions {
  /** `all` (default): every matching span carries the attributes; `any`: at least one does. */
  quantifier?: 'all' | 'any';
  /** The spans' status as well. */
  status?: StatusMatcher;
}

/** A leaf assertion without its id and description, which a matcher supplies. */
type Check<A = Exclude<Assertion, { kind: 'conditional' }>> = A extends unknown
  ? Omit<A, 'id' | 'description'>
  : never;

/**
 * Evaluates one check on the trace with libs/testgen's evaluator (the meaning of a spec
 * assertion of the same kind, exactly) and turns the result into Jest's `{ pass, message }`. The
 * message says what was expected and what the trace shows, naming the nearest spans when the
 * expected one is missing, and the trace id to look it up.
 */
function judge(
  context: MatcherContext,
  received: TraceLike,
  call: string,
  check: Check,
  negated?: Check,
): MatcherResult {
  const trace = traceOf(received);
  const [result] = evaluate(trace, check);
  const isNot = context.isNot === true;
  return {
    pass: result.passed,
    message: () => {
      if (!isNot) return describe(`expect(trace).${call}`, result, trace);
      // Negated and it held: say what made it hold, or what the opposite check found.
      const opposite = negated === undefined ? undefined : evaluate(trace, negated)[0];
      return opposite === undefined
        ? [
            `expect(trace).not.${call}`,
            '',
            `expected the opposite of: ${result.expected}`,
            `found:    ${result.found}`,
            traceLine(trace),
          ].join('\n')
        : describe(`expect(trace).not.${call}`, opposite, trace);
    },
  };
}

function evaluate(trace: ModelTrace, check: Check): AssertionResult[] {
  return evaluateAssertions(
    [{ ...check, id: 'expect', description: check.kind }],
    trace,
    undefined,
    '$.expect',
  );
}

function describe(hint: string, r: AssertionResult, trace: ModelTrace): string {
  const lines = [hint, '', `expected: ${r.expected}`, `found:    ${r.found}`];
  if (r.spans.length > 0) {
    lines.push(
      `spans:    ${r.spans.map((s) => `${s.service} ${s.kind} "${s.name}" (${s.spanId})`).join(', ')}`,
    );
  }
  lines.push(traceLine(trace));
  return lines.join('\n');
}

function traceLine(trace: ModelTrace): string {
  return `trace:    ${trace.traceId} (${trace.spans.length} span${trace.spans.length === 1 ? '' : 's'})`;
}

const countOf = (count: number | { min?: number; max?: number }) =>
  typeof count === 'number' ? { equals: count } : count;

/**
 * Jest matchers on traces (`expect.extend(traceMatchers)`, or `import '@trace2test/runner/jest'`):
 *
 *   expect(trace).toHaveSpan({ service: 'potato-shop', semantic: 'db postgresql INSERT orders' });
 *   expect(trace).not.toHaveSpan({ service: 'potato-handler' });
 *   expect(trace).toHaveSpanCount({ service: 'potato-shop', kind: 'client' }, { min: 1, max: 2 });
 *
 * Each is one assertion of the spec format (exists, absent, count, attributes, relation, duration,
 * only), evaluated by the evaluator `test run`, `test verify` and the generator's verification
 * use, so an emitted Jest file means exactly what its spec means. Types: add
 * `interface Matchers<R> extends TraceMatchers<R> {}` to Jest's `Matchers` (the published package
 * does it for you).
 */
export const traceMatchers = {
  /** Every assertion of a spec holds (journey steps included when given a `runSpec` run). */
  toSatisfySpec(this: MatcherContext, received: TraceLike, spec: TestSpec): MatcherResult {
    const evaluation = evaluateRun(spec, received);
    return {
      pass: evaluation.passed,
      message: () =>
        evaluation.passed
          ? `expected the trace not to satisfy ${spec.id}, but every assertion passed:\n${evaluation.report}`
          : evaluation.report,
    };
  },

  /** Some span matches the selector (`.not`: none does). */
  toHaveSpan(this: MatcherContext, received: TraceLike, select: SpanSelector): MatcherResult {
    return judge(
      this,
      received,
      'toHaveSpan(selector)',
      { kind: 'exists', select },
      { kind: 'absent', select },
    );
  },

  /** The number of matching spans is `count`, or within `{ min, max }` (inclusive). */
  toHaveSpanCount(
    this: MatcherContext,
    received: TraceLike,
    select: SpanSelector,
    count: number | { min?: number; max?: number },
  ): MatcherResult {
    return judge(this, received, 'toHaveSpanCount(selector, count)', {
      kind: 'count',
      select,
      count: countOf(count),
    });
  },

  /**
   * Every matching span (`quantifier: 'any'`: one of them) carries the attributes, and the status
   * when given; fails when no span matches.
   */
  toHaveSpanAttributes(
    this: MatcherContext,
    received: TraceLike,
    select: SpanSelector,
    attributes: Record<string, AttributeMatcher>,
    options: SpanAttributesOptions = {},
  ): MatcherResult {
    return judge(this, received, 'toHaveSpanAttributes(selector, attributes)', {
      kind: 'attributes',
      select,
      attributes,
      ...(options.quantifier === undefined ? {} : { quantifier: options.quantifier }),
      ...(options.status === undefined ? {} : { status: options.status }),
    });
  },

  /** Every span matching `select` is a direct child of a span matching `parent`. */
  toHaveSpanChildOf(
    this: MatcherContext,
    received: TraceLike,
    select: SpanSelector,
    parent: SpanSelector,
  ): MatcherResult {
    return judge(this, received, 'toHaveSpanChildOf(selector, parent)', {
      kind: 'relation',
      relation: 'childOf',
      select,
      target: parent,
    });
  },

  /** Every span matching `select` has an ancestor matching `ancestor` (somewhere under it). */
  toHaveSpanUnder(
    this: MatcherContext,
    received: TraceLike,
    select: SpanSelector,
    ancestor: SpanSelector,
  ): MatcherResult {
    return judge(this, received, 'toHaveSpanUnder(selector, ancestor)', {
      kind: 'relation',
      relation: 'descendantOf',
      select,
      target: ancestor,
    });
  },

  /**
   * Every span matching `select` ends before the first span matching `later` starts (compare
   * spans of one process: clocks of different hosts differ).
   */
  toHaveSpanBefore(
    this: MatcherContext,
    received: TraceLike,
    select: SpanSelector,
    later: SpanSelector,
  ): MatcherResult {
    return judge(this, received, 'toHaveSpanBefore(selector, later)', {
      kind: 'relation',
      relation: 'before',
      select,
      target: later,
    });
  },

  /** Every matching span lasts within the bounds, ms; fails when no span matches. */
  toHaveSpanDuration(
    this: MatcherContext,
    received: TraceLike,
    select: SpanSelector,
    bounds: { minMs?: number; maxMs?: number },
  ): MatcherResult {
    return judge(this, received, 'toHaveSpanDuration(selector, bounds)', {
      kind: 'duration',
      select,
      ...bounds,
    });
  },

  /**
   * Every span matching `select` matches one of `allowed`: nothing beyond the known structure
   * happens (an extra call, a new write). Holds when nothing matches `select`.
   */
  toHaveOnlySpans(
    this: MatcherContext,
    received: TraceLike,
    select: SpanSelector,
    allowed: SpanSelector[],
  ): MatcherResult {
    return judge(this, received, 'toHaveOnlySpans(selector, allowed)', {
      kind: 'only',
      select,
      allowed,
    });
  },
};

/** Declaration helper: `interface Matchers<R> extends TraceMatchers<R> {}` inside Jest's namespace. */
export interface TraceMatchers<R> {
  toSatisfySpec(spec: TestSpec): R;
  toHaveSpan(select: SpanSelector): R;
  toHaveSpanCount(select: SpanSelector, count: number | { min?: number; max?: number }): R;
  toHaveSpanAttributes(
    select: SpanSelector,
    attributes: Record<string, AttributeMatcher>,
    options?: SpanAttributesOptions,
  ): R;
  toHaveSpanChildOf(select: SpanSelector, parent: SpanSelector): R;
  toHaveSpanUnder(select: SpanSelector, ancestor: SpanSelector): R;
  toHaveSpanBefore(select: SpanSelector, later: SpanSelector): R;
  toHaveSpanDuration(select: SpanSelector, bounds: { minMs?: number; maxMs?: number }): R;
  toHaveOnlySpans(select: SpanSelector, allowed: SpanSelector[]): R;
}

/**
 * Registers the matchers on Jest's `expect` (or another runner's with the same `extend`, such as
 * Vitest's), the global one unless given. What `@trace2test/runner/jest` calls on import.
 */
export function registerTraceMatchers(
  target: { extend(matchers: object): void } | undefined = (
    globalThis as { expect?: { extend(matchers: object): void } }
  ).expect,
): void {
  if (target === undefined || typeof target.extend !== 'function') {
    throw new Error(
      "trace2test matchers: no global `expect` to extend. Import '@trace2test/runner/jest' from a test file or a module in Jest's setupFilesAfterEach, where `expect` is defined, or call registerTraceMatchers(expect) yourself.",
    );
  }
  target.extend(traceMatchers);
}
