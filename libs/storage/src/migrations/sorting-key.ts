/**
 * `${sorting_key}` in a migration: `ALTER TABLE ${db}.t …, MODIFY ORDER BY (${sorting_key}, c)`
 * appends `c` to whatever sorting key the table has when the statement runs. ClickHouse extends a
 * sorting key only at its end, with columns added in the same ALTER, and one table can carry
 * different keys in different installs (the first release of 001-spans created spans with a shorter
 * key than later ones), so a key written out in full would fail on some of them.
 *
 * The migrator reads the key from `system.tables` just before the statement runs; `renderSchema`
 * follows the keys the migrations themselves create. When the key already ends with the appended
 * columns (the statement ran before), they are not appended again: the statement then names the
 * key the table has, which ClickHouse accepts as no change, so the statement stays re-runnable.
 */
export const SORTING_KEY_PLACEHOLDER = '${sorting_key}';

const TARGET = /^ALTER\s+TABLE\s+\$\{db\}\.(\w+)\s/i;
/** `MODIFY ORDER BY (${sorting_key}, a, b)`: the appended columns are plain identifiers. */
const APPEND = /\bMODIFY\s+ORDER\s+BY\s+\(\s*\$\{sorting_key\}\s*,\s*(\w+(?:\s*,\s*\w+)*)\s*\)/i;

/**
 * Splits at the commas that are outside parentheses and quotes: the commands of an ALTER, the
 * expressions of a key.
 */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter((p) => p.length > 0);
}

/** The table whose sorting key the statement uses, or undefined when it has no `${sorting_key}`. */
export function sortingKeyTable(statement: string): string | undefined {
  if (!statement.includes(SORTING_KEY_PLACEHOLDER)) return undefined;
  return TARGET.exec(statement.trim())?.[1];
}

/**
 * Why a statement's `${sorting_key}` cannot be filled in (undefined: it can, or has none). Checked
 * when migration files load, so a misplaced one fails before anything runs.
 */
export function sortingKeyProblem(statement: string): string | undefined {
  if (!statement.includes(SORTING_KEY_PLACEHOLDER)) return undefined;
  if (!TARGET.test(statement.trim())) {
    return '${sorting_key} is only allowed in ALTER TABLE ${db}.<table> … MODIFY ORDER BY (${sorting_key}, <columns>)';
  }
  if (statement.split(SORTING_KEY_PLACEHOLDER).length !== 2 || !APPEND.test(statement)) {
    return '${sorting_key} must appear once, as MODIFY ORDER BY (${sorting_key}, <columns>)';
  }
  return undefined;
}

/**
 * The statement with `${sorting_key}` replaced by `currentKey` (as `system.tables.sorting_key`
 * writes it: expressions separated by commas, '' for no key), less the appended columns when the
 * key already ends with them.
 */
export function fillSortingKey(statement: string, currentKey: string): string {
  const m = APPEND.exec(statement);
  if (!m) throw new Error(`no MODIFY ORDER BY (\${sorting_key}, …) in "${statement.slice(0, 80)}"`);
  const appended = splitTopLevel(m[1]);
  let key = splitTopLevel(currentKey);
  const tail = key.slice(-appended.length);
  if (key.length >= appended.length && tail.every((k, i) => unquote(k) === appended[i])) {
    key = key.slice(0, -appended.length);
  }
  return statement.replace(APPEND, `MODIFY ORDER BY (${[...key, ...appended].join(', ')})`);
}

/** The sorting key a statement gives its table, if it names one: a CREATE TABLE's or a MODIFY ORDER BY's. */
export function sortingKeySet(statement: string): { table: string; key: string } | undefined {
  const s = statement.trim();
  const table = /^(?:CREATE\s+TABLE\s+IF\s+NOT\s+EXISTS|ALTER\s+TABLE)\s+\$\{db\}\.(\w+)\b/i.exec(
    s,
  )?.[1];
  if (!table) return undefined;
  const at = /\bORDER\s+BY\s+/i.exec(s);
  if (!at) return undefined;
  const rest = s.slice(at.index + at[0].length);
  if (!rest.startsWith('(')) {
    const single = /^[^\s,;]+/.exec(rest)?.[0] ?? '';
    return { table, key: single === 'tuple()' ? '' : single };
  }
  let depth = 0;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '(') depth++;
    else if (rest[i] === ')' && --depth === 0) {
      return { table, key: splitTopLevel(rest.slice(1, i)).join(', ') };
    }
  }
  return undefined;
}

function unquote(identifier: string): string {
  return identifier.replace(/^`(.*)`$/, '$1');
}
