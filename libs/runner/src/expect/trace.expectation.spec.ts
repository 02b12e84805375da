import type { ModelSpan, ModelTrace } from '@t2t/model';
import { fakeShopSpecs } from '../../test/fake-shop.target';
import type { SpecRun } from '../run/spec-run.model';
import { traceMatchers, type TraceMatchers } from './jest.matchers';
import { expectTrace, TraceAssertionError } from './trace.expectation';

declare global {
  // Jest's matcher registry is a global namespace; this is how a suite types `expect.extend`.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface Matchers<R> extends TraceMatchers<R> {}
  }
}

expect.extend(traceMatchers);

const span = (id: string, over: Partial<ModelSpan>): ModelSpan => ({
  traceId: 'abc',
  spanId: id,
  parentSpanId: 'e',
  service: 'shop',
  name: id,
  kind: 3,
  startNs: 0n,
  durationNs: 1_000_000,
  statusCode: 0,
  attributes: {},
  links: [],
  ...over,
});

function orderTrace(withInsert: boolean): ModelTrace {
  return {
    traceId: 'abc',
    spans: [
      span('e', {
        parentSpanId: '',
        kind: 2,
        name: 'POST /orders',
        attributes: { 'http.request.method': 'POST', 'http.route': '/orders' },
      }),
      ...(withInsert
        ? [
            span('db', {
              name: 'INSERT shop.orders',
              attributes: {
                'db.system.name': 'postgresql',
                'db.operation.name': 'INSERT',
                'db.collection.name': 'orders',
              },
            }),
          ]
        : []),
      span('p', {
        service: 'potato-handler',
        kind: 2,
        name: 'POST /potatoes',
        attributes: { 'http.request.method': 'POST', 'http.route': '/potatoes' },
      }),
    ],
  };
}

describe(expectTrace.name, () => {
  const { order } = fakeShopSpecs();

  it('passes silently when every assertion holds', () => {
    expect(() => expectTrace(orderTrace(true)).toSatisfy(order)).not.toThrow();
  });

  it('throws the formatted results: what was expected, what was found, the spans involved', () => {
    let error: unknown;
    try {
      expectTrace(orderTrace(false)).toSatisfy(order);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TraceAssertionError);
    const message = (error as Error).message;
    expect(message.split('\n')).toEqual([
      'POST /orders — likes potatoes (trace abc): 1/2 assertions passed',
      '✗ writes the order (db postgresql INSERT orders) [a1] at $.assertions[0]',
      '    expected: a span matching {service=shop kind=client semantic="db postgresql INSERT orders"}',
      '    found:    no such span; nearest: shop server "POST /orders" (span e)',
      expect.stringMatching(/^ {4}spans: {4}shop server "POST \/orders" \(e\)/),
    ]);
    // The stack starts in the test, not in the runner.
    expect((error as Error).stack).not.toMatch(/trace\.expectation\.ts/);
    expect((error as Error).stack).toMatch(/trace\.expectation\.spec\.ts/);
  });

  it('prints the variant of a run in the title', () => {
    const run = {
      specId: order.id,
      variant: 'v2',
      trace: orderTrace(false),
      request: {},
      steps: [],
    } as unknown as SpecRun;
    expect(() => expectTrace(run).toSatisfy(order)).toThrow(
      /^POST \/orders — likes potatoes — variant v2 \(trace abc\)/,
    );
  });

  it('has fluent span matchers evaluated like spec assertions', () => {
    const t = expectTrace(orderTrace(true));
    t.toHaveSpan({ service: 'potato-handler' });
    t.not.toHaveSpan({ service: 'billing' });
    t.toHaveSpanCount({ kind: 'server' }, 2);
    t.toHaveSpanCount({}, { min: 3, max: 3 });
    t.toHaveSpanAttributes({ entry: true }, { 'http.route': { equals: '/orders' } });
    expect(() => t.not.toHaveSpan({ service: 'potato-handler' }, 'no potatoes')).toThrow(
      /✗ no potatoes \[e1\] at \$\.expect\[0\]\n {4}expected: no span matching \{service=potato-handler\}/,
    );
    expect(() => t.toHaveSpanCount({ kind: 'client' }, 2)).toThrow(/expected: exactly 2 spans/);
    expect(() =>
      t.toHaveSpanAttributes({ entry: true }, { 'http.route': { equals: '/cart' } }),
    ).toThrow(/http\.route/);
  });

  it('has a Jest matcher per assertion kind, each judged by the spec evaluator', () => {
    const t = orderTrace(true);
    const db = { semantic: 'db postgresql INSERT orders' };
    expect(t).toHaveSpanCount({ kind: 'server' }, 2);
    expect(t).toHaveSpanCount({}, { min: 2, max: 3 });
    expect(t).not.toHaveSpanCount({ kind: 'server' }, 1);
    expect(t).toHaveSpanAttributes({ entry: true }, { 'http.route': { equals: '/orders' } });
    expect(t).toHaveSpanAttributes(
      { kind: 'server' },
      { 'http.route': { equals: '/potatoes' } },
      {
        quantifier: 'any',
        status: { oneOf: ['unset'] },
      },
    );
    expect(t).toHaveSpanChildOf(db, { entry: true });
    expect(t).toHaveSpanUnder(db, { entry: true });
    expect(t).not.toHaveSpanChildOf({ entry: true }, db);
    expect(t).not.toHaveSpanBefore({ entry: true }, { service: 'none' });
    expect(t).not.toHaveSpanBefore({ entry: true }, db);
    expect(t).toHaveSpanDuration({ entry: true }, { maxMs: 5 });
    expect(t).not.toHaveSpanDuration({ entry: true }, { minMs: 5 });
    expect(t).toHaveOnlySpans({ service: 'shop' }, [{ entry: true }, db]);
    expect(t).not.toHaveOnlySpans({}, [{ entry: true }]);
    // A failure says what was expected and what the trace shows, and which trace.
    expect(() => expect(orderTrace(false)).toHaveSpanChildOf(db, { entry: true })).toThrow(
      /^expect\(trace\)\.toHaveSpanChildOf\(selector, parent\)\n\nexpected: every span matching \{semantic="db postgresql INSERT orders"\} is a child of a span matching \{the entry span\}\nfound: {4}no such span/,
    );
    expect(() => expect(t).not.toHaveSpanCount({ kind: 'server' }, 2)).toThrow(
      /expected the opposite of: exactly 2 spans matching \{kind=server\}\nfound: {4}2\ntrace: {4}abc \(3 spans\)$/,
    );
  });

  it('works as Jest matchers through expect.extend, negation included', () => {
    expect(orderTrace(true)).toSatisfySpec(order);
    expect(orderTrace(false)).not.toSatisfySpec(order);
    expect(orderTrace(true)).toHaveSpan({ service: 'potato-handler' });
    expect(orderTrace(true)).not.toHaveSpan({ service: 'billing' });
    expect(() => expect(orderTrace(false)).toSatisfySpec(order)).toThrow(
      /✗ writes the order \(db postgresql INSERT orders\)/,
    );
    expect(() => expect(orderTrace(true)).not.toHaveSpan({ service: 'potato-handler' })).toThrow(
      /no span matching \{service=potato-handler\}/,
    );
  });
});
