import type { ModelTrace } from '@t2t/model';
import {
  type AssertionResult,
  type Condition,
  conditionHolds as conditionHoldsOn,
  type EvaluateOptions,
  evaluateAssertions,
  evaluateSpec,
  formatAssertionResults,
  type TestSpec,
} from '@t2t/testgen';
import type { SpecRun, TriggerRun } from './spec-run.model';

/** A spec's verdict on one run (or one stored trace), with the report Jest and the CLI print. */
export interface RunEvaluation {
  passed: boolean;
  /** The spec's own assertions on the trigger's trace. */
  results: AssertionResult[];
  /** Each journey step's assertions on its own trace. */
  steps: { name: string; traceId: string; results: AssertionResult[] }[];
  /** Failed assertion results, steps included. */
  failures: number;
  /** formatAssertionResults per trace: what was expected, what was found, the spans involved. */
  report: string;
}

export function isSpecRun(x: SpecRun | TriggerRun | ModelTrace): x is SpecRun {
  return 'steps' in x && 'request' in x;
}

/** The trace of a run, a trigger's run, or the trace itself. */
export function traceOf(x: SpecRun | TriggerRun | ModelTrace): ModelTrace {
  return 'trace' in x ? x.trace : x;
}

/**
 * Whether a conditional check applies: the condition read from the request the trigger sent
 * (`run.request`) first, then from its trace; for a bare trace, from the trace alone. The same
 * decision the evaluator takes for a spec's conditional assertion, for emitted files that spell
 * one out as `if (conditionHolds(run, …)) { … } else { … }`.
 */
export function conditionHolds(
  run: SpecRun | TriggerRun | ModelTrace,
  condition: Condition,
): boolean {
  const request = 'trace' in run ? run.request : undefined;
  return conditionHoldsOn(condition, traceOf(run), request);
}

/**
 * Evaluates a spec on a run with testgen's evaluator, exactly as the README's contract says: the
 * spec's assertions on the trigger's trace with the request sent (conditions read it), each
 * journey step's assertions on its trace without a request (as verification evaluated them). A
 * bare trace (stored, or waited for by hand) is evaluated without a request: conditions then read
 * the trace's spans. `options.profile`: the functional assertions (default), or those of the
 * performance profile (timings), which a run checks only when asked.
 */
export function evaluateRun(
  spec: TestSpec,
  run: SpecRun | TriggerRun | ModelTrace,
  options: EvaluateOptions = {},
): RunEvaluation {
  const live = isSpecRun(run);
  const trace = traceOf(run);
  const results = evaluateSpec(spec, trace, 'trace' in run ? run.request : undefined, options);
  const steps = live
    ? run.steps.map((step, i) => ({
        name: step.name,
        traceId: step.traceId,
        results: evaluateAssertions(
          spec.before?.[i]?.assertions ?? [],
          step.trace,
          undefined,
          `$.before[${i}].assertions`,
          options,
        ),
      }))
    : [];
  const all = [...results, ...steps.flatMap((s) => s.results)];
  const failures = all.filter((r) => !r.passed).length;
  const variant = live && run.variant !== undefined ? ` — variant ${run.variant}` : '';
  const sections = [
    ...steps
      .filter((s) => s.results.some((r) => !r.passed))
      .map((s, i) =>
        formatAssertionResults(s.results, `journey step ${i + 1} "${s.name}" (trace ${s.traceId})`),
      ),
    formatAssertionResults(results, `${spec.name}${variant} (trace ${trace.traceId})`),
  ];
  return { passed: failures === 0, results, steps, failures, report: sections.join('\n\n') };
}
