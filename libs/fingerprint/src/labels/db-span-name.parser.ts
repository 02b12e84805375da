import { DB_NAMESPACE, DB_SYSTEM, DB_TARGET_HOSTS } from './semconv-attribute.names';
import type { SqlSummary } from './sql-statement.parser';

/**
 * The operation and table a database span's NAME carries, for spans whose attributes name neither
 * (a Java agent of the older conventions sends `db.system`, maybe `db.name`, and a span named
 * `SELECT ts.orders`, but no `db.statement`, `db.operation` or `db.sql.table`).
 *
 * The semantic conventions name database spans `{operation} {target}` precisely so that the name
 * carries the target; the newest ones use `{db.query.summary}` (`SELECT orders`,
 * `INSERT shipping_details SELECT orders`), and `{target}` or `{db.system}` alone when the
 * operation is unknown. Only the first two shapes name a table:
 *
 * - the first word is an operation: a SQL verb (any case) or a MongoDB command (`find`, `insert`,
 *   `update`, `delete`, `aggregate`, `count`, `distinct`, `findAndModify`, as sent);
 * - the second is the target: a name (`orders`, `ts.orders`; letters, digits, `_`, `$`, `-`, parts
 *   joined by `.`); any further words must be operations or names too (a summary), and none may be
 *   a SQL keyword: a SQL statement used as a name (`SELECT id FROM orders`) is not this shape;
 * - the target is the database itself (equal to `db.namespace`/`db.name`) or the server
 *   (`server.address`…) → the operation only, no table.
 *
 * The database in the target is dropped, so the table is what `db.sql.table` / `db.collection.name`
 * hold for the same call: the older conventions' target is `{db.name}.{db.sql.table}` (and the
 * 1.2x ones' `{db.namespace}.{db.collection.name}`). So `SELECT ts.orders` with `db.name` `ts` →
 * `orders`; a prefix that is not the database is kept (`public.orders`, a schema, as
 * `db.sql.table` keeps it). Without a database attribute, a span of the older conventions
 * (`db.system`, no `db.system.name`) is read the same way: its first dotted part is the database
 * (`SELECT ts.orders` → `orders`), because that is how those conventions build the name. Spans of
 * the current conventions (`db.system.name`) name the collection itself: the target is kept whole.
 *
 * `{}` when the name is not `{operation} {target}` (`postgresql`, `SELECT`, `mydb`, `pg.query`,
 * `SELECT * FROM orders`, `SELECT localhost:5432`).
 */
export function parseDbSpanName(name: string, attributes: Record<string, string>): SqlSummary {
  const n = name.length;
  if (n === 0 || n > MAX_NAME_LENGTH) return {};
  let i = 0;
  let operation: string | undefined;
  let targetStart = 0;
  let targetEnd = 0;
  for (let word = 0; i < n; word++) {
    while (i < n && isSpace(name.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && !isSpace(name.charCodeAt(i))) i++;
    if (word === 0) {
      operation = operationIn(name, start, i);
      if (operation === undefined) return {};
    } else if (isKeyword(name, start, i)) {
      return {};
    } else if (word === 1) {
      if (!isTargetName(name, start, i)) return {};
      targetStart = start;
      targetEnd = i;
    } else if (operationIn(name, start, i) === undefined && !isTargetName(name, start, i)) {
      return {};
    }
  }
  if (operation === undefined || targetEnd === 0) return {};
  const table = tableOfTarget(name.slice(targetStart, targetEnd), attributes);
  return table === undefined ? { operation } : { operation, table };
}

/** Longer names are not `{operation} {target}`; they are not worth scanning. */
const MAX_NAME_LENGTH = 256;

const SQL_OPERATIONS = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'UPSERT', 'MERGE', 'REPLACE'];
/** MongoDB commands that read or write a collection, exactly as drivers name them. */
const DOCUMENT_OPERATIONS = [
  'find',
  'insert',
  'update',
  'delete',
  'aggregate',
  'count',
  'distinct',
  'findAndModify',
];
/**
 * Words of SQL text that never appear in `{operation} {target}` or a query summary: a name holding
 * one is a statement (or part of one), not a target.
 */
const SQL_KEYWORDS = [
  'FROM',
  'INTO',
  'WHERE',
  'SET',
  'VALUES',
  'JOIN',
  'ON',
  'AS',
  'BY',
  'AND',
  'OR',
  'NOT',
  'IN',
  'IS',
  'NULL',
  'DISTINCT',
  'ALL',
  'TOP',
  'LIMIT',
  'UNION',
  'ORDER',
  'GROUP',
  'HAVING',
  'RETURNING',
  'USING',
  'TABLE',
  'ONLY',
  'IGNORE',
  'LOW_PRIORITY',
];

/** The operation word name[start, end) names (as written), or undefined. */
function operationIn(name: string, start: number, end: number): string | undefined {
  for (const verb of SQL_OPERATIONS) {
    if (equalsUpper(name, start, end, verb)) return name.slice(start, end);
  }
  for (const command of DOCUMENT_OPERATIONS) {
    if (end - start === command.length && name.startsWith(command, start)) return command;
  }
  return undefined;
}

function isKeyword(name: string, start: number, end: number): boolean {
  for (const keyword of SQL_KEYWORDS) if (equalsUpper(name, start, end, keyword)) return true;
  return false;
}

/** Whether name[start, end) equals `upper` (an upper-case word) in any case. */
function equalsUpper(name: string, start: number, end: number, upper: string): boolean {
  if (end - start !== upper.length) return false;
  for (let j = 0; j < upper.length; j++) {
    let c = name.charCodeAt(start + j);
    if (c >= 97 && c <= 122) c -= 32;
    if (c !== upper.charCodeAt(j)) return false;
  }
  return true;
}

/** `orders`, `ts.orders`, `shop.public.order_items`: parts that start with a letter or `_`. */
function isTargetName(name: string, start: number, end: number): boolean {
  let partStart = true;
  for (let i = start; i < end; i++) {
    const c = name.charCodeAt(i);
    const lower = c | 0x20;
    const letter = (lower >= 97 && lower <= 122) || c === 95 || c > 127;
    if (partStart) {
      if (!letter) return false;
      partStart = false;
    } else if (c === 46) {
      partStart = true;
    } else if (!letter && !(c >= 48 && c <= 57) && c !== 36 && c !== 45) {
      return false;
    }
  }
  return !partStart;
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** The table a target names, the database dropped; undefined when it names only the database. */
function tableOfTarget(target: string, attributes: Record<string, string>): string | undefined {
  for (const key of DB_TARGET_HOSTS) {
    const host = attributes[key];
    if (host !== undefined && host !== '' && sameName(host, target)) return undefined;
  }
  let database: string | undefined;
  for (const key of DB_NAMESPACE) {
    const value = attributes[key];
    if (value !== undefined && value !== '') {
      database = value;
      break;
    }
  }
  if (database !== undefined) {
    if (sameName(database, target)) return undefined;
    const dot = database.length;
    if (target.length > dot + 1 && target.charCodeAt(dot) === 46) {
      if (sameName(database, target.slice(0, dot))) return target.slice(dot + 1);
    }
    return target;
  }
  // Older conventions without the database attribute: the name is still {db.name}.{table}.
  const olderConventions = attributes[DB_SYSTEM[0]] === undefined;
  const dot = target.indexOf('.');
  return olderConventions && dot > 0 ? target.slice(dot + 1) : target;
}

function sameName(a: string, b: string): boolean {
  return a.length === b.length && (a === b || a.toLowerCase() === b.toLowerCase());
}

/**
 * What a database span's name adds to the operation and table its attributes (or statement) gave:
 * the missing ones, taken from the name only when the name agrees with the known ones (same
 * operation in any case, same table); `{}` when it disagrees or is not `{operation} {target}`.
 * The semantic key and the model's entity extraction both complete a span this way, so a table
 * known only from the name is the same table in a label and in the model.
 */
export function completeFromSpanName(
  name: string,
  attributes: Record<string, string>,
  operation: string | undefined,
  table: string | undefined,
): SqlSummary {
  const parsed = parseDbSpanName(name, attributes);
  if (parsed.operation === undefined) return parsed;
  if (operation !== undefined && !sameName(parsed.operation, operation)) return {};
  if (table !== undefined && (parsed.table === undefined || !sameName(parsed.table, table))) {
    return {};
  }
  return parsed;
}
