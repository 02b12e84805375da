import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClickHouse } from './clickhouse.factory';
import { retentionOf, storageEnv } from './storage.env';

const DAY = 86_400;

describe('storage options', () => {
  it('keeps everything forever and runs on one node unless told otherwise', () => {
    const config = storageEnv.parse({});
    expect(config.cluster).toBeUndefined();
    expect(retentionOf(config)).toEqual({ spansSeconds: undefined, derivedSeconds: undefined });
  });

  it('reads retention periods and a cluster name', () => {
    const config = storageEnv.parse({
      SPANS_TTL: '30d',
      DERIVED_TTL: '90d',
      CLICKHOUSE_CLUSTER: 'prod_cluster-1',
    });
    expect(config).toMatchObject({
      spansTtlSeconds: 30 * DAY,
      derivedTtlSeconds: 90 * DAY,
      cluster: 'prod_cluster-1',
    });
  });

  it('refuses a retention below an hour, a bare number and a cluster name that is not a name', () => {
    expect(() =>
      storageEnv.parse({ SPANS_TTL: '30', DERIVED_TTL: '10m', CLICKHOUSE_CLUSTER: "c'1" }),
    ).toThrow(
      /CLICKHOUSE_CLUSTER: "c'1" must be a cluster name[\s\S]*SPANS_TTL: "30" is not a retention[\s\S]*DERIVED_TTL: 10m is below the minimum 1h/,
    );
  });

  it('lets DERIVED_TTL follow SPANS_TTL unless set, and reads 0 as forever', () => {
    expect(retentionOf({ spansTtlSeconds: DAY, derivedTtlSeconds: undefined })).toEqual({
      spansSeconds: DAY,
      derivedSeconds: DAY,
    });
    expect(retentionOf({ spansTtlSeconds: DAY, derivedTtlSeconds: 0 })).toEqual({
      spansSeconds: DAY,
      derivedSeconds: undefined,
    });
    expect(retentionOf({ spansTtlSeconds: 0, derivedTtlSeconds: 7 * DAY })).toEqual({
      spansSeconds: undefined,
      derivedSeconds: 7 * DAY,
    });
    expect(retentionOf({ spansTtlSeconds: undefined, derivedTtlSeconds: undefined })).toEqual({
      spansSeconds: undefined,
      derivedSeconds: undefined,
    });
  });

  it('refuses a cluster without a server before it opens the embedded engine', async () => {
    const dir = mkdtempSync(join(tmpdir(), 't2t-cluster-'));
    const config = storageEnv.parse({
      CLICKHOUSE_CLUSTER: 'c1',
      CLICKHOUSE_DATA_PATH: join(dir, 'data'),
    });
    await expect(createClickHouse(config)).rejects.toThrow(
      'CLICKHOUSE_CLUSTER (c1) needs a ClickHouse server: set CLICKHOUSE_URL',
    );
    expect(readdirSync(dir)).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });
});
