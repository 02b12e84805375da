import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { PlatformModule } from '@t2t/platform';
import { StorageModule } from '@t2t/storage';
import type { ClusteringConfig } from './clustering.env';
import { CLUSTERING_CONFIG, CLUSTERING_CONSUME } from './clustering.tokens';
import { ClusterEventsSink } from './sink/cluster-events.sink';
import { type ClusteringConsume, ClusteringWorker } from './worker/clustering.worker';

/**
 * Clustering's own providers for its role; expects platform (and, for the sink, storage) to be
 * provided globally by whoever composes it.
 */
@Module({})
export class ClusteringCoreModule {
  /** `consume: 'direct'` skips the Nest transport (benchmarks compare the two paths). */
  static forRoot(
    config: ClusteringConfig,
    consume: ClusteringConsume = 'transport',
  ): DynamicModule {
    const role = config.clustering.role;
    const providers: Provider[] = [
      { provide: CLUSTERING_CONFIG, useValue: config },
      { provide: CLUSTERING_CONSUME, useValue: consume },
    ];
    if (role === 'worker' || role === 'all') providers.push(ClusteringWorker);
    if (role === 'sink' || role === 'all') providers.push(ClusterEventsSink);
    return { module: ClusteringCoreModule, providers };
  }
}

/**
 * Workers assemble and fingerprint traces and publish window aggregates; the sink writes them to
 * ClickHouse. A worker-only process needs no ClickHouse at all (workers scale out freely; with
 * the embedded engine only one process may own its data, so the sink runs where it lives).
 */
@Module({})
export class ClusteringModule {
  static forRoot(
    config: ClusteringConfig,
    consume: ClusteringConsume = 'transport',
  ): DynamicModule {
    const role = config.clustering.role;
    const imports: DynamicModule[] = [PlatformModule.forRoot('clustering')];
    if (role === 'sink' || role === 'all') imports.push(StorageModule.forRoot(config.storage));
    imports.push(ClusteringCoreModule.forRoot(config, consume));
    return { module: ClusteringModule, imports };
  }
}
