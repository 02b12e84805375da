import type { SerializedQuantileSketch } from './quantile.sketch';
import type { SerializedTraceSample } from './trace.sample';

/**
 * The statistics of one (tumbling window, endpoint, fingerprint) group on one partition, as written
 * to ClickHouse (the writer adds the partition to the key). A plain object of numbers, strings,
 * booleans and arrays: `JSON.stringify` works on it and is byte-identical for the same input sequence.
 *
 * Every field is mergeable (see mergeAggregates): counts add, first/last seen take min/max, the
 * sketch and the sample merge exactly, and the representative is recomputed from the merged ones.
 */
export interface WindowAggregate {
  /**
   * The tenant the group's traces belong to, when the caller names tenants (groups never mix
   * tenants). Absent otherwise, and then absent from the JSON.
   */
  tenant?: string;
  /** Window start, Unix ms, a multiple of the window length (epoch-aligned). Inclusive. */
  windowStartMs: number;
  /** Window end, Unix ms. Exclusive. After merging windows: the end of the latest one. */
  windowEndMs: number;
  endpoint: string;
  fingerprint: string;
  /** Traces. A trace id closed twice (late spans after its idle gap) counts twice. */
  count: number;
  /** Traces with at least one error span. */
  errorCount: number;
  /** Traces that were not complete (several roots, orphans or cycles). */
  incompleteCount: number;
  /** Spans of all traces together. */
  spanCount: number;
  /**
   * Smallest and largest trace start in the group, Unix ns as decimal strings: a Number loses
   * precision above 2^53 ns (1970 + 104 days), and JSON cannot hold a bigint. ClickHouse reads a
   * decimal string straight into UInt64 or DateTime64(9); `BigInt(s)` reads it back in JS.
   */
  firstSeenNs: string;
  lastSeenNs: string;
  /** Trace durations (µs). */
  duration: SerializedQuantileSketch;
  /** Bottom-k sample of the group's trace ids. */
  sample: SerializedTraceSample;
  /** chooseRepresentative(sample, median duration): always set, the group has at least one trace. */
  representative: RepresentativeTrace;
}

export interface RepresentativeTrace {
  traceId: string;
  durationUs: number;
}
