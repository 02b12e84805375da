import type { SpanFacts } from '../trace.model';
import { keyPrefix, semanticKey } from './semantic-key.builder';
import { kindName, labelIsInbound, labelService, spanLabel } from './span-label.builder';

const CLIENT = 3;
const SERVER = 2;
const PRODUCER = 4;

function facts(attributes: Record<string, string>, over: Partial<SpanFacts> = {}): SpanFacts {
  return { name: 'op', kind: CLIENT, serviceName: 'svc', parentSpanId: 'p', attributes, ...over };
}

describe(spanLabel.name, () => {
  it('is service|kind|normalised operation|semantic key', () => {
    const label = spanLabel(
      facts(
        { 'db.system.name': 'postgresql', 'db.query.text': 'SELECT * FROM orders WHERE id = 7' },
        { name: 'SELECT * FROM orders WHERE id = 7', serviceName: 'checkout' },
      ),
    );
    expect(label).toBe(
      'checkout|client|SELECT * FROM orders WHERE id = ?|db postgresql SELECT orders',
    );
  });

  it('never lets | or control characters into a part', () => {
    const label = spanLabel(facts({}, { serviceName: 'a|b', name: 'x\ty|z' }));
    expect(label.split('|')).toEqual(['a/b', 'client', 'x y/z', '']);
  });

  it('gives the same label to the same call with different ids', () => {
    const a = facts(
      {
        'http.request.method': 'GET',
        'url.full': 'http://cart/carts/1?x=1',
        'server.address': 'cart',
      },
      { name: 'GET /carts/1' },
    );
    const b = facts(
      {
        'http.request.method': 'GET',
        'url.full': 'http://cart/carts/550e8400-e29b-41d4-a716-446655440000',
        'server.address': 'cart',
      },
      { name: 'GET /carts/550e8400-e29b-41d4-a716-446655440000' },
    );
    expect(spanLabel(a)).toBe(spanLabel(b));
  });

  it('reads the table from a database span name when the attributes have none (issue 12)', () => {
    // a Java agent of the older conventions: db.system (and db.name, db.user), no statement,
    // no db.operation, no db.sql.table
    const nameOnly = facts(
      { 'db.system': 'mysql', 'db.name': 'ts', 'db.user': 'root' },
      { name: 'SELECT ts.orders', serviceName: 'ts-order-service' },
    );
    expect(spanLabel(nameOnly)).toBe(
      'ts-order-service|client|SELECT ts.orders|db mysql SELECT orders',
    );
    // the same call with the attributes: the same semantic key
    const withAttributes = facts(
      { 'db.system': 'mysql', 'db.name': 'ts', 'db.operation': 'SELECT', 'db.sql.table': 'orders' },
      { name: 'SELECT ts.orders', serviceName: 'ts-order-service' },
    );
    expect(spanLabel(withAttributes)).toBe(spanLabel(nameOnly));
    expect(spanLabel(facts({ 'db.system': 'mysql' }, { name: 'INSERT ts.orders' }))).toBe(
      'svc|client|INSERT ts.orders|db mysql INSERT orders',
    );
    // not {operation} {target}: no table invented
    for (const name of ['postgresql', 'SELECT', 'mydb']) {
      expect(spanLabel(facts({ 'db.system': 'postgresql' }, { name }))).toBe(
        `svc|client|${name}|db postgresql`,
      );
    }
  });

  it('splits back into service and kind', () => {
    const label = spanLabel(facts({}, { serviceName: 'billing', kind: 5 }));
    expect(labelService(label)).toBe('billing');
    expect(labelIsInbound(label)).toBe(true);
    expect(labelIsInbound(spanLabel(facts({}, { kind: PRODUCER })))).toBe(false);
    expect(kindName(0)).toBe('unspecified');
    expect(kindName(9)).toBe('kind9');
  });
});

describe(semanticKey.name, () => {
  describe('database', () => {
    it.each([
      [
        'current names',
        {
          'db.system.name': 'postgresql',
          'db.operation.name': 'SELECT',
          'db.collection.name': 'orders',
        },
        'db postgresql SELECT orders',
      ],
      [
        'older names',
        { 'db.system': 'mysql', 'db.operation': 'SELECT', 'db.sql.table': 'orders' },
        'db mysql SELECT orders',
      ],
      [
        'MongoDB collection',
        { 'db.system': 'mongodb', 'db.operation': 'find', 'db.mongodb.collection': 'users' },
        'db mongodb find users',
      ],
      [
        'Cosmos DB container',
        { 'db.system': 'cosmosdb', 'db.operation': 'Query', 'db.cosmosdb.container': 'items' },
        'db cosmosdb Query items',
      ],
      [
        'DynamoDB table list',
        {
          'db.system': 'dynamodb',
          'db.operation': 'GetItem',
          'aws.dynamodb.table_names': '["carts"]',
        },
        'db dynamodb GetItem carts',
      ],
      [
        'parsed from db.query.text',
        {
          'db.system.name': 'postgresql',
          'db.query.text': 'UPDATE accounts SET b = 1 WHERE id = 9',
        },
        'db postgresql UPDATE accounts',
      ],
      [
        'parsed from db.statement',
        { 'db.system': 'mssql', 'db.statement': 'DELETE FROM [dbo].[carts] WHERE id = 3' },
        'db mssql DELETE dbo.carts',
      ],
      [
        'an attribute wins over the parse',
        {
          'db.system': 'postgresql',
          'db.sql.table': 'v_orders',
          'db.statement': 'SELECT * FROM t',
        },
        'db postgresql SELECT v_orders',
      ],
      [
        'the query summary when nothing else is known',
        { 'db.system.name': 'postgresql', 'db.query.summary': 'SELECT orders' },
        'db postgresql SELECT orders',
      ],
      [
        'a statement it cannot parse',
        { 'db.system': 'mongodb', 'db.statement': '{"find":"users","filter":{"_id":"1"}}' },
        'db mongodb',
      ],
    ])('%s', (_, attributes, expected) => {
      expect(semanticKey(attributes, CLIENT)).toBe(expected);
    });

    it.each<[string, Record<string, string>, string, string]>([
      [
        'only db.system, a read',
        { 'db.system': 'mysql' },
        'SELECT ts.orders',
        'db mysql SELECT orders',
      ],
      [
        'only db.system, a write',
        { 'db.system': 'mysql' },
        'INSERT ts.orders',
        'db mysql INSERT orders',
      ],
      [
        'db.name is the prefix',
        { 'db.system': 'mysql', 'db.name': 'ts', 'db.connection_string': 'mysql://ts-mysql:3306' },
        'UPDATE ts.orders',
        'db mysql UPDATE orders',
      ],
      [
        'a schema that is not the database is kept, as db.sql.table keeps it',
        { 'db.system': 'postgresql', 'db.name': 'shop' },
        'SELECT public.orders',
        'db postgresql SELECT public.orders',
      ],
      [
        'current conventions keep the target whole',
        { 'db.system.name': 'postgresql' },
        'SELECT shop.orders',
        'db postgresql SELECT shop.orders',
      ],
      [
        'MongoDB',
        { 'db.system': 'mongodb', 'db.name': 'shop' },
        'find shop.orders',
        'db mongodb find orders',
      ],
      [
        'the operation from the attributes, the table from the name',
        { 'db.system': 'mysql', 'db.operation': 'SELECT' },
        'SELECT ts.orders',
        'db mysql SELECT orders',
      ],
      [
        'the table from the attributes, the operation from the name',
        { 'db.system': 'mysql', 'db.sql.table': 'orders' },
        'SELECT ts.orders',
        'db mysql SELECT orders',
      ],
      [
        'a statement wins over the name',
        { 'db.system': 'mysql', 'db.statement': 'SELECT * FROM carts' },
        'SELECT ts.orders',
        'db mysql SELECT carts',
      ],
      [
        'the query summary wins over the name',
        { 'db.system.name': 'postgresql', 'db.query.summary': 'SELECT songs artists' },
        'SELECT songs artists',
        'db postgresql SELECT songs artists',
      ],
      [
        'the query summary completes a known operation, in place of the name',
        {
          'db.system.name': 'postgresql',
          'db.operation.name': 'SELECT',
          'db.query.summary': 'SELECT orders',
        },
        'SELECT carts',
        'db postgresql SELECT orders',
      ],
      [
        'a name that disagrees with the attributes is ignored',
        { 'db.system': 'mysql', 'db.operation': 'DELETE' },
        'SELECT ts.orders',
        'db mysql DELETE',
      ],
      [
        'just the database',
        { 'db.system': 'mysql', 'db.name': 'ts' },
        'SELECT ts',
        'db mysql SELECT',
      ],
      ['just the system', { 'db.system': 'postgresql' }, 'postgresql', 'db postgresql'],
      ['just the operation', { 'db.system': 'postgresql' }, 'SELECT', 'db postgresql'],
      ['just the database name', { 'db.system': 'postgresql' }, 'mydb', 'db postgresql'],
      [
        'a statement as the name',
        { 'db.system': 'postgresql' },
        'SELECT * FROM t',
        'db postgresql',
      ],
    ])('from the span name when the attributes lack it: %s', (_, attributes, name, expected) => {
      expect(semanticKey(attributes, CLIENT, name)).toBe(expected);
    });

    it('reads attributes only when no name is given (callers without the span name)', () => {
      expect(semanticKey({ 'db.system': 'mysql' }, CLIENT)).toBe('db mysql');
    });
  });

  describe('cache', () => {
    it.each([
      [{ 'db.system.name': 'redis', 'db.query.text': 'GET user:42' }, 'cache redis GET user:*'],
      [
        {
          'db.system': 'redis',
          'db.operation': 'hgetall',
          'db.statement': 'hgetall session:ab12cd',
        },
        'cache redis HGETALL session:*',
      ],
      [{ 'db.system': 'redis', 'db.statement': 'SET config ?' }, 'cache redis SET config'],
      [{ 'db.system': 'redis', 'db.statement': 'AUTH s3cr3t-password' }, 'cache redis AUTH'],
      [{ 'db.system': 'redis', 'db.statement': 'PING' }, 'cache redis PING'],
      [
        { 'db.system': 'memcached', 'db.statement': 'get cart:9:items' },
        'cache memcached GET cart:*',
      ],
      [{ 'db.system': 'redis', 'db.operation': 'GET' }, 'cache redis GET'],
    ])('%j → %s', (attributes, expected) => {
      expect(semanticKey(attributes, CLIENT)).toBe(expected);
    });

    it.each([
      ['user:42:profile', 'user:*'],
      ['config', 'config'],
      ['feature-flags.checkout', 'feature-flags.checkout'],
      ['a1b2', '*'],
      ['rate/limit/10.0.0.1', 'rate/limit/*'],
    ])('keyPrefix(%s) → %s', (key, expected) => {
      expect(keyPrefix(key)).toBe(expected);
    });
  });

  describe('messaging', () => {
    it.each([
      [
        'current names',
        {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'send',
          'messaging.destination.name': 'orders',
          'messaging.kafka.destination.partition': '3',
        },
        'msg kafka send orders',
      ],
      [
        'older names',
        {
          'messaging.system': 'rabbitmq',
          'messaging.operation': 'publish',
          'messaging.destination': 'jobs',
        },
        'msg rabbitmq publish jobs',
      ],
      [
        'a template wins over a name with ids',
        {
          'messaging.system': 'jms',
          'messaging.destination.template': '/customers/{customerId}',
          'messaging.destination.name': '/customers/8812',
        },
        'msg jms /customers/{customerId}',
      ],
      [
        'ids in a name',
        {
          'messaging.system': 'aws_sqs',
          'messaging.destination.name': 'replies.550e8400-e29b-41d4-a716-446655440000',
        },
        'msg aws_sqs replies.{id}',
      ],
      [
        'temporary destinations',
        {
          'messaging.system': 'rabbitmq',
          'messaging.destination.name': 'amq.gen-JzTY20BRgKO-HjmUJj0wLg',
          'messaging.destination.temporary': 'true',
        },
        'msg rabbitmq (temporary)',
      ],
    ])('%s', (_, attributes, expected) => {
      expect(semanticKey(attributes, PRODUCER)).toBe(expected);
    });
  });

  describe('HTTP', () => {
    it.each([
      [
        'client, current names',
        {
          'http.request.method': 'GET',
          'server.address': 'cart',
          'url.full': 'http://cart:8080/carts/42?x',
        },
        'http GET cart /carts/{id}',
      ],
      [
        'client, older names',
        {
          'http.method': 'post',
          'net.peer.name': 'api.stripe.com',
          'http.url': 'https://api.stripe.com/v1/charges/ch_3MqBfL2eZvKYlo2C0Xa7dPWn',
        },
        'http POST api.stripe.com /v1/charges/{id}',
      ],
      [
        'client, url.template',
        {
          'http.request.method': 'GET',
          'server.address': 'cart',
          'url.template': '/carts/{cartId}',
          'url.full': 'http://cart/carts/1',
        },
        'http GET cart /carts/{cartId}',
      ],
      [
        'client, an IP address gives way to peer.service',
        {
          'http.request.method': 'GET',
          'server.address': '10.0.3.17',
          'peer.service': 'inventory',
          'url.full': 'http://10.0.3.17/items/9',
        },
        'http GET inventory /items/{id}',
      ],
      [
        'client, only an IP address',
        { 'http.method': 'GET', 'net.peer.name': '10.0.3.17', 'http.target': '/items/9' },
        'http GET {ip} /items/{id}',
      ],
      [
        'client, http.host with a port',
        {
          'http.method': 'GET',
          'http.host': 'search.internal:9200',
          'http.target': '/idx/_search?q=1',
        },
        'http GET search.internal /idx/_search',
      ],
      [
        'client, host from the URL',
        { 'http.method': 'GET', 'http.url': 'https://maps.example.com/geo/52.5,13.4' },
        'http GET maps.example.com /geo/{id}',
      ],
    ])('%s', (_, attributes, expected) => {
      expect(semanticKey(attributes, CLIENT)).toBe(expected);
    });

    it.each([
      [
        'route',
        { 'http.request.method': 'GET', 'http.route': '/users/:id', 'url.path': '/users/1' },
        'http GET /users/:id',
      ],
      ['old target', { 'http.method': 'GET', 'http.target': '/users/1?x' }, 'http GET /users/{id}'],
      [
        'url.path',
        { 'http.request.method': 'DELETE', 'url.path': '/users/1' },
        'http DELETE /users/{id}',
      ],
    ])('server, %s', (_, attributes, expected) => {
      expect(semanticKey(attributes, SERVER)).toBe(expected);
    });
  });

  it('RPC', () => {
    expect(
      semanticKey(
        { 'rpc.system': 'grpc', 'rpc.service': 'shop.Cart', 'rpc.method': 'Get' },
        CLIENT,
      ),
    ).toBe('rpc grpc shop.Cart/Get');
    expect(semanticKey({ 'rpc.system': 'grpc', 'rpc.method': 'shop.Cart/Get' }, CLIENT)).toBe(
      'rpc grpc shop.Cart/Get',
    );
    // gRPC spans carry HTTP attributes too: RPC wins.
    expect(
      semanticKey(
        { 'rpc.system': 'grpc', 'rpc.service': 'S', 'rpc.method': 'M', 'http.method': 'POST' },
        CLIENT,
      ),
    ).toBe('rpc grpc S/M');
  });

  it('GraphQL', () => {
    expect(
      semanticKey({ 'graphql.operation.type': 'query', 'graphql.operation.name': 'GetCart' }, 1),
    ).toBe('graphql query GetCart');
    expect(semanticKey({ 'graphql.operation.type': 'mutation' }, 1)).toBe('graphql mutation');
  });

  it('is empty without known attributes', () => {
    expect(semanticKey({ 'user.id': '42' }, 1)).toBe('');
  });
});
