import {
  MAX_OPERATION_LENGTH,
  normalizeOperation,
  normalizeSqlText,
} from './operation-name.normalizer';

describe(normalizeOperation.name, () => {
  it.each([
    // path-like parts are normalised like URL paths
    ['GET /users/123', 'GET /users/{id}'],
    ['GET /users/:id', 'GET /users/:id'],
    ['HTTP GET', 'HTTP GET'],
    ['GET https://api.example.com/users/42?x=1', 'GET https://api.example.com/users/{id}'],
    ['GET http://10.0.0.7:8080/health', 'GET http://{ip}/health'],
    ['shop.Cart/GetCart', 'shop.Cart/GetCart'],
    // words that are ids, and id parts of key-like words
    ['process order 8812', 'process order {id}'],
    ['get user:42:profile', 'get user:{id}:profile'],
    ['load id=550e8400-e29b-41d4-a716-446655440000', 'load id={id}'],
    ['nightly report 2024-01-15', 'nightly report {id}'],
    // names without ids are returned as they are
    ['orders publish', 'orders publish'],
    ['SELECT shop.orders', 'SELECT shop.orders'],
    ['redis-GET', 'redis-GET'],
    // whitespace collapses (a label is one line)
    ['  send\n\torders  ', 'send orders'],
    ['', ''],
    // SQL text as a span name: literals out, lists folded
    ['SELECT * FROM t WHERE id = 42', 'SELECT * FROM t WHERE id = ?'],
    [
      "select name from users where email = 'a@b.c' and age > 30",
      'select name from users where email = ? and age > ?',
    ],
    ['SELECT * FROM t WHERE id IN (1, 2, 3)', 'SELECT * FROM t WHERE id IN (?)'],
    ['INSERT INTO t (a, b) VALUES (1, 2), (3, 4)', 'INSERT INTO t (a, b) VALUES (?)'],
    ['SELECT * FROM t1 WHERE c_2 = $1', 'SELECT * FROM t1 WHERE c_2 = $1'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeOperation(input)).toBe(expected);
  });

  it('cuts very long names', () => {
    const long = 'SELECT ' + 'a, '.repeat(200) + 'b FROM t';
    const out = normalizeOperation(long);
    expect(out.length).toBe(MAX_OPERATION_LENGTH + 1);
    expect(out.endsWith('…')).toBe(true);
  });

  it('keeps quoted identifiers and escaped quotes apart from values', () => {
    expect(normalizeSqlText(`UPDATE "t" SET v = 'it''s' WHERE x = 0x1F`)).toBe(
      'UPDATE "t" SET v = ? WHERE x = ?',
    );
  });
});
