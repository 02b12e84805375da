import { freshTestStorage, type TestStorage } from '@t2t/test-support';
import {
  type ClickHouseHandle,
  createClickHouse,
  defaultMigrationsDir,
  loadMigrations,
  renderSchema,
  type SchemaLayout,
} from '@t2t/storage';

/**
 * The cluster DDL cannot run here (no Keeper, no remote servers), and a single node executes only
 * its own. So every statement of both layouts is handed to the engine's parser: `formatQuery`
 * parses without executing, and returns the statement as the engine understood it, which shows
 * that `ON CLUSTER` and the engine arguments survived parsing (EXPLAIN AST parses too but leaves
 * the cluster out of its tree).
 */
describe('generated DDL', () => {
  let storage: TestStorage;
  let handle: ClickHouseHandle;
  const migrations = loadMigrations(defaultMigrationsDir());
  const retention = { spansSeconds: 30 * 86_400, derivedSeconds: 12 * 3600 };

  beforeAll(async () => {
    storage = freshTestStorage();
    handle = await createClickHouse(storage.config);
  });

  afterAll(async () => {
    await handle.close();
    await storage.cleanup();
  });

  async function parsed(statement: string): Promise<string> {
    const rs = await handle.client.query({
      query: 'SELECT formatQuery({statement:String}) AS formatted',
      query_params: { statement },
      format: 'JSONEachRow',
    });
    const [row] = await rs.json<{ formatted: string }>();
    return row.formatted;
  }

  it.each<[string, SchemaLayout]>([
    ['one node', { database: 'trace2test', retention }],
    ['a cluster', { database: 'trace2test', cluster: 'c1', retention }],
  ])('parses every statement for %s', async (_name, layout) => {
    const statements = renderSchema(migrations, layout);
    expect(statements.length).toBeGreaterThan(30);
    for (const statement of statements) {
      const formatted = await parsed(statement);
      if (layout.cluster) expect(formatted).toMatch(/ ON CLUSTER c1\b/);
      const engine = /ENGINE = (\w+)/.exec(statement)?.[1];
      if (engine) expect(formatted).toContain(`ENGINE = ${engine}`);
      if (statement.includes('MODIFY TTL')) expect(formatted).toContain('MODIFY TTL toDateTime(');
    }
  });

  it('refuses a statement that does not parse, so the check above is one', async () => {
    await expect(parsed('CREATE TABLE t ON CLUSTER (x UInt8) ENGINE = MergeTree')).rejects.toThrow(
      /Syntax error/,
    );
  });
});
