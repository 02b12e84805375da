import DataLoader from 'dataloader';
import { QuantileSketch } from '@t2t/fingerprint';
import type { ModelRepository } from '@t2t/storage';

/** A behaviour's statistics as clustering has counted them up to now (not as of a model version). */
export interface CurrentBehaviourStats {
  traces: number;
  share: number;
  errorRate: number;
  p50Us: number;
  p95Us: number;
}

/** How far back the current statistics count (the model's default horizon). */
export const CURRENT_STATS_HORIZON_MS = 86_400_000;

/**
 * Current statistics by `endpoint\0fingerprint`, read in one query per request whatever the number
 * of behaviours asked for. Model versions change only when the structure does, so the counts a
 * version was built with go stale while traffic flows; these do not.
 */
export function createBehaviourStatsLoader(
  models: ModelRepository,
): DataLoader<string, CurrentBehaviourStats | null> {
  return new DataLoader<string, CurrentBehaviourStats | null>(async (keys) => {
    const rows = await models.behaviourStats(CURRENT_STATS_HORIZON_MS);
    const perEndpoint = new Map<string, number>();
    for (const r of rows)
      perEndpoint.set(r.endpoint, (perEndpoint.get(r.endpoint) ?? 0) + r.traces);
    const byKey = new Map<string, CurrentBehaviourStats>(
      rows.map((r) => {
        const sketch =
          r.sketch.gamma > 0 ? QuantileSketch.fromSerialized(r.sketch) : new QuantileSketch();
        for (const us of r.lateDurationsUs) sketch.add(us);
        const total = perEndpoint.get(r.endpoint) ?? 0;
        const stats: CurrentBehaviourStats = {
          traces: r.traces,
          share: total > 0 ? r.traces / total : 0,
          errorRate: r.traces > 0 ? r.errors / r.traces : 0,
          p50Us: sketch.count > 0 ? sketch.quantile(0.5) : 0,
          p95Us: sketch.count > 0 ? sketch.quantile(0.95) : 0,
        };
        return [`${r.endpoint}\u0000${r.fingerprint}`, stats] as const;
      }),
    );
    return keys.map((k) => byKey.get(k) ?? null);
  });
}
