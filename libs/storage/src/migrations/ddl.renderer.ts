import type { Retention } from '../storage.env';
import { SORTING_KEY_PLACEHOLDER, splitTopLevel } from './sorting-key';
import { TABLE_CATALOGUE, type TableSpec } from './table.catalogue';

/** The deployment a schema is rendered for. */
export interface SchemaLayout {
  readonly database: string;
  /** CLICKHOUSE_CLUSTER; undefined: one node, and the migration files run exactly as written. */
  readonly cluster?: string;
  /** Undefined keeps every table forever. */
  readonly retention?: Retention;
}

export class DdlRenderError extends Error {
  constructor(statement: string, problem: string) {
    super(`cannot render "${statement.split('\n')[0].slice(0, 80)}" for a cluster: ${problem}`);
    this.name = 'DdlRenderError';
  }
}

/** Suffix of the per-shard table behind a Distributed table of the original name. */
export const LOCAL_SUFFIX = '_local';

/**
 * Keeper paths of replicated tables. Sharded tables have one replica set per shard; whole tables
 * share one path across every node of the cluster (so `{replica}` must be unique cluster-wide,
 * as it is when it names the host).
 */
const SHARDED_REPLICA_PATH = '/clickhouse/tables/{shard}/{database}/{table}';
const WHOLE_REPLICA_PATH = '/clickhouse/tables/all/{database}/{table}';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CLUSTER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

const DB_TABLE = String.raw`\$\{db\}\.(\w+)`;
const CREATE_DATABASE = /^(CREATE\s+DATABASE\s+IF\s+NOT\s+EXISTS\s+\S+)([\s\S]*)$/i;
const DROP_DATABASE = /^(DROP\s+DATABASE\s+IF\s+EXISTS\s+\S+)([\s\S]*)$/i;
const CREATE_TABLE = new RegExp(
  String.raw`^CREATE\s+TABLE\s+IF\s+NOT\s+EXISTS\s+${DB_TABLE}\s*(\([\s\S]*)$`,
  'i',
);
const ALTER_TABLE = new RegExp(String.raw`^ALTER\s+TABLE\s+${DB_TABLE}\s+([\s\S]*)$`, 'i');
const CREATE_VIEW = new RegExp(
  String.raw`^(CREATE\s+(?:OR\s+REPLACE\s+VIEW|VIEW\s+IF\s+NOT\s+EXISTS|MATERIALIZED\s+VIEW\s+IF\s+NOT\s+EXISTS))\s+${DB_TABLE}\s+([\s\S]*)$`,
  'i',
);
const DROP_TABLE = new RegExp(
  String.raw`^DROP\s+(TABLE|VIEW|DICTIONARY)\s+IF\s+EXISTS\s+${DB_TABLE}([\s\S]*)$`,
  'i',
);
/** `ENGINE = Name` or `ENGINE = Name(args)` of a CREATE TABLE (our engines' arguments hold no parentheses). */
const ENGINE = /\bENGINE\s*=\s*([A-Za-z]+)(?:\s*\(([^()]*)\))?/i;
/** ALTER commands that change a table's columns: a Distributed table must follow them. */
const COLUMN_COMMAND = /^(ADD|DROP|MODIFY|RENAME|COMMENT)\s+COLUMN\b/i;

/**
 * The statements that carry out one migration statement (with `${db}` placeholders) in a layout.
 *
 * One node: the statement itself, `${db}` filled in; nothing else changes, so the embedded engine,
 * a single server and the tests all run the SQL of the migration files.
 *
 * Cluster: every CREATE/ALTER/DROP gets `ON CLUSTER`; MergeTree-family engines become their
 * Replicated form with explicit Keeper paths; a table the catalogue shards becomes
 * `<name>_local` plus a Distributed `<name>`, its column changes go to both, and materialized
 * views read and write the local tables (a view fires on the shard where the rows land).
 * A statement of another kind is refused rather than run on one node only.
 *
 * A `${sorting_key}` must be filled in before (`fillSortingKey`): it depends on the table's state.
 */
export function renderStatement(
  statement: string,
  layout: SchemaLayout,
  catalogue: Readonly<Record<string, TableSpec>> = TABLE_CATALOGUE,
): string[] {
  assertIdentifier('database', layout.database);
  if (statement.includes(SORTING_KEY_PLACEHOLDER)) {
    throw new Error(
      `fill in \${sorting_key} (fillSortingKey) before rendering "${statement.slice(0, 80)}"`,
    );
  }
  const qualify = (sql: string) => sql.replace(/\$\{db\}/g, layout.database);
  if (layout.cluster === undefined) return [qualify(statement)];

  const onCluster = `ON CLUSTER '${clusterName(layout.cluster)}'`;
  const sharded = (table: string) => catalogue[table]?.shardBy !== undefined;
  const local = (table: string) => (sharded(table) ? table + LOCAL_SUFFIX : table);
  const s = statement.trim();
  let m: RegExpExecArray | null;

  if ((m = CREATE_DATABASE.exec(s)) || (m = DROP_DATABASE.exec(s))) {
    return [qualify(`${m[1]} ${onCluster}${m[2]}`)];
  }

  if ((m = CREATE_TABLE.exec(s))) {
    const [, table, body] = m;
    const shardBy = catalogue[table]?.shardBy;
    const replicated = replicateEngine(
      s,
      body,
      shardBy ? SHARDED_REPLICA_PATH : WHOLE_REPLICA_PATH,
    ).replace(/\bnon_replicated_deduplication_window\b/g, 'replicated_deduplication_window');
    const statements = [
      `CREATE TABLE IF NOT EXISTS \${db}.${local(table)} ${onCluster} ${replicated}`,
    ];
    if (shardBy) {
      statements.push(
        `CREATE TABLE IF NOT EXISTS \${db}.${table} ${onCluster} AS \${db}.${local(table)}\n` +
          `ENGINE = Distributed('${layout.cluster}', '${layout.database}', '${local(table)}', ${shardBy})`,
      );
    }
    return statements.map(qualify);
  }

  if ((m = ALTER_TABLE.exec(s))) {
    const [, table, command] = m;
    const statements = [`ALTER TABLE \${db}.${local(table)} ${onCluster} ${command}`];
    // The Distributed table takes the column changes of the ALTER, not its key or settings.
    const columnCommands = splitTopLevel(command).filter((c) => COLUMN_COMMAND.test(c));
    if (sharded(table) && columnCommands.length > 0) {
      statements.push(`ALTER TABLE \${db}.${table} ${onCluster} ${columnCommands.join(', ')}`);
    }
    return statements.map(qualify);
  }

  if ((m = CREATE_VIEW.exec(s))) {
    const [, head, view, rest] = m;
    if (/\bMATERIALIZED\b/i.test(head)) {
      const tables = [...rest.matchAll(new RegExp(DB_TABLE, 'g'))].map((t) => t[1]);
      const kinds = new Set(tables.map(sharded));
      if (kinds.size > 1) {
        throw new DdlRenderError(
          s,
          `a materialized view cannot join sharded and whole tables (${tables.join(', ')})`,
        );
      }
      const localRest = rest.replace(
        new RegExp(DB_TABLE, 'g'),
        (_all, t: string) => `\${db}.${local(t)}`,
      );
      return [qualify(`${head} \${db}.${view} ${onCluster} ${localRest}`)];
    }
    return [qualify(`${head} \${db}.${view} ${onCluster} ${rest}`)];
  }

  if ((m = DROP_TABLE.exec(s))) {
    const [, kind, table, rest] = m;
    const statements = [`DROP ${kind} IF EXISTS \${db}.${table} ${onCluster}${rest}`];
    if (kind.toUpperCase() === 'TABLE' && sharded(table)) {
      statements.push(`DROP TABLE IF EXISTS \${db}.${local(table)} ${onCluster}${rest}`);
    }
    return statements.map(qualify);
  }

  throw new DdlRenderError(s, 'no cluster form for this kind of statement');
}

/**
 * The table's column list and clauses with its engine in Replicated form. Engines outside the
 * MergeTree family (Memory, Log: nothing in our migrations) and engines already Replicated are
 * left alone.
 */
function replicateEngine(statement: string, body: string, keeperPath: string): string {
  const m = ENGINE.exec(body);
  if (!m) throw new DdlRenderError(statement, 'CREATE TABLE without ENGINE =');
  const [clause, engine, args] = m;
  if (!/MergeTree$/.test(engine) || engine.startsWith('Replicated')) return body;
  const replicatedArgs = [`'${keeperPath}'`, `'{replica}'`, ...(args?.trim() ? [args.trim()] : [])];
  return body.replace(clause, `ENGINE = Replicated${engine}(${replicatedArgs.join(', ')})`);
}

function assertIdentifier(what: string, name: string): void {
  if (!IDENTIFIER.test(name)) throw new Error(`${what} "${name}" is not a plain identifier`);
}

function clusterName(name: string): string {
  if (!CLUSTER_NAME.test(name)) throw new Error(`cluster name "${name}" is not a plain name`);
  return name;
}

/** A table TTL in the Collector exporter's form: the largest whole unit that fits. */
export function ttlExpression(column: string, seconds: number): string {
  const units: [number, string][] = [
    [86_400, 'Day'],
    [3600, 'Hour'],
    [60, 'Minute'],
  ];
  for (const [size, unit] of units) {
    if (seconds % size === 0) return `toDateTime(${column}) + toInterval${unit}(${seconds / size})`;
  }
  return `toDateTime(${column}) + toIntervalSecond(${seconds})`;
}

/** The TTL one table should carry: undefined keeps its rows forever. */
export interface DesiredTtl {
  /** Table as the catalogue names it. */
  readonly table: string;
  /** The table that stores the rows (the per-shard table when sharded). */
  readonly storedIn: string;
  readonly expression: string | undefined;
}

/** The table that stores a catalogued table's rows in a layout: its per-shard table when sharded. */
export function storedIn(
  table: string,
  layout: Pick<SchemaLayout, 'cluster'>,
  catalogue: Readonly<Record<string, TableSpec>> = TABLE_CATALOGUE,
): string {
  return layout.cluster !== undefined && catalogue[table]?.shardBy ? table + LOCAL_SUFFIX : table;
}

/** Every catalogued table that has a retention class, with the TTL the layout gives it. */
export function desiredTtls(
  layout: SchemaLayout,
  catalogue: Readonly<Record<string, TableSpec>> = TABLE_CATALOGUE,
): DesiredTtl[] {
  const out: DesiredTtl[] = [];
  for (const [table, spec] of Object.entries(catalogue)) {
    if (!spec.ttl) continue;
    const seconds =
      spec.ttl.retention === 'spans'
        ? layout.retention?.spansSeconds
        : layout.retention?.derivedSeconds;
    out.push({
      table,
      storedIn: storedIn(table, layout, catalogue),
      expression: seconds ? ttlExpression(spec.ttl.column, seconds) : undefined,
    });
  }
  return out;
}

/** `ALTER TABLE … MODIFY TTL` (or `REMOVE TTL`) bringing one table to its desired TTL. */
export function ttlStatement(desired: DesiredTtl, layout: SchemaLayout): string {
  assertIdentifier('database', layout.database);
  const onCluster =
    layout.cluster === undefined ? '' : ` ON CLUSTER '${clusterName(layout.cluster)}'`;
  const command =
    desired.expression === undefined ? 'REMOVE TTL' : `MODIFY TTL ${desired.expression}`;
  return `ALTER TABLE ${layout.database}.${desired.storedIn}${onCluster} ${command}`;
}

/** The table TTL in `system.tables.engine_full`, or undefined when the table has none. */
export function ttlOfEngine(engineFull: string): string | undefined {
  const m = /\sTTL\s+([\s\S]*?)(?:\s+SETTINGS\s[\s\S]*)?$/.exec(engineFull);
  return m ? m[1].trim() : undefined;
}

/** Whether two TTL expressions are the same, ignoring how the server spaced and quoted them. */
export function sameTtl(a: string | undefined, b: string | undefined): boolean {
  const norm = (x: string | undefined) => x?.replace(/[\s`]/g, '');
  return norm(a) === norm(b);
}
