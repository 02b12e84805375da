import type { TestSpec } from '@t2t/testgen';
import { evaluateRun, type RunEvaluation } from '../run/run.evaluation';
import type { SpecRun } from '../run/spec-run.model';
import type { SpecRunner } from '../run/spec.runner';
import { TraceWaitError, type TraceWaitFailure } from '../wait/trace.waiter';

/** One trigger of one spec (its own, or a variant), as it went. */
export interface ExecutionOutcome {
  spec: TestSpec;
  variant?: string;
  /** `error`: the run could not be evaluated (no answer, trace never arrived or never completed). */
  status: 'passed' | 'failed' | 'error';
  run?: SpecRun;
  evaluation?: RunEvaluation;
  /**
   * The performance profile (timings) on the same run, when the suite asked for it and the spec
   * has such assertions. Reported apart: it never changes `status`.
   */
  performance?: RunEvaluation;
  error?: { name: string; message: string; reason?: TraceWaitFailure };
  /** The trigger's trace ('' when nothing was sent). */
  traceId: string;
  startedAt: string;
  durationMs: number;
}

export interface SuiteResult {
  outcomes: ExecutionOutcome[];
  startedAt: string;
  durationMs: number;
  passed: number;
  failed: number;
  errors: number;
  /** Runs checked against the performance profile, and those over a bound. */
  performance: { checked: number; over: number };
}

export interface SuiteOptions {
  baseUrl: string | undefined;
  serviceUrls?: Record<string, string>;
  /** Per run (one trigger with its journey steps), ms; default: the runner's. */
  timeoutMs?: number;
  /** Runs in flight at once. Runs mostly wait for traces, so a few in parallel save time. */
  concurrency: number;
  /** Also run each spec's variants (default true). */
  variants?: boolean;
  /** Called as each run finishes (console progress). */
  onOutcome?: (outcome: ExecutionOutcome) => void;
  /**
   * Also check the performance profile (the assertions on timings), reported apart from the
   * functional result. Default false: timings depend on the machine and its load.
   */
  performance?: boolean;
}

/**
 * Runs specs (each trigger, then each variant) with bounded concurrency and evaluates them. Never
 * throws for a spec: whatever goes wrong in one run is that run's `error` outcome. Outcomes come
 * back in spec order whatever order they finished in.
 */
export async function runSuite(
  runner: SpecRunner,
  specs: readonly TestSpec[],
  options: SuiteOptions,
): Promise<SuiteResult> {
  const started = Date.now();
  const jobs = specs.flatMap((spec) => [
    { spec, variant: undefined as string | undefined },
    ...(options.variants === false ? [] : (spec.variants ?? [])).map((v) => ({
      spec,
      variant: v.name,
    })),
  ]);
  const outcomes = new Array<ExecutionOutcome>(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      outcomes[i] = await execute(runner, jobs[i].spec, jobs[i].variant, options);
      options.onOutcome?.(outcomes[i]);
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(options.concurrency, jobs.length)) }, worker),
  );
  return {
    outcomes,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    passed: outcomes.filter((o) => o.status === 'passed').length,
    failed: outcomes.filter((o) => o.status === 'failed').length,
    errors: outcomes.filter((o) => o.status === 'error').length,
    performance: {
      checked: outcomes.filter((o) => o.performance !== undefined).length,
      over: outcomes.filter((o) => o.performance !== undefined && !o.performance.passed).length,
    },
  };
}

async function execute(
  runner: SpecRunner,
  spec: TestSpec,
  variant: string | undefined,
  options: SuiteOptions,
): Promise<ExecutionOutcome> {
  const started = Date.now();
  const base = {
    spec,
    ...(variant === undefined ? {} : { variant }),
    startedAt: new Date(started).toISOString(),
  };
  try {
    const run = await runner.run(spec, {
      baseUrl: options.baseUrl,
      ...(variant === undefined ? {} : { variant }),
      ...(options.serviceUrls === undefined ? {} : { serviceUrls: options.serviceUrls }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
    const evaluation = evaluateRun(spec, run);
    const performance = options.performance
      ? evaluateRun(spec, run, { profile: 'performance' })
      : undefined;
    return {
      ...base,
      status: evaluation.passed ? 'passed' : 'failed',
      run,
      evaluation,
      ...(performance === undefined || performance.results.length === 0 ? {} : { performance }),
      traceId: run.traceId,
      durationMs: Date.now() - started,
    };
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    return {
      ...base,
      status: 'error',
      error: {
        name: error.name,
        message: error.message,
        ...(error instanceof TraceWaitError ? { reason: error.reason } : {}),
      },
      traceId: error instanceof TraceWaitError ? error.traceId : '',
      durationMs: Date.now() - started,
    };
  }
}
