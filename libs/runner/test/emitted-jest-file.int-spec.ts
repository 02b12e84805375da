import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeRunner } from '@t2t/runner';
import { type ClickHouseHandle, openStorage, SpanRepository } from '@t2t/storage';
import { emitJestTest, jestFileName } from '@t2t/testgen';
import { freshStorageConfig } from '@t2t/test-support';
import { type FakeShop, fakeShopSpecs, startFakeShop, toSpanRow } from './fake-shop.target';

/**
 * The files libs/testgen emits, run by this project's Jest as they are: they import
 * `@trace2test/runner` (mapped to packages/runner/src here) and call `sendTrigger` with
 * `process.env.T2T_TARGET_URL` and nothing else, so the runner configures itself from the
 * environment (CLICKHOUSE_*, T2T_RUNNER_*), exactly as in a user's test suite. The emitted files
 * are written to a temporary directory and loaded into this file's `describe`, so their `it`s run
 * here, after the `beforeAll` that starts a target and storage.
 */
const dir = mkdtempSync(join(tmpdir(), 't2t-emitted-'));
const files = Object.values(fakeShopSpecs()).map((spec) => {
  const file = join(dir, jestFileName(spec));
  writeFileSync(file, emitJestTest(spec, { timeoutMs: 20_000 }));
  return file;
});

let storage: ReturnType<typeof freshStorageConfig>;
let handle: ClickHouseHandle;
let shop: FakeShop;

beforeAll(async () => {
  storage = freshStorageConfig();
  handle = await openStorage(storage.config);
  const spans = new SpanRepository(handle);
  shop = await startFakeShop({ sink: (batch) => spans.insert(batch.map((s) => toSpanRow(s))) });
  Object.assign(process.env, {
    T2T_TARGET_URL: shop.url,
    CLICKHOUSE_DATA_PATH: storage.config.dataPath,
    CLICKHOUSE_DATABASE: storage.config.database,
    T2T_RUNNER_SETTLE: '300ms',
    T2T_RUNNER_POLL: '50ms',
  });
});

afterAll(async () => {
  await closeRunner();
  await shop?.close();
  await handle?.close();
  storage?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('emitted Jest files (libs/testgen emitJestTest) against a live target', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  for (const file of files) require(file);

  it('sent every trigger with its own traceparent (3 specs, 4 triggers, 1 journey step)', () => {
    expect(shop.received).toHaveLength(5);
    expect(new Set(shop.received.map((h) => h.split('-')[1])).size).toBe(5);
  });
});
