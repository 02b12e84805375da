import { potatoTrace } from '../../test/model-trace.fixture';
import type { Assertion } from '../spec/test-spec.model';
import { formatAssertionResults } from './assertion-result.format';
import { evaluateAssertions, evaluateSpec } from './spec.evaluator';

const potatoHandler = { kind: 'server', endpoint: 'potato-handler|HTTP POST /potatoes' } as const;
const insert = { service: 'order-writer', semantic: 'db postgresql INSERT orders' } as const;

function evaluate(a: Assertion, trace = potatoTrace(), request?: Record<string, string>) {
  return evaluateSpec({ assertions: [a] }, trace, request);
}

describe(evaluateSpec.name, () => {
  it('exists / absent / count by service, kind, semantic key and endpoint key', () => {
    const likes = potatoTrace({ likesPotatoes: true });
    const not = potatoTrace({ likesPotatoes: false });
    const exists: Assertion = {
      id: 'a',
      kind: 'exists',
      description: 'potato',
      select: potatoHandler,
    };
    expect(evaluate(exists, likes)[0].passed).toBe(true);
    const [missing] = evaluate(exists, not);
    expect(missing.passed).toBe(false);
    expect(missing.expected).toContain('potato-handler|HTTP POST /potatoes');
    expect(missing.found).toBe(
      'no such span; nearest: api-gateway server "POST /orders" (span gw), order-service server "POST /orders" (span os)',
    );

    const absent: Assertion = {
      id: 'b',
      kind: 'absent',
      description: 'no potato',
      select: potatoHandler,
    };
    expect(evaluate(absent, not)[0].passed).toBe(true);
    const [present] = evaluate(absent, likes);
    expect(present.passed).toBe(false);
    expect(present.spans).toEqual([
      { spanId: 'ph', service: 'potato-handler', kind: 'server', name: 'POST /potatoes' },
    ]);

    const count = (c: { equals?: number; min?: number; max?: number }): Assertion => ({
      id: 'c',
      kind: 'count',
      description: 'api-gateway spans',
      select: { service: 'api-gateway' },
      count: c,
    });
    expect(evaluate(count({ equals: 3 }))[0].passed).toBe(true);
    expect(evaluate(count({ min: 1, max: 2 }))[0]).toMatchObject({
      passed: false,
      found: expect.stringMatching(/^3: /),
    });
    expect(evaluate(count({ max: 3 }))[0].passed).toBe(true);
  });

  it('names the nearest spans when the selected one is missing', () => {
    const [r] = evaluate({
      id: 'a',
      kind: 'exists',
      description: 'write',
      select: { ...insert, semantic: 'db postgresql UPDATE orders' },
    });
    expect(r.found).toContain('nearest: order-writer client "INSERT orders" (span ins)');
  });

  it('matches attributes with equals, oneOf, regex, type, range and presence; reports every failing key', () => {
    const a = (attributes: Record<string, object>, quantifier?: 'all' | 'any'): Assertion => ({
      id: 'a',
      kind: 'attributes',
      description: 'entry attributes',
      select: { entry: true },
      attributes,
      ...(quantifier === undefined ? {} : { quantifier }),
    });
    const ok = evaluate(
      a({
        'http.route': { equals: '/orders' },
        'http.response.status_code': {
          oneOf: ['200', '201'],
          type: 'int',
          range: { min: 200, max: 299 },
        },
        'user.id': { regex: '^\\d+$' },
        'user.likes_potatoes': { type: 'bool' },
        'url.path': { present: true },
        'http.request.body': { present: false },
      }),
    );
    expect(ok[0]).toMatchObject({ passed: true });
    const [bad] = evaluate(
      a({
        'http.route': { equals: '/checkout' },
        'user.id': { type: 'double', range: { max: 10 } },
        'missing.key': { present: true },
      }),
    );
    expect(bad.passed).toBe(false);
    expect(bad.failedKeys).toEqual(['http.route', 'missing.key', 'user.id']);
    expect(bad.found).toContain('http.route is "/orders"');
    expect(bad.found).toContain('missing.key is missing');
  });

  it('checks status, and "any" passes when one selected span satisfies it', () => {
    const trace = potatoTrace();
    trace.spans.find((s) => s.spanId === 'auth')!.statusCode = 2;
    const status = (quantifier: 'all' | 'any'): Assertion => ({
      id: 's',
      kind: 'attributes',
      description: 'gateway spans succeed',
      select: { service: 'api-gateway' },
      quantifier,
      attributes: {},
      status: { oneOf: ['unset', 'ok'] },
    });
    expect(evaluate(status('all'), trace)[0]).toMatchObject({
      passed: false,
      failedKeys: [':status'],
    });
    expect(evaluate(status('any'), trace)[0].passed).toBe(true);
  });

  it('checks childOf, descendantOf and before', () => {
    const rel = (
      relation: 'childOf' | 'descendantOf' | 'before',
      select: object,
      target: object,
    ): Assertion => ({
      id: 'r',
      kind: 'relation',
      description: relation,
      select,
      relation,
      target,
    });
    expect(
      evaluate(
        rel('childOf', potatoHandler, {
          service: 'order-service',
          kind: 'client',
          name: 'HTTP POST',
        }),
      )[0].passed,
    ).toBe(true);
    expect(evaluate(rel('childOf', potatoHandler, { entry: true }))[0]).toMatchObject({
      passed: false,
      found: expect.stringContaining('has parent order-service client "HTTP POST"'),
    });
    expect(evaluate(rel('descendantOf', insert, { entry: true }))[0].passed).toBe(true);
    expect(
      evaluate(
        rel('before', { name: 'authenticate' }, { service: 'api-gateway', kind: 'client' }),
      )[0].passed,
    ).toBe(true);
    expect(
      evaluate(
        rel('before', { service: 'api-gateway', kind: 'client' }, { name: 'authenticate' }),
      )[0],
    ).toMatchObject({
      passed: false,
      found: expect.stringContaining('after a target starts'),
    });
  });

  it('checks duration bounds in milliseconds', () => {
    const d: Assertion = {
      id: 'd',
      kind: 'duration',
      description: 'fast',
      select: { entry: true },
      maxMs: 25,
    };
    expect(evaluate(d, potatoTrace({ durationMs: 20 }))[0].passed).toBe(true);
    expect(evaluate(d, potatoTrace({ durationMs: 40 }))[0]).toMatchObject({
      passed: false,
      found: expect.stringContaining('took 40.00 ms'),
    });
  });

  it('only: every selected span has a known shape', () => {
    const only: Assertion = {
      id: 'o',
      kind: 'only',
      description: 'no unknown calls',
      select: { kind: 'client' },
      allowed: [
        { service: 'api-gateway' },
        { service: 'order-writer' },
        { service: 'order-service' },
      ],
    };
    expect(evaluate(only)[0].passed).toBe(true);
    const trace = potatoTrace();
    trace.spans.push({ ...trace.spans[2], spanId: 'extra', service: 'unexpected-service' });
    expect(evaluate(only, trace)[0]).toMatchObject({
      passed: false,
      found: expect.stringContaining('unexpected-service'),
    });
  });

  describe('conditional assertions', () => {
    const conditional: Assertion = {
      id: 'c',
      kind: 'conditional',
      description: 'potato handler only for potato lovers',
      when: {
        all: [{ attribute: 'user.likes_potatoes', op: '=', value: 'true' }],
        at: 'order-service|HTTP POST /orders',
      },
      then: [{ id: 't', kind: 'exists', description: 'called', select: potatoHandler }],
      else: [{ id: 'e', kind: 'absent', description: 'not called', select: potatoHandler }],
    };

    it('reads the condition from the entry span of a recorded trace', () => {
      const [yes] = evaluate(conditional, potatoTrace({ likesPotatoes: true }));
      expect(yes).toMatchObject({ id: 't', path: '$.assertions[0].then[0]', passed: true });
      expect(yes.branch).toMatchObject({ holds: true, values: 'user.likes_potatoes = "true"' });
      const [no] = evaluate(conditional, potatoTrace({ likesPotatoes: false }));
      expect(no).toMatchObject({ id: 'e', passed: true, branch: { holds: false } });
    });

    it('prefers the request the runner sent: a branch the code took wrongly fails', () => {
      const [r] = evaluate(conditional, potatoTrace({ likesPotatoes: true }), {
        'user.likes_potatoes': 'false',
      });
      expect(r).toMatchObject({ id: 'e', passed: false });
      expect(formatAssertionResults([r])).toContain(
        'because:  user.likes_potatoes = true does not hold',
      );
    });

    it('falls back to the deciding handler, then to any span carrying the attribute', () => {
      const trace = potatoTrace({ likesPotatoes: true });
      delete trace.spans[0].attributes['user.likes_potatoes'];
      expect(evaluate(conditional, trace)[0]).toMatchObject({ id: 't', passed: true });
    });
  });

  it('evaluates journey steps with their own base path', () => {
    const results = evaluateAssertions(
      [{ id: 'w', kind: 'exists', description: 'write', select: insert }],
      potatoTrace(),
      undefined,
      '$.before[0].assertions',
    );
    expect(results[0]).toMatchObject({ path: '$.before[0].assertions[0]', passed: true });
  });

  it('formats failures with expected, found and spans', () => {
    const text = formatAssertionResults(
      evaluate(
        { id: 'a', kind: 'exists', description: 'potato handler is called', select: potatoHandler },
        potatoTrace({ likesPotatoes: false }),
      ),
      'POST /orders',
    );
    expect(text).toMatch(
      /^POST \/orders: 0\/1 assertions passed\n✗ potato handler is called \[a\] at \$\.assertions\[0\]\n {4}expected: a span matching/,
    );
    expect(text).toContain('found:    no such span; nearest:');
  });
});

describe('evaluation profiles and portable selectors', () => {
  const slow: Assertion = {
    id: 'p1',
    kind: 'duration',
    profile: 'performance',
    description: 'the entry within 1 µs',
    select: { entry: true },
    maxMs: 0.001,
  };
  const exists: Assertion = {
    id: 'f1',
    kind: 'exists',
    description: 'the entry',
    select: { entry: true },
  };

  it('leaves performance assertions out unless the run asks for the performance profile', () => {
    const trace = potatoTrace();
    expect(evaluateSpec({ assertions: [exists, slow] }, trace).map((r) => r.id)).toEqual(['f1']);
    const perf = evaluateSpec({ assertions: [exists, slow] }, trace, undefined, {
      profile: 'performance',
    });
    expect(perf.map((r) => [r.id, r.passed, r.profile])).toEqual([['p1', false, 'performance']]);
    const all = evaluateSpec({ assertions: [exists, slow] }, trace, undefined, { profile: 'all' });
    expect(all.map((r) => r.id)).toEqual(['f1', 'p1']);
  });

  it('matches `*` in a semantic key to any one word (an HTTP call’s peer host)', () => {
    const trace = potatoTrace();
    const call = (semantic: string): Assertion => ({
      id: 'c',
      kind: 'exists',
      description: 'calls order-service',
      select: { service: 'api-gateway', kind: 'client', semantic },
    });
    expect(evaluate(call('http POST order-service /orders'), trace)[0].passed).toBe(true);
    expect(evaluate(call('http POST * /orders'), trace)[0].passed).toBe(true);
    expect(evaluate(call('http POST * /other'), trace)[0].passed).toBe(false);
    expect(evaluate(call('http GET * /orders'), trace)[0].passed).toBe(false);
    expect(evaluate(call('http POST *'), trace)[0].passed).toBe(false);
  });
});
