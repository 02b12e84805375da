import {
  between,
  cache,
  call,
  chance,
  compare,
  consume,
  db,
  defineSystem,
  external,
  fail,
  grpc,
  http,
  int,
  internal,
  is,
  numericId,
  oneOf,
  par,
  perAttribute,
  publish,
  recover,
  repeat,
  seq,
  service,
  traffic,
  uuid,
  when,
} from '../model/system.dsl';

/**
 * An e-commerce checkout with every kind of variation a trace-based test has to cope with:
 * a cache that hits or misses (random), a fraud screening only for big carts (conditional), a
 * payment path that depends on the payment method (conditional) and can be declined (random), an
 * external API called with retries, per-item writes and pagination (loops), a topic consumed both
 * inside the trace and in a new linked trace, and a fail-open fallback when the fraud service fails
 * (only under injected faults).
 */
export const checkoutSystem = defineSystem({
  name: 'checkout',
  description:
    'E-commerce checkout: cart cache, fraud screening, gRPC payments with retries, stock, order events',
  topics: [{ name: 'order.placed', system: 'kafka' }],
  services: [
    service(
      'storefront',
      { language: 'nodejs', semconv: 'current', version: '5.2.0', replicas: 3 },
      [
        http(
          'POST',
          '/checkout',
          seq(
            call('cart-service', 'GET /carts/{id}', {
              params: { id: 'cart.id' },
              forward: ['user.id'],
            }),
            when(
              compare('cart.items', '>=', 10),
              recover(
                call('fraud-service', 'POST /screenings', { forward: ['user.id', 'cart.items'] }),
                internal('skip fraud screening'),
                {
                  failed: {
                    id: 'fraud-check-skipped',
                    description:
                      'the fraud service failed and checkout went on without it (fail open)',
                  },
                },
              ),
              seq(),
              {
                then: {
                  id: 'fraud-screened',
                  description: 'a cart of 10 or more items is screened for fraud',
                },
              },
            ),
            call('payment-service', 'checkout.PaymentService/Charge', {
              forward: ['user.id', 'payment.method'],
            }),
            par(
              call('inventory-service', 'POST /stock/reservations', { forward: ['cart.items'] }),
              publish('order.placed'),
            ),
          ),
        ),
        http(
          'GET',
          '/products',
          call('catalog-service', 'GET /products', { forward: ['catalog.category'] }),
        ),
      ],
    ),
    service('cart-service', { language: 'nodejs', semconv: 'current', version: '2.0.4' }, [
      http(
        'GET',
        '/carts/{id}',
        seq(
          cache('GET', 'cart:{cart.id}'),
          chance(
            0.7,
            seq(),
            seq(
              db('postgresql', 'SELECT', 'carts', { database: 'carts' }),
              db('postgresql', 'SELECT', 'cart_items', {
                database: 'carts',
                statement: 'SELECT sku, quantity, price FROM cart_items WHERE cart_id = $1',
              }),
              cache('SET', 'cart:{cart.id}'),
            ),
            {
              then: { id: 'cache-hit', description: 'the cart is served from redis' },
              else: { id: 'cache-miss', description: 'the cart is read from postgres and cached' },
            },
          ),
        ),
      ),
    ]),
    service('fraud-service', { language: 'python', semconv: 'legacy', version: '1.7.0' }, [
      http(
        'POST',
        '/screenings',
        seq(
          db('mongodb', 'find', 'fraud_signals', { database: 'risk' }),
          internal('score transaction', undefined, { ms: [2, 12] }),
        ),
      ),
    ]),
    service('payment-service', { language: 'java', semconv: 'legacy', version: '4.1.2' }, [
      grpc(
        'checkout.PaymentService',
        'Charge',
        seq(
          db('mysql', 'INSERT', 'payments', { database: 'payments' }),
          when(
            is('payment.method', 'gift-card'),
            db('mysql', 'UPDATE', 'gift_cards', {
              database: 'payments',
              statement: 'UPDATE gift_cards SET balance = balance - ? WHERE code = ?',
            }),
            seq(
              external('api.stripe.example', 'POST', '/v1/charges', {
                attempts: [0.85, 0.1, 0.05],
              }),
              chance(
                0.05,
                fail('card declined', { status: 402, exceptionType: 'CardDeclinedException' }),
                seq(),
                {
                  then: {
                    id: 'card-declined',
                    description: 'the card is declined: no stock reservation, no order event',
                  },
                },
              ),
            ),
            {
              then: { id: 'gift-card', description: 'paid by gift card: the balance is updated' },
              else: { id: 'card', description: 'paid by card or wallet through Stripe' },
            },
          ),
        ),
      ),
    ]),
    service('inventory-service', { language: 'go', semconv: 'current', version: '3.0.1' }, [
      http(
        'POST',
        '/stock/reservations',
        repeat(
          perAttribute('cart.items', 1, 5),
          db('postgresql', 'UPDATE', 'stock', {
            database: 'inventory',
            statement: 'UPDATE stock SET reserved = reserved + $1 WHERE sku = $2',
          }),
        ),
      ),
    ]),
    service(
      'email-service',
      { language: 'python', semconv: 'legacy', version: '1.2.0', replicas: 1 },
      [
        consume(
          'order.placed',
          { group: 'email', propagation: 'child' },
          seq(
            external('api.mailer.example', 'POST', '/v3/mail/send', { attempts: [0.9, 0.1] }),
            cache('SET', 'email-sent:{order.id}'),
          ),
        ),
      ],
    ),
    service('analytics-service', { language: 'go', semconv: 'current', version: '0.12.0' }, [
      consume(
        'order.placed',
        { group: 'analytics', propagation: 'link' },
        db('mongodb', 'insert', 'events', { database: 'analytics' }),
      ),
    ]),
    service('catalog-service', { language: 'java', semconv: 'current', version: '6.3.0' }, [
      http(
        'GET',
        '/products',
        repeat(
          between(1, 5),
          db('postgresql', 'SELECT', 'products', {
            database: 'catalog',
            statement:
              'SELECT id, name, price FROM products WHERE category = $1 ORDER BY id LIMIT $2 OFFSET $3',
          }),
        ),
      ),
    ]),
  ],
  traffic: [
    traffic(
      { service: 'storefront', endpoint: 'POST /checkout' },
      {
        weight: 3,
        attributes: {
          'user.id': numericId(1, 200_000),
          'cart.id': uuid(),
          'cart.items': int(1, 20),
          'payment.method': oneOf({ card: 0.6, wallet: 0.25, 'gift-card': 0.15 }),
        },
      },
    ),
    traffic(
      { service: 'storefront', endpoint: 'GET /products' },
      {
        weight: 2,
        attributes: {
          'user.id': numericId(1, 200_000),
          'catalog.category': oneOf(['vegetables', 'kitchen', 'garden', 'books']),
        },
      },
    ),
  ],
});
