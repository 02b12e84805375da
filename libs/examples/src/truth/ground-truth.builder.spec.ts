import { traceShape } from '../../test/trace.observer';
import {
  expectObservationMatches,
  expectRulesHold,
  expectSharesMatch,
} from '../../test/truth.expectations';
import { generateTraces, type FaultSpec } from '../generation/trace.generator';
import {
  call,
  compare,
  db,
  defineSystem,
  double,
  http,
  int,
  internal,
  logNormal,
  seq,
  service,
  traffic,
  uuid,
  when,
  is,
} from '../model/system.dsl';
import type { SystemDefinition } from '../model/system.model';
import { standardNormalCdf } from '../random/normal.distribution';
import { bankSystem } from '../systems/bank.system';
import { checkoutSystem } from '../systems/checkout.system';
import { deliverySystem } from '../systems/delivery.system';
import { potatoSystem } from '../systems/potato.system';
import { railwaySystem } from '../systems/railway.system';
import { edgeKey } from './edge.format';
import { groundTruth } from './ground-truth.builder';
import { GroundTruthError } from './ground-truth.error';

const REQUESTS = 2_000;

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
    ['delivery with noise', deliverySystem, { noise: true }],
    [
      'bank with faults',
      bankSystem,
      {
        faults: [
          { target: 'api.sanctions.example', probability: 0.3 },
          {
            target: 'ledger-service|RPC grpc bank.ledger.v1.Ledger/PostTransfer',
            probability: 0.1,
          },
        ],
      },
    ],
  ] as const)(
    '%s: the generated traces agree with the truth',
    (_, system: SystemDefinition, options: { faults?: readonly FaultSpec[]; noise?: boolean }) => {
      const truth = groundTruth(system, options);
      const traces = generateTraces(system, { seed: 1234, traces: REQUESTS, ...options });

      it('shows exactly the endpoints, entities and edges of the truth', () => {
        expectObservationMatches(truth, traces);
      });

      it(`shows each behaviour in its expected share over ${REQUESTS} requests`, () => {
        expectSharesMatch(truth, traces);
      });

      it('obeys every rule: the effect happens when the condition holds (as often as the confidence says) and never otherwise', () => {
        expectRulesHold(truth, traces);
      });
    },
  );

  it.each([
    ['potato', potatoSystem, false],
    ['checkout', checkoutSystem, false],
    ['checkout with noise', checkoutSystem, true],
    ['bank', bankSystem, false],
    ['bank with noise', bankSystem, true],
    ['delivery', deliverySystem, false],
    ['railway', railwaySystem, false],
    ['railway with noise', railwaySystem, true],
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

  describe('continuous attributes', () => {
    /** A front endpoint whose handler is `step`, with one traffic entry drawing `attributes`. */
    function oneEndpoint(
      step: Parameters<typeof http>[2],
      attributes: Parameters<typeof traffic>[1]['attributes'],
    ): SystemDefinition {
      return defineSystem({
        name: 'continuous',
        description: 'branches on a continuous attribute',
        services: [
          service('front', { language: 'nodejs', semconv: 'current' }, [
            http('POST', '/pay', step),
          ]),
        ],
        traffic: [traffic({ service: 'front', endpoint: 'POST /pay' }, { weight: 1, attributes })],
      });
    }
    const write = (table: string) => db('postgresql', 'INSERT', table, { database: 'pay' });

    it('splits a uniform double at thresholds exactly, correlated branches included', () => {
      const system = oneEndpoint(
        seq(
          when(compare('amount', '>=', 50), write('reviews'), seq(), { then: 'reviewed' }),
          when(compare('amount', '<', 170), seq(), write('escalations'), { else: 'escalated' }),
        ),
        { amount: double(10, 210) },
      );
      const truth = groundTruth(system);
      // [10, 50) 0.2; [50, 170) 0.6; [170, 210) 0.2: the second branch only splits the first's arm.
      expect(truth.behaviours.map((b) => [b.id, Number(b.share.toFixed(12))])).toEqual([
        ['default', 0.2],
        ['reviewed', 0.6],
        ['reviewed+escalated', 0.2],
      ]);
      expect(
        truth.rules.map((r) => [r.condition, r.effect, Number(r.share.toFixed(12)), r.confidence]),
      ).toEqual([
        ['amount >= 170', 'writes escalations (INSERT)', 0.2, 1],
        ['amount >= 50', 'writes reviews (INSERT)', 0.8, 1],
      ]);
      expectSharesMatch(truth, generateTraces(system, { seed: 8, traces: REQUESTS }));
    });

    it('compares values rounded to cents as the generator does, equality included', () => {
      const system = oneEndpoint(
        seq(
          when(compare('amount', '>=', 5), write('large'), seq(), { then: 'large' }),
          when(is('amount', 7.25), write('exact'), seq(), { then: 'exact' }),
        ),
        { amount: double(0, 10, { decimals: 2 }) },
      );
      const truth = groundTruth(system);
      const share = (id: string) => truth.behaviours.find((b) => b.id === id)?.share ?? 0;
      // A draw rounds to 5.00 or more from 4.995 up; it rounds to 7.25 on [7.245, 7.255).
      expect(share('large')).toBeCloseTo(5.005 / 10 - 0.001, 12);
      expect(share('large+exact')).toBeCloseTo(0.001, 12);
      expect(share('default')).toBeCloseTo(4.995 / 10, 12);
      expect(truth.rules.find((r) => r.effect === 'writes exact (INSERT)')!.share).toBeCloseTo(
        0.001,
        12,
      );
      expectSharesMatch(truth, generateTraces(system, { seed: 9, traces: REQUESTS }));
    });

    it('weighs a log-normal by its CDF', () => {
      const median = 80;
      const sigma = 0.75;
      const system = oneEndpoint(
        seq(
          when(compare('amount', '>', median), write('above_median'), seq(), { then: 'above' }),
          // z = 1: one standard deviation above the median on the log scale.
          when(compare('amount', '>=', median * Math.exp(sigma)), write('tail'), seq(), {
            then: 'tail',
          }),
        ),
        { amount: logNormal(median, sigma) },
      );
      const truth = groundTruth(system);
      const share = (id: string) => truth.behaviours.find((b) => b.id === id)?.share ?? 0;
      // Φ(1) = 0.8413447460685429 (tables), so P(z >= 1) = 0.15865525393145707.
      expect(share('above+tail')).toBeCloseTo(0.15865525393145707, 12);
      expect(share('above')).toBeCloseTo(0.5 - 0.15865525393145707, 12);
      expect(share('default')).toBeCloseTo(0.5, 12);
      expectSharesMatch(truth, generateTraces(system, { seed: 10, traces: REQUESTS }));
    });

    it('states a continuous atom in a conjunction with its exact share', () => {
      const system = oneEndpoint(
        when(
          is('tier', 'gold'),
          when(compare('amount', '<', 25), write('gold_small'), seq(), { then: 'small' }),
          seq(),
          { then: 'gold' },
        ),
        {
          tier: { kind: 'choice', values: ['gold', 'silver', 'bronze'], weights: [1, 1, 2] },
          amount: logNormal(25, 1.3, { decimals: 2 }),
        },
      );
      const [rule] = groundTruth(system).rules;
      expect(rule.condition).toBe('tier = gold and amount < 25');
      // Rounded below 25.00 means a raw draw under 24.995.
      const p = standardNormalCdf(Math.log(24.995 / 25) / 1.3);
      expect(p).toBeLessThan(0.5);
      expect(rule.share).toBeCloseTo(0.25 * p, 12);
      expect(rule.confidence).toBe(1);
    });
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
