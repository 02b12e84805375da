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
  /** The tenant of the group's traces, when records named one (see PartitionPipeline.add). */
  tenant?: string;
  partition: number;
  aggregate: WindowAggregate;
  /** Structural description of the fingerprint, so consumers need not re-derive it. */
  fingerprint: { version: number; canonical: string; shingles: string[] } | undefined;
  /** For 'late_trace': the trace counted by this correction (idempotent key). */
  traceId?: string;
}

/**
 * Which behaviour each closed trace belongs to: every trace, not a sample, so that statistics a
 * sample cannot give (where a numeric decision really lies, how often a rule holds over all traffic)
 * can be computed in storage by joining spans with this. Published as traces close, in chunks of
 * one behaviour; at-least-once, keyed by trace id where it is stored.
 */
export interface ClusterMembersEvent {
  v: 1;
  type: 'members';
  /** The tenant of these traces, when records named one. */
  tenant?: string;
  partition: number;
  endpoint: string;
  fingerprint: string;
  /** Parallel arrays, one entry per trace. */
  traceIds: string[];
  /** Trace start, Unix ns as decimal strings (exceeds 2^53). */
  startNs: string[];
  /** 1 when the trace has an error span. */
  errors: number[];
}

export type ClusterEvent = ClusterWindowEvent | ClusterMembersEvent;

export interface PipelineStats {
  tracesClosed: number;
  lateTraces: number;
  lateTracesDropped: number;
  overflowTraces: number;
  windowsClosed: number;
  /** Open window groups published as they stood when the partition went quiet (flushIdle). */
  windowsFlushed: number;
}

export interface PartitionPipelineOptions {
  assembler: AssemblerOptions;
  window: Partial<Omit<WindowAggregatorOptions, 'initialWatermarkNs'>>;
  /** Fingerprint descriptions remembered for events (bounded; beyond, events carry none). */
  descriptorCapacity: number;
  /**
   * Publish which behaviour every closed trace belongs to (`members` events, at most this many
   * traces per event); 0 turns them off. Default 0 here; the clustering service turns it on.
   */
  membersPerEvent?: number;
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
  private pending: ClusterEvent[] = [];
  /** Traces closed since the last drain, by tenant and endpoint, then fingerprint (insertion ordered). */
  private members = new Map<string, Map<string, ClusterMembersEvent>>();
  private nextOffset: number | undefined;
  private counters: PipelineStats = {
    tracesClosed: 0,
    lateTraces: 0,
    lateTracesDropped: 0,
    overflowTraces: 0,
    windowsClosed: 0,
    windowsFlushed: 0,
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

  /**
   * Adds one record. `tenant`, when given, keeps the trace and its groups apart from every other
   * tenant's: the same trace id is another trace, the same endpoint and fingerprint another group,
   * and the events say whose they are.
   */
  add(
    offset: number,
    traceId: string,
    spans: readonly ArrivingSpan[],
    source?: SourceProgress,
    tenant?: string,
  ): void {
    this.take(this.assembler.add(traceId, spans, offset, source, tenant));
    this.nextOffset = offset + 1;
  }

  /** The offset after the last record added (undefined before the first): earlier ones are in. */
  get nextRecordOffset(): number | undefined {
    return this.nextOffset;
  }

  /** Moves event time on without records, closing what is due. */
  advanceTo(watermarkNs: bigint): void {
    this.take(this.assembler.advanceTo(watermarkNs));
  }

  /**
   * The partition went quiet: close every open trace (nothing has arrived for them in a while) and
   * publish the open windows as they stand, without moving event time. Event time follows the
   * data only: records that continue the stream later (a replay resumed, traffic after a pause)
   * land in the same windows instead of arriving late, and those windows are written again with
   * them. The offsets they need stay uncommitted until the windows really close.
   */
  flushIdle(): void {
    this.take(this.assembler.flush());
    for (const a of this.aggregator.snapshotOpen()) {
      this.counters.windowsFlushed++;
      this.pending.push(this.event('window', a));
    }
  }

  /**
   * Closes the windows the watermark has passed and returns their events plus the offset that is
   * safe to commit after the events are durable (undefined when nothing was read yet).
   */
  drain(): { events: ClusterEvent[]; commitOffset: number | undefined; watermarkNs: bigint } {
    const watermarkNs = this.assembler.watermarkNs;
    for (const a of this.aggregator.closeUpTo(watermarkNs)) this.emit('window', a);
    const events = this.pending;
    this.pending = [];
    for (const byFingerprint of this.members.values()) {
      for (const m of byFingerprint.values()) events.push(m);
    }
    this.members.clear();
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
    this.members.clear();
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
        ...(trace.tenant === undefined ? {} : { tenant: trace.tenant }),
        traceId: trace.traceId,
        endpoint: fp.endpoint,
        fingerprint: fp.hash,
        startNs: trace.baseStartNs + BigInt(extent.startUs) * 1000n,
        durationUs: extent.durationUs,
        error: trace.spans.some((s) => s.error),
        complete: fp.complete && !trace.truncated,
        spanCount: trace.spans.length,
      };
      this.addMember(summary);
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

  private addMember(s: TraceSummary): void {
    const limit = this.options.membersPerEvent ?? 0;
    if (limit <= 0) return;
    const key = s.tenant === undefined ? s.endpoint : `${s.tenant}\u0000${s.endpoint}`;
    let byFingerprint = this.members.get(key);
    if (byFingerprint === undefined) {
      byFingerprint = new Map<string, ClusterMembersEvent>();
      this.members.set(key, byFingerprint);
    }
    let m = byFingerprint.get(s.fingerprint);
    if (m !== undefined && m.traceIds.length >= limit) {
      // Full: hand it over as it is and start the next chunk of this behaviour.
      this.pending.push(m);
      m = undefined;
    }
    if (m === undefined) {
      m = {
        v: 1,
        type: 'members',
        ...(s.tenant === undefined ? {} : { tenant: s.tenant }),
        partition: this.partition,
        endpoint: s.endpoint,
        fingerprint: s.fingerprint,
        traceIds: [],
        startNs: [],
        errors: [],
      };
      byFingerprint.set(s.fingerprint, m);
    }
    m.traceIds.push(s.traceId);
    m.startNs.push(s.startNs.toString());
    m.errors.push(s.error ? 1 : 0);
  }

  private emit(
    type: ClusterWindowEvent['type'],
    aggregate: WindowAggregate,
    traceId?: string,
  ): void {
    if (type === 'window') this.counters.windowsClosed++;
    this.pending.push(this.event(type, aggregate, traceId));
  }

  private event(
    type: ClusterWindowEvent['type'],
    aggregate: WindowAggregate,
    traceId?: string,
  ): ClusterWindowEvent {
    const event: ClusterWindowEvent = {
      v: 1,
      type,
      ...(aggregate.tenant === undefined ? {} : { tenant: aggregate.tenant }),
      partition: this.partition,
      aggregate,
      fingerprint: this.descriptors.get(aggregate.fingerprint),
    };
    if (traceId !== undefined) event.traceId = traceId;
    return event;
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
