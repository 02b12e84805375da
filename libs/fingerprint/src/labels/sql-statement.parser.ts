/**
 * The operation and the first table of a SQL statement, for database spans that carry only the
 * statement (`db.statement` / `db.query.text`) and not `db.operation.name` / `db.collection.name`.
 *
 * Deliberately shallow: a tokenizer that skips comments and string literals, then a few rules
 * (DELETE/SELECT → FROM, INSERT/UPSERT/REPLACE/MERGE → INTO, UPDATE → the next name, else the first
 * JOIN). Anything it is not sure about is left out: a missing table only makes a label less
 * specific, a wrong one would split or merge clusters.
 */

export interface SqlSummary {
  /** Upper-case DML verb, e.g. `SELECT`; undefined when the statement does not start with one. */
  operation?: string;
  /** The first table named, unquoted, schema kept (`shop.orders`). */
  table?: string;
}

const OPERATIONS = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'UPSERT', 'MERGE', 'REPLACE']);
/** Words that may sit between UPDATE/INTO/FROM and the table name. */
const MODIFIERS = new Set([
  'ONLY',
  'LOW_PRIORITY',
  'IGNORE',
  'QUICK',
  'DELAYED',
  'TABLE',
  'LATERAL',
]);
/** Only the start of a statement is read: the first table is near the start, statements can be huge. */
const SCAN_LIMIT = 4096;

/** A name or keyword (`text` as written, `upper` for keyword matching) or one punctuation mark. */
interface Token {
  text: string;
  upper: string;
  /** "quoted", `quoted` or [quoted]: always a name, never a keyword. */
  quoted: boolean;
  /** 0 for names and keywords, else the character code of the punctuation mark. */
  mark: number;
}

function word(text: string, quoted: boolean): Token {
  return { text, upper: quoted ? '' : text.toUpperCase(), quoted, mark: 0 };
}

/** Tokens of `sql` up to SCAN_LIMIT; comments and string literals are skipped. */
function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  const n = Math.min(sql.length, SCAN_LIMIT);
  let i = 0;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c <= 32) {
      i++;
    } else if (c === 45 && sql.charCodeAt(i + 1) === 45) {
      const eol = sql.indexOf('\n', i);
      i = eol < 0 ? n : eol + 1;
    } else if (c === 47 && sql.charCodeAt(i + 1) === 42) {
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
    } else if (c === 39) {
      // 'string' ('' escapes an apostrophe): values are not structure.
      i++;
      while (i < n) {
        if (sql.charCodeAt(i) === 39) {
          if (sql.charCodeAt(i + 1) !== 39) break;
          i++;
        }
        i++;
      }
      i++;
    } else if (c === 34 || c === 96 || c === 91) {
      const close = sql.indexOf(c === 91 ? ']' : sql[i], i + 1);
      if (close < 0) break;
      tokens.push(word(sql.slice(i + 1, close), true));
      i = close + 1;
    } else if (isWordChar(c)) {
      const from = i;
      while (i < n && isWordChar(sql.charCodeAt(i))) i++;
      tokens.push(word(sql.slice(from, i), false));
    } else {
      tokens.push({ text: sql[i], upper: '', quoted: false, mark: c });
      i++;
    }
  }
  return tokens;
}

function isWordChar(c: number): boolean {
  const lower = c | 0x20;
  return (lower >= 97 && lower <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 36 || c > 127;
}

function isKeyword(t: Token | undefined, keyword: string): boolean {
  return t !== undefined && t.upper === keyword;
}

/** The dotted name starting at tokens[i] (after optional modifiers), or undefined. */
function readName(tokens: Token[], i: number): string | undefined {
  while (i < tokens.length && MODIFIERS.has(tokens[i].upper)) i++;
  let name = '';
  for (;;) {
    const t = tokens[i];
    if (t === undefined || t.mark !== 0) return undefined;
    // Placeholders (`$1`), numbers and the like are not table names.
    if (!t.quoted && !/^[A-Za-z_]/.test(t.text)) return undefined;
    name += t.text;
    if (tokens[i + 1]?.mark !== 46 /* . */) return name;
    name += '.';
    i += 2;
  }
}

/** The first name after a `keyword` token at or after `from` (skips `FROM (subquery)`). */
function firstNameAfter(tokens: Token[], keyword: string, from: number): string | undefined {
  for (let i = from; i < tokens.length; i++) {
    if (!isKeyword(tokens[i], keyword)) continue;
    const name = readName(tokens, i + 1);
    if (name !== undefined) return name;
  }
  return undefined;
}

export function parseSqlStatement(sql: string): SqlSummary {
  const tokens = tokenize(sql);
  let start = 0;
  if (isKeyword(tokens[0], 'WITH')) {
    // WITH cte AS (...) <statement>: the statement is the first DML verb outside parentheses.
    let depth = 0;
    start = -1;
    for (let i = 1; i < tokens.length && start < 0; i++) {
      const t = tokens[i];
      if (t.mark === 40) depth++;
      else if (t.mark === 41) depth--;
      else if (depth === 0 && OPERATIONS.has(t.upper)) start = i;
    }
    if (start < 0) return {};
  }
  const operation = tokens[start]?.upper;
  if (operation === undefined || !OPERATIONS.has(operation)) return {};
  let table: string | undefined;
  switch (operation) {
    case 'UPDATE':
      table = readName(tokens, start + 1);
      break;
    case 'INSERT':
    case 'UPSERT':
    case 'REPLACE':
    case 'MERGE':
      table = firstNameAfter(tokens, 'INTO', start + 1);
      break;
    default:
      table = firstNameAfter(tokens, 'FROM', start + 1);
  }
  table ??= firstNameAfter(tokens, 'JOIN', start + 1);
  return table === undefined ? { operation } : { operation, table };
}
