/**
 * Mergeable relative-error quantile sketch for durations (µs), after DDSketch (Masson, Rim, Lee,
 * VLDB 2019): a positive value v falls into bucket i = ceil(log_γ v) with γ = (1 + α) / (1 − α), and
 * every value of bucket i is reported as 2γ^i / (γ + 1), which is within relative error α of it.
 *
 * Why this sketch: its state is integer counts per integer bucket index, so merging is addition and
 * is exact, commutative and associative. merge(a, b) is bucket-for-bucket the sketch of the union,
 * whichever order the traces, partitions and windows come in; a replay rebuilds byte-identical state;
 * and ClickHouse can merge stored sketches with `sumMap(indexes, counts)`.
 *
 * Buckets are kept sparse (sorted parallel typed arrays), so a group with few traces stays small;
 * durations from 1 µs to a day need at most ~1,260 buckets at α = 1%.
 *
 * Bound and collapse policy: at most `maxBuckets` non-empty buckets. When a value needs one more, the
 * lowest bucket is folded into the next one up (its values then read as that bucket's value, i.e. too
 * high), so the high quantiles that latency questions ask about stay within α. The state is then
 * always "the maxBuckets highest indexes ever seen, with every lower value counted in the lowest of
 * them", which does not depend on insertion or merge order, so merging stays exact after a collapse.
 * At α = 1% the default 2048 buckets span a ratio of 6e17 between the smallest and largest value, so
 * real durations never collapse; the bound is there for garbage input (`hasCollapsed` says so).
 *
 * Values that are not > 0 (0, negatives, NaN) go to `zeroCount` and read as 0; +Infinity is clamped
 * to Number.MAX_VALUE. Determinism rests on Math.log, which V8 computes with its own port of fdlibm
 * (the same result on every platform), and on γ being computed the same way from α everywhere.
 */

/** Plain-array form, for JSON and ClickHouse Array columns. Same state ⇒ same object, key for key. */
export interface SerializedQuantileSketch {
  /** Bucket growth factor γ = (1 + α) / (1 − α); sketches merge only with an equal γ. */
  gamma: number;
  /** Values ≤ 0 (and NaN). */
  zeroCount: number;
  /** Bucket indexes, strictly ascending integers. */
  indexes: number[];
  /** Count of each bucket in `indexes`, positive integers. */
  counts: number[];
}

export interface QuantileSketchOptions {
  /** α: relative error of every quantile estimate. Default 0.01 (1%). Between 1e-4 and 0.5. */
  relativeAccuracy?: number;
  /** Most non-empty buckets kept; beyond it the lowest buckets collapse. Default 2048, at least 2. */
  maxBuckets?: number;
}

export const DEFAULT_SKETCH_RELATIVE_ACCURACY = 0.01;
export const DEFAULT_SKETCH_MAX_BUCKETS = 2048;
const INITIAL_CAPACITY = 8;

export class QuantileSketch {
  readonly maxBuckets: number;
  private gammaValue: number;
  private logGamma: number;
  private indexes: Int32Array;
  private counts: Float64Array;
  private size = 0;
  private zeros = 0;
  private total = 0;
  private folded = false;

  constructor(options: QuantileSketchOptions = {}) {
    const alpha = options.relativeAccuracy ?? DEFAULT_SKETCH_RELATIVE_ACCURACY;
    if (!(alpha >= 1e-4 && alpha <= 0.5)) {
      throw new RangeError(`relativeAccuracy must be between 1e-4 and 0.5, got ${alpha}`);
    }
    const maxBuckets = options.maxBuckets ?? DEFAULT_SKETCH_MAX_BUCKETS;
    if (!Number.isInteger(maxBuckets) || maxBuckets < 2) {
      throw new RangeError(`maxBuckets must be an integer of at least 2, got ${maxBuckets}`);
    }
    this.gammaValue = (1 + alpha) / (1 - alpha);
    this.logGamma = Math.log(this.gammaValue);
    this.maxBuckets = maxBuckets;
    this.indexes = new Int32Array(INITIAL_CAPACITY);
    this.counts = new Float64Array(INITIAL_CAPACITY);
  }

  /** γ = (1 + α) / (1 − α). */
  get gamma(): number {
    return this.gammaValue;
  }

  /** α = (γ − 1) / (γ + 1): the relative error bound of `quantile`. */
  get relativeAccuracy(): number {
    return (this.gammaValue - 1) / (this.gammaValue + 1);
  }

  /** Values added (or merged in), the zero bucket included. */
  get count(): number {
    return this.total;
  }

  /** Non-empty buckets held (at most `maxBuckets`). */
  get bucketCount(): number {
    return this.size;
  }

  /**
   * True once more distinct buckets were seen than `maxBuckets` (low values then read too high).
   * Order-independent like the counts; not serialized: it describes this process's copy.
   */
  get hasCollapsed(): boolean {
    return this.folded;
  }

  add(value: number): void {
    this.total++;
    if (!(value > 0)) {
      this.zeros++;
      return;
    }
    const v = value === Infinity ? Number.MAX_VALUE : value;
    this.addToBucket(Math.ceil(Math.log(v) / this.logGamma), 1);
  }

  /** Adds `other`'s counts to this sketch; `other` is unchanged. Throws RangeError on a different γ. */
  merge(other: QuantileSketch): void {
    if (other.gammaValue !== this.gammaValue) {
      throw new RangeError(
        `cannot merge sketches with gamma ${this.gammaValue} and ${other.gammaValue}`,
      );
    }
    this.total += other.total;
    this.zeros += other.zeros;
    if (other.folded) this.folded = true;
    // Highest first: once this sketch is full, lower buckets fold straight into the lowest kept one.
    for (let j = other.size - 1; j >= 0; j--) this.addToBucket(other.indexes[j], other.counts[j]);
  }

  /**
   * Estimate of the value at rank ⌊q·(count − 1)⌋ (0-based) of the sorted values, q in [0, 1],
   * within relative error α unless its bucket was collapsed. NaN for an empty sketch.
   */
  quantile(q: number): number {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${q}`);
    if (this.total === 0) return NaN;
    const rank = Math.floor(q * (this.total - 1));
    if (rank < this.zeros) return 0;
    let seen = this.zeros;
    for (let j = 0; j < this.size; j++) {
      seen += this.counts[j];
      if (seen > rank) return this.valueOf(this.indexes[j]);
    }
    // Unreachable while the buckets sum to `total` (fromSerialized checks they do).
    return this.valueOf(this.indexes[this.size - 1]);
  }

  /** The plain-array form. Equal sketches give deep-equal objects with the same key order. */
  toSerialized(): SerializedQuantileSketch {
    return {
      gamma: this.gammaValue,
      zeroCount: this.zeros,
      indexes: Array.from(this.indexes.subarray(0, this.size)),
      counts: Array.from(this.counts.subarray(0, this.size)),
    };
  }

  /**
   * Rebuilds a sketch from `toSerialized()` output, keeping γ bit for bit (α → γ → α → γ need not
   * round-trip in floating point, and merging compares γ exactly). `maxBuckets` is the reader's memory
   * policy, not part of the data; stored buckets beyond it are collapsed. Throws RangeError for
   * malformed input: γ ≤ 1, mismatched lengths, indexes not strictly ascending 32-bit integers,
   * counts not positive safe integers.
   */
  static fromSerialized(
    s: SerializedQuantileSketch,
    options: Pick<QuantileSketchOptions, 'maxBuckets'> = {},
  ): QuantileSketch {
    if (!(s.gamma > 1 && s.gamma < Infinity)) {
      throw new RangeError(`sketch gamma must be > 1, got ${s.gamma}`);
    }
    if (s.indexes.length !== s.counts.length) {
      throw new RangeError(`sketch has ${s.indexes.length} indexes but ${s.counts.length} counts`);
    }
    if (!isSafeCount(s.zeroCount)) throw new RangeError(`bad sketch zeroCount ${s.zeroCount}`);
    const sketch = new QuantileSketch({ maxBuckets: options.maxBuckets });
    sketch.gammaValue = s.gamma;
    sketch.logGamma = Math.log(s.gamma);
    sketch.zeros = s.zeroCount;
    sketch.total = s.zeroCount;
    for (let j = 0; j < s.indexes.length; j++) {
      const index = s.indexes[j];
      if (!Number.isInteger(index) || index > 0x7fffffff || index < -0x80000000) {
        throw new RangeError(`bad sketch bucket index ${index}`);
      }
      if (j > 0 && !(s.indexes[j - 1] < index)) {
        throw new RangeError('sketch bucket indexes must be strictly ascending');
      }
      if (!isSafeCount(s.counts[j]) || s.counts[j] === 0) {
        throw new RangeError(`bad sketch bucket count ${s.counts[j]}`);
      }
      sketch.total += s.counts[j];
    }
    if (!Number.isSafeInteger(sketch.total)) throw new RangeError('sketch total count overflows');
    if (s.indexes.length <= sketch.maxBuckets) {
      // Already sorted and within bounds: copy, no per-bucket search.
      sketch.indexes = Int32Array.from(s.indexes);
      sketch.counts = Float64Array.from(s.counts);
      sketch.size = s.indexes.length;
    } else {
      for (let j = s.indexes.length - 1; j >= 0; j--) sketch.addToBucket(s.indexes[j], s.counts[j]);
    }
    return sketch;
  }

  /** Representative value of bucket i: equally far, relatively, from both bucket edges. */
  private valueOf(index: number): number {
    // The top bucket's upper edge can overflow to Infinity; its values are ≤ MAX_VALUE.
    return Math.min(
      (2 * Math.pow(this.gammaValue, index)) / (this.gammaValue + 1),
      Number.MAX_VALUE,
    );
  }

  private addToBucket(index: number, n: number): void {
    const idx = this.indexes;
    const counts = this.counts;
    const size = this.size;
    // Most adds land in an existing bucket: binary search, no allocation.
    let lo = 0;
    let hi = size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (idx[mid] < index) lo = mid + 1;
      else hi = mid;
    }
    if (lo < size && idx[lo] === index) {
      counts[lo] += n;
      return;
    }
    if (size === this.maxBuckets) {
      this.folded = true;
      if (lo === 0) {
        // Below every kept bucket: counted in the lowest one.
        counts[0] += n;
        return;
      }
      // The lowest bucket leaves; its count goes to the new lowest, which is either the old second
      // bucket or, when lo === 1, the new one.
      const carry = counts[0];
      idx.copyWithin(0, 1, lo);
      counts.copyWithin(0, 1, lo);
      idx[lo - 1] = index;
      counts[lo - 1] = n;
      counts[0] += carry;
      return;
    }
    if (size === idx.length) this.grow();
    this.indexes.copyWithin(lo + 1, lo, size);
    this.counts.copyWithin(lo + 1, lo, size);
    this.indexes[lo] = index;
    this.counts[lo] = n;
    this.size = size + 1;
  }

  private grow(): void {
    const capacity = Math.min(this.indexes.length * 2, this.maxBuckets);
    const indexes = new Int32Array(capacity);
    const counts = new Float64Array(capacity);
    indexes.set(this.indexes);
    counts.set(this.counts);
    this.indexes = indexes;
    this.counts = counts;
  }
}

function isSafeCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}
