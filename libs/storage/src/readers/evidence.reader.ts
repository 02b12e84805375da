import { createHash } from 'node:crypto';
import { QuantileSketch } from '@t2t/fingerprint';
import type { BehaviourEvidence, ModelSpan, ModelTrace } from '@t2t/model';
import type { BehaviourStatsRow, ModelRepository } from '../repositories/model.repository';
import type { ModelSpanRow, SpanRepository } from '../repositories/span.repository';

const KIND: Record<string, number> = {
  Unspecified: 0,
  Internal: 1,
  Server: 2,
  Client: 3,
  Producer: 4,
  Consumer: 5,
};
const STATUS: Record<string, number> = { Unset: 0, Ok: 1, Error: 2 };

export function toModelSpan(r: ModelSpanRow): ModelSpan {
  return {
    traceId: r.TraceId,
    spanId: r.SpanId,
    parentSpanId: r.ParentSpanId,
    service: r.ServiceName,
    name: r.SpanName,
    kind: KIND[r.SpanKind] ?? 0,
    startNs: BigInt(r.Timestamp),
    durationNs: Number(r.Duration),
    statusCode: STATUS[r.StatusCode] ?? 0,
    attributes: r.SpanAttributes,
    links: r['Links.TraceId'].map((traceId, i) => ({ traceId, spanId: r['Links.SpanId'][i] })),
  };
}

/** Trace ids per span query when loading evidence. */
const EVIDENCE_PAGE_TRACES = 1000;

/** What evidence a build would read: per behaviour its totals, sample ids and representative. */
export interface EvidencePlan {
  stats: BehaviourStatsRow[];
  samples: Map<string, string[]>;
  representatives: Map<string, string>;
  /**
   * Identifies the traces the evidence is made of (every behaviour, its sampled trace ids and its
   * representative): equal signatures mean the samples, hence the structure built from them, are
   * the same; only counts may differ.
   */
  signature: string;
}

/** The two cheap queries of loadEvidence, without reading any span. */
export async function planEvidence(
  models: ModelRepository,
  options: { samplesPerBehaviour: number; horizonMs: number },
  representatives: Map<string, string>,
): Promise<EvidencePlan> {
  const [stats, samples] = await Promise.all([
    models.behaviourStats(options.horizonMs),
    models.sampleTraceIds(options.samplesPerBehaviour, options.horizonMs),
  ]);
  const hash = createHash('sha256');
  for (const s of stats) {
    const key = `${s.endpoint}\u0000${s.fingerprint}`;
    hash
      .update(key)
      .update('\u0001')
      .update(representatives.get(key) ?? '');
    for (const id of samples.get(key) ?? []) hash.update('\u0002').update(id);
    hash.update('\n');
  }
  return { stats, samples, representatives, signature: hash.digest('hex') };
}

/**
 * A plan's evidence as read, before any span is parsed: what a worker thread gets, so the parsing
 * and the span objects stay off the event loop that read it (and off its heap). Plain data: it
 * crosses threads by structured clone.
 */
export interface EvidenceText {
  stats: BehaviourStatsRow[];
  samples: Map<string, string[]>;
  representatives: Map<string, string>;
  /** The traces' spans: JSONEachRow pages of ModelSpanRow, every trace within one page. */
  pages: string[];
}

/** The part of a plan about the behaviours of `endpoints` (its signature no longer applies). */
export function restrictPlan(plan: EvidencePlan, endpoints: ReadonlySet<string>): EvidencePlan {
  const stats = plan.stats.filter((s) => endpoints.has(s.endpoint));
  const keys = new Set(stats.map((s) => `${s.endpoint}\u0000${s.fingerprint}`));
  const keep = <V>(m: Map<string, V>) => new Map([...m].filter(([k]) => keys.has(k)));
  return {
    stats,
    samples: keep(plan.samples),
    representatives: keep(plan.representatives),
    signature: '',
  };
}

/** Trace ids of a plan, in pages of EVIDENCE_PAGE_TRACES: one span query each. */
function pagesOf(plan: EvidencePlan): string[][] {
  const wanted = new Set<string>();
  for (const ids of plan.samples.values()) for (const id of ids) wanted.add(id);
  for (const id of plan.representatives.values()) wanted.add(id);
  const ids = [...wanted];
  const pages: string[][] = [];
  for (let i = 0; i < ids.length; i += EVIDENCE_PAGE_TRACES)
    pages.push(ids.slice(i, i + EVIDENCE_PAGE_TRACES));
  return pages;
}

/** Reads the spans of a plan's traces, a page a query, unparsed. */
export async function readPlannedEvidence(
  plan: EvidencePlan,
  spans: SpanRepository,
): Promise<EvidenceText> {
  const pages: string[] = [];
  for (const ids of pagesOf(plan)) {
    const page = await spans.findModelSpansTextByTraceIds(ids);
    if (page !== '') pages.push(page);
  }
  return {
    stats: plan.stats,
    samples: plan.samples,
    representatives: plan.representatives,
    pages,
  };
}

/** Adds a JSONEachRow page of ModelSpanRow to the traces it belongs to. */
function addPage(traces: Map<string, ModelTrace>, page: string): void {
  for (let from = 0; from < page.length;) {
    let to = page.indexOf('\n', from);
    if (to < 0) to = page.length;
    if (to > from) {
      const row = JSON.parse(page.slice(from, to)) as ModelSpanRow;
      let t = traces.get(row.TraceId);
      if (!t) {
        t = { traceId: row.TraceId, spans: [] };
        traces.set(row.TraceId, t);
      }
      t.spans.push(toModelSpan(row));
    }
    from = to + 1;
  }
}

/** Per behaviour of the plan: its totals, merged duration sketch, samples and representative. */
function shape(
  plan: Pick<EvidenceText, 'stats' | 'samples' | 'representatives'>,
  traces: Map<string, ModelTrace>,
): BehaviourEvidence[] {
  const { stats, samples, representatives } = plan;
  return stats.map((s) => {
    const key = `${s.endpoint}\u0000${s.fingerprint}`;
    const sketch =
      s.sketch.gamma > 0 ? QuantileSketch.fromSerialized(s.sketch) : new QuantileSketch();
    for (const us of s.lateDurationsUs) sketch.add(us);
    const repId = representatives.get(key);
    return {
      endpoint: s.endpoint,
      fingerprint: s.fingerprint,
      traces: s.traces,
      errors: s.errors,
      p50Us: sketch.count > 0 ? sketch.quantile(0.5) : 0,
      p95Us: sketch.count > 0 ? sketch.quantile(0.95) : 0,
      p99Us: sketch.count > 0 ? sketch.quantile(0.99) : 0,
      representative: repId ? traces.get(repId) : undefined,
      samples: (samples.get(key) ?? [])
        .map((id) => traces.get(id))
        .filter((t): t is ModelTrace => t !== undefined),
    };
  });
}

/**
 * The evidence in read text: per behaviour its totals and merged duration sketch, its sampled
 * traces with every span, and its representative. Takes the pages out of `text` as it parses
 * them, so each page's text is garbage once its spans are built.
 */
export function evidenceOf(text: EvidenceText): BehaviourEvidence[] {
  const traces = new Map<string, ModelTrace>();
  for (let page = text.pages.pop(); page !== undefined; page = text.pages.pop())
    addPage(traces, page);
  return shape(text, traces);
}
