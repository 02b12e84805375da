import {
  type ClickHouseHandle,
  ModelRepository,
  openStorage,
  type StoredModelVersion,
} from '@t2t/storage';
import { freshStorageConfig } from '@t2t/test-support';

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
  let storage: ReturnType<typeof freshStorageConfig>;
  let handle: ClickHouseHandle;
  let sut: ModelRepository;

  beforeAll(async () => {
    storage = freshStorageConfig();
    handle = await openStorage(storage.config);
    sut = new ModelRepository(handle);
    for (const n of [1, 2, 3]) await sut.saveVersion(version(n), undefined);
  });

  afterAll(async () => {
    await handle.close();
    storage.cleanup();
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
