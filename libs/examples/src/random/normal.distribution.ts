import type { SeededRandom } from './seeded.random';

/**
 * The standard normal distribution, for log-normal request attributes: its CDF to double
 * precision (the ground truth's shares are only as exact as this) and a sampler.
 */

const SQRT2 = Math.SQRT2;
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const ONE_OVER_SQRT_PI = 1 / Math.sqrt(Math.PI);

/** Below this, erf's series; above, erfc's continued fraction (each converges fast on its side). */
const SERIES_LIMIT = 3;
const EPSILON = 1e-17;
const MAX_TERMS = 500;

/** Φ(z) = P(Z <= z) for a standard normal Z, to about 1e-15 absolute. */
export function standardNormalCdf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  // Φ(z) = erfc(-z/√2) / 2; using erfc on the tail side keeps tiny tail probabilities accurate.
  return z < 0 ? erfc(-z / SQRT2) / 2 : 1 - erfc(z / SQRT2) / 2;
}

/** erfc(x) for x >= 0. */
function erfc(x: number): number {
  if (x === Infinity) return 0;
  return x < SERIES_LIMIT ? 1 - erfSeries(x) : erfcContinuedFraction(x);
}

/**
 * erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)). Every term is positive, so unlike
 * the alternating Taylor series nothing cancels and the sum keeps full precision.
 */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < MAX_TERMS; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < sum * EPSILON) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
}

/**
 * erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated with the modified
 * Lentz method; for x >= 3 it converges in a few dozen steps.
 */
function erfcContinuedFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < MAX_TERMS; n++) {
    const a = n / 2;
    d = x + a * d;
    d = Math.abs(d) < tiny ? 1 / tiny : 1 / d;
    c = x + a / c;
    if (Math.abs(c) < tiny) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < EPSILON) break;
  }
  return (Math.exp(-x * x) * ONE_OVER_SQRT_PI) / f;
}

/**
 * A standard normal draw (Box–Muller, two uniforms). `1 - u` keeps the logarithm's argument in
 * (0, 1]; with 32-bit uniforms the draw is bounded by |z| < 6.7, a tail of mass 2e-11.
 */
export function standardNormal(random: SeededRandom): number {
  const u = 1 - random.float();
  const v = random.float();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
