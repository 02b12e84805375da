import { exampleEvidence } from '../../test/example-evidence.fixture';
import { potatoTrace } from '../../test/model-trace.fixture';
import type { Assertion, TestSpec } from '../spec/test-spec.model';
import { recordedTracesFor, synthesizeTests } from '../synthesize/tests.synthesizer';
import { verifySpec } from './spec.verifier';

const potatoHandler = { kind: 'server', endpoint: 'potato-handler|HTTP POST /potatoes' } as const;

function specWith(assertions: Assertion[]): TestSpec {
  return {
    specVersion: 1,
    id: 'llm-spec',
    name: 'POST /orders — written by a model',
    description: '',
    endpoint: 'api-gateway|HTTP POST /orders',
    covers: { behaviour: 'likes' },
    setup: { request: [], fixtures: [], state: [] },
    trigger: {
      type: 'http',
      service: 'api-gateway',
      method: 'POST',
      pathTemplate: '/orders',
      path: '/orders',
      headers: {},
    },
    assertions,
    provenance: { generator: 'llm', model: 'scripted', evidenceTraceIds: [], modelVersion: '' },
  };
}

const likes = Array.from({ length: 5 }, () => potatoTrace({ likesPotatoes: true }));
const mixed = [...likes, ...Array.from({ length: 5 }, () => potatoTrace({ likesPotatoes: false }))];

describe(verifySpec.name, () => {
  it('keeps synthesized specs whole: every check holds on the recorded traces and fails on a mutant', () => {
    const { model, evidence } = exampleEvidence('potato');
    for (const spec of synthesizeTests(model, evidence)) {
      const verified = verifySpec(spec, recordedTracesFor(spec, evidence));
      expect(verified.verification).toMatchObject({ status: 'verified', dropped: [] });
      expect(verified.assertions).toEqual(spec.assertions);
      expect(verified.verification!.traces.every((t) => t.passed)).toBe(true);
      expect(verified.verification!.mutationsTried).toBeGreaterThan(0);
    }
  });

  it('drops a matcher that is false on a recorded trace, keeping the rest of the assertion', () => {
    const spec = specWith([
      {
        id: 'a1',
        kind: 'attributes',
        description: 'entry',
        select: { entry: true },
        attributes: {
          'user.likes_potatoes': { equals: 'false' },
          'http.route': { equals: '/orders' },
        },
      },
    ]);
    const verified = verifySpec(spec, { recorded: likes });
    expect(verified.assertions).toEqual([
      { ...spec.assertions[0], attributes: { 'http.route': { equals: '/orders' } } },
    ]);
    expect(verified.verification!.dropped).toEqual([
      {
        path: '$.assertions[0].attributes["user.likes_potatoes"]',
        assertionId: 'a1',
        reason: 'fails-on-recorded',
        detail: expect.stringContaining('user.likes_potatoes is "true"'),
      },
    ]);
    expect(verified.verification!.kept).toBe(1);
  });

  it('rejects a spec whose only assertion is false (an LLM asserting what never happens)', () => {
    const verified = verifySpec(
      specWith([
        { id: 'a1', kind: 'absent', description: 'no potato handler', select: potatoHandler },
      ]),
      {
        recorded: likes,
      },
    );
    expect(verified.assertions).toEqual([]);
    expect(verified.verification).toMatchObject({
      status: 'rejected',
      reason: 'no assertion survived verification',
      kept: 0,
    });
  });

  it('drops checks no mutation can make fail', () => {
    const verified = verifySpec(
      specWith([
        {
          id: 'a1',
          kind: 'count',
          description: 'any number of spans',
          select: {},
          count: { min: 0 },
        },
        { id: 'a2', kind: 'only', description: 'anything goes', select: {}, allowed: [{}] },
        { id: 'a3', kind: 'exists', description: 'potato handler', select: potatoHandler },
      ]),
      { recorded: likes },
    );
    expect(verified.assertions.map((a) => a.id)).toEqual(['a3']);
    expect(verified.verification!.dropped.map((d) => [d.assertionId, d.reason])).toEqual([
      ['a1', 'cannot-fail'],
      ['a2', 'cannot-fail'],
    ]);
  });

  it('verifies each branch of a conditional on the traces that take it, and the whole by flipping the condition', () => {
    const conditional: Assertion = {
      id: 'c',
      kind: 'conditional',
      description: 'potato handler only for potato lovers',
      when: { all: [{ attribute: 'user.likes_potatoes', op: '=', value: 'true' }] },
      then: [{ id: 't', kind: 'exists', description: 'called', select: potatoHandler }],
      else: [{ id: 'e', kind: 'absent', description: 'not called', select: potatoHandler }],
    };
    const both = verifySpec(specWith([conditional]), { recorded: mixed });
    expect(both.verification).toMatchObject({ status: 'verified', dropped: [], kept: 3 });

    const onlyLikes = verifySpec(specWith([conditional]), { recorded: likes });
    expect(onlyLikes.verification!.dropped).toEqual([
      {
        path: '$.assertions[0].else[0]',
        assertionId: 'e',
        reason: 'never-applies',
        detail: 'no recorded trace takes the else branch',
      },
    ]);

    const entry = {
      id: 'x',
      kind: 'exists',
      description: 'entry',
      select: { entry: true },
    } as const;
    const indifferent = verifySpec(
      specWith([{ ...conditional, then: [entry], else: [{ ...entry, id: 'y' }] }]),
      { recorded: mixed },
    );
    expect(indifferent.verification!.dropped).toEqual([
      {
        path: '$.assertions[0]',
        assertionId: 'c',
        reason: 'cannot-fail',
        detail: 'flipping the condition changes no outcome',
      },
    ]);

    const wrong: Assertion = { ...conditional, then: conditional.else, else: conditional.then };
    const rejected = verifySpec(specWith([wrong]), { recorded: mixed });
    expect(rejected.verification).toMatchObject({ status: 'rejected' });
  });

  it('uses the mutation strategy it is given', () => {
    const verified = verifySpec(
      specWith([{ id: 'a1', kind: 'exists', description: 'potato', select: potatoHandler }]),
      {
        recorded: likes,
        mutate: () => [],
      },
    );
    expect(verified.verification).toMatchObject({ status: 'rejected', mutationsTried: 0 });
    expect(verified.verification!.dropped[0].reason).toBe('cannot-fail');
  });

  it('rejects without recorded traces, and verifies journey steps against their own', () => {
    expect(
      verifySpec(specWith([{ id: 'a', kind: 'exists', description: 'x', select: {} }]), {
        recorded: [],
      }).verification,
    ).toMatchObject({
      status: 'rejected',
      reason: 'no recorded traces to verify against',
    });
    const { model, evidence } = exampleEvidence('potato');
    const journey = synthesizeTests(model, evidence).find((s) => s.before !== undefined)!;
    const withoutSteps = verifySpec(journey, {
      recorded: recordedTracesFor(journey, evidence).recorded,
    });
    expect(withoutSteps.before![0].assertions).toEqual([]);
    expect(withoutSteps.verification!.dropped.map((d) => d.reason)).toEqual([
      'never-applies',
      'never-applies',
    ]);
  });
});
