import { fingerprintTrace } from '../hash';
import type { TraceSummary } from '../trace.model';
import type { WindowAggregate } from '../window/window-aggregate.model';
import { WindowAggregator, type WindowAggregatorOptions } from '../window/window.aggregator';
import {
  type ArrivingSpan,
  type AssemblerOptions,
  type ClosedTrace,
  type SourceProgress,
  TraceAssembler,
} from './trace.assembler';

/** What clustering publishes about a group when its window closes (or when a late trace is corrected). */
export interface ClusterWindowEvent {
  v: 1;
  type: 'window' | 'late_trace';
  partition: number;
  aggregate: WindowAggregate;
  /** Structural description of the fingerprint, so consumers need not re-derive it. */
  fingerprint: { version: number; canonical: string; shingles: string[] } | undefined;
  /** For 'late_trace': the trace counted by this correction (idempotent key). */
  traceId?: string;
}

export interface PipelineStats {
  tracesClosed: number;
  lateTraces: number;
  lateTracesDropped: number;
  overflowTraces: number;
  windowsClosed: number;
}

export interface PartitionPipelineOptions {
  assembler: AssemblerOptions;
  window: Partial<Omit<WindowAggregatorOptions, 'initialWatermarkNs'>>;
  /** Fingerprint descriptions remembered for events (bounded; beyond, events carry none). */
  descriptorCapacity: number;
}

/**
 * One partition of `spans_by_trace`, from records to cluster events: assemble traces, fingerprint
 * them as they close, aggregate per window, and hand out events for closed windows together with
 * the offset that is safe to commit once those events are durable.
 *
 * The safe offset is the smallest one still needed to rebuild in-memory state after a crash: the
 * first record of any open trace, or of any closed trace whose window is still open. Pure (no IO),
 * deterministic for a given record sequence, so a replay from that offset rebuilds the same windows.
 */
export class PartitionPipeline {
  private readonly assembler: TraceAssembler;
  private readonly aggregator: WindowAggregator;
  private readonly descriptors = new Map<string, ClusterWindowEvent['fingerprint']>();
  private pending: ClusterWindowEvent[] = [];
  private nextOffset: number | undefined;
  private counters: PipelineStats = {
    tracesClosed: 0,
    lateTraces: 0,
    lateTracesDropped: 0,
    overflowTraces: 0,
    windowsClosed: 0,
  };

  constructor(
    readonly partition: number,
    private readonly options: PartitionPipelineOptions,
    /** Event time already reached when this partition's offset was last committed. */
    initialWatermarkNs = 0n,
  ) {
    this.assembler = new TraceAssembler(options.assembler, initialWatermarkNs);
    this.aggregator = new WindowAggregator({ ...options.window, initialWatermarkNs });
  }

  add(
    offset: number,
    traceId: string,
    spans: readonly ArrivingSpan[],
    source?: SourceProgress,
  ): void {
    this.take(this.assembler.add(traceId, spans, offset, source));
    this.nextOffset = offset + 1;
  }

  /** Moves event time on without records (idle partition), closing what is due. */
  advanceTo(watermarkNs: bigint): void {
    this.take(this.assembler.advanceTo(watermarkNs));
  }

  /**
   * Closes the windows the watermark has passed and returns their events plus the offset that is
   * safe to commit after the events are durable (undefined when nothing was read yet).
   */
  drain(): { events: ClusterWindowEvent[]; commitOffset: number | undefined; watermarkNs: bigint } {
    const watermarkNs = this.assembler.watermarkNs;
    for (const a of this.aggregator.closeUpTo(watermarkNs)) this.emit('window', a);
    const events = this.pending;
    this.pending = [];
    let commitOffset = this.nextOffset;
    const openTrace = this.assembler.minOpenOffset();
    const openWindow = this.aggregator.minOpenSourceOffset;
    if (commitOffset !== undefined) {
      if (openTrace !== undefined && openTrace < commitOffset) commitOffset = openTrace;
      if (openWindow !== undefined && openWindow < commitOffset) commitOffset = openWindow;
    }
    return { events, commitOffset, watermarkNs };
  }

  /** The partition moved to another worker: forget everything, emit nothing (it replays). */
  release(): void {
    this.assembler.release();
    this.pending = [];
  }

  get watermarkNs(): bigint {
    return this.assembler.watermarkNs;
  }

  stats() {
    return {
      ...this.counters,
      assembler: this.assembler.stats(),
      windows: this.aggregator.snapshot(),
    };
  }

  private take(closed: ClosedTrace[]): void {
    for (const trace of closed) {
      const fp = fingerprintTrace(trace);
      this.counters.tracesClosed++;
      if (
        !this.descriptors.has(fp.hash) &&
        this.descriptors.size < this.options.descriptorCapacity
      ) {
        this.descriptors.set(fp.hash, {
          version: fp.version,
          canonical: fp.canonical,
          shingles: fp.shingles,
        });
      }
      const extent = traceExtentUs(trace);
      const summary: TraceSummary = {
        traceId: trace.traceId,
        endpoint: fp.endpoint,
        fingerprint: fp.hash,
        startNs: trace.baseStartNs + BigInt(extent.startUs) * 1000n,
        durationUs: extent.durationUs,
        error: trace.spans.some((s) => s.error),
        complete: fp.complete && !trace.truncated,
        spanCount: trace.spans.length,
      };
      const result = this.aggregator.add(summary, trace.firstOffset);
      for (const early of result.closedEarly) this.emit('window', early);
      if (result.outcome === 'overflow') this.counters.overflowTraces++;
      if (result.outcome === 'late') {
        this.counters.lateTraces++;
        // A trace of a window written before this instance started is most likely a replay of one
        // already counted; a correction would count it twice.
        if (result.lateBeforeStart || !result.late) this.counters.lateTracesDropped++;
        else this.emit('late_trace', result.late, trace.traceId);
      }
    }
  }

  private emit(
    type: ClusterWindowEvent['type'],
    aggregate: WindowAggregate,
    traceId?: string,
  ): void {
    if (type === 'window') this.counters.windowsClosed++;
    const event: ClusterWindowEvent = {
      v: 1,
      type,
      partition: this.partition,
      aggregate,
      fingerprint: this.descriptors.get(aggregate.fingerprint),
    };
    if (traceId !== undefined) event.traceId = traceId;
    this.pending.push(event);
  }
}

/** Earliest start (µs from the trace's base, ≤ 0 when a span started before the first one seen) and duration. */
function traceExtentUs(trace: ClosedTrace): { startUs: number; durationUs: number } {
  let start = 0;
  let end = 0;
  for (const s of trace.spans) {
    if (s.startUs < start) start = s.startUs;
    if (s.startUs + s.durationUs > end) end = s.startUs + s.durationUs;
  }
  return { startUs: start, durationUs: Math.max(0, end - start) };
}
