import { StatusCode } from '@t2t/domain';
import { type GeneratedTrace, generateTraces, type SystemDefinition } from '@t2t/examples';
import { type ClusterWindowEvent, type TraceSummary, WindowAggregator } from '@t2t/fingerprint';
import { buildSystemModel, modelHash, type SystemModel } from '@t2t/model';
import {
  type ClusterRepository,
  type ModelRepository,
  type SpanRepository,
  type SpanRow,
} from '@t2t/storage';
// The clustering steps production runs, as libs/model's and the generator's tests use them.
import { clusterTraces, toModelSpan } from '../../libs/model/test/behaviour-evidence.fixture';
import { toSpanRow } from '../../libs/runner/test/fake-shop.target';

/**
 * One system's traffic as clustering stores it (cluster windows with their samples and
 * representatives, the spans of those traces), and optionally the model version modeling would
 * build from it: what modeling and the generator read. Written through the repositories in the
 * caller's tenant scope (`withTenant`), so each tenant of a test holds its own system.
 */
export interface StoredTraffic {
  /** The model of the traffic (buildSystemModel over the clustered evidence). */
  model: SystemModel;
  /** Its endpoint keys, sorted. */
  endpoints: string[];
  /** Its entry endpoint keys, sorted: the endpoints tests are generated for. */
  entryEndpoints: string[];
}

export async function storeTraffic(
  repositories: { clusters: ClusterRepository; spans: SpanRepository; models: ModelRepository },
  system: SystemDefinition,
  options: { seed: number; traces: number; samplesPerBehaviour: number; saveModel: boolean },
): Promise<StoredTraffic> {
  const traces = generateTraces(system, { seed: options.seed, traces: options.traces });
  const { evidence, fingerprints } = clusterTraces(traces, {
    samplesPerBehaviour: options.samplesPerBehaviour,
  });
  const model = buildSystemModel(evidence);
  const endpointOf = new Map(evidence.map((e) => [e.fingerprint, e.endpoint]));

  const aggregator = new WindowAggregator({ sampleSize: options.samplesPerBehaviour });
  let watermark = 0n;
  for (const trace of traces) {
    const fingerprint = fingerprints.get(trace.traceId)!;
    const summary = summaryOf(trace, endpointOf.get(fingerprint)!, fingerprint);
    aggregator.add(summary);
    if (summary.startNs > watermark) watermark = summary.startNs;
  }
  const windows = aggregator.closeUpTo(watermark + 3_600_000_000_000n);
  const events: ClusterWindowEvent[] = windows.map((aggregate) => ({
    v: 1,
    type: 'window',
    partition: 0,
    aggregate,
    fingerprint: undefined,
  }));
  const stored = new Set(windows.flatMap((w) => [...w.sample.traceIds, w.representative.traceId]));
  const rows = traces
    .filter((t) => stored.has(t.traceId))
    .flatMap((t) => t.spans.map((s) => spanRow(toModelSpan(s))));

  await repositories.clusters.write(events);
  await repositories.spans.insert(rows);
  if (options.saveModel) {
    await repositories.models.saveVersion(
      {
        modelHash: modelHash(model),
        version: 1,
        createdAt: '2026-06-01 12:00:00.000',
        model: JSON.stringify(model),
        counts: {
          services: model.services.length,
          endpoints: model.endpoints.length,
          entities: model.entities.length,
          edges: model.edges.length,
          behaviours: model.behaviours.length,
          rules: model.rules.length,
        },
      },
      undefined,
    );
  }
  return {
    model,
    endpoints: model.endpoints.map((e) => e.key).sort(),
    entryEndpoints: model.endpoints
      .filter((e) => e.entry)
      .map((e) => e.key)
      .sort(),
  };
}

/** A span as the spans table stores it, links included (messaging traces are linked). */
function spanRow(span: ReturnType<typeof toModelSpan>): SpanRow {
  return {
    ...toSpanRow(span),
    'Links.TraceId': span.links.map((l) => l.traceId),
    'Links.SpanId': span.links.map((l) => l.spanId),
    'Links.TraceState': span.links.map(() => ''),
    'Links.Attributes': span.links.map(() => ({})),
    'Links.Flags': span.links.map(() => 0),
    'Links.DroppedAttributesCount': span.links.map(() => 0),
  };
}

/** One closed trace as clustering's window aggregation sees it. */
function summaryOf(trace: GeneratedTrace, endpoint: string, fingerprint: string): TraceSummary {
  let start = trace.spans[0].startTimeUnixNano;
  let end = trace.spans[0].endTimeUnixNano;
  for (const s of trace.spans) {
    if (s.startTimeUnixNano < start) start = s.startTimeUnixNano;
    if (s.endTimeUnixNano > end) end = s.endTimeUnixNano;
  }
  return {
    traceId: trace.traceId,
    endpoint,
    fingerprint,
    startNs: start,
    durationUs: Number((end - start) / 1000n),
    error: trace.spans.some((s) => s.status.code === StatusCode.Error),
    complete: true,
    spanCount: trace.spans.length,
  };
}
