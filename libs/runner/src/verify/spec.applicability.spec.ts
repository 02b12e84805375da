import type { ModelSpan, ModelTrace } from '@t2t/model';
import type { ApplicabilityClause, TestSpec } from '@t2t/testgen';
import { fakeShopSpecs } from '../../test/fake-shop.target';
import { judgeTrace } from './spec.applicability';

/** A stored POST /orders trace of the shop: the order write, and the potato call or not. */
function shopTrace(
  id: string,
  likes: string | undefined,
  parts: { insert?: boolean; potatoes?: boolean } = {},
): ModelTrace {
  const span = (spanId: string, parent: string, o: Partial<ModelSpan>): ModelSpan => ({
    traceId: id,
    spanId,
    parentSpanId: parent,
    service: 'shop',
    name: 'POST /orders',
    kind: 2,
    startNs: 1_767_225_600_000_000_000n,
    durationNs: 1_000_000,
    statusCode: 0,
    attributes: {},
    links: [],
    ...o,
  });
  const spans = [
    span('0000000000000001', '', {
      attributes: {
        'http.request.method': 'POST',
        'http.route': '/orders',
        ...(likes === undefined ? {} : { 'user.likes_potatoes': likes }),
      },
    }),
  ];
  if (parts.insert !== false) {
    spans.push(
      span('0000000000000002', '0000000000000001', {
        name: 'INSERT orders',
        kind: 3,
        attributes: { 'db.system': 'postgresql', 'db.statement': 'INSERT INTO orders VALUES ($1)' },
      }),
    );
  }
  if (parts.potatoes === true) {
    spans.push(
      span('0000000000000003', '0000000000000001', {
        service: 'potato-handler',
        name: 'POST /potatoes',
        attributes: { 'http.request.method': 'POST', 'http.route': '/potatoes' },
      }),
    );
  }
  return { traceId: id, spans };
}

const likesArm = (holds: boolean): ApplicabilityClause[] => [
  {
    when: {
      all: [{ attribute: 'user.likes_potatoes', op: '=', value: 'true' }],
      at: 'shop|HTTP POST /orders',
    },
    holds,
    reason: 'rule: calls potato-handler POST /potatoes only if user.likes_potatoes = true',
  },
];

describe(judgeTrace.name, () => {
  const { order, rule, journey } = fakeShopSpecs();
  // Behaviour specs as the synthesizer now writes them: selected by the rule's arm, whatever
  // value their trigger sends.
  const likes: TestSpec = { ...order, appliesWhen: likesArm(true) };
  const plain: TestSpec = {
    ...order,
    id: 'bhv-plain',
    covers: { behaviour: 'fp-plain' },
    appliesWhen: likesArm(false),
    assertions: [order.assertions[0]],
  };
  const specs = [likes, plain, rule];
  const known = new Set(['fp-likes', 'fp-plain']);
  const verdicts = (j: ReturnType<typeof judgeTrace>) =>
    j.verdicts.map((v) => `${v.spec.id}:${v.reason}:${v.evaluation.passed ? 'pass' : 'fail'}`);

  it('judges a trace by its endpoint’s rules and the behaviour test of its request’s arm', () => {
    const j = judgeTrace(
      specs,
      shopTrace('t1', 'true', { potatoes: true }),
      {
        endpoint: order.endpoint,
        fingerprint: 'fp-likes',
      },
      known,
    );
    expect(verdicts(j)).toEqual([`${rule.id}:rule:pass`, `${order.id}:behaviour:pass`]);
    expect(j.findings).toEqual([]);
    // Whatever other values the request carries: the arm decides, not an example value.
    const plainTrace = shopTrace('t2', 'no', {});
    const p = judgeTrace(
      specs,
      plainTrace,
      { endpoint: order.endpoint, fingerprint: 'fp-plain' },
      known,
    );
    expect(verdicts(p)).toEqual([`${rule.id}:rule:pass`, 'bhv-plain:behaviour:pass']);
  });

  it('fails a trace whose structure departs from its behaviour, and says its structure is unknown', () => {
    // A potato lover's order whose write was lost: a structure the model does not know.
    const j = judgeTrace(
      specs,
      shopTrace('t3', 'true', { insert: false, potatoes: true }),
      {
        endpoint: order.endpoint,
        fingerprint: 'fp-new',
      },
      known,
    );
    expect(verdicts(j)).toEqual([`${rule.id}:rule:pass`, `${order.id}:unknown-behaviour:fail`]);
    expect(j.findings).toEqual(['unknown-behaviour']);
    expect(j.knownBehaviour).toBe(false);
  });

  it('judges a branch taken against its rule by the arm the request is on', () => {
    // The request says "likes potatoes", the trace has the plain behaviour (no potato call).
    const j = judgeTrace(
      specs,
      shopTrace('t4', 'true', {}),
      {
        endpoint: order.endpoint,
        fingerprint: 'fp-plain',
      },
      known,
    );
    expect(verdicts(j)).toEqual([`${rule.id}:rule:fail`, `${order.id}:other-behaviour:fail`]);
    expect(j.findings).toEqual(['other-behaviour']);
  });

  it('accepts a trace whose fingerprint differs only in what no test checks', () => {
    // e.g. recorded in another environment: host names change the fingerprint, not the tests.
    const j = judgeTrace(
      specs,
      shopTrace('t5', 'false', {}),
      {
        endpoint: order.endpoint,
        fingerprint: 'fp-plain-in-staging',
      },
      known,
    );
    expect(verdicts(j)).toEqual([`${rule.id}:rule:pass`, 'bhv-plain:structure:pass']);
    expect(j.findings).toEqual([]);
  });

  it('reports a trace no behaviour test selects as uncovered', () => {
    const onlyLikes = [likes, rule];
    const j = judgeTrace(
      onlyLikes,
      shopTrace('t6', 'false', {}),
      {
        endpoint: order.endpoint,
        fingerprint: 'fp-plain',
      },
      known,
    );
    expect(verdicts(j)).toEqual([`${rule.id}:rule:pass`]);
    expect(j.findings).toEqual(['uncovered']);
  });

  it('selects specs stored before clauses existed by their pinned request values', () => {
    const legacy = [order, rule];
    const j = judgeTrace(
      legacy,
      shopTrace('t7', 'true', { potatoes: true }),
      {
        endpoint: order.endpoint,
        fingerprint: 'fp-likes',
      },
      known,
    );
    expect(verdicts(j)).toEqual([`${rule.id}:rule:pass`, `${order.id}:behaviour:pass`]);
    const other = judgeTrace(
      legacy,
      shopTrace('t8', 'false', {}),
      {
        endpoint: order.endpoint,
        fingerprint: 'fp-plain',
      },
      known,
    );
    expect(other.findings).toEqual(['uncovered']);
  });

  it('chooses journeys separately from behaviour tests', () => {
    const read: TestSpec = {
      ...order,
      id: 'bhv-read',
      endpoint: journey.endpoint,
      covers: { behaviour: 'fp-read' },
      appliesWhen: [],
      assertions: [{ id: 'a1', kind: 'exists', description: 'the entry', select: { entry: true } }],
    };
    const trip: TestSpec = {
      ...journey,
      covers: { ...journey.covers, behaviour: 'fp-read' },
      appliesWhen: [],
      assertions: read.assertions,
    };
    const j = judgeTrace(
      [read, trip],
      shopTrace('t9', undefined, {}),
      {
        endpoint: journey.endpoint,
        fingerprint: 'fp-read',
      },
      new Set(['fp-read']),
    );
    expect(verdicts(j)).toEqual(['bhv-read:behaviour:pass', `${journey.id}:behaviour:pass`]);
  });
});
