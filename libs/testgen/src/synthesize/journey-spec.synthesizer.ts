import { edgeId, type BehaviourEvidence, type ModelEdge } from '@t2t/model';
import { placeholdersIn } from '../spec/trigger.resolver';
import type { Assertion, Capture, JourneyStep, TestSpec, Trigger } from '../spec/test-spec.model';
import { TEST_SPEC_VERSION } from '../spec/test-spec.model';
import { DETERMINISTIC_GENERATOR } from './behaviour-spec.synthesizer';
import { describeShape, type BehaviourProfile } from './behaviour.profile';
import { spanRealisesEdge } from './edge-span.matcher';
import { fixtureIdAttributes, fixturesOf } from './request.analyzer';
import { applicabilityOf, requestAttributesFor, stateRequirementsFor } from './setup.builder';
import { endpointDisplay, specId } from './spec-naming.format';
import { AssertionIds } from './structure-assertions.builder';
import { behaviourKey, type SynthesisContext } from './synthesis.context';
import { buildTrigger } from './trigger.builder';

/**
 * Journeys across endpoints that share an entity: an entry endpoint that writes a table or
 * collection, then another that reads it (POST /orders, then GET /orders/{id}). Each step is the
 * busiest behaviour of its endpoint that uses the edge; the read step's route parameters are
 * bound to the write step's response (`{{order.id}}` from the `id` field), an assumption the spec
 * marks with `observed: false` because traces do not record response bodies.
 */
export function synthesizeJourneySpecs(ctx: SynthesisContext): TestSpec[] {
  const out: TestSpec[] = [];
  const seen = new Set<string>();
  const data = [...ctx.edges.values()].filter(
    (e): e is DataEdge => e.type === 'READS' || e.type === 'WRITES',
  );
  for (const write of data) {
    if (write.type !== 'WRITES' || write.entityKind === 'cache-prefix') continue;
    for (const read of data) {
      if (read.type !== 'READS' || read.to !== write.to || read.entityKind !== write.entityKind)
        continue;
      for (const writer of write.seenIn) {
        for (const reader of read.seenIn) {
          const key = `${writer}\u0000${reader}\u0000${write.entityKind} ${write.to}`;
          if (writer === reader || seen.has(key)) continue;
          seen.add(key);
          const spec = journeySpec(ctx, write, writer, read, reader);
          if (spec !== undefined) out.push(spec);
        }
      }
    }
  }
  return out;
}

type DataEdge = Extract<ModelEdge, { type: 'READS' | 'WRITES' }>;

function journeySpec(
  ctx: SynthesisContext,
  write: DataEdge,
  writer: string,
  read: DataEdge,
  reader: string,
): TestSpec | undefined {
  const writeEvidence = busiestWith(ctx, writer, write);
  const readEvidence = busiestWith(ctx, reader, read);
  if (writeEvidence === undefined || readEvidence === undefined) return undefined;
  const writeProfile = ctx.behaviourProfile(writeEvidence);
  const readProfile = ctx.behaviourProfile(readEvidence);
  const ids = new AssertionIds();
  const writeAssertions = stepAssertions(writeProfile, write, ids);
  const readAssertions = stepAssertions(readProfile, read, ids);
  if (writeAssertions === undefined || readAssertions === undefined) return undefined;

  const entity = `${write.entityKind} ${write.to}`;
  const writeRequest = requestAttributesFor(
    ctx,
    writer,
    writeProfile.traces[0],
    writeProfile.traces,
  );
  const writeFixtures = fixturesOf(writeRequest);
  const writeTrigger = buildTrigger(
    writer,
    writeProfile.traces[0],
    writeRequest,
    fixtureIdAttributes(writeFixtures),
  );
  const readRequest = requestAttributesFor(ctx, reader, readProfile.traces[0], readProfile.traces);
  const readFixtures = fixturesOf(readRequest);
  const readTrigger = buildTrigger(
    reader,
    readProfile.traces[0],
    readRequest,
    fixtureIdAttributes(readFixtures),
  );

  // What the read step looks up by its route comes from the write step's answer.
  const captures: Capture[] = routePlaceholders(readTrigger.trigger).map((name) => ({
    name,
    from: 'response',
    path: name.slice(name.lastIndexOf('.') + 1),
    observed: false,
  }));
  const step: JourneyStep = {
    name: `${endpointDisplay(writer)} writes ${write.to}`,
    endpoint: writer,
    behaviour: writeEvidence.fingerprint,
    trigger: writeTrigger.trigger,
    request: writeRequest,
    assertions: writeAssertions,
    captures,
  };
  const fixtures = [
    ...writeFixtures,
    ...readFixtures.filter((f) => !writeFixtures.some((w) => w.name === f.name)),
  ];
  const notes = [...writeTrigger.notes, ...readTrigger.notes];
  if (captures.length > 0) {
    notes.push(
      `Assumed: ${endpointDisplay(writer)} answers with the new ${captures.map((c) => c.path).join(', ')} in its JSON body; the read step uses ${captures.map((c) => `{{${c.name}}}`).join(', ')}.`,
    );
  }
  const readState = stateRequirementsFor(
    ctx,
    ctx.behaviours.get(behaviourKey(reader, readEvidence.fingerprint))?.edges ?? [],
    readProfile.traces,
    [],
  ).map((s) =>
    s.entity === read.to
      ? {
          ...s,
          requires: `the ${read.to} ${write.entityKind === 'collection' ? 'documents' : 'rows'} the first step wrote`,
        }
      : s,
  );
  const title = `${endpointDisplay(writer)} then ${endpointDisplay(reader)}`;
  return {
    specVersion: TEST_SPEC_VERSION,
    id: specId(
      'jrn',
      `${title} ${write.to}`,
      `${writer}\u0000${edgeId(write)}\u0000${reader}\u0000${edgeId(read)}`,
    ),
    name: `${title} — reads back what it wrote to ${write.to}`,
    description: `Journey over ${entity}: ${writer} writes it (${write.operation}), then ${reader} reads it (${read.operation}).`,
    endpoint: reader,
    covers: {
      behaviour: readEvidence.fingerprint,
      journey: { entity, endpoints: [writer, reader] },
    },
    appliesWhen: applicabilityOf(ctx, reader, readEvidence.fingerprint, readProfile.traces),
    setup: {
      request: readRequest,
      fixtures,
      state: readState,
      ...(notes.length > 0 ? { notes } : {}),
    },
    before: [step],
    trigger: readTrigger.trigger,
    assertions: readAssertions,
    provenance: {
      generator: 'deterministic',
      model: DETERMINISTIC_GENERATOR,
      evidenceTraceIds: [...writeProfile.traces.slice(0, 1), ...readProfile.traces]
        .slice(0, ctx.options.maxEvidenceTraceIds)
        .map((t) => t.trace.traceId),
      modelVersion: ctx.modelVersion,
    },
  };
}

/** The busiest behaviour of `endpoint` whose traces use `edge`. */
function busiestWith(
  ctx: SynthesisContext,
  endpoint: string,
  edge: ModelEdge,
): BehaviourEvidence | undefined {
  const id = edgeId(edge);
  return (ctx.evidenceByEndpoint.get(endpoint) ?? []).find((e) =>
    ctx.behaviours.get(behaviourKey(e.endpoint, e.fingerprint))?.edges.includes(id),
  );
}

/** The edge's span exists, and the entry span is not an error. */
function stepAssertions(
  profile: BehaviourProfile,
  edge: ModelEdge,
  ids: AssertionIds,
): Assertion[] | undefined {
  const shape = profile.shapes.find(
    (s) =>
      s.perTrace.every((l) => l.length > 0) &&
      s.perTrace.some((l) => l.some((x) => spanRealisesEdge(x, edge))),
  );
  const entry = profile.shapes.find((s) => s.entry);
  if (shape === undefined || entry === undefined) return undefined;
  return [
    { id: ids.take(), kind: 'exists', description: describeShape(shape), select: shape.selector },
    {
      id: ids.take(),
      kind: 'attributes',
      description: `${describeShape(entry)} without error`,
      select: entry.selector,
      attributes: {},
      status: { oneOf: ['unset', 'ok'] },
    },
  ];
}

function routePlaceholders(trigger: Trigger): string[] {
  if (trigger.type !== 'http') return [];
  return placeholdersIn({ ...trigger, headers: {}, body: undefined });
}
