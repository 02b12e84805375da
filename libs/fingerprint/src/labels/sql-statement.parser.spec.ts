import { parseSqlStatement } from './sql-statement.parser';

describe(parseSqlStatement.name, () => {
  it.each([
    ['SELECT id FROM users WHERE id = $1', 'SELECT', 'users'],
    ['select * from shop.orders o join users u on u.id = o.user_id', 'SELECT', 'shop.orders'],
    ['SELECT * FROM "Shop"."Orders"', 'SELECT', 'Shop.Orders'],
    ['SELECT * FROM `orders`', 'SELECT', 'orders'],
    ['DELETE FROM [dbo].[Carts] WHERE id = 1', 'DELETE', 'dbo.Carts'],
    ['INSERT INTO orders (id) VALUES (?)', 'INSERT', 'orders'],
    ['INSERT IGNORE INTO orders VALUES (1)', 'INSERT', 'orders'],
    ['UPSERT INTO kv (k, v) VALUES (?, ?)', 'UPSERT', 'kv'],
    ['REPLACE INTO kv VALUES (1, 2)', 'REPLACE', 'kv'],
    ['MERGE INTO target t USING source s ON t.id = s.id', 'MERGE', 'target'],
    ['UPDATE ONLY accounts SET balance = 0', 'UPDATE', 'accounts'],
    ['update low_priority accounts set x = 1', 'UPDATE', 'accounts'],
    // a subquery in FROM: the first FROM followed by a name
    ['SELECT c FROM (SELECT c FROM inner_t) x', 'SELECT', 'inner_t'],
    // WITH: the statement after the CTEs decides
    ['WITH recent AS (SELECT * FROM orders) DELETE FROM archive WHERE 1', 'DELETE', 'archive'],
    // comments and string literals are not read as SQL
    ["/* hint */ -- note\nSELECT 'from fake' FROM real_t", 'SELECT', 'real_t'],
    // only a JOIN names a table
    ['SELECT 1 FROM (SELECT 1) x JOIN y ON true', 'SELECT', 'y'],
  ])('%j → %s %s', (sql, operation, table) => {
    expect(parseSqlStatement(sql)).toEqual({ operation, table });
  });

  it.each([
    ['SELECT 1', { operation: 'SELECT' }],
    ['SELECT now()', { operation: 'SELECT' }],
    ['SELECT * FROM $1', { operation: 'SELECT' }],
    ['BEGIN', {}],
    ['{"find": "users"}', {}],
    ['', {}],
    ['WITH x AS (SELECT 1)', {}],
  ])('leaves out what it is not sure about: %j', (sql, expected) => {
    expect(parseSqlStatement(sql)).toEqual(expected);
  });
});
