import type { ModelTrace } from '@t2t/model';

/**
 * Where the runner reads traces back from. The ClickHouse implementation reads the spans table
 * ingest writes; tests use an in-memory one. Counting is the cheap call the waiter polls; reading
 * happens once the count has settled.
 */
export interface TraceSource {
  /** Spans stored for the trace so far (duplicates of an at-least-once delivery included). */
  countSpans(traceId: string): Promise<number>;
  /** Every stored span of the trace. */
  readTrace(traceId: string): Promise<ModelTrace>;
}

/**
 * How long an endpoint's traces take, learned from what the pipeline stored (clustering's duration
 * sketches). Undefined when the endpoint has no stored traces: the waiter then uses its floors.
 */
export interface EndpointTimings {
  /** 95th percentile of the endpoint's trace durations (first span start to last span end), ms. */
  p95Ms(endpoint: string): Promise<number | undefined>;
}
