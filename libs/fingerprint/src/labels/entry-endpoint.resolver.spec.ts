import type { SpanFacts } from '../trace.model';
import { entryEndpoint } from './entry-endpoint.resolver';

const INTERNAL = 1;
const SERVER = 2;
const CLIENT = 3;
const CONSUMER = 5;

function facts(over: Partial<SpanFacts>): SpanFacts {
  return {
    name: 'op',
    kind: SERVER,
    serviceName: 'svc',
    parentSpanId: '',
    attributes: {},
    ...over,
  };
}

describe(entryEndpoint.name, () => {
  describe('which spans can be entry points', () => {
    it('a span without a parent, whatever its kind', () => {
      expect(entryEndpoint(facts({ kind: INTERNAL, name: 'tick' }))).toBe('svc|tick');
    });
    it('server and consumer spans with a parent', () => {
      expect(entryEndpoint(facts({ parentSpanId: 'p', kind: SERVER }))).toBeDefined();
      expect(entryEndpoint(facts({ parentSpanId: 'p', kind: CONSUMER }))).toBeDefined();
    });
    it('not other spans with a parent', () => {
      expect(entryEndpoint(facts({ parentSpanId: 'p', kind: CLIENT }))).toBeUndefined();
      expect(entryEndpoint(facts({ parentSpanId: 'p', kind: INTERNAL }))).toBeUndefined();
    });
  });

  describe('HTTP', () => {
    it.each([
      [
        'http.route',
        { 'http.request.method': 'GET', 'http.route': '/cart/:id', 'url.path': '/cart/1' },
        'svc|HTTP GET /cart/:id',
      ],
      [
        'http.route, older method name',
        { 'http.method': 'get', 'http.route': '/cart/:id' },
        'svc|HTTP GET /cart/:id',
      ],
      [
        'url.template',
        { 'http.request.method': 'GET', 'url.template': '/cart/{id}', 'url.path': '/cart/1' },
        'svc|HTTP GET /cart/{id}',
      ],
      [
        'url.path',
        { 'http.request.method': 'PUT', 'url.path': '/cart/42/items/7' },
        'svc|HTTP PUT /cart/{id}/items/{id}',
      ],
      [
        'http.target',
        { 'http.method': 'GET', 'http.target': '/cart/42?x=1' },
        'svc|HTTP GET /cart/{id}',
      ],
      [
        'url.full',
        { 'http.request.method': 'GET', 'url.full': 'https://shop.example.com/cart/42' },
        'svc|HTTP GET /cart/{id}',
      ],
      [
        'http.url',
        { 'http.method': 'GET', 'http.url': 'https://shop.example.com/cart/42' },
        'svc|HTTP GET /cart/{id}',
      ],
    ])('%s', (_, attributes, expected) => {
      expect(entryEndpoint(facts({ attributes }))).toBe(expected);
    });

    it('a raw path reported as the route (unmatched requests in some frameworks)', () => {
      const attributes = { 'http.request.method': 'GET', 'http.route': '/cart/42' };
      expect(entryEndpoint(facts({ attributes }))).toBe('svc|HTTP GET /cart/{id}');
    });

    it('the path in an old-style span name when no attribute has it', () => {
      expect(
        entryEndpoint(facts({ name: 'GET /cart/42', attributes: { 'http.method': 'GET' } })),
      ).toBe('svc|HTTP GET /cart/{id}');
    });

    it('the method alone when nothing names the route', () => {
      expect(
        entryEndpoint(facts({ name: 'GET', attributes: { 'http.request.method': 'GET' } })),
      ).toBe('svc|HTTP GET');
    });
  });

  it('RPC', () => {
    const attributes = {
      'rpc.system': 'grpc',
      'rpc.service': 'shop.Cart',
      'rpc.method': 'GetCart',
    };
    expect(entryEndpoint(facts({ attributes }))).toBe('svc|RPC grpc shop.Cart/GetCart');
    // gRPC over HTTP/2 carries HTTP attributes too; the RPC is the endpoint.
    const both = { ...attributes, 'http.request.method': 'POST', 'url.path': '/shop.Cart/GetCart' };
    expect(entryEndpoint(facts({ attributes: both }))).toBe('svc|RPC grpc shop.Cart/GetCart');
  });

  describe('consumers', () => {
    it.each([
      [
        'current names',
        { 'messaging.system': 'kafka', 'messaging.destination.name': 'orders' },
        'svc|CONSUME orders',
      ],
      [
        'older names',
        { 'messaging.system': 'kafka', 'messaging.destination': 'orders' },
        'svc|CONSUME orders',
      ],
      [
        'template',
        {
          'messaging.destination.template': 'tenant.{id}.events',
          'messaging.destination.name': 'tenant.88.events',
        },
        'svc|CONSUME tenant.{id}.events',
      ],
      [
        'ids in the name',
        { 'messaging.destination.name': 'tenant.88.events' },
        'svc|CONSUME tenant.{id}.events',
      ],
      [
        'temporary',
        { 'messaging.destination.name': 'amq.gen-x', 'messaging.destination.anonymous': 'true' },
        'svc|CONSUME (temporary)',
      ],
    ])('%s', (_, attributes, expected) => {
      expect(entryEndpoint(facts({ kind: CONSUMER, parentSpanId: 'p', attributes }))).toBe(
        expected,
      );
    });

    it('a root process span of another kind', () => {
      const attributes = { 'messaging.operation': 'process', 'messaging.destination': 'jobs' };
      expect(entryEndpoint(facts({ kind: INTERNAL, attributes }))).toBe('svc|CONSUME jobs');
    });

    it('a consumer without a destination falls back to its name', () => {
      expect(entryEndpoint(facts({ kind: CONSUMER, name: 'poll 42' }))).toBe('svc|poll {id}');
    });
  });

  it('GraphQL', () => {
    const attributes = {
      'graphql.operation.type': 'query',
      'graphql.operation.name': 'GetCart',
      'http.request.method': 'POST',
      'http.route': '/graphql',
    };
    expect(entryEndpoint(facts({ attributes }))).toBe('svc|GRAPHQL query GetCart');
    expect(entryEndpoint(facts({ attributes: { 'graphql.operation.type': 'mutation' } }))).toBe(
      'svc|GRAPHQL mutation',
    );
  });

  it('falls back to the normalised span name', () => {
    expect(entryEndpoint(facts({ kind: INTERNAL, name: 'reindex shard 7' }))).toBe(
      'svc|reindex shard {id}',
    );
  });

  it('keeps the key parseable', () => {
    expect(entryEndpoint(facts({ serviceName: 'a|b', name: 'x|y' }))).toBe('a/b|x/y');
  });
});
