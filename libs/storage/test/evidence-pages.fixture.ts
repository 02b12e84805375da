import type { BehaviourEvidence, ModelTrace } from '@t2t/model';
import type { EvidenceShape } from '../src/readers/evidence.reader';
import type { SpanRepository } from '../src/repositories/span.repository';

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

/** The traces of evidence (each once: a representative is often a sample too), by id. */
function tracesOf(evidence: readonly BehaviourEvidence[]): Map<string, ModelTrace> {
  return new Map(
    evidence
      .flatMap((e) => [...e.samples, ...(e.representative ? [e.representative] : [])])
      .map((t) => [t.traceId, t]),
  );
}

/**
 * The plan evidence would have been read by: its totals (durations standing in for the
 * sketches), sampled trace ids and representatives.
 */
export function evidencePlanOf(evidence: readonly BehaviourEvidence[]): EvidenceShape {
  const key = (e: BehaviourEvidence) => `${e.endpoint}\u0000${e.fingerprint}`;
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
  };
}

/**
 * A span repository holding the traces of evidence, answering the evidence reader's queries as
 * ClickHouse would (JSONEachRow bytes, a trace's spans together); `reads` records each query's ids.
 */
export function spansOf(
  evidence: readonly BehaviourEvidence[],
  reads: string[][] = [],
): SpanRepository {
  const traces = tracesOf(evidence);
  return {
    findModelSpansBytesByTraceIds: async (ids: readonly string[]) => {
      reads.push([...ids]);
      const text = ids
        .flatMap((id) => {
          const t = traces.get(id);
          return t ? [`${lines(t)}\n`] : [];
        })
        .join('');
      return new TextEncoder().encode(text);
    },
  } as unknown as SpanRepository;
}
