import { emptyObservation, observeTrace, traceShape } from '../../test/trace.observer';
import type { GeneratedTrace } from '../generation/generated-trace.model';
import { generateTraces, type FaultSpec } from '../generation/trace.generator';
import { satisfies } from '../model/condition.evaluator';
import {
  call,
  compare,
  db,
  defineSystem,
  http,
  int,
  internal,
  seq,
  service,
  traffic,
  uuid,
  when,
  is,
} from '../model/system.dsl';
import type { SystemDefinition } from '../model/system.model';
import { checkoutSystem } from '../systems/checkout.system';
import { potatoSystem } from '../systems/potato.system';
import { edgeKey } from './edge.format';
import { GroundTruthError, groundTruth } from './ground-truth.builder';
import type { SystemTruth } from './ground-truth.model';

const REQUESTS = 2_000;

/** |observed - expected| within 5 standard deviations of a binomial count (plus rounding). */
function expectShare(observed: number, n: number, p: number): void {
  expect(Math.abs(observed - n * p)).toBeLessThanOrEqual(5 * Math.sqrt(n * p * (1 - p)) + 1);
}

function countBy<T>(items: readonly T[], key: (t: T) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of items) out.set(key(item), (out.get(key(item)) ?? 0) + 1);
  return out;
}

function expectSharesMatch(truth: SystemTruth, traces: readonly GeneratedTrace[]): void {
  const perEndpoint = countBy(traces, (t) => t.endpoint);
  const perBehaviour = countBy(traces, (t) => `${t.endpoint} ${t.behaviour}`);
  for (const b of truth.behaviours) {
    expectShare(
      perBehaviour.get(`${b.endpoint} ${b.id}`) ?? 0,
      perEndpoint.get(b.endpoint) ?? 0,
      b.share,
    );
  }
  // Nothing outside the truth shows up.
  const known = new Set(truth.behaviours.map((b) => `${b.endpoint} ${b.id}`));
  expect([...perBehaviour.keys()].filter((k) => !known.has(k))).toEqual([]);
  const requests = new Set(traces.map((t) => t.requestIndex)).size;
  for (const e of truth.endpoints.filter((x) => x.entry)) {
    const n = perEndpoint.get(e.key) ?? 0;
    expectShare(n, requests, Math.min(1, e.tracesPerRequest));
  }
}

describe(groundTruth.name, () => {
  describe('potato', () => {
    const truth = groundTruth(potatoSystem);

    it('lists the services, endpoints and entities', () => {
      expect(truth.services).toEqual([
        {
          name: 'api-gateway',
          language: 'nodejs',
          semconv: 'current',
          endpoints: ['api-gateway|HTTP GET /orders/{id}', 'api-gateway|HTTP POST /orders'],
        },
        {
          name: 'order-service',
          language: 'java',
          semconv: 'legacy',
          endpoints: ['order-service|HTTP GET /orders/{id}', 'order-service|HTTP POST /orders'],
        },
        {
          name: 'order-writer',
          language: 'go',
          semconv: 'current',
          endpoints: ['order-writer|CONSUME orders'],
        },
        {
          name: 'potato-handler',
          language: 'python',
          semconv: 'legacy',
          endpoints: ['potato-handler|HTTP POST /potatoes'],
        },
      ]);
      expect(
        truth.endpoints.filter((e) => e.entry).map((e) => [e.key, e.tracesPerRequest]),
      ).toEqual([
        ['api-gateway|HTTP GET /orders/{id}', 0.25],
        ['api-gateway|HTTP POST /orders', 0.75],
      ]);
      expect(truth.entities).toEqual([
        { kind: 'collection', name: 'potato_orders', system: 'mongodb' },
        { kind: 'table', name: 'orders', system: 'postgresql' },
        { kind: 'topic', name: 'orders', system: 'rabbitmq' },
      ]);
    });

    it('lists the edges', () => {
      expect(truth.edges.map(edgeKey)).toEqual([
        'CALLS api-gateway|HTTP GET /orders/{id} -> order-service|HTTP GET /orders/{id}',
        'CALLS api-gateway|HTTP POST /orders -> order-service|HTTP POST /orders',
        'CALLS order-service|HTTP POST /orders -> potato-handler|HTTP POST /potatoes',
        'CONSUMES order-writer -> topic orders',
        'PUBLISHES order-service -> topic orders',
        'READS order-service -> table orders (SELECT)',
        'WRITES order-writer -> table orders (INSERT)',
        'WRITES potato-handler -> collection potato_orders (insert)',
      ]);
      expect(truth.edges[2]).toEqual({
        type: 'CALLS',
        from: 'order-service|HTTP POST /orders',
        to: 'potato-handler|HTTP POST /potatoes',
        protocol: 'http',
        method: 'POST',
        route: '/potatoes',
      });
    });

    it('has two behaviours for POST /orders, split by the potato preference', () => {
      expect(truth.behaviours.map((b) => [b.endpoint, b.id, Number(b.share.toFixed(6))])).toEqual([
        ['api-gateway|HTTP GET /orders/{id}', 'default', 1],
        ['api-gateway|HTTP POST /orders', 'likes-potatoes', 0.4],
        ['api-gateway|HTTP POST /orders', 'no-potatoes', 0.6],
      ]);
    });

    it('has the potato rule', () => {
      expect(truth.rules).toHaveLength(1);
      const [rule] = truth.rules;
      expect(rule).toMatchObject({
        endpoint: 'api-gateway|HTTP POST /orders',
        at: 'order-service|HTTP POST /orders',
        condition: 'user.likes_potatoes = true',
        atoms: [{ attribute: 'user.likes_potatoes', operator: '=', value: true }],
        effect: 'calls potato-handler POST /potatoes',
        confidence: 1,
      });
      expect(rule.share).toBeCloseTo(0.4, 12);
    });
  });

  describe('checkout', () => {
    const truth = groundTruth(checkoutSystem);

    it('finds twelve behaviours of POST /checkout whose shares add up to one', () => {
      const checkout = truth.behaviours.filter(
        (b) => b.endpoint === 'storefront|HTTP POST /checkout',
      );
      expect(checkout).toHaveLength(12);
      expect(checkout.reduce((s, b) => s + b.share, 0)).toBeCloseTo(1, 12);
      const share = (id: string) => checkout.find((b) => b.id === id)!.share;
      // 0.7 cache hit × 0.45 small cart × 0.85 card × 0.95 not declined
      expect(share('cache-hit+card')).toBeCloseTo(0.7 * 0.45 * 0.85 * 0.95, 12);
      expect(share('cache-miss+fraud-screened+gift-card')).toBeCloseTo(0.3 * 0.55 * 0.15, 12);
      expect(checkout.find((b) => b.id === 'cache-miss+card+card-declined')!.description).toBe(
        'the cart is read from postgres and cached; paid by card or wallet through Stripe; the card is declined: no stock reservation, no order event',
      );
    });

    it('has the three attribute rules, not the random branches', () => {
      expect(truth.rules.map((r) => [r.at, r.condition, r.effect, r.confidence])).toEqual([
        [
          'storefront|HTTP POST /checkout',
          'cart.items >= 10',
          'calls fraud-service POST /screenings',
          1,
        ],
        [
          'payment-service|RPC grpc checkout.PaymentService/Charge',
          'payment.method != gift-card',
          'calls external api.stripe.example POST /v1/charges',
          1,
        ],
        [
          'payment-service|RPC grpc checkout.PaymentService/Charge',
          'payment.method = gift-card',
          'writes gift_cards (UPDATE)',
          1,
        ],
      ]);
      expect(truth.rules.every((r) => r.endpoint === 'storefront|HTTP POST /checkout')).toBe(true);
      expect(truth.rules[0].share).toBeCloseTo(0.55, 12);
    });

    it('counts linked consumer traces per request', () => {
      const analytics = truth.endpoints.find(
        (e) => e.key === 'analytics-service|CONSUME order.placed',
      )!;
      expect(analytics.entry).toBe(true);
      expect(analytics.tracesPerRequest).toBeCloseTo(0.6 * (1 - 0.85 * 0.05), 12);
      expect(
        truth.endpoints.find((e) => e.key === 'email-service|CONSUME order.placed')!.entry,
      ).toBe(false);
    });

    it('lists every kind of entity and edge', () => {
      expect(new Set(truth.entities.map((e) => e.kind))).toEqual(
        new Set(['table', 'collection', 'cache-prefix', 'topic', 'external-api']),
      );
      expect(new Set(truth.edges.map((e) => e.type))).toEqual(
        new Set(['CALLS', 'READS', 'WRITES', 'PUBLISHES', 'CONSUMES', 'CALLS_EXTERNAL']),
      );
      expect(truth.edges.map(edgeKey)).toContain(
        'READS cart-service -> cache-prefix cart:{id} (GET)',
      );
      expect(truth.edges.map(edgeKey)).toContain(
        'CALLS storefront|HTTP POST /checkout -> payment-service|RPC grpc checkout.PaymentService/Charge',
      );
      expect(truth.edges.find((e) => e.type === 'CALLS' && e.protocol === 'grpc')).toMatchObject({
        method: 'Charge',
        route: 'checkout.PaymentService/Charge',
      });
    });

    it('takes injected faults into account', () => {
      const faults: FaultSpec[] = [
        { target: 'fraud-service|HTTP POST /screenings', probability: 0.5 },
      ];
      const faulty = groundTruth(checkoutSystem, { faults });
      const skipped = faulty.behaviours.filter((b) => b.id.includes('fraud-check-skipped'));
      expect(skipped.reduce((s, b) => s + b.share, 0)).toBeCloseTo(0.55 * 0.5, 12);
      expect(faulty.edges).toEqual(truth.edges);
      // The fraud call still happens when the service fails (and answers 503): the rule stays certain.
      expect(faulty.rules.find((r) => r.effect.startsWith('calls fraud-service'))!.confidence).toBe(
        1,
      );
    });
  });

  describe.each([
    ['potato', potatoSystem, {}],
    ['checkout', checkoutSystem, {}],
    ['checkout with noise', checkoutSystem, { noise: true }],
    [
      'checkout with faults',
      checkoutSystem,
      {
        faults: [
          { target: 'api.stripe.example', probability: 0.2 },
          { target: 'fraud-service|HTTP POST /screenings', probability: 0.3 },
          { target: 'carts', probability: 0.1 },
        ],
      },
    ],
  ] as const)(
    '%s: the generated traces agree with the truth',
    (_, system: SystemDefinition, options: { faults?: readonly FaultSpec[]; noise?: boolean }) => {
      const truth = groundTruth(system, options);
      const traces = generateTraces(system, { seed: 1234, traces: REQUESTS, ...options });

      it('shows exactly the endpoints, entities and edges of the truth', () => {
        const seen = emptyObservation();
        for (const t of traces) observeTrace(t, seen);
        expect([...seen.endpoints].sort()).toEqual(truth.endpoints.map((e) => e.key));
        expect([...seen.edges.keys()].sort()).toEqual(truth.edges.map(edgeKey).sort());
        expect(
          [...seen.entities.values()].sort((a, b) =>
            `${a.kind} ${a.name}` < `${b.kind} ${b.name}` ? -1 : 1,
          ),
        ).toEqual(truth.entities);
      });

      it(`shows each behaviour in its expected share over ${REQUESTS} requests`, () => {
        expectSharesMatch(truth, traces);
      });

      it('obeys every rule: the effect happens when the condition holds (as often as the confidence says) and never otherwise', () => {
        for (const rule of truth.rules) {
          const key = edgeKey(rule.edge);
          let holds = 0;
          let withEffect = 0;
          for (const t of traces.filter((x) => x.endpoint === rule.endpoint)) {
            const effect = observeTrace(t).edges.has(key);
            if (rule.atoms.every((a) => satisfies(a, t.request[a.attribute]))) {
              holds++;
              if (effect) withEffect++;
            } else {
              expect(effect).toBe(false);
            }
          }
          expect(holds).toBeGreaterThan(0);
          expectShare(withEffect, holds, rule.confidence);
        }
      });
    },
  );

  it.each([
    ['potato', potatoSystem, false],
    ['checkout', checkoutSystem, false],
    ['checkout with noise', checkoutSystem, true],
  ])(
    '%s: a behaviour id is exactly one structure (modulo repeats and concurrency)',
    (_, system, noise) => {
      const shapes = new Map<string, Set<string>>();
      for (const t of generateTraces(system, { seed: 77, traces: REQUESTS, noise })) {
        const key = `${t.endpoint} ${t.behaviour}`;
        shapes.set(key, (shapes.get(key) ?? new Set()).add(traceShape(t)));
      }
      for (const [behaviour, set] of shapes) expect([behaviour, set.size]).toEqual([behaviour, 1]);
      const all = [...shapes.values()].map((s) => [...s][0]);
      expect(new Set(all).size).toBe(all.length);
    },
  );

  it('is exact for correlated branches on one attribute', () => {
    const system = defineSystem({
      name: 'tiers',
      description: 'two thresholds on one attribute',
      services: [
        service('front', { language: 'nodejs', semconv: 'current' }, [
          http(
            'POST',
            '/buy',
            seq(
              when(compare('cart.items', '>=', 10), call('back', 'POST /review'), seq(), {
                then: 'reviewed',
              }),
              when(
                compare('cart.items', '>=', 15),
                internal(
                  'escalate',
                  db('postgresql', 'INSERT', 'escalations', { database: 'ops' }),
                ),
                seq(),
                {
                  then: 'escalated',
                },
              ),
            ),
          ),
        ]),
        service('back', { language: 'go', semconv: 'current' }, [http('POST', '/review', seq())]),
      ],
      traffic: [
        traffic(
          { service: 'front', endpoint: 'POST /buy' },
          { weight: 1, attributes: { 'cart.items': int(1, 20) } },
        ),
      ],
    });
    const truth = groundTruth(system);
    expect(truth.behaviours.map((b) => [b.id, Number(b.share.toFixed(12))])).toEqual([
      ['default', 0.45],
      ['reviewed', 0.25],
      ['reviewed+escalated', 0.3],
    ]);
    expect(
      truth.rules.map((r) => [r.condition, r.effect, Number(r.confidence.toFixed(12))]),
    ).toEqual([
      ['cart.items >= 10', 'calls back POST /review', 1],
      ['cart.items >= 15', 'writes escalations (INSERT)', 1],
    ]);
    expectSharesMatch(truth, generateTraces(system, { seed: 5, traces: REQUESTS }));
  });

  it('states a nested condition as a conjunction', () => {
    const system = defineSystem({
      name: 'nested',
      description: 'a branch inside a branch',
      services: [
        service('front', { language: 'nodejs', semconv: 'current' }, [
          http(
            'POST',
            '/x',
            when(
              is('vip', 'yes'),
              when(compare('n', '>', 3), db('mysql', 'INSERT', 'perks', { database: 'p' })),
            ),
          ),
        ]),
      ],
      traffic: [
        traffic(
          { service: 'front', endpoint: 'POST /x' },
          {
            weight: 1,
            attributes: {
              vip: { kind: 'choice', values: ['yes', 'no'], weights: [1, 3] },
              n: int(1, 4),
            },
          },
        ),
      ],
    });
    const [rule] = groundTruth(system).rules;
    expect(rule.condition).toBe('vip = yes and n > 3');
    expect(rule.share).toBeCloseTo(0.25 * 0.25, 12);
  });

  it('refuses to branch on an attribute without a finite domain', () => {
    const system = defineSystem({
      name: 'bad',
      description: 'branch on a uuid',
      services: [
        service('a', { language: 'go', semconv: 'current' }, [
          http('GET', '/', when(is('id', 'x'), internal('y'))),
        ]),
      ],
      traffic: [
        traffic({ service: 'a', endpoint: 'GET /' }, { weight: 1, attributes: { id: uuid() } }),
      ],
    });
    expect(() => groundTruth(system)).toThrow(GroundTruthError);
  });
});
