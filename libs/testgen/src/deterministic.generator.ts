import type { BehaviourEvidence, SystemModel } from '@t2t/model';
import type { TestSpec } from './spec/test-spec.model';
import { recordedTracesFor, synthesizeTests } from './synthesize/tests.synthesizer';
import type { SynthesisOptions } from './synthesize/synthesis.options';
import { verifySpec, type VerifyOptions } from './verify/spec.verifier';

/**
 * The deterministic path end to end: synthesize specs from the model and evidence, then verify each
 * against the recorded traces it was learned from. Rejected specs are kept (with their
 * verification result) so callers can count and report them; filter on
 * `verification.status === 'verified'` to keep the usable ones.
 */
export function synthesizeVerifiedTests(
  model: SystemModel,
  evidence: readonly BehaviourEvidence[],
  options: Partial<SynthesisOptions> & Pick<VerifyOptions, 'mutate' | 'mutationTraces'> = {},
): TestSpec[] {
  const { mutate, mutationTraces, ...synthesis } = options;
  return synthesizeTests(model, evidence, synthesis).map((spec) =>
    verifySpec(spec, { ...recordedTracesFor(spec, evidence), mutate, mutationTraces }),
  );
}
