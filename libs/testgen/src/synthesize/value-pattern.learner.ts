import { isIdToken } from '@t2t/fingerprint';

/**
 * A regular expression for a family of values that vary but share a shape, e.g. URLs with ids
 * (`http://cart-service:8080/carts/9467d4e6-…` → `^http://cart-service:8080/carts/[0-9a-f-]{36}$`),
 * message ids, nonces. Values are cut at separators; a part equal in every value stays literal
 * unless it looks like an id (libs/fingerprint's isIdToken: with one sample we cannot see it vary,
 * but an id will); a part that differs becomes the narrowest class that covers every value seen.
 * Returns undefined when the values do not share a shape (different numbers of parts or
 * separators): the caller falls back to a type or presence check.
 *
 * An id-like part that stayed the same across at least ID_CONSTANT_AFTER values is kept literal:
 * ids vary, so a number that does not is a port or a version.
 */
const ID_CONSTANT_AFTER = 5;

export function learnValuePattern(values: readonly string[]): string | undefined {
  if (values.length === 0) return undefined;
  const split = values.map(splitParts);
  const shape = split[0];
  if (!split.every((p) => sameSeparators(p, shape))) return undefined;
  let pattern = '^';
  for (let i = 0; i < shape.parts.length; i++) {
    const column = split.map((p) => p.parts[i]);
    const first = column[0];
    const constant = column.every((v) => v === first);
    const literal = constant && (!looksLikeId(first) || values.length >= ID_CONSTANT_AFTER);
    pattern += literal ? escapeRegex(first) : classFor(column);
    if (i < shape.separators.length) pattern += escapeRegex(shape.separators[i]);
  }
  pattern += '$';
  // A pattern that lets anything through says nothing a presence check would not.
  return /^\^(\.\+|\.\*)\$$/.test(pattern) ? undefined : pattern;
}

interface Parts {
  parts: string[];
  separators: string[];
}

// Hyphens are not separators: they hold UUIDs and slugs together, which are one value each.
const SEPARATOR = /[/:.?=&,;@ #|]/;

function splitParts(value: string): Parts {
  const parts: string[] = [];
  const separators: string[] = [];
  let current = '';
  for (const ch of value) {
    if (SEPARATOR.test(ch)) {
      parts.push(current);
      separators.push(ch);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return { parts, separators };
}

function sameSeparators(a: Parts, b: Parts): boolean {
  return (
    a.separators.length === b.separators.length &&
    a.separators.every((s, i) => s === b.separators[i])
  );
}

function looksLikeId(part: string): boolean {
  return part !== '' && (/^\d+$/.test(part) || isIdToken(part));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The narrowest of a few classes that covers every value of a part. */
function classFor(column: readonly string[]): string {
  const lengths = new Set(column.map((v) => v.length));
  const fixed = lengths.size === 1 ? `{${column[0].length}}` : '+';
  const all = (re: RegExp) => column.every((v) => re.test(v));
  if (all(UUID))
    return '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
  if (column.some((v) => v === '')) return '[^/:.?=&,;@ #|]*';
  if (all(/^\d+$/)) return '\\d+';
  if (all(/^[0-9a-f]+$/)) return `[0-9a-f]${fixed}`;
  if (all(/^[0-9A-F]+$/)) return `[0-9A-F]${fixed}`;
  if (all(/^[A-Za-z0-9]+$/)) return '[A-Za-z0-9]+';
  if (all(/^[A-Za-z0-9_-]+$/)) return '[A-Za-z0-9_-]+';
  return '[^/:.?=&,;@ #|]+';
}

export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}
