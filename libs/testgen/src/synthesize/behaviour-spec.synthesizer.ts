import { describeEffect, type BehaviourEvidence, type ModelEdge } from '@t2t/model';
import type { TestSpec } from '../spec/test-spec.model';
import { TEST_SPEC_VERSION } from '../spec/test-spec.model';
import { isClosed } from './matcher.learner';
import { fixtureIdAttributes, fixturesOf } from './request.analyzer';
import { applicabilityOf, requestAttributesFor, stateRequirementsFor } from './setup.builder';
import { endpointDisplay, negateEffect, specId } from './spec-naming.format';
import { AssertionIds, buildStructureAssertions } from './structure-assertions.builder';
import { behaviourKey, tracesOf, type SynthesisContext } from './synthesis.context';
import { buildTrigger } from './trigger.builder';

export const DETERMINISTIC_GENERATOR = 'testgen-deterministic/1';

/**
 * One spec for one behaviour (endpoint + fingerprint): trigger the request its representative
 * made, then assert the structure its sampled traces share. Undefined when the evidence holds no
 * trace to learn from.
 */
export function synthesizeBehaviourSpec(
  ctx: SynthesisContext,
  evidence: BehaviourEvidence,
): TestSpec | undefined {
  if (tracesOf(evidence).length === 0) return undefined;
  const profile = ctx.behaviourProfile(evidence);
  const representative = profile.traces[0];
  const behaviour = ctx.behaviours.get(behaviourKey(evidence.endpoint, evidence.fingerprint));
  const errorFree =
    evidence.errors === 0 &&
    isClosed(new Map([['ok', evidence.traces]]), evidence.traces, ctx.options);

  const request = requestAttributesFor(ctx, evidence.endpoint, representative, profile.traces);
  const fixtures = fixturesOf(request);
  const { trigger, notes } = buildTrigger(
    evidence.endpoint,
    representative,
    request,
    fixtureIdAttributes(fixtures),
  );
  const sampledError = profile.traces.some((t) => t.spans.some((s) => s.span.statusCode === 2));
  const ids = new AssertionIds();
  const assertions = buildStructureAssertions(
    profile,
    {
      ...ctx.options,
      errorFree,
      hiddenErrors: evidence.errors > 0 && !sampledError,
      p95Us: evidence.p95Us,
      p99Us: evidence.p99Us ?? 0,
      endpointProfile: ctx.endpointProfile(evidence.endpoint),
      decisive: new Set(
        (ctx.rulesByEndpoint.get(evidence.endpoint) ?? []).flatMap((r) =>
          r.atoms.map((a) => a.attribute),
        ),
      ),
    },
    ids,
  );
  const summary = summarise(ctx, evidence, behaviour?.edges ?? []);
  const display = endpointDisplay(evidence.endpoint);
  return {
    specVersion: TEST_SPEC_VERSION,
    id: specId(
      'bhv',
      `${evidence.endpoint.split('|')[0]} ${display}`,
      behaviourKey(evidence.endpoint, evidence.fingerprint),
    ),
    name: `${display} — ${summary}`,
    description:
      `Behaviour ${evidence.fingerprint} of ${evidence.endpoint}` +
      (behaviour === undefined ? '' : ` (${(behaviour.share * 100).toFixed(1)}% of its traffic)`) +
      `: the structure shared by ${profile.traces.length} recorded traces, with matchers learned from their variance.`,
    endpoint: evidence.endpoint,
    covers: { behaviour: evidence.fingerprint },
    appliesWhen: applicabilityOf(ctx, evidence.endpoint, evidence.fingerprint, profile.traces),
    setup: {
      request,
      fixtures,
      state: stateRequirementsFor(ctx, behaviour?.edges ?? [], profile.traces, fixtures),
      ...(notes.length > 0 ? { notes } : {}),
    },
    trigger,
    assertions,
    provenance: {
      generator: 'deterministic',
      model: DETERMINISTIC_GENERATOR,
      evidenceTraceIds: profile.traces
        .slice(0, ctx.options.maxEvidenceTraceIds)
        .map((t) => t.trace.traceId),
      modelVersion: ctx.modelVersion,
    },
  };
}

/**
 * What sets the behaviour apart from its endpoint's other behaviours, in the model's words:
 * effects only some behaviours have ("calls potato-handler POST /potatoes"), effects others have
 * and this one lacks ("without …"); for an endpoint with one behaviour, its main effects.
 */
function summarise(
  ctx: SynthesisContext,
  evidence: BehaviourEvidence,
  edgeIds: readonly string[],
): string {
  const siblings = (ctx.evidenceByEndpoint.get(evidence.endpoint) ?? [])
    .map((e) => ctx.behaviours.get(behaviourKey(e.endpoint, e.fingerprint)))
    .filter((b) => b !== undefined);
  const own = new Set(edgeIds);
  const inAll = (id: string) => siblings.every((b) => b.edges.includes(id));
  const effect = (id: string) => {
    const edge: ModelEdge | undefined = ctx.edges.get(id);
    return edge === undefined ? id : describeEffect(edge);
  };
  const parts: string[] = [];
  if (siblings.length > 1) {
    for (const id of edgeIds) if (!inAll(id)) parts.push(effect(id));
    const missing = new Set<string>();
    for (const b of siblings) for (const id of b.edges) if (!own.has(id)) missing.add(id);
    for (const id of [...missing].sort()) parts.push(negateEffect(effect(id)));
  } else {
    for (const id of edgeIds) {
      const edge = ctx.edges.get(id);
      if (edge !== undefined && edge.type !== 'CONSUMES') parts.push(effect(id));
    }
  }
  if (evidence.errors > 0 && evidence.errors === evidence.traces) parts.push('fails');
  if (parts.length === 0) return 'as recorded';
  return parts.length > 3
    ? `${parts.slice(0, 3).join(', ')} (+${parts.length - 3} more)`
    : parts.join(', ');
}
