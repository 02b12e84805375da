import type { ModelSpan, ModelTrace } from '@t2t/model';

/**
 * Small literal traces for evaluator, verifier and emitter specs: the potato story by hand, so a
 * spec can say exactly which span it removes or changes.
 *
 *   gw     api-gateway  server  POST /orders                (entry; request attributes)
 *   auth   api-gateway  internal authenticate
 *   call   api-gateway  client  POST → order-service
 *   os     order-service server POST /orders
 *   pub    order-service producer orders send
 *   ins    order-writer client  INSERT orders             (child of pub via a consumer)
 *   potato order-service client  HTTP POST → potato-handler  (only when likesPotatoes)
 *   ph     potato-handler server POST /potatoes
 */
export interface PotatoTraceOptions {
  traceId?: string;
  likesPotatoes?: boolean;
  userId?: string;
  durationMs?: number;
}

let counter = 0;

export function potatoTrace(options: PotatoTraceOptions = {}): ModelTrace {
  const traceId = options.traceId ?? `trace${String(++counter).padStart(11, '0')}`;
  const likes = options.likesPotatoes ?? true;
  const userId = options.userId ?? '42';
  const t0 = 1_767_225_600_000_000_000n;
  const ms = (n: number) => BigInt(Math.round(n * 1e6));
  const span = (
    spanId: string,
    parentSpanId: string,
    service: string,
    kind: number,
    name: string,
    startMs: number,
    durationMs: number,
    attributes: Record<string, string>,
  ): ModelSpan => ({
    traceId,
    spanId,
    parentSpanId,
    service,
    name,
    kind,
    startNs: t0 + ms(startMs),
    durationNs: durationMs * 1e6,
    statusCode: 0,
    attributes,
    links: [],
  });
  const spans: ModelSpan[] = [
    span('gw', '', 'api-gateway', 2, 'POST /orders', 0, options.durationMs ?? 20, {
      'http.request.method': 'POST',
      'http.route': '/orders',
      'url.path': '/orders',
      'http.response.status_code': '200',
      'user.id': userId,
      'user.likes_potatoes': String(likes),
    }),
    span('auth', 'gw', 'api-gateway', 1, 'authenticate', 0.1, 0.5, {}),
    span('call', 'gw', 'api-gateway', 3, 'POST', 1, 18, {
      'http.request.method': 'POST',
      'server.address': 'order-service',
      'url.full': 'http://order-service:8080/orders',
      'http.response.status_code': '200',
    }),
    span('os', 'call', 'order-service', 2, 'POST /orders', 1.2, 17, {
      'http.method': 'POST',
      'http.route': '/orders',
      'http.target': '/orders',
      'user.likes_potatoes': String(likes),
    }),
    span('pub', 'os', 'order-service', 4, 'orders send', 2, 1, {
      'messaging.system': 'rabbitmq',
      'messaging.destination': 'orders',
    }),
    span('ins', 'pub', 'order-writer', 3, 'INSERT orders', 3.5, 2, {
      'db.system.name': 'postgresql',
      'db.operation.name': 'INSERT',
      'db.collection.name': 'orders',
    }),
  ];
  if (likes) {
    spans.push(
      span('potato', 'os', 'order-service', 3, 'HTTP POST', 4, 10, {
        'http.method': 'POST',
        'net.peer.name': 'potato-handler',
        'http.url': 'http://potato-handler:8080/potatoes',
        'http.status_code': '200',
      }),
      span('ph', 'potato', 'potato-handler', 2, 'POST /potatoes', 4.2, 9, {
        'http.method': 'POST',
        'http.route': '/potatoes',
      }),
    );
  }
  return { traceId, spans };
}
