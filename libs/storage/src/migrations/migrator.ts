import type { ClickHouseClient } from '@clickhouse/client';
import {
  desiredTtls,
  renderStatement,
  sameTtl,
  type SchemaLayout,
  storedIn,
  ttlOfEngine,
  ttlStatement,
} from './ddl.renderer';
import type { Migration } from './migration.loader';
import { fillSortingKey, sortingKeySet, sortingKeyTable } from './sorting-key';

export class MigrationChecksumError extends Error {
  constructor(m: Migration, recorded: string) {
    super(
      `migration ${m.version}-${m.name} was applied with checksum ${recorded.slice(0, 12)}… but its file now hashes to ` +
        `${m.checksum.slice(0, 12)}…; applied migrations must not be edited, add a new numbered migration instead`,
    );
    this.name = 'MigrationChecksumError';
  }
}

export interface MigrationReport {
  applied: number[];
  alreadyApplied: number[];
  /** Tables whose TTL was changed to match SPANS_TTL / DERIVED_TTL (as `table: new TTL`). */
  retentionChanged: string[];
}

export interface MigratorOptions {
  /** Cluster and retention; default: one node, every table kept forever. */
  layout?: Omit<SchemaLayout, 'database'>;
  /** Called before each statement; used for progress logs (and by tests to interrupt a run). */
  onStatement?: (m: Migration, index: number) => void | Promise<void>;
  /** Attempts per statement when a concurrent replica races us on the same DDL. */
  raceRetries?: number;
}

/**
 * ClickHouse error codes a concurrent `CREATE ... IF NOT EXISTS` may raise when two replicas race;
 * 517 (CANNOT_ASSIGN_ALTER): on a cluster, replicas altering one replicated table at once.
 */
const RACE_CODES = new Set(['57', '82', '122', '473', '341', '517']);

/** The migrator's own statements, rendered like migration statements so a cluster gets them too. */
const BOOKKEEPING = [
  'CREATE DATABASE IF NOT EXISTS ${db}',
  `CREATE TABLE IF NOT EXISTS \${db}.schema_migrations (
        version UInt32,
        name String,
        checksum String,
        applied_at DateTime64(3) DEFAULT now64(3)
      ) ENGINE = ReplacingMergeTree(applied_at) ORDER BY version`,
];

/**
 * Every statement a fresh install runs in a layout, in order: the bookkeeping, the migrations and
 * the TTLs. What `migrate()` executes on an empty database, for review and for tests; a
 * `${sorting_key}` is the key the earlier statements gave the table.
 */
export function renderSchema(migrations: readonly Migration[], layout: SchemaLayout): string[] {
  const keys = new Map<string, string>();
  const statements = [...BOOKKEEPING, ...migrations.flatMap((m) => m.statements)].map((s) => {
    const table = sortingKeyTable(s);
    const filled = table === undefined ? s : fillSortingKey(s, keys.get(table) ?? '');
    const set = sortingKeySet(filled);
    if (set) keys.set(set.table, set.key);
    return filled;
  });
  return [
    ...statements.flatMap((s) => renderStatement(s, layout)),
    ...desiredTtls(layout)
      .filter((d) => d.expression !== undefined)
      .map((d) => ttlStatement(d, layout)),
  ];
}

/**
 * Applies numbered migrations in order and records them in `<db>.schema_migrations`.
 *
 * No lock: every statement is re-runnable (checked when files load), the record is written after
 * the last statement, and the record table is a ReplacingMergeTree read with FINAL. So replicas
 * that start together may all run a migration; the result is the same schema and one record.
 * A run that died half-way left no record and re-runs the migration from its first statement.
 *
 * Statements are rendered for the layout (`renderStatement`): as written on one node, with
 * `ON CLUSTER`, Replicated engines and Distributed tables on a cluster. After the migrations, the
 * tables' TTLs are brought to the configured retention; a TTL already right is left alone, because
 * every `MODIFY TTL` starts a mutation that re-reads the table's time column.
 */
export class Migrator {
  private readonly layout: SchemaLayout;

  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
    private readonly migrations: Migration[],
    private readonly options: MigratorOptions = {},
  ) {
    this.layout = { ...options.layout, database };
  }

  async migrate(): Promise<MigrationReport> {
    for (const statement of BOOKKEEPING) await this.runRendered(statement);
    const recorded = await this.recorded();
    const report: MigrationReport = { applied: [], alreadyApplied: [], retentionChanged: [] };
    for (const m of this.migrations) {
      const prior = recorded.get(m.version);
      if (prior !== undefined) {
        if (prior !== m.checksum && !(m.earlierChecksums ?? []).includes(prior)) {
          throw new MigrationChecksumError(m, prior);
        }
        report.alreadyApplied.push(m.version);
        continue;
      }
      for (let i = 0; i < m.statements.length; i++) {
        await this.options.onStatement?.(m, i);
        await this.runRendered(m.statements[i]);
      }
      await this.client.insert({
        table: `${this.database}.schema_migrations`,
        values: [{ version: m.version, name: m.name, checksum: m.checksum }],
        format: 'JSONEachRow',
      });
      report.applied.push(m.version);
    }
    report.retentionChanged = await this.reconcileRetention();
    return report;
  }

  /**
   * Gives every catalogued table the TTL of its retention class. Re-runnable like the migrations:
   * it compares first, and when a concurrent replica changed the same TTL in between, the
   * re-read shows the TTL as wanted and the failure is not one.
   */
  private async reconcileRetention(): Promise<string[]> {
    const current = await this.tableTtls();
    const changed: string[] = [];
    for (const desired of desiredTtls(this.layout)) {
      if (!current.has(desired.storedIn)) continue; // not created by these migrations
      if (sameTtl(current.get(desired.storedIn), desired.expression)) continue;
      try {
        await this.run(ttlStatement(desired, this.layout));
      } catch (e) {
        const now = (await this.tableTtls()).get(desired.storedIn);
        if (!sameTtl(now, desired.expression)) throw e;
      }
      changed.push(`${desired.storedIn}: ${desired.expression ?? 'kept forever'}`);
    }
    return changed;
  }

  /** Table → its TTL expression (undefined: none), for every table of the database. */
  private async tableTtls(): Promise<Map<string, string | undefined>> {
    const rs = await this.client.query({
      query: 'SELECT name, engine_full FROM system.tables WHERE database = {db:String}',
      query_params: { db: this.database },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ name: string; engine_full: string }>();
    return new Map(rows.map((r) => [r.name, ttlOfEngine(r.engine_full)]));
  }

  /** Migrations recorded as applied, version → checksum. */
  async recorded(): Promise<Map<number, string>> {
    const rs = await this.client.query({
      query:
        'SELECT version, checksum FROM {db:Identifier}.schema_migrations FINAL ORDER BY version',
      query_params: { db: this.database },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ version: number; checksum: string }>();
    return new Map(rows.map((r) => [Number(r.version), r.checksum]));
  }

  /** A statement with `${db}` placeholders, as the layout runs it (one or more statements). */
  private async runRendered(statement: string): Promise<void> {
    const filled = await this.withSortingKey(statement);
    for (const query of renderStatement(filled, this.layout)) await this.run(query);
  }

  /** The statement with its `${sorting_key}` (if any) filled in from the table as it is now. */
  private async withSortingKey(statement: string): Promise<string> {
    const table = sortingKeyTable(statement);
    if (table === undefined) return statement;
    const rs = await this.client.query({
      query:
        'SELECT sorting_key FROM system.tables WHERE database = {db:String} AND name = {table:String}',
      query_params: { db: this.database, table: storedIn(table, this.layout) },
      format: 'JSONEachRow',
    });
    const [row] = await rs.json<{ sorting_key: string }>();
    if (!row) throw new Error(`cannot append to the sorting key of ${table}: no such table`);
    return fillSortingKey(statement, row.sorting_key);
  }

  private async run(query: string): Promise<void> {
    const attempts = this.options.raceRetries ?? 5;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.command({ query });
        return;
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (attempt >= attempts || code === undefined || !RACE_CODES.has(code)) throw e;
        await new Promise((r) => setTimeout(r, 50 * attempt));
      }
    }
  }
}
