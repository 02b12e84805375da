import { QuantileSketch } from './quantile.sketch';
import { normal, seededRandom } from './synthetic-traces.fixture';

const ALPHA = 0.01;
// Bucket edges are computed with Math.log in floating point; allow for the last ulp or so.
const TOLERANCE = ALPHA * (1 + 1e-9);
const QUANTILES = [0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];

function sketchOf(values: readonly number[], maxBuckets?: number): QuantileSketch {
  const s = new QuantileSketch({ relativeAccuracy: ALPHA, maxBuckets });
  for (const v of values) s.add(v);
  return s;
}

/** The value the sketch estimates: rank ⌊q·(n − 1)⌋ of the sorted values. */
function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))];
}

function distributions(): Record<string, number[]> {
  const random = seededRandom(7);
  const n = 20_000;
  const uniform = Array.from({ length: n }, () => 1 + random() * 1_000_000);
  const lognormal = Array.from({ length: n }, () =>
    Math.exp(Math.log(5_000) + 1.5 * normal(random)),
  );
  // Cache hits around 2 ms, misses around 200 ms: the shape a median alone describes badly.
  const bimodal = Array.from({ length: n }, () =>
    random() < 0.8
      ? Math.max(1, 2_000 + 300 * normal(random))
      : Math.max(1, 200_000 + 40_000 * normal(random)),
  );
  const integers = Array.from({ length: n }, () => 1 + Math.floor(random() * 50));
  return { uniform, lognormal, bimodal, integers };
}

describe(QuantileSketch.name, () => {
  describe.each(Object.entries(distributions()))('on %s durations', (_name, values) => {
    const sorted = [...values].sort((a, b) => a - b);

    it('estimates every quantile within the relative accuracy', () => {
      const sut = sketchOf(values);
      expect(sut.count).toBe(values.length);
      for (const q of QUANTILES) {
        const exact = exactQuantile(sorted, q);
        const estimate = sut.quantile(q);
        expect(Math.abs(estimate - exact) / exact).toBeLessThanOrEqual(TOLERANCE);
      }
    });

    it('merges into exactly the sketch of the union, in any order', () => {
      const random = seededRandom(11);
      const parts: number[][] = [[], [], []];
      for (const v of values) parts[Math.floor(random() * 3)].push(v);
      const [a, b, c] = parts.map((p) => sketchOf(p));
      const ab = sketchOf([]);
      ab.merge(a);
      ab.merge(b);
      ab.merge(c);
      const cb = sketchOf(parts[2]);
      cb.merge(b);
      cb.merge(a);
      const union = sketchOf(values).toSerialized();
      expect(ab.toSerialized()).toEqual(union);
      expect(cb.toSerialized()).toEqual(union);
      expect(a.count).toBe(parts[0].length);
    });

    it('round-trips through its serialized form and JSON', () => {
      const sut = sketchOf(values);
      const serialized = sut.toSerialized();
      const back = QuantileSketch.fromSerialized(JSON.parse(JSON.stringify(serialized)));
      expect(back.toSerialized()).toEqual(serialized);
      expect(JSON.stringify(back.toSerialized())).toBe(JSON.stringify(serialized));
      expect(back.gamma).toBe(sut.gamma);
      for (const q of QUANTILES) expect(back.quantile(q)).toBe(sut.quantile(q));
      back.merge(sut);
      expect(back.count).toBe(2 * values.length);
    });
  });

  it('keeps few buckets for few values, so a quiet group stays small', () => {
    const sut = sketchOf([1_000, 1_001, 1_002, 50_000]);
    expect(sut.bucketCount).toBe(2);
    expect(sut.toSerialized()).toEqual({
      gamma: sut.gamma,
      zeroCount: 0,
      indexes: [Math.ceil(Math.log(1_000) / Math.log(sut.gamma)), expect.any(Number)],
      counts: [3, 1],
    });
  });

  it('counts zero, negative and NaN durations as 0 and clamps Infinity', () => {
    const sut = sketchOf([0, -5, NaN, Infinity, 10]);
    expect(sut.count).toBe(5);
    expect(sut.toSerialized().zeroCount).toBe(3);
    expect(sut.quantile(0)).toBe(0);
    expect(sut.quantile(0.5)).toBe(0);
    expect(Math.abs(sut.quantile(0.75) - 10) / 10).toBeLessThanOrEqual(TOLERANCE);
    expect(sut.quantile(1) / Number.MAX_VALUE).toBeCloseTo(1, 1);
  });

  it('returns NaN for an empty sketch and rejects a quantile outside [0, 1]', () => {
    const sut = sketchOf([]);
    expect(sut.quantile(0.5)).toBeNaN();
    expect(() => sut.quantile(1.5)).toThrow(RangeError);
    expect(() => sut.quantile(NaN)).toThrow(RangeError);
  });

  describe('bound on buckets', () => {
    // 200 values spread over 40 orders of magnitude need ~200 distinct buckets.
    const values = Array.from({ length: 200 }, (_, i) => Math.pow(10, (i - 100) / 5));

    it('collapses the lowest buckets and keeps high quantiles accurate', () => {
      const sut = sketchOf(values, 16);
      expect(sut.bucketCount).toBe(16);
      expect(sut.hasCollapsed).toBe(true);
      expect(sut.count).toBe(200);
      const sorted = [...values].sort((a, b) => a - b);
      for (const q of [0.95, 0.99, 1]) {
        const exact = exactQuantile(sorted, q);
        expect(Math.abs(sut.quantile(q) - exact) / exact).toBeLessThanOrEqual(TOLERANCE);
      }
      // The collapsed low end reads high, never low.
      expect(sut.quantile(0)).toBeGreaterThan(sorted[0]);
    });

    it('gives the same state whatever the insertion and merge order, even after collapsing', () => {
      const expected = sketchOf(values, 16).toSerialized();
      const random = seededRandom(3);
      for (let round = 0; round < 20; round++) {
        const shuffled = [...values].sort(() => random() - 0.5);
        expect(sketchOf(shuffled, 16).toSerialized()).toEqual(expected);
        const cut = Math.floor(random() * shuffled.length);
        const merged = sketchOf(shuffled.slice(0, cut), 16);
        merged.merge(sketchOf(shuffled.slice(cut), 16));
        expect(merged.toSerialized()).toEqual(expected);
      }
    });

    it('collapses stored buckets beyond a smaller reader bound', () => {
      const wide = sketchOf(values, 64).toSerialized();
      const narrow = QuantileSketch.fromSerialized(wide, { maxBuckets: 16 });
      expect(narrow.toSerialized()).toEqual(sketchOf(values, 16).toSerialized());
    });
  });

  it('refuses to merge sketches of different accuracy', () => {
    const a = new QuantileSketch({ relativeAccuracy: 0.01 });
    const b = new QuantileSketch({ relativeAccuracy: 0.02 });
    expect(() => a.merge(b)).toThrow(/gamma/);
  });

  it('rejects malformed serialized input', () => {
    const good = sketchOf([10, 100, 1000]).toSerialized();
    const bad = [
      { ...good, gamma: 1 },
      { ...good, counts: [1, 1] },
      { ...good, indexes: [...good.indexes].reverse() },
      { ...good, indexes: [0.5, 1, 2] },
      { ...good, counts: [1, 0, 1] },
      { ...good, counts: [1, -1, 1] },
      { ...good, zeroCount: 1.5 },
    ];
    for (const s of bad) expect(() => QuantileSketch.fromSerialized(s)).toThrow(RangeError);
  });

  it('rejects bad options', () => {
    expect(() => new QuantileSketch({ relativeAccuracy: 0 })).toThrow(/relativeAccuracy/);
    expect(() => new QuantileSketch({ maxBuckets: 1 })).toThrow(/maxBuckets/);
  });
});
