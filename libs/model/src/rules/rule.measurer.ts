import type { ModelRule, RuleAtom, RuleBehaviourCount } from '../model.types';
import { describeCondition, parseNumber } from './rule-condition.evaluator';
import type { RuleMiningOptions } from './rule-mining.options';

/**
 * Counts over every stored trace of the period, by behaviour. Modeling implements it with SQL over
 * `trace_behaviours` joined with `spans`; an attribute is read the way rule conditions read it (the
 * entry span's value first, then the deciding handler's server span's, then the first span that
 * carries it).
 */
export interface RuleStatsSource {
  /**
   * Per behaviour: how many traces carry a numeric value of `attribute`, and the smallest and
   * largest. Behaviours without such a trace are left out.
   */
  numericRanges(query: {
    endpoint: string;
    at: string;
    attribute: string;
    fingerprints: readonly string[];
  }): Promise<{ fingerprint: string; count: number; min: number; max: number }[]>;
  /** Per behaviour: its traces, and those in which every atom holds (libs/model's semantics). */
  conditionCounts(query: {
    endpoint: string;
    at: string;
    atoms: readonly RuleAtom[];
    fingerprints: readonly string[];
  }): Promise<{ fingerprint: string; traces: number; holds: number }[]>;
}

export interface MeasuredRules {
  rules: ModelRule[];
  /** Rules mined from the samples that do not hold over all traces (dropped), for the log. */
  dropped: { rule: ModelRule; reason: string }[];
}

/**
 * Measures mined rules again over all traffic (the samples only found them):
 *
 * - a rule on one numeric attribute (`x >= t`, `x < t`) gets its threshold placed between the
 *   classes as all traces show them: in the gap between the largest value of the side without the
 *   effect and the smallest of the side with it (or the other way round for `<`), at the roundest
 *   number in that gap. A threshold at a sampled value sits inside the gap's far side and
 *   misjudges the traffic between the real boundary and that value;
 * - support, confidence and false rate are counted on every trace of the period, per behaviour;
 * - a rule that does not meet the mining thresholds on all traffic is dropped.
 *
 * A rule whose behaviours have no stored trace (membership not recorded) keeps its sampled figures.
 */
export async function measureRules(
  rules: readonly ModelRule[],
  source: RuleStatsSource,
  options: Pick<RuleMiningOptions, 'minConfidence' | 'maxFalseRate'>,
): Promise<MeasuredRules> {
  const out: MeasuredRules = { rules: [], dropped: [] };
  for (const mined of rules) {
    const behaviours = mined.measured?.behaviours ?? [];
    if (behaviours.length === 0) {
      out.rules.push(mined);
      continue;
    }
    const rule = await placeThreshold(mined, behaviours, source);
    const counts = await source.conditionCounts({
      endpoint: rule.endpoint,
      at: rule.at,
      atoms: rule.atoms,
      fingerprints: behaviours.map((b) => b.fingerprint),
    });
    const measured = remeasure(rule, behaviours, counts);
    if (measured === undefined) {
      out.rules.push(rule);
      continue;
    }
    if (measured.confidence < options.minConfidence || measured.falseRate > options.maxFalseRate) {
      out.dropped.push({
        rule: measured,
        reason: `over all traffic confidence ${measured.confidence.toFixed(3)}, false rate ${measured.falseRate.toFixed(3)}`,
      });
      continue;
    }
    out.rules.push(measured);
  }
  return out;
}

/** A single numeric atom placed between the classes; any other rule unchanged. */
async function placeThreshold(
  rule: ModelRule,
  behaviours: readonly RuleBehaviourCount[],
  source: RuleStatsSource,
): Promise<ModelRule> {
  if (rule.atoms.length !== 1) return rule;
  const [atom] = rule.atoms;
  if (atom.op !== '>=' && atom.op !== '<') return rule;
  const ranges = await source.numericRanges({
    endpoint: rule.endpoint,
    at: rule.at,
    attribute: atom.attribute,
    fingerprints: behaviours.map((b) => b.fingerprint),
  });
  const effect = new Map(behaviours.map((b) => [b.fingerprint, b.effect]));
  const side = (withEffect: boolean) =>
    ranges.filter((r) => effect.get(r.fingerprint) === withEffect);
  const yes = side(true);
  const no = side(false);
  if (yes.length === 0 || no.length === 0) return rule;
  // `x >= t` holds on the effect's side: t in (largest without, smallest with]; `x < t` mirrors it.
  const [below, above] = atom.op === '>=' ? [no, yes] : [yes, no];
  const lo = Math.max(...below.map((r) => r.max));
  const hi = Math.min(...above.map((r) => r.min));
  if (!(lo < hi)) return rule;
  const threshold = formatNumber(roundestBetween(lo, hi));
  if (parseNumber(threshold) === parseNumber(atom.value)) return rule;
  const atoms: RuleAtom[] = [{ ...atom, value: threshold }];
  return { ...rule, atoms, condition: describeCondition(atoms) };
}

/** The rule with its figures counted on all traces, or undefined when nothing was counted. */
function remeasure(
  rule: ModelRule,
  behaviours: readonly RuleBehaviourCount[],
  counts: readonly { fingerprint: string; traces: number; holds: number }[],
): ModelRule | undefined {
  const byFingerprint = new Map(counts.map((c) => [c.fingerprint, c]));
  const measured: RuleBehaviourCount[] = behaviours.map((b) => {
    const c = byFingerprint.get(b.fingerprint);
    return {
      fingerprint: b.fingerprint,
      effect: b.effect,
      traces: c?.traces ?? 0,
      holds: c?.holds ?? 0,
    };
  });
  if (measured.every((b) => b.traces === 0)) return undefined;
  let effectHolds = 0;
  let holds = 0;
  let effectFails = 0;
  let fails = 0;
  for (const b of measured) {
    holds += b.holds;
    fails += b.traces - b.holds;
    if (b.effect) {
      effectHolds += b.holds;
      effectFails += b.traces - b.holds;
    }
  }
  return {
    ...rule,
    support: effectHolds,
    confidence: holds > 0 ? effectHolds / holds : 0,
    falseRate: fails > 0 ? effectFails / fails : 1,
    measured: { basis: 'all-traces', behaviours: measured },
  };
}

/**
 * The number in (lo, hi] written with the fewest significant digits (the one a person would name
 * as the boundary): (249.8, 250.1] → 250, (9, 10] → 10, (0.51, 0.58] → 0.55. Requires lo < hi.
 */
export function roundestBetween(lo: number, hi: number): number {
  const magnitude = Math.max(Math.abs(lo), Math.abs(hi), hi - lo);
  let exponent = magnitude > 0 ? Math.ceil(Math.log10(magnitude)) + 1 : 0;
  for (; exponent > -15; exponent--) {
    const step = 10 ** exponent;
    // The first multiple of step above lo; round away float error (0.1 + 0.2).
    const candidate = Number(((Math.floor(lo / step) + 1) * step).toPrecision(15));
    if (candidate > lo && candidate <= hi) return candidate;
    // Halfway marks read as round too: 0.55 rather than 0.52 when no 0.1 step fits.
    const half = Number(((Math.floor(lo / (step / 2)) + 1) * (step / 2)).toPrecision(15));
    if (half > lo && half <= hi) return half;
  }
  return hi;
}

/** Shortest decimal text of a number (no exponent for everyday magnitudes). */
function formatNumber(n: number): string {
  return String(Number(n.toPrecision(15)));
}
