import type { BehaviourEvidence, ModelEdge, ModelTrace } from '../model.types';
import type { AnalysedTrace } from './analysed-trace.model';
import { analyseTrace } from './trace.analyzer';

/** One behaviour with its traces analysed. */
export interface AnalysedBehaviour {
  readonly evidence: BehaviourEvidence;
  /** The sampled traces; the representative alone when no sample could be read. */
  readonly samples: readonly AnalysedTrace[];
  /** Every analysed trace of the behaviour: samples and representative. */
  readonly traces: readonly AnalysedTrace[];
  /** edgeIds used by its traces. */
  readonly edgeIds: ReadonlySet<string>;
}

export interface AnalysedEvidence {
  /** Ordered by endpoint, then traffic (busiest first), then fingerprint. */
  readonly behaviours: readonly AnalysedBehaviour[];
  /** edgeId → edge with `seenIn` (sorted): the entry endpoints whose traces use it. */
  readonly edges: ReadonlyMap<string, ModelEdge>;
}

/**
 * Analyses every sampled and representative trace of every behaviour once, and gathers the edges
 * with the entry endpoints that use them.
 *
 * Evidence for clustering's placeholder groups (`(unknown)`: no entry span; `(overflow)`: beyond the
 * window bound) is left out: it belongs to no endpoint. Evidence that repeats an (endpoint,
 * fingerprint) pair, e.g. rows of several windows not merged by the caller, is merged: counts add up,
 * samples are pooled, and the percentiles become traffic-weighted means (an approximation; merge
 * the sketches upstream for exact ones).
 */
export function analyseEvidence(evidence: readonly BehaviourEvidence[]): AnalysedEvidence {
  const behaviours: AnalysedBehaviour[] = [];
  const edges = new Map<string, { edge: ModelEdge; seenIn: Set<string> }>();
  for (const e of mergeDuplicates(evidence)) {
    const analysed = new Map<string, AnalysedTrace>();
    const analyse = (t: ModelTrace) => {
      let a = analysed.get(t.traceId);
      if (a === undefined) analysed.set(t.traceId, (a = analyseTrace(t, e.endpoint)));
      return a;
    };
    const sampled = e.samples.map(analyse);
    if (e.representative !== undefined) analyse(e.representative);
    const traces = [...analysed.values()];
    const edgeIds = new Set<string>();
    for (const trace of traces) {
      for (const occurrence of trace.edges) {
        edgeIds.add(occurrence.id);
        let entry = edges.get(occurrence.id);
        if (entry === undefined) {
          entry = { edge: { ...occurrence.edge, seenIn: [] }, seenIn: new Set() };
          edges.set(occurrence.id, entry);
        }
        entry.seenIn.add(e.endpoint);
      }
    }
    behaviours.push({
      evidence: e,
      samples: sampled.length > 0 ? dedupe(sampled) : traces,
      traces,
      edgeIds,
    });
  }
  behaviours.sort(
    (a, b) =>
      compareText(a.evidence.endpoint, b.evidence.endpoint) ||
      b.evidence.traces - a.evidence.traces ||
      compareText(a.evidence.fingerprint, b.evidence.fingerprint),
  );
  const out = new Map<string, ModelEdge>();
  for (const id of [...edges.keys()].sort()) {
    const { edge, seenIn } = edges.get(id)!;
    out.set(id, { ...edge, seenIn: [...seenIn].sort() });
  }
  return { behaviours, edges: out };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function dedupe(traces: readonly AnalysedTrace[]): AnalysedTrace[] {
  return [...new Set(traces)];
}

function isPlaceholder(endpoint: string): boolean {
  return endpoint.startsWith('(') && endpoint.endsWith(')');
}

function mergeDuplicates(evidence: readonly BehaviourEvidence[]): BehaviourEvidence[] {
  const byKey = new Map<string, BehaviourEvidence>();
  for (const e of evidence) {
    if (isPlaceholder(e.endpoint)) continue;
    const key = `${e.endpoint}\u0000${e.fingerprint}`;
    const seen = byKey.get(key);
    if (seen === undefined) {
      byKey.set(key, e);
      continue;
    }
    const traces = seen.traces + e.traces;
    const mean = (x: number, y: number) =>
      traces > 0 ? (x * seen.traces + y * e.traces) / traces : Math.max(x, y);
    byKey.set(key, {
      endpoint: e.endpoint,
      fingerprint: e.fingerprint,
      traces,
      errors: seen.errors + e.errors,
      p50Us: mean(seen.p50Us, e.p50Us),
      p95Us: mean(seen.p95Us, e.p95Us),
      representative: seen.representative ?? e.representative,
      samples: [...seen.samples, ...e.samples],
    });
  }
  return [...byKey.values()];
}
