import {
  cacheKeyTemplate,
  extractDataAccess,
  extractExternalCall,
  extractTopicAccess,
} from './entity.extractor';

describe(extractDataAccess.name, () => {
  it.each([
    [
      'current names',
      {
        'db.system.name': 'postgresql',
        'db.operation.name': 'SELECT',
        'db.collection.name': 'carts',
      },
      {
        entity: { kind: 'table', name: 'carts', system: 'postgresql' },
        type: 'READS',
        operation: 'SELECT',
      },
    ],
    [
      'older names',
      { 'db.system': 'mysql', 'db.operation': 'INSERT', 'db.sql.table': 'payments' },
      {
        entity: { kind: 'table', name: 'payments', system: 'mysql' },
        type: 'WRITES',
        operation: 'INSERT',
      },
    ],
    [
      'older MongoDB names',
      { 'db.system': 'mongodb', 'db.operation': 'find', 'db.mongodb.collection': 'fraud_signals' },
      {
        entity: { kind: 'collection', name: 'fraud_signals', system: 'mongodb' },
        type: 'READS',
        operation: 'find',
      },
    ],
    [
      'only an SQL statement',
      {
        'db.system': 'mysql',
        'db.statement': 'UPDATE gift_cards SET balance = balance - ? WHERE code = ?',
      },
      {
        entity: { kind: 'table', name: 'gift_cards', system: 'mysql' },
        type: 'WRITES',
        operation: 'UPDATE',
      },
    ],
    [
      'only query text, lower case, with a schema',
      {
        'db.system.name': 'postgresql',
        'db.query.text': 'select id from shop.orders where id = $1',
      },
      {
        entity: { kind: 'table', name: 'shop.orders', system: 'postgresql' },
        type: 'READS',
        operation: 'SELECT',
      },
    ],
    [
      'a statement with FROM inside a function call (issue 13)',
      {
        'db.system': 'postgresql',
        'db.statement':
          'select extract(year from o1_0.created_at),count(o1_0.id) from orders o1_0 group by 1',
      },
      {
        entity: { kind: 'table', name: 'orders', system: 'postgresql' },
        type: 'READS',
        operation: 'SELECT',
      },
    ],
    [
      'only a MongoDB command',
      { 'db.system.name': 'mongodb', 'db.query.text': '{"insert":"events","documents":"?"}' },
      {
        entity: { kind: 'collection', name: 'events', system: 'mongodb' },
        type: 'WRITES',
        operation: 'insert',
      },
    ],
    [
      'a cache read, current names',
      {
        'db.system.name': 'redis',
        'db.operation.name': 'GET',
        'db.query.text': 'GET cart:3f2a9c1e-7c1e-4b8e-9a0d-1234567890ab',
      },
      {
        entity: { kind: 'cache-prefix', name: 'cart:{id}', system: 'redis' },
        type: 'READS',
        operation: 'GET',
      },
    ],
    [
      'a cache write, older names',
      { 'db.system': 'redis', 'db.statement': 'SET email-sent:48213 1 EX 86400' },
      {
        entity: { kind: 'cache-prefix', name: 'email-sent:{id}', system: 'redis' },
        type: 'WRITES',
        operation: 'SET',
      },
    ],
  ])('reads %s', (_, attributes, expected) => {
    expect(extractDataAccess(attributes)).toEqual(expected);
  });

  it.each([
    ['no database', { 'http.request.method': 'GET' }],
    ['no table', { 'db.system': 'postgresql', 'db.statement': 'COMMIT' }],
    ['a keyless command', { 'db.system': 'redis', 'db.statement': 'PING' }],
    ['a secret', { 'db.system': 'redis', 'db.statement': 'AUTH hunter2' }],
    // issue 13, point 5: a column after FROM inside EXTRACT(…) is not a table
    [
      'a statement without a table',
      { 'db.system': 'postgresql', 'db.statement': 'SELECT EXTRACT(EPOCH FROM now())' },
    ],
  ])('names nothing for %s', (_, attributes) => {
    expect(extractDataAccess(attributes)).toBeUndefined();
  });
});

describe(`${extractDataAccess.name} with the span name`, () => {
  it.each<[string, Record<string, string>, string, object]>([
    [
      'only db.system, a read (issue 12)',
      { 'db.system': 'mysql' },
      'SELECT ts.orders',
      {
        entity: { kind: 'table', name: 'orders', system: 'mysql' },
        type: 'READS',
        operation: 'SELECT',
      },
    ],
    [
      'only db.system, a write',
      { 'db.system': 'mysql' },
      'INSERT ts.orders',
      {
        entity: { kind: 'table', name: 'orders', system: 'mysql' },
        type: 'WRITES',
        operation: 'INSERT',
      },
    ],
    [
      'db.name is the prefix, other connection attributes',
      {
        'db.system': 'mysql',
        'db.name': 'ts',
        'db.user': 'root',
        'db.connection_string': 'mysql://ts-mysql:3306',
      },
      'delete ts.orders',
      {
        entity: { kind: 'table', name: 'orders', system: 'mysql' },
        type: 'WRITES',
        operation: 'DELETE',
      },
    ],
    [
      'a schema kept as db.sql.table keeps it',
      { 'db.system': 'postgresql', 'db.name': 'shop' },
      'SELECT shop.public.orders',
      {
        entity: { kind: 'table', name: 'public.orders', system: 'postgresql' },
        type: 'READS',
        operation: 'SELECT',
      },
    ],
    [
      'a MongoDB command',
      { 'db.system': 'mongodb', 'db.name': 'shop' },
      'insert shop.events',
      {
        entity: { kind: 'collection', name: 'events', system: 'mongodb' },
        type: 'WRITES',
        operation: 'insert',
      },
    ],
    [
      'the query summary',
      { 'db.system.name': 'postgresql', 'db.query.summary': 'UPDATE accounts' },
      'anything',
      {
        entity: { kind: 'table', name: 'accounts', system: 'postgresql' },
        type: 'WRITES',
        operation: 'UPDATE',
      },
    ],
    [
      'the operation from the attributes, the table from the name',
      { 'db.system': 'mysql', 'db.operation': 'select' },
      'SELECT ts.orders',
      {
        entity: { kind: 'table', name: 'orders', system: 'mysql' },
        type: 'READS',
        operation: 'SELECT',
      },
    ],
    [
      'a statement that names no table, completed by the name',
      { 'db.system': 'mysql', 'db.statement': 'SELECT * FROM generate_series(1, 3)' },
      'SELECT ts.orders',
      {
        entity: { kind: 'table', name: 'orders', system: 'mysql' },
        type: 'READS',
        operation: 'SELECT',
      },
    ],
    [
      'attributes win over the name',
      { 'db.system': 'mysql', 'db.operation': 'SELECT', 'db.sql.table': 'carts' },
      'SELECT ts.orders',
      {
        entity: { kind: 'table', name: 'carts', system: 'mysql' },
        type: 'READS',
        operation: 'SELECT',
      },
    ],
  ])('reads %s', (_, attributes, name, expected) => {
    expect(extractDataAccess(attributes, name)).toEqual(expected);
  });

  it.each<[string, Record<string, string>, string]>([
    ['just the system', { 'db.system': 'postgresql' }, 'postgresql'],
    ['just the operation', { 'db.system': 'postgresql' }, 'SELECT'],
    ['just the database', { 'db.system': 'postgresql', 'db.name': 'mydb' }, 'mydb'],
    [
      'the operation on the database',
      { 'db.system': 'postgresql', 'db.name': 'mydb' },
      'SELECT mydb',
    ],
    ['a statement as the name', { 'db.system': 'postgresql' }, 'SELECT * FROM orders'],
    ['an instrumentation name', { 'db.system': 'postgresql' }, 'pg.query:SELECT'],
    [
      'a name that disagrees',
      { 'db.system': 'mysql', 'db.operation': 'DELETE' },
      'SELECT ts.orders',
    ],
    ['no database system', { 'db.name': 'ts' }, 'SELECT ts.orders'],
    ['a cache', { 'db.system': 'redis' }, 'GET user:1'],
  ])('names nothing for %s', (_, attributes, name) => {
    expect(extractDataAccess(attributes, name)).toBeUndefined();
  });
});

describe(cacheKeyTemplate.name, () => {
  it.each([
    ['cart:3f2a9c1e-7c1e-4b8e-9a0d-1234567890ab', 'cart:{id}'],
    ['user:42:profile', 'user:{id}'],
    ['session:abcdef0123456789abcdef', 'session:{id}'],
    ['config', 'config'],
    ['rate-limit:tenant:7', 'rate-limit:tenant:{id}'],
  ])('%s → %s', (key, template) => {
    expect(cacheKeyTemplate(key)).toBe(template);
  });
});

describe(extractTopicAccess.name, () => {
  it('reads producers and consumers of both generations', () => {
    expect(
      extractTopicAccess(4, {
        'messaging.system': 'kafka',
        'messaging.destination.name': 'order.placed',
      }),
    ).toEqual({
      entity: { kind: 'topic', name: 'order.placed', system: 'kafka' },
      type: 'PUBLISHES',
    });
    expect(
      extractTopicAccess(5, { 'messaging.system': 'rabbitmq', 'messaging.destination': 'orders' }),
    ).toEqual({ entity: { kind: 'topic', name: 'orders', system: 'rabbitmq' }, type: 'CONSUMES' });
  });

  it('reads the operation when the kind does not say', () => {
    expect(
      extractTopicAccess(3, {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'send',
        'messaging.destination.name': 'audit',
      })?.type,
    ).toBe('PUBLISHES');
    expect(
      extractTopicAccess(3, {
        'messaging.system': 'aws_sqs',
        'messaging.operation.type': 'receive',
        'messaging.destination.name': 'jobs',
      })?.type,
    ).toBe('CONSUMES');
    expect(
      extractTopicAccess(1, { 'messaging.system': 'kafka', 'messaging.destination.name': 'x' }),
    ).toBeUndefined();
  });

  it('names per-entity and temporary destinations as clustering does', () => {
    expect(
      extractTopicAccess(4, {
        'messaging.system': 'rabbitmq',
        'messaging.destination.name': 'replies.42',
      })?.entity.name,
    ).toBe('replies.{id}');
    expect(
      extractTopicAccess(4, {
        'messaging.system': 'rabbitmq',
        'messaging.destination.name': 'amq.gen-Xa2',
        'messaging.destination.temporary': 'true',
      })?.entity.name,
    ).toBe('(temporary)');
  });
});

describe(extractExternalCall.name, () => {
  it('names an HTTP API by host, method and normalised path', () => {
    expect(
      extractExternalCall({
        'http.request.method': 'POST',
        'server.address': 'api.stripe.example',
        'url.full': 'https://api.stripe.example/v1/charges/ch_3MqBfL2eZvKYlo2C?expand=x',
      }),
    ).toEqual({
      entity: { kind: 'external-api', name: 'api.stripe.example', system: 'https' },
      method: 'POST',
      route: '/v1/charges/{id}',
    });
  });

  it('reads older names and prefers a host name to an IP address', () => {
    expect(
      extractExternalCall({
        'http.method': 'post',
        'net.peer.name': '10.0.3.17',
        'http.url': 'https://api.mailer.example:8443/v3/mail/send',
      }),
    ).toEqual({
      entity: { kind: 'external-api', name: 'api.mailer.example', system: 'https' },
      method: 'POST',
      route: '/v3/mail/send',
    });
  });

  it('names a gRPC API by host and service/method', () => {
    expect(
      extractExternalCall({
        'rpc.system': 'grpc',
        'rpc.service': 'maps.Geocoder',
        'rpc.method': 'Lookup',
        'server.address': 'maps.example',
      }),
    ).toEqual({
      entity: { kind: 'external-api', name: 'maps.example', system: 'grpc' },
      method: 'Lookup',
      route: 'maps.Geocoder/Lookup',
    });
  });

  it('names nothing without a method or a host', () => {
    expect(extractExternalCall({ 'url.full': 'https://x.example/' })).toBeUndefined();
    expect(extractExternalCall({ 'http.request.method': 'GET', 'url.path': '/x' })).toBeUndefined();
  });
});
