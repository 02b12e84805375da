import {
  cache,
  call,
  chance,
  compare,
  consume,
  db,
  defineSystem,
  double,
  external,
  http,
  int,
  internal,
  is,
  numericId,
  oneOf,
  publish,
  seq,
  service,
  traffic,
  when,
} from '../model/system.dsl';

/**
 * Food delivery, a system whose decisions sit on other kinds of attributes than the checkout's: a
 * continuous subtotal (uniform, in cents) below which an order pays a fee, and a four-valued
 * customer tier of which one value (gold) changes how the dispatcher finds a courier, so the other
 * arm stands for three values at once. The menu comes from a cache that usually hits, the gold path
 * calls a routing API that sheds load and is retried, and the courier assignment fans out over a
 * RabbitMQ exchange to two consumers inside the trace.
 *
 * Conventions are mixed: the Python order API and the Go ETA tracker use the current names; the
 * Java menu service, the Go dispatcher and the Node notifier the older ones.
 */
export const deliverySystem = defineSystem({
  name: 'delivery',
  description:
    'Food delivery: cached menus, a small-order fee under 20, tier-based courier dispatch with a retried routing API, a courier event fanned out over RabbitMQ',
  topics: [{ name: 'courier.assigned', system: 'rabbitmq' }],
  services: [
    service('order-api', { language: 'python', semconv: 'current', version: '4.2.0' }, [
      http(
        'POST',
        '/api/v1/orders',
        seq(
          call('menu-service', 'GET /restaurants/{restaurantId}/menu', {
            params: { restaurantId: 'restaurant.id' },
          }),
          db('postgresql', 'INSERT', 'orders', {
            database: 'delivery',
            statement:
              'INSERT INTO orders (id, customer_id, restaurant_id, subtotal) VALUES (%s, %s, %s, %s)',
          }),
          when(
            compare('order.subtotal', '<', 20),
            db('postgresql', 'INSERT', 'order_surcharges', {
              database: 'delivery',
              statement:
                "INSERT INTO order_surcharges (order_id, kind, amount) VALUES (%s, 'small-order', %s)",
            }),
            seq(),
            {
              then: {
                id: 'small-order-fee',
                description: 'an order under 20 pays a small-order fee',
              },
            },
          ),
          call('dispatch-service', 'POST /v1/dispatches', {
            forward: ['customer.id', 'customer.tier'],
          }),
        ),
      ),
      http(
        'GET',
        '/api/v1/orders/{orderId}/eta',
        call('dispatch-service', 'GET /v1/dispatches/{orderId}/eta', {
          params: { orderId: 'order.id' },
        }),
      ),
    ]),
    service('menu-service', { language: 'java', semconv: 'legacy', version: '3.9.1' }, [
      http(
        'GET',
        '/restaurants/{restaurantId}/menu',
        seq(
          cache('GET', 'menu:{restaurant.id}'),
          chance(
            0.8,
            seq(),
            seq(
              db('mysql', 'SELECT', 'menu_items', {
                database: 'catalog',
                statement:
                  'SELECT id, name, price_cents, available FROM menu_items WHERE restaurant_id = ?',
              }),
              cache('SET', 'menu:{restaurant.id}'),
            ),
            {
              then: { id: 'menu-cache-hit', description: 'the menu is served from redis' },
              else: {
                id: 'menu-cache-miss',
                description: 'the menu is read from mysql and cached',
              },
            },
          ),
        ),
      ),
    ]),
    service('dispatch-service', { language: 'go', semconv: 'legacy', version: '2.6.0' }, [
      http(
        'POST',
        '/v1/dispatches',
        seq(
          when(
            is('customer.tier', 'gold'),
            // The routing provider answers 503 under load; the dispatcher retries with backoff.
            external('routing.maps.example', 'POST', '/v1/routes:optimize', {
              attempts: [0.7, 0.2, 0.1],
              ms: [30, 180],
            }),
            db('mongodb', 'find', 'courier_positions', { database: 'fleet' }),
            {
              then: {
                id: 'priority-courier',
                description: 'a gold customer gets the courier the routing API picks',
              },
              else: {
                id: 'nearest-courier',
                description: 'other tiers get the nearest idle courier from the fleet positions',
              },
            },
          ),
          db('postgresql', 'INSERT', 'dispatches', {
            database: 'dispatch',
            statement:
              'INSERT INTO dispatches (order_id, courier_id, assigned_at) VALUES ($1, $2, $3)',
          }),
          publish('courier.assigned'),
        ),
      ),
      http('GET', '/v1/dispatches/{orderId}/eta', cache('GET', 'eta:{order.id}')),
    ]),
    service(
      'courier-notifier',
      { language: 'nodejs', semconv: 'legacy', version: '1.14.0', replicas: 1 },
      [
        consume(
          'courier.assigned',
          { group: 'courier-push', propagation: 'child' },
          external('push.courier.example', 'POST', '/v1/messages'),
        ),
      ],
    ),
    service('eta-tracker', { language: 'go', semconv: 'current', version: '0.9.3' }, [
      consume(
        'courier.assigned',
        { group: 'eta', propagation: 'child' },
        seq(
          internal('estimate arrival', undefined, { ms: [0.5, 3] }),
          cache('SET', 'eta:{order.id}'),
        ),
      ),
    ]),
  ],
  traffic: [
    traffic(
      { service: 'order-api', endpoint: 'POST /api/v1/orders' },
      {
        weight: 4,
        attributes: {
          'customer.id': numericId(1, 900_000),
          'customer.tier': oneOf({ gold: 0.1, silver: 0.2, bronze: 0.3, basic: 0.4 }),
          'restaurant.id': numericId(1, 25_000),
          'order.subtotal': double(5, 95, { decimals: 2 }),
          'basket.items': int(1, 15),
        },
      },
    ),
    traffic(
      { service: 'order-api', endpoint: 'GET /api/v1/orders/{orderId}/eta' },
      {
        weight: 1,
        attributes: { 'customer.id': numericId(1, 900_000), 'order.id': numericId(1, 50_000_000) },
        params: { orderId: 'order.id' },
      },
    ),
  ],
});
