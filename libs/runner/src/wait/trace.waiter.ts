import type { ModelSpan, ModelTrace } from '@t2t/model';
import type { TraceSource } from './trace-source.port';
import { formatMs, type WaitPlan } from './wait.plan';

/** Time, injectable so the waiter's rules can be tested without waiting. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Why a wait gave up:
 * - `no-spans`: nothing of the trace was ever stored (not instrumented, not exporting to
 *   trace2test, or the target started a new trace instead of continuing `traceparent`);
 * - `still-growing`: spans kept arriving until the timeout (a trace that never completes);
 * - `timeout`: the trace was quiet but the plan's learned duration did not fit in what was left.
 */
export type TraceWaitFailure = 'no-spans' | 'still-growing' | 'timeout';

export class TraceWaitError extends Error {
  override readonly name = 'TraceWaitError';

  constructor(
    readonly reason: TraceWaitFailure,
    readonly traceId: string,
    /** Spans stored when the wait gave up. */
    readonly spans: number,
    readonly waitedMs: number,
    readonly plan: WaitPlan,
    message: string,
  ) {
    super(message);
  }
}

/** How a successful wait went, for reports (and for tuning the options). */
export interface WaitReport {
  traceId: string;
  /** Distinct spans in the trace read back. */
  spans: number;
  /** From the request to the trace read back, ms. */
  waitedMs: number;
  /** From the request to the last new span seen, ms. */
  lastSpanAfterMs: number;
  polls: number;
  plan: WaitPlan;
  /** Parent span ids referenced by spans but never stored (after a bounded extra wait). */
  missingParents: string[];
}

export interface WaitOptionsForTrace {
  /**
   * The span id the runner put in `traceparent`: it stands for the runner's own request and is
   * never exported, so spans pointing at it are the trace's roots (their parent becomes '').
   */
  rootParentSpanId?: string;
  /** When the request went out (the plan's durations count from here); default: now. */
  startedAt?: number;
}

/**
 * Polls the stored span count of a trace until the trace is complete: some span stored, the
 * plan's learned duration passed since the request, no new span for the settle period, and every
 * referenced parent present (or given up on after a short extra wait: a service that forwards
 * context but exports nothing leaves such holes for good). Never hangs: every outcome is bounded
 * by the plan's timeouts, and failures name the reason.
 */
export class TraceWaiter {
  constructor(
    private readonly source: TraceSource,
    private readonly clock: Clock = systemClock,
  ) {}

  async waitFor(
    traceId: string,
    plan: WaitPlan,
    options: WaitOptionsForTrace = {},
  ): Promise<{ trace: ModelTrace; report: WaitReport }> {
    const start = options.startedAt ?? this.clock.now();
    const root = options.rootParentSpanId;
    // Parents may lag their children by an export interval; beyond a couple of settle periods a
    // hole is taken as permanent.
    const orphanGraceMs = Math.max(1000, plan.settleMs * 2);
    let count = 0;
    let lastChange = start;
    let polls = 0;
    let orphansSince: number | undefined;
    for (;;) {
      const n = await this.source.countSpans(traceId);
      polls++;
      const t = this.clock.now();
      const elapsed = t - start;
      if (n !== count) {
        count = n;
        lastChange = t;
        orphansSince = undefined;
      }
      if (count === 0) {
        if (elapsed >= plan.noSpansTimeoutMs) throw this.noSpans(traceId, elapsed, plan);
      } else if (elapsed >= plan.notBeforeMs && t - lastChange >= plan.settleMs) {
        const raw = await this.source.readTrace(traceId);
        const trace = root === undefined ? raw : adoptRoots(raw, root);
        const missingParents = missingParentsOf(trace);
        orphansSince ??= t;
        // At the timeout a quiet trace with holes is still evaluated: the holes are reported.
        if (
          missingParents.length === 0 ||
          t - orphansSince >= orphanGraceMs ||
          elapsed >= plan.timeoutMs
        ) {
          return {
            trace,
            report: {
              traceId,
              spans: new Set(trace.spans.map((s) => s.spanId)).size,
              waitedMs: this.clock.now() - start,
              lastSpanAfterMs: lastChange - start,
              polls,
              plan,
              missingParents,
            },
          };
        }
      }
      if (elapsed >= plan.timeoutMs) {
        if (count === 0) throw this.noSpans(traceId, elapsed, plan);
        const quietMs = t - lastChange;
        if (quietMs < plan.settleMs) {
          throw new TraceWaitError(
            'still-growing',
            traceId,
            count,
            elapsed,
            plan,
            `trace ${traceId} (${plan.endpoint}) never completed: it was still growing after ${formatMs(elapsed)} ` +
              `(${count} spans stored, the last ${formatMs(quietMs)} before the timeout; complete means ${formatMs(plan.settleMs)} without a new span). ` +
              'A trace that keeps growing (a loop, or background work that keeps using the request’s trace context) cannot be evaluated; ' +
              'raise the timeout only if the endpoint is merely slow.',
          );
        }
        throw new TraceWaitError(
          'timeout',
          traceId,
          count,
          elapsed,
          plan,
          `trace ${traceId} (${plan.endpoint}) not complete within ${formatMs(plan.timeoutMs)}: ${count} spans stored and quiet for ${formatMs(quietMs)}, ` +
            `but ${plan.basis}; the timeout left no room for that (raise the run's timeout).`,
        );
      }
      const left = plan.timeoutMs - elapsed;
      await this.clock.sleep(Math.max(1, Math.min(plan.pollMs, left)));
    }
  }

  private noSpans(traceId: string, elapsed: number, plan: WaitPlan): TraceWaitError {
    return new TraceWaitError(
      'no-spans',
      traceId,
      0,
      elapsed,
      plan,
      `trace ${traceId} (${plan.endpoint}) never arrived: no span of it was stored within ${formatMs(elapsed)} of the request. ` +
        'Is the target instrumented, exporting to trace2test, and continuing the W3C traceparent it was sent (not starting a new trace)?',
    );
  }
}

/** The trace with spans whose parent is the runner's own (unexported) span turned into roots. */
export function adoptRoots(trace: ModelTrace, rootParentSpanId: string): ModelTrace {
  if (!trace.spans.some((s) => s.parentSpanId === rootParentSpanId)) return trace;
  return {
    traceId: trace.traceId,
    spans: trace.spans.map((s): ModelSpan =>
      s.parentSpanId === rootParentSpanId ? { ...s, parentSpanId: '' } : s,
    ),
  };
}

/** Parent ids that spans of the trace reference but the trace does not hold, sorted. */
export function missingParentsOf(trace: ModelTrace): string[] {
  const ids = new Set(trace.spans.map((s) => s.spanId));
  const missing = new Set<string>();
  for (const s of trace.spans) {
    if (s.parentSpanId !== '' && !ids.has(s.parentSpanId)) missing.add(s.parentSpanId);
  }
  return [...missing].sort();
}
