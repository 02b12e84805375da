import { standardNormal, standardNormalCdf } from './normal.distribution';
import { SeededRandom } from './seeded.random';

describe(standardNormalCdf.name, () => {
  it('matches tabulated values to double precision, tails included', () => {
    const table: [number, number][] = [
      [0, 0.5],
      [0.5, 0.6914624612740131],
      [1, 0.8413447460685429],
      [-1.96, 0.024997895148220435],
      [2, 0.9772498680518208],
      [-3, 0.0013498980316300946],
      [3.5, 0.9997673709209645],
      [-5, 2.866515718791939e-7],
      [-8, 6.22096057427178e-16],
    ];
    for (const [z, p] of table) {
      expect(Math.abs(standardNormalCdf(z) - p)).toBeLessThan(1e-15);
      // Tails keep their relative precision (they are computed on the tail side).
      if (p < 1e-3) expect(Math.abs(standardNormalCdf(z) / p - 1)).toBeLessThan(1e-12);
    }
  });

  it('is symmetric and increasing, with limits 0 and 1', () => {
    let previous = 0;
    for (let z = -9; z <= 9; z += 0.01) {
      const p = standardNormalCdf(z);
      expect(p).toBeGreaterThanOrEqual(previous);
      expect(p + standardNormalCdf(-z)).toBeCloseTo(1, 15);
      previous = p;
    }
    expect(standardNormalCdf(-Infinity)).toBe(0);
    expect(standardNormalCdf(Infinity)).toBe(1);
    expect(standardNormalCdf(NaN)).toBeNaN();
  });
});

describe(standardNormal.name, () => {
  it('draws a standard normal', () => {
    const random = new SeededRandom(1, 2, 3);
    const n = 100_000;
    let sum = 0;
    let squares = 0;
    let belowOne = 0;
    for (let i = 0; i < n; i++) {
      const z = standardNormal(random);
      sum += z;
      squares += z * z;
      if (z < 1) belowOne++;
    }
    expect(Math.abs(sum / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(squares / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    const p = standardNormalCdf(1);
    expect(Math.abs(belowOne - n * p)).toBeLessThan(5 * Math.sqrt(n * p * (1 - p)));
  });
});
