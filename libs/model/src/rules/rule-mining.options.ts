/**
 * Thresholds of rule mining. A rule is stated only when the evidence says so clearly: a wrong rule
 * becomes a wrong assertion in every generated test, a missing one only a weaker test.
 */
export interface RuleMiningOptions {
  /**
   * Minimum number of sampled traces where the condition holds and the effect happens; the traces
   * where the condition does not hold must number at least as many (a condition that holds
   * everywhere decides nothing). Default 20.
   */
  minSupport: number;
  /** Minimum P(effect | condition), weighted by traffic. Default 0.8. */
  minConfidence: number;
  /** Maximum P(effect | not condition), weighted by traffic. Default 0.01. */
  maxFalseRate: number;
  /** Attributes with more distinct values are not tested with `=` / `!=`. Default 20. */
  maxCategoricalValues: number;
  /**
   * When no single attribute test decides an effect, try two-atom conjunctions (a necessary test
   * refined by a second one, as nested branches produce). Default true.
   */
  conjunctions: boolean;
}

export const DEFAULT_RULE_MINING_OPTIONS: Readonly<RuleMiningOptions> = Object.freeze({
  minSupport: 20,
  minConfidence: 0.8,
  maxFalseRate: 0.01,
  maxCategoricalValues: 20,
  conjunctions: true,
});

/** Fills defaults and refuses nonsense, naming every bad option. */
export function resolveRuleMiningOptions(
  options: Partial<RuleMiningOptions> = {},
): RuleMiningOptions {
  const o = { ...DEFAULT_RULE_MINING_OPTIONS, ...options };
  const bad: string[] = [];
  if (!Number.isInteger(o.minSupport) || o.minSupport < 1) bad.push(`minSupport=${o.minSupport}`);
  if (!(o.minConfidence > 0 && o.minConfidence <= 1)) bad.push(`minConfidence=${o.minConfidence}`);
  if (!(o.maxFalseRate >= 0 && o.maxFalseRate < 1)) bad.push(`maxFalseRate=${o.maxFalseRate}`);
  if (!Number.isInteger(o.maxCategoricalValues) || o.maxCategoricalValues < 1) {
    bad.push(`maxCategoricalValues=${o.maxCategoricalValues}`);
  }
  if (bad.length > 0) throw new RangeError(`invalid rule mining options: ${bad.join(', ')}`);
  return o;
}
