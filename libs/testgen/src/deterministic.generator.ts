import { describeCondition, type BehaviourEvidence, type SystemModel } from '@t2t/model';
import { indexTrace } from './evaluate/trace.index';
import type { ApplicabilityClause, TestSpec } from './spec/test-spec.model';
import { applicabilityOf } from './synthesize/setup.builder';
import { behaviourKey, createSynthesisContext, tracesOf } from './synthesize/synthesis.context';
import { recordedTracesFor, synthesizeTests } from './synthesize/tests.synthesizer';
import { resolveSynthesisOptions, type SynthesisOptions } from './synthesize/synthesis.options';
import {
  verifySpec,
  type StoredConditionEvidence,
  type VerifyOptions,
} from './verify/spec.verifier';

/**
 * The deterministic path end to end: synthesize specs from the model and evidence, then verify each
 * against the recorded traces it was learned from, and its branches against what the model's rules
 * measured over all stored traffic. Rejected specs are kept (with their verification result) so
 * callers can count and report them; filter on `verification.status === 'verified'` to keep the
 * usable ones.
 */
export function synthesizeVerifiedTests(
  model: SystemModel,
  evidence: readonly BehaviourEvidence[],
  options: Partial<SynthesisOptions> & Pick<VerifyOptions, 'mutate' | 'mutationTraces'> = {},
): TestSpec[] {
  const { mutate, mutationTraces, ...synthesis } = options;
  const stored = storedConditions(model);
  return synthesizeTests(model, evidence, synthesis).map((spec) =>
    verifySpec(spec, { ...recordedTracesFor(spec, evidence), mutate, mutationTraces, stored }),
  );
}

/**
 * Each rule measured over all traffic, as evidence about the conditional that tests it: `then`
 * (the effect exists) fails on traces of behaviours without the effect where the condition holds,
 * `else` (the effect is absent) on traces of behaviours with it where the condition fails.
 */
export function storedConditions(model: SystemModel): StoredConditionEvidence[] {
  const out: StoredConditionEvidence[] = [];
  for (const rule of model.rules) {
    if (rule.measured?.basis !== 'all-traces') continue;
    let thenFails = 0;
    let elseFails = 0;
    let traces = 0;
    for (const b of rule.measured.behaviours) {
      traces += b.traces;
      if (b.effect) elseFails += b.traces - b.holds;
      else thenFails += b.holds;
    }
    out.push({
      condition: describeCondition(rule.atoms),
      at: rule.at,
      thenFails,
      elseFails,
      traces,
    });
  }
  return out;
}

/**
 * Which stored traces a spec written elsewhere (the LLM path) should judge, as the synthesizer
 * decides it for its own: the clauses of the rules that decide the behaviour it covers; `[]` for a
 * rule spec (every trace of its endpoint); the spec's own clauses when it has them.
 */
export function applicabilityFor(
  spec: TestSpec,
  model: SystemModel,
  evidence: readonly BehaviourEvidence[],
): ApplicabilityClause[] {
  if (spec.appliesWhen !== undefined) return spec.appliesWhen;
  const fingerprint = spec.covers.behaviour;
  if (fingerprint === undefined) return [];
  const ctx = createSynthesisContext(model, evidence, resolveSynthesisOptions());
  const own = ctx.evidence.get(behaviourKey(spec.endpoint, fingerprint));
  const traces = own === undefined ? [] : tracesOf(own).map(indexTrace);
  return applicabilityOf(ctx, spec.endpoint, fingerprint, traces);
}
