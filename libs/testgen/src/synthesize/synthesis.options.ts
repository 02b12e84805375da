/**
 * Options of the deterministic synthesizer. Every default is chosen so that tests generated from
 * a bounded sample (clustering keeps ~20 traces per behaviour) still pass on traffic they have not
 * seen; see the README's "How matchers are learned".
 */
export interface SynthesisOptions {
  /**
   * Largest acceptable upper bound on the chance that the next value of an attribute is one not
   * seen in the sample. A value set counts as closed (`equals`, `oneOf`) only when
   * (values seen once + 3) / sample size is at most this: Good–Turing's estimate of the unseen mass
   * plus the rule of three for an event not yet observed. Default 0.15 (a constant needs 20
   * agreeing samples).
   */
  maxUnseenMass: number;
  /** Most values a `oneOf` may list. Default 8. */
  maxOneOf: number;
  /**
   * Duration bound of the performance profile = this × the larger of the behaviour's p99 over all
   * traffic and its slowest sampled trace. Default 2: a healthy run exceeds it less than 1% of
   * the time on the machine the traces came from.
   */
  durationHeadroom: number;
  /**
   * Assert the entry span's duration, in the performance profile (checked only when a run asks for
   * it, never by the functional tests: timings depend on the machine's load). Default true.
   */
  durations: boolean;
  /** Assert that no span beyond the behaviour's known shapes appears (`only`). Default true. */
  closedWorld: boolean;
  /** Generate write-then-read journeys across endpoints. Default true. */
  journeys: boolean;
  /** libs/model modelHash of the model; computed when not given. */
  modelVersion?: string;
  /** Evidence trace ids recorded in provenance per spec. Default 20. */
  maxEvidenceTraceIds: number;
}

export const DEFAULT_SYNTHESIS_OPTIONS: Readonly<SynthesisOptions> = Object.freeze({
  maxUnseenMass: 0.15,
  maxOneOf: 8,
  durationHeadroom: 2,
  durations: true,
  closedWorld: true,
  journeys: true,
  maxEvidenceTraceIds: 20,
});

/** Fills defaults and refuses nonsense, naming every bad option. */
export function resolveSynthesisOptions(options: Partial<SynthesisOptions> = {}): SynthesisOptions {
  const o = { ...DEFAULT_SYNTHESIS_OPTIONS, ...options };
  const bad: string[] = [];
  if (!(o.maxUnseenMass > 0 && o.maxUnseenMass <= 1)) bad.push(`maxUnseenMass=${o.maxUnseenMass}`);
  if (!Number.isInteger(o.maxOneOf) || o.maxOneOf < 1) bad.push(`maxOneOf=${o.maxOneOf}`);
  if (!(o.durationHeadroom >= 1)) bad.push(`durationHeadroom=${o.durationHeadroom}`);
  if (!Number.isInteger(o.maxEvidenceTraceIds) || o.maxEvidenceTraceIds < 1) {
    bad.push(`maxEvidenceTraceIds=${o.maxEvidenceTraceIds}`);
  }
  if (bad.length > 0) throw new RangeError(`invalid synthesis options: ${bad.join(', ')}`);
  return o;
}
