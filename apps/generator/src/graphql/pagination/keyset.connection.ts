import type { Connection } from './connection.type';

/**
 * A connection from one keyset page read with `limit: first + 1`: the extra row only tells that
 * there is a next page. `hasPreviousPage` is whether the page started after a cursor.
 */
export function keysetConnection<T>(
  rows: readonly T[],
  first: number,
  afterCursor: boolean,
  cursorOf: (item: T) => string,
): Connection<T> {
  const edges = rows.slice(0, first).map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage: afterCursor,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    totalCount: null,
  };
}
