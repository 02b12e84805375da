import { edgeId, type ModelRule } from '@t2t/model';
import { evaluateConditionOn } from '../evaluate/spec.evaluator';
import type { TraceIndex } from '../evaluate/trace.index';
import type { Condition, TestSpec } from '../spec/test-spec.model';
import { TEST_SPEC_VERSION } from '../spec/test-spec.model';
import { DETERMINISTIC_GENERATOR } from './behaviour-spec.synthesizer';
import type { ShapeProfile } from './behaviour.profile';
import { spanRealisesEdge } from './edge-span.matcher';
import { fixtureIdAttributes, fixturesOf, requestAttributesOf } from './request.analyzer';
import { requestAttributesFor } from './setup.builder';
import { endpointDisplay, negateEffect, specId } from './spec-naming.format';
import type { SynthesisContext } from './synthesis.context';
import { buildTrigger } from './trigger.builder';

/**
 * One spec for one rule of the model: a conditional assertion "when the condition holds, the
 * effect's span exists; otherwise it is absent", with a trigger that makes the condition hold and a
 * variant that makes it fail, so a live run exercises both arms. The effect's span is found in the
 * endpoint's recorded traces (the shape where the rule's edge happens) and selected the way the
 * behaviour specs select it. Undefined when the traces show no such span or no trace satisfies
 * the condition.
 */
export function synthesizeRuleSpec(ctx: SynthesisContext, rule: ModelRule): TestSpec | undefined {
  const evidence = ctx.evidenceByEndpoint.get(rule.endpoint) ?? [];
  const profile = ctx.ruleProfile(rule.endpoint);
  if (profile === undefined) return undefined;
  const condition: Condition = { all: rule.atoms, at: rule.at };
  const holds = new Map<TraceIndex, boolean>(
    profile.traces.map((t) => [t, evaluateConditionOn(condition, t, undefined).holds]),
  );
  const yes = profile.traces.filter((t) => holds.get(t));
  const no = profile.traces.filter((t) => !holds.get(t));
  if (yes.length === 0) return undefined;
  const effect = effectShape(profile.shapes, rule, profile.traces, holds);
  if (effect === undefined) return undefined;

  // Trigger from the busiest behaviour's representative where the condition holds.
  const representatives = evidence
    .map((e) => e.representative?.traceId)
    .filter((id): id is string => id !== undefined);
  const pick = (pool: TraceIndex[]) =>
    representatives
      .map((id) => pool.find((t) => t.trace.traceId === id))
      .find((t) => t !== undefined) ?? pool[0];
  const chosen = pick(yes);
  const forced = new Map(rule.atoms.map((a) => [a.attribute, `rule: ${rule.condition}`]));
  const request = requestAttributesFor(ctx, rule.endpoint, chosen, yes, forced);
  const fixtures = fixturesOf(request);
  const placeholders = fixtureIdAttributes(fixtures);
  const { trigger, notes } = buildTrigger(rule.endpoint, chosen, request, placeholders);
  const conditionAttributes = rule.atoms.map((a) => a.attribute);
  const missing = conditionAttributes.filter((a) => requestAttributesOf(chosen)[a] === undefined);
  if (missing.length > 0) {
    notes.push(
      `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not on the entry span: the request cannot set ${missing.length === 1 ? 'it' : 'them'} directly; arrange state so the handler at ${rule.at} sees the condition hold.`,
    );
  }
  const variants: NonNullable<TestSpec['variants']> = [];
  if (no.length > 0) {
    const other = pick(no);
    const negated = new Map(rule.atoms.map((a) => [a.attribute, `rule: not (${rule.condition})`]));
    const otherRequest = requestAttributesFor(ctx, rule.endpoint, other, no, negated);
    variants.push({
      name: `not (${rule.condition})`,
      trigger: buildTrigger(rule.endpoint, other, otherRequest, placeholders).trigger,
      request: otherRequest,
    });
  }

  const display = endpointDisplay(rule.endpoint);
  return {
    specVersion: TEST_SPEC_VERSION,
    id: specId(
      'rule',
      `${rule.endpoint.split('|')[0]} ${display} ${rule.effect}`,
      `${rule.endpoint}\u0000${rule.at}\u0000${edgeId(rule.edge)}\u0000${rule.condition}`,
    ),
    name: `${display} — ${rule.effect} only if ${rule.condition}`,
    description:
      `Rule of the model (support ${rule.support}, confidence ${rule.confidence.toFixed(3)}, false rate ${rule.falseRate.toFixed(3)}): ` +
      `within ${rule.endpoint}, the handler ${rule.at} ${rule.effect} only if ${rule.condition}.`,
    endpoint: rule.endpoint,
    covers: {
      rule: {
        endpoint: rule.endpoint,
        at: rule.at,
        condition: rule.condition,
        effect: rule.effect,
      },
    },
    // A rule judges every trace of its endpoint: its conditional reads which arm applies.
    appliesWhen: [],
    setup: { request, fixtures, state: [], ...(notes.length > 0 ? { notes } : {}) },
    trigger,
    ...(variants.length > 0 ? { variants } : {}),
    assertions: [
      {
        id: 'a1',
        kind: 'conditional',
        description: `${rule.effect} only if ${rule.condition}`,
        when: condition,
        then: [{ id: 'a2', kind: 'exists', description: rule.effect, select: effect.selector }],
        else: [
          {
            id: 'a3',
            kind: 'absent',
            description: negateEffect(rule.effect),
            select: effect.selector,
          },
        ],
      },
    ],
    provenance: {
      generator: 'deterministic',
      model: DETERMINISTIC_GENERATOR,
      evidenceTraceIds: [chosen, ...yes.filter((t) => t !== chosen), ...no]
        .slice(0, ctx.options.maxEvidenceTraceIds)
        .map((t) => t.trace.traceId),
      modelVersion: ctx.modelVersion,
    },
  };
}

/**
 * The span shape where the rule's effect happens: among shapes with a span realising the rule's
 * edge, the one seen in the most traces where the condition holds and the fewest where it does not.
 */
function effectShape(
  shapes: readonly ShapeProfile[],
  rule: ModelRule,
  traces: readonly TraceIndex[],
  holds: ReadonlyMap<TraceIndex, boolean>,
): ShapeProfile | undefined {
  let best: { shape: ShapeProfile; score: number } | undefined;
  for (const shape of shapes) {
    if (!shape.perTrace.some((l) => l.some((s) => spanRealisesEdge(s, rule.edge)))) continue;
    let score = 0;
    shape.perTrace.forEach((l, t) => {
      if (l.length > 0) score += holds.get(traces[t]) ? 1 : -1;
    });
    if (best === undefined || score > best.score) best = { shape, score };
  }
  return best?.shape;
}
