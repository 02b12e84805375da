// Spec format v1
export * from './spec/test-spec.model';
export type { JsonSchema } from './spec/json-schema.model';
export { TEST_SPEC_V1_SCHEMA } from './spec/test-spec.schema';
export { validateTestSpec, type TestSpecValidation } from './spec/test-spec.validator';
export { validateAgainstSchema } from './spec/json-schema.validator';
export {
  resolveTrigger,
  fixtureVariables,
  placeholdersIn,
  typedValue,
  UnresolvedPlaceholderError,
} from './spec/trigger.resolver';
export { triggerFor, requestMap } from './spec/run-request';

// Evaluation
export type { AssertionResult, SpanRef } from './evaluate/assertion-result.model';
export {
  evaluateSpec,
  evaluateAssertions,
  evaluateAssertion,
  applicabilityHolds,
  conditionHolds,
  inProfile,
  type RequestAttributes,
  type EvaluateOptions,
  type EvaluationProfile,
} from './evaluate/spec.evaluator';
export { formatAssertionResults } from './evaluate/assertion-result.format';
export { describeSelector, semanticMatches } from './evaluate/span.selector';
export { describeMatcher } from './evaluate/attribute.matcher';

// Deterministic synthesis
export { synthesizeTests, recordedTracesFor } from './synthesize/tests.synthesizer';
export {
  DEFAULT_SYNTHESIS_OPTIONS,
  resolveSynthesisOptions,
  type SynthesisOptions,
} from './synthesize/synthesis.options';
export { learnAttributeMatcher, learnStatusMatcher } from './synthesize/matcher.learner';
export { learnValuePattern } from './synthesize/value-pattern.learner';
export { isEnvironmentAttribute, portableSemantic } from './synthesize/environment.attributes';
export {
  synthesizeVerifiedTests,
  storedConditions,
  applicabilityFor,
} from './deterministic.generator';

// Verification
export {
  verifySpec,
  type VerifyOptions,
  type StoredConditionEvidence,
} from './verify/spec.verifier';
export {
  defaultMutations,
  type MutationStrategy,
  type MutationContext,
  type Mutant,
} from './verify/assertion.mutator';
export * from './verify/trace.mutations';

// Emitters
export {
  emitJestTest,
  jestFileName,
  DEFAULT_JEST_EMIT_OPTIONS,
  type JestEmitOptions,
} from './emit/jest-file.emitter';
export { emitTracetestYaml } from './emit/tracetest-yaml.emitter';
