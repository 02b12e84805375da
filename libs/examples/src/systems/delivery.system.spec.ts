import { SpanKind, StatusCode, type Span } from '@t2t/domain';
import { observeTrace } from '../../test/trace.observer';
import {
  expectObservationMatches,
  expectRulesHold,
  expectSharesMatch,
} from '../../test/truth.expectations';
import { validateSystem } from '../compile/system.compiler';
import { canInjectFault, injectFault, type FaultKind } from '../faults/fault.injector';
import { generateTraces } from '../generation/trace.generator';
import { satisfies } from '../model/condition.evaluator';
import { edgeKey } from '../truth/edge.format';
import { groundTruth } from '../truth/ground-truth.builder';
import { deliverySystem } from './delivery.system';

const ORDER = 'order-api|HTTP POST /api/v1/orders';
const ETA = 'order-api|HTTP GET /api/v1/orders/{orderId}/eta';
const MENU = 'menu-service|HTTP GET /restaurants/{restaurantId}/menu';
const DISPATCH = 'dispatch-service|HTTP POST /v1/dispatches';
const DISPATCH_ETA = 'dispatch-service|HTTP GET /v1/dispatches/{orderId}/eta';
const REQUESTS = 4_000;

/** Subtotals are uniform on [5, 95) in cents: `< 20` means a raw draw under 19.995. */
const SMALL = (19.995 - 5) / 90;
const HIT = 0.8;
const GOLD = 0.1;

const service = (s: Span) => s.resource.attributes['service.name'];

describe('deliverySystem', () => {
  const truth = groundTruth(deliverySystem);

  it('is a valid definition', () => {
    expect(() => validateSystem(deliverySystem)).not.toThrow();
  });

  describe('ground truth', () => {
    it('lists the services with their languages and conventions', () => {
      expect(truth.services.map((s) => [s.name, s.language, s.semconv, s.endpoints])).toEqual([
        ['courier-notifier', 'nodejs', 'legacy', ['courier-notifier|CONSUME courier.assigned']],
        ['dispatch-service', 'go', 'legacy', [DISPATCH_ETA, DISPATCH]],
        ['eta-tracker', 'go', 'current', ['eta-tracker|CONSUME courier.assigned']],
        ['menu-service', 'java', 'legacy', [MENU]],
        ['order-api', 'python', 'current', [ETA, ORDER]],
      ]);
      expect(
        truth.endpoints.filter((e) => e.entry).map((e) => [e.key, e.tracesPerRequest]),
      ).toEqual([
        [ETA, 0.2],
        [ORDER, expect.closeTo(0.8, 12)],
      ]);
    });

    it('lists the entities and edges', () => {
      expect(truth.entities.map((e) => `${e.kind} ${e.name} (${e.system})`)).toEqual([
        'cache-prefix eta:{id} (redis)',
        'cache-prefix menu:{id} (redis)',
        'collection courier_positions (mongodb)',
        'external-api push.courier.example (https)',
        'external-api routing.maps.example (https)',
        'table dispatches (postgresql)',
        'table menu_items (mysql)',
        'table order_surcharges (postgresql)',
        'table orders (postgresql)',
        'topic courier.assigned (rabbitmq)',
      ]);
      expect(truth.edges.map(edgeKey)).toEqual([
        `CALLS ${ETA} -> ${DISPATCH_ETA}`,
        `CALLS ${ORDER} -> ${DISPATCH}`,
        `CALLS ${ORDER} -> ${MENU}`,
        'CALLS_EXTERNAL courier-notifier -> push.courier.example POST /v1/messages',
        'CALLS_EXTERNAL dispatch-service -> routing.maps.example POST /v1/routes:optimize',
        'CONSUMES courier-notifier -> topic courier.assigned',
        'CONSUMES eta-tracker -> topic courier.assigned',
        'PUBLISHES dispatch-service -> topic courier.assigned',
        'READS dispatch-service -> cache-prefix eta:{id} (GET)',
        'READS dispatch-service -> collection courier_positions (find)',
        'READS menu-service -> cache-prefix menu:{id} (GET)',
        'READS menu-service -> table menu_items (SELECT)',
        'WRITES dispatch-service -> table dispatches (INSERT)',
        'WRITES eta-tracker -> cache-prefix eta:{id} (SET)',
        'WRITES menu-service -> cache-prefix menu:{id} (SET)',
        'WRITES order-api -> table order_surcharges (INSERT)',
        'WRITES order-api -> table orders (INSERT)',
      ]);
    });

    it('has eight order behaviours: cache × small-order fee × courier, with exact shares', () => {
      const expected: [string, number][] = [];
      for (const [cache, pc] of [
        ['menu-cache-hit', HIT],
        ['menu-cache-miss', 1 - HIT],
      ] as const) {
        for (const [fee, pf] of [
          ['', 1 - SMALL],
          ['+small-order-fee', SMALL],
        ] as const) {
          for (const [courier, pt] of [
            ['+nearest-courier', 1 - GOLD],
            ['+priority-courier', GOLD],
          ] as const) {
            expected.push([`${cache}${fee}${courier}`, pc * pf * pt]);
          }
        }
      }
      const orders = truth.behaviours.filter((b) => b.endpoint === ORDER);
      expect(orders.map((b) => b.id)).toEqual(expected.map(([id]) => id).sort());
      for (const [id, share] of expected) {
        expect(orders.find((b) => b.id === id)!.share).toBeCloseTo(share, 12);
      }
      expect(
        truth.behaviours.filter((b) => b.endpoint === ETA).map((b) => [b.id, b.share]),
      ).toEqual([['default', 1]]);
    });

    it('has a rule on the continuous subtotal and both arms of the one-of-four tier', () => {
      expect(
        truth.rules.map((r) => [r.endpoint, r.at, r.condition, r.effect, r.share, r.confidence]),
      ).toEqual([
        [
          ORDER,
          DISPATCH,
          'customer.tier != gold',
          'reads courier_positions (find)',
          expect.closeTo(1 - GOLD, 12),
          1,
        ],
        [
          ORDER,
          DISPATCH,
          'customer.tier = gold',
          'calls external routing.maps.example POST /v1/routes:optimize',
          expect.closeTo(GOLD, 12),
          1,
        ],
        [
          ORDER,
          ORDER,
          'order.subtotal < 20',
          'writes order_surcharges (INSERT)',
          expect.closeTo(SMALL, 12),
          1,
        ],
      ]);
    });
  });

  describe(`${REQUESTS} generated requests`, () => {
    const traces = generateTraces(deliverySystem, { seed: 4711, traces: REQUESTS });
    const orders = traces.filter((t) => t.endpoint === ORDER);

    it('show exactly the truth: endpoints, edges, entities, behaviour shares and rules', () => {
      expectObservationMatches(truth, traces);
      expectSharesMatch(truth, traces);
      expectRulesHold(truth, traces);
    });

    it('take the not-gold arm for each of the three other tiers', () => {
      const tiers = new Set(
        orders
          .filter((t) => t.behaviour.endsWith('nearest-courier'))
          .map((t) => t.request['customer.tier']),
      );
      expect(tiers).toEqual(new Set(['silver', 'bronze', 'basic']));
    });

    it('forward the tier to the dispatcher (older conventions) that decides on it', () => {
      const t = orders[0];
      const dispatch = t.spans.find(
        (s) => s.kind === SpanKind.Server && service(s) === 'dispatch-service',
      )!;
      expect(dispatch.attributes).toMatchObject({
        'http.method': 'POST',
        'http.route': '/v1/dispatches',
        'net.host.name': 'dispatch-service',
        'customer.tier': t.request['customer.tier'],
      });
      expect(dispatch.attributes).not.toHaveProperty(['order.subtotal']);
      expect(t.spans[0].attributes).toMatchObject({
        'http.request.method': 'POST',
        'url.path': '/api/v1/orders',
        'order.subtotal': t.request['order.subtotal'],
      });
    });

    it('read the menu from the cache, and on a miss from mysql before filling the cache', () => {
      const miss = orders.find((t) => t.behaviour.startsWith('menu-cache-miss'))!;
      const menu = miss.spans.filter(
        (s) => service(s) === 'menu-service' && s.kind === SpanKind.Client,
      );
      const id = String(miss.request['restaurant.id']);
      expect(menu.map((s) => [s.name, s.attributes['db.statement']])).toEqual([
        ['GET', `GET menu:${id}`],
        ['SELECT catalog.menu_items', expect.stringMatching(/^SELECT .* FROM menu_items WHERE/)],
        ['SET', `SET menu:${id}`],
      ]);
      const menuServer = miss.spans.find(
        (s) => s.kind === SpanKind.Server && service(s) === 'menu-service',
      )!;
      expect(menuServer.attributes['http.target']).toBe(`/restaurants/${id}/menu`);
      const hit = orders.find((t) => t.behaviour.startsWith('menu-cache-hit'))!;
      expect(
        hit.spans.filter((s) => service(s) === 'menu-service' && s.kind === SpanKind.Client),
      ).toHaveLength(1);
    });

    it('retry the routing API 1-3 times for gold customers', () => {
      const counts = new Map<number, number>();
      for (const t of orders) {
        const attempts = t.spans.filter(
          (s) => s.attributes['net.peer.name'] === 'routing.maps.example',
        );
        expect(attempts.length > 0).toBe(t.request['customer.tier'] === 'gold');
        if (attempts.length === 0) continue;
        counts.set(attempts.length, (counts.get(attempts.length) ?? 0) + 1);
        expect(attempts.map((s) => s.status.code)).toEqual(
          attempts.map((_, i) => (i === attempts.length - 1 ? StatusCode.Unset : StatusCode.Error)),
        );
      }
      expect([...counts.keys()].sort()).toEqual([1, 2, 3]);
    });

    it('fan the courier assignment out over RabbitMQ to two consumers in the same trace', () => {
      const t = orders[0];
      const producer = t.spans.find((s) => s.kind === SpanKind.Producer)!;
      expect(producer.name).toBe('courier.assigned send');
      expect(producer.attributes).toMatchObject({
        'messaging.system': 'rabbitmq',
        'messaging.destination': 'courier.assigned',
        'messaging.destination_kind': 'queue',
      });
      const consumers = t.spans.filter((s) => s.kind === SpanKind.Consumer);
      expect(consumers.map((s) => [service(s), s.name, s.parentSpanId])).toEqual([
        ['courier-notifier', 'courier.assigned process', producer.spanId],
        ['eta-tracker', 'process courier.assigned', producer.spanId],
      ]);
      expect(consumers[1].attributes['messaging.message.id']).toBe(
        producer.attributes['messaging.message_id'],
      );
      expect(traces.some((x) => x.linkedFrom !== undefined)).toBe(false);
    });

    it('answer an ETA with one behaviour: the route id reaches the cache key', () => {
      const etas = traces.filter((t) => t.endpoint === ETA);
      expect(new Set(etas.map((t) => t.behaviour))).toEqual(new Set(['default']));
      const t = etas[0];
      const id = String(t.request['order.id']);
      expect(t.spans[0].attributes['url.path']).toBe(`/api/v1/orders/${id}/eta`);
      expect(t.spans.at(-1)!.attributes['db.statement']).toBe(`GET eta:${id}`);
    });
  });

  describe('fault injection', () => {
    const traces = generateTraces(deliverySystem, { seed: 17, traces: 600 });
    const orders = traces.filter((t) => t.endpoint === ORDER);

    it.each<[FaultKind, number]>([
      // ETA reads write nothing and decide nothing: 20% of requests.
      ['drop-db-write', 0.7],
      ['extra-call', 0.99],
      ['error-status', 0.99],
      ['flip-branch', 0.7],
    ])('%s applies to a reasonable fraction of traces, and to every order', (kind, fraction) => {
      const applicable = traces.filter((t) => canInjectFault(t, kind)).length;
      expect(applicable / traces.length).toBeGreaterThanOrEqual(fraction);
      for (const t of orders) expect(canInjectFault(t, kind)).toBe(true);
    });

    it('flip-branch moves the subtotal one cent across 20 and breaks the fee rule', () => {
      const small = orders.find((t) => t.behaviour.includes('small-order-fee'))!;
      const large = orders.find((t) => !t.behaviour.includes('small-order-fee'))!;
      const rule = truth.rules.find((r) => r.condition === 'order.subtotal < 20')!;
      for (const [t, to, outcome] of [
        [small, 20, true],
        [large, 19.99, false],
      ] as const) {
        const { trace, change } = injectFault(t, 'flip-branch');
        expect(change).toMatchObject({ attribute: 'order.subtotal', to, outcome });
        expect(satisfies(rule.atoms[0], trace.request['order.subtotal'])).toBe(
          !satisfies(rule.atoms[0], t.request['order.subtotal']),
        );
        expect(observeTrace(trace).edges.has(edgeKey(rule.edge))).toBe(
          observeTrace(t).edges.has(edgeKey(rule.edge)),
        );
      }
    });

    it('flip-branch moves any tier to gold, and gold to another tier', () => {
      const gold = orders.find((t) => t.request['customer.tier'] === 'gold')!;
      expect(injectFault(gold, 'flip-branch', { decision: 1 }).change).toMatchObject({
        attribute: 'customer.tier',
        from: 'gold',
        to: 'silver',
        outcome: true,
      });
      for (const tier of ['silver', 'bronze', 'basic']) {
        const t = orders.find((x) => x.request['customer.tier'] === tier)!;
        const { trace, change } = injectFault(t, 'flip-branch', { decision: 1 });
        expect(change).toMatchObject({ from: tier, to: 'gold', outcome: false });
        if (change.kind !== 'flip-branch') throw new Error('wrong kind');
        // The entry span and the dispatcher's span it was forwarded to.
        expect(
          change.changedSpanIds.map((id) => service(trace.spans.find((s) => s.spanId === id)!)),
        ).toEqual(['order-api', 'dispatch-service']);
      }
    });
  });
});
