import { DEFAULT_SIGNATURE_SIZE, minhashSignature } from './minhash.signature';

/** The input of family grouping: an exact fingerprint and its structural shingles. */
export interface FamilyInput {
  hash: string;
  shingles: string[];
}

/** LSH banding: `bands` bands of `rows` signature positions each (bands × rows = signature size). */
export interface BandLayout {
  bands: number;
  rows: number;
}

/** Candidate pairs at exactly the threshold should be found with at least this probability. */
const MIN_RECALL_AT_THRESHOLD = 0.95;

/**
 * The banding for a signature of `k` positions: the most rows per band (fewest false candidates)
 * that still makes a pair with similarity `threshold` share a band with probability ≥ 0.95,
 * i.e. 1 - (1 - t^rows)^bands ≥ 0.95. For k = 64, t = 0.7 that is 16 bands of 4 rows (0.988).
 */
export function chooseBands(k: number, threshold: number): BandLayout {
  for (let rows = k; rows >= 1; rows--) {
    if (k % rows !== 0) continue;
    const bands = k / rows;
    const recall = 1 - Math.pow(1 - Math.pow(threshold, rows), bands);
    if (recall >= MIN_RECALL_AT_THRESHOLD) return { bands, rows };
  }
  return { bands: k, rows: 1 };
}

/**
 * Groups near-duplicate fingerprints (variants of one behaviour that differ only in optional noise)
 * into families, without touching the exact fingerprints: the result maps every input hash to the
 * id of its family, which is the smallest hash of the family.
 *
 * Two fingerprints are linked when the Jaccard similarity of their shingle sets is at least
 * `threshold`; families are the connected groups of links. MinHash + LSH banding only proposes
 * candidate pairs (so the work stays near-linear); each candidate is then checked with the exact
 * Jaccard similarity, so no link rests on an estimate. The result does not depend on input order:
 * inputs are deduplicated by hash and processed in hash order, and connected groups and their
 * smallest members do not depend on the order links are found in.
 */
export function groupFamilies(
  fingerprints: readonly FamilyInput[],
  threshold = 0.7,
  k = DEFAULT_SIGNATURE_SIZE,
): Map<string, string> {
  const byHash = new Map<string, string[]>();
  for (const f of fingerprints) if (!byHash.has(f.hash)) byHash.set(f.hash, f.shingles);
  const hashes = [...byHash.keys()].sort();
  const sets = hashes.map((h) => [...new Set(byHash.get(h))].sort());

  const parent = hashes.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };

  const { bands, rows } = chooseBands(k, threshold);
  const signatures = sets.map((s) => (s.length === 0 ? undefined : minhashSignature(s, k)));
  for (let band = 0; band < bands; band++) {
    const buckets = new Map<string, number[]>();
    for (let i = 0; i < hashes.length; i++) {
      const signature = signatures[i];
      if (signature === undefined) continue;
      let key = '';
      for (let r = band * rows; r < (band + 1) * rows; r++) key += signature[r].toString(36) + ',';
      const bucket = buckets.get(key);
      if (bucket === undefined) buckets.set(key, [i]);
      else bucket.push(i);
    }
    for (const bucket of buckets.values()) {
      for (let a = 1; a < bucket.length; a++) {
        for (let b = 0; b < a; b++) {
          const ra = find(bucket[a]);
          const rb = find(bucket[b]);
          if (ra === rb) continue;
          if (jaccard(sets[bucket[a]], sets[bucket[b]]) >= threshold) parent[ra] = rb;
        }
      }
    }
  }

  const familyOfRoot = new Map<number, string>();
  const families = new Map<string, string>();
  for (let i = 0; i < hashes.length; i++) {
    const root = find(i);
    let family = familyOfRoot.get(root);
    if (family === undefined) {
      // Hashes are visited in ascending order: the first member seen is the smallest.
      family = hashes[i];
      familyOfRoot.set(root, family);
    }
    families.set(hashes[i], family);
  }
  return families;
}

/** |A ∩ B| / |A ∪ B| of two sorted, duplicate-free lists. */
export function jaccard(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 && b.length === 0) return 0;
  let i = 0;
  let j = 0;
  let common = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      common++;
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
  }
  return common / (a.length + b.length - common);
}
