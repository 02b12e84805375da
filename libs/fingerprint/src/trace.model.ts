/**
 * The contract between the stages of clustering (all pure):
 *
 *   spans_by_trace record spans ──spanLabel/entryEndpoint──► AssembledSpan (at arrival, kept while open)
 *   open trace closes ─────────────────────────────────────► AssembledTrace
 *   fingerprintTrace(AssembledTrace) ──────────────────────► TraceFingerprint
 *   TraceSummary (trace + fingerprint) ──WindowAggregator──► WindowAggregate per (window, endpoint, fingerprint)
 */

/** What labelling and endpoint detection read from a span (a record span from libs/wire fits). */
export interface SpanFacts {
  name: string;
  /** OTLP SpanKind number (1 internal, 2 server, 3 client, 4 producer, 5 consumer). */
  kind: number;
  serviceName: string;
  /** '' for a span without a parent. */
  parentSpanId: string;
  /** String attribute values as stored (see libs/otlp attributeValueToString). */
  attributes: Record<string, string>;
}

/**
 * A span while its trace is open: only what the fingerprint and the representative choice need.
 * Kept small on purpose (clustering holds many of these): `label` strings are interned by the
 * caller, times are microseconds relative to the first span seen, so they stay small integers.
 */
export interface AssembledSpan {
  spanId: string;
  parentSpanId: string;
  /** spanLabel(): service, kind, normalised operation and semantic key of the call. */
  label: string;
  /** Start, µs relative to the trace's `baseStartNs`. May be negative for spans that arrive later but started earlier. */
  startUs: number;
  durationUs: number;
  error: boolean;
  /** Set only on spans that can be an entry point (entryEndpoint() returned a key). */
  endpoint?: string;
  /**
   * Set when a trace entering here names its endpoint further in (a gateway's catch-all route,
   * a server without a route): see spanEndpoint.
   */
  lookThrough?: 'always' | 'same-request';
}

export interface AssembledTrace {
  traceId: string;
  /** Absolute start of the span `startUs` values are relative to, Unix ns. */
  baseStartNs: bigint;
  spans: AssembledSpan[];
}

/** The structural identity of a trace. Deterministic across processes for the same `version`. */
export interface TraceFingerprint {
  version: number;
  /** 16 lowercase hex characters. */
  hash: string;
  /** Endpoint key of the entry span, e.g. `checkout|HTTP GET /cart/{id}`; '(unknown)' without one. */
  endpoint: string;
  /** True when the trace has exactly one root and no orphans or cycles. */
  complete: boolean;
  /** Structural shingles (hashed), for grouping near-duplicate fingerprints into families. */
  shingles: string[];
  /** Repeat counts of collapsed sibling runs (retries, loops, pagination): label path → count. Not part of the hash. */
  repeats: Record<string, number>;
  /** Human-readable canonical form the hash is computed from (for debugging and golden files). */
  canonical: string;
}

/** One closed trace as the window aggregation sees it. */
export interface TraceSummary {
  /** The trace's tenant, when the caller names tenants: windows group per tenant. */
  tenant?: string;
  traceId: string;
  endpoint: string;
  fingerprint: string;
  /** Absolute start, Unix ns: decides the window. */
  startNs: bigint;
  durationUs: number;
  error: boolean;
  complete: boolean;
  spanCount: number;
}
