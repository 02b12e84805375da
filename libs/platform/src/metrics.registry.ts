import { monitorEventLoopDelay } from 'node:perf_hooks';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { sharedTaskThreadHeap } from './offload/worker-thread';

/**
 * The process's Prometheus registry. One per application instance rather than prom-client's
 * global, so several services (or tests) in one process do not collide.
 */
export class MetricsRegistry {
  readonly registry = new Registry();

  private readonly loopDelay = monitorEventLoopDelay({ resolution: 10 });

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    // Standard names (process_*, nodejs_*) without a prefix, so stock Node.js dashboards find them.
    collectDefaultMetrics({ register: this.registry });
    // How long callbacks waited for the event loop since start: the receiver, health checks and
    // everything else share it, so a stage that blocks it shows here (never reset, unlike the
    // default metrics' per-scrape view).
    this.loopDelay.enable();
    const seconds = (ns: number) => (Number.isFinite(ns) ? ns / 1e9 : 0);
    this.gauge(
      't2t_event_loop_delay_p99_seconds',
      '99th percentile of event-loop delay since the process started.',
      [],
      (g) => g.set(seconds(this.loopDelay.percentile(99))),
    );
    this.gauge(
      't2t_event_loop_delay_p50_seconds',
      'Median event-loop delay since the process started.',
      [],
      (g) => g.set(seconds(this.loopDelay.percentile(50))),
    );
    this.gauge(
      't2t_event_loop_delay_max_seconds',
      'Longest event-loop delay since the process started.',
      [],
      (g) => g.set(seconds(this.loopDelay.max)),
    );
    // The task thread's heap is part of the process's memory but not of nodejs_heap_* (those
    // are the main thread's).
    new Gauge({
      name: 't2t_task_thread_heap_bytes',
      help: 'JavaScript heap of the task thread (model builds, synthesis, verification) while it runs: committed (state="total") and in use (state="used").',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        const heap = await sharedTaskThreadHeap();
        this.set({ state: 'total' }, heap?.totalBytes ?? 0);
        this.set({ state: 'used' }, heap?.usedBytes ?? 0);
      },
    });
  }

  counter(name: string, help: string, labelNames: string[] = []): Counter {
    return (
      this.existing<Counter>(name) ??
      new Counter({ name, help, labelNames, registers: [this.registry] })
    );
  }

  /**
   * A gauge; with `collect`, its value is computed when scraped (for state that is cheaper to
   * read occasionally than to track on every change).
   */
  gauge(
    name: string,
    help: string,
    labelNames: string[] = [],
    collect?: (gauge: Gauge) => void | Promise<void>,
  ): Gauge {
    return (
      this.existing<Gauge>(name) ??
      new Gauge({
        name,
        help,
        labelNames,
        registers: [this.registry],
        collect: collect
          ? function (this: Gauge) {
              return collect(this);
            }
          : undefined,
      })
    );
  }

  histogram(name: string, help: string, buckets: number[], labelNames: string[] = []): Histogram {
    return (
      this.existing<Histogram>(name) ??
      new Histogram({ name, help, buckets, labelNames, registers: [this.registry] })
    );
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private existing<T>(name: string): T | undefined {
    return this.registry.getSingleMetric(name) as T | undefined;
  }
}
