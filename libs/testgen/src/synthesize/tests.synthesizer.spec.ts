import { exampleEvidence } from '../../test/example-evidence.fixture';
import { evaluateSpec } from '../evaluate/spec.evaluator';
import { fixtureVariables, resolveTrigger } from '../spec/trigger.resolver';
import { validateTestSpec } from '../spec/test-spec.validator';
import type { Assertion, TestSpec } from '../spec/test-spec.model';
import { isEnvironmentAttribute } from './environment.attributes';
import { resolveSynthesisOptions } from './synthesis.options';
import { recordedTracesFor, synthesizeTests } from './tests.synthesizer';

const byName = (specs: TestSpec[], prefix: string) => specs.find((s) => s.name.startsWith(prefix))!;
const leaves = (list: Assertion[]): Assertion[] =>
  list.flatMap((a) => (a.kind === 'conditional' ? [...leaves(a.then), ...leaves(a.else)] : [a]));

describe(synthesizeTests.name, () => {
  const { model, evidence } = exampleEvidence('potato');
  const specs = synthesizeTests(model, evidence);

  it('writes one spec per behaviour, per rule and per write-then-read journey, with readable names', () => {
    expect(specs.map((s) => s.name)).toEqual([
      'GET /orders/{id} — calls order-service GET /orders/{id}, reads orders (SELECT)',
      'POST /orders — does not call potato-handler POST /potatoes, does not write potato_orders (insert)',
      'POST /orders — calls potato-handler POST /potatoes, writes potato_orders (insert)',
      'POST /orders — calls potato-handler POST /potatoes only if user.likes_potatoes = true',
      'POST /orders then GET /orders/{id} — reads back what it wrote to orders',
    ]);
    for (const s of specs) expect(s.id).toMatch(/^(bhv|rule|jrn)-[a-z0-9-]+-[0-9a-f]{8}$/);
  });

  it('is deterministic, and ids survive a rebuild over other traffic', () => {
    expect(synthesizeTests(model, evidence)).toEqual(specs);
    const other = exampleEvidence('potato', 7);
    expect(synthesizeTests(other.model, other.evidence).map((s) => s.id)).toEqual(
      specs.map((s) => s.id),
    );
  });

  it('produces valid specs (schema and semantic checks) that hold on their recorded traces', () => {
    for (const spec of specs) {
      expect(validateTestSpec(JSON.parse(JSON.stringify(spec)))).toEqual({ ok: true, spec });
      const { recorded } = recordedTracesFor(spec, evidence);
      expect(recorded.length).toBeGreaterThanOrEqual(20);
      for (const trace of recorded) {
        expect(evaluateSpec(spec, trace).filter((r) => !r.passed)).toEqual([]);
      }
    }
  });

  it('a behaviour spec: trigger from the representative, pinned attributes, structure and learned matchers', () => {
    const likes = byName(specs, 'POST /orders — calls potato-handler');
    expect(likes.trigger).toMatchObject({
      type: 'http',
      service: 'api-gateway',
      method: 'POST',
      path: '/orders',
      body: { user: { id: '{{user.id}}', likes_potatoes: true } },
    });
    expect(likes.setup.request.find((a) => a.name === 'user.likes_potatoes')).toMatchObject({
      value: 'true',
      role: 'pinned',
      reason: 'decides: user.likes_potatoes = true → calls potato-handler POST /potatoes',
    });
    expect(likes.setup.fixtures[0]).toMatchObject({
      name: 'user',
      requires: expect.stringContaining('a user with likes_potatoes = true'),
    });
    const kinds = likes.assertions.map((a) => a.kind);
    expect(kinds).toEqual(
      expect.arrayContaining(['exists', 'attributes', 'relation', 'duration', 'only']),
    );
    const entry = likes.assertions.find((a) => a.kind === 'attributes' && a.select.entry === true);
    // Request values are inputs: their shape is checked, the values that decide are the rule's
    // (appliesWhen and the rule test), never a closed set learned from a sample.
    expect(entry).toMatchObject({
      attributes: {
        'user.likes_potatoes': { type: 'bool' },
        'user.id': { type: 'int' },
        'http.response.status_code': { equals: '200' },
      },
      status: { oneOf: ['unset', 'ok'] },
    });
    expect(likes.assertions).toContainEqual(
      expect.objectContaining({
        kind: 'exists',
        select: { kind: 'server', endpoint: 'potato-handler|HTTP POST /potatoes' },
      }),
    );
    expect(resolveTrigger(likes.trigger, fixtureVariables(likes.setup))).toMatchObject({
      body: { user: { id: Number(likes.setup.fixtures[0].values.id), likes_potatoes: true } },
    });
  });

  it('a read behaviour states what it needs: the row its path refers to', () => {
    const get = byName(specs, 'GET /orders/{id}');
    expect(get.trigger).toMatchObject({
      method: 'GET',
      pathTemplate: '/orders/{id}',
      path: '/orders/{{order.id}}',
    });
    expect(get.setup.state).toEqual([
      {
        entity: 'orders',
        kind: 'table',
        system: 'postgresql',
        operation: 'SELECT',
        expect: 'present',
        requires: 'rows of orders for the order fixture (order.id = {{order.id}})',
      },
    ]);
  });

  it('a rule spec: a conditional assertion, triggered with the condition true and, as a variant, false', () => {
    const rule = byName(specs, 'POST /orders — calls potato-handler POST /potatoes only if');
    expect(rule.assertions).toEqual([
      {
        id: 'a1',
        kind: 'conditional',
        description: 'calls potato-handler POST /potatoes only if user.likes_potatoes = true',
        when: {
          all: [{ attribute: 'user.likes_potatoes', op: '=', value: 'true' }],
          at: 'order-service|HTTP POST /orders',
        },
        then: [
          {
            id: 'a2',
            kind: 'exists',
            description: 'calls potato-handler POST /potatoes',
            select: { kind: 'server', endpoint: 'potato-handler|HTTP POST /potatoes' },
          },
        ],
        else: [
          {
            id: 'a3',
            kind: 'absent',
            description: 'does not call potato-handler POST /potatoes',
            select: { kind: 'server', endpoint: 'potato-handler|HTTP POST /potatoes' },
          },
        ],
      },
    ]);
    expect(rule.trigger).toMatchObject({ body: { user: { likes_potatoes: true } } });
    expect(rule.variants).toHaveLength(1);
    expect(rule.variants![0]).toMatchObject({
      name: 'not (user.likes_potatoes = true)',
      trigger: { body: { user: { likes_potatoes: false } } },
    });
  });

  it('a journey: the write step, its capture, then the read under test', () => {
    const journey = byName(specs, 'POST /orders then GET /orders/{id}');
    expect(journey.covers.journey).toEqual({
      entity: 'table orders',
      endpoints: ['api-gateway|HTTP POST /orders', 'api-gateway|HTTP GET /orders/{id}'],
    });
    expect(journey.before![0].captures).toEqual([
      { name: 'order.id', from: 'response', path: 'id', observed: false },
    ]);
    expect(journey.before![0].assertions[0]).toMatchObject({
      kind: 'exists',
      select: { service: 'order-writer', semantic: 'db postgresql INSERT orders' },
    });
    expect(journey.trigger).toMatchObject({ path: '/orders/{{order.id}}' });
    expect(leaves(journey.assertions)[0]).toMatchObject({
      kind: 'exists',
      select: { service: 'order-service', semantic: 'db postgresql SELECT orders' },
    });
  });

  it('checkout: a spec per behaviour and per rule; rules on request attributes read at a downstream handler', () => {
    const checkout = exampleEvidence('checkout');
    const all = synthesizeTests(checkout.model, checkout.evidence);
    expect(all.filter((s) => s.covers.rule !== undefined).map((s) => s.name)).toEqual([
      'POST /checkout — calls external api.stripe.example POST /v1/charges only if payment.method != gift-card',
      'POST /checkout — writes gift_cards (UPDATE) only if payment.method = gift-card',
      'POST /checkout — calls fraud-service POST /screenings only if cart.items >= 10',
    ]);
    expect(all.filter((s) => s.covers.behaviour !== undefined)).toHaveLength(
      checkout.model.behaviours.length,
    );
    const grpcLike = all.find((s) => s.name.startsWith('consume order.placed'))!;
    expect(grpcLike.trigger).toMatchObject({
      type: 'message',
      system: 'kafka',
      topic: 'order.placed',
    });
  });
});

describe(resolveSynthesisOptions.name, () => {
  it('names every bad option', () => {
    expect(() => resolveSynthesisOptions({ maxOneOf: 0, durationHeadroom: 0.5 })).toThrow(
      new RangeError('invalid synthesis options: maxOneOf=0, durationHeadroom=0.5'),
    );
  });
});

describe('specs that travel between environments and never flake on timing', () => {
  const all = [exampleEvidence('potato'), exampleEvidence('checkout')].flatMap(
    ({ model, evidence }) => synthesizeTests(model, evidence),
  );
  const everyLeaf = all.flatMap((s) => [
    ...leaves(s.assertions),
    ...(s.before ?? []).flatMap((b) => leaves(b.assertions)),
  ]);
  const selectors = everyLeaf.flatMap((a) =>
    a.kind === 'conditional'
      ? []
      : [
          a.select,
          ...(a.kind === 'relation' ? [a.target] : []),
          ...(a.kind === 'only' ? a.allowed : []),
        ],
  );

  it('never assert an environment value: hosts, ports, addresses, versions, database names', () => {
    const keys = everyLeaf.flatMap((a) =>
      a.kind === 'attributes' ? Object.keys(a.attributes) : [],
    );
    expect(keys.length).toBeGreaterThan(20);
    expect(keys.filter(isEnvironmentAttribute)).toEqual([]);
  });

  it('select HTTP calls without their peer host', () => {
    const http = selectors
      .map((s) => s.semantic)
      .filter((s): s is string => s !== undefined && s.startsWith('http '));
    expect(http.length).toBeGreaterThan(5);
    for (const s of http) expect(s.split(' ')[2]).toBe('*');
    expect(selectors.filter((s) => s.label !== undefined)).toEqual([]);
  });

  it('put every timing in the performance profile', () => {
    const durations = everyLeaf.filter((a) => a.kind === 'duration');
    expect(durations.length).toBeGreaterThan(5);
    for (const d of durations) expect(d.profile).toBe('performance');
    expect(everyLeaf.filter((a) => a.profile === 'performance' && a.kind !== 'duration')).toEqual(
      [],
    );
  });

  it('say which traces each applies to: a rule decides a behaviour by its arm, else the endpoint', () => {
    const { model, evidence } = exampleEvidence('potato');
    const specs = synthesizeTests(model, evidence);
    const likes = byName(specs, 'POST /orders — calls potato-handler');
    expect(likes.appliesWhen).toEqual([
      {
        when: {
          all: [{ attribute: 'user.likes_potatoes', op: '=', value: 'true' }],
          at: 'order-service|HTTP POST /orders',
        },
        holds: true,
        reason: 'rule: calls potato-handler POST /potatoes only if user.likes_potatoes = true',
      },
    ]);
    expect(byName(specs, 'POST /orders — does not call').appliesWhen?.[0].holds).toBe(false);
    expect(byName(specs, 'GET /orders/{id}').appliesWhen).toEqual([]);
    expect(
      byName(specs, 'POST /orders — calls potato-handler POST /potatoes only if').appliesWhen,
    ).toEqual([]);
  });
});
