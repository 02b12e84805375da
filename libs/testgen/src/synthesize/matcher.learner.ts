import { parseNumber } from '../evaluate/attribute.matcher';
import type { AttributeMatcher, StatusMatcher, StatusName } from '../spec/test-spec.model';
import { learnValuePattern } from './value-pattern.learner';

/**
 * Learning a matcher from the values one attribute took across the sampled spans of a behaviour
 * (one value per span instance, undefined where the span lacked it):
 *
 *   the value set looks closed ─► `equals` (one value) or `oneOf` (a few)
 *   otherwise, by shape        ─► `type: bool | int | double`, a `regex` (ids in URLs, uuids, hex
 *                                 nonces), or `present` when nothing narrower fits
 *   missing on some spans      ─► nothing (an optional attribute asserts nothing reliable)
 *
 * "Looks closed" is the statistical part: two estimates of the chance that the next value is one
 * not seen yet must both stay under `maxUnseenMass`. Good–Turing estimates it as (values seen
 * once) / n, and adding 3 (the rule of three: an event not seen in n trials has a 95% upper bound
 * of 3/n) keeps small samples honest: a constant needs 20 agreeing samples at the default 0.15.
 * Witten–Bell estimates it as (distinct values) / (n + distinct values), which catches many values
 * each seen a few times: four values in 20 samples are not a closed set, two are.
 */
export function learnAttributeMatcher(
  values: readonly (string | undefined)[],
  options: { maxUnseenMass: number; maxOneOf: number },
): AttributeMatcher | undefined {
  if (values.length === 0) return undefined;
  const present = values.filter((v): v is string => v !== undefined);
  if (present.length !== values.length) return undefined;
  const counts = new Map<string, number>();
  for (const v of present) counts.set(v, (counts.get(v) ?? 0) + 1);
  if (isClosed(counts, present.length, options)) {
    const distinct = [...counts.keys()].sort();
    return distinct.length === 1 ? { equals: distinct[0] } : { oneOf: distinct };
  }
  const all = (test: (v: string) => boolean) => present.every(test);
  if (all((v) => v === 'true' || v === 'false')) return { type: 'bool' };
  if (all((v) => /^[-+]?\d+$/.test(v))) return { type: 'int' };
  if (all((v) => parseNumber(v) !== undefined)) return { type: 'double' };
  const pattern = learnValuePattern(present);
  return pattern !== undefined ? { regex: pattern } : { present: true };
}

/** Whether the observed distinct values plausibly are all there is. */
export function isClosed(
  counts: ReadonlyMap<unknown, number>,
  n: number,
  options: { maxUnseenMass: number; maxOneOf: number },
): boolean {
  if (counts.size > options.maxOneOf || n === 0) return false;
  let singletons = 0;
  for (const c of counts.values()) if (c === 1) singletons++;
  const goodTuring = (singletons + 3) / n;
  const wittenBell = counts.size / (n + counts.size);
  return goodTuring <= options.maxUnseenMass && wittenBell <= options.maxUnseenMass;
}

export interface LearnedStatus {
  matcher: StatusMatcher;
  /** `all`: every span of the shape; `any`: at least one per trace (retries that end well). */
  quantifier: 'all' | 'any';
}

/**
 * The status to assert for one span shape, from the statuses of its instances grouped per trace.
 * `errorFree` says the behaviour's cluster counted no error over all its traffic (a much larger
 * population than the sample): then "not an error" is asserted even from few samples. Otherwise
 * statuses need the same closed-set evidence as attribute values; retries (errors followed by a
 * success in one trace) become "at least one span is not an error".
 */
export function learnStatusMatcher(
  perTrace: readonly (readonly number[])[],
  errorFree: boolean,
  options: { maxUnseenMass: number; maxOneOf: number },
): LearnedStatus | undefined {
  const okLike: StatusName[] = ['unset', 'ok'];
  const flat = perTrace.flat();
  if (flat.length === 0) return undefined;
  const isError = (code: number) => code === 2;
  if (errorFree || flat.every((c) => !isError(c))) {
    if (errorFree) return { matcher: { oneOf: okLike }, quantifier: 'all' };
    const counts = new Map([['not-error', flat.length]]);
    return isClosed(counts, flat.length, options)
      ? { matcher: { oneOf: okLike }, quantifier: 'all' }
      : undefined;
  }
  if (flat.every(isError)) {
    return isClosed(new Map([['error', flat.length]]), flat.length, options)
      ? { matcher: { equals: 'error' }, quantifier: 'all' }
      : undefined;
  }
  // Mixed: retries that end well show an error-free span in every trace.
  if (perTrace.every((codes) => codes.some((c) => !isError(c)))) {
    return isClosed(new Map([['recovers', perTrace.length]]), perTrace.length, options)
      ? { matcher: { oneOf: okLike }, quantifier: 'any' }
      : undefined;
  }
  return undefined;
}
