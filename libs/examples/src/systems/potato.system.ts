import {
  bool,
  call,
  consume,
  db,
  defineSystem,
  http,
  int,
  internal,
  is,
  numericId,
  publish,
  seq,
  service,
  traffic,
  when,
} from '../model/system.dsl';

/**
 * The product's origin story. `POST /orders` enters at the api-gateway and reaches the
 * order-service, which hands the order to a queue (an order-writer stores it in `orders`
 * asynchronously) and calls the potato-handler only when the user likes potatoes. Nobody wants to
 * write the end-to-end test for that by hand.
 *
 * Conventions are mixed on purpose: the gateway and the writer use the current semantic
 * conventions, the order-service (Java) and the potato-handler (Python) the older names.
 */
export const potatoSystem = defineSystem({
  name: 'potato',
  description:
    'Orders with an asynchronous write and a potato handler called only for potato lovers',
  topics: [{ name: 'orders', system: 'rabbitmq' }],
  services: [
    service(
      'api-gateway',
      { language: 'nodejs', semconv: 'current', version: '3.4.1', replicas: 3 },
      [
        http(
          'POST',
          '/orders',
          seq(
            internal('authenticate', undefined, { ms: [0.1, 0.8] }),
            call('order-service', 'POST /orders', { forward: ['user.id', 'user.likes_potatoes'] }),
          ),
        ),
        http(
          'GET',
          '/orders/{id}',
          call('order-service', 'GET /orders/{id}', { params: { id: 'order.id' } }),
        ),
      ],
    ),
    service('order-service', { language: 'java', semconv: 'legacy', version: '2.8.0' }, [
      http(
        'POST',
        '/orders',
        seq(
          internal('validate order'),
          publish('orders'),
          when(
            is('user.likes_potatoes', true),
            call('potato-handler', 'POST /potatoes', { forward: ['user.id'] }),
            seq(),
            {
              then: {
                id: 'likes-potatoes',
                description: 'the user likes potatoes: the potato handler is called',
              },
              else: {
                id: 'no-potatoes',
                description: 'the user does not like potatoes: no potato handler',
              },
            },
          ),
        ),
      ),
      http(
        'GET',
        '/orders/{id}',
        db('postgresql', 'SELECT', 'orders', {
          database: 'shop',
          statement: 'SELECT id, user_id, status, total FROM orders WHERE id = ?',
        }),
      ),
    ]),
    service('order-writer', { language: 'go', semconv: 'current', version: '1.3.0' }, [
      consume(
        'orders',
        { group: 'order-writer', propagation: 'child' },
        db('postgresql', 'INSERT', 'orders', {
          database: 'shop',
          statement: 'INSERT INTO orders (id, user_id, status, total) VALUES ($1, $2, $3, $4)',
        }),
      ),
    ]),
    service(
      'potato-handler',
      { language: 'python', semconv: 'legacy', version: '0.9.2', replicas: 1 },
      [
        http(
          'POST',
          '/potatoes',
          seq(
            internal('peel potatoes', undefined, { ms: [1, 5] }),
            db('mongodb', 'insert', 'potato_orders', { database: 'potatoes' }),
          ),
        ),
      ],
    ),
  ],
  traffic: [
    traffic(
      { service: 'api-gateway', endpoint: 'POST /orders' },
      {
        weight: 3,
        attributes: {
          'user.id': numericId(1, 50_000),
          // The origin story's ~40% of users.
          'user.likes_potatoes': bool(0.4),
          'cart.items': int(1, 12),
        },
      },
    ),
    traffic(
      { service: 'api-gateway', endpoint: 'GET /orders/{id}' },
      {
        weight: 1,
        attributes: { 'user.id': numericId(1, 50_000), 'order.id': numericId(1, 1_000_000) },
        params: { id: 'order.id' },
      },
    ),
  ],
});
