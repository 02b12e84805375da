import { isIdToken } from './id-token.classifier';
import { ID_PLACEHOLDER, normalizeHost, normalizeUrlPath } from './url-path.normalizer';

/**
 * Span names are meant to be low-cardinality, but instrumentations and people put ids in them
 * (`GET /users/123`, `process order 8812`, `SELECT * FROM t WHERE id = 42`). This keeps the name and
 * replaces only what is clearly a per-request value; it does not try to recognise every
 * convention, since an over-eager rule would merge operations that really differ.
 */

/** Longer names are cut: a whole SQL batch as a span name would bloat every label that holds it. */
export const MAX_OPERATION_LENGTH = 256;

const SQL_START = /^\s*(?:select|insert|update|delete|upsert|merge|replace|with|call)\s/i;

/**
 * - SQL text (the name starts with a DML keyword): string and number literals become `?`,
 *   `IN (?, ?, ?)` and multi-row `VALUES (?), (?)` become `(?)`, whitespace collapses.
 * - Otherwise, word by word: a word holding `/` is a path or URL (see normalizeUrlPath; the host
 *   of a URL is kept unless it is an IP or a per-pod name), any other word that is a per-request
 *   value becomes `{id}`, and so does each `:`/`=`-separated part of a word (`user:42`, `id=42`).
 */
export function normalizeOperation(name: string): string {
  if (name.length === 0) return name;
  const out = SQL_START.test(name) ? normalizeSqlText(name) : normalizeWords(name);
  return out.length > MAX_OPERATION_LENGTH ? out.slice(0, MAX_OPERATION_LENGTH) + '…' : out;
}

function normalizeWords(name: string): string {
  let out = '';
  let changed = false;
  let i = 0;
  const n = name.length;
  while (i < n) {
    let c = name.charCodeAt(i);
    if (isSpace(c)) {
      // Runs of whitespace (tabs, newlines) become one space: labels are one line.
      const from = i;
      while (i < n && isSpace(name.charCodeAt(i))) i++;
      if (i - from !== 1 || c !== 32) changed = true;
      if (out.length > 0 && i < n) out += ' ';
      else changed = true;
      continue;
    }
    const from = i;
    let slash = false;
    let separator = false;
    while (i < n) {
      c = name.charCodeAt(i);
      if (isSpace(c)) break;
      if (c === 47) slash = true;
      else if (c === 58 || c === 61) separator = true;
      i++;
    }
    const word = name.slice(from, i);
    const normalized = slash
      ? normalizeUrlWord(word)
      : isIdToken(word)
        ? ID_PLACEHOLDER
        : separator
          ? normalizeParts(word)
          : word;
    if (normalized !== word) changed = true;
    out += normalized;
  }
  return changed ? out : name;
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** `https://10.0.0.7:8080/users/42?x` → `https://{ip}/users/{id}`; `/users/42` → `/users/{id}`. */
function normalizeUrlWord(word: string): string {
  const scheme = word.indexOf('://');
  if (scheme <= 0) return normalizeUrlPath(word);
  const hostStart = scheme + 3;
  let hostEnd = word.length;
  for (let i = hostStart; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c === 47 || c === 63 || c === 35) {
      hostEnd = i;
      break;
    }
  }
  const host = normalizeHost(word.slice(hostStart, hostEnd));
  const path = hostEnd < word.length ? normalizeUrlPath(word.slice(hostEnd)) : '';
  return word.slice(0, hostStart) + host + path;
}

function normalizeParts(word: string): string {
  return normalizeDelimited(word, ':=');
}

/**
 * Each part of `text` between any of the `delimiters` characters that is a per-request value
 * becomes `{id}`: `user:42:profile` (':') → `user:{id}:profile`, `amq.gen-Jz…Lg` ('.') →
 * `amq.{id}`. Returns `text` itself when nothing changes.
 */
export function normalizeDelimited(text: string, delimiters: string): string {
  let out = '';
  let changed = false;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && delimiters.indexOf(text[i]) < 0) continue;
    if (isIdToken(text, start, i)) {
      out += ID_PLACEHOLDER;
      changed = true;
    } else out += text.slice(start, i);
    if (i < text.length) out += text[i];
    start = i + 1;
  }
  return changed ? out : text;
}

const SQL_STRING = /'(?:[^']|'')*'/g;
// A number not glued to an identifier (`t1`, `$1`, `col_2` stay) nor to a dotted name.
const SQL_NUMBER = /(?<![\w$.])(?:0x[0-9a-f]+|\d+(?:\.\d+)?(?:e[-+]?\d+)?)(?![\w$])/gi;
const SQL_SPACE = /\s+/g;
const SQL_LIST = /\(\s*\?(?:\s*,\s*\?)*\s*\)/g;
const SQL_ROWS = /\(\?\)(?:\s*,\s*\(\?\))+/g;

/** Literals out, variable-length lists folded: the statement's shape, not its values. */
export function normalizeSqlText(sql: string): string {
  return sql
    .replace(SQL_STRING, '?')
    .replace(SQL_NUMBER, '?')
    .replace(SQL_SPACE, ' ')
    .trim()
    .replace(SQL_LIST, '(?)')
    .replace(SQL_ROWS, '(?)');
}
