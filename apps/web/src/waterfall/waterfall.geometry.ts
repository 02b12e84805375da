/** A span as the waterfall needs it (the API's Span fields). */
export interface WaterfallSpan {
  spanId: string;
  parentSpanId: string | null;
  name: string;
  service: string;
  kind: string;
  /** Unix nanoseconds, decimal text (exceeds 2^53). */
  startTimeUnixNano: string;
  durationNs: string;
  statusCode: string;
  statusMessage?: string;
  attributes?: { key: string; value: string }[];
}

export interface WaterfallRow {
  span: WaterfallSpan;
  depth: number;
  /** Start and length as fractions of the trace (0..1). */
  offset: number;
  width: number;
  startMs: number;
  durationMs: number;
  /** Index of the span's service in `services`, for its colour. */
  colour: number;
}

export interface Waterfall {
  rows: WaterfallRow[];
  totalMs: number;
  /** Services in the order they first appear, top to bottom. */
  services: string[];
}

/**
 * The rows of a trace waterfall: spans depth first from the roots (a span whose parent is not in
 * the trace is a root), siblings in start order, each placed on the trace's time axis. Times are
 * exact (bigint nanoseconds) until divided.
 */
export function layoutWaterfall(spans: readonly WaterfallSpan[]): Waterfall {
  if (spans.length === 0) return { rows: [], totalMs: 0, services: [] };
  const start = (s: WaterfallSpan) => BigInt(s.startTimeUnixNano);
  const end = (s: WaterfallSpan) => start(s) + BigInt(s.durationNs);
  let min = start(spans[0]);
  let max = end(spans[0]);
  for (const s of spans) {
    if (start(s) < min) min = start(s);
    if (end(s) > max) max = end(s);
  }
  const total = max - min > 0n ? max - min : 1n;
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string, WaterfallSpan[]>();
  const roots: WaterfallSpan[] = [];
  for (const s of spans) {
    if (s.parentSpanId && ids.has(s.parentSpanId) && s.parentSpanId !== s.spanId) {
      children.set(s.parentSpanId, [...(children.get(s.parentSpanId) ?? []), s]);
    } else roots.push(s);
  }
  const byStart = (a: WaterfallSpan, b: WaterfallSpan) => {
    const d = start(a) - start(b);
    return d < 0n ? -1 : d > 0n ? 1 : a.spanId.localeCompare(b.spanId);
  };
  const services: string[] = [];
  const rows: WaterfallRow[] = [];
  const seen = new Set<string>();
  const visit = (s: WaterfallSpan, depth: number) => {
    if (seen.has(s.spanId)) return; // a cycle in bad data
    seen.add(s.spanId);
    if (!services.includes(s.service)) services.push(s.service);
    const from = start(s) - min;
    rows.push({
      span: s,
      depth,
      offset: Number((from * 1_000_000n) / total) / 1_000_000,
      width: Number((BigInt(s.durationNs) * 1_000_000n) / total) / 1_000_000,
      startMs: Number(from) / 1e6,
      durationMs: Number(BigInt(s.durationNs)) / 1e6,
      colour: services.indexOf(s.service),
    });
    for (const c of [...(children.get(s.spanId) ?? [])].sort(byStart)) visit(c, depth + 1);
  };
  for (const r of [...roots].sort(byStart)) visit(r, 0);
  // Spans only reachable through a cycle: still shown, as roots.
  for (const s of [...spans].sort(byStart)) visit(s, 0);
  return { rows, totalMs: Number(total) / 1e6, services };
}

/** Ticks for the time axis: about `n` round values from 0 to the trace's length. */
export function timeTicks(totalMs: number, n = 5): number[] {
  if (totalMs <= 0) return [0];
  const raw = totalMs / n;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = 0; t <= totalMs + 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}
