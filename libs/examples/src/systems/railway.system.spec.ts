import { SpanKind, StatusCode, type Span } from '@t2t/domain';
import { endpointOf, observeTrace } from '../../test/trace.observer';
import {
  countBy,
  expectObservationMatches,
  expectRulesHold,
  expectShare,
  expectSharesMatch,
} from '../../test/truth.expectations';
import { validateSystem } from '../compile/system.compiler';
import { canInjectFault, injectFault, type FaultKind } from '../faults/fault.injector';
import { generateTraces } from '../generation/trace.generator';
import { satisfies } from '../model/condition.evaluator';
import { edgeKey } from '../truth/edge.format';
import { groundTruth } from '../truth/ground-truth.builder';
import { railwaySystem } from './railway.system';

const GATEWAY = 'ts-gateway-service';
const GET = `${GATEWAY}|HTTP GET /*`;
const POST = `${GATEWAY}|HTTP POST /*`;
const DELETE = `${GATEWAY}|HTTP DELETE /**`;
const NOTIFY = 'ts-notification-service|CONSUME ts.notification';

const SEARCH = 'ts-travel-service|HTTP GET /api/v1/tickets/left';
const TRAIN = 'ts-train-service|HTTP GET /api/v1/trains/{trainId}';
const STATIONS = 'ts-station-service|HTTP GET /api/v1/stations';
const ROUTES = 'ts-route-service|HTTP GET /api/v1/routes';
const NEWS = 'ts-news-service|HTTP GET /api/v1/news';
const LOGIN = 'ts-auth-service|HTTP POST /api/v1/login';
const PRESERVE = 'ts-preserve-service|HTTP POST /api/v1/preserve';
const ORDER = 'ts-order-service|HTTP POST /api/v1/orders';
const PAY = 'ts-inside-payment-service|HTTP POST /api/v1/payments';
const REBOOK = 'ts-rebook-service|HTTP POST /api/v1/rebook';
const CANCEL = 'ts-cancel-service|HTTP DELETE /api/v1/orders/{orderId}';
const SEATS_LEFT = 'ts-seat-service|HTTP POST /api/v1/seats/left';

const REQUESTS = 3_000;

/** Traffic weights (percent of requests) per API. */
const WEIGHT = {
  search: 0.25,
  train: 0.1,
  stations: 0.07,
  routes: 0.06,
  login: 0.12,
  preserve: 0.14,
  order: 0.06,
  cancel: 0.05,
  pay: 0.08,
  rebook: 0.03,
  news: 0.04,
};
const GET_SHARE = WEIGHT.search + WEIGHT.train + WEIGHT.stations + WEIGHT.routes + WEIGHT.news;
const POST_SHARE = WEIGHT.login + WEIGHT.preserve + WEIGHT.order + WEIGHT.pay + WEIGHT.rebook;

const HIGH_SPEED = 0.6;
const SOLD_OUT = 0.05;
const VIP = 0.2;
/** `luggage.kg` is an int in [0, 30]: `> 20` holds for 21…30. */
const CONSIGN = 10 / 31;
/** `login.failed_attempts` is an int in [0, 4]: `>= 3` holds for 3 and 4. */
const CAPTCHA = 2 / 5;
const CACHE_HIT = 0.85;

/**
 * P(Z >= z) for a standard normal, by Simpson's rule on its density: independent of the library's
 * CDF, so the truth's shares are checked, not restated.
 */
function upperTail(z: number): number {
  const steps = 20_000;
  const to = 12;
  const h = (to - z) / steps;
  const density = (t: number) => Math.exp((-t * t) / 2) / Math.sqrt(2 * Math.PI);
  let sum = density(z) + density(to);
  for (let i = 1; i < steps; i++) sum += density(z + i * h) * (i % 2 === 0 ? 2 : 4);
  return (sum * h) / 3;
}

/** Amounts are log-normal (median 180, sigma 0.9) in cents: `>= 300` is a raw draw >= 299.995. */
const EXTERNAL = upperTail(Math.log(299.995 / 180) / 0.9);

/** Notifications: every booking that got a seat, and every cancellation. */
const NOTIFICATIONS = WEIGHT.preserve * (1 - SOLD_OUT) + WEIGHT.cancel;

const service = (s: Span) => s.resource.attributes['service.name'] as string;
const big = (_: string, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v);

/** What a JDBC span of a Java service carries: no statement, operation or table. */
const NAME_ONLY = {
  'db.system': 'mysql',
  'db.name': 'ts',
  'db.user': 'ts',
  'net.peer.name': 'ts-db',
  'net.peer.port': 3306n,
};

/** [raw behaviour id, API, API behaviour id, share within the entry endpoint, share within the API]. */
type Expected = [string, string, string, number, number];

function expectedBehaviours(): Map<string, Expected[]> {
  const out = new Map<string, Expected[]>();
  const add = (entry: string, total: number, api: string, name: string, weight: number) => {
    return (apiId: string, share: number) => {
      const id = apiId === 'default' ? name : `${name}+${apiId}`;
      out.set(entry, [
        ...(out.get(entry) ?? []),
        [id, api, apiId, (weight * share) / total, share],
      ]);
    };
  };
  const get = (api: string, name: string, weight: number) =>
    add(GET, GET_SHARE, api, `GET ${name}`, weight);
  const post = (api: string, name: string, weight: number) =>
    add(POST, POST_SHARE, api, `POST ${name}`, weight);
  const speeds = [
    ['high-speed', HIGH_SPEED],
    ['conventional', 1 - HIGH_SPEED],
  ] as const;

  const search = get(SEARCH, '/api/v1/tickets/left', WEIGHT.search);
  for (const [speed, p] of speeds) search(speed, p);
  const train = get(TRAIN, '/api/v1/trains/{trainId}', WEIGHT.train);
  train('train-cache-hit', CACHE_HIT);
  train('train-cache-miss', 1 - CACHE_HIT);
  get(STATIONS, '/api/v1/stations', WEIGHT.stations)('default', 1);
  get(ROUTES, '/api/v1/routes', WEIGHT.routes)('default', 1);
  get(NEWS, '/api/v1/news', WEIGHT.news)('default', 1);

  const login = post(LOGIN, '/api/v1/login', WEIGHT.login);
  login('default', 1 - CAPTCHA);
  login('captcha', CAPTCHA);
  post(ORDER, '/api/v1/orders', WEIGHT.order)('default', 1);
  const pay = post(PAY, '/api/v1/payments', WEIGHT.pay);
  pay('external-payment', EXTERNAL);
  pay('balance-payment', 1 - EXTERNAL);
  const preserve = post(PRESERVE, '/api/v1/preserve', WEIGHT.preserve);
  const rebook = post(REBOOK, '/api/v1/rebook', WEIGHT.rebook);
  for (const [speed, p] of speeds) {
    preserve(`${speed}+sold-out`, p * SOLD_OUT);
    rebook(`${speed}+sold-out`, p * SOLD_OUT);
    rebook(speed, p * (1 - SOLD_OUT));
    for (const [vip, pv] of [
      ['', 1 - VIP],
      ['+vip', VIP],
    ] as const) {
      for (const [consign, pc] of [
        ['', 1 - CONSIGN],
        ['+consign', CONSIGN],
      ] as const) {
        preserve(`${speed}${vip}${consign}`, p * (1 - SOLD_OUT) * pv * pc);
      }
    }
  }
  add(
    DELETE,
    WEIGHT.cancel,
    CANCEL,
    'DELETE /api/v1/orders/{orderId}',
    WEIGHT.cancel,
  )('default', 1);
  out.set(NOTIFY, [['default', NOTIFY, 'default', 1, 1]]);
  return out;
}

describe('railwaySystem', () => {
  const truth = groundTruth(railwaySystem);

  it('is a valid definition', () => {
    expect(() => validateSystem(railwaySystem)).not.toThrow();
  });

  describe('ground truth', () => {
    it('lists 28 services: 25 Java ones on older conventions, three newer ones', () => {
      expect(truth.services.map((s) => [s.name, s.language, s.semconv])).toEqual([
        ['ts-assurance-service', 'java', 'legacy'],
        ['ts-auth-service', 'java', 'legacy'],
        ['ts-basic-service', 'java', 'legacy'],
        ['ts-cancel-service', 'java', 'legacy'],
        ['ts-config-service', 'java', 'legacy'],
        ['ts-consign-service', 'java', 'legacy'],
        ['ts-contacts-service', 'java', 'legacy'],
        ['ts-food-service', 'java', 'legacy'],
        ['ts-gateway-service', 'java', 'legacy'],
        ['ts-inside-payment-service', 'java', 'legacy'],
        ['ts-news-service', 'go', 'current'],
        ['ts-notification-service', 'nodejs', 'current'],
        ['ts-order-other-service', 'java', 'legacy'],
        ['ts-order-service', 'java', 'legacy'],
        ['ts-payment-service', 'java', 'legacy'],
        ['ts-preserve-service', 'java', 'legacy'],
        ['ts-price-service', 'java', 'legacy'],
        ['ts-rebook-service', 'java', 'legacy'],
        ['ts-route-service', 'java', 'legacy'],
        ['ts-seat-service', 'java', 'legacy'],
        ['ts-security-service', 'java', 'legacy'],
        ['ts-station-service', 'java', 'legacy'],
        ['ts-ticketinfo-service', 'java', 'legacy'],
        ['ts-train-service', 'java', 'legacy'],
        ['ts-travel-service', 'java', 'legacy'],
        ['ts-user-service', 'java', 'legacy'],
        ['ts-verification-code-service', 'java', 'legacy'],
        ['ts-voucher-service', 'python', 'current'],
      ]);
      expect(truth.services.find((s) => s.name === GATEWAY)!.endpoints).toEqual([
        DELETE,
        GET,
        POST,
      ]);
      expect(truth.endpoints).toHaveLength(42);
    });

    it('enters every request at the gateway, and names the eleven APIs behind it', () => {
      expect(
        truth.endpoints.filter((e) => e.entry).map((e) => [e.key, e.tracesPerRequest]),
      ).toEqual([
        [DELETE, expect.closeTo(WEIGHT.cancel, 12)],
        [GET, expect.closeTo(GET_SHARE, 12)],
        [POST, expect.closeTo(POST_SHARE, 12)],
        [NOTIFY, expect.closeTo(NOTIFICATIONS, 12)],
      ]);
      const apis = truth.endpoints
        .filter((e) => e.apiTracesPerRequest > 0)
        .map((e) => [e.key, e.apiTracesPerRequest]);
      expect(apis).toEqual(
        [
          [LOGIN, WEIGHT.login],
          [CANCEL, WEIGHT.cancel],
          [PAY, WEIGHT.pay],
          [NEWS, WEIGHT.news],
          [NOTIFY, NOTIFICATIONS],
          [ORDER, WEIGHT.order],
          [PRESERVE, WEIGHT.preserve],
          [REBOOK, WEIGHT.rebook],
          [ROUTES, WEIGHT.routes],
          [STATIONS, WEIGHT.stations],
          [TRAIN, WEIGHT.train],
          [SEARCH, WEIGHT.search],
        ].map(([key, p]) => [key, expect.closeTo(p as number, 12)]),
      );
    });

    it('lists the tables the span names say, and the other entities', () => {
      expect(truth.entities.map((e) => `${e.kind} ${e.name} (${e.system})`)).toEqual([
        'cache-prefix orders:{id} (redis)',
        'cache-prefix token:{id} (redis)',
        'cache-prefix train:{id} (redis)',
        'cache-prefix verifycode:{id} (redis)',
        'collection auth_users (mongodb)',
        'collection news (mongodb)',
        'collection notifications (mongodb)',
        'external-api api.bank.example (https)',
        'external-api api.mail.example (https)',
        'table assurances (mysql)',
        'table configs (mysql)',
        'table consign_prices (mysql)',
        'table consign_records (mysql)',
        'table contacts (mysql)',
        'table drawbacks (mysql)',
        'table food_orders (mysql)',
        'table inside_money (mysql)',
        'table inside_payments (mysql)',
        'table login_logs (mysql)',
        'table orders (mysql)',
        'table orders_other (mysql)',
        'table payments (mysql)',
        'table price_configs (mysql)',
        'table routes (mysql)',
        'table seats (mysql)',
        'table security_configs (mysql)',
        'table stations (mysql)',
        'table train_types (mysql)',
        'table trains (mysql)',
        'table trips (mysql)',
        'table users (mysql)',
        'table vouchers (mysql)',
        'topic ts.notification (rabbitmq)',
      ]);
      expect(truth.edges).toHaveLength(89);
      expect(
        truth.edges
          .filter((e) => e.type === 'CALLS' && e.from.startsWith(`${GATEWAY}|`))
          .map(edgeKey),
      ).toEqual([
        `CALLS ${DELETE} -> ${CANCEL}`,
        `CALLS ${GET} -> ${NEWS}`,
        `CALLS ${GET} -> ${ROUTES}`,
        `CALLS ${GET} -> ${STATIONS}`,
        `CALLS ${GET} -> ${TRAIN}`,
        `CALLS ${GET} -> ${SEARCH}`,
        `CALLS ${POST} -> ${LOGIN}`,
        `CALLS ${POST} -> ${PAY}`,
        `CALLS ${POST} -> ${ORDER}`,
        `CALLS ${POST} -> ${PRESERVE}`,
        `CALLS ${POST} -> ${REBOOK}`,
      ]);
      expect(truth.edges.filter((e) => e.type === 'WRITES').map(edgeKey)).toEqual([
        'WRITES ts-assurance-service -> table assurances (INSERT)',
        'WRITES ts-auth-service -> cache-prefix token:{id} (SET)',
        'WRITES ts-auth-service -> table login_logs (INSERT)',
        'WRITES ts-consign-service -> table consign_records (INSERT)',
        'WRITES ts-food-service -> table food_orders (INSERT)',
        'WRITES ts-inside-payment-service -> table drawbacks (INSERT)',
        'WRITES ts-inside-payment-service -> table inside_money (UPDATE)',
        'WRITES ts-inside-payment-service -> table inside_payments (INSERT)',
        'WRITES ts-notification-service -> collection notifications (insert)',
        'WRITES ts-order-service -> cache-prefix orders:{id} (DEL)',
        'WRITES ts-order-service -> table orders (INSERT)',
        'WRITES ts-order-service -> table orders (UPDATE)',
        'WRITES ts-payment-service -> table payments (INSERT)',
        'WRITES ts-seat-service -> table seats (UPDATE)',
        'WRITES ts-train-service -> cache-prefix train:{id} (SET)',
        'WRITES ts-voucher-service -> table vouchers (INSERT)',
      ]);
    });

    it('has each behaviour both as the gateway endpoint shows it and as its API does, with exact shares', () => {
      const expected = expectedBehaviours();
      expect([...new Set(truth.behaviours.map((b) => b.endpoint))]).toEqual(
        [...expected.keys()].sort(),
      );
      for (const [endpoint, list] of expected) {
        const actual = truth.behaviours.filter((b) => b.endpoint === endpoint);
        expect(actual.map((b) => b.id)).toEqual(list.map(([id]) => id).sort());
        for (const [id, api, apiId, share, apiShare] of list) {
          const b = actual.find((x) => x.id === id)!;
          expect([id, b.apiEndpoint, b.apiId]).toEqual([id, api, apiId]);
          expect(b.share).toBeCloseTo(share, 12);
          expect(b.apiShare).toBeCloseTo(apiShare, 12);
        }
        expect(actual.reduce((s, b) => s + b.share, 0)).toBeCloseTo(1, 12);
      }
      expect(truth.behaviours).toHaveLength(28);
    });

    it('has the rules of each API behind the gateway, with exact shares and confidences', () => {
      const toOrders = 'calls ts-order-service POST /api/v1/orders/tickets';
      const toOther = 'calls ts-order-other-service POST /api/v1/orders-other/tickets';
      const speedRules = (entry: string, api: string) => [
        [entry, api, SEATS_LEFT, 'train.high_speed = false', toOther, 1 - HIGH_SPEED, 1],
        [entry, api, SEATS_LEFT, 'train.high_speed = true', toOrders, HIGH_SPEED, 1],
      ];
      const close = (row: (string | number)[]) =>
        row.map((x) => (typeof x === 'number' ? expect.closeTo(x, 12) : x));
      expect(
        truth.rules.map((r) => [
          r.endpoint,
          r.apiEndpoint,
          r.at,
          r.condition,
          r.effect,
          r.share,
          r.confidence,
        ]),
      ).toEqual(
        [
          ...speedRules(GET, SEARCH),
          [
            POST,
            LOGIN,
            LOGIN,
            'login.failed_attempts >= 3',
            'calls ts-verification-code-service GET /api/v1/verifycode/{captchaId}',
            CAPTCHA,
            1,
          ],
          [POST, PAY, PAY, 'payment.amount < 300', 'writes inside_money (UPDATE)', 1 - EXTERNAL, 1],
          [
            POST,
            PAY,
            PAY,
            'payment.amount >= 300',
            'calls ts-payment-service POST /api/v1/payment/external',
            EXTERNAL,
            1,
          ],
          // After the seat is taken, which fails when the train is sold out.
          [
            POST,
            PRESERVE,
            PRESERVE,
            'luggage.kg > 20',
            'calls ts-consign-service POST /api/v1/consigns',
            CONSIGN,
            1 - SOLD_OUT,
          ],
          [
            POST,
            PRESERVE,
            PRESERVE,
            'order.type = vip',
            'calls ts-assurance-service POST /api/v1/assurances',
            VIP,
            1 - SOLD_OUT,
          ],
          [
            POST,
            PRESERVE,
            PRESERVE,
            'order.type = vip',
            'calls ts-food-service POST /api/v1/foodorders',
            VIP,
            1 - SOLD_OUT,
          ],
          ...speedRules(POST, PRESERVE),
          ...speedRules(POST, REBOOK),
        ].map(close),
      );
    });
  });

  describe(`${REQUESTS} generated requests`, () => {
    const traces = generateTraces(railwaySystem, { seed: 2024, traces: REQUESTS });
    const of = (api: string) => traces.filter((t) => t.apiEndpoint === api);

    it('show exactly the truth: endpoints, edges, entities, behaviour shares (raw and per API) and rules', () => {
      expectObservationMatches(truth, traces);
      expectSharesMatch(truth, traces);
      expectRulesHold(truth, traces);
    });

    it('average 25-45 spans a trace (about 36: 27,700 traces make a million spans)', () => {
      const spans = traces.reduce((s, t) => s + t.spans.length, 0);
      expect(spans / traces.length).toBeGreaterThan(33);
      expect(spans / traces.length).toBeLessThan(39.5);
      // 15 spans plus 25 a trip.
      expect(new Set(of(SEARCH).map((t) => t.spans.length))).toEqual(new Set([65, 90, 115]));
    });

    it('enter at a catch-all gateway route that carries the real path, as the API it forwards to does', () => {
      const seen = new Set<string>();
      const wrong: string[] = [];
      for (const t of traces.filter((x) => x.linkedFrom === undefined)) {
        const [entry, client, api] = t.spans;
        const path = entry.attributes['http.target'] as string;
        const method = entry.attributes['http.method'] as string;
        const route = t.endpoint.endsWith('/**') ? '/**' : '/*';
        const checks: [string, unknown, unknown][] = [
          [
            'kinds',
            [entry.kind, client.kind, api.kind],
            [SpanKind.Server, SpanKind.Client, SpanKind.Server],
          ],
          ['route', entry.attributes['http.route'], route],
          ['name', entry.name, `${method} ${route}`],
          // The first downstream server span names the API; the gateway and it see the same path.
          ['api', endpointOf(api), t.apiEndpoint],
          ['parent', api.parentSpanId, client.spanId],
          ['api path', api.attributes['http.target'] ?? api.attributes['url.path'], path],
          ['url', client.attributes['http.url'], `http://${service(api)}:8080${path}`],
          ...Object.entries(t.request).map(([name, value]): [string, unknown, unknown] => [
            name,
            [entry.attributes[name], api.attributes[name]],
            [value, value],
          ]),
        ];
        for (const [what, actual, expected] of checks) {
          if (JSON.stringify(actual, big) !== JSON.stringify(expected, big))
            wrong.push(`${t.traceId} ${what}: ${JSON.stringify(actual, big)}`);
        }
        seen.add(`${t.apiEndpoint} ${path.replace(/\/[0-9a-f-]+$/, '/…')}`);
      }
      expect(wrong).toEqual([]);
      expect([...seen].sort()).toEqual(
        [
          `${LOGIN} /api/v1/login`,
          `${CANCEL} /api/v1/orders/…`,
          `${PAY} /api/v1/payments`,
          `${NEWS} /api/v1/news`,
          `${ORDER} /api/v1/orders`,
          `${PRESERVE} /api/v1/preserve`,
          `${REBOOK} /api/v1/rebook`,
          `${ROUTES} /api/v1/routes`,
          `${STATIONS} /api/v1/stations`,
          `${TRAIN} /api/v1/trains/…`,
          `${SEARCH} /api/v1/tickets/left`,
        ].sort(),
      );
      const cancel = of(CANCEL)[0];
      expect(cancel.spans[0].attributes['http.target']).toBe(
        `/api/v1/orders/${String(cancel.request['order.id'])}`,
      );
      expect(cancel.behaviour).toBe('DELETE /api/v1/orders/{orderId}');
      expect(cancel.apiBehaviour).toBe('default');
    });

    it('record JDBC spans by name only: no statement, operation or table attribute', () => {
      const tables = new Set<string>();
      const shapes = new Set<string>();
      const values = new Set<string>();
      let checked = 0;
      for (const t of traces) {
        const byId = new Map(t.spans.map((s) => [s.spanId, s]));
        for (const s of t.spans) {
          const system = s.attributes['db.system'] ?? s.attributes['db.system.name'];
          if (system !== 'mysql' && system !== 'mongodb') continue;
          checked++;
          // Spring Data's repository span around the JDBC one, in the Java services.
          const parent = byId.get(s.parentSpanId)!;
          const repository = /^[A-Za-z]+Repository\.[a-zA-Z]+$/.test(parent.name);
          shapes.add(
            `${service(s)}: ${s.name.replace(/ ts\.[a-z_]+$/, ' ts.{table}')} ` +
              `${Object.keys(s.attributes).sort().join(',')}${repository ? ' in a repository' : ''}`,
          );
          if (s.attributes['db.system'] === 'mysql') {
            tables.add(s.name.split('.')[1]);
            values.add(JSON.stringify(s.attributes, big));
          }
        }
      }
      expect(checked).toBeGreaterThan(20_000);
      expect([...values]).toEqual([JSON.stringify(NAME_ONLY, big)]);
      const legacy = 'db.name,db.system,db.user,net.peer.name,net.peer.port in a repository';
      expect([...shapes].filter((x) => !x.endsWith(legacy)).sort()).toEqual([
        'ts-news-service: find news db.collection.name,db.namespace,db.operation.name,db.query.text,db.system.name,server.address,server.port',
        'ts-notification-service: insert notifications db.collection.name,db.namespace,db.operation.name,db.query.text,db.system.name,server.address,server.port',
        'ts-voucher-service: INSERT vouchers db.collection.name,db.namespace,db.operation.name,db.query.text,db.system.name,server.address,server.port',
      ]);
      expect([...shapes].filter((x) => x.endsWith(legacy)).map((x) => x.split(' ')[1])).toEqual(
        expect.arrayContaining(['SELECT', 'INSERT', 'UPDATE', 'find']),
      );
      // The tables the truth names are the ones in the span names.
      expect([...tables].sort()).toEqual(
        truth.entities
          .filter((e) => e.kind === 'table' && e.name !== 'vouchers')
          .map((e) => e.name),
      );
    });

    it('search 2-4 trips, each through ticket info, basic, stations, train, route and price', () => {
      const trips = new Set<number>();
      for (const t of of(SEARCH)) {
        const n = t.spans.filter((s) => s.name === 'TravelServiceImpl.buildTripResponse').length;
        trips.add(n);
        expect(t.spans.filter((s) => s.name === 'SELECT ts.price_configs')).toHaveLength(n);
        expect(t.spans.filter((s) => s.name === 'SELECT ts.stations')).toHaveLength(2 * n);
        const byId = new Map(t.spans.map((s) => [s.spanId, s]));
        const depth = (s: Span): number => {
          const parent = byId.get(s.parentSpanId);
          return parent === undefined ? 0 : 1 + depth(parent);
        };
        expect(Math.max(...t.spans.map(depth))).toBe(11);
      }
      expect([...trips].sort()).toEqual([2, 3, 4]);
      const pages = new Set(
        of(STATIONS).map((t) => t.spans.filter((s) => s.name === 'SELECT ts.stations').length),
      );
      expect([...pages].sort()).toEqual([1, 2, 3, 4]);
    });

    it('answer 409 when the train is sold out: the booking stops, no span of the entry is an error', () => {
      const soldOut = of(PRESERVE).filter((t) => t.apiBehaviour.endsWith('sold-out'));
      expectShare(soldOut.length, of(PRESERVE).length, SOLD_OUT);
      for (const t of soldOut) {
        const [entry, , api] = t.spans;
        expect(entry.attributes['http.status_code']).toBe(409n);
        expect(api.attributes['http.status_code']).toBe(409n);
        expect([entry.status.code, api.status.code]).toEqual([StatusCode.Unset, StatusCode.Unset]);
        const seat = t.spans.find(
          (s) => s.kind === SpanKind.Server && s.attributes['http.route'] === '/api/v1/seats',
        )!;
        expect(seat.events.map((e) => e.attributes['exception.type'])).toEqual([
          'SeatsSoldOutException',
        ]);
        expect(t.spans.some((s) => s.name === 'INSERT ts.orders')).toBe(false);
        expect(t.spans.some((s) => s.kind === SpanKind.Producer)).toBe(false);
      }
    });

    it('retry the card charge 1-3 times, failing every attempt but the last', () => {
      const counts = new Map<number, number>();
      for (const t of of(PAY)) {
        const attempts = t.spans.filter(
          (s) => s.attributes['net.peer.name'] === 'api.bank.example',
        );
        expect(attempts.length > 0).toBe(t.apiBehaviour === 'external-payment');
        if (attempts.length === 0) continue;
        counts.set(attempts.length, (counts.get(attempts.length) ?? 0) + 1);
        expect(attempts.map((s) => s.attributes['http.status_code'])).toEqual(
          attempts.map((_, i) => (i === attempts.length - 1 ? 200n : 503n)),
        );
      }
      expect([...counts.keys()].sort()).toEqual([1, 2, 3]);
    });

    it('notify over RabbitMQ in a new trace linked to the booking or the cancellation', () => {
      const linked = traces.filter((t) => t.linkedFrom !== undefined);
      expectShare(linked.length, REQUESTS, NOTIFICATIONS);
      const byId = new Map(traces.map((t) => [t.traceId, t]));
      expect(countBy(linked, (t) => byId.get(t.linkedFrom!.traceId)!.apiEndpoint)).toEqual(
        new Map([
          [PRESERVE, expect.any(Number)],
          [CANCEL, expect.any(Number)],
        ]),
      );
      for (const t of linked) {
        expect([t.endpoint, t.apiEndpoint, t.behaviour]).toEqual([NOTIFY, NOTIFY, 'default']);
        const producer = byId
          .get(t.linkedFrom!.traceId)!
          .spans.find((s) => s.spanId === t.linkedFrom!.spanId)!;
        expect(producer.name).toBe('ts.notification send');
        expect(producer.attributes).toMatchObject({
          'messaging.system': 'rabbitmq',
          'messaging.destination_kind': 'queue',
        });
        expect(t.spans.map((s) => s.name)).toEqual([
          'process ts.notification',
          'render email template',
          'POST',
          'insert notifications',
        ]);
      }
    });
  });

  describe('fault injection', () => {
    const traces = generateTraces(railwaySystem, { seed: 5, traces: 800 });
    const of = (api: string) => traces.filter((t) => t.apiEndpoint === api);

    it.each<[FaultKind, number]>([
      // Reads (searches, trains, stations, routes, news) write nothing; sold-out bookings neither.
      ['drop-db-write', 0.35],
      ['extra-call', 0.99],
      ['error-status', 0.99],
      // Only five APIs decide anything, and notifications carry no request attributes.
      ['flip-branch', 0.45],
    ])('%s applies to a reasonable fraction of traces', (kind, fraction) => {
      const applicable = traces.filter((t) => canInjectFault(t, kind)).length;
      expect(applicable / traces.length).toBeGreaterThanOrEqual(fraction);
    });

    it('drop-db-write finds writes by their span name alone', () => {
      for (const t of [...of(ORDER), ...of(PAY), ...of(CANCEL), ...of(LOGIN)]) {
        expect(canInjectFault(t, 'drop-db-write')).toBe(true);
      }
      const order = of(ORDER)[0];
      const { trace, change } = injectFault(order, 'drop-db-write');
      if (change.kind !== 'drop-db-write') throw new Error('wrong kind');
      expect(change.edge).toEqual({
        type: 'WRITES',
        from: 'ts-order-service',
        to: 'orders',
        entityKind: 'table',
        operation: 'INSERT',
      });
      expect(
        change.removedSpanIds.map((id) => order.spans.find((s) => s.spanId === id)!.name),
      ).toEqual(['INSERT ts.orders']);
      expect(observeTrace(order).edges.has(edgeKey(change.edge))).toBe(true);
      expect(observeTrace(trace).edges.has(edgeKey(change.edge))).toBe(false);
      const pay = of(PAY)[0];
      expect(injectFault(pay, 'drop-db-write', { entity: 'inside_payments' }).change).toMatchObject(
        { edge: { from: 'ts-inside-payment-service', to: 'inside_payments', operation: 'INSERT' } },
      );
      expect(canInjectFault(of(SEARCH)[0], 'drop-db-write')).toBe(false);
    });

    it('flip-branch changes the attribute on the gateway span and the API span it was forwarded to', () => {
      const vip = of(PRESERVE).find(
        (t) => t.request['order.type'] === 'vip' && !t.apiBehaviour.includes('sold-out'),
      )!;
      const at = vip.decisions.findIndex((d) => d.attribute === 'order.type');
      const { trace, change } = injectFault(vip, 'flip-branch', { decision: at });
      if (change.kind !== 'flip-branch') throw new Error('wrong kind');
      expect(change).toMatchObject({ from: 'vip', to: 'normal', outcome: true, at: PRESERVE });
      expect(
        change.changedSpanIds.map((id) => service(trace.spans.find((s) => s.spanId === id)!)),
      ).toEqual([GATEWAY, 'ts-preserve-service']);
      const rule = truth.rules.find((r) => r.condition === 'order.type = vip')!;
      expect(satisfies(rule.atoms[0], trace.request['order.type'])).toBe(false);
      expect(observeTrace(trace).edges.has(edgeKey(rule.edge))).toBe(true);

      const external = of(PAY).find((t) => t.apiBehaviour === 'external-payment')!;
      const down = injectFault(external, 'flip-branch');
      expect(down.change).toMatchObject({
        attribute: 'payment.amount',
        to: 299.99,
        outcome: true,
      });
      if (down.change.kind !== 'flip-branch') throw new Error('wrong kind');
      expect(
        down.change.changedSpanIds.map((id) =>
          service(down.trace.spans.find((s) => s.spanId === id)!),
        ),
      ).toEqual([GATEWAY, 'ts-inside-payment-service', 'ts-payment-service']);
    });

    it('generates with faults on a table, an API behind the gateway and the card processor', () => {
      const faults = [
        { target: 'seats', probability: 0.2 },
        { target: PRESERVE, probability: 0.1 },
        { target: 'api.bank.example', probability: 0.3 },
      ];
      const faulty = groundTruth(railwaySystem, { faults });
      const generated = generateTraces(railwaySystem, { seed: 3, traces: 2_000, faults });
      expectObservationMatches(faulty, generated);
      expectSharesMatch(faulty, generated);
      expectRulesHold(faulty, generated);
      expect(faulty.edges).toEqual(truth.edges);
      const broken = faulty.behaviours.filter((b) => b.id.includes('fault:'));
      expect(new Set(broken.map((b) => b.apiEndpoint))).toEqual(new Set([PRESERVE, REBOOK, PAY]));
      // A faulted API still serves its traces: its behaviours keep the gateway's route label.
      expect(broken.every((b) => b.id === `${b.id.split('+')[0]}+${b.apiId}`)).toBe(true);
    });
  });
});
