/**
 * The operation and the first table of a SQL statement, for database spans that carry only the
 * statement (`db.statement` / `db.query.text`) and not `db.operation.name` / `db.collection.name`.
 *
 * A tokenizer that skips comments, string literals (also `E'…'` and `$tag$…$tag$`) and reads
 * quoted names ("x", `x`, [x]), then a reading of the statement by its structure, parenthesis by
 * parenthesis. What "first table" means:
 *
 * - SELECT: the first source of the statement's own FROM clause (then JOIN / APPLY / `,` sources
 *   when the first is not a table). `FROM`, `IN`, `AS` inside a function's parentheses
 *   (`EXTRACT(YEAR FROM created_at)`, `SUBSTRING(x FROM 2 FOR 3)`, `TRIM(LEADING '0' FROM x)`,
 *   `OVERLAY(… PLACING … FROM …)`, `POSITION('a' IN b)`, `CAST(x AS int)`, window clauses) are
 *   never read as clauses: only parentheses that hold a query (`(SELECT …)`, `(WITH …)`) are read
 *   as SQL. A derived table `FROM (SELECT … FROM orders) o` stands for its own first table. Only
 *   when the statement's own FROM names no table is a nested query read (`SELECT EXISTS (SELECT 1
 *   FROM users …)`). `a IS DISTINCT FROM b` is not a clause.
 * - CTEs: a CTE's name is not a table. `WITH recent AS (SELECT … FROM orders) SELECT … FROM recent
 *   JOIN customers …` reads `orders`: a reference to a CTE stands for the table the CTE's body
 *   reads first, so the answer is the first real table the statement reads through its first
 *   source. A recursive reference, or a CTE body without a table, gives nothing for that source.
 * - INSERT / UPSERT / REPLACE / MERGE: the target (`INTO t`, or `INSERT t`, `MERGE t` without
 *   INTO), never the tables of a `SELECT` that feeds it.
 * - UPDATE: the name after UPDATE (not the tables of subqueries in SET).
 * - DELETE: the first source of its FROM (`DELETE FROM t USING u` → t), else the name after
 *   DELETE (`DELETE orders WHERE …`).
 * - No table at all: `SELECT 1`, `SELECT now()`, `SELECT EXTRACT(EPOCH FROM now())`, `FROM dual`,
 *   table functions (`FROM generate_series(1, 9)`, `unnest($1)`), placeholders (`FROM $1`).
 * - Leading session statements (`SET NOCOUNT ON; INSERT …`, as Entity Framework sends) are
 *   skipped; after the first DML statement, nothing more is read.
 *
 * Names keep their schema (`shop.orders`) and lose their quotes (`"Shop"."Orders"` → `Shop.Orders`).
 * Anything it is not sure about is left out: a missing table only makes a label less specific, a
 * wrong one would split or merge clusters.
 *
 * On the clustering hot path: tokens live in module-level typed arrays (no object per token) and
 * keywords are compared in place, so a parse allocates only its result and the table's text.
 */

export interface SqlSummary {
  /** Upper-case DML verb, e.g. `SELECT`; undefined when the statement does not start with one. */
  operation?: string;
  /** The first table named, unquoted, schema kept (`shop.orders`). */
  table?: string;
}

const OPERATIONS = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'UPSERT', 'MERGE', 'REPLACE'];
/** Words that may sit between a verb, INTO, FROM or JOIN and the table name. */
const MODIFIERS = [
  'ONLY',
  'LOW_PRIORITY',
  'HIGH_PRIORITY',
  'IGNORE',
  'QUICK',
  'DELAYED',
  'TABLE',
  'LATERAL',
  'OR',
  'REPLACE',
  'ROLLBACK',
  'ABORT',
  'FAIL',
  'ALL',
];
/** Keywords that end a FROM clause: a `,` after them does not start another source. */
const FROM_CLAUSE_ENDS = [
  'WHERE',
  'ON',
  'USING',
  'GROUP',
  'ORDER',
  'HAVING',
  'LIMIT',
  'OFFSET',
  'FETCH',
  'UNION',
  'INTERSECT',
  'EXCEPT',
  'MINUS',
  'WINDOW',
  'RETURNING',
  'FOR',
  'SET',
  'VALUES',
  'SELECT',
  'QUALIFY',
  'CONNECT',
  'START',
];
/** Reserved words: never a table when unquoted (only malformed or cut statements put one there). */
const RESERVED = [
  'SELECT',
  'FROM',
  'WHERE',
  'WITH',
  'JOIN',
  'INTO',
  'AS',
  'ON',
  'USING',
  'UNION',
  'GROUP',
  'ORDER',
  'HAVING',
  'DISTINCT',
  'IS',
  'AND',
  'OR',
  'NOT',
  'NULL',
  'CASE',
  'WHEN',
  'THEN',
  'LIMIT',
  'VALUES',
  'SET',
  'RECURSIVE',
];
/** Keywords after which a parenthesised group is a source, like after FROM. */
const JOINS = ['JOIN', 'APPLY'];
/** Only the start of a statement is read: the first table is near the start, statements can be huge. */
const SCAN_LIMIT = 4096;
/** Subqueries nested deeper than this are not read (pathological input must not exhaust the stack). */
const MAX_NESTING = 32;

// Token kinds: punctuation marks are their character code (always > 32).
const WORD = 0;
const QUOTED = 1;
/** Quoted with a doubled closing quote inside ("a""b"): unescaped when its text is taken. */
const QUOTED_ESCAPED = 2;
const NONE = -1;

/** The tokens of the statement being parsed (one statement at a time: parsing never re-enters). */
const kinds = new Uint8Array(SCAN_LIMIT + 1);
const starts = new Int32Array(SCAN_LIMIT + 1);
const ends = new Int32Array(SCAN_LIMIT + 1);
/** For `(`: index of its `)` (or `count` when unclosed). */
const partners = new Int32Array(SCAN_LIMIT + 1);
const openStack = new Int32Array(SCAN_LIMIT + 1);
let src = '';
let count = 0;

/** The CTEs in scope: the token of each name and of its body's `(`; whether it is being resolved. */
const MAX_CTES = 64;
const cteNames = new Int32Array(MAX_CTES);
const cteBodies = new Int32Array(MAX_CTES);
const cteResolving = new Uint8Array(MAX_CTES);
/** 1 when the CTE was declared by WITH RECURSIVE (its name inside its body is itself). */
const cteRecursive = new Uint8Array(MAX_CTES);
let cteCount = 0;

/** The verb of the outermost statement, set by readStatement at nesting 0. */
let topOperation: string | undefined;

export function parseSqlStatement(sql: string): SqlSummary {
  src = sql;
  count = tokenize(sql);
  cteCount = 0;
  topOperation = undefined;
  let i = 0;
  // `;WITH cte AS …` (a T-SQL habit) and session settings sent in the same batch
  // (`SET NOCOUNT ON; INSERT …`) are not the statement.
  while (kindAt(i) === 59) i++;
  while (isKeyword(i, 'SET')) {
    const semicolon = findMark(i, count, 59);
    if (semicolon < 0) break;
    i = semicolon + 1;
    while (kindAt(i) === 59) i++;
  }
  const table = readStatement(i, count, 0);
  const operation = topOperation;
  src = '';
  topOperation = undefined;
  if (operation === undefined) return {};
  return table === undefined ? { operation } : { operation, table };
}

/** Fills the token arrays from `sql` (up to SCAN_LIMIT); returns the token count. */
function tokenize(sql: string): number {
  const n = Math.min(sql.length, SCAN_LIMIT);
  let t = 0;
  let open = 0;
  let i = 0;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c <= 32) {
      i++;
    } else if (
      (c === 45 && sql.charCodeAt(i + 1) === 45) ||
      (c === 35 && (i + 1 >= n || sql.charCodeAt(i + 1) <= 32))
    ) {
      // -- comment, or MySQL's `# comment` (`#temp` is a SQL Server name, left as punctuation)
      const eol = sql.indexOf('\n', i);
      i = eol < 0 ? n : eol + 1;
    } else if (c === 47 && sql.charCodeAt(i + 1) === 42) {
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
    } else if (c === 39) {
      // 'string' ('' escapes a quote): values are not structure. A one- or two-letter word glued
      // to it is its prefix (E'…', N'…', X'…'); E'…' strings also escape with a backslash.
      let backslash = false;
      if (t > 0 && kinds[t - 1] === WORD && ends[t - 1] === i && i - starts[t - 1] <= 2) {
        backslash = (sql.charCodeAt(starts[t - 1]) | 0x20) === 101 && i - starts[t - 1] === 1;
        t--;
      }
      i++;
      while (i < n) {
        const d = sql.charCodeAt(i);
        if (d === 92 && backslash) i++;
        else if (d === 39) {
          if (sql.charCodeAt(i + 1) !== 39) break;
          i++;
        }
        i++;
      }
      i++;
    } else if (c === 36 && isDollarQuote(sql, i, n)) {
      // $tag$ … $tag$ (PostgreSQL): a string, e.g. a function body.
      const tagEnd = sql.indexOf('$', i + 1);
      const close = sql.indexOf(sql.slice(i, tagEnd + 1), tagEnd + 1);
      i = close < 0 ? n : close + tagEnd + 1 - i;
    } else if (c === 34 || c === 96 || c === 91) {
      const closer = c === 91 ? 93 : c;
      let j = i + 1;
      let escaped = false;
      while (j < n) {
        if (sql.charCodeAt(j) === closer) {
          if (sql.charCodeAt(j + 1) !== closer) break;
          escaped = true;
          j++;
        }
        j++;
      }
      if (j >= n) break;
      kinds[t] = escaped ? QUOTED_ESCAPED : QUOTED;
      starts[t] = i + 1;
      ends[t++] = j;
      i = j + 1;
    } else if (isWordChar(c)) {
      const from = i;
      while (i < n && isWordChar(sql.charCodeAt(i))) i++;
      kinds[t] = WORD;
      starts[t] = from;
      ends[t++] = i;
    } else {
      kinds[t] = c;
      starts[t] = i;
      ends[t] = i + 1;
      if (c === 40) {
        openStack[open++] = t;
        partners[t] = NONE;
      } else if (c === 41) {
        if (open > 0) {
          const o = openStack[--open];
          partners[o] = t;
          partners[t] = o;
        } else partners[t] = NONE;
      }
      t++;
      i++;
    }
  }
  // Groups still open at the end (the statement was cut at SCAN_LIMIT) run to the end.
  while (open > 0) partners[openStack[--open]] = t;
  return t;
}

/** `$$` or `$tag$` at i (not `$1`, a placeholder, nor `$` inside a name: callers check that). */
function isDollarQuote(sql: string, i: number, n: number): boolean {
  let j = i + 1;
  if (j < n && sql.charCodeAt(j) === 36) return true;
  if (j >= n || !startsName(sql.charCodeAt(j))) return false;
  for (j++; j < n; j++) {
    const c = sql.charCodeAt(j);
    if (c === 36) return true;
    if (!isWordChar(c)) return false;
  }
  return false;
}

function isWordChar(c: number): boolean {
  const lower = c | 0x20;
  return (lower >= 97 && lower <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 36 || c > 127;
}

function kindAt(i: number): number {
  return i < count ? kinds[i] : NONE;
}

/** Whether token i is the unquoted keyword `keyword` (upper case), in any case. */
function isKeyword(i: number, keyword: string): boolean {
  if (i >= count || kinds[i] !== WORD) return false;
  const start = starts[i];
  if (ends[i] - start !== keyword.length) return false;
  for (let j = 0; j < keyword.length; j++) {
    let c = src.charCodeAt(start + j);
    if (c >= 97 && c <= 122) c -= 32;
    if (c !== keyword.charCodeAt(j)) return false;
  }
  return true;
}

function isAnyKeyword(i: number, keywords: readonly string[]): boolean {
  for (const keyword of keywords) if (isKeyword(i, keyword)) return true;
  return false;
}

/** The DML verb at token i (the constant, not a copy), or undefined. */
function operationAt(i: number): string | undefined {
  for (const operation of OPERATIONS) if (isKeyword(i, operation)) return operation;
  return undefined;
}

/** Index of the `)` closing the group opened at i, or `count` when unclosed. */
function groupEnd(i: number): number {
  return partners[i];
}

/** The first punctuation `mark` at the level of `from` (groups skipped), before `end`; else -1. */
function findMark(from: number, end: number, mark: number): number {
  for (let i = from; i < end; i++) {
    const k = kinds[i];
    if (k === mark) return i;
    if (k === 40) i = groupEnd(i);
  }
  return -1;
}

/** Whether the group opened at i holds a query: `(SELECT …)`, `(WITH …)`, `((SELECT …) UNION …)`. */
function isQueryGroup(i: number): boolean {
  let j = i + 1;
  while (kindAt(j) === 40) j++;
  return isKeyword(j, 'SELECT') || isKeyword(j, 'WITH');
}

/**
 * Reads the statement starting at token i and ending before `end`: registers its CTEs, finds its
 * verb (recorded in topOperation at nesting 0) and returns its first table.
 */
function readStatement(i: number, end: number, nesting: number): string | undefined {
  if (nesting > MAX_NESTING) return undefined;
  // (SELECT …) UNION (SELECT …): the first parenthesised query is the statement's start.
  while (i < end && kinds[i] === 40) {
    end = Math.min(end, groupEnd(i));
    i++;
  }
  if (isKeyword(i, 'WITH')) {
    i = readCtes(i + 1, end);
    // SEARCH / CYCLE clauses of recursive CTEs and the like: the verb is the first one at this level.
    while (i < end && operationAt(i) === undefined) {
      if (kinds[i] === 40) i = groupEnd(i);
      else if (kinds[i] === 59) return undefined;
      i++;
    }
  }
  const operation = operationAt(i);
  if (operation === undefined) return undefined;
  if (nesting === 0) topOperation = operation;
  // One statement: a `;` at this level ends it.
  const semicolon = findMark(i + 1, end, 59);
  if (semicolon >= 0) end = semicolon;
  switch (operation) {
    case 'SELECT':
      return fromSources(i + 1, end, nesting) ?? nestedQueryTable(i + 1, end, nesting);
    case 'DELETE': {
      const table = fromSources(i + 1, end, nesting);
      if (table !== undefined) return table;
      // `DELETE orders WHERE …` (FROM is optional in Oracle and SQL Server)
      const j = afterModifiers(i + 1);
      return isKeyword(j, 'FROM') ? undefined : sourceAt(j, end, nesting, true);
    }
    case 'UPDATE':
      return sourceAt(afterModifiers(i + 1), end, nesting, true);
    default: {
      // INSERT / UPSERT / REPLACE / MERGE [modifiers] [INTO] target
      let j = afterModifiers(i + 1);
      if (isKeyword(j, 'INTO')) j = afterModifiers(j + 1);
      return sourceAt(j, end, nesting, true);
    }
  }
}

/**
 * `name [(columns)] AS [NOT] [MATERIALIZED] (body) [, …]` after WITH [RECURSIVE]: records each CTE
 * and returns the index after the list.
 */
function readCtes(i: number, end: number): number {
  const recursive = isKeyword(i, 'RECURSIVE') ? 1 : 0;
  i += recursive;
  for (;;) {
    const k = kindAt(i);
    if (i >= end || (k !== WORD && k !== QUOTED && k !== QUOTED_ESCAPED)) return i;
    const name = i++;
    if (kindAt(i) === 40) i = groupEnd(i) + 1;
    if (!isKeyword(i, 'AS')) return i;
    i++;
    if (isKeyword(i, 'NOT')) i++;
    if (isKeyword(i, 'MATERIALIZED')) i++;
    if (kindAt(i) !== 40) return i;
    if (cteCount < MAX_CTES) {
      cteNames[cteCount] = name;
      cteBodies[cteCount] = i;
      cteRecursive[cteCount] = recursive;
      cteResolving[cteCount++] = 0;
    }
    i = groupEnd(i) + 1;
    if (kindAt(i) !== 44) return i;
    i++;
  }
}

/** Skips modifier words and `TOP n` / `TOP (n) [PERCENT]` from i. */
function afterModifiers(i: number): number {
  for (;;) {
    if (isAnyKeyword(i, MODIFIERS)) {
      i++;
    } else if (isKeyword(i, 'TOP')) {
      i = kindAt(i + 1) === 40 ? groupEnd(i + 1) + 1 : i + 2;
      if (isKeyword(i, 'PERCENT')) i++;
    } else {
      return i;
    }
  }
}

/**
 * The first table among the sources of the FROM clause at the level of `from`: after FROM, JOIN,
 * APPLY and, inside a FROM clause, `,`. Parenthesised groups at this level are skipped unless they
 * are a source (so `EXTRACT(YEAR FROM x)` is never read).
 */
function fromSources(from: number, end: number, nesting: number): string | undefined {
  let inFrom = false;
  for (let i = from; i < end; i++) {
    const k = kinds[i];
    if (k === 40) {
      i = groupEnd(i);
    } else if (k === WORD) {
      if (isKeyword(i, 'FROM')) {
        // `a IS [NOT] DISTINCT FROM b` compares values.
        if (i > from && isKeyword(i - 1, 'DISTINCT')) continue;
        inFrom = true;
        const table = sourceAt(afterModifiers(i + 1), end, nesting, false);
        if (table !== undefined) return table;
      } else if (isAnyKeyword(i, JOINS)) {
        inFrom = true;
        const table = sourceAt(afterModifiers(i + 1), end, nesting, false);
        if (table !== undefined) return table;
      } else if (inFrom && isAnyKeyword(i, FROM_CLAUSE_ENDS)) {
        inFrom = false;
      }
    } else if (k === 44 && inFrom) {
      const table = sourceAt(afterModifiers(i + 1), end, nesting, false);
      if (table !== undefined) return table;
    }
  }
  return undefined;
}

/** The first table of the first query nested anywhere in [from, end) (scalar subqueries, EXISTS). */
function nestedQueryTable(from: number, end: number, nesting: number): string | undefined {
  for (let i = from; i < end; i++) {
    if (kinds[i] !== 40 || !isQueryGroup(i)) continue;
    const table = readStatement(i + 1, Math.min(end, groupEnd(i)), nesting + 1);
    if (table !== undefined) return table;
    i = groupEnd(i);
  }
  return undefined;
}

/**
 * The table a source at token i stands for: a (dotted, possibly quoted) name, a CTE's first table,
 * or a derived table's first table. Undefined for anything else: placeholders, `dual`, and — unless
 * `call` (the target of INSERT/UPDATE/DELETE, where `t (columns)` follows) — a name followed by `(`,
 * which is a table function (`generate_series(1, 9)`, `unnest($1)`).
 */
function sourceAt(i: number, end: number, nesting: number, call: boolean): string | undefined {
  if (i >= end) return undefined;
  const k = kinds[i];
  if (k === 40) {
    return isQueryGroup(i)
      ? readStatement(i + 1, Math.min(end, groupEnd(i)), nesting + 1)
      : undefined;
  }
  // The dotted name's last part.
  let last = i;
  for (;;) {
    const kind = kinds[last];
    if (kind === WORD) {
      // Placeholders ($1), numbers and the like are not names.
      if (!startsName(src.charCodeAt(starts[last]))) return undefined;
    } else if (kind !== QUOTED && kind !== QUOTED_ESCAPED) {
      return undefined;
    }
    if (kindAt(last + 1) !== 46 /* . */ || last + 2 >= end) break;
    last += 2;
  }
  if (!call && kindAt(last + 1) === 40) return undefined;
  if (last === i) {
    if (k === WORD && (isKeyword(i, 'DUAL') || isAnyKeyword(i, RESERVED))) return undefined;
    const cte = cteNamed(i);
    if (cte >= 0 && cteResolving[cte] === 0) {
      // A CTE stands for the table its body reads first. While its body is being read, its own
      // name is the real table it shadows (or, in a recursive CTE, nothing known: the self-reference
      // finds no table in the body's first source and the reading moves on).
      cteResolving[cte] = 1;
      const body = cteBodies[cte];
      const table = readStatement(body + 1, groupEnd(body), nesting + 1);
      cteResolving[cte] = 0;
      return table;
    }
    if (cte >= 0 && cteRecursive[cte] === 1) return undefined;
  }
  return nameText(i, last);
}

/** The CTE in scope whose name is token i's text (case-insensitive), or -1. */
function cteNamed(i: number): number {
  const length = ends[i] - starts[i];
  for (let c = cteCount - 1; c >= 0; c--) {
    const name = cteNames[c];
    if (ends[name] - starts[name] !== length) continue;
    let same = true;
    for (let j = 0; j < length && same; j++) {
      same = (src.charCodeAt(starts[name] + j) | 0x20) === (src.charCodeAt(starts[i] + j) | 0x20);
    }
    if (same) return c;
  }
  return -1;
}

function startsName(c: number): boolean {
  const lower = c | 0x20;
  return (lower >= 97 && lower <= 122) || c === 95 || c > 127;
}

/** The name made of tokens first, first + 2, …, last (dots between), quotes removed. */
function nameText(first: number, last: number): string {
  let plain = true;
  for (let t = first; t <= last && plain; t += 2) {
    plain = kinds[t] === WORD && (t === last || ends[t] + 1 === starts[t + 2]);
  }
  if (plain) return src.slice(starts[first], ends[last]);
  let name = partText(first);
  for (let t = first + 2; t <= last; t += 2) name += '.' + partText(t);
  return name;
}

function partText(t: number): string {
  const text = src.slice(starts[t], ends[t]);
  if (kinds[t] !== QUOTED_ESCAPED) return text;
  const closer = src[starts[t] - 1] === '[' ? ']' : src[starts[t] - 1];
  return text.split(closer + closer).join(closer);
}
