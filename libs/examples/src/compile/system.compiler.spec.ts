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
  publish,
  repeat,
  seq,
  service,
  traffic,
} from '../model/system.dsl';
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
});
