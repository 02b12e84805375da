import { BadUserInputError } from '../errors/api.errors';

/**
 * Opaque cursors: base64url of `[list, key]`, where `key` is the natural identity of the item
 * (an endpoint key, an edge id, a version number), not its position. The same item therefore
 * always has the same cursor, whatever the page size or the page it was fetched on, and a cursor
 * from one list is refused by another instead of silently pointing somewhere else.
 */
export function encodeCursor(list: string, key: string | number): string {
  return Buffer.from(JSON.stringify([list, key]), 'utf8').toString('base64url');
}

export function decodeCursor(list: string, cursor: string): string | number {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new BadUserInputError('malformed cursor', 'after');
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    parsed[0] !== list ||
    (typeof parsed[1] !== 'string' && typeof parsed[1] !== 'number')
  ) {
    throw new BadUserInputError(`cursor does not belong to this list (${list})`, 'after');
  }
  return parsed[1];
}
