import { QuantileSketch } from '@t2t/fingerprint';
import type { ModelRepository } from '@t2t/storage';
import { withTenant } from '@t2t/wire';
import type { EndpointTimings } from './trace-source.port';

export interface StoredEndpointTimingsOptions {
  /** Behaviours seen within this much event time before the newest window count. Default 7 days. */
  horizonMs: number;
  /** The figures are re-read after this long (a long `test run` sees new traffic). Default 5 min. */
  refreshMs: number;
  /** Whose figures; default: the scope of the call that (re-)reads them (`withTenant`). */
  tenant?: string;
}

const DEFAULTS: StoredEndpointTimingsOptions = { horizonMs: 7 * 86_400_000, refreshMs: 300_000 };

/**
 * Per-endpoint trace durations from clustering's merged duration sketches (one query for every
 * behaviour, cached). An endpoint's p95 is the largest p95 of its behaviours: the runner cannot
 * know beforehand which behaviour a request takes, and the slowest one decides how long to wait.
 */
export class StoredEndpointTimings implements EndpointTimings {
  private readonly options: StoredEndpointTimingsOptions;
  private cache: { at: number; p95: Promise<Map<string, number>> } | undefined;

  constructor(
    private readonly models: ModelRepository,
    options: Partial<StoredEndpointTimingsOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  async p95Ms(endpoint: string): Promise<number | undefined> {
    return (await this.load()).get(endpoint);
  }

  private load(): Promise<Map<string, number>> {
    const t = this.now();
    if (this.cache === undefined || t - this.cache.at > this.options.refreshMs) {
      const p95 = this.read();
      // A failed read is not cached: the next run tries again.
      p95.catch(() => (this.cache = undefined));
      this.cache = { at: t, p95 };
    }
    return this.cache.p95;
  }

  private async read(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const { tenant, horizonMs } = this.options;
    const rows =
      tenant === undefined
        ? await this.models.behaviourStats(horizonMs)
        : await withTenant(tenant, () => this.models.behaviourStats(horizonMs));
    for (const row of rows) {
      const sketch = QuantileSketch.fromSerialized(row.sketch);
      if (sketch.count === 0) continue;
      const ms = sketch.quantile(0.95) / 1000;
      out.set(row.endpoint, Math.max(out.get(row.endpoint) ?? 0, ms));
    }
    return out;
  }
}
