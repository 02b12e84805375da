import { parseSqlStatement } from './sql-statement.parser';

/** [statement, operation, table]: `table` undefined when the statement names none. */
type Case = [sql: string, operation: string | undefined, table: string | undefined];

function expected(operation: string | undefined, table: string | undefined) {
  if (operation === undefined) return {};
  return table === undefined ? { operation } : { operation, table };
}

describe(parseSqlStatement.name, () => {
  describe.each<[string, Case[]]>([
    [
      'plain statements, every verb',
      [
        ['SELECT id FROM users WHERE id = $1', 'SELECT', 'users'],
        ['select * from shop.orders o join users u on u.id = o.user_id', 'SELECT', 'shop.orders'],
        ['INSERT INTO orders (id) VALUES (?)', 'INSERT', 'orders'],
        ['INSERT IGNORE INTO orders VALUES (1)', 'INSERT', 'orders'],
        ['UPSERT INTO kv (k, v) VALUES (?, ?)', 'UPSERT', 'kv'],
        ['REPLACE INTO kv VALUES (1, 2)', 'REPLACE', 'kv'],
        ['MERGE INTO target t USING source s ON t.id = s.id', 'MERGE', 'target'],
        ['UPDATE ONLY accounts SET balance = 0', 'UPDATE', 'accounts'],
        ['update low_priority accounts set x = 1', 'UPDATE', 'accounts'],
        ['DELETE FROM sessions WHERE expires_at < now()', 'DELETE', 'sessions'],
      ],
    ],
    [
      'FROM, IN and AS inside function parentheses are not clauses',
      [
        // issue 13, point 5
        [
          'SELECT EXTRACT(YEAR FROM created_at) AS y, count(*) FROM orders GROUP BY 1',
          'SELECT',
          'orders',
        ],
        // Hibernate 6 (HQL `year(o.createdAt)` → extract)
        [
          'select extract(year from o1_0.created_at),count(o1_0.id) from orders o1_0 group by extract(year from o1_0.created_at)',
          'SELECT',
          'orders',
        ],
        // Django, PostgreSQL backend (ExtractYear with a time zone)
        [
          `SELECT EXTRACT(YEAR FROM "shop_order"."created" AT TIME ZONE 'UTC') AS "year", COUNT("shop_order"."id") AS "n" FROM "shop_order" GROUP BY 1 ORDER BY 1`,
          'SELECT',
          'shop_order',
        ],
        // Django, MySQL backend
        [
          'SELECT EXTRACT(YEAR FROM `shop_order`.`created`) AS `year` FROM `shop_order` WHERE `shop_order`.`status` = %s',
          'SELECT',
          'shop_order',
        ],
        [
          'SELECT SUBSTRING(phone FROM 2 FOR 3) AS area FROM customers WHERE id = ?',
          'SELECT',
          'customers',
        ],
        [
          "SELECT TRIM(LEADING '0' FROM account_no) FROM accounts WHERE owner_id = :owner",
          'SELECT',
          'accounts',
        ],
        ['SELECT TRIM(BOTH FROM name) FROM tags', 'SELECT', 'tags'],
        [
          "SELECT OVERLAY(card_number PLACING '****' FROM 1 FOR 12) FROM payment_methods WHERE user_id = $1",
          'SELECT',
          'payment_methods',
        ],
        ["SELECT POSITION('@' IN email) FROM users WHERE id = $1", 'SELECT', 'users'],
        [
          'SELECT CAST(total AS numeric(10, 2)) AS total FROM invoices WHERE id = ?',
          'SELECT',
          'invoices',
        ],
        [
          'SELECT id, row_number() OVER (PARTITION BY customer_id ORDER BY created_at DESC) AS rn FROM orders WHERE created_at > $1',
          'SELECT',
          'orders',
        ],
        [
          "SELECT date_trunc('day', created_at), count(*) FILTER (WHERE status = 'paid') FROM orders GROUP BY 1",
          'SELECT',
          'orders',
        ],
        // IS DISTINCT FROM compares values
        ['SELECT id FROM shipments WHERE carrier IS DISTINCT FROM $1', 'SELECT', 'shipments'],
        ['UPDATE orders SET status = $1 WHERE status IS NOT DISTINCT FROM $2', 'UPDATE', 'orders'],
      ],
    ],
    [
      'subqueries, derived tables and CTEs',
      [
        // a CTE name is not a table: it stands for the table its body reads first
        [
          'WITH recent AS (SELECT customer_id, max(created_at) AS at FROM orders GROUP BY customer_id) SELECT c.name, r.at FROM recent r JOIN customers c ON c.id = r.customer_id',
          'SELECT',
          'orders',
        ],
        // ... and when its body reads no table, the next source decides
        [
          'WITH params AS (SELECT $1::int AS id) SELECT o.* FROM params p JOIN orders o ON o.id = p.id',
          'SELECT',
          'orders',
        ],
        // a CTE shadowing the table it reads
        [
          'WITH orders AS (SELECT * FROM orders WHERE tenant_id = $1) SELECT count(*) FROM orders',
          'SELECT',
          'orders',
        ],
        [
          'WITH a AS (SELECT * FROM ledger), b AS (SELECT * FROM a WHERE amount > 0) SELECT * FROM b',
          'SELECT',
          'ledger',
        ],
        [
          'WITH RECURSIVE tree(id, parent_id) AS (SELECT id, parent_id FROM categories WHERE id = $1 UNION ALL SELECT c.id, c.parent_id FROM categories c JOIN tree t ON c.parent_id = t.id) SELECT * FROM tree',
          'SELECT',
          'categories',
        ],
        [
          'WITH recent AS (SELECT * FROM orders) DELETE FROM archive WHERE 1 = 1',
          'DELETE',
          'archive',
        ],
        [
          'WITH moved AS (DELETE FROM queue WHERE id = $1 RETURNING *) INSERT INTO queue_archive SELECT * FROM moved',
          'INSERT',
          'queue_archive',
        ],
        [
          ';WITH cte AS (SELECT TOP (10) * FROM [dbo].[Events] ORDER BY [Id]) SELECT * FROM cte',
          'SELECT',
          'dbo.Events',
        ],
        // a derived table stands for its own first table
        ['SELECT c FROM (SELECT c FROM inner_t) x', 'SELECT', 'inner_t'],
        [
          'SELECT * FROM (SELECT id, total FROM orders WHERE paid) o WHERE o.total > 10',
          'SELECT',
          'orders',
        ],
        // SQLAlchemy's Query.count()
        [
          'SELECT count(*) AS count_1 FROM (SELECT users.id AS users_id, users.name AS users_name FROM users WHERE users.active = %(active_1)s) AS anon_1',
          'SELECT',
          'users',
        ],
        // Sequelize findAll with include and limit: the limited subquery comes first
        [
          'SELECT "User".*, "Orders"."id" AS "Orders.id" FROM (SELECT "User"."id", "User"."email" FROM "Users" AS "User" LIMIT 10) AS "User" LEFT OUTER JOIN "Orders" AS "Orders" ON "User"."id" = "Orders"."userId";',
          'SELECT',
          'Users',
        ],
        ['SELECT 1 FROM (SELECT 1) x JOIN y ON true', 'SELECT', 'y'],
        // a scalar subquery in the select list does not hide the statement's own FROM
        [
          'SELECT o.id, (SELECT count(*) FROM order_items i WHERE i.order_id = o.id) AS n FROM orders o',
          'SELECT',
          'orders',
        ],
        // ... but names the table when there is no other
        ['SELECT EXISTS (SELECT 1 FROM users WHERE email = $1)', 'SELECT', 'users'],
        ['SELECT a FROM x UNION ALL SELECT a FROM y', 'SELECT', 'x'],
        ['(SELECT a FROM x ORDER BY a LIMIT 1) UNION (SELECT a FROM y)', 'SELECT', 'x'],
        ['SELECT * FROM orders o WHERE o.id IN (SELECT order_id FROM refunds)', 'SELECT', 'orders'],
        // table functions are not tables; the next source is
        [
          'SELECT o.* FROM unnest($1::bigint[]) AS t(id) JOIN orders o ON o.id = t.id',
          'SELECT',
          'orders',
        ],
        ['SELECT * FROM generate_series(1, 9) g, stock s WHERE s.bin = g', 'SELECT', 'stock'],
        ['SELECT * FROM a, b WHERE a.id = b.a_id', 'SELECT', 'a'],
        [
          'SELECT * FROM generate_series(1, 3) g, LATERAL (SELECT * FROM readings r WHERE r.n = g) x',
          'SELECT',
          'readings',
        ],
      ],
    ],
    [
      'writes with other tables in them',
      [
        ['INSERT INTO t (a, b) SELECT a, b FROM u WHERE u.c = ?', 'INSERT', 't'],
        [
          'INSERT INTO daily_totals(day, total) SELECT created_at::date, sum(total) FROM orders GROUP BY 1',
          'INSERT',
          'daily_totals',
        ],
        ['DELETE FROM t USING u WHERE t.u_id = u.id AND u.gone', 'DELETE', 't'],
        ['DELETE t1 FROM t1 INNER JOIN t2 ON t1.id = t2.t1_id WHERE t2.x = ?', 'DELETE', 't1'],
        ['DELETE FROM carts WHERE id IN (SELECT cart_id FROM abandoned)', 'DELETE', 'carts'],
        ['DELETE orders WHERE id IN (SELECT id FROM expired)', 'DELETE', 'orders'],
        ['DELETE TOP (100) FROM [dbo].[Outbox] WHERE [SentAt] IS NOT NULL', 'DELETE', 'dbo.Outbox'],
        ['UPDATE t SET x = (SELECT max(y) FROM u) WHERE id = ?', 'UPDATE', 't'],
        [
          'UPDATE orders o SET status = c.status FROM carts c WHERE c.order_id = o.id',
          'UPDATE',
          'orders',
        ],
        ['UPDATE TOP (1) [Jobs] SET [LockedBy] = @p0 WHERE [LockedBy] IS NULL', 'UPDATE', 'Jobs'],
        [
          'INSERT INTO stock (sku, qty) VALUES ($1, $2) ON CONFLICT (sku) DO UPDATE SET qty = stock.qty + EXCLUDED.qty',
          'INSERT',
          'stock',
        ],
        [
          'INSERT INTO counters (k, n) VALUES (?, 1) ON DUPLICATE KEY UPDATE n = n + 1',
          'INSERT',
          'counters',
        ],
        ['INSERT OR REPLACE INTO settings (k, v) VALUES (?, ?)', 'INSERT', 'settings'],
        [
          'INSERT ALL INTO a (x) VALUES (1) INTO b (x) VALUES (2) SELECT * FROM dual',
          'INSERT',
          'a',
        ],
        [
          'MERGE [dbo].[Stock] AS t USING (VALUES (@p0, @p1)) AS s (Sku, Qty) ON t.Sku = s.Sku WHEN MATCHED THEN UPDATE SET t.Qty = s.Qty;',
          'MERGE',
          'dbo.Stock',
        ],
        // Entity Framework Core batches start with session settings
        [
          'SET IMPLICIT_TRANSACTIONS OFF;\nSET NOCOUNT ON;\nINSERT INTO [Orders] ([CustomerId], [Total]) OUTPUT INSERTED.[Id] VALUES (@p0, @p1);',
          'INSERT',
          'Orders',
        ],
      ],
    ],
    [
      'ORMs and drivers as they send statements',
      [
        // Hibernate 5
        [
          'select order0_.id as id1_3_0_, customer1_.id as id1_1_1_ from orders order0_ left outer join customers customer1_ on order0_.customer_id=customer1_.id where order0_.id=?',
          'SELECT',
          'orders',
        ],
        ['insert into orders (created_at, customer_id, id) values (?, ?, ?)', 'INSERT', 'orders'],
        ['update orders set status=?, version=? where id=? and version=?', 'UPDATE', 'orders'],
        ['delete from order_lines where order_id=?', 'DELETE', 'order_lines'],
        ["select nextval ('hibernate_sequence')", 'SELECT', undefined],
        // Sequelize
        [
          'SELECT "id", "email", "createdAt" FROM "Users" AS "User" WHERE "User"."email" = \'a@b.example\' LIMIT 1;',
          'SELECT',
          'Users',
        ],
        [
          'INSERT INTO "Users" ("id","email","createdAt","updatedAt") VALUES (DEFAULT,$1,$2,$3) RETURNING "id","email","createdAt","updatedAt";',
          'INSERT',
          'Users',
        ],
        ['UPDATE `Users` SET `email`=?,`updatedAt`=? WHERE `id` = ?', 'UPDATE', 'Users'],
        // SQLAlchemy (psycopg2 pyformat placeholders)
        [
          'SELECT users.id AS users_id, users.name AS users_name FROM users WHERE users.id = %(pk_1)s',
          'SELECT',
          'users',
        ],
        [
          'INSERT INTO users (name, fullname) VALUES (%(name)s, %(fullname)s) RETURNING users.id',
          'INSERT',
          'users',
        ],
        // Django
        [
          'SELECT "shop_order"."id", "shop_order"."created" FROM "shop_order" WHERE "shop_order"."id" = %s LIMIT 21',
          'SELECT',
          'shop_order',
        ],
        [
          'SELECT (1) AS "a" FROM "auth_user" WHERE "auth_user"."username" = %s LIMIT 1',
          'SELECT',
          'auth_user',
        ],
        // ActiveRecord
        ['SELECT "users".* FROM "users" WHERE "users"."id" = $1 LIMIT $2', 'SELECT', 'users'],
        ['SELECT 1 AS one FROM "users" WHERE "users"."email" = $1 LIMIT $2', 'SELECT', 'users'],
        ['SELECT `users`.* FROM `users` WHERE `users`.`id` = 1 LIMIT 1', 'SELECT', 'users'],
        // JDBC prepared statements: ?, $1 and :name placeholders
        ['SELECT * FROM ORDERS WHERE CUSTOMER_ID = ? AND STATUS IN (?, ?, ?)', 'SELECT', 'ORDERS'],
        ['SELECT * FROM "SHOP"."ORDERS" WHERE "ID" = :1 AND ROWNUM <= :2', 'SELECT', 'SHOP.ORDERS'],
        [
          'SELECT id FROM orders WHERE customer_id = :customerId OFFSET :o ROWS FETCH NEXT :n ROWS ONLY',
          'SELECT',
          'orders',
        ],
        // SQL Server (Entity Framework)
        [
          'SELECT TOP(1) [o].[Id], [o].[Total] FROM [dbo].[Orders] AS [o] WITH (NOLOCK) WHERE [o].[Id] = @__id_0',
          'SELECT',
          'dbo.Orders',
        ],
      ],
    ],
    [
      'quoting, schemas, comments and literals',
      [
        ['SELECT * FROM "Shop"."Orders"', 'SELECT', 'Shop.Orders'],
        ['SELECT * FROM `orders`', 'SELECT', 'orders'],
        ['SELECT * FROM `shop`.`orders`', 'SELECT', 'shop.orders'],
        ['DELETE FROM [dbo].[Carts] WHERE id = 1', 'DELETE', 'dbo.Carts'],
        ['SELECT * FROM "we""ird"', 'SELECT', 'we"ird'],
        ['SELECT * FROM [odd]]name]', 'SELECT', 'odd]name'],
        ['SELECT * FROM catalog.shop.orders', 'SELECT', 'catalog.shop.orders'],
        ['SELECT * FROM public . orders', 'SELECT', 'public.orders'],
        ["/* hint */ -- note\nSELECT 'from fake' FROM real_t", 'SELECT', 'real_t'],
        ["SELECT 'it''s FROM x' AS s FROM real_t", 'SELECT', 'real_t'],
        ["SELECT E'it\\'s FROM x' FROM real_t", 'SELECT', 'real_t'],
        ["SELECT N'FROM x' FROM real_t", 'SELECT', 'real_t'],
        ['SELECT $$ FROM x $$ FROM real_t', 'SELECT', 'real_t'],
        ['SELECT $body$ FROM x $body$ FROM real_t', 'SELECT', 'real_t'],
        ['SELECT /*+ INDEX(o idx) */ o.id FROM /* the table */ orders o', 'SELECT', 'orders'],
        ['SELECT id -- FROM nowhere\nFROM real_t', 'SELECT', 'real_t'],
        ['SELECT id # FROM nowhere\nFROM real_t', 'SELECT', 'real_t'],
        ['SELECT * FROM orders; SELECT * FROM users', 'SELECT', 'orders'],
        // only a JOIN names a table
        ['SELECT 1 FROM dual JOIN y ON true', 'SELECT', 'y'],
      ],
    ],
  ])('%s', (_, cases) => {
    it.each(cases)('%j → %s %s', (sql, operation, table) => {
      expect(parseSqlStatement(sql)).toEqual(expected(operation, table));
    });
  });

  it.each<[string, object]>([
    ['SELECT 1', { operation: 'SELECT' }],
    ['SELECT now()', { operation: 'SELECT' }],
    ['SELECT EXTRACT(EPOCH FROM now())', { operation: 'SELECT' }],
    ["SELECT SUBSTRING('abc' FROM 2 FOR 1)", { operation: 'SELECT' }],
    ['SELECT 1 FROM DUAL', { operation: 'SELECT' }],
    ['SELECT SYSDATE FROM dual', { operation: 'SELECT' }],
    ['SELECT * FROM $1', { operation: 'SELECT' }],
    ['SELECT * FROM generate_series(1, 10)', { operation: 'SELECT' }],
    ['SELECT 1 IS DISTINCT FROM 2', { operation: 'SELECT' }],
    ['SELECT * FROM (VALUES (1), (2)) AS v(n)', { operation: 'SELECT' }],
    [
      'WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 9) SELECT * FROM t',
      { operation: 'SELECT' },
    ],
    ['SELECT * FROM @tableVar', { operation: 'SELECT' }],
    ['DELETE FROM @tableVar WHERE id = @id', { operation: 'DELETE' }],
    ['DELETE FROM $1', { operation: 'DELETE' }],
    // malformed or cut: a reserved word is never a table
    ['UPDATE SET x = 1', { operation: 'UPDATE' }],
    ['SELECT * FROM WHERE x = 1', { operation: 'SELECT' }],
    ['SELECT * FROM #temp', { operation: 'SELECT' }],
    ['BEGIN', {}],
    ['SET search_path TO shop', {}],
    ['CALL refresh_totals(?)', {}],
    ['EXPLAIN SELECT * FROM orders', {}],
    ['{"find": "users"}', {}],
    ['', {}],
    ['WITH x AS (SELECT 1)', {}],
    ['DO $$ BEGIN DELETE FROM t; END $$', {}],
  ])('leaves out what it is not sure about: %j', (sql, result) => {
    expect(parseSqlStatement(sql)).toEqual(result);
  });

  it('reads only the start of a huge statement, and cut statements safely', () => {
    const columns = Array.from({ length: 2000 }, (_, i) => `c${i}`).join(', ');
    expect(parseSqlStatement(`SELECT ${columns} FROM wide`)).toEqual({ operation: 'SELECT' });
    expect(parseSqlStatement(`INSERT INTO wide (${columns}) VALUES (?)`)).toEqual({
      operation: 'INSERT',
      table: 'wide',
    });
    expect(parseSqlStatement('SELECT * FROM (SELECT a FROM cut_t WHERE (x')).toEqual({
      operation: 'SELECT',
      table: 'cut_t',
    });
    expect(parseSqlStatement('SELECT * FROM "unterminated')).toEqual({ operation: 'SELECT' });
    const parenthesised = 'SELECT ' + '('.repeat(3000) + 'SELECT 1 FROM t' + ')'.repeat(3000);
    expect(parseSqlStatement(parenthesised)).toEqual({ operation: 'SELECT', table: 't' });
    // subqueries nested beyond any real statement: no table rather than a deep recursion
    const nested = 'SELECT ' + '(SELECT '.repeat(400) + '1 FROM t' + ')'.repeat(400);
    expect(parseSqlStatement(nested)).toEqual({ operation: 'SELECT' });
  });

  it('gives the same answer whatever was parsed before (no state leaks between calls)', () => {
    const sql = 'WITH r AS (SELECT * FROM orders) SELECT * FROM r';
    const first = parseSqlStatement(sql);
    parseSqlStatement('WITH r AS (SELECT * FROM other) SELECT * FROM r JOIN (SELECT 1) x ON true');
    expect(parseSqlStatement(sql)).toEqual(first);
    expect(first).toEqual({ operation: 'SELECT', table: 'orders' });
  });
});
