export * from './model.types';
export { buildSystemModel, type SystemModelOptions } from './build/system-model.builder';
export { mineRules } from './rules/rule.miner';
export {
  measureRules,
  roundestBetween,
  type MeasuredRules,
  type RuleStatsSource,
} from './rules/rule.measurer';
export {
  DEFAULT_RULE_MINING_OPTIONS,
  resolveRuleMiningOptions,
  type RuleMiningOptions,
} from './rules/rule-mining.options';
export {
  evaluateAtom,
  evaluateCondition,
  describeCondition,
} from './rules/rule-condition.evaluator';
export { diffModels } from './diff/model.diff';
export { modelHash, canonicalJson } from './diff/model.hash';
export { edgeId, describeEffect, type EdgeShape } from './extract/edge.format';
export { entityKey, cacheKeyTemplate } from './extract/entity.extractor';
export { renderMermaid } from './render/mermaid.renderer';
