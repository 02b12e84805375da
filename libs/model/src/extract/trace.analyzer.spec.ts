import {
  CLIENT,
  CONSUMER,
  INTERNAL,
  PRODUCER,
  SERVER,
  trace,
} from '../../test/synthetic-trace.fixture';
import { analyseTrace } from './trace.analyzer';

const checkout = trace('t1', [
  {
    id: 'a',
    service: 'shop',
    name: 'POST /checkout',
    kind: SERVER,
    at: 0,
    duration: 100,
    attributes: { 'http.request.method': 'POST', 'http.route': '/checkout' },
  },
  // gRPC call, answered inside the system.
  {
    id: 'b',
    parent: 'a',
    service: 'shop',
    name: 'pay.Payments/Charge',
    kind: CLIENT,
    at: 1,
    duration: 30,
    attributes: { 'rpc.system': 'grpc', 'rpc.service': 'pay.Payments', 'rpc.method': 'Charge' },
  },
  {
    id: 'c',
    parent: 'b',
    service: 'pay',
    name: 'pay.Payments/Charge',
    kind: SERVER,
    at: 2,
    duration: 28,
    attributes: { 'rpc.system': 'grpc', 'rpc.service': 'pay.Payments', 'rpc.method': 'Charge' },
  },
  // An internal span around a database write: the write belongs to the gRPC handler.
  { id: 'd', parent: 'c', service: 'pay', name: 'save', kind: INTERNAL, at: 3, duration: 5 },
  {
    id: 'e',
    parent: 'd',
    service: 'pay',
    name: 'INSERT payments',
    kind: CLIENT,
    at: 4,
    duration: 3,
    attributes: { 'db.system': 'mysql', 'db.statement': 'INSERT INTO payments (id) VALUES (?)' },
  },
  // Two attempts at a third-party API: nobody in the trace answers them.
  ...[10, 20].map((at, n) => ({
    id: `x${n}`,
    parent: 'c',
    service: 'pay',
    name: 'POST',
    kind: CLIENT,
    at,
    duration: 5,
    attributes: {
      'http.request.method': 'POST',
      'url.full': 'https://api.stripe.example/v1/charges',
      'server.address': 'api.stripe.example',
    },
  })),
  // A server span whose caller recorded no client span.
  {
    id: 'f',
    parent: 'a',
    service: 'stock',
    name: 'POST /reservations',
    kind: SERVER,
    at: 40,
    duration: 5,
    attributes: { 'http.request.method': 'POST', 'http.route': '/reservations' },
  },
  // A message consumed in the same trace.
  {
    id: 'g',
    parent: 'a',
    service: 'shop',
    name: 'send order.placed',
    kind: PRODUCER,
    at: 50,
    duration: 1,
    attributes: { 'messaging.system': 'kafka', 'messaging.destination.name': 'order.placed' },
  },
  {
    id: 'h',
    parent: 'g',
    service: 'mail',
    name: 'process order.placed',
    kind: CONSUMER,
    at: 60,
    duration: 5,
    attributes: { 'messaging.system': 'kafka', 'messaging.destination.name': 'order.placed' },
  },
  // An orphan server span (its caller's span is missing): an endpoint, but no known caller.
  {
    id: 'o',
    parent: 'missing',
    service: 'audit',
    name: 'POST /events',
    kind: SERVER,
    at: 70,
    duration: 1,
    attributes: { 'http.request.method': 'POST', 'http.route': '/events' },
  },
]);

describe(analyseTrace.name, () => {
  const analysed = analyseTrace(checkout, 'shop|HTTP POST /checkout');

  it('finds the entry span and every endpoint', () => {
    expect(analysed.entry?.span.spanId).toBe('a');
    expect(analysed.spans.filter((s) => s.endpoint !== undefined).map((s) => s.endpoint)).toEqual([
      'shop|HTTP POST /checkout',
      'pay|RPC grpc pay.Payments/Charge',
      'stock|HTTP POST /reservations',
      'mail|CONSUME order.placed',
      'audit|HTTP POST /events',
    ]);
  });

  it('extracts every edge with the handler it starts in', () => {
    expect(analysed.edges.map((e) => [e.id, e.at?.endpoint, e.source.span.spanId])).toEqual([
      [
        'CALLS shop|HTTP POST /checkout -> pay|RPC grpc pay.Payments/Charge',
        'shop|HTTP POST /checkout',
        'b',
      ],
      ['WRITES pay -> table payments (INSERT)', 'pay|RPC grpc pay.Payments/Charge', 'e'],
      [
        'CALLS_EXTERNAL pay -> api.stripe.example POST /v1/charges',
        'pay|RPC grpc pay.Payments/Charge',
        'x0',
      ],
      [
        'CALLS_EXTERNAL pay -> api.stripe.example POST /v1/charges',
        'pay|RPC grpc pay.Payments/Charge',
        'x1',
      ],
      [
        'CALLS shop|HTTP POST /checkout -> stock|HTTP POST /reservations',
        'shop|HTTP POST /checkout',
        'f',
      ],
      ['PUBLISHES shop -> topic order.placed', 'shop|HTTP POST /checkout', 'g'],
      ['CONSUMES mail -> topic order.placed', 'mail|CONSUME order.placed', 'h'],
    ]);
    expect(analysed.edges[0].edge).toEqual({
      type: 'CALLS',
      from: 'shop|HTTP POST /checkout',
      to: 'pay|RPC grpc pay.Payments/Charge',
      protocol: 'grpc',
      method: 'Charge',
      route: 'pay.Payments/Charge',
    });
  });

  it('reads a consumer trace linked to a producer as its own handler', () => {
    const linked = analyseTrace(
      trace('t2', [
        {
          id: 'r',
          service: 'analytics',
          name: 'process order.placed',
          kind: CONSUMER,
          attributes: { 'messaging.system': 'kafka', 'messaging.destination.name': 'order.placed' },
          links: [{ traceId: 't1', spanId: 'g' }],
        },
        {
          id: 's',
          parent: 'r',
          service: 'analytics',
          name: 'insert events',
          kind: CLIENT,
          at: 1,
          attributes: {
            'db.system.name': 'mongodb',
            'db.operation.name': 'insert',
            'db.collection.name': 'events',
          },
        },
      ]),
      'analytics|CONSUME order.placed',
    );
    expect(linked.entry?.span.links).toEqual([{ traceId: 't1', spanId: 'g' }]);
    expect(linked.edges.map((e) => [e.id, e.at?.endpoint])).toEqual([
      ['CONSUMES analytics -> topic order.placed', 'analytics|CONSUME order.placed'],
      ['WRITES analytics -> collection events (insert)', 'analytics|CONSUME order.placed'],
    ]);
  });

  it('survives duplicate span ids and parent cycles', () => {
    const broken = analyseTrace(
      trace('t3', [
        { id: 'a', parent: 'c', service: 's', name: 'x', kind: INTERNAL },
        { id: 'b', parent: 'a', service: 's', name: 'y', kind: INTERNAL },
        { id: 'c', parent: 'b', service: 's', name: 'z', kind: INTERNAL },
        { id: 'c', service: 's', name: 'dup', kind: SERVER },
      ]),
      's|x',
    );
    expect(broken.spans.map((s) => s.span.name)).toEqual(['x', 'y', 'z']);
    expect(broken.spans.filter((s) => s.parent === undefined)).toHaveLength(1);
    expect(broken.entry).toBeDefined();
  });
});
