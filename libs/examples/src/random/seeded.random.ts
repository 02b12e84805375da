/**
 * Deterministic randomness for the generator: sfc32 (Chris Doty-Humphrey's small fast counting
 * generator, 128-bit state, passes PractRand) seeded directly from (seed, stream, index).
 *
 * Each request draws from its own generators, so request i is the same whatever the number of
 * requests generated, and separate streams keep concerns independent: turning noise on re-draws
 * timings and ids but not a single branch decision. The state words are the inputs themselves
 * (then mixed by warm-up rounds); sfc32's step is a bijection, so different inputs never collapse
 * into the same sequence, unlike hashing them into one 32-bit seed, where a million requests would
 * collide by the birthday bound.
 */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;

  constructor(seed: number, stream: number, index: number) {
    this.a = seed >>> 0;
    this.b = index >>> 0;
    this.c = (stream ^ 0x9e3779b9) >>> 0;
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** Uniform 32-bit unsigned integer. */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.uint32() / 4294967296;
  }

  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  /** Index of the first cumulative weight above a uniform draw (weights normalised to end at 1). */
  pick(cumulative: readonly number[]): number {
    const u = this.float();
    for (let i = 0; i < cumulative.length - 1; i++) if (u < cumulative[i]) return i;
    return cumulative.length - 1;
  }

  /** `bytes` random bytes as lowercase hex (bytes a multiple of 4), never all zero (an invalid OTLP id). */
  hex(bytes: number): string {
    let out = '';
    let any = 0;
    for (let i = 0; i < bytes; i += 4) {
      const x = this.uint32();
      any |= x;
      out += HEX[x >>> 24] + HEX[(x >>> 16) & 255] + HEX[(x >>> 8) & 255] + HEX[x & 255];
    }
    return any === 0 ? out.slice(0, -1) + '1' : out;
  }

  /** A random version-4 UUID. */
  uuid(): string {
    const h = this.hex(16);
    const variant = '89ab'[this.uint32() & 3];
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20)}`;
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Cumulative weights normalised to end at exactly 1. */
export function cumulativeWeights(weights: readonly number[]): number[] {
  const total = weights.reduce((s, w) => s + w, 0);
  let sum = 0;
  const out = weights.map((w) => (sum += w) / total);
  out[out.length - 1] = 1;
  return out;
}

/** FNV-1a, for stable names derived from text (instance ids). */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
