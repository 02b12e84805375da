/**
 * MinHash signatures over structural shingles: position i of the signature is the minimum of the
 * i-th hash function over the shingles, and the share of positions two signatures agree on
 * estimates the Jaccard similarity of their shingle sets. k = 64 gives a standard error of about
 * 0.06, enough to find candidate pairs (which are then checked exactly).
 */

export const DEFAULT_SIGNATURE_SIZE = 64;

/**
 * The k hash functions are fmix32(h ^ seed_i) over one 32-bit hash h of each shingle: fmix32
 * (MurmurHash3's finaliser) is a bijection with full avalanche, so each seed gives an independent-
 * looking permutation for one multiply-xor chain per shingle and function. Seeds are fixed
 * (splitmix32 from a constant), so signatures are the same in every process.
 */
export function minhashSignature(
  shingles: readonly string[],
  k: number = DEFAULT_SIGNATURE_SIZE,
): Uint32Array {
  const seeds = seedsFor(k);
  const signature = new Uint32Array(k).fill(0xffffffff);
  for (const shingle of shingles) {
    const h = hashString32(shingle);
    for (let i = 0; i < k; i++) {
      const v = fmix32((h ^ seeds[i]) >>> 0);
      if (v < signature[i]) signature[i] = v;
    }
  }
  return signature;
}

/** Share of equal positions: the MinHash estimate of the Jaccard similarity. */
export function estimateSimilarity(a: Uint32Array, b: Uint32Array): number {
  const k = Math.min(a.length, b.length);
  if (k === 0) return 0;
  let same = 0;
  for (let i = 0; i < k; i++) if (a[i] === b[i]) same++;
  return same / k;
}

/** FNV-1a 32 over UTF-16 units, finalised with fmix32 so nearby strings spread. */
function hashString32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return fmix32(h >>> 0);
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const seedCache = new Map<number, Uint32Array>();

function seedsFor(k: number): Uint32Array {
  let seeds = seedCache.get(k);
  if (seeds === undefined) {
    seeds = new Uint32Array(k);
    let state = 0x9e3779b9;
    for (let i = 0; i < k; i++) {
      // splitmix32
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      seeds[i] = (z ^ (z >>> 16)) >>> 0;
    }
    seedCache.set(k, seeds);
  }
  return seeds;
}
