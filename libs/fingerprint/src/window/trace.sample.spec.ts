import { randomTraceId, seededRandom } from './synthetic-traces.fixture';
import { hashTraceId, traceIdHashFromHex, traceIdHashToHex } from './trace-id.hash';
import { TraceSample } from './trace.sample';

interface Offer {
  traceId: string;
  durationUs: number;
  error: boolean;
  complete: boolean;
}

function offers(n: number, seed: number): Offer[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => ({
    traceId: randomTraceId(random),
    durationUs: Math.floor(random() * 10_000),
    error: random() < 0.1,
    complete: random() > 0.05,
  }));
}

function sampleOf(list: readonly Offer[], k?: number): TraceSample {
  const s = new TraceSample(k);
  for (const o of list) s.add(o.traceId, o.durationUs, o.error, o.complete);
  return s;
}

describe('hashTraceId', () => {
  it('is pinned: the hash is part of the stored sample format', () => {
    // Changing these changes which traces every sample keeps; see trace-id.hash.ts before updating.
    expect(traceIdHashToHex(hashTraceId('4bf92f3577b34da6a3ce929d0e0e4736'))).toBe(
      '9bebafd2d706ea75',
    );
    expect(traceIdHashToHex(hashTraceId(''))).toBe('155cdb712185029f');
  });

  it('spreads sequential ids evenly over both halves', () => {
    const ids = Array.from({ length: 65_536 }, (_, i) => `trace-${i.toString().padStart(8, '0')}`);
    const hashes = ids.map(hashTraceId);
    expect(new Set(hashes.map(traceIdHashToHex)).size).toBe(ids.length);
    // Each of the 64 bits is set in about half of the hashes (± 5 standard deviations).
    const sd = Math.sqrt(ids.length / 4);
    for (let bit = 0; bit < 32; bit++) {
      let hi = 0;
      let lo = 0;
      for (const h of hashes) {
        hi += (h.hi >>> bit) & 1;
        lo += (h.lo >>> bit) & 1;
      }
      expect(Math.abs(hi - ids.length / 2)).toBeLessThan(5 * sd);
      expect(Math.abs(lo - ids.length / 2)).toBeLessThan(5 * sd);
    }
  });

  it('round-trips through hex', () => {
    const h = hashTraceId('abc');
    expect(traceIdHashFromHex(traceIdHashToHex(h))).toEqual(h);
    expect(() => traceIdHashFromHex('xyz')).toThrow(RangeError);
  });
});

describe(TraceSample.name, () => {
  const all = offers(2_000, 1);

  it('keeps the k traces with the smallest hashes, in hash order', () => {
    const sut = sampleOf(all, 20);
    const expected = [...all]
      .map((o) => ({ ...o, hash: traceIdHashToHex(hashTraceId(o.traceId)) }))
      .sort((a, b) => (a.hash < b.hash ? -1 : 1))
      .slice(0, 20);
    expect(sut.toArray()).toEqual(expected);
    expect(sut.size).toBe(20);
    expect(sut.k).toBe(20);
  });

  it('defaults to k = 20 and rejects a bad k', () => {
    expect(new TraceSample().k).toBe(20);
    expect(() => new TraceSample(0)).toThrow(RangeError);
    expect(() => new TraceSample(2.5)).toThrow(RangeError);
  });

  it('does not depend on the order traces arrive in', () => {
    const expected = sampleOf(all).toSerialized();
    const random = seededRandom(5);
    for (let round = 0; round < 5; round++) {
      const shuffled = [...all].sort(() => random() - 0.5);
      expect(sampleOf(shuffled).toSerialized()).toEqual(expected);
    }
  });

  it('merges into exactly the sample of the union, in any order', () => {
    const random = seededRandom(9);
    const parts: Offer[][] = [[], [], []];
    for (const o of all) parts[Math.floor(random() * 3)].push(o);
    const [a, b, c] = parts.map((p) => sampleOf(p));
    const abc = sampleOf([]);
    abc.merge(a);
    abc.merge(b);
    abc.merge(c);
    const cba = sampleOf(parts[2]);
    cba.merge(b);
    cba.merge(a);
    const union = sampleOf(all).toSerialized();
    expect(abc.toSerialized()).toEqual(union);
    expect(cba.toSerialized()).toEqual(union);
  });

  it('merged with a smaller k keeps the bottom of the smaller k', () => {
    const big = sampleOf(all.slice(0, 1_000), 50);
    big.merge(sampleOf(all.slice(1_000), 10));
    expect(big.k).toBe(10);
    expect(big.toSerialized()).toEqual(sampleOf(all, 10).toSerialized());
  });

  it('keeps a trace id once, the error-free complete shorter record, whatever the order', () => {
    const id = all[0].traceId;
    const records: Offer[] = [
      { traceId: id, durationUs: 50, error: true, complete: true },
      { traceId: id, durationUs: 70, error: false, complete: false },
      { traceId: id, durationUs: 90, error: false, complete: true },
      { traceId: id, durationUs: 80, error: false, complete: true },
    ];
    for (const order of [records, [...records].reverse(), [records[2], records[0], records[3]]]) {
      const sut = sampleOf(order);
      expect(sut.toArray()).toEqual([
        {
          traceId: id,
          hash: traceIdHashToHex(hashTraceId(id)),
          durationUs: 80,
          error: false,
          complete: true,
        },
      ]);
    }
  });

  it('is a uniform sample of the traces, even for sequential ids', () => {
    const n = 100_000;
    const sut = new TraceSample(2_000);
    for (let i = 0; i < n; i++) sut.add(`trace-${i}`, i, false, true);
    // durationUs = position: a uniform sample has positions spread evenly over [0, n).
    const positions = sut.toArray().map((e) => e.durationUs);
    const mean = positions.reduce((s, p) => s + p, 0) / positions.length;
    expect(Math.abs(mean - n / 2)).toBeLessThan(5 * (n / Math.sqrt(12 * positions.length)));
    const perDecile = new Array<number>(10).fill(0);
    for (const p of positions) perDecile[Math.floor((p * 10) / n)]++;
    for (const c of perDecile) expect(Math.abs(c - 200)).toBeLessThan(5 * Math.sqrt(200));
  });

  it('round-trips through its serialized form and JSON', () => {
    const serialized = sampleOf(all).toSerialized();
    const back = TraceSample.fromSerialized(JSON.parse(JSON.stringify(serialized)));
    expect(back.toSerialized()).toEqual(serialized);
  });

  it('rejects malformed serialized input', () => {
    const good = sampleOf(all.slice(0, 5)).toSerialized();
    const bad = [
      { ...good, k: 0 },
      { ...good, k: 3 },
      { ...good, durationsUs: good.durationsUs.slice(1) },
      { ...good, hashes: [...good.hashes.slice(1), good.hashes[0]] },
      { ...good, traceIds: [...good.traceIds].reverse(), hashes: [...good.hashes].reverse() },
      { ...good, hashes: ['0000000000000000', ...good.hashes.slice(1)] },
    ];
    for (const s of bad) expect(() => TraceSample.fromSerialized(s)).toThrow(RangeError);
  });
});
