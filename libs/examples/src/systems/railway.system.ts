import {
  between,
  bool,
  cache,
  call,
  chance,
  compare,
  consume,
  db,
  defineSystem,
  external,
  fail,
  http,
  int,
  internal,
  is,
  logNormal,
  numericId,
  oneOf,
  proxy,
  publish,
  repeat,
  route,
  seq,
  service,
  times,
  traffic,
  uuid,
  when,
} from '../model/system.dsl';
import type {
  Distribution,
  MongoOperation,
  SqlOperation,
  Step,
  TrafficDefinition,
} from '../model/system.model';

/**
 * A train-ticket booking system shaped like the public TrainTicket microservice benchmark as a
 * Java agent records it behind Spring Cloud Gateway: 28 services, 25 of them Java on the older
 * semantic conventions with JDBC spans that carry only their name (`SELECT ts.orders`, no
 * statement, operation or table attribute), Spring Data repository spans around them, one shared
 * MySQL database `ts`, and a handful of newer Node, Go and Python services.
 *
 * Every request enters at ts-gateway-service, whose server span reports a catch-all route
 * (`GET /*`, `POST /*`, `DELETE /**`) and the real path in `http.target`; the gateway routes by path
 * to one of eleven APIs, which fan out up to a dozen services deep (a ticket search asks the
 * ticket-info, basic, station, train, route, price, seat, order and config services, once per
 * trip found). The APIs decide on a train type (a bool), an order type (vip), a luggage weight
 * (an int), failed logins (an int) and a payment amount (a continuous log-normal); a seat can be
 * sold out (409, by chance); an external card charge is retried; a booking or cancellation is
 * announced on a RabbitMQ queue whose consumer runs in a new, linked trace.
 */

const DATABASE = 'ts';
const JAVA = { language: 'java', semconv: 'legacy', dbSpans: 'name-only' } as const;
const TRAINTICKET = '1.0.0';

/** A Spring Data repository method around its JDBC statement, as the Java agent records both. */
function repo(method: string, operation: SqlOperation, table: string): Step {
  return internal(method, db('mysql', operation, table, { database: DATABASE }));
}

function mongoRepo(method: string, operation: MongoOperation, collection: string): Step {
  return internal(method, db('mongodb', operation, collection, { database: DATABASE }));
}

/** Spring Cloud Gateway's routes: the first whose path (and method) matches takes the request. */
const ROUTES = proxy(
  route('/api/v1/orders/**', 'ts-cancel-service', { methods: ['DELETE'] }),
  route('/api/v1/orders/**', 'ts-order-service'),
  route('/api/v1/tickets/**', 'ts-travel-service'),
  route('/api/v1/trains/**', 'ts-train-service'),
  route('/api/v1/stations/**', 'ts-station-service'),
  route('/api/v1/routes/**', 'ts-route-service'),
  route('/api/v1/login/**', 'ts-auth-service'),
  route('/api/v1/preserve/**', 'ts-preserve-service'),
  route('/api/v1/payments/**', 'ts-inside-payment-service'),
  route('/api/v1/rebook/**', 'ts-rebook-service'),
  route('/api/v1/news/**', 'ts-news-service'),
);

/** Seats left on a trip: sold tickets from the order service of the train's type, then the config. */
const SEATS_LEFT = call('ts-seat-service', 'POST /api/v1/seats/left', {
  forward: ['train.high_speed'],
});

/** A trip with its price and stations, and the seats left on it. */
const TRIP = seq(
  repo('TripRepository.findByTripId', 'SELECT', 'trips'),
  call('ts-ticketinfo-service', 'POST /api/v1/ticketinfo/query'),
  SEATS_LEFT,
);

const ORDER_BY_ID = call('ts-order-service', 'GET /api/v1/orders/{orderId}', {
  params: { orderId: 'order.id' },
});
const ORDER_STATUS = call('ts-order-service', 'PUT /api/v1/orders/{orderId}/status', {
  params: { orderId: 'order.id' },
});
const USER = call('ts-user-service', 'GET /api/v1/users/{userId}', {
  params: { userId: 'account.id' },
});
const DISTRIBUTE_SEAT = call('ts-seat-service', 'POST /api/v1/seats');

/** Requests to one API: they reach the gateway's catch-all route with the API's path. */
function api(
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  weight: number,
  attributes: Record<string, Distribution>,
  params?: Record<string, string>,
): TrafficDefinition {
  return traffic(
    {
      service: 'ts-gateway-service',
      endpoint: method === 'DELETE' ? 'DELETE /**' : `${method} /*`,
    },
    { weight, attributes, path, ...(params === undefined ? {} : { params }) },
  );
}

export const railwaySystem = defineSystem({
  name: 'railway',
  description:
    'Train tickets behind Spring Cloud Gateway (TrainTicket-shaped): 28 services, catch-all gateway routes, name-only JDBC spans, a per-trip fan-out, sold-out seats, a retried card charge, notifications over RabbitMQ in linked traces',
  topics: [{ name: 'ts.notification', system: 'rabbitmq' }],
  services: [
    service('ts-gateway-service', { ...JAVA, version: TRAINTICKET, replicas: 3 }, [
      http('GET', '/*', ROUTES),
      http('POST', '/*', ROUTES),
      http('DELETE', '/**', ROUTES),
    ]),

    // ── search ────────────────────────────────────────────────────────────────
    service('ts-travel-service', { ...JAVA, version: TRAINTICKET }, [
      http(
        'GET',
        '/api/v1/tickets/left',
        seq(
          repo('TripRepository.findByStartAndTerminal', 'SELECT', 'trips'),
          // One page of trips; the benchmark's UI asks for each trip's price and stations.
          repeat(
            between(2, 4),
            internal(
              'TravelServiceImpl.buildTripResponse',
              call('ts-ticketinfo-service', 'POST /api/v1/ticketinfo/query'),
            ),
          ),
          SEATS_LEFT,
        ),
      ),
      http('GET', '/api/v1/trips/{tripId}', TRIP),
    ]),
    service('ts-ticketinfo-service', { ...JAVA, version: TRAINTICKET }, [
      http(
        'POST',
        '/api/v1/ticketinfo/query',
        call('ts-basic-service', 'POST /api/v1/basic/travel'),
      ),
    ]),
    service('ts-basic-service', { ...JAVA, version: TRAINTICKET }, [
      http(
        'POST',
        '/api/v1/basic/travel',
        seq(
          // The start and the terminal station.
          repeat(times(2), call('ts-station-service', 'GET /api/v1/stations/id/{stationName}')),
          call('ts-train-service', 'GET /api/v1/traintypes/{typeName}'),
          call('ts-route-service', 'GET /api/v1/routes/{routeId}'),
          call('ts-price-service', 'GET /api/v1/prices/{routeId}/{trainType}'),
        ),
      ),
    ]),
    service('ts-station-service', { ...JAVA, version: TRAINTICKET }, [
      http(
        'GET',
        '/api/v1/stations',
        repeat(between(1, 4), repo('StationRepository.findAll', 'SELECT', 'stations')),
      ),
      http(
        'GET',
        '/api/v1/stations/id/{stationName}',
        repo('StationRepository.findByName', 'SELECT', 'stations'),
      ),
      http(
        'POST',
        '/api/v1/stations/names',
        repo('StationRepository.findAllById', 'SELECT', 'stations'),
      ),
    ]),
    service('ts-train-service', { ...JAVA, version: TRAINTICKET }, [
      http(
        'GET',
        '/api/v1/trains/{trainId}',
        seq(
          cache('GET', 'train:{train.id}'),
          chance(
            0.85,
            seq(),
            seq(
              repo('TrainTypeRepository.findById', 'SELECT', 'trains'),
              cache('SET', 'train:{train.id}'),
            ),
            {
              then: { id: 'train-cache-hit', description: 'the train is served from redis' },
              else: {
                id: 'train-cache-miss',
                description: 'the train is read from mysql and cached',
              },
            },
          ),
        ),
      ),
      http(
        'GET',
        '/api/v1/traintypes/{typeName}',
        repo('TrainTypeRepository.findByName', 'SELECT', 'train_types'),
      ),
    ]),
    service('ts-route-service', { ...JAVA, version: TRAINTICKET }, [
      http(
        'GET',
        '/api/v1/routes',
        seq(
          repeat(between(1, 3), repo('RouteRepository.findAll', 'SELECT', 'routes')),
          call('ts-station-service', 'POST /api/v1/stations/names'),
        ),
      ),
      http('GET', '/api/v1/routes/{routeId}', repo('RouteRepository.findById', 'SELECT', 'routes')),
    ]),
    service('ts-price-service', { ...JAVA, version: TRAINTICKET }, [
      http(
        'GET',
        '/api/v1/prices/{routeId}/{trainType}',
        repo('PriceConfigRepository.findByRouteIdAndTrainType', 'SELECT', 'price_configs'),
      ),
    ]),
    service('ts-seat-service', { ...JAVA, version: TRAINTICKET }, [
      http(
        'POST',
        '/api/v1/seats/left',
        seq(
          // High-speed trains (G, D) are sold by the order service, the others by order-other.
          when(
            is('train.high_speed', true),
            call('ts-order-service', 'POST /api/v1/orders/tickets'),
            call('ts-order-other-service', 'POST /api/v1/orders-other/tickets'),
            {
              then: { id: 'high-speed', description: 'a high-speed train: tickets sold by orders' },
              else: {
                id: 'conventional',
                description: 'a conventional train: tickets sold by orders-other',
              },
            },
          ),
          call('ts-config-service', 'GET /api/v1/configs/{configName}'),
        ),
      ),
      http(
        'POST',
        '/api/v1/seats',
        seq(
          call('ts-config-service', 'GET /api/v1/configs/{configName}'),
          chance(
            0.05,
            fail('no seats left on this train', {
              status: 409,
              exceptionType: 'SeatsSoldOutException',
            }),
            repo('SeatRepository.save', 'UPDATE', 'seats'),
            { then: { id: 'sold-out', description: 'no seat is left: the request answers 409' } },
          ),
        ),
      ),
    ]),
    service('ts-config-service', { ...JAVA, version: TRAINTICKET }, [
      http(
        'GET',
        '/api/v1/configs/{configName}',
        repo('ConfigRepository.findByName', 'SELECT', 'configs'),
      ),
    ]),

    // ── orders ────────────────────────────────────────────────────────────────
    service('ts-order-service', { ...JAVA, version: TRAINTICKET }, [
      http(
        'POST',
        '/api/v1/orders',
        seq(
          repo('OrderRepository.findByAccountId', 'SELECT', 'orders'),
          repo('OrderRepository.save', 'INSERT', 'orders'),
          cache('DEL', 'orders:{account.id}'),
        ),
      ),
      http('GET', '/api/v1/orders/{orderId}', repo('OrderRepository.findById', 'SELECT', 'orders')),
      http(
        'PUT',
        '/api/v1/orders/{orderId}/status',
        repo('OrderRepository.save', 'UPDATE', 'orders'),
      ),
      http(
        'POST',
        '/api/v1/orders/tickets',
        repo('OrderRepository.findByTravelDateAndTrainNumber', 'SELECT', 'orders'),
      ),
      http(
        'GET',
        '/api/v1/orders/security/{accountId}',
        repo('OrderRepository.findByAccountId', 'SELECT', 'orders'),
      ),
    ]),
    service('ts-order-other-service', { ...JAVA, version: TRAINTICKET }, [
      http(
        'POST',
        '/api/v1/orders-other/tickets',
        repo('OrderOtherRepository.findByTravelDateAndTrainNumber', 'SELECT', 'orders_other'),
      ),
      http(
        'GET',
        '/api/v1/orders-other/security/{accountId}',
        repo('OrderOtherRepository.findByAccountId', 'SELECT', 'orders_other'),
      ),
    ]),
    service('ts-security-service', { ...JAVA, version: TRAINTICKET }, [
      http(
        'GET',
        '/api/v1/security/{accountId}',
        seq(
          repo('SecurityRepository.findAll', 'SELECT', 'security_configs'),
          call('ts-order-service', 'GET /api/v1/orders/security/{accountId}', {
            params: { accountId: 'account.id' },
          }),
          call('ts-order-other-service', 'GET /api/v1/orders-other/security/{accountId}', {
            params: { accountId: 'account.id' },
          }),
        ),
      ),
    ]),
    service('ts-contacts-service', { ...JAVA, version: TRAINTICKET }, [
      http(
        'GET',
        '/api/v1/contacts/{contactsId}',
        repo('ContactsRepository.findById', 'SELECT', 'contacts'),
      ),
    ]),
    service('ts-user-service', { ...JAVA, version: TRAINTICKET }, [
      http('GET', '/api/v1/users/{userId}', repo('UserRepository.findByUserId', 'SELECT', 'users')),
    ]),
    service('ts-assurance-service', { ...JAVA, version: TRAINTICKET }, [
      http('POST', '/api/v1/assurances', repo('AssuranceRepository.save', 'INSERT', 'assurances')),
    ]),
    service('ts-food-service', { ...JAVA, version: TRAINTICKET }, [
      http('POST', '/api/v1/foodorders', repo('FoodOrderRepository.save', 'INSERT', 'food_orders')),
    ]),
    service('ts-consign-service', { ...JAVA, version: TRAINTICKET }, [
      http(
        'POST',
        '/api/v1/consigns',
        seq(
          repo('ConsignPriceRepository.findByIndex', 'SELECT', 'consign_prices'),
          repo('ConsignRepository.save', 'INSERT', 'consign_records'),
        ),
      ),
    ]),
    service('ts-preserve-service', { ...JAVA, version: TRAINTICKET }, [
      http(
        'POST',
        '/api/v1/preserve',
        seq(
          call('ts-security-service', 'GET /api/v1/security/{accountId}', {
            params: { accountId: 'account.id' },
          }),
          call('ts-contacts-service', 'GET /api/v1/contacts/{contactsId}', {
            params: { contactsId: 'contacts.id' },
          }),
          call('ts-travel-service', 'GET /api/v1/trips/{tripId}', {
            params: { tripId: 'trip.id' },
            forward: ['train.high_speed'],
          }),
          DISTRIBUTE_SEAT,
          call('ts-order-service', 'POST /api/v1/orders', { forward: ['account.id'] }),
          when(
            is('order.type', 'vip'),
            seq(
              call('ts-assurance-service', 'POST /api/v1/assurances'),
              call('ts-food-service', 'POST /api/v1/foodorders'),
            ),
            seq(),
            { then: { id: 'vip', description: 'a vip order adds an assurance and a meal' } },
          ),
          when(
            compare('luggage.kg', '>', 20),
            call('ts-consign-service', 'POST /api/v1/consigns', { forward: ['luggage.kg'] }),
            seq(),
            { then: { id: 'consign', description: 'luggage over 20 kg is consigned' } },
          ),
          USER,
          publish('ts.notification'),
        ),
      ),
    ]),
    service('ts-cancel-service', { ...JAVA, version: TRAINTICKET }, [
      http(
        'DELETE',
        '/api/v1/orders/{orderId}',
        seq(
          ORDER_BY_ID,
          call('ts-inside-payment-service', 'POST /api/v1/drawbacks'),
          ORDER_STATUS,
          USER,
          publish('ts.notification'),
        ),
      ),
    ]),
    service('ts-rebook-service', { ...JAVA, version: TRAINTICKET }, [
      http(
        'POST',
        '/api/v1/rebook',
        seq(
          ORDER_BY_ID,
          call('ts-travel-service', 'GET /api/v1/trips/{tripId}', {
            params: { tripId: 'trip.id' },
            forward: ['train.high_speed'],
          }),
          DISTRIBUTE_SEAT,
          ORDER_STATUS,
        ),
      ),
    ]),

    // ── payments ──────────────────────────────────────────────────────────────
    service('ts-inside-payment-service', { ...JAVA, version: TRAINTICKET }, [
      http(
        'POST',
        '/api/v1/payments',
        seq(
          ORDER_BY_ID,
          repo('MoneyRepository.findByUserId', 'SELECT', 'inside_money'),
          when(
            compare('payment.amount', '>=', 300),
            call('ts-payment-service', 'POST /api/v1/payment/external', {
              forward: ['payment.amount'],
            }),
            repo('MoneyRepository.save', 'UPDATE', 'inside_money'),
            {
              then: {
                id: 'external-payment',
                description: 'an amount of 300 or more is charged to the card',
              },
              else: {
                id: 'balance-payment',
                description: 'a smaller amount is taken from the account balance',
              },
            },
          ),
          repo('PaymentRepository.save', 'INSERT', 'inside_payments'),
          ORDER_STATUS,
          call('ts-voucher-service', 'POST /api/v1/vouchers'),
        ),
      ),
      http(
        'POST',
        '/api/v1/drawbacks',
        seq(
          repo('MoneyRepository.save', 'UPDATE', 'inside_money'),
          repo('DrawbackRepository.save', 'INSERT', 'drawbacks'),
        ),
      ),
    ]),
    service('ts-payment-service', { ...JAVA, version: TRAINTICKET }, [
      http(
        'POST',
        '/api/v1/payment/external',
        seq(
          // The card processor sheds load with 503s; the client retries with backoff.
          external('api.bank.example', 'POST', '/v2/charges', {
            attempts: [0.8, 0.15, 0.05],
            ms: [60, 300],
          }),
          repo('PaymentRepository.save', 'INSERT', 'payments'),
        ),
      ),
    ]),

    // ── accounts ──────────────────────────────────────────────────────────────
    service('ts-auth-service', { ...JAVA, version: TRAINTICKET }, [
      http(
        'POST',
        '/api/v1/login',
        seq(
          when(
            compare('login.failed_attempts', '>=', 3),
            call('ts-verification-code-service', 'GET /api/v1/verifycode/{captchaId}', {
              params: { captchaId: 'login.captcha_id' },
            }),
            seq(),
            {
              then: {
                id: 'captcha',
                description: 'after three failed logins the captcha is verified',
              },
            },
          ),
          mongoRepo('AuthUserRepository.findByUsername', 'find', 'auth_users'),
          USER,
          repo('LoginLogRepository.save', 'INSERT', 'login_logs'),
          cache('SET', 'token:{account.id}'),
        ),
      ),
    ]),
    service('ts-verification-code-service', { ...JAVA, version: TRAINTICKET }, [
      http('GET', '/api/v1/verifycode/{captchaId}', cache('GET', 'verifycode:{login.captcha_id}')),
    ]),

    // ── the newer services ────────────────────────────────────────────────────
    service('ts-voucher-service', { language: 'python', semconv: 'current', version: '1.2.0' }, [
      http('POST', '/api/v1/vouchers', db('mysql', 'INSERT', 'vouchers', { database: DATABASE })),
    ]),
    service('ts-news-service', { language: 'go', semconv: 'current', version: '0.4.1' }, [
      http(
        'GET',
        '/api/v1/news',
        repeat(between(1, 2), db('mongodb', 'find', 'news', { database: DATABASE })),
      ),
    ]),
    service(
      'ts-notification-service',
      { language: 'nodejs', semconv: 'current', version: '2.0.3', replicas: 1 },
      [
        consume(
          'ts.notification',
          { group: 'notification', propagation: 'link' },
          seq(
            internal('render email template', undefined, { ms: [0.3, 2] }),
            external('api.mail.example', 'POST', '/v3/mail/send'),
            db('mongodb', 'insert', 'notifications', { database: DATABASE }),
          ),
        ),
      ],
    ),
  ],
  traffic: [
    api('GET', '/api/v1/tickets/left', 25, {
      'account.id': uuid(),
      'train.high_speed': bool(0.6),
      'trip.from': oneOf(['shanghai', 'beijing', 'nanjing', 'suzhou', 'taiyuan']),
    }),
    api(
      'GET',
      '/api/v1/trains/{trainId}',
      10,
      { 'train.id': numericId(1, 5_000) },
      {
        trainId: 'train.id',
      },
    ),
    api('GET', '/api/v1/stations', 7, { 'account.id': uuid() }),
    api('GET', '/api/v1/routes', 6, { 'account.id': uuid() }),
    api('POST', '/api/v1/login', 12, {
      'account.id': uuid(),
      'login.failed_attempts': int(0, 4),
      'login.captcha_id': uuid(),
    }),
    api('POST', '/api/v1/preserve', 14, {
      'account.id': uuid(),
      'contacts.id': uuid(),
      'trip.id': numericId(1, 90_000),
      'train.high_speed': bool(0.6),
      'order.type': oneOf({ normal: 0.7, vip: 0.2, group: 0.1 }),
      'luggage.kg': int(0, 30),
      'seat.class': oneOf({ second: 0.8, first: 0.2 }),
    }),
    api('POST', '/api/v1/orders', 6, {
      'account.id': uuid(),
      'order.type': oneOf({ normal: 0.7, vip: 0.2, group: 0.1 }),
    }),
    api(
      'DELETE',
      '/api/v1/orders/{orderId}',
      5,
      { 'order.id': uuid(), 'account.id': uuid() },
      {
        orderId: 'order.id',
      },
    ),
    api('POST', '/api/v1/payments', 8, {
      'order.id': uuid(),
      'account.id': uuid(),
      'payment.amount': logNormal(180, 0.9, { decimals: 2 }),
    }),
    api('POST', '/api/v1/rebook', 3, {
      'order.id': uuid(),
      'account.id': uuid(),
      'trip.id': numericId(1, 90_000),
      'train.high_speed': bool(0.6),
    }),
    api('GET', '/api/v1/news', 4, {}),
  ],
});
