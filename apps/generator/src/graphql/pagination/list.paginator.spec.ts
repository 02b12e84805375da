import { decodeCursor, encodeCursor } from './cursor';
import { paginateList } from './list.paginator';

const items = Array.from({ length: 7 }, (_, i) => ({ id: `item-${i}` }));
const page = (first: number | null, after: string | null = null) =>
  paginateList(items, 'things', (i) => i.id, { first, after });

describe(paginateList.name, () => {
  it('pages forward to the end with stable cursors', () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const p = page(3, after);
      seen.push(...p.edges.map((e) => e.node.id));
      for (const e of p.edges) expect(e.cursor).toBe(encodeCursor('things', e.node.id));
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
    }
    expect(seen).toEqual(items.map((i) => i.id));
  });

  it('reports page info and the total', () => {
    expect(page(2, encodeCursor('things', 'item-2'))).toMatchObject({
      totalCount: 7,
      pageInfo: { hasNextPage: true, hasPreviousPage: true },
    });
    expect(page(null).edges).toHaveLength(7);
    expect(page(0).pageInfo).toEqual({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: null,
      endCursor: null,
    });
  });

  it('refuses bad page sizes and cursors with BAD_USER_INPUT', () => {
    for (const call of [
      () => page(101),
      () => page(-1),
      () => page(1, 'garbage'),
      () => page(1, encodeCursor('other-list', 'item-1')),
      () => page(1, encodeCursor('things', 'gone')),
    ]) {
      expect(call).toThrow(
        expect.objectContaining({
          extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }),
        }),
      );
    }
  });

  it('round-trips string and number keys', () => {
    expect(decodeCursor('v', encodeCursor('v', 42))).toBe(42);
    expect(decodeCursor('v', encodeCursor('v', 'a|b c'))).toBe('a|b c');
  });
});
