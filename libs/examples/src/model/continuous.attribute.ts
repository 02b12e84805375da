import { standardNormal, standardNormalCdf } from '../random/normal.distribution';
import type { SeededRandom } from '../random/seeded.random';
import { satisfies } from './condition.evaluator';
import type { Condition, Distribution } from './system.model';

/**
 * Request attributes drawn from a continuous distribution (amounts, weights, durations), shared by
 * the generator, which draws them and looks for values that flip a decision, and the ground truth,
 * which cannot list their values and reasons about sets of them instead.
 *
 * Such a set is a union of half-open intervals of the RAW draw, before rounding to `decimals`:
 * that is where the distribution's CDF lives, so the probability of any set is exact (differences
 * of the CDF), and a condition on the rounded value is still an interval of the raw one
 * (`round(x, 2) >= 250` ⇔ `x >= 249.995`). Single points have probability zero, so whether an
 * interval includes its ends never matters.
 */

export type ContinuousDistribution = Extract<Distribution, { kind: 'double' | 'lognormal' }>;

export function isContinuous(d: Distribution | undefined): d is ContinuousDistribution {
  return d?.kind === 'double' || d?.kind === 'lognormal';
}

/** `[lo, hi)` of the raw draw; `lo` may be -Infinity and `hi` Infinity. */
export type Interval = readonly [lo: number, hi: number];

/** Sorted, disjoint, non-empty intervals. */
export type IntervalSet = readonly Interval[];

export const EVERYTHING: IntervalSet = [[-Infinity, Infinity]];
const NOTHING: IntervalSet = [];

/** A reason the distribution cannot be drawn from, or undefined when it is well-formed. */
export function continuousProblem(d: ContinuousDistribution): string | undefined {
  if (d.decimals !== undefined && !(Number.isInteger(d.decimals) && d.decimals >= 0)) {
    return `decimals must be a non-negative integer, got ${d.decimals}`;
  }
  if (d.kind === 'double' && !(Number.isFinite(d.min) && Number.isFinite(d.max) && d.min < d.max))
    return `a uniform double needs finite min < max, got [${d.min}, ${d.max})`;
  if (d.kind === 'lognormal' && !(d.median > 0 && Number.isFinite(d.median) && d.sigma > 0))
    return `a log-normal needs a positive median and sigma, got median ${d.median}, sigma ${d.sigma}`;
  return undefined;
}

/** One value: the raw draw, rounded to `decimals` places when the distribution says so. */
export function drawContinuous(d: ContinuousDistribution, random: SeededRandom): number {
  const raw =
    d.kind === 'double'
      ? d.min + random.float() * (d.max - d.min)
      : d.median * Math.exp(d.sigma * standardNormal(random));
  return d.decimals === undefined ? raw : Math.round(raw * 10 ** d.decimals) / 10 ** d.decimals;
}

/** P(raw draw < x). */
export function rawCdf(d: ContinuousDistribution, x: number): number {
  if (d.kind === 'double') {
    if (x <= d.min) return 0;
    return x >= d.max ? 1 : (x - d.min) / (d.max - d.min);
  }
  if (x <= 0) return 0;
  return x === Infinity ? 1 : standardNormalCdf(Math.log(x / d.median) / d.sigma);
}

/** P(raw draw ∈ set). */
export function probability(d: ContinuousDistribution, set: IntervalSet): number {
  let p = 0;
  for (const [lo, hi] of set) p += rawCdf(d, hi) - rawCdf(d, lo);
  return p;
}

/**
 * The raw draws whose (rounded) value satisfies `condition`, with the semantics of `satisfies`:
 * ordering compares numerically, equality needs a number, and a value rounded to d places equals
 * a threshold only when the threshold sits on that grid.
 */
export function holdsOn(condition: Condition, decimals: number | undefined): IntervalSet {
  const { operator, value } = condition;
  if (operator === '=' || operator === '!=') {
    const equal =
      typeof value === 'number' && Number.isFinite(value) ? equalTo(value, decimals) : NOTHING;
    return operator === '=' ? equal : complement(equal);
  }
  const threshold = Number(value);
  if (Number.isNaN(threshold)) return NOTHING;
  // `<` is the complement of `>=`, and `<=` of `>`.
  const strict = operator === '>' || operator === '<=';
  const atLeast = lowerBound(threshold, strict, decimals);
  const above: IntervalSet = atLeast === Infinity ? NOTHING : [[atLeast, Infinity]];
  return operator === '>=' || operator === '>' ? above : complement(above);
}

/**
 * The smallest raw draw whose value is `>= t` (or `> t` when `strict`). Rounding is
 * `Math.round(x·10^d)`, i.e. floor(x·10^d + 1/2), so the value is at least the k-th grid point
 * exactly when x >= (k - 1/2) / 10^d.
 */
function lowerBound(t: number, strict: boolean, decimals: number | undefined): number {
  if (decimals === undefined || !Number.isFinite(t)) return t;
  const scale = 10 ** decimals;
  const k = onGrid(t * scale);
  const first = strict ? Math.floor(k) + 1 : Math.ceil(k);
  return (first - 0.5) / scale;
}

function equalTo(t: number, decimals: number | undefined): IntervalSet {
  // Without rounding a single value has probability zero.
  if (decimals === undefined) return NOTHING;
  const scale = 10 ** decimals;
  const k = onGrid(t * scale);
  if (!Number.isInteger(k)) return NOTHING;
  return [[(k - 0.5) / scale, (k + 0.5) / scale]];
}

/**
 * `t · 10^d` snapped to the nearest integer when it is one up to floating-point error: 0.29 · 100
 * is 28.999999999999996, yet a value rounded to cents compares with 0.29 as the 29th cent.
 */
function onGrid(scaled: number): number {
  const nearest = Math.round(scaled);
  return Math.abs(scaled - nearest) <= 1e-9 * Math.max(1, Math.abs(scaled)) ? nearest : scaled;
}

export function complement(set: IntervalSet): IntervalSet {
  const out: Interval[] = [];
  let from = -Infinity;
  for (const [lo, hi] of set) {
    if (lo > from) out.push([from, lo]);
    from = hi;
  }
  if (from < Infinity) out.push([from, Infinity]);
  return out;
}

export function intersect(a: IntervalSet, b: IntervalSet): IntervalSet {
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i][0], b[j][0]);
    const hi = Math.min(a[i][1], b[j][1]);
    if (lo < hi) out.push([lo, hi]);
    if (a[i][1] < b[j][1]) i++;
    else j++;
  }
  return out;
}

/**
 * A value the distribution produces that gives the other outcome of `condition`, as close to the
 * threshold as its resolution allows (one cent below `amount >= 250` is 249.99), so a flipped trace
 * sits on the boundary a test should check. Undefined when the outcome cannot change.
 */
export function continuousFlipValue(
  condition: Condition,
  outcome: boolean,
  d: ContinuousDistribution,
): number | undefined {
  const t = Number(condition.value);
  if (!Number.isFinite(t)) return undefined;
  let candidates: number[];
  if (d.decimals === undefined) {
    candidates = [t, nextAfter(t, false), nextAfter(t, true)];
  } else {
    const scale = 10 ** d.decimals;
    const k = Math.floor(onGrid(t * scale));
    candidates = [k - 1, k, k + 1, k + 2].map((i) => i / scale);
  }
  return candidates
    .filter((c) => produces(d, c))
    .sort((a, b) => Math.abs(a - t) - Math.abs(b - t))
    .find((c) => satisfies(condition, c) !== outcome);
}

/** Whether `value` is a value the distribution can draw (with positive probability once rounded). */
function produces(d: ContinuousDistribution, value: number): boolean {
  if (d.decimals === undefined) {
    return d.kind === 'double' ? value >= d.min && value < d.max : value > 0;
  }
  const half = 0.5 / 10 ** d.decimals;
  return probability(d, [[value - half, value + half]]) > 0;
}

/** The adjacent double towards +∞ (`up`) or -∞. */
function nextAfter(x: number, up: boolean): number {
  if (x === 0) return up ? Number.MIN_VALUE : -Number.MIN_VALUE;
  const bits = new BigInt64Array(new Float64Array([x]).buffer);
  bits[0] += x > 0 === up ? 1n : -1n;
  return new Float64Array(bits.buffer)[0];
}
