import { type TraceSummary, type WindowAggregate, WindowAggregator } from '@t2t/fingerprint';
import {
  type ClickHouseHandle,
  ClusterRepository,
  ModelRepository,
  openStorage,
  type StoredModelVersion,
} from '@t2t/storage';
import { freshTestStorage, type TestStorage } from '@t2t/test-support';

function version(n: number): StoredModelVersion {
  return {
    modelHash: `hash-${n}`,
    version: n,
    createdAt: `2026-01-0${n} 12:00:00.000`,
    model: JSON.stringify({ services: [{ name: `svc-${n}`, endpoints: [] }] }),
    counts: { services: 1, endpoints: n, entities: 0, edges: 0, behaviours: 0, rules: 0 },
  };
}

describe(`${ModelRepository.name} listings`, () => {
  let storage: TestStorage;
  let handle: ClickHouseHandle;
  let sut: ModelRepository;

  beforeAll(async () => {
    storage = freshTestStorage();
    handle = await openStorage(storage.config);
    sut = new ModelRepository(handle);
    for (const n of [1, 2, 3]) await sut.saveVersion(version(n), undefined);
  });

  afterAll(async () => {
    await handle.close();
    await storage.cleanup();
  });

  it('lists versions newest first without their documents, paged by version', async () => {
    const { model: _, ...summary3 } = version(3);
    expect(await sut.versionSummaries(1)).toEqual([summary3]);
    expect((await sut.versionSummaries(5, 3)).map((v) => v.version)).toEqual([2, 1]);
    expect(await sut.versionSummaries(5, 1)).toEqual([]);
  });

  it('reads the documents of several versions in one query, by hash', async () => {
    const docs = await sut.modelsByHash(['hash-1', 'hash-3', 'hash-missing']);
    expect([...docs.keys()].sort()).toEqual(['hash-1', 'hash-3']);
    expect(docs.get('hash-3')).toBe(version(3).model);
    expect(await sut.modelsByHash([])).toEqual(new Map());
  });
});

describe(`${ModelRepository.name} behaviour evidence`, () => {
  let storage: TestStorage;
  let handle: ClickHouseHandle;
  let sut: ModelRepository;
  const T0 = 1_767_225_600_000_000_000n;
  const id = (n: number) => n.toString(16).padStart(32, '0');
  const summary = (n: number, fingerprint: string, atSecond: number): TraceSummary => ({
    traceId: id(n),
    endpoint: 'shop|HTTP POST /orders',
    fingerprint,
    startNs: T0 + BigInt(atSecond) * 1_000_000_000n,
    durationUs: 1000 * (n + 1),
    error: false,
    complete: true,
    spanCount: 3,
  });

  beforeAll(async () => {
    storage = freshTestStorage();
    handle = await openStorage(storage.config);
    sut = new ModelRepository(handle);
    const aggregator = new WindowAggregator({ windowMs: 60_000, allowedLatenessMs: 0 });
    for (let n = 0; n < 5; n++) aggregator.add(summary(n, 'on-time', 1));
    const windows = aggregator.closeUpTo(T0 + 61n * 1_000_000_000n);
    // Two traces of a behaviour that only ever arrived after its window had closed.
    const late = [5, 6].map((n) => aggregator.add(summary(n, 'late-only', 2)).late!);
    const event = (
      type: 'window' | 'late_trace',
      aggregate: WindowAggregate,
      traceId?: string,
    ) => ({
      v: 1 as const,
      type,
      partition: 0,
      aggregate,
      fingerprint: undefined,
      ...(traceId === undefined ? {} : { traceId }),
    });
    await new ClusterRepository(handle).write([
      ...windows.map((a) => event('window', a)),
      event('late_trace', late[0], id(5)),
      event('late_trace', late[1], id(6)),
    ]);
  });

  afterAll(async () => {
    await handle.close();
    await storage.cleanup();
  });

  it('includes behaviours seen only in late traces, with their counts, durations and samples', async () => {
    const stats = await sut.behaviourStats(86_400_000);
    expect(stats.map((s) => [s.fingerprint, s.traces])).toEqual([
      ['late-only', 2],
      ['on-time', 5],
    ]);
    expect(stats[0].lateDurationsUs.sort((a, b) => a - b)).toEqual([6000, 7000]);
    const samples = await sut.sampleTraceIds(10, 86_400_000);
    expect(samples.get('shop|HTTP POST /orders\u0000late-only')?.sort()).toEqual([id(5), id(6)]);
    expect(samples.get('shop|HTTP POST /orders\u0000on-time')).toHaveLength(5);
  });
});
