import type { BehaviourEvidence, ModelTrace, SystemModel } from '@t2t/model';
import type { TestSpec } from '../spec/test-spec.model';
import { synthesizeBehaviourSpec } from './behaviour-spec.synthesizer';
import { synthesizeJourneySpecs } from './journey-spec.synthesizer';
import { synthesizeRuleSpec } from './rule-spec.synthesizer';
import { behaviourKey, createSynthesisContext, tracesOf } from './synthesis.context';
import { resolveSynthesisOptions, type SynthesisOptions } from './synthesis.options';

/**
 * The deterministic generator (no LLM): from the model and the clustering evidence,
 *
 * - one spec per behaviour of each entry endpoint (its structure, learned matchers, duration bound),
 * - one spec per rule (a conditional assertion, triggered with the condition true and false),
 * - one spec per write-then-read journey across entry endpoints sharing a table or collection.
 *
 * Output order and content depend only on the input: endpoints in key order, behaviours busiest
 * first, then rules in the model's order, then journeys. Specs are not yet verified: run
 * verifySpec with recordedTracesFor(spec, evidence) (synthesizeVerifiedTests does both).
 */
export function synthesizeTests(
  model: SystemModel,
  evidence: readonly BehaviourEvidence[],
  options: Partial<SynthesisOptions> = {},
): TestSpec[] {
  const ctx = createSynthesisContext(model, evidence, resolveSynthesisOptions(options));
  const specs: TestSpec[] = [];
  for (const endpoint of model.endpoints) {
    if (!endpoint.entry) continue;
    for (const fingerprint of endpoint.behaviours) {
      const e = ctx.evidence.get(behaviourKey(endpoint.key, fingerprint));
      const spec = e === undefined ? undefined : synthesizeBehaviourSpec(ctx, e);
      if (spec !== undefined) specs.push(spec);
    }
  }
  for (const rule of model.rules) {
    const spec = synthesizeRuleSpec(ctx, rule);
    if (spec !== undefined) specs.push(spec);
  }
  if (ctx.options.journeys) specs.push(...synthesizeJourneySpecs(ctx));
  return specs;
}

/**
 * The recorded traces a spec must hold on: its behaviour's (behaviour and journey specs), every
 * behaviour of its endpoint (rule specs: both arms of the condition), and for journey steps the
 * behaviour each step was derived from.
 */
export function recordedTracesFor(
  spec: TestSpec,
  evidence: readonly BehaviourEvidence[],
): { recorded: ModelTrace[]; recordedSteps: ModelTrace[][] } {
  const of = (endpoint: string, fingerprint: string | undefined) =>
    evidence
      .filter(
        (e) =>
          e.endpoint === endpoint && (fingerprint === undefined || e.fingerprint === fingerprint),
      )
      .flatMap(tracesOf);
  const recorded =
    spec.covers.rule !== undefined && spec.covers.behaviour === undefined
      ? of(spec.endpoint, undefined)
      : of(spec.endpoint, spec.covers.behaviour);
  const recordedSteps = (spec.before ?? []).map((step) => of(step.endpoint, step.behaviour));
  return { recorded, recordedSteps };
}
