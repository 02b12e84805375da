import type { InstrumentationScope, Resource, Span } from '@t2t/domain';
import type { GeneratedTrace } from './generated-trace.model';

export interface PackOptions {
  /** Spans per request, like a Collector batch processor's send_batch_size. Default 512. */
  readonly spansPerRequest?: number;
  /**
   * true (default): spans leave in the order they end, across all traces, the way SDK span
   * processors and a Collector batch them: a request holds spans of many traces and a trace is
   * split across requests. false: whole traces in generation order, as many as fit; a trace is
   * never split (one larger than spansPerRequest gets a request of its own).
   */
  readonly mixTraces?: boolean;
}

/**
 * Packs generated spans into OTLP export requests (as domain span lists; encode each with
 * libs/otlp). Within a request spans are grouped by resource, then scope, in order of first
 * appearance, which is the order encoding produces, so decode(encode(request)) equals the request.
 */
export function toOtlpRequests(
  traces: readonly GeneratedTrace[],
  options: PackOptions = {},
): Span[][] {
  const size = options.spansPerRequest ?? 512;
  if (!(size >= 1)) throw new RangeError(`spansPerRequest must be at least 1, got ${size}`);
  if (options.mixTraces === false) return wholeTraces(traces, size);
  const spans: Span[] = [];
  for (const trace of traces) for (const span of trace.spans) spans.push(span);
  const ordered = byEndTime(spans);
  const requests: Span[][] = [];
  for (let i = 0; i < ordered.length; i += size) {
    requests.push(groupByResource(ordered.slice(i, i + size)));
  }
  return requests;
}

function wholeTraces(traces: readonly GeneratedTrace[], size: number): Span[][] {
  const requests: Span[][] = [];
  let current: Span[] = [];
  for (const trace of traces) {
    if (current.length > 0 && current.length + trace.spans.length > size) {
      requests.push(groupByResource(current));
      current = [];
    }
    current.push(...trace.spans);
  }
  if (current.length > 0) requests.push(groupByResource(current));
  return requests;
}

/** Stable order by end time; keys as numbers relative to the earliest end so the sort compares doubles, not bigints. */
function byEndTime(spans: readonly Span[]): Span[] {
  if (spans.length === 0) return [];
  let min = spans[0].endTimeUnixNano;
  for (const s of spans) if (s.endTimeUnixNano < min) min = s.endTimeUnixNano;
  const keys = new Float64Array(spans.length);
  const index = new Uint32Array(spans.length);
  for (let i = 0; i < spans.length; i++) {
    keys[i] = Number(spans[i].endTimeUnixNano - min);
    index[i] = i;
  }
  index.sort((a, b) => keys[a] - keys[b] || a - b);
  return Array.from(index, (i) => spans[i]);
}

function groupByResource(spans: readonly Span[]): Span[] {
  const groups = new Map<Resource, Map<InstrumentationScope, Span[]>>();
  for (const span of spans) {
    let scopes = groups.get(span.resource);
    if (scopes === undefined)
      groups.set(span.resource, (scopes = new Map<InstrumentationScope, Span[]>()));
    let list = scopes.get(span.scope);
    if (list === undefined) scopes.set(span.scope, (list = []));
    list.push(span);
  }
  const out: Span[] = [];
  for (const scopes of groups.values()) for (const list of scopes.values()) out.push(...list);
  return out;
}
