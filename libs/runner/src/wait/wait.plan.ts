/** The waiter's knobs; `runnerEnv` documents each (defaults there and here agree). */
export interface WaitOptions {
  /** Longest wait for one trace, ms (a spec run's overall timeout caps it further). */
  timeoutMs: number;
  /** Fail as "never arrived" when no span is stored this long after the request, ms. */
  noSpansTimeoutMs: number;
  /** Floor of the settle period, ms: no new span for this long means complete. */
  settleMs: number;
  /** Cap of the learned parts of a plan, ms. */
  maxSettleMs: number;
  /** Poll interval, ms. */
  pollMs: number;
}

export const DEFAULT_WAIT_OPTIONS: Readonly<WaitOptions> = Object.freeze({
  timeoutMs: 45_000,
  noSpansTimeoutMs: 20_000,
  settleMs: 6_000,
  maxSettleMs: 15_000,
  pollMs: 250,
});

/**
 * A trace is not complete before `p95 × DURATION_HEADROOM` has passed since its request: work
 * that outlives the response (a queue consumer, a write-behind) ends within the endpoint's usual
 * duration, and ×2 leaves room for a slower run than the 95th percentile.
 */
export const DURATION_HEADROOM = 2;

/**
 * Spans end, and are exported, spread over the trace's duration; half the p95 as the settle
 * period covers the gap between two parts of a long trace that end apart.
 */
export const SETTLE_SHARE_OF_P95 = 0.5;

/** How long to wait for one trace, and why. */
export interface WaitPlan {
  endpoint: string;
  /** The learned 95th percentile of the endpoint's trace durations, ms (undefined: none stored). */
  p95Ms: number | undefined;
  /** Not complete before this long after the request was sent, ms. */
  notBeforeMs: number;
  /** Complete once no span arrived for this long, ms. */
  settleMs: number;
  /** "Never arrived" after this long without a span, ms. */
  noSpansTimeoutMs: number;
  /** Give up after this long, ms. */
  timeoutMs: number;
  pollMs: number;
  /** One line for reports: where the numbers came from. */
  basis: string;
}

/**
 * The wait for a trace of `endpoint`, from its learned p95 duration (or none) and the options,
 * within `remainingMs` of the spec run's overall timeout. Pure.
 */
export function planWait(
  endpoint: string,
  p95Ms: number | undefined,
  options: WaitOptions,
  remainingMs = Infinity,
): WaitPlan {
  const timeoutMs = Math.max(0, Math.min(options.timeoutMs, remainingMs));
  const learned = p95Ms !== undefined && Number.isFinite(p95Ms) && p95Ms > 0;
  const notBeforeMs = learned ? Math.min(options.maxSettleMs, p95Ms * DURATION_HEADROOM) : 0;
  const settleMs = learned
    ? Math.max(options.settleMs, Math.min(options.maxSettleMs, p95Ms * SETTLE_SHARE_OF_P95))
    : options.settleMs;
  const round = (ms: number) => Math.round(ms);
  return {
    endpoint,
    p95Ms: learned ? p95Ms : undefined,
    notBeforeMs: round(notBeforeMs),
    settleMs: round(settleMs),
    noSpansTimeoutMs: round(Math.min(options.noSpansTimeoutMs, timeoutMs)),
    timeoutMs: round(timeoutMs),
    pollMs: options.pollMs,
    basis: learned
      ? `learned: p95 ${formatMs(p95Ms)} of stored ${endpoint} traces → complete no earlier than ${formatMs(notBeforeMs)}, settle ${formatMs(settleMs)}`
      : `no stored traces of ${endpoint}: settle ${formatMs(settleMs)} (floor)`,
  };
}

export function formatMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(0)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms)} ms`;
}
