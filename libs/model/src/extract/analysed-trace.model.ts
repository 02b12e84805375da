import type { SpanFacts } from '@t2t/fingerprint';
import type { ModelEntity, ModelSpan } from '../model.types';
import type { EdgeShape } from './edge.format';

/** One span with its place in the trace: what edge extraction and rule mining read. */
export interface AnalysedSpan {
  readonly span: ModelSpan;
  /** The span as libs/fingerprint reads it (labels, endpoint keys). */
  readonly facts: SpanFacts;
  /** entryEndpoint(): set on server and consumer spans and on spans without a parent. */
  readonly endpoint: string | undefined;
  readonly endNs: bigint;
  parent: AnalysedSpan | undefined;
  readonly children: AnalysedSpan[];
  /**
   * The nearest span at or above this one that has an endpoint key: the handler this span runs
   * in. Undefined for spans cut off from every handler (orphans without an endpoint).
   */
  owner: AnalysedSpan | undefined;
  /**
   * On a span with an endpoint key: the spans its handler ran in its own process (same service,
   * owned by it, itself excluded), in start order. Empty on other spans.
   */
  readonly local: AnalysedSpan[];
  /** spanLabel(), filled in on first use (only rule mining needs it). */
  label?: string;
}

/** One use of an edge in one trace. */
export interface EdgeOccurrence {
  /** edgeId(edge). */
  readonly id: string;
  readonly edge: EdgeShape;
  /** The entity the edge reaches (undefined for CALLS). */
  readonly entity: ModelEntity | undefined;
  /** The handler the edge starts in; undefined when the span belongs to no handler (orphans). */
  readonly at: AnalysedSpan | undefined;
  /**
   * The span, recorded by the process that starts the edge, whose start is when the edge starts:
   * the client, database or producer span (for CALLS the client span when it was recorded).
   */
  readonly source: AnalysedSpan;
}

export interface AnalysedTrace {
  readonly traceId: string;
  /** The trace's entry endpoint key, as clustering computed it. */
  readonly endpoint: string;
  /** The span the trace enters through; undefined when none could be chosen (a cycle of spans). */
  readonly entry: AnalysedSpan | undefined;
  /** Ordered by start time, then span id. */
  readonly spans: readonly AnalysedSpan[];
  /** In span order. */
  readonly edges: readonly EdgeOccurrence[];
}
