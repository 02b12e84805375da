import {
  compareTraceIdHash,
  hashTraceId,
  traceIdHashFromHex,
  traceIdHashToHex,
  type TraceIdHash,
} from './trace-id.hash';

/**
 * Bounded, deterministic, mergeable sample of the traces of one group: the k traces with the smallest
 * 64-bit hash of their trace id (bottom-k).
 *
 * Why bottom-k: the hash makes it a uniform random sample of the group's traces (of distinct trace
 * ids), yet it depends only on which traces were seen, never on their order or on which partition or
 * window saw them. So a replay keeps the same traces, and the bottom-k of the union of two bottom-k
 * samples is exactly the bottom-k of the union of their groups: merging partitions and windows gives
 * the same sample as aggregating everything at once. Memory is k entries, however busy the group.
 *
 * Each entry keeps what choosing a representative needs (duration, error, complete). A trace id seen
 * twice (a trace closed, then closed again from spans that arrived after the idle gap) is kept once:
 * the error-free, complete, shorter record wins, an order-independent rule so merging stays exact.
 */
export interface SampledTrace {
  traceId: string;
  /** 64-bit hash of `traceId` (see trace-id.hash.ts), 16 lowercase hex characters. */
  hash: string;
  durationUs: number;
  error: boolean;
  complete: boolean;
}

/** Column form for JSON and ClickHouse Array columns, entries in ascending hash order. */
export interface SerializedTraceSample {
  /** Capacity the sample was kept with. */
  k: number;
  traceIds: string[];
  hashes: string[];
  durationsUs: number[];
  errorFlags: boolean[];
  completeFlags: boolean[];
}

export const DEFAULT_SAMPLE_SIZE = 20;

interface Entry {
  traceId: string;
  hash: TraceIdHash;
  durationUs: number;
  error: boolean;
  complete: boolean;
}

/** Sample order: hash, then trace id for the (astronomically rare) collision of different ids. */
function compareEntries(x: Entry, y: Entry): number {
  const byHash = compareTraceIdHash(x.hash, y.hash);
  if (byHash !== 0) return byHash;
  return x.traceId < y.traceId ? -1 : x.traceId > y.traceId ? 1 : 0;
}

/** For two records of one trace id: negative when `x` should be kept. A total order, so min is well defined. */
function compareRecords(x: Entry, y: Entry): number {
  if (x.error !== y.error) return x.error ? 1 : -1;
  if (x.complete !== y.complete) return x.complete ? -1 : 1;
  return x.durationUs - y.durationUs;
}

export class TraceSample {
  private capacity: number;
  /** Ascending by compareEntries; at most `capacity` long. */
  private readonly entries: Entry[] = [];

  constructor(k: number = DEFAULT_SAMPLE_SIZE) {
    if (!Number.isInteger(k) || k < 1) {
      throw new RangeError(`sample size k must be a positive integer, got ${k}`);
    }
    this.capacity = k;
  }

  /** Capacity. After merging with a smaller sample it is the smaller k (see merge). */
  get k(): number {
    return this.capacity;
  }

  /** Entries held (≤ k). */
  get size(): number {
    return this.entries.length;
  }

  /**
   * Offers a trace; true if the sample now holds it. Most offers to a full sample are rejected after
   * the hash and one comparison, with no allocation beyond the hash.
   */
  add(traceId: string, durationUs: number, error: boolean, complete: boolean): boolean {
    const hash = hashTraceId(traceId);
    const full = this.entries.length === this.capacity;
    if (full) {
      const last = this.entries[this.entries.length - 1].hash;
      if (hash.hi > last.hi || (hash.hi === last.hi && hash.lo > last.lo)) return false;
    }
    return this.insert({ traceId, hash, durationUs, error, complete });
  }

  /**
   * Keeps the bottom-k of the union. With different k the result has the smaller one: a bottom-k
   * sample contains the bottom-j for every j ≤ k, so the union's bottom-min(k) is still exact.
   */
  merge(other: TraceSample): void {
    if (other.capacity < this.capacity) {
      this.capacity = other.capacity;
      this.entries.length = Math.min(this.entries.length, this.capacity);
    }
    // Entries are never mutated (a better record replaces one), so sharing them is safe.
    for (const e of other.entries) this.insert(e);
  }

  /** Entries in ascending hash order, as plain objects the caller may keep. */
  toArray(): SampledTrace[] {
    return this.entries.map((e) => ({
      traceId: e.traceId,
      hash: traceIdHashToHex(e.hash),
      durationUs: e.durationUs,
      error: e.error,
      complete: e.complete,
    }));
  }

  toSerialized(): SerializedTraceSample {
    const s: SerializedTraceSample = {
      k: this.capacity,
      traceIds: [],
      hashes: [],
      durationsUs: [],
      errorFlags: [],
      completeFlags: [],
    };
    for (const e of this.entries) {
      s.traceIds.push(e.traceId);
      s.hashes.push(traceIdHashToHex(e.hash));
      s.durationsUs.push(e.durationUs);
      s.errorFlags.push(e.error);
      s.completeFlags.push(e.complete);
    }
    return s;
  }

  /**
   * Rebuilds a sample from `toSerialized()` output. Throws RangeError for malformed input: bad k,
   * columns of different lengths, more than k entries, entries out of order, or a hash that is not the
   * hash of its trace id (a sample written by a different hash version must not be merged).
   */
  static fromSerialized(s: SerializedTraceSample): TraceSample {
    const sample = new TraceSample(s.k);
    const n = s.traceIds.length;
    const columns = [s.hashes, s.durationsUs, s.errorFlags, s.completeFlags];
    if (columns.some((c) => c.length !== n)) {
      throw new RangeError('sample columns have different lengths');
    }
    if (n > s.k) throw new RangeError(`sample holds ${n} entries but k is ${s.k}`);
    for (let i = 0; i < n; i++) {
      const hash = traceIdHashFromHex(s.hashes[i]);
      if (compareTraceIdHash(hash, hashTraceId(s.traceIds[i])) !== 0) {
        throw new RangeError(`sample hash ${s.hashes[i]} is not the hash of ${s.traceIds[i]}`);
      }
      const entry: Entry = {
        traceId: s.traceIds[i],
        hash,
        durationUs: s.durationsUs[i],
        error: s.errorFlags[i],
        complete: s.completeFlags[i],
      };
      const prev = sample.entries[i - 1];
      if (prev !== undefined && compareEntries(prev, entry) >= 0) {
        throw new RangeError('sample entries must be in strictly ascending hash order');
      }
      sample.entries.push(entry);
    }
    return sample;
  }

  private insert(entry: Entry): boolean {
    const entries = this.entries;
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareEntries(entries[mid], entry) < 0) lo = mid + 1;
      else hi = mid;
    }
    const at = entries[lo];
    if (at !== undefined && compareEntries(at, entry) === 0) {
      if (compareRecords(entry, at) < 0) entries[lo] = entry;
      return true;
    }
    if (lo >= this.capacity) return false;
    entries.splice(lo, 0, entry);
    if (entries.length > this.capacity) entries.pop();
    return true;
  }
}
