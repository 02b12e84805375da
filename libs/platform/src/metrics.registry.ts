import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The process's Prometheus registry. One per application instance rather than prom-client's
 * global, so several services (or tests) in one process do not collide.
 */
export class MetricsRegistry {
  readonly registry = new Registry();

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry, prefix: 't2t_' });
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
    collect?: (gauge: Gauge) => void,
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
              collect(this);
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
