import { TraceAssembler, type ArrivingSpan } from '../assembly/trace.assembler';
import { fingerprintTrace } from '../hash';
import { entryEndpointDetail, isCatchAllRoute } from './entry-endpoint.resolver';
import { parseEndpointRules, servesSameRequest, type EndpointRules } from './endpoint.rules';

const T0 = 1_767_225_600_000_000_000n;

/** A server span (and the client span that called it, under `parent`). */
function server(
  id: number,
  parent: number | undefined,
  service: string,
  attributes: Record<string, string>,
): ArrivingSpan[] {
  const sid = (n: number) => n.toString(16).padStart(16, '0');
  const out: ArrivingSpan[] = [];
  let serverParent = '';
  if (parent !== undefined) {
    out.push({
      spanId: sid(id * 10 + 1),
      parentSpanId: sid(parent),
      name: attributes['http.request.method'] ?? 'call',
      kind: 3,
      serviceName: 'caller',
      startTimeUnixNano: T0 + BigInt(id) * 1000n,
      durationNano: 1000,
      statusCode: 0,
      attributes: { 'http.request.method': attributes['http.request.method'] ?? 'GET' },
    });
    serverParent = sid(id * 10 + 1);
  }
  out.push({
    spanId: sid(id),
    parentSpanId: serverParent,
    name: `${attributes['http.request.method'] ?? 'GET'}`,
    kind: 2,
    serviceName: service,
    startTimeUnixNano: T0 + BigInt(id) * 1000n + 100n,
    durationNano: 900,
    statusCode: 0,
    attributes,
  });
  return out;
}

function endpointOf(spans: ArrivingSpan[], endpointRules?: EndpointRules): string {
  const assembler = new TraceAssembler({
    idleGapMs: 1000,
    maxTraceDurationMs: 60_000,
    maxOpenTraces: 10,
    maxSpansPerTrace: 100,
    recentlyClosedCapacity: 10,
    ...(endpointRules === undefined ? {} : { endpointRules }),
  });
  const [trace] = [
    ...assembler.add('0af7651916cd43dd8448eb211c80319c', spans, 0),
    ...assembler.flush(),
  ];
  return fingerprintTrace(trace).endpoint;
}

const get = (route: string | undefined, path: string) => ({
  'http.request.method': 'GET',
  'url.path': path,
  ...(route === undefined ? {} : { 'http.route': route }),
});

describe('endpoints of traces entering through gateways and proxies', () => {
  it('tells catch-all routes, bare paths and concrete routes apart', () => {
    for (const route of ['/*', '/**', '/api/**', '/{*path}', '/:rest(.*)', '/[...slug]', '*'])
      expect(isCatchAllRoute(route)).toBe(true);
    for (const route of ['/orders/{id}', '/orders/:id', '/'])
      expect(isCatchAllRoute(route)).toBe(false);
    const span = (attributes: Record<string, string>) => ({
      name: 'GET',
      kind: 2,
      serviceName: 'gateway',
      parentSpanId: '',
      attributes,
    });
    expect(entryEndpointDetail(span(get('/*', '/api/v1/orders/4711')))).toEqual({
      key: 'gateway|HTTP GET /*',
      basis: 'catch-all',
      pathKey: 'gateway|HTTP GET /api/v1/orders/{id}',
    });
    expect(entryEndpointDetail(span(get(undefined, '/api/v1/orders/4711')))).toEqual({
      key: 'gateway|HTTP GET /api/v1/orders/{id}',
      basis: 'path',
    });
    expect(entryEndpointDetail(span(get('/orders/{id}', '/orders/4711')))).toEqual({
      key: 'gateway|HTTP GET /orders/{id}',
      basis: 'concrete',
    });
  });

  const gateway = (route: string | undefined) => [
    ...server(1, undefined, 'gateway', get(route, '/api/v1/orders/4711')),
    ...server(2, 1, 'order-service', get('/api/v1/orders/{orderId}', '/api/v1/orders/4711')),
  ];

  it('behind a catch-all route, names the API the first server further in serves', () => {
    expect(endpointOf(gateway('/*'))).toBe('order-service|HTTP GET /api/v1/orders/{orderId}');
    expect(endpointOf(gateway('/**'))).toBe('order-service|HTTP GET /api/v1/orders/{orderId}');
  });

  it('looks past a route-less proxy in between (a sidecar), and falls back to the request path', () => {
    const withSidecar = [
      ...server(1, undefined, 'gateway', get('/*', '/api/v1/orders/4711')),
      ...server(2, 1, 'sidecar', get(undefined, '/api/v1/orders/4711')),
      ...server(3, 2, 'order-service', get('/api/v1/orders/{orderId}', '/api/v1/orders/4711')),
    ];
    expect(endpointOf(withSidecar)).toBe('order-service|HTTP GET /api/v1/orders/{orderId}');
    // Nothing instrumented behind the gateway: its own normalised path.
    expect(endpointOf(server(1, undefined, 'gateway', get('/*', '/api/v1/orders/4711')))).toBe(
      'gateway|HTTP GET /api/v1/orders/{id}',
    );
  });

  it('without a route, looks further in only for the same request, possibly below a stripped prefix', () => {
    expect(endpointOf(gateway(undefined))).toBe('order-service|HTTP GET /api/v1/orders/{orderId}');
    const stripped = [
      ...server(1, undefined, 'edge', get(undefined, '/shop/api/v1/orders/4711')),
      ...server(2, 1, 'order-service', get('/api/v1/orders/{orderId}', '/api/v1/orders/4711')),
    ];
    expect(endpointOf(stripped)).toBe('order-service|HTTP GET /api/v1/orders/{orderId}');
    // A service without route instrumentation that calls another API is not a proxy.
    const frontend = [
      ...server(1, undefined, 'frontend', get(undefined, '/checkout')),
      ...server(2, 1, 'cart-service', get('/carts/{id}', '/carts/7')),
    ];
    expect(endpointOf(frontend)).toBe('frontend|HTTP GET /checkout');
  });

  it('prefers the server that serves the request the gateway received, however deep, over its other calls', () => {
    // The gateway's filter chain (an internal span) puts the backend a level deeper than a call
    // the gateway makes on its own (here one it should not make).
    const filter: ArrivingSpan = {
      spanId: (5).toString(16).padStart(16, '0'),
      parentSpanId: (1).toString(16).padStart(16, '0'),
      name: 'filter chain',
      kind: 1,
      serviceName: 'gateway',
      startTimeUnixNano: T0 + 50n,
      durationNano: 5000,
      statusCode: 0,
      attributes: {},
    };
    const spans = [
      ...server(1, undefined, 'gateway', get('/*', '/api/v1/news')),
      ...server(2, 1, 'unexpected-service', get('/unexpected', '/unexpected')),
      filter,
      ...server(3, 5, 'news-service', get('/api/v1/news', '/api/v1/news')),
    ];
    expect(endpointOf(spans)).toBe('news-service|HTTP GET /api/v1/news');
  });

  it('follows the rules configured per service', () => {
    expect(endpointOf(gateway('/*'), parseEndpointRules('gateway=entry'))).toBe(
      'gateway|HTTP GET /*',
    );
    expect(endpointOf(gateway('/*'), parseEndpointRules('gateway=path'))).toBe(
      'gateway|HTTP GET /api/v1/orders/{id}',
    );
    // A gateway whose routes look specific but only forward.
    expect(
      endpointOf(gateway('/api/v1/orders/{id}'), parseEndpointRules('gateway=downstream')),
    ).toBe('order-service|HTTP GET /api/v1/orders/{orderId}');
    expect(endpointOf(gateway('/api/v1/orders/{id}'))).toBe('gateway|HTTP GET /api/v1/orders/{id}');
  });

  it('parses rules, naming every bad entry', () => {
    expect([...parseEndpointRules(' gateway=downstream , envoy=path,,')]).toEqual([
      ['gateway', 'downstream'],
      ['envoy', 'path'],
    ]);
    expect(parseEndpointRules('').size).toBe(0);
    expect(() => parseEndpointRules('gateway=sideways,=path,envoy')).toThrow(
      'endpoint rules must be service=auto|downstream|path|entry, comma-separated; bad: "gateway=sideways", "=path", "envoy"',
    );
  });

  it('compares requests by method and route, segment by segment from the end', () => {
    expect(servesSameRequest('g|HTTP GET /api/orders/{id}', 'o|HTTP GET /orders/{orderId}')).toBe(
      true,
    );
    expect(servesSameRequest('g|HTTP GET /api/orders/{id}', 'o|HTTP POST /orders/{orderId}')).toBe(
      false,
    );
    expect(servesSameRequest('g|HTTP GET /checkout', 'c|HTTP GET /carts/{id}')).toBe(false);
    expect(servesSameRequest('g|HTTP GET /orders', 'o|HTTP GET /api/orders')).toBe(false);
    expect(servesSameRequest('g|RPC grpc a.B/C', 'o|HTTP GET /a')).toBe(false);
  });
});
