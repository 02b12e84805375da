import { entryEndpoint } from '@t2t/fingerprint';
import type { ModelTrace } from '../model.types';
import type { AnalysedSpan, AnalysedTrace } from './analysed-trace.model';
import { extractEdges } from './edge.extractor';
import { KIND_CONSUMER, KIND_SERVER } from './span-kind.constants';

/**
 * Links a trace's spans into a tree, gives every span the handler (endpoint span) it runs in, and
 * extracts the edges it shows. `endpoint` is the trace's entry endpoint as clustering keyed it.
 *
 * Traces read back from storage can be imperfect: duplicate span ids keep their first copy, spans
 * whose parent is missing become top-level, and parent cycles are cut where the walk meets them,
 * so every trace yields an answer.
 */
export function analyseTrace(trace: ModelTrace, endpoint: string): AnalysedTrace {
  const byId = new Map<string, AnalysedSpan>();
  for (const span of trace.spans) {
    if (byId.has(span.spanId)) continue;
    const facts = {
      name: span.name,
      kind: span.kind,
      serviceName: span.service,
      parentSpanId: span.parentSpanId,
      attributes: span.attributes,
    };
    byId.set(span.spanId, {
      span,
      facts,
      endpoint: entryEndpoint(facts),
      endNs: span.startNs + BigInt(durationOf(span.durationNs)),
      parent: undefined,
      children: [],
      owner: undefined,
      local: [],
    });
  }
  const spans = [...byId.values()].sort(compareSpans);
  for (const s of spans) {
    const parent = s.span.parentSpanId === '' ? undefined : byId.get(s.span.parentSpanId);
    if (parent !== undefined && parent !== s) {
      s.parent = parent;
      parent.children.push(s);
    }
  }
  cutCycles(spans);
  for (const s of spans) {
    const owner = (s.owner = findOwner(s));
    if (owner !== undefined && owner !== s && owner.span.service === s.span.service) {
      owner.local.push(s);
    }
  }
  const entry = chooseEntry(spans, endpoint);
  return {
    traceId: trace.traceId,
    endpoint,
    entry,
    spans,
    edges: extractEdges(spans),
  };
}

/** Whole non-negative nanoseconds; garbage (NaN, negative) counts as an instant span. */
function durationOf(ns: number): number {
  return Number.isFinite(ns) && ns > 0 ? Math.round(ns) : 0;
}

function compareSpans(a: AnalysedSpan, b: AnalysedSpan): number {
  if (a.span.startNs !== b.span.startNs) return a.span.startNs < b.span.startNs ? -1 : 1;
  return a.span.spanId < b.span.spanId ? -1 : a.span.spanId > b.span.spanId ? 1 : 0;
}

/**
 * Parent links that loop are cut at the span the walk enters the loop through, so walks up the
 * tree (owners, ancestors) always end. Each span is visited a bounded number of times overall.
 */
function cutCycles(spans: readonly AnalysedSpan[]): void {
  const state = new Map<AnalysedSpan, 1 | 2>(); // 1: on the current path, 2: known to reach a root
  for (const start of spans) {
    const path: AnalysedSpan[] = [];
    let s: AnalysedSpan | undefined = start;
    while (s !== undefined && state.get(s) === undefined) {
      state.set(s, 1);
      path.push(s);
      const parent: AnalysedSpan | undefined = s.parent;
      if (parent !== undefined && state.get(parent) === 1) {
        parent.children.splice(parent.children.indexOf(s), 1);
        s.parent = undefined;
        break;
      }
      s = parent;
    }
    for (const p of path) state.set(p, 2);
  }
}

function findOwner(s: AnalysedSpan): AnalysedSpan | undefined {
  for (let p: AnalysedSpan | undefined = s; p !== undefined; p = p.parent) {
    if (p.endpoint !== undefined) return p;
  }
  return undefined;
}

/**
 * The span the trace enters through: among top-level spans, the one clustering keyed the trace
 * by, else a server/consumer span, else the earliest (spans are in start order).
 */
function chooseEntry(spans: readonly AnalysedSpan[], endpoint: string): AnalysedSpan | undefined {
  const roots = spans.filter((s) => s.parent === undefined);
  return (
    roots.find((s) => s.endpoint === endpoint) ??
    roots.find((s) => s.span.kind === KIND_SERVER || s.span.kind === KIND_CONSUMER) ??
    roots[0]
  );
}
