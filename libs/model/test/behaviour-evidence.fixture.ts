import type { Span } from '@t2t/domain';
import type { GeneratedTrace } from '@t2t/examples';
import {
  chooseRepresentative,
  fingerprintTrace,
  QuantileSketch,
  TraceAssembler,
  TraceSample,
  type ArrivingSpan,
} from '@t2t/fingerprint';
import { attributesToStringMap } from '@t2t/otlp';
import type { BehaviourEvidence, ModelSpan, ModelTrace } from '../src';

/**
 * Generated traces turned into what modeling reads in production, by the same steps: every trace's
 * spans go through libs/fingerprint's TraceAssembler and fingerprintTrace (endpoint + fingerprint),
 * traces are grouped per (endpoint, fingerprint) with a duration sketch, a bottom-k sample by
 * trace-id hash and a representative chosen from it, and spans become ModelSpans with string
 * attributes (libs/otlp's attributesToStringMap, as the spans table stores them).
 */
export interface ClusteredTraces {
  readonly evidence: BehaviourEvidence[];
  /** Trace id → the fingerprint clustering gave it. */
  readonly fingerprints: ReadonlyMap<string, string>;
}

export interface ClusterOptions {
  /** k of each behaviour's bottom-k sample; default: every trace. */
  samplesPerBehaviour?: number;
}

export function clusterTraces(
  traces: readonly GeneratedTrace[],
  options: ClusterOptions = {},
): ClusteredTraces {
  const modelTraces = new Map<string, ModelTrace>();
  const assembler = new TraceAssembler();
  const closed = [];
  for (let i = 0; i < traces.length; i++) {
    const t = traces[i];
    const spans = t.spans.map(toModelSpan);
    modelTraces.set(t.traceId, { traceId: t.traceId, spans });
    closed.push(...assembler.add(t.traceId, spans.map(toArrivingSpan), i));
  }
  closed.push(...assembler.flush());

  interface Group {
    endpoint: string;
    fingerprint: string;
    traces: number;
    errors: number;
    sketch: QuantileSketch;
    sample: TraceSample;
  }
  const groups = new Map<string, Group>();
  const fingerprints = new Map<string, string>();
  for (const trace of closed) {
    const fp = fingerprintTrace(trace);
    fingerprints.set(trace.traceId, fp.hash);
    const key = `${fp.endpoint}\u0000${fp.hash}`;
    let g = groups.get(key);
    if (g === undefined) {
      g = {
        endpoint: fp.endpoint,
        fingerprint: fp.hash,
        traces: 0,
        errors: 0,
        sketch: new QuantileSketch(),
        sample: new TraceSample(options.samplesPerBehaviour ?? traces.length),
      };
      groups.set(key, g);
    }
    let start = Infinity;
    let end = -Infinity;
    for (const s of trace.spans) {
      start = Math.min(start, s.startUs);
      end = Math.max(end, s.startUs + s.durationUs);
    }
    const durationUs = Math.max(0, end - start);
    const error = trace.spans.some((s) => s.error);
    g.traces++;
    if (error) g.errors++;
    g.sketch.add(durationUs);
    g.sample.add(trace.traceId, durationUs, error, fp.complete);
  }

  const evidence = [...groups.values()].map((g): BehaviourEvidence => {
    const sampled = g.sample.toArray();
    const representative = chooseRepresentative(sampled, g.sketch.quantile(0.5));
    return {
      endpoint: g.endpoint,
      fingerprint: g.fingerprint,
      traces: g.traces,
      errors: g.errors,
      p50Us: g.sketch.quantile(0.5),
      p95Us: g.sketch.quantile(0.95),
      representative:
        representative === undefined ? undefined : modelTraces.get(representative.traceId),
      samples: sampled.map((s) => modelTraces.get(s.traceId)!),
    };
  });
  return { evidence, fingerprints };
}

export function toModelSpan(s: Span): ModelSpan {
  const service = s.resource.attributes['service.name'];
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    service: typeof service === 'string' ? service : '',
    name: s.name,
    kind: s.kind,
    startNs: s.startTimeUnixNano,
    durationNs: Number(s.endTimeUnixNano - s.startTimeUnixNano),
    statusCode: s.status.code,
    attributes: attributesToStringMap(s.attributes),
    links: s.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
  };
}

function toArrivingSpan(s: ModelSpan): ArrivingSpan {
  return {
    name: s.name,
    kind: s.kind,
    serviceName: s.service,
    parentSpanId: s.parentSpanId,
    attributes: s.attributes,
    spanId: s.spanId,
    startTimeUnixNano: s.startNs,
    durationNano: s.durationNs,
    statusCode: s.statusCode,
  };
}
