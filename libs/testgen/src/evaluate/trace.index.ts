import {
  entryEndpoint,
  kindName,
  normalizeOperation,
  semanticKey,
  spanLabel,
  type SpanFacts,
} from '@t2t/fingerprint';
import type { ModelSpan, ModelTrace } from '@t2t/model';

/**
 * A trace prepared for evaluating assertions: parent links, the entry span, and per span the
 * derived names selectors compare (label, semantic key, normalised operation, endpoint key),
 * computed on first use because most selectors need only service and kind.
 */
export interface IndexedSpan {
  readonly span: ModelSpan;
  /** Position in start order (then span id): stable across evaluations. */
  readonly order: number;
  readonly kind: string;
  readonly endNs: bigint;
  parent: IndexedSpan | undefined;
  readonly facts: SpanFacts;
  label?: string;
  semantic?: string;
  operation?: string;
  endpoint?: string | null;
}

export interface TraceIndex {
  readonly trace: ModelTrace;
  /** In start order, then span id. */
  readonly spans: readonly IndexedSpan[];
  readonly byId: ReadonlyMap<string, IndexedSpan>;
  /** The span the trace enters through; undefined for an empty trace. */
  readonly entry: IndexedSpan | undefined;
  /** `service\0kind` → spans in start order, built on first use (see spansOf). */
  byServiceKind?: Map<string, IndexedSpan[]>;
}

/** The spans of one service and kind, in start order: what most selectors narrow to first. */
export function spansOf(index: TraceIndex, service: string, kind: string): readonly IndexedSpan[] {
  if (index.byServiceKind === undefined) {
    const groups = new Map<string, IndexedSpan[]>();
    for (const s of index.spans) {
      const key = `${s.span.service}\u0000${s.kind}`;
      const list = groups.get(key);
      if (list === undefined) groups.set(key, [s]);
      else list.push(s);
    }
    index.byServiceKind = groups;
  }
  return index.byServiceKind.get(`${service}\u0000${kind}`) ?? [];
}

const cache = new WeakMap<ModelTrace, TraceIndex>();

/**
 * Indexes a trace (memoised per trace object: verification evaluates one trace many times, and a
 * mutated trace is always a new object). Duplicate span ids keep their first copy; a parent
 * missing from the trace leaves the span top-level; parent cycles are cut where a walk meets them.
 */
export function indexTrace(trace: ModelTrace): TraceIndex {
  let index = cache.get(trace);
  if (index === undefined) {
    index = buildIndex(trace);
    cache.set(trace, index);
  }
  return index;
}

function buildIndex(trace: ModelTrace): TraceIndex {
  const unique = new Map<string, ModelSpan>();
  for (const s of trace.spans) if (!unique.has(s.spanId)) unique.set(s.spanId, s);
  const ordered = [...unique.values()].sort((a, b) =>
    a.startNs !== b.startNs ? (a.startNs < b.startNs ? -1 : 1) : a.spanId < b.spanId ? -1 : 1,
  );
  const spans: IndexedSpan[] = ordered.map((span, order) => ({
    span,
    order,
    kind: kindName(span.kind),
    endNs: span.startNs + BigInt(Math.max(0, Math.round(span.durationNs))),
    parent: undefined,
    facts: {
      name: span.name,
      kind: span.kind,
      serviceName: span.service,
      parentSpanId: span.parentSpanId,
      attributes: span.attributes,
    },
  }));
  const byId = new Map(spans.map((s) => [s.span.spanId, s]));
  for (const s of spans) {
    const parent = s.span.parentSpanId === '' ? undefined : byId.get(s.span.parentSpanId);
    if (parent !== s) s.parent = parent;
  }
  cutCycles(spans);
  return { trace, spans, byId, entry: chooseEntry(spans) };
}

function cutCycles(spans: readonly IndexedSpan[]): void {
  const done = new Set<IndexedSpan>();
  for (const start of spans) {
    const path = new Set<IndexedSpan>();
    for (let s: IndexedSpan | undefined = start; s !== undefined && !done.has(s); s = s.parent) {
      if (s.parent !== undefined && path.has(s.parent)) {
        s.parent = undefined;
        break;
      }
      path.add(s);
    }
    for (const s of path) done.add(s);
  }
}

/** Among top-level spans: server/consumer kind first, then the earliest (spans are in start order). */
function chooseEntry(spans: readonly IndexedSpan[]): IndexedSpan | undefined {
  const roots = spans.filter((s) => s.parent === undefined);
  return roots.find((s) => s.kind === 'server' || s.kind === 'consumer') ?? roots[0];
}

export function labelOf(s: IndexedSpan): string {
  return (s.label ??= spanLabel(s.facts));
}

export function semanticOf(s: IndexedSpan): string {
  return (s.semantic ??= semanticKey(s.span.attributes, s.span.kind, s.span.name));
}

export function operationOf(s: IndexedSpan): string {
  return (s.operation ??= normalizeOperation(s.span.name));
}

/** Endpoint key of a server/consumer (or parentless) span; undefined for other spans. */
export function endpointOf(s: IndexedSpan): string | undefined {
  if (s.endpoint === undefined) {
    const candidate =
      s.span.parentSpanId === '' || s.kind === 'server' || s.kind === 'consumer'
        ? entryEndpoint(s.facts)
        : undefined;
    s.endpoint = candidate ?? null;
  }
  return s.endpoint ?? undefined;
}

/** `potato-handler server POST /potatoes (span 1a2b3c4d)`: how failures name a span. */
export function describeSpan(s: IndexedSpan): string {
  return `${s.span.service} ${s.kind} "${s.span.name}" (span ${s.span.spanId})`;
}
