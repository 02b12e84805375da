import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sortingKeyProblem } from './sorting-key';

export interface Migration {
  version: number;
  name: string;
  /** sha256 of the file text: an applied migration whose file changed afterwards is refused. */
  checksum: string;
  /**
   * Checksums of earlier texts of the file that are still accepted where they were applied
   * (`-- earlier-checksum: <sha256>` lines). Only for edits that cannot matter to a database that
   * ran the earlier text, such as a new sort key for tables that `CREATE ... IF NOT EXISTS` finds
   * already there: new installs get the new text, existing ones keep what they have.
   */
  earlierChecksums?: string[];
  statements: string[];
}

export class MigrationFileError extends Error {
  constructor(file: string, problem: string) {
    super(`migration ${file}: ${problem}`);
    this.name = 'MigrationFileError';
  }
}

const FILE_NAME = /^(\d{3,})-([a-z0-9-]+)\.sql$/;

/**
 * Statements a migration may contain. Each one must be safe to run again after it already ran,
 * because replicas start at the same time and a migration interrupted half-way is re-run from its
 * first statement. That is what makes concurrent and resumed migrations converge on one schema
 * without a lock (ClickHouse has none to offer across replicas).
 */
const IDEMPOTENT: RegExp[] = [
  /^CREATE\s+(TABLE|DATABASE|VIEW|MATERIALIZED\s+VIEW|DICTIONARY|FUNCTION)\s+IF\s+NOT\s+EXISTS\b/i,
  /^CREATE\s+OR\s+REPLACE\s+(VIEW|DICTIONARY|FUNCTION)\b/i,
  /^DROP\s+(TABLE|DATABASE|VIEW|DICTIONARY|FUNCTION)\s+IF\s+EXISTS\b/i,
  /^ALTER\s+TABLE\s+\S+\s+((ADD|DROP|CLEAR)\s+(COLUMN|INDEX|PROJECTION|CONSTRAINT)\s+IF\s+(NOT\s+)?EXISTS\b.*|MODIFY\s+(SETTING|TTL|COMMENT)\b.*|(MODIFY|COMMENT)\s+COLUMN\s+IF\s+EXISTS\b.*|MATERIALIZE\s+(INDEX|PROJECTION)\b.*)$/is,
];

/** Splits a migration file into statements: `;` at the end of a line ends a statement; `--` comments are dropped. */
export function splitStatements(sql: string): string[] {
  const withoutComments = sql
    .split('\n')
    .map((line) => line.replace(/--.*$/, ''))
    .join('\n');
  return withoutComments
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function assertIdempotent(file: string, statement: string): void {
  if (!IDEMPOTENT.some((re) => re.test(statement))) {
    const head = statement.split('\n')[0].slice(0, 80);
    throw new MigrationFileError(
      file,
      `statement "${head}" is not re-runnable; use CREATE ... IF NOT EXISTS, ALTER TABLE ... ADD COLUMN IF NOT EXISTS, DROP ... IF EXISTS or MODIFY SETTING`,
    );
  }
}

export function parseMigration(file: string, text: string): Migration {
  const m = FILE_NAME.exec(file);
  if (!m) throw new MigrationFileError(file, 'file name must look like 001-short-name.sql');
  const statements = splitStatements(text);
  if (statements.length === 0) throw new MigrationFileError(file, 'contains no statements');
  for (const s of statements) {
    assertIdempotent(file, s);
    const problem = sortingKeyProblem(s);
    if (problem) throw new MigrationFileError(file, problem);
  }
  const earlierChecksums = [...text.matchAll(/^--\s*earlier-checksum:\s*(\S+)/gm)].map((e) => {
    if (!/^[0-9a-f]{64}$/.test(e[1])) {
      throw new MigrationFileError(file, `earlier-checksum "${e[1]}" is not a sha256 hex digest`);
    }
    return e[1];
  });
  return {
    version: Number(m[1]),
    name: m[2],
    checksum: createHash('sha256').update(text).digest('hex'),
    earlierChecksums,
    statements,
  };
}

export function loadMigrations(dir: string): Migration[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  const migrations = files.map((f) => parseMigration(f, readFileSync(join(dir, f), 'utf8')));
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new MigrationFileError(
        `${String(m.version).padStart(3, '0')}-${m.name}.sql`,
        `versions must run 1, 2, 3... without gaps or repeats; expected ${i + 1}`,
      );
    }
  });
  return migrations;
}

/**
 * The migrations folder ships as plain files next to the sources (libs/storage/migrations), so
 * the same lookup works from ts sources (tests), from dist/ after `nest build`, and in the image.
 */
export function defaultMigrationsDir(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'libs', 'storage', 'migrations');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(
        `cannot find libs/storage/migrations above ${from}; set the migrations directory explicitly`,
      );
    }
    dir = parent;
  }
}
