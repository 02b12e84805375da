import type { BehaviourEvidence, ModelTrace } from '@t2t/model';
import type { EvidenceText } from '../src/readers/evidence.reader';

const KINDS = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
const STATUSES = ['Unset', 'Ok', 'Error'];

/** A trace's spans as the JSONEachRow lines ClickHouse answers for them (ModelSpanRow). */
function lines(t: ModelTrace): string {
  return t.spans
    .map((s) =>
      JSON.stringify({
        Timestamp: String(s.startNs),
        TraceId: s.traceId,
        SpanId: s.spanId,
        ParentSpanId: s.parentSpanId,
        SpanName: s.name,
        SpanKind: KINDS[s.kind],
        ServiceName: s.service,
        SpanAttributes: s.attributes,
        Duration: String(s.durationNs),
        StatusCode: STATUSES[s.statusCode],
        'Links.TraceId': (s.links ?? []).map((l) => l.traceId),
        'Links.SpanId': (s.links ?? []).map((l) => l.spanId),
      }),
    )
    .join('\n');
}

/**
 * Evidence as readPlannedEvidence would have read it from storage: its traces as text (each once,
 * as the reader reads them: a representative is often a sample too), its totals, and durations
 * standing in for the sketches.
 */
export function evidenceTextOf(evidence: readonly BehaviourEvidence[]): EvidenceText {
  const key = (e: BehaviourEvidence) => `${e.endpoint}\u0000${e.fingerprint}`;
  const traces = new Map(
    evidence
      .flatMap((e) => [...e.samples, ...(e.representative ? [e.representative] : [])])
      .map((t) => [t.traceId, t]),
  );
  return {
    stats: evidence.map((e) => ({
      endpoint: e.endpoint,
      fingerprint: e.fingerprint,
      traces: e.traces,
      errors: e.errors,
      sketch: { gamma: 0, zeroCount: 0, indexes: [], counts: [] },
      lateDurationsUs: [e.p50Us, e.p95Us],
    })),
    samples: new Map(evidence.map((e) => [key(e), e.samples.map((t) => t.traceId)])),
    representatives: new Map(
      evidence.flatMap((e) => (e.representative ? [[key(e), e.representative.traceId]] : [])),
    ),
    pages: [[...traces.values()].map(lines).join('\n')],
  };
}
