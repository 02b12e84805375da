/**
 * What the scale and fault runs share: the example systems their load is drawn from, number
 * formatting, and reading a worker process's Prometheus metrics.
 */
import {
  bankSystem,
  checkoutSystem,
  deliverySystem,
  potatoSystem,
  railwaySystem,
  type SystemDefinition,
} from '@t2t/examples';

/** Every example system, named: the load mixes them all (different shapes, services, sizes). */
export const EXAMPLE_SYSTEMS: [string, SystemDefinition][] = [
  ['checkout', checkoutSystem],
  ['bank', bankSystem],
  ['delivery', deliverySystem],
  ['potato', potatoSystem],
  ['railway', railwaySystem],
];

export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A worker process whose `/metrics` the run reads. */
export interface ScrapedProcess {
  port: number | undefined;
  exited: boolean;
  /** The latest scrape's text. */
  metrics: string;
}

/** Reads the process's metrics; a busy or gone process keeps its last scrape (`exited` says which). */
export async function scrape(w: ScrapedProcess): Promise<void> {
  if (w.port === undefined || w.exited) return;
  try {
    const res = await fetch(`http://127.0.0.1:${w.port}/metrics`, {
      signal: AbortSignal.timeout(2000),
    });
    if (res.ok) w.metrics = await res.text();
  } catch {
    // Keep the last scrape.
  }
}

/**
 * What the clustering events topic says about closed traces. `members` events name every closed
 * trace (one entry per closing, under its endpoint and fingerprint); window events carry each
 * group's count, keyed (partition, endpoint, fingerprint, window) like the ReplacingMergeTree rows
 * they become; `late_trace` events add one trace each, keyed by trace id.
 */
export class ClusterEventsTally {
  /** Members entries per trace id (a replay publishes a closed trace again: at-least-once). */
  readonly seen = new Map<string, number>();
  /** The behaviours (endpoint, fingerprint) each trace was stored under: its key in trace_behaviours. */
  readonly behaviours = new Map<string, Set<string>>();
  readonly windows = new Map<string, number>();
  readonly late = new Set<string>();
  read = 0;

  add(value: Buffer | null | undefined): void {
    this.read++;
    if (!value) return;
    const e = JSON.parse(value.toString('utf8')) as {
      type: string;
      partition: number;
      endpoint?: string;
      fingerprint?: string;
      traceIds?: string[];
      traceId?: string;
      aggregate?: { endpoint: string; fingerprint: string; windowStartMs: number; count: number };
    };
    if (e.type === 'members')
      for (const id of e.traceIds ?? []) {
        this.seen.set(id, (this.seen.get(id) ?? 0) + 1);
        const b = this.behaviours.get(id) ?? new Set<string>();
        b.add(`${e.endpoint}|${e.fingerprint}`);
        this.behaviours.set(id, b);
      }
    else if (e.type === 'window' && e.aggregate) {
      const a = e.aggregate;
      const key = `${e.partition}|${a.endpoint}|${a.fingerprint}|${a.windowStartMs}`;
      // A window published as it stood when its partition went quiet and again later holds the
      // later, larger count; a replayed one the same count.
      this.windows.set(key, Math.max(this.windows.get(key) ?? 0, a.count));
    } else if (e.type === 'late_trace' && e.traceId) this.late.add(e.traceId);
  }

  /** Traces the stored windows count, late corrections included. */
  windowTotal(): number {
    return [...this.windows.values()].reduce((a, b) => a + b, 0) + this.late.size;
  }
}
