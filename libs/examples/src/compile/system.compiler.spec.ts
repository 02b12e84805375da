import {
  between,
  call,
  chance,
  consume,
  db,
  defineSystem,
  double,
  external,
  http,
  internal,
  logNormal,
  numericId,
  proxy,
  publish,
  repeat,
  route,
  seq,
  service,
  times,
  traffic,
} from '../model/system.dsl';
import { injectFault } from '../faults/fault.injector';
import { generateTraces } from '../generation/trace.generator';
import type { Distribution, EndpointDefinition, Step } from '../model/system.model';
import { SystemDefinitionError, validateSystem } from './system.compiler';

function system(
  endpoints: Record<string, EndpointDefinition[]>,
  entry = { service: 'a', endpoint: 'GET /' },
) {
  return defineSystem({
    name: 'test',
    description: 'validation',
    services: Object.entries(endpoints).map(([name, list]) =>
      service(name, { language: 'go', semconv: 'current' }, list),
    ),
    traffic: [traffic(entry, { weight: 1 })],
  });
}

function problems(definition: ReturnType<typeof system>): readonly string[] {
  try {
    validateSystem(definition);
    return [];
  } catch (error) {
    if (error instanceof SystemDefinitionError) return error.problems;
    throw error;
  }
}

const leaf: Step = db('postgresql', 'SELECT', 't', { database: 'd' });

describe(validateSystem.name, () => {
  it('accepts a valid system', () => {
    expect(problems(system({ a: [http('GET', '/', leaf)] }))).toEqual([]);
  });

  it('names every problem it finds', () => {
    const found = problems(
      system(
        {
          a: [
            http('GET', '/', seq(call('b', 'GET /missing'), call('c', 'CONSUME q'))),
            http('GET', '/'),
          ],
          c: [consume('q', { group: 'g', propagation: 'child' })],
        },
        { service: 'c', endpoint: 'CONSUME q' },
      ),
    );
    expect(found).toEqual([
      "endpoint 'a|HTTP GET /' is defined twice",
      "a|HTTP GET / calls 'b GET /missing', which is not an HTTP or RPC endpoint",
      "a|HTTP GET / calls 'c CONSUME q', which is not an HTTP or RPC endpoint",
      "traffic targets 'c CONSUME q', which is not an HTTP or RPC endpoint",
    ]);
  });

  it('refuses call cycles, including through consumers', () => {
    const found = problems(
      system({
        a: [http('GET', '/', call('b', 'GET /'))],
        b: [http('GET', '/', publish('loop'))],
        c: [consume('loop', { group: 'g', propagation: 'link' }, call('b', 'GET /'))],
      }),
    );
    expect(found).toEqual([
      'endpoints call each other in a cycle: a|HTTP GET / -> b|HTTP GET / -> c|CONSUME loop -> b|HTTP GET /',
    ]);
  });

  it('refuses repeats whose iterations could differ', () => {
    expect(
      problems(system({ a: [http('GET', '/', repeat(between(1, 3), chance(0.5, leaf)))] })),
    ).toContain('a|HTTP GET /: a repeat body may not branch (its iterations must be identical)');
    expect(
      problems(system({ a: [http('GET', '/', repeat(between(1, 3), seq(leaf, leaf)))] })),
    ).toEqual(["a|HTTP GET /: a repeat body must be a single span-emitting step, not 'seq'"]);
    expect(problems(system({ a: [http('GET', '/', repeat(between(0, 3), leaf))] }))).toEqual([
      'a|HTTP GET /: repeat counts must be at least 1 (zero iterations would change the structure)',
    ]);
    expect(
      problems(
        system({
          a: [
            http(
              'GET',
              '/',
              repeat(between(1, 3), external('x.example', 'GET', '/', { attempts: [1, 1] })),
            ),
          ],
        }),
      ),
    ).toEqual([
      'a|HTTP GET /: a retried call to x.example inside a repeat would vary the repeated structure',
    ]);
    // A called handler that branches, reached from a repeat.
    expect(
      problems(
        system({
          a: [http('GET', '/', repeat(between(1, 3), call('b', 'GET /')))],
          b: [http('GET', '/', chance(0.5, internal('x')))],
        }),
      ),
    ).toEqual([
      'a|HTTP GET /: a repeat body reaches a branch, failure or retry, so its iterations could differ',
    ]);
  });

  it('refuses continuous distributions it cannot draw from', () => {
    const drawing = (attributes: Record<string, Distribution>) =>
      defineSystem({
        name: 'x',
        description: '',
        services: [service('a', { language: 'go', semconv: 'current' }, [http('GET', '/')])],
        traffic: [traffic({ service: 'a', endpoint: 'GET /' }, { weight: 1, attributes })],
      });
    expect(
      problems(
        drawing({
          amount: logNormal(0, 1),
          fee: double(5, 5),
          ok: double(0, 1, { decimals: 2 }),
        }),
      ),
    ).toEqual([
      'traffic to a|HTTP GET /: amount: a log-normal needs a positive median and sigma, got median 0, sigma 1',
      'traffic to a|HTTP GET /: fee: a uniform double needs finite min < max, got [5, 5)',
    ]);
    expect(problems(drawing({ amount: logNormal(100, 0.5, { decimals: -1 }) }))).toEqual([
      'traffic to a|HTTP GET /: amount: decimals must be a non-negative integer, got -1',
    ]);
  });

  it('refuses probabilities out of range and duplicate services', () => {
    expect(problems(system({ a: [http('GET', '/', chance(1.5, leaf))] }))).toEqual([
      'a|HTTP GET /: chance probability 1.5 is not in [0, 1]',
    ]);
    const twice = defineSystem({
      name: 'x',
      description: '',
      services: [
        service('a', { language: 'go', semconv: 'current' }, [http('GET', '/')]),
        service('a', { language: 'go', semconv: 'current' }, []),
      ],
      traffic: [traffic({ service: 'a', endpoint: 'GET /' }, { weight: 1 })],
    });
    expect(problems(twice)).toEqual(["service 'a' is defined twice"]);
  });

  describe('proxy', () => {
    const items = service('items', { language: 'java', semconv: 'legacy' }, [
      http('GET', '/api/items/{id}', leaf),
      http('GET', '/api/items/latest', leaf),
      http('GET', '/api/{kind}/x', leaf),
      http('GET', '/api/{other}/x', leaf),
      http('DELETE', '/api/items/{id}', leaf),
    ]);
    const gateway = (
      routes: Parameters<typeof proxy>,
      paths: readonly (string | undefined)[],
      extra: EndpointDefinition[] = [],
    ) =>
      defineSystem({
        name: 'gw',
        description: 'a gateway',
        services: [
          service('gw', { language: 'java', semconv: 'legacy' }, [
            http('GET', '/*', proxy(...routes)),
            http('DELETE', '/**', proxy(...routes)),
            ...extra,
          ]),
          items,
        ],
        traffic: paths.map((path) =>
          traffic(
            { service: 'gw', endpoint: path?.startsWith('DELETE ') ? 'DELETE /**' : 'GET /*' },
            {
              weight: 1,
              attributes: { 'item.id': numericId(1, 9) },
              params: { id: 'item.id' },
              ...(path === undefined ? {} : { path: path.replace(/^DELETE /, '') }),
            },
          ),
        ),
      });

    it('sends each request to the most specific matching route of the first matching service', () => {
      const system = gateway(
        [route('/api/items/**', 'items', { methods: ['GET'] }), route('/api/**', 'nobody')],
        ['/api/items/{id}', '/api/items/latest'],
      );
      expect(problems(system)).toEqual([]);
      const traces = generateTraces(system, { seed: 1, traces: 200 });
      const seen = new Map(traces.map((t) => [t.spans[0].attributes['http.target'], t]));
      const latest = seen.get('/api/items/latest')!;
      expect([latest.endpoint, latest.apiEndpoint, latest.behaviour, latest.apiBehaviour]).toEqual([
        'gw|HTTP GET /*',
        'items|HTTP GET /api/items/latest',
        'GET /api/items/latest',
        'default',
      ]);
      const byId = traces.find((t) => t.apiEndpoint === 'items|HTTP GET /api/items/{id}')!;
      const path = `/api/items/${String(byId.request['item.id'])}`;
      expect(byId.spans.map((s) => s.attributes['http.target'])).toEqual([path, undefined, path]);
      expect(byId.spans[1].attributes['http.url']).toBe(`http://items:8080${path}`);
    });

    it('refuses requests it cannot route, and anything that would reach it without a path', () => {
      expect(
        problems(
          gateway(
            [route('/api/items/**', 'items', { methods: ['GET'] }), route('/x/**', 'nope')],
            [
              undefined,
              '/other',
              '/x/1',
              '/api/items/a/b',
              'DELETE /api/items/{id}',
              '/api/y/x',
              'orders',
            ],
            [http('GET', '/self', call('gw', 'GET /*'))],
          ),
        ),
      ).toEqual([
        'traffic to gw|HTTP GET /* needs a path: its route is a catch-all, not a request path',
        "traffic to gw|HTTP GET /* with path 'orders': a path starts with /",
        'gw|HTTP GET /self calls gw|HTTP GET /*, which proxies by path: enter it through traffic with a path',
        'gw|HTTP GET /*: no proxy route matches GET /*',
        'gw|HTTP GET /*: no proxy route matches GET /other',
        "gw|HTTP GET /*: route '/x/**' sends GET /x/1 to 'nope', which is not a service",
        "gw|HTTP GET /*: route '/api/items/**' sends GET /api/items/a/b to items, which has no HTTP endpoint for it",
        'gw|HTTP GET /*: no proxy route matches GET /api/y/x',
        'gw|HTTP GET /*: no proxy route matches GET orders',
        'gw|HTTP DELETE /**: no proxy route matches DELETE /api/items/{id}',
      ]);
      expect(
        problems(gateway([route('/api/**', 'items')], ['/api/y/x', 'DELETE /api/items/{id}'])),
      ).toEqual([
        "gw|HTTP GET /*: route '/api/**' sends GET /api/y/x to items, where more than one route matches it equally",
      ]);
    });

    it('refuses malformed routes, and a proxy in a repeat or a consumer', () => {
      expect(
        problems(gateway([route('api/**', 'items'), route('/a/**/b', 'items')], ['/api/x'])),
      ).toEqual(
        expect.arrayContaining([
          "gw|HTTP GET /*: proxy route 'api/**' must start with /",
          "gw|HTTP GET /*: proxy route '/a/**/b' may hold ** only as its last segment",
        ]),
      );
      expect(
        problems(
          system({
            a: [http('GET', '/', repeat(times(2), proxy(route('/**', 'b'))))],
            b: [http('GET', '/')],
          }),
        ),
      ).toEqual([
        "a|HTTP GET /: a repeat body must be a single span-emitting step, not 'proxy'",
        'a|HTTP GET /: a repeat body may not proxy',
      ]);
      expect(
        problems(
          system({
            a: [http('GET', '/', publish('q'))],
            c: [consume('q', { group: 'g', propagation: 'child' }, proxy(route('/**', 'a')))],
          }),
        ),
      ).toEqual(['c|CONSUME q: only an HTTP endpoint can proxy (it routes by the request path)']);
      expect(
        problems(
          defineSystem({
            name: 'x',
            description: '',
            services: [
              service('a', { language: 'go', semconv: 'current' }, [http('GET', '/i/{id}')]),
            ],
            traffic: [
              traffic({ service: 'a', endpoint: 'GET /i/{id}' }, { weight: 1, path: '/j/1' }),
            ],
          }),
        ),
      ).toEqual([
        "traffic to a|HTTP GET /i/{id} with path '/j/1': the route /i/{id} does not match it",
      ]);
    });
  });

  describe("the 'name-only' database span style", () => {
    const named = (semconv: 'legacy' | 'current') =>
      defineSystem({
        name: 'named',
        description: '',
        services: [
          service('a', { language: 'java', semconv, dbSpans: 'name-only' }, [
            http('POST', '/', db('mysql', 'INSERT', 'orders', { database: 'ts' })),
          ]),
        ],
        traffic: [traffic({ service: 'a', endpoint: 'POST /' }, { weight: 1 })],
      });

    it.each([
      [
        'legacy',
        'INSERT ts.orders',
        {
          'db.system': 'mysql',
          'db.name': 'ts',
          'db.user': 'ts',
          'net.peer.name': 'ts-db',
          'net.peer.port': 3306n,
        },
      ],
      [
        'current',
        'INSERT orders',
        {
          'db.system.name': 'mysql',
          'db.namespace': 'ts',
          'server.address': 'ts-db',
          'server.port': 3306n,
        },
      ],
    ] as const)(
      '%s: names the operation and table only in the span name, and drop-db-write still finds it',
      (semconv, name, attributes) => {
        const [trace] = generateTraces(named(semconv), { seed: 1, traces: 1 });
        const span = trace.spans[1];
        expect([span.name, span.attributes]).toEqual([name, attributes]);
        expect(injectFault(trace, 'drop-db-write').change).toMatchObject({
          removedSpanIds: [span.spanId],
          edge: {
            type: 'WRITES',
            from: 'a',
            to: 'orders',
            entityKind: 'table',
            operation: 'INSERT',
          },
        });
      },
    );
  });
});
