import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  defaultMigrationsDir,
  loadMigrations,
  parseMigration,
  splitStatements,
} from './migration.loader';

describe('migration files', () => {
  it('splits statements on ; at line ends and drops comments', () => {
    const sql = [
      '-- header; with a semicolon',
      'CREATE TABLE IF NOT EXISTS ${db}.a (x UInt8) ENGINE = Memory;',
      '',
      'ALTER TABLE ${db}.a ADD COLUMN IF NOT EXISTS y String; -- trailing comment',
      "CREATE TABLE IF NOT EXISTS ${db}.b (s String DEFAULT 'a;b') ENGINE = Memory",
    ].join('\n');
    expect(splitStatements(sql)).toEqual([
      'CREATE TABLE IF NOT EXISTS ${db}.a (x UInt8) ENGINE = Memory',
      'ALTER TABLE ${db}.a ADD COLUMN IF NOT EXISTS y String',
      "CREATE TABLE IF NOT EXISTS ${db}.b (s String DEFAULT 'a;b') ENGINE = Memory",
    ]);
  });

  it.each([
    ['CREATE TABLE ${db}.t (x UInt8) ENGINE = Memory', 'CREATE TABLE ${db}.t'],
    ['ALTER TABLE ${db}.t ADD COLUMN y String', 'ALTER TABLE ${db}.t ADD COLUMN y String'],
    ['INSERT INTO ${db}.t VALUES (1)', 'INSERT INTO'],
    ['DROP TABLE ${db}.t', 'DROP TABLE'],
  ])('refuses a statement that cannot run twice: %s', (statement, head) => {
    expect(() => parseMigration('002-bad.sql', statement)).toThrow(
      `migration 002-bad.sql: statement "${head}`,
    );
  });

  it.each([
    'CREATE TABLE IF NOT EXISTS ${db}.t (x UInt8) ENGINE = Memory',
    'CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.v TO ${db}.t AS SELECT 1 AS x',
    'ALTER TABLE ${db}.t ADD COLUMN IF NOT EXISTS y String',
    'ALTER TABLE ${db}.t DROP INDEX IF EXISTS idx',
    'ALTER TABLE ${db}.t MODIFY SETTING non_replicated_deduplication_window = 100',
    'DROP TABLE IF EXISTS ${db}.t',
  ])('accepts a re-runnable statement: %s', (statement) => {
    expect(parseMigration('003-ok.sql', statement).statements).toEqual([statement]);
  });

  it.each([
    [
      'CREATE TABLE IF NOT EXISTS ${db}.t (x UInt8) ENGINE = MergeTree ORDER BY (${sorting_key}, x)',
    ],
    ['ALTER TABLE ${db}.t ADD COLUMN IF NOT EXISTS c String, MODIFY ORDER BY (c, ${sorting_key})'],
    [
      'ALTER TABLE ${db}.t ADD COLUMN IF NOT EXISTS c String, MODIFY ORDER BY (${sorting_key}, c), COMMENT COLUMN c ${sorting_key}',
    ],
  ])('refuses ${sorting_key} anywhere but at the start of a MODIFY ORDER BY: %s', (statement) => {
    expect(() => parseMigration('004-bad.sql', statement)).toThrow(
      /migration 004-bad.sql: \$\{sorting_key\} (is only allowed|must appear once)/,
    );
  });

  it('accepts appending columns to the sorting key', () => {
    const statement =
      'ALTER TABLE ${db}.t ADD COLUMN IF NOT EXISTS c String, MODIFY ORDER BY (${sorting_key}, c)';
    expect(parseMigration('004-ok.sql', statement).statements).toEqual([statement]);
  });

  it('refuses badly named files and gaps in versions', () => {
    expect(() => parseMigration('spans.sql', 'DROP TABLE IF EXISTS x')).toThrow(
      'file name must look like 001-short-name.sql',
    );
    const dir = mkdtempSync(join(tmpdir(), 't2t-migr-'));
    writeFileSync(join(dir, '001-a.sql'), 'DROP TABLE IF EXISTS ${db}.a;');
    writeFileSync(join(dir, '003-c.sql'), 'DROP TABLE IF EXISTS ${db}.c;');
    expect(() => loadMigrations(dir)).toThrow(
      '003-c.sql: versions must run 1, 2, 3... without gaps or repeats; expected 2',
    );
  });

  it('reads the earlier checksums a migration file still accepts', () => {
    const earlier = 'a'.repeat(64);
    const text = `-- earlier-checksum: ${earlier}\nDROP TABLE IF EXISTS \${db}.a;`;
    expect(parseMigration('004-x.sql', text).earlierChecksums).toEqual([earlier]);
    expect(parseMigration('004-x.sql', 'DROP TABLE IF EXISTS ${db}.a;').earlierChecksums).toEqual(
      [],
    );
    expect(() =>
      parseMigration('004-x.sql', '-- earlier-checksum: abc\nDROP TABLE IF EXISTS ${db}.a;'),
    ).toThrow('earlier-checksum "abc" is not a sha256 hex digest');
  });

  it('loads the project migrations in order, each checksummed', () => {
    const migrations = loadMigrations(defaultMigrationsDir());
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    expect(migrations[0]).toMatchObject({ version: 1, name: 'spans' });
    expect(migrations[0].checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(migrations[0].statements.length).toBe(3);
  });
});
