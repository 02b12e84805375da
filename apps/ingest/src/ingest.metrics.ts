import type { Counter, Gauge, Histogram } from 'prom-client';
import type { ConsumerObserver } from '@t2t/messaging';
import type { MetricsRegistry } from '@t2t/platform';
import type { PreparedMessage } from './pipeline/otlp-message.preparer';

/**
 * Ingest's metrics. Counted when a chunk is durably written (not when it is first read), so a
 * chunk retried during an outage is counted once.
 */
export class IngestMetrics implements ConsumerObserver {
  private readonly messages: Counter;
  private readonly spans: Counter;
  private readonly deadLetters: Counter;
  private readonly rekeyed: Counter;
  private readonly chunkRows: Histogram;
  private readonly chunkSeconds: Histogram;
  private readonly writeFailures: Counter;
  private readonly backpressureGauge: Gauge;
  private readonly lagGauge: Gauge;

  constructor(registry: MetricsRegistry) {
    this.messages = registry.counter(
      't2t_ingest_messages_total',
      'Messages read from the spans topic, by outcome (stored | dead_letter) and reason.',
      ['outcome', 'reason'],
    );
    this.spans = registry.counter(
      't2t_ingest_spans_total',
      'Spans by outcome: stored, rejected (dead-lettered) or repaired (stored after a fix), with the reason.',
      ['outcome', 'reason'],
    );
    this.deadLetters = registry.counter(
      't2t_ingest_dead_letters_total',
      'Records written to the dead-letter topic, by reason.',
      ['reason'],
    );
    this.rekeyed = registry.counter(
      't2t_ingest_rekeyed_records_total',
      'Trace records written to spans_by_trace.',
    );
    this.chunkRows = registry.histogram(
      't2t_ingest_chunk_rows',
      'Spans per chunk written.',
      [100, 1000, 5000, 10000, 25000, 50000, 100000],
    );
    this.chunkSeconds = registry.histogram(
      't2t_ingest_chunk_write_seconds',
      'Time to make a chunk durable, including retries.',
      [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    );
    this.writeFailures = registry.counter(
      't2t_ingest_write_failures_total',
      'Failed chunk write attempts (retried), by kind.',
      ['kind'],
    );
    this.backpressureGauge = registry.gauge(
      't2t_ingest_backpressure',
      '1 while writes fail and fetching is held back.',
    );
    this.lagGauge = registry.gauge(
      't2t_ingest_consumer_lag',
      'Records behind the partition end after the last chunk.',
      ['partition'],
    );
  }

  chunkStored(items: PreparedMessage[], rekeyedRecords: number): void {
    let stored = 0;
    for (const p of items) {
      if (p.kind === 'dead') {
        this.messages.inc({ outcome: 'dead_letter', reason: p.reason });
        this.deadLetters.inc({ reason: p.reason });
        continue;
      }
      this.messages.inc({ outcome: 'stored', reason: p.encoding });
      stored += p.rows.length;
      for (const r of p.rejected) this.spans.inc({ outcome: 'rejected', reason: r.reason });
      if (p.rejected.length > 0) this.deadLetters.inc({ reason: 'rejected_spans' });
      for (const [reason, n] of Object.entries(p.repairs))
        this.spans.inc({ outcome: 'repaired', reason }, n);
    }
    if (stored > 0) this.spans.inc({ outcome: 'stored', reason: '' }, stored);
    this.rekeyed.inc(rekeyedRecords);
  }

  chunkDeadLettered(records: number): void {
    this.deadLetters.inc({ reason: 'write_refused' }, records);
    this.messages.inc({ outcome: 'dead_letter', reason: 'write_refused' }, records);
  }

  chunkWritten(c: { rows: number; ms: number }): void {
    this.chunkRows.observe(c.rows);
    this.chunkSeconds.observe(c.ms / 1000);
  }

  writeFailed(_error: Error, _attempt: number, permanent: boolean): void {
    this.writeFailures.inc({ kind: permanent ? 'refused' : 'unavailable' });
  }

  backpressure(active: boolean): void {
    this.backpressureGauge.set(active ? 1 : 0);
  }

  lag(partition: number, lag: number): void {
    this.lagGauge.set({ partition: String(partition) }, lag);
  }
}
