import { exampleSpec } from '../../test/test-spec.example';
import { validateTestSpec } from './test-spec.validator';

function errorsOf(mutate: (spec: any) => void): string[] {
  const spec: any = structuredClone(exampleSpec());
  mutate(spec);
  const result = validateTestSpec(spec);
  return result.ok ? [] : result.errors;
}

describe(validateTestSpec.name, () => {
  it('accepts a complete spec and returns it typed', () => {
    const result = validateTestSpec(JSON.parse(JSON.stringify(exampleSpec())));
    expect(result).toEqual({ ok: true, spec: exampleSpec() });
  });

  it('never throws on input that is not a spec', () => {
    for (const input of [null, 42, 'spec', [], {}, { specVersion: 2 }]) {
      const result = validateTestSpec(input);
      expect(result.ok).toBe(false);
    }
    expect(validateTestSpec(null)).toEqual({
      ok: false,
      errors: ['$: must be an object (got null)'],
    });
  });

  it('reports missing, mistyped and unknown fields with JSON paths', () => {
    expect(errorsOf((s) => delete s.trigger)).toEqual(['$.trigger: is required']);
    expect(errorsOf((s) => (s.specVersion = 2))).toEqual(['$.specVersion: must be 1 (got 2)']);
    expect(errorsOf((s) => (s.assertions[2].maxMs = '250'))).toEqual([
      '$.assertions[2].maxMs: must be a number (got string "250")',
    ]);
    expect(errorsOf((s) => (s.assertions[1].select.services = 'x'))).toEqual([
      '$.assertions[1].select.services: is not allowed here (allowed: service, kind, name, operation, semantic, label, endpoint, entry, attributes)',
    ]);
    expect(errorsOf((s) => (s.trigger.method = 'FETCH'))).toEqual([
      '$.trigger.method: must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS (got "FETCH")',
    ]);
  });

  it('picks union branches by their discriminator, so messages stay about the intended kind', () => {
    expect(errorsOf((s) => (s.assertions[0].then[0].kind = 'exist'))).toEqual([
      '$.assertions[0].then[0].kind: must be one of exists, absent, count, attributes, relation, duration, only, conditional (got "exist")',
    ]);
    expect(errorsOf((s) => (s.trigger.type = 'graphql'))).toEqual([
      '$.trigger.type: must be one of http, grpc, message (got "graphql")',
    ]);
    expect(errorsOf((s) => delete s.assertions[0].then[0].select)).toEqual([
      '$.assertions[0].then[0].select: is required',
    ]);
  });

  it('names attribute keys with dots in bracket form and checks regexes compile', () => {
    expect(errorsOf((s) => (s.assertions[1].attributes['user.id'] = { regex: '([' }))[0]).toMatch(
      /^\$\.assertions\[1\]\.attributes\["user\.id"\]\.regex: is not a valid regular expression/,
    );
    expect(errorsOf((s) => (s.assertions[1].attributes['user.id'] = {}))).toEqual([
      '$.assertions[1].attributes["user.id"]: must have at least 1 of its fields: equals, oneOf, regex, type, range, present',
    ]);
  });

  it('checks what the schema cannot say: unique ids, bounds, placeholders', () => {
    expect(errorsOf((s) => (s.assertions[2].id = 'a2'))).toEqual([
      '$.assertions[2].id: "a2" is already used at $.assertions[0].then[0]',
    ]);
    expect(errorsOf((s) => (s.assertions[2].minMs = 300))).toEqual([
      '$.assertions[2]: min (300) is greater than max (250)',
    ]);
    expect(
      errorsOf((s) => (s.assertions[1].attributes['user.id'] = { range: { min: 5, max: 1 } })),
    ).toEqual(['$.assertions[1].attributes["user.id"].range: min (5) is greater than max (1)']);
    expect(errorsOf((s) => (s.trigger.path = '/orders/{{order.id}}'))).toEqual([
      '$.trigger: placeholder {{order.id}} is neither a fixture field nor a capture of an earlier step',
    ]);
  });

  it('accepts captures of earlier journey steps as placeholders, and needs their source', () => {
    const step = (captures: object[]) => ({
      name: 'write',
      endpoint: 'api-gateway|HTTP POST /orders',
      trigger: exampleSpec().trigger,
      request: [],
      assertions: [],
      captures,
    });
    expect(
      errorsOf((s) => {
        s.before = [step([{ name: 'order.id', from: 'response', path: 'id', observed: false }])];
        s.trigger.path = '/orders/{{order.id}}';
      }),
    ).toEqual([]);
    expect(
      errorsOf((s) => (s.before = [step([{ name: 'order.id', from: 'span', observed: true }])])),
    ).toEqual(['$.before[0].captures[0]: select and attribute are required when from is "span"']);
  });
});
