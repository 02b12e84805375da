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
