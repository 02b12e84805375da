import type { TraceSummary } from '../trace.model';

/**
 * Seeded synthetic input for the window specs and the benchmark (not exported from the lib). Seeded
 * so a failing spec or a golden file reproduces exactly.
 */

/** Uniform [0, 1) from a 32-bit counter-based mixer: tiny, seedable, good enough for test data. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z ^= z >>> 16;
    return (z >>> 0) / 0x100000000;
  };
}

/** Standard normal by Box–Muller. */
export function normal(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/**
 * 32 lowercase hex characters, like a W3C trace id. Joined rather than concatenated: `+=` builds a
 * rope that V8 flattens on first hashing, which would show up as memory freed in the benchmark.
 */
export function randomTraceId(random: () => number): string {
  const parts: string[] = [];
  for (let i = 0; i < 4; i++) {
    parts.push(
      Math.floor(random() * 0x100000000)
        .toString(16)
        .padStart(8, '0'),
    );
  }
  return parts.join('');
}

export interface SyntheticTraceOptions {
  count: number;
  seed: number;
  endpoints: number;
  fingerprintsPerEndpoint: number;
  /** Trace starts are spread uniformly over [startMs, startMs + spanMs). */
  startMs: number;
  spanMs: number;
  errorRate?: number;
  incompleteRate?: number;
}

/**
 * Closed traces of `endpoints` × `fingerprintsPerEndpoint` groups. Durations are lognormal per group
 * (medians from 1 ms to ~1 s), so sketches see realistic spreads. Starts come in random order, as
 * traces close out of start order.
 */
export function syntheticSummaries(o: SyntheticTraceOptions): TraceSummary[] {
  const random = seededRandom(o.seed);
  // Interned once, as the clustering worker interns them: every trace of a group shares the strings.
  const endpoints = Array.from(
    { length: o.endpoints },
    (_, e) => `svc-${e % 7}|HTTP GET /api/v1/resource-${e}/{id}`,
  );
  const fingerprints = Array.from({ length: o.endpoints * o.fingerprintsPerEndpoint }, (_, i) => {
    const e = Math.floor(i / o.fingerprintsPerEndpoint);
    const f = i % o.fingerprintsPerEndpoint;
    return (((e * 31 + f) * 2654435761) >>> 0).toString(16).padStart(16, '0');
  });
  const out: TraceSummary[] = [];
  for (let i = 0; i < o.count; i++) {
    const e = Math.floor(random() * o.endpoints);
    const f = Math.floor(random() * o.fingerprintsPerEndpoint);
    const medianUs = 1000 * Math.pow(1000, ((e * 7 + f * 3) % 10) / 10);
    const startNs = BigInt(o.startMs) * 1_000_000n + BigInt(Math.floor(random() * o.spanMs * 1e6));
    out.push({
      traceId: randomTraceId(random),
      endpoint: endpoints[e],
      fingerprint: fingerprints[e * o.fingerprintsPerEndpoint + f],
      startNs,
      durationUs: Math.round(medianUs * Math.exp(0.6 * normal(random))),
      error: random() < (o.errorRate ?? 0.02),
      complete: random() >= (o.incompleteRate ?? 0.01),
      spanCount: 3 + f * 4 + Math.floor(random() * 3),
    });
  }
  return out;
}
