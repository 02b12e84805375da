import { assembleGoldenTrace, type GoldenSpan } from '../../test/golden/golden-case.fixture';
import { fingerprintTrace } from '../hash/trace.fingerprinter';
import {
  chooseBands,
  groupFamilies,
  jaccard,
  type FamilyInput,
} from './fingerprint-family.grouper';
import { estimateSimilarity, minhashSignature } from './minhash.signature';

const shingles = (prefix: string, n: number, from = 0): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix}${from + i}`);

describe(minhashSignature.name, () => {
  it('is deterministic and order-independent', () => {
    const a = minhashSignature(['x', 'y', 'z']);
    expect(a).toHaveLength(64);
    expect(minhashSignature(['z', 'x', 'y', 'x'])).toEqual(a);
    expect(minhashSignature(['x', 'y'], 16)).toHaveLength(16);
  });

  it('estimates the Jaccard similarity', () => {
    const a = shingles('s', 100);
    const b = [...shingles('s', 80), ...shingles('t', 20)]; // J = 80 / 120
    const estimate = estimateSimilarity(minhashSignature(a, 256), minhashSignature(b, 256));
    expect(Math.abs(estimate - 80 / 120)).toBeLessThan(0.1);
    expect(estimateSimilarity(minhashSignature(a), minhashSignature(a))).toBe(1);
  });
});

describe(chooseBands.name, () => {
  it('finds pairs at the threshold with high probability, with as many rows as that allows', () => {
    expect(chooseBands(64, 0.7)).toEqual({ bands: 16, rows: 4 });
    expect(chooseBands(64, 0.9)).toEqual({ bands: 8, rows: 8 });
    const { bands, rows } = chooseBands(64, 0.5);
    expect(1 - Math.pow(1 - Math.pow(0.5, rows), bands)).toBeGreaterThanOrEqual(0.95);
  });
});

describe(groupFamilies.name, () => {
  const familyA: FamilyInput[] = [
    { hash: 'a3', shingles: shingles('a', 20) },
    { hash: 'a1', shingles: [...shingles('a', 19), 'extra1'] },
    { hash: 'a2', shingles: [...shingles('a', 18, 1), 'extra2', 'extra3'] },
  ];
  const familyB: FamilyInput[] = [
    { hash: 'b2', shingles: shingles('b', 30) },
    { hash: 'b1', shingles: [...shingles('b', 28), 'z'] },
  ];
  const loner: FamilyInput = { hash: '00', shingles: [...shingles('a', 8), ...shingles('q', 12)] };

  it('groups near duplicates under their smallest hash and keeps every exact fingerprint', () => {
    const families = groupFamilies([...familyA, ...familyB, loner]);
    expect(Object.fromEntries(families)).toEqual({
      '00': '00',
      a1: 'a1',
      a2: 'a1',
      a3: 'a1',
      b1: 'b1',
      b2: 'b1',
    });
  });

  it('does not depend on input order or duplicates', () => {
    const input = [...familyA, ...familyB, loner];
    const expected = Object.fromEntries(groupFamilies(input));
    for (const order of [[...input].reverse(), [loner, ...familyB, ...familyA, familyA[0]]]) {
      expect(Object.fromEntries(groupFamilies(order))).toEqual(expected);
    }
  });

  it('links transitively (connected groups)', () => {
    // x~y and y~z at 0.75, x and z only 0.6
    const x = { hash: 'x', shingles: shingles('s', 12) };
    const y = { hash: 'y', shingles: shingles('s', 12, 2) };
    const z = { hash: 'z', shingles: shingles('s', 12, 4) };
    expect(jaccard(x.shingles.sort(), z.shingles.sort())).toBeLessThan(0.7);
    expect(new Set(groupFamilies([x, y, z]).values())).toEqual(new Set(['x']));
  });

  it('respects the threshold', () => {
    const input = [
      { hash: 'p', shingles: shingles('s', 10) },
      { hash: 'q', shingles: shingles('s', 10, 2) }, // J = 8 / 12
    ];
    expect(groupFamilies(input, 0.7).get('q')).toBe('q');
    expect(groupFamilies(input, 0.6).get('q')).toBe('p');
  });

  it('leaves fingerprints without shingles alone', () => {
    expect(
      Object.fromEntries(
        groupFamilies([
          { hash: 'e', shingles: [] },
          { hash: 'f', shingles: [] },
        ]),
      ),
    ).toEqual({
      e: 'e',
      f: 'f',
    });
  });

  it('groups a trace with an optional extra call with its plain variant', () => {
    const span = (
      spanId: string,
      parentSpanId: string,
      name: string,
      startUs: number,
    ): GoldenSpan => ({
      spanId,
      parentSpanId,
      name,
      kind: parentSpanId === '' ? 2 : 3,
      serviceName: 'api',
      attributes: {},
      startUs,
      durationUs: 5,
    });
    const plain = ['q1', 'q2', 'q3', 'q4', 'q5', 'q6', 'q7', 'q8'].map((n, i) =>
      span(`s${i}`, 'r', n, i * 10),
    );
    const root = span('r', '', 'GET /x', 0);
    root.durationUs = 1000;
    const a = fingerprintTrace(
      assembleGoldenTrace({ traceId: 't', baseStartNs: '0', spans: [root, ...plain] }),
    );
    const b = fingerprintTrace(
      assembleGoldenTrace({
        traceId: 't',
        baseStartNs: '0',
        spans: [root, ...plain, span('extra', 'r', 'flag', 200)],
      }),
    );
    expect(a.hash).not.toBe(b.hash);
    const families = groupFamilies([a, b]);
    expect(families.get(a.hash)).toBe(families.get(b.hash));
  });
});
