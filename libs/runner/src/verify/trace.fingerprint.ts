import { type ArrivingSpan, fingerprintTrace, TraceAssembler } from '@t2t/fingerprint';
import type { ModelTrace } from '@t2t/model';

/**
 * A stored trace's endpoint and structural fingerprint, computed as clustering computes them
 * (libs/fingerprint's assembler and fingerprinter), so they compare with the fingerprints specs
 * were generated for.
 */
export function fingerprintOf(trace: ModelTrace): { endpoint: string; hash: string } {
  const assembler = new TraceAssembler();
  const spans = trace.spans.map((s): ArrivingSpan => ({
    name: s.name,
    kind: s.kind,
    serviceName: s.service,
    parentSpanId: s.parentSpanId,
    attributes: s.attributes,
    spanId: s.spanId,
    startTimeUnixNano: s.startNs,
    durationNano: s.durationNs,
    statusCode: s.statusCode,
  }));
  const [closed] = [...assembler.add(trace.traceId, spans, 0), ...assembler.flush()];
  if (closed === undefined) return { endpoint: '(unknown)', hash: '' };
  const fp = fingerprintTrace(closed);
  return { endpoint: fp.endpoint, hash: fp.hash };
}
