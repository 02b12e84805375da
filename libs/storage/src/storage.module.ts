import {
  type DynamicModule,
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HealthRegistry, METRICS, type MetricsRegistry } from '@t2t/platform';
import {
  createClickHouse,
  EmbeddedStorageError,
  type ClickHouseHandle,
  type StorageConfig,
} from './clickhouse.factory';
import { defaultMigrationsDir, loadMigrations } from './migrations/migration.loader';
import { Migrator } from './migrations/migrator';
import { ClusterRepository } from './repositories/cluster.repository';
import { ModelRepository } from './repositories/model.repository';
import { SpanRepository } from './repositories/span.repository';
import { RuleStatsRepository } from './repositories/rule-stats.repository';
import { TestRepository } from './repositories/test.repository';
import { retentionOf } from './storage.env';

export const CLICKHOUSE = Symbol('CLICKHOUSE');

/** How long start-up waits for a ClickHouse server that is not answering yet. */
const CONNECT_WAIT_MS = 60_000;

async function waitForServer(handle: ClickHouseHandle, log: Logger): Promise<void> {
  if (handle.mode === 'embedded') {
    // Nothing to wait for in-process: it opens now or never.
    const res = await handle.client.ping();
    if (res.success) return;
    throw new EmbeddedStorageError(handle.location, res.error);
  }
  const deadline = Date.now() + CONNECT_WAIT_MS;
  for (let attempt = 1; ; attempt++) {
    const res = await handle.client.ping();
    if (res.success) return;
    if (Date.now() > deadline) {
      throw new Error(
        `ClickHouse at ${handle.location} did not answer for ${CONNECT_WAIT_MS / 1000}s: ${String(res.error)}`,
      );
    }
    log.warn(
      `ClickHouse at ${handle.location} not answering (attempt ${attempt}): ${String(res.error)}; retrying`,
    );
    await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** attempt)));
  }
}

/** Opens ClickHouse, applies migrations, then hands out the client and repositories. */
export async function openStorage(
  config: StorageConfig,
  log = new Logger('storage'),
): Promise<ClickHouseHandle> {
  const handle = await createClickHouse(config);
  try {
    await waitForServer(handle, log);
    const migrations = loadMigrations(defaultMigrationsDir());
    const report = await new Migrator(handle.client, handle.database, migrations, {
      layout: { cluster: config.cluster, retention: retentionOf(config) },
    }).migrate();
    log.log(
      `ClickHouse ${handle.mode} (${handle.location}${config.cluster ? `, cluster ${config.cluster}` : ''}), ` +
        `database ${handle.database}: ${report.applied.length} migration(s) applied, ` +
        `${report.alreadyApplied.length} already present`,
    );
    for (const change of report.retentionChanged) log.log(`retention changed: ${change}`);
    return handle;
  } catch (e) {
    await handle.close().catch(() => undefined);
    throw e;
  }
}

async function engineMemoryBytes(handle: ClickHouseHandle): Promise<number> {
  try {
    const rs = await handle.client.query({
      query: "SELECT value FROM system.metrics WHERE metric = 'MemoryTracking'",
      format: 'JSONEachRow',
    });
    const [row] = await rs.json<{ value: string }>();
    return Number(row?.value ?? 0);
  } catch {
    return 0;
  }
}

@Injectable()
class StorageLifecycle implements OnApplicationShutdown {
  constructor(@Inject(CLICKHOUSE) private readonly handle: ClickHouseHandle) {}

  async onApplicationShutdown(): Promise<void> {
    await this.handle.close();
    new Logger('storage').log(`ClickHouse ${this.handle.mode} connection closed`);
  }
}

@Global()
@Module({})
export class StorageModule {
  static forRoot(config: StorageConfig): DynamicModule {
    return {
      module: StorageModule,
      providers: [
        {
          provide: CLICKHOUSE,
          inject: [HealthRegistry, { token: METRICS, optional: true }],
          useFactory: async (health: HealthRegistry, metrics: MetricsRegistry | undefined) => {
            const handle = await openStorage(config);
            if (handle.mode === 'embedded' && metrics !== undefined) {
              // The engine's own allocations (caches, inserts, merges, queries) share the
              // process's memory with JavaScript; the engine tracks them itself.
              metrics.gauge(
                't2t_storage_engine_memory_bytes',
                'Memory the embedded ClickHouse engine tracks as allocated (its MemoryTracking metric).',
                [],
                async (g) => g.set(await engineMemoryBytes(handle)),
              );
            }
            health.register({
              name: 'clickhouse',
              check: async () => {
                const r = await handle.client.ping();
                if (!r.success) throw r.error;
              },
            });
            return handle;
          },
        },
        {
          provide: SpanRepository,
          inject: [CLICKHOUSE],
          useFactory: (h: ClickHouseHandle) => new SpanRepository(h),
        },
        {
          provide: ClusterRepository,
          inject: [CLICKHOUSE],
          useFactory: (h: ClickHouseHandle) => new ClusterRepository(h),
        },
        {
          provide: ModelRepository,
          inject: [CLICKHOUSE],
          useFactory: (h: ClickHouseHandle) => new ModelRepository(h),
        },
        {
          provide: TestRepository,
          inject: [CLICKHOUSE],
          useFactory: (h: ClickHouseHandle) => new TestRepository(h),
        },
        {
          provide: RuleStatsRepository,
          inject: [CLICKHOUSE],
          useFactory: (h: ClickHouseHandle) => new RuleStatsRepository(h),
        },
        StorageLifecycle,
      ],
      exports: [
        CLICKHOUSE,
        SpanRepository,
        ClusterRepository,
        ModelRepository,
        TestRepository,
        RuleStatsRepository,
      ],
    };
  }
}
