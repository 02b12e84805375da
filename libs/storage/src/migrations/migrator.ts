import type { ClickHouseClient } from '@clickhouse/client';
import type { Migration } from './migration.loader';

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
}

export interface MigratorOptions {
  /** Called before each statement; used for progress logs (and by tests to interrupt a run). */
  onStatement?: (m: Migration, index: number) => void | Promise<void>;
  /** Attempts per statement when a concurrent replica races us on the same DDL. */
  raceRetries?: number;
}

/** ClickHouse error codes a concurrent `CREATE ... IF NOT EXISTS` may raise when two replicas race. */
const RACE_CODES = new Set(['57', '82', '122', '473', '341']);

/**
 * Applies numbered migrations in order and records them in `<db>.schema_migrations`.
 *
 * No lock: every statement is re-runnable (checked when files load), the record is written after
 * the last statement, and the record table is a ReplacingMergeTree read with FINAL. So replicas
 * that start together may all run a migration; the result is the same schema and one record.
 * A run that died half-way left no record and re-runs the migration from its first statement.
 */
export class Migrator {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
    private readonly migrations: Migration[],
    private readonly options: MigratorOptions = {},
  ) {}

  async migrate(): Promise<MigrationReport> {
    await this.run('CREATE DATABASE IF NOT EXISTS {db:Identifier}');
    await this.run(
      `CREATE TABLE IF NOT EXISTS {db:Identifier}.schema_migrations (
        version UInt32,
        name String,
        checksum String,
        applied_at DateTime64(3) DEFAULT now64(3)
      ) ENGINE = ReplacingMergeTree(applied_at) ORDER BY version`,
    );
    const recorded = await this.recorded();
    const report: MigrationReport = { applied: [], alreadyApplied: [] };
    for (const m of this.migrations) {
      const prior = recorded.get(m.version);
      if (prior !== undefined) {
        if (prior !== m.checksum) throw new MigrationChecksumError(m, prior);
        report.alreadyApplied.push(m.version);
        continue;
      }
      for (let i = 0; i < m.statements.length; i++) {
        await this.options.onStatement?.(m, i);
        await this.run(this.qualify(m.statements[i]));
      }
      await this.client.insert({
        table: `${this.database}.schema_migrations`,
        values: [{ version: m.version, name: m.name, checksum: m.checksum }],
        format: 'JSONEachRow',
      });
      report.applied.push(m.version);
    }
    return report;
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

  /** Migration files name tables without a database; `${db}` placeholders are filled here. */
  private qualify(statement: string): string {
    return statement.replace(/\$\{db\}/g, this.database);
  }

  private async run(query: string): Promise<void> {
    const attempts = this.options.raceRetries ?? 5;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.command({ query, query_params: { db: this.database } });
        return;
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (attempt >= attempts || code === undefined || !RACE_CODES.has(code)) throw e;
        await new Promise((r) => setTimeout(r, 50 * attempt));
      }
    }
  }
}
