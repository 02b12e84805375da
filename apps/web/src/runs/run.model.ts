/** One test run (`t2t test run`, `test verify`, `verifyTests`), as `testRuns` lists it. */
export interface RunSummary {
  runId: string;
  mode: string;
  target: string;
  startedAt: string;
  passed: number;
  failed: number;
}

/** A failed assertion as the runner reports it (libs/testgen AssertionResult). */
export interface FailedAssertion {
  id: string;
  description: string;
  expected: string;
  found: string;
  spans: { spanId: string; service: string; name: string }[];
}

export interface FailedTrace {
  traceId: string;
  failed: FailedAssertion[];
}

/** A report's value as text (reports are JSON another writer may shape differently). */
const text = (v: unknown): string =>
  typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v);

function asFailed(list: unknown): FailedAssertion[] {
  if (!Array.isArray(list)) return [];
  return list
    .filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null)
    .map((x) => ({
      id: text(x.id),
      description: text(x.description),
      expected: text(x.expected),
      found: text(x.found),
      spans: Array.isArray(x.spans)
        ? (x.spans as Record<string, unknown>[]).map((s) => ({
            spanId: text(s.spanId),
            service: text(s.service),
            name: text(s.name),
          }))
        : [],
    }));
}

/**
 * The failed assertions of an execution's report, per trace. A live run's report has them at
 * the top (and per journey step, each with its own trace); a stored run's per failing trace.
 */
export function failedTraces(report: unknown, traceId: string | null): FailedTrace[] {
  if (typeof report !== 'object' || report === null) return [];
  const r = report as Record<string, unknown>;
  const out: FailedTrace[] = [];
  const top = asFailed(r.failed);
  if (top.length > 0 && traceId) out.push({ traceId, failed: top });
  if (Array.isArray(r.steps)) {
    for (const s of r.steps as Record<string, unknown>[]) {
      const failed = asFailed(s.failed);
      if (failed.length > 0 && typeof s.traceId === 'string' && s.traceId !== '')
        out.push({ traceId: s.traceId, failed });
    }
  }
  if (Array.isArray(r.failedTraces)) {
    for (const t of r.failedTraces as Record<string, unknown>[]) {
      const failed = asFailed(t.failed);
      if (failed.length > 0 && typeof t.traceId === 'string')
        out.push({ traceId: t.traceId, failed });
    }
  }
  return out;
}

/** Spans a trace's failed assertions name, to highlight in its waterfall. */
export function involvedSpans(trace: FailedTrace): Set<string> {
  return new Set(trace.failed.flatMap((f) => f.spans.map((s) => s.spanId)));
}
