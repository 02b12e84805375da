import { SeededRandom } from '../random/seeded.random';
import { satisfies } from './condition.evaluator';
import {
  EVERYTHING,
  complement,
  continuousFlipValue,
  continuousProblem,
  drawContinuous,
  holdsOn,
  intersect,
  probability,
  rawCdf,
  type ContinuousDistribution,
  type IntervalSet,
} from './continuous.attribute';
import { compare, double, is, logNormal } from './system.dsl';
import type { ComparisonOperator } from './system.model';

const contains = (set: IntervalSet, x: number) => set.some(([lo, hi]) => lo <= x && x < hi);
const continuous = (d: ReturnType<typeof double>) => d as ContinuousDistribution;

describe(holdsOn.name, () => {
  const operators: ComparisonOperator[] = ['=', '!=', '>', '>=', '<', '<='];
  const thresholds = [-1.5, 0, 0.29, 1, 1.005, 2.499, 2.5];

  it.each([undefined, 0, 1, 2])(
    'holds on exactly the raw draws whose value (rounded to %s places) satisfies the condition',
    (decimals) => {
      const scale = 10 ** (decimals ?? 0);
      const wrong: unknown[] = [];
      for (const operator of operators) {
        for (const threshold of [...thresholds, true, 'x']) {
          const condition = compare('amount', operator, threshold);
          const set = holdsOn(condition, decimals);
          for (let x = -3; x < 3; x += 0.00173) {
            // Exactly half-way between two grid values, floating-point rounding may go either way.
            const fraction = x * scale - Math.floor(x * scale);
            if (decimals !== undefined && Math.abs(fraction - 0.5) < 1e-6) continue;
            const value = decimals === undefined ? x : Math.round(x * scale) / scale;
            if (contains(set, x) !== satisfies(condition, value))
              wrong.push([operator, threshold, x, value]);
          }
        }
      }
      expect(wrong).toEqual([]);
    },
  );

  it('maps thresholds on rounded values to the raw draws that round onto them', () => {
    expect(holdsOn(compare('a', '>=', 250), 2)).toEqual([[249.995, Infinity]]);
    expect(holdsOn(compare('a', '<', 20), 2)).toEqual([[-Infinity, 19.995]]);
    expect(holdsOn(compare('a', '>', 20), 0)).toEqual([[20.5, Infinity]]);
    expect(holdsOn(is('a', 7.25), 2)).toEqual([[7.245, 7.255]]);
    // 0.29 · 100 is 28.999999999999996 in floating point, yet 0.29 is the 29th cent.
    expect(holdsOn(is('a', 0.29), 2)).toEqual([[0.285, 0.295]]);
    // Unrounded, a single value has probability zero, and a threshold is its own bound.
    expect(holdsOn(is('a', 7.25), undefined)).toEqual([]);
    expect(holdsOn(compare('a', '<=', 3), undefined)).toEqual([[-Infinity, 3]]);
  });
});

describe('interval sets', () => {
  it('intersect and complement', () => {
    const a: IntervalSet = [
      [0, 2],
      [5, 9],
    ];
    expect(intersect(a, [[1, 6]])).toEqual([
      [1, 2],
      [5, 6],
    ]);
    expect(intersect(a, [[2, 5]])).toEqual([]);
    expect(complement(a)).toEqual([
      [-Infinity, 0],
      [2, 5],
      [9, Infinity],
    ]);
    expect(complement(EVERYTHING)).toEqual([]);
    expect(complement([])).toEqual(EVERYTHING);
  });

  it('weighs sets by the CDF', () => {
    const uniform = continuous(double(10, 20));
    expect(probability(uniform, EVERYTHING)).toBe(1);
    expect(
      probability(uniform, [
        [12, 13],
        [19, 30],
      ]),
    ).toBeCloseTo(0.2, 15);
    const lognormal = continuous(logNormal(50, 0.8));
    expect(rawCdf(lognormal, 50)).toBe(0.5);
    expect(rawCdf(lognormal, 0)).toBe(0);
    expect(rawCdf(lognormal, -5)).toBe(0);
    expect(probability(lognormal, [[50 * Math.exp(0.8), Infinity]])).toBeCloseTo(
      1 - 0.8413447460685429,
      14,
    );
  });
});

describe(drawContinuous.name, () => {
  it('draws uniform doubles exactly as before rounding existed, and rounds when asked', () => {
    const a = new SeededRandom(4, 1, 0);
    const b = new SeededRandom(4, 1, 0);
    for (let i = 0; i < 1_000; i++) {
      expect(drawContinuous(continuous(double(3, 8)), a)).toBe(3 + b.float() * 5);
    }
    const random = new SeededRandom(5, 1, 0);
    for (let i = 0; i < 1_000; i++) {
      const v = drawContinuous(continuous(double(3, 8, { decimals: 2 })), random);
      expect(v).toBeGreaterThanOrEqual(3);
      expect(v).toBeLessThanOrEqual(8);
      expect(Math.round(v * 100) / 100).toBe(v);
    }
  });

  it('draws a log-normal around its median with the CDF it claims', () => {
    const d = continuous(logNormal(420, 1, { decimals: 2 }));
    const random = new SeededRandom(6, 1, 0);
    const n = 20_000;
    let atLeast1000 = 0;
    let belowMedian = 0;
    for (let i = 0; i < n; i++) {
      const v = drawContinuous(d, random);
      expect(v).toBeGreaterThan(0);
      if (v >= 1000) atLeast1000++;
      if (v < 420) belowMedian++;
    }
    const p = probability(d, holdsOn(compare('a', '>=', 1000), 2));
    expect(Math.abs(atLeast1000 - n * p)).toBeLessThan(5 * Math.sqrt(n * p * (1 - p)));
    expect(Math.abs(belowMedian - n / 2)).toBeLessThan(5 * Math.sqrt(n / 4) + 1);
  });
});

describe(continuousFlipValue.name, () => {
  const cents = continuous(logNormal(420, 1, { decimals: 2 }));

  it('flips a threshold to the nearest value on the other side', () => {
    expect(continuousFlipValue(compare('a', '>=', 1000), true, cents)).toBe(999.99);
    expect(continuousFlipValue(compare('a', '>=', 1000), false, cents)).toBe(1000);
    expect(continuousFlipValue(compare('a', '>', 1000), false, cents)).toBe(1000.01);
    expect(continuousFlipValue(compare('a', '<', 20), false, cents)).toBe(19.99);
    expect(continuousFlipValue(compare('a', '<=', 20.005), true, cents)).toBe(20.01);
    expect(continuousFlipValue(is('a', 12.5), true, cents)).toBe(12.49);
    expect(continuousFlipValue(is('a', 12.5), false, cents)).toBe(12.5);
  });

  it('flips unrounded values to the adjacent double', () => {
    const raw = continuous(double(0, 500));
    const below = continuousFlipValue(compare('a', '>=', 250), true, raw)!;
    expect(below).toBeLessThan(250);
    expect(250 - below).toBe(250 - 249.99999999999997);
    expect(continuousFlipValue(compare('a', '>=', 250), false, raw)).toBe(250);
  });

  it('gives up when no value the distribution draws gives the other outcome', () => {
    const uniform = continuous(double(5, 95, { decimals: 2 }));
    expect(continuousFlipValue(compare('a', '>=', 500), false, uniform)).toBeUndefined();
    expect(continuousFlipValue(compare('a', '<', 1), false, uniform)).toBeUndefined();
    expect(continuousFlipValue(is('a', 'gold'), false, uniform)).toBeUndefined();
    // Every draw rounds to 5.00 or more.
    expect(continuousFlipValue(compare('a', '>=', 5), true, uniform)).toBeUndefined();
  });

  it('always returns a value that gives the other outcome', () => {
    const random = new SeededRandom(7, 1, 0);
    for (let i = 0; i < 2_000; i++) {
      const value = drawContinuous(cents, random);
      for (const operator of ['>=', '<', '>', '<=', '=', '!='] as const) {
        const condition = compare(
          'a',
          operator,
          operator === '=' || operator === '!=' ? value : 500,
        );
        const outcome = satisfies(condition, value);
        const flipped = continuousFlipValue(condition, outcome, cents);
        if (flipped !== undefined) expect(satisfies(condition, flipped)).toBe(!outcome);
      }
    }
  });
});

describe(continuousProblem.name, () => {
  it('names malformed distributions', () => {
    expect(continuousProblem(continuous(double(1, 1)))).toMatch(/min < max/);
    expect(continuousProblem(continuous(logNormal(0, 1)))).toMatch(/positive median/);
    expect(continuousProblem(continuous(logNormal(10, -1)))).toMatch(/sigma/);
    expect(continuousProblem(continuous(double(0, 1, { decimals: 1.5 })))).toMatch(/decimals/);
    expect(continuousProblem(continuous(logNormal(10, 1, { decimals: 2 })))).toBeUndefined();
  });
});
