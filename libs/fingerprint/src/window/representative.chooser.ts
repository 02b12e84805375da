import type { SampledTrace } from './trace.sample';

/**
 * Chooses the trace that stands for a group: the one modeling and test generation will read in full.
 *
 * Preference: complete and error-free, else complete, else any; among those the duration closest to
 * `medianUs`; ties go to the smaller trace-id hash (then the smaller trace id). Deterministic: the
 * same candidates give the same choice in any order.
 *
 * Why from the sample and not from every trace: keeping a running "best so far" would need the final
 * median, which is only known when the window closes, and keeping every trace is unbounded. The
 * bottom-k sample is bounded and a uniform sample of the group's traces, so its member closest to the
 * median is a typical trace; and since merged samples are exact, the representative of a merged
 * aggregate is the same whichever order partitions and windows are merged in.
 *
 * Returns undefined for no candidates.
 */
export function chooseRepresentative(
  candidates: readonly SampledTrace[],
  medianUs: number,
): SampledTrace | undefined {
  let best: SampledTrace | undefined;
  let bestTier = 0;
  let bestDistance = 0;
  for (const c of candidates) {
    const tier = preferenceTier(c);
    const distance = Math.abs(c.durationUs - medianUs);
    if (
      best === undefined ||
      tier < bestTier ||
      (tier === bestTier &&
        (distance < bestDistance || (distance === bestDistance && compareHashThenId(c, best) < 0)))
    ) {
      best = c;
      bestTier = tier;
      bestDistance = distance;
    }
  }
  return best;
}

/** 0: complete and error-free, 1: complete with an error, 2: incomplete. */
function preferenceTier(c: SampledTrace): number {
  if (!c.complete) return 2;
  return c.error ? 1 : 0;
}

/** Hashes are fixed-width lowercase hex, so string order is numeric order. */
function compareHashThenId(x: SampledTrace, y: SampledTrace): number {
  if (x.hash !== y.hash) return x.hash < y.hash ? -1 : 1;
  return x.traceId < y.traceId ? -1 : x.traceId > y.traceId ? 1 : 0;
}
