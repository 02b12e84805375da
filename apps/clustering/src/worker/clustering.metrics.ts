import type { Counter, Histogram } from 'prom-client';
import type { ClusterEvent, PartitionPipeline } from '@t2t/fingerprint';
import type { MetricsRegistry } from '@t2t/platform';

/**
 * Worker metrics. Gauges over open state are read when scraped (collect callbacks), so the hot
 * path only bumps counters.
 */

/** Heap per open span, measured by `npm run bench:clustering` (201 B on Node 20). */
const HEAP_BYTES_PER_OPEN_SPAN = 201;
export class ClusteringMetrics {
  private readonly spans: Counter;
  private readonly tracesClosed: Counter;
  private readonly badRecords: Counter;
  private readonly windows: Counter;
  private readonly lateTraces: Counter;
  private readonly emitLatency: Histogram;
  private readonly publishFailures: Counter;
  private readonly flushesHeld: Counter;
  private readonly lagByPartition = new Map<number, number>();

  constructor(
    registry: MetricsRegistry,
    states: () => Map<number, { pipeline: PartitionPipeline }>,
  ) {
    this.spans = registry.counter(
      't2t_clustering_spans_total',
      'Spans consumed from spans_by_trace.',
    );
    this.tracesClosed = registry.counter(
      't2t_clustering_traces_closed_total',
      'Traces closed and fingerprinted.',
    );
    this.badRecords = registry.counter(
      't2t_clustering_bad_records_total',
      'Unreadable trace records skipped (direct path) or sent to the dead-letter topic.',
    );
    this.windows = registry.counter(
      't2t_clustering_window_events_total',
      'Cluster events published, by type (window | late_trace | members).',
      ['type'],
    );
    this.lateTraces = registry.counter(
      't2t_clustering_late_trace_events_total',
      'Late traces published as per-trace corrections.',
    );
    this.emitLatency = registry.histogram(
      't2t_clustering_window_emit_seconds',
      'From draining closed windows to their events being acknowledged by the broker.',
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    );
    this.publishFailures = registry.counter(
      't2t_clustering_publish_failures_total',
      'Failed attempts to publish cluster events (retried).',
    );

    this.flushesHeld = registry.counter(
      't2t_clustering_idle_flushes_held_total',
      'Checks of a quiet partition that did not flush it because the upstream group (CLUSTERING_UPSTREAM_GROUP) had records it had not committed.',
    );

    const sum = (pick: (p: PartitionPipeline) => number) =>
      [...states().values()].reduce((n, s) => n + pick(s.pipeline), 0);
    const gauge = (name: string, help: string, value: () => number) =>
      registry.gauge(name, help, [], (g) => g.set(value()));
    gauge('t2t_clustering_open_traces', 'Traces being assembled.', () =>
      sum((p) => p.stats().assembler.openTraces),
    );
    gauge('t2t_clustering_open_spans', 'Spans held by open traces.', () =>
      sum((p) => p.stats().assembler.openSpans),
    );
    gauge(
      't2t_clustering_late_spans',
      'Spans dropped because their trace had closed (since the partitions were assigned).',
      () => sum((p) => p.stats().assembler.lateSpans),
    );
    gauge(
      't2t_clustering_event_time_hold_seconds',
      'Largest hold of event time behind the newest span end, waiting for slower ingest sources still sending (see CLUSTERING_SOURCE_IDLE).',
      () =>
        [...states().values()].reduce(
          (m, s) => Math.max(m, Number(s.pipeline.stats().assembler.sourceHoldNs) / 1e9),
          0,
        ),
    );
    gauge(
      't2t_clustering_duplicate_spans',
      "Spans dropped as duplicates of an open trace's spans.",
      () => sum((p) => p.stats().assembler.duplicateSpans),
    );
    gauge(
      't2t_clustering_evicted_traces',
      'Traces closed early because the open-trace bound was hit.',
      () => sum((p) => p.stats().assembler.evictedTraces),
    );
    gauge(
      't2t_clustering_truncated_spans',
      'Spans dropped because their trace hit the span bound.',
      () => sum((p) => p.stats().assembler.truncatedSpans),
    );
    gauge('t2t_clustering_open_window_groups', 'Open (window, endpoint, fingerprint) groups.', () =>
      sum((p) => p.stats().windows.openGroups),
    );
    gauge(
      't2t_clustering_open_traces_estimated_bytes',
      `Memory held by open traces, estimated: open spans × ${HEAP_BYTES_PER_OPEN_SPAN} B (heap per open span measured by npm run bench:clustering).`,
      () => sum((p) => p.stats().assembler.openSpans) * HEAP_BYTES_PER_OPEN_SPAN,
    );
    gauge(
      't2t_clustering_open_state_heap_bytes',
      'V8 heap in use (open traces and windows are most of it on a busy worker).',
      () => process.memoryUsage().heapUsed,
    );
    registry.gauge(
      't2t_clustering_consumer_lag',
      'Records behind the partition end after the last batch.',
      ['partition'],
      (g) => {
        g.reset();
        for (const [p, v] of this.lagByPartition)
          if (states().has(p)) g.set({ partition: String(p) }, v);
      },
    );
  }

  consumed(spans: number, tracesClosed: number): void {
    this.spans.inc(spans);
    this.tracesClosed.inc(tracesClosed);
  }

  badRecord(count = 1): void {
    this.badRecords.inc(count);
  }

  windowsPublished(events: ClusterEvent[], ms: number): void {
    for (const e of events) {
      this.windows.inc({ type: e.type });
      if (e.type === 'late_trace') this.lateTraces.inc();
    }
    this.emitLatency.observe(ms / 1000);
  }

  publishFailed(): void {
    this.publishFailures.inc();
  }

  idleFlushHeld(): void {
    this.flushesHeld.inc();
  }

  lag(partition: number, value: number): void {
    this.lagByPartition.set(partition, value);
  }
}
