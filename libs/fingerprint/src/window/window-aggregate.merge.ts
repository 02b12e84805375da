import { QuantileSketch, type QuantileSketchOptions } from './quantile.sketch';
import { chooseRepresentative } from './representative.chooser';
import { TraceSample } from './trace.sample';
import type { WindowAggregate } from './window-aggregate.model';

/** The live state an aggregate is made from; the aggregator keeps one per open group. */
export interface AggregateParts {
  /** The tenant of every trace in the group, when the caller names tenants. */
  tenant?: string;
  windowStartMs: number;
  windowEndMs: number;
  endpoint: string;
  fingerprint: string;
  count: number;
  errorCount: number;
  incompleteCount: number;
  spanCount: number;
  firstSeenNs: bigint;
  lastSeenNs: bigint;
  duration: QuantileSketch;
  sample: TraceSample;
}

/**
 * Freezes live state into a WindowAggregate. Keys are written in one fixed order, so equal state
 * gives byte-identical JSON. Throws for an empty group (there is nothing to represent it).
 */
export function buildAggregate(p: AggregateParts): WindowAggregate {
  const representative = chooseRepresentative(p.sample.toArray(), p.duration.quantile(0.5));
  if (representative === undefined) {
    throw new RangeError(`empty group ${p.endpoint} ${p.fingerprint} @${p.windowStartMs}`);
  }
  return {
    ...(p.tenant === undefined ? {} : { tenant: p.tenant }),
    windowStartMs: p.windowStartMs,
    windowEndMs: p.windowEndMs,
    endpoint: p.endpoint,
    fingerprint: p.fingerprint,
    count: p.count,
    errorCount: p.errorCount,
    incompleteCount: p.incompleteCount,
    spanCount: p.spanCount,
    firstSeenNs: p.firstSeenNs.toString(),
    lastSeenNs: p.lastSeenNs.toString(),
    duration: p.duration.toSerialized(),
    sample: p.sample.toSerialized(),
    representative: { traceId: representative.traceId, durationUs: representative.durationUs },
  };
}

/**
 * Merges two aggregates of the same endpoint and fingerprint: the same window from different
 * partitions, or different windows into a longer period (start = earliest start, end = latest end).
 * Commutative and associative: counts add, first/last seen are min/max, sketch buckets add, samples
 * keep the bottom-k of the union (k = the smaller k), and the representative is chosen again from the
 * merged sample and median. So merging per-partition aggregates gives exactly what one aggregator fed
 * the union of their traces would have written (same sketch buckets, same sample, same representative).
 *
 * `options.maxBuckets` bounds the merged sketch (default as QuantileSketch). Throws RangeError when
 * tenant, endpoint or fingerprint differ, or the sketches have a different γ.
 */
export function mergeAggregates(
  a: WindowAggregate,
  b: WindowAggregate,
  options: Pick<QuantileSketchOptions, 'maxBuckets'> = {},
): WindowAggregate {
  if (a.endpoint !== b.endpoint || a.fingerprint !== b.fingerprint || a.tenant !== b.tenant) {
    throw new RangeError(
      `cannot merge aggregates of different groups: ${a.tenant ?? ''} ${a.endpoint} ${a.fingerprint} and ` +
        `${b.tenant ?? ''} ${b.endpoint} ${b.fingerprint}`,
    );
  }
  const duration = QuantileSketch.fromSerialized(a.duration, options);
  duration.merge(QuantileSketch.fromSerialized(b.duration, options));
  const sample = TraceSample.fromSerialized(a.sample);
  sample.merge(TraceSample.fromSerialized(b.sample));
  const aFirst = BigInt(a.firstSeenNs);
  const bFirst = BigInt(b.firstSeenNs);
  const aLast = BigInt(a.lastSeenNs);
  const bLast = BigInt(b.lastSeenNs);
  return buildAggregate({
    tenant: a.tenant,
    windowStartMs: Math.min(a.windowStartMs, b.windowStartMs),
    windowEndMs: Math.max(a.windowEndMs, b.windowEndMs),
    endpoint: a.endpoint,
    fingerprint: a.fingerprint,
    count: a.count + b.count,
    errorCount: a.errorCount + b.errorCount,
    incompleteCount: a.incompleteCount + b.incompleteCount,
    spanCount: a.spanCount + b.spanCount,
    firstSeenNs: aFirst < bFirst ? aFirst : bFirst,
    lastSeenNs: aLast > bLast ? aLast : bLast,
    duration,
    sample,
  });
}
