import { BadUserInputError } from '../errors/api.errors';
import type { Connection } from './connection.type';
import { decodeCursor, encodeCursor } from './cursor';
import { type PageArgs, pageSize } from './page.args';

/**
 * Pages a list held in memory (the parts of one model version). The order is the list's own (a
 * model version is immutable, so the order never changes under a client); `after` is found by
 * the item's key, so a cursor keeps working whatever the page size.
 */
export function paginateList<T>(
  items: readonly T[],
  list: string,
  keyOf: (item: T) => string,
  args: PageArgs,
): Connection<T> {
  const first = pageSize(args);
  let start = 0;
  if (args.after) {
    const key = decodeCursor(list, args.after);
    const index = items.findIndex((item) => keyOf(item) === key);
    if (index < 0) {
      throw new BadUserInputError(
        'cursor points to an item that is not in this list (another version or filter?)',
        'after',
      );
    }
    start = index + 1;
  }
  const page = items.slice(start, start + first);
  const edges = page.map((node) => ({ cursor: encodeCursor(list, keyOf(node)), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: start + page.length < items.length,
      hasPreviousPage: start > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    totalCount: items.length,
  };
}
