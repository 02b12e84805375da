import { SeededRandom, cumulativeWeights } from './seeded.random';

describe(SeededRandom.name, () => {
  it('is a pure function of (seed, stream, index)', () => {
    const a = new SeededRandom(1, 2, 3);
    const b = new SeededRandom(1, 2, 3);
    const xs = Array.from({ length: 100 }, () => a.uint32());
    expect(Array.from({ length: 100 }, () => b.uint32())).toEqual(xs);
  });

  it('gives unrelated sequences for neighbouring indexes and streams', () => {
    const first = (seed: number, stream: number, index: number) =>
      new SeededRandom(seed, stream, index).hex(16);
    const ids = new Set<string>();
    for (let i = 0; i < 100_000; i++) ids.add(first(7, 2, i));
    expect(ids.size).toBe(100_000);
    expect(first(7, 1, 0)).not.toBe(first(7, 2, 0));
    expect(first(7, 1, 0)).not.toBe(first(8, 1, 0));
  });

  it('draws roughly uniform floats and ints in range', () => {
    const r = new SeededRandom(3, 0, 0);
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) buckets[Math.floor(r.float() * 10)]++;
    for (const b of buckets) expect(Math.abs(b - 10_000)).toBeLessThan(500);
    for (let i = 0; i < 1_000; i++) {
      const n = r.int(1, 3);
      expect(n === 1 || n === 2 || n === 3).toBe(true);
    }
  });

  it('picks by cumulative weight', () => {
    const r = new SeededRandom(4, 0, 0);
    const weights = cumulativeWeights([0.85, 0.1, 0.05]);
    expect(weights[2]).toBe(1);
    const counts = [0, 0, 0];
    for (let i = 0; i < 100_000; i++) counts[r.pick(weights)]++;
    expect(counts[0] / 1e5).toBeCloseTo(0.85, 2);
    expect(counts[2] / 1e5).toBeCloseTo(0.05, 2);
  });

  it('formats ids and UUIDs', () => {
    const r = new SeededRandom(5, 0, 0);
    expect(r.hex(8)).toMatch(/^[0-9a-f]{16}$/);
    expect(r.uuid()).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
