import { completeFromSpanName, parseDbSpanName } from './db-span-name.parser';

type Attributes = Record<string, string>;

const OLDER: Attributes = { 'db.system': 'mysql' };
const CURRENT: Attributes = { 'db.system.name': 'postgresql' };

describe(parseDbSpanName.name, () => {
  it.each<[string, string, Attributes, object]>([
    // issue 12, point 2: a Java agent of the older conventions, only db.system
    [
      'older conventions, the database prefix',
      'SELECT ts.orders',
      OLDER,
      { operation: 'SELECT', table: 'orders' },
    ],
    [
      'older conventions, a write',
      'INSERT ts.orders',
      OLDER,
      { operation: 'INSERT', table: 'orders' },
    ],
    [
      'the database named in db.name',
      'UPDATE ts.orders',
      { ...OLDER, 'db.name': 'ts', 'db.user': 'root' },
      { operation: 'UPDATE', table: 'orders' },
    ],
    [
      'db.name with a schema-qualified table',
      'SELECT shop.public.orders',
      { 'db.system': 'postgresql', 'db.name': 'shop' },
      { operation: 'SELECT', table: 'public.orders' },
    ],
    [
      'a prefix that is not the database is a schema, kept',
      'SELECT public.orders',
      { 'db.system': 'postgresql', 'db.name': 'shop' },
      { operation: 'SELECT', table: 'public.orders' },
    ],
    [
      'db.namespace (1.2x conventions)',
      'DELETE shop.carts',
      { 'db.system': 'postgresql', 'db.namespace': 'shop' },
      { operation: 'DELETE', table: 'carts' },
    ],
    [
      'the database in another case',
      'SELECT TS.orders',
      { ...OLDER, 'db.name': 'ts' },
      { operation: 'SELECT', table: 'orders' },
    ],
    ['no database prefix', 'SELECT orders', OLDER, { operation: 'SELECT', table: 'orders' }],
    ['a lower-case verb', 'select ts.orders', OLDER, { operation: 'select', table: 'orders' }],
    [
      'current conventions: the target is the collection, kept whole',
      'SELECT public.orders',
      CURRENT,
      { operation: 'SELECT', table: 'public.orders' },
    ],
    [
      'a query summary',
      'INSERT shipping_details SELECT orders',
      CURRENT,
      { operation: 'INSERT', table: 'shipping_details' },
    ],
    [
      'a summary of a join',
      'SELECT songs artists',
      CURRENT,
      { operation: 'SELECT', table: 'songs' },
    ],
    [
      'MongoDB, older conventions',
      'find shop.orders',
      { 'db.system': 'mongodb', 'db.name': 'shop' },
      { operation: 'find', table: 'orders' },
    ],
    [
      'MongoDB, a collection with a dash',
      'aggregate audit-events',
      { 'db.system.name': 'mongodb' },
      { operation: 'aggregate', table: 'audit-events' },
    ],
    [
      'MongoDB findAndModify',
      'findAndModify jobs',
      { 'db.system': 'mongodb' },
      { operation: 'findAndModify', table: 'jobs' },
    ],
    [
      'Cassandra keyspace.table',
      'SELECT shop.carts',
      { 'db.system': 'cassandra' },
      { operation: 'SELECT', table: 'carts' },
    ],
    // the target is the database or the server: an operation, no table
    ['just the database', 'SELECT ts', { ...OLDER, 'db.name': 'ts' }, { operation: 'SELECT' }],
    [
      'just the namespace',
      'SELECT mydb',
      { ...CURRENT, 'db.namespace': 'mydb' },
      { operation: 'SELECT' },
    ],
    [
      'the server',
      'SELECT pg.internal',
      { ...CURRENT, 'server.address': 'pg.internal' },
      { operation: 'SELECT' },
    ],
  ])('%s: %j', (_, name, attributes, expected) => {
    expect(parseDbSpanName(name, attributes)).toEqual(expected);
  });

  it.each<[string, string]>([
    ['just the system', 'postgresql'],
    ['just the operation', 'SELECT'],
    ['just the database', 'mydb'],
    ['just a table', 'orders'],
    ['a dotted instrumentation name', 'pg.query'],
    ['a dotted instrumentation name with a verb', 'pg.query:SELECT'],
    ['the target as server:port', 'SELECT localhost:5432'],
    ['a SQL statement', 'SELECT * FROM orders'],
    ['a SQL statement naming a column first', 'SELECT id FROM orders WHERE id = ?'],
    ['a DELETE statement', 'DELETE FROM orders'],
    ['an INSERT statement', 'INSERT INTO orders'],
    ['an UPDATE statement', 'UPDATE orders SET x = ?'],
    ['a placeholder', 'SELECT $1'],
    ['a number', 'SELECT 1'],
    ['a function call', 'SELECT now()'],
    ['a stored procedure', 'CALL refresh_totals'],
    ['an unknown operation', 'EXECUTE orders'],
    ['a MongoDB command in another case', 'Find orders'],
    ['DynamoDB', 'DynamoDB.Query'],
    ['an HTTP span', 'GET /orders'],
    ['a redis command', 'HGETALL'],
    ['an empty name', ''],
    ['a trailing dot', 'SELECT ts.'],
    ['a keyword as the target', 'SELECT DISTINCT'],
  ])('names no table for %s: %j', (_, name) => {
    const parsed = parseDbSpanName(name, OLDER);
    expect(parsed.table).toBeUndefined();
    expect(parseDbSpanName(name, { ...CURRENT, 'db.namespace': 'mydb' }).table).toBeUndefined();
  });

  it('does not read huge names', () => {
    expect(parseDbSpanName(`SELECT ${'t'.repeat(300)}`, OLDER)).toEqual({});
  });
});

describe(completeFromSpanName.name, () => {
  it('adds what the attributes lack', () => {
    expect(completeFromSpanName('SELECT ts.orders', OLDER, undefined, undefined)).toEqual({
      operation: 'SELECT',
      table: 'orders',
    });
    expect(completeFromSpanName('SELECT ts.orders', OLDER, 'select', undefined)).toEqual({
      operation: 'SELECT',
      table: 'orders',
    });
    expect(completeFromSpanName('SELECT ts.orders', OLDER, undefined, 'orders')).toEqual({
      operation: 'SELECT',
      table: 'orders',
    });
  });

  it('adds nothing when the name disagrees with the attributes', () => {
    expect(completeFromSpanName('INSERT ts.orders', OLDER, 'SELECT', undefined)).toEqual({});
    expect(completeFromSpanName('SELECT ts.orders', OLDER, undefined, 'carts')).toEqual({});
    expect(
      completeFromSpanName('SELECT ts', { ...OLDER, 'db.name': 'ts' }, undefined, 'carts'),
    ).toEqual({});
  });
});
