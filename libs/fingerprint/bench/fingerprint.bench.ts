/**
 * Throughput of labelling and fingerprinting, the per-span and per-trace work of clustering.
 *
 *   node -r @swc-node/register libs/fingerprint/bench/fingerprint.bench.ts [seconds-per-case]
 *   (npm run bench:fingerprint)
 *
 * Workload: 2,000 synthetic checkout traces of 10-50 spans (see bench-traces.fixture.ts: HTTP,
 * Postgres, Redis, Kafka, fan-out, retries, pagination, ids everywhere). Each case runs over all
 * traces again and again for a few seconds after a warm-up; the median of half-second rounds is
 * reported. The last line of output is one JSON object with the figures, units in the key names.
 */
import { createHash } from 'node:crypto';
import { groupFamilies } from '../src/families';
import { fingerprintTrace, fingerprintTree } from '../src/hash';
import { entryEndpoint, spanLabel } from '../src/labels';
import { buildTraceTree } from '../src/tree';
import type { AssembledTrace, TraceFingerprint } from '../src/trace.model';
import { assembleBenchTrace, generateBenchTraces, seededRandom } from './bench-traces.fixture';

const TRACES = 2000;
const FAMILIES = 100;
const VARIANTS_PER_FAMILY = 50;
const SHINGLES_PER_SHAPE = 40;
const ROUND_MS = 500;
const seconds = Number(process.argv[2] ?? 3);

/** Median rate of `run` in units per second; `run` handles `units` units per call. */
function measure(name: string, unit: string, units: number, run: () => unknown): number {
  const warmUntil = performance.now() + 1000;
  while (performance.now() < warmUntil) run();
  const rates: number[] = [];
  const endAt = performance.now() + seconds * 1000;
  while (performance.now() < endAt) {
    let calls = 0;
    const start = performance.now();
    let now = start;
    while (now - start < ROUND_MS) {
      run();
      calls++;
      now = performance.now();
    }
    rates.push((calls * units * 1000) / (now - start));
  }
  rates.sort((a, b) => a - b);
  const median = Math.round(rates[rates.length >> 1]);
  const spread = `${Math.round(rates[0]).toLocaleString('en')}..${Math.round(rates[rates.length - 1]).toLocaleString('en')}`;
  console.log(
    `${name.padEnd(26)} ${median.toLocaleString('en').padStart(11)} ${unit}/s (rounds ${spread})`,
  );
  return median;
}

const raw = generateBenchTraces(TRACES);
const intern = new Map<string, string>();
const traces: AssembledTrace[] = raw.map((spans, i) => assembleBenchTrace(spans, i, intern));
const spanCount = traces.reduce((n, t) => n + t.spans.length, 0);
const rawSpans = raw.flat();
const fingerprints: TraceFingerprint[] = traces.map(fingerprintTrace);
const distinct = new Set(fingerprints.map((f) => f.hash)).size;
const canonicalChars = fingerprints.reduce((n, f) => n + f.canonical.length, 0) / TRACES;
const minSpans = Math.min(...traces.map((t) => t.spans.length));
const maxSpans = Math.max(...traces.map((t) => t.spans.length));

console.log(
  `node ${process.version}, ${TRACES} traces, ${(spanCount / TRACES).toFixed(1)} spans/trace ` +
    `(${minSpans}-${maxSpans}), ${distinct} distinct fingerprints, ` +
    `${canonicalChars.toFixed(0)} canonical chars/trace`,
);

const trees = traces.map(buildTraceTree);
let sink = 0;
const labelSpans = measure('spanLabel+entryEndpoint', 'spans', rawSpans.length, () => {
  for (const s of rawSpans) sink += spanLabel(s).length + (entryEndpoint(s)?.length ?? 0);
});
const treeSpans = measure('buildTraceTree', 'spans', spanCount, () => {
  for (const t of traces) sink += buildTraceTree(t).nodes.length;
});
const hashSpans = measure('fingerprintTree', 'spans', spanCount, () => {
  for (const t of trees) sink += fingerprintTree(t).hash.length;
});
const fullTraces = measure('fingerprintTrace', 'traces', TRACES, () => {
  for (const t of traces) sink += fingerprintTrace(t).hash.length;
});
// The share of the final SHA-256: the one crypto call per trace, over the canonical form.
const canonicals = fingerprints.map((f) => f.canonical);
const sha256Traces = measure('sha256(canonical) only', 'traces', TRACES, () => {
  for (const c of canonicals) sink += createHash('sha256').update(c).digest('hex').length;
});
const variants = familyVariants(FAMILIES, VARIANTS_PER_FAMILY);
const familyCount = new Set(groupFamilies(variants).values()).size;
console.log(
  `families: ${variants.length} fingerprints drawn from ${FAMILIES} shapes ` +
    `(variants of ${SHINGLES_PER_SHAPE} shingles) → ${familyCount} families`,
);
const familyFingerprints = measure('groupFamilies', 'fingerprints', variants.length, () => {
  sink += groupFamilies(variants).size;
});
if (sink === 0) console.log('(unreachable)');

/**
 * Distinct fingerprints as near-duplicate variants of a few shapes: each variant drops each of its
 * shape's 40 shingles with probability 3.75% and adds 0-3 of its own, like optional calls do.
 */
function familyVariants(shapes: number, perShape: number): { hash: string; shingles: string[] }[] {
  const random = seededRandom(7);
  const out: { hash: string; shingles: string[] }[] = [];
  for (let f = 0; f < shapes; f++) {
    const base = Array.from({ length: SHINGLES_PER_SHAPE }, (_, i) => `s${f}-${i}`);
    for (let v = 0; v < perShape; v++) {
      const shingles = base.filter(() => random() > 3 / SHINGLES_PER_SHAPE / 2);
      for (let extra = Math.floor(random() * 4); extra > 0; extra--) {
        shingles.push(`x${Math.floor(random() * 1e9)}`);
      }
      out.push({ hash: `${f}-${v}`, shingles });
    }
  }
  return out;
}

console.log(
  JSON.stringify({
    fingerprint_traces_per_s: fullTraces,
    fingerprint_spans_per_s: Math.round((fullTraces * spanCount) / TRACES),
    label_spans_per_s: labelSpans,
    tree_spans_per_s: treeSpans,
    hash_spans_per_s: hashSpans,
    sha256_canonical_traces_per_s: sha256Traces,
    group_families_fingerprints_per_s: familyFingerprints,
    group_families_input_fingerprints: variants.length,
    group_families_found: familyCount,
    spans_per_trace: Number((spanCount / TRACES).toFixed(1)),
    distinct_fingerprints: distinct,
    canonical_chars_per_trace: Math.round(canonicalChars),
  }),
);
