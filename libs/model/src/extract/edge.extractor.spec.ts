import {
  bankSystem,
  checkoutSystem,
  deliverySystem,
  generateTraces,
  potatoSystem,
} from '@t2t/examples';
import { toModelSpan } from '../../test/behaviour-evidence.fixture';
import { CLIENT, SERVER, trace, type SpanSpec } from '../../test/synthetic-trace.fixture';
import { buildSystemModel } from '../build/system-model.builder';
import type { ModelTrace } from '../model.types';
import { extractDataAccess } from './entity.extractor';
import { analyseTrace } from './trace.analyzer';

/**
 * Issue 12, point 2: database spans of a Java agent on the older conventions carry `db.system`
 * (and maybe `db.name`, `db.user`, `db.connection_string`) and a name like `SELECT ts.orders`,
 * but no statement, no `db.operation` and no `db.sql.table`. The table is read from the name.
 */
const ENDPOINT = 'ts-order-service|HTTP POST /api/v1/orderservice/order';

function dbSpan(
  id: string,
  name: string,
  attributes: Record<string, string>,
  at: number,
): SpanSpec {
  return { id, parent: 's', service: 'ts-order-service', name, kind: CLIENT, at, attributes };
}

const nameOnly = trace('t1', [
  {
    id: 's',
    service: 'ts-order-service',
    name: 'POST /api/v1/orderservice/order',
    kind: SERVER,
    duration: 100,
    attributes: { 'http.method': 'POST', 'http.route': '/api/v1/orderservice/order' },
  },
  dbSpan('d1', 'SELECT ts.orders', { 'db.system': 'mysql' }, 1),
  dbSpan('d2', 'INSERT ts.orders', { 'db.system': 'mysql' }, 10),
  dbSpan(
    'd3',
    'UPDATE ts.orders',
    {
      'db.system': 'mysql',
      'db.name': 'ts',
      'db.user': 'root',
      'db.connection_string': 'mysql://ts-order-mysql:3306',
    },
    20,
  ),
  // names that are not {operation} {target}: no table invented
  dbSpan('n1', 'mysql', { 'db.system': 'mysql' }, 30),
  dbSpan('n2', 'SELECT', { 'db.system': 'mysql' }, 31),
  dbSpan('n3', 'ts', { 'db.system': 'mysql', 'db.name': 'ts' }, 32),
  dbSpan('n4', 'SELECT ts', { 'db.system': 'mysql', 'db.name': 'ts' }, 33),
]);

describe('READS / WRITES edges from database span names', () => {
  const analysed = analyseTrace(nameOnly, ENDPOINT);

  it('gives the table in the name, without its database, with the operation', () => {
    expect(analysed.edges.map((e) => [e.id, e.source.span.spanId])).toEqual([
      ['READS ts-order-service -> table orders (SELECT)', 'd1'],
      ['WRITES ts-order-service -> table orders (INSERT)', 'd2'],
      ['WRITES ts-order-service -> table orders (UPDATE)', 'd3'],
    ]);
    for (const e of analysed.edges) {
      expect(e.entity).toEqual({ kind: 'table', name: 'orders', system: 'mysql' });
      expect(e.at?.endpoint).toBe(ENDPOINT);
    }
  });

  it('gives the model the same entity and edges as spans that name the table in attributes', () => {
    // the same trace from an agent that sends the structured attributes too
    const withAttributes: ModelTrace = {
      traceId: 't2',
      spans: nameOnly.spans.slice(0, 4).map((s) =>
        s.kind !== CLIENT
          ? s
          : {
              ...s,
              traceId: 't2',
              attributes: {
                'db.system': 'mysql',
                'db.name': 'ts',
                'db.operation': s.name.split(' ')[0],
                'db.sql.table': 'orders',
              },
            },
      ),
    };
    const model = (t: ModelTrace) =>
      buildSystemModel([
        {
          endpoint: ENDPOINT,
          fingerprint: 'f',
          traces: 1,
          errors: 0,
          p50Us: 1,
          p95Us: 1,
          representative: t,
          samples: [t],
        },
      ]);
    const fromNames = model(nameOnly);
    const fromAttributes = model(withAttributes);
    expect(fromNames.entities).toEqual([{ kind: 'table', name: 'orders', system: 'mysql' }]);
    expect(fromNames.entities).toEqual(fromAttributes.entities);
    expect(fromNames.edges).toEqual(fromAttributes.edges);
    expect(
      fromNames.edges.map((e) => `${e.type} ${e.to} ${'operation' in e ? e.operation : ''}`),
    ).toEqual(['READS orders SELECT', 'WRITES orders INSERT', 'WRITES orders UPDATE']);
  });
});

describe("libs/examples' database spans", () => {
  // Every database span the example systems emit names its table in attributes AND in its name
  // (`SELECT shop.carts` with db.name `shop` and db.sql.table `carts` on the older conventions,
  // `SELECT carts` on the current ones). Without the attributes, the name alone must give the
  // same entity, operation and edge type, so ground-truth comparisons hold either way.
  const STRUCTURED = [
    'db.operation',
    'db.operation.name',
    'db.sql.table',
    'db.collection.name',
    'db.mongodb.collection',
    'db.statement',
    'db.query.text',
  ];
  const DATABASE = ['db.name', 'db.namespace'];

  function without(attributes: Record<string, string>, keys: string[]): Record<string, string> {
    return Object.fromEntries(Object.entries(attributes).filter(([k]) => !keys.includes(k)));
  }

  it.each([
    ['potato', potatoSystem],
    ['checkout', checkoutSystem],
    ['delivery', deliverySystem],
    ['bank', bankSystem],
  ])('%s: the span name gives what the attributes give', (_, system) => {
    const spans = generateTraces(system, { seed: 7, traces: 200 })
      .flatMap((t) => t.spans)
      .map(toModelSpan);
    const compared = { older: 0, current: 0, ambiguous: 0 };
    for (const span of spans) {
      const full = extractDataAccess(span.attributes, span.name);
      if (full === undefined || full.entity.kind === 'cache-prefix') continue;
      // the attributes alone give it: the name never changes what they say
      expect(extractDataAccess(span.attributes)).toEqual(full);
      const current = 'db.system.name' in span.attributes;
      // the name alone, without the database attribute too
      const bare = without(span.attributes, [...STRUCTURED, ...DATABASE]);
      expect({ name: span.name, access: extractDataAccess(bare, span.name) }).toEqual({
        name: span.name,
        access: full,
      });
      // the name with the database attribute: on the older conventions the target is
      // {db.name}.{table}; on the current ones a target equal to db.namespace is the database
      // (the conventions' fallback target when the collection is unknown), so a table named
      // like its database is not read from the name then
      const named = extractDataAccess(without(span.attributes, STRUCTURED), span.name);
      if (current && span.attributes['db.namespace'] === full.entity.name) {
        expect(named).toBeUndefined();
        compared.ambiguous++;
      } else {
        expect({ name: span.name, access: named }).toEqual({ name: span.name, access: full });
        compared[current ? 'current' : 'older']++;
      }
    }
    expect(compared.older).toBeGreaterThan(0);
    if (system === checkoutSystem) expect(compared.current).toBeGreaterThan(0);
  });
});
