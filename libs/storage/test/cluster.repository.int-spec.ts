import type { ClusterWindowEvent } from '@t2t/fingerprint';
import { ClusterRepository, type ClickHouseHandle, openStorage } from '@t2t/storage';
import { freshTestStorage, type TestStorage } from '@t2t/test-support';

const WINDOW_MS = 60_000;
const T0_MS = 1_767_225_600_000;

function windowEvent(
  endpoint: string,
  fingerprint: string,
  window: number,
  count: number,
  partition = 0,
): ClusterWindowEvent {
  const startMs = T0_MS + window * WINDOW_MS;
  const traceId = `${fingerprint}${window}`.padEnd(32, '0');
  return {
    v: 1,
    type: 'window',
    partition,
    fingerprint: { version: 1, canonical: fingerprint, shingles: [] },
    aggregate: {
      windowStartMs: startMs,
      windowEndMs: startMs + WINDOW_MS,
      endpoint,
      fingerprint,
      count,
      errorCount: 1,
      incompleteCount: 0,
      spanCount: count * 3,
      firstSeenNs: `${BigInt(startMs) * 1_000_000n + 123n}`,
      lastSeenNs: `${BigInt(startMs + 1000) * 1_000_000n + 456n}`,
      duration: { gamma: 1.02, zeroCount: 0, indexes: [100], counts: [count] },
      sample: {
        k: 20,
        traceIds: [traceId],
        hashes: ['0000000000000001'],
        durationsUs: [1000],
        errorFlags: [false],
        completeFlags: [true],
      },
      representative: { traceId, durationUs: 1000 },
    },
  };
}

describe(`${ClusterRepository.name}.statsPage`, () => {
  let storage: TestStorage;
  let handle: ClickHouseHandle;
  let sut: ClusterRepository;

  beforeAll(async () => {
    storage = freshTestStorage();
    handle = await openStorage(storage.config);
    sut = new ClusterRepository(handle);
    await sut.write([
      windowEvent('b|GET /b', 'f2', 0, 5),
      windowEvent('b|GET /b', 'f2', 1, 7),
      windowEvent('a|GET /a', 'f9', 0, 1),
      windowEvent('a|GET /a', 'f1', 0, 2),
      windowEvent('a|GET /a', 'f1', 0, 2), // the same window again: replaces, not adds
      windowEvent('c|GET /c', 'f0', 0, 4, 3),
    ]);
  });

  afterAll(async () => {
    await handle.close();
    await storage.cleanup();
  });

  it('pages in (endpoint, fingerprint) order after a keyset position, with totals', async () => {
    const first = await sut.statsPage({ limit: 2 });
    expect(first.map((r) => [r.endpoint, r.fingerprint])).toEqual([
      ['a|GET /a', 'f1'],
      ['a|GET /a', 'f9'],
    ]);
    expect(first[0]).toMatchObject({ traces: 2, errors: 1, spans: 6 });
    const second = await sut.statsPage({ limit: 2, after: first[1] });
    expect(second.map((r) => [r.endpoint, r.fingerprint])).toEqual([
      ['b|GET /b', 'f2'],
      ['c|GET /c', 'f0'],
    ]);
    expect(second[0]).toMatchObject({ traces: 12, errors: 2 });
    expect(await sut.statsPage({ limit: 2, after: second[1] })).toEqual([]);
  });

  it('reads first and last seen as exact nanoseconds', async () => {
    const [b] = await sut.statsPage({ limit: 1, endpoint: 'b|GET /b' });
    expect(b.firstSeenNs).toBe(`${BigInt(T0_MS) * 1_000_000n + 123n}`);
    expect(b.lastSeenNs).toBe(`${BigInt(T0_MS + WINDOW_MS + 1000) * 1_000_000n + 456n}`);
  });

  it('filters by endpoint', async () => {
    const rows = await sut.statsPage({ limit: 10, endpoint: 'a|GET /a' });
    expect(rows.map((r) => r.fingerprint)).toEqual(['f1', 'f9']);
  });
});
