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

/** What of a plan the evidence is shaped by once its traces are parsed: plain data (it crosses threads). */
export type EvidenceShape = Pick<EvidencePlan, 'stats' | 'samples' | 'representatives'>;

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
function pagesOf(plan: EvidenceShape): string[][] {
  const wanted = new Set<string>();
  for (const ids of plan.samples.values()) for (const id of ids) wanted.add(id);
  for (const id of plan.representatives.values()) wanted.add(id);
  const ids = [...wanted];
  const pages: string[][] = [];
  for (let i = 0; i < ids.length; i += EVIDENCE_PAGE_TRACES)
    pages.push(ids.slice(i, i + EVIDENCE_PAGE_TRACES));
  return pages;
}

/**
 * Reads the spans of a plan's traces a page (EVIDENCE_PAGE_TRACES traces) a query, as bytes, and
 * hands each page to `onPage` before reading the next: whoever parses them (here, or a worker
 * thread the page is transferred to) holds one page of text at a time, never all of it.
 */
export async function readEvidencePages(
  plan: EvidenceShape,
  spans: SpanRepository,
  onPage: (page: Uint8Array) => void | Promise<void>,
): Promise<void> {
  for (const ids of pagesOf(plan)) {
    const page = await spans.findModelSpansBytesByTraceIds(ids);
    if (page.length > 0) await onPage(page);
  }
}

/**
 * Builds a plan's traces from its pages as they come: each page's rows are parsed when it is
 * added and its text is garbage afterwards. Strings every span of a trace repeats (the trace
 * id, services, span names, short attribute values) are kept once: sampled evidence is hundreds
 * of thousands of spans, and most of their text repeats.
 */
export class EvidenceAssembler {
  private readonly traces = new Map<string, ModelTrace>();
  private readonly strings = new Map<string, string>();
  private readonly decoder = new TextDecoder();

  /** Adds a JSONEachRow page of ModelSpanRow (text or UTF-8 bytes). */
  add(page: string | Uint8Array): void {
    const text = typeof page === 'string' ? page : this.decoder.decode(page);
    for (let from = 0; from < text.length;) {
      let to = text.indexOf('\n', from);
      if (to < 0) to = text.length;
      if (to > from) this.addRow(JSON.parse(text.slice(from, to)) as ModelSpanRow);
      from = to + 1;
    }
  }

  /** Per behaviour of the plan: its totals, merged duration sketch, samples and representative. */
  evidence(shape: EvidenceShape): BehaviourEvidence[] {
    return shapeEvidence(shape, this.traces);
  }

  private addRow(row: ModelSpanRow): void {
    let t = this.traces.get(row.TraceId);
    if (!t) {
      t = { traceId: row.TraceId, spans: [] };
      this.traces.set(row.TraceId, t);
    }
    const span = toModelSpan(row);
    span.traceId = t.traceId;
    span.service = this.once(span.service);
    span.name = this.once(span.name);
    const attributes = span.attributes;
    for (const k in attributes) {
      const v = attributes[k];
      if (v.length <= SHARED_VALUE_CHARS) attributes[k] = this.once(v);
    }
    t.spans.push(span);
  }

  private once(s: string): string {
    const known = this.strings.get(s);
    if (known !== undefined) return known;
    this.strings.set(s, s);
    return s;
  }
}

/**
 * Attribute values up to this length are kept once per build: methods, statuses, systems,
 * routes and table names repeat across spans; longer values (statements, URLs with ids) rarely do.
 */
const SHARED_VALUE_CHARS = 64;

/** A plan's evidence read and parsed here, a page at a time. */
export async function readEvidence(
  plan: EvidenceShape,
  spans: SpanRepository,
): Promise<BehaviourEvidence[]> {
  const assembler = new EvidenceAssembler();
  await readEvidencePages(plan, spans, (page) => assembler.add(page));
  return assembler.evidence(plan);
}

function shapeEvidence(plan: EvidenceShape, traces: Map<string, ModelTrace>): BehaviourEvidence[] {
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
