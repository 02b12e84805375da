/**
 * Prints, as one JSON line, the rows and distinct (trace id, span id) pairs in the spans table of
 * an embedded ClickHouse data directory: `node -r @swc-node/register scripts/faults-count.ts DIR`.
 * A separate process because the embedded engine binds one data directory per process and
 * `npm run faults` reads one per row.
 */
import { createClickHouse, storageEnv } from '@t2t/storage';

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: faults-count.ts <CLICKHOUSE_DATA_PATH>');
  const handle = await createClickHouse(storageEnv.parse({ CLICKHOUSE_DATA_PATH: dir }));
  try {
    const rs = await handle.client.query({
      query: `SELECT count() AS rows, uniqExact(TraceId, SpanId) AS spans FROM {db:Identifier}.spans`,
      query_params: { db: handle.database },
      format: 'JSONEachRow',
    });
    const [c] = await rs.json<{ rows: string; spans: string }>();
    process.stdout.write(`${JSON.stringify({ rows: Number(c.rows), spans: Number(c.spans) })}\n`);
  } finally {
    await handle.close();
  }
}

main().catch((e) => {
  process.stderr.write(`faults-count: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
