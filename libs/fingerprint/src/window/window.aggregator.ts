import type { TraceSummary } from '../trace.model';
import {
  DEFAULT_SKETCH_MAX_BUCKETS,
  DEFAULT_SKETCH_RELATIVE_ACCURACY,
  QuantileSketch,
} from './quantile.sketch';
import { DEFAULT_SAMPLE_SIZE, TraceSample } from './trace.sample';
import { buildAggregate, type AggregateParts } from './window-aggregate.merge';
import type { WindowAggregate } from './window-aggregate.model';

export interface WindowAggregatorOptions {
  /** Tumbling window length, ms. Windows are aligned to the Unix epoch. Default 60,000 (1 min). */
  windowMs: number;
  /**
   * A window closes when the watermark reaches its end plus this, ms. Default 30,000. Traces reach
   * the aggregator when they close, i.e. (with the assembler's watermark, the largest span end seen)
   * about idleGap + their duration after they start: set this to at least idleGapMs plus the usual
   * trace duration, or to idleGapMs + maxTraceDurationMs to never see a late trace from the
   * assembler, at the cost of that many more open windows (memory) and later output.
   */
  allowedLatenessMs: number;
  /**
   * Bound on open (window, endpoint, fingerprint) groups. Default 50,000: measured ~0.5 KB for a
   * group of one trace and ~4 KB for one of ~400 (sketch buckets plus a full sample), so 25 MB for
   * a fingerprint explosion of tiny groups, more only if they are also busy. When a new group would
   * exceed it: close the open windows older than the trace's window early, oldest first, then, if
   * still full, count the trace in its window's overflow group. Overflow groups (at most one per
   * open window and tenant) are not counted against the bound.
   */
  maxOpenGroups: number;
  /** Traces kept in each group's bottom-k sample. Default 20. */
  sampleSize: number;
  /** Relative accuracy α of the duration sketches. Default 0.01. */
  sketchRelativeAccuracy: number;
  /** Most buckets per duration sketch (collapse policy beyond). Default 2048. */
  sketchMaxBuckets: number;
  /**
   * Watermark (Unix ns) already reached before this instance started, e.g. the one in force when the
   * partition's offset was committed. Windows it closes are closed from the start, so a replay cannot
   * reopen (and overwrite with a partial row) a window that was already written. Default 0.
   */
  initialWatermarkNs: bigint;
}

export const DEFAULT_WINDOW_AGGREGATOR_OPTIONS: Readonly<WindowAggregatorOptions> = {
  windowMs: 60_000,
  allowedLatenessMs: 30_000,
  maxOpenGroups: 50_000,
  sampleSize: DEFAULT_SAMPLE_SIZE,
  sketchRelativeAccuracy: DEFAULT_SKETCH_RELATIVE_ACCURACY,
  sketchMaxBuckets: DEFAULT_SKETCH_MAX_BUCKETS,
  initialWatermarkNs: 0n,
};

/** Endpoint and fingerprint of the per-window group that takes traces once maxOpenGroups is hit. */
export const OVERFLOW_GROUP_KEY = '(overflow)';

/**
 * What add() did with a trace.
 * - `added`: counted in its (window, endpoint, fingerprint) group.
 * - `overflow`: counted in its window's overflow group (maxOpenGroups was hit).
 * - `late`: its window was already closed; it is NOT counted in any open window. `late` holds the
 *   trace as a one-trace aggregate of that window, for the caller to write as a correction or drop.
 */
export type AddOutcome = 'added' | 'overflow' | 'late';

export interface AddResult {
  outcome: AddOutcome;
  /**
   * Windows the bound made this call close before their watermark, complete as far as they go.
   * Write them exactly like closeUpTo's output. Usually empty.
   */
  closedEarly: readonly WindowAggregate[];
  /** Set for `late`: the trace alone, as an aggregate of its (closed) window. */
  late?: WindowAggregate;
  /**
   * Set for `late`: true when the window was closed before this instance started (by
   * initialWatermarkNs), i.e. the trace is probably a replay of one already counted in a written
   * row. A correction for it would double-count; drop it (it is still counted in lateTraces).
   */
  lateBeforeStart?: boolean;
}

export interface OpenWindowInfo {
  windowStartMs: number;
  windowEndMs: number;
  /** Open groups in the window, its overflow group included. */
  groups: number;
  traces: number;
  /** Smallest `sourceOffset` given to add() for a trace in this window; undefined if none was. */
  minSourceOffset: number | undefined;
}

/** For metrics and health: gauges and counters are plain numbers; `windows` details each open window. */
export interface WindowAggregatorSnapshot {
  openWindows: number;
  /** Open groups, overflow groups included. */
  openGroups: number;
  overflowGroups: number;
  /** Start of the oldest / newest open window, Unix ms; -1 when none is open. */
  oldestOpenWindowStartMs: number;
  newestOpenWindowStartMs: number;
  /** Largest watermark seen by closeUpTo (or the initial one), Unix ms. */
  watermarkMs: number;
  /** Counters since construction. */
  addedTraces: number;
  lateTraces: number;
  overflowTraces: number;
  closedGroups: number;
  earlyClosedWindows: number;
  earlyClosedGroups: number;
  windows: OpenWindowInfo[];
}

interface OpenWindow {
  startMs: number;
  /**
   * endpoint (with its tenant, see groupKey) → fingerprint → group. Nested maps: no key string
   * built per trace without a tenant.
   */
  groups: Map<string, Map<string, AggregateParts>>;
  groupCount: number;
  traces: number;
  /** Per tenant ('' for none): traces of different tenants never share a group, overflow included. */
  overflow: Map<string, AggregateParts>;
  minSourceOffset: number | undefined;
}

/**
 * The first-level group key: the endpoint, prefixed with the tenant when the trace has one, so two
 * tenants' traces of the same endpoint and fingerprint are two groups.
 */
function groupKey(s: { tenant?: string; endpoint: string }): string {
  return s.tenant === undefined ? s.endpoint : `${s.tenant}\u0000${s.endpoint}`;
}

const ADDED: AddResult = Object.freeze({ outcome: 'added', closedEarly: Object.freeze([]) });
const OVERFLOW: AddResult = Object.freeze({ outcome: 'overflow', closedEarly: Object.freeze([]) });
const NS_PER_MS = 1_000_000n;

/**
 * Tumbling-window aggregation of closed traces for one partition: pure and deterministic. The output
 * (aggregates, their order, every byte of their JSON) depends only on the options and the sequence
 * of add() and closeUpTo() calls, never on timing, so replaying a partition rebuilds the same rows
 * and the ClickHouse write, keyed by (window start, endpoint, fingerprint, partition), is idempotent.
 *
 * Windows are chosen by event time (the trace's start), not by arrival. Call order per batch: add()
 * every trace the assembler closed, then closeUpTo(the assembler's watermark), so traces closed by a
 * watermark are counted before that watermark closes their window.
 *
 * Offsets: a window's traces must be replayable until the window is written, so the partition's
 * committed offset must not pass `minOpenSourceOffset` (pass each trace's first source offset to
 * add()), besides the open traces' own offsets.
 */
export class WindowAggregator {
  private readonly options: WindowAggregatorOptions;
  private readonly windows = new Map<number, OpenWindow>();
  /** Every window starting at or before this is closed (by a watermark or early). */
  private closedThroughMs: number;
  /** Same, for windows closed by initialWatermarkNs (before this instance started). */
  private readonly closedBeforeStartMs: number;
  private watermarkMs: number;
  private boundedGroups = 0;
  private overflowGroups = 0;
  private readonly counters = {
    addedTraces: 0,
    lateTraces: 0,
    overflowTraces: 0,
    closedGroups: 0,
    earlyClosedWindows: 0,
    earlyClosedGroups: 0,
  };

  constructor(options: Partial<WindowAggregatorOptions> = {}) {
    this.options = validateOptions({ ...DEFAULT_WINDOW_AGGREGATOR_OPTIONS, ...options });
    this.watermarkMs = floorNsToMs(this.options.initialWatermarkNs);
    this.closedThroughMs = this.lastClosedStartFor(this.watermarkMs);
    this.closedBeforeStartMs = this.closedThroughMs;
  }

  /** Counts one closed trace in its window (see AddResult). `sourceOffset`: see the class comment. */
  add(summary: TraceSummary, sourceOffset?: number): AddResult {
    const windowMs = this.options.windowMs;
    const startMs = floorNsToMs(summary.startNs);
    const windowStartMs = startMs - positiveMod(startMs, windowMs);

    if (windowStartMs <= this.closedThroughMs) {
      this.counters.lateTraces++;
      const one = this.newGroup(windowStartMs, summary.endpoint, summary.fingerprint, summary);
      this.count(one, summary);
      return {
        outcome: 'late',
        closedEarly: [],
        late: buildAggregate(one),
        lateBeforeStart: windowStartMs <= this.closedBeforeStartMs,
      };
    }

    let window = this.windows.get(windowStartMs);
    if (window === undefined) {
      window = {
        startMs: windowStartMs,
        groups: new Map(),
        groupCount: 0,
        traces: 0,
        overflow: new Map(),
        minSourceOffset: undefined,
      };
      this.windows.set(windowStartMs, window);
    }
    const key = groupKey(summary);
    let group = window.groups.get(key)?.get(summary.fingerprint);
    let result = ADDED;
    if (group === undefined) {
      // Early closing only ever takes windows older than this one, so `window` stays open.
      let closedEarly: WindowAggregate[] | undefined;
      while (this.boundedGroups >= this.options.maxOpenGroups) {
        const oldest = this.oldestWindowStart();
        if (oldest === undefined || oldest >= windowStartMs) break;
        closedEarly ??= [];
        this.closeEarly(oldest, closedEarly);
      }
      if (this.boundedGroups < this.options.maxOpenGroups) {
        group = this.newGroup(windowStartMs, summary.endpoint, summary.fingerprint, summary);
        let byFingerprint = window.groups.get(key);
        if (byFingerprint === undefined) {
          byFingerprint = new Map();
          window.groups.set(key, byFingerprint);
        }
        byFingerprint.set(summary.fingerprint, group);
        window.groupCount++;
        this.boundedGroups++;
        if (closedEarly !== undefined) result = { outcome: 'added', closedEarly };
      } else {
        const tenant = summary.tenant ?? '';
        group = window.overflow.get(tenant);
        if (group === undefined) {
          group = this.newGroup(windowStartMs, OVERFLOW_GROUP_KEY, OVERFLOW_GROUP_KEY, summary);
          window.overflow.set(tenant, group);
          window.groupCount++;
          this.overflowGroups++;
        }
        this.counters.overflowTraces++;
        result = closedEarly === undefined ? OVERFLOW : { outcome: 'overflow', closedEarly };
      }
    }
    this.count(group, summary);
    window.traces++;
    if (
      sourceOffset !== undefined &&
      (window.minSourceOffset === undefined || sourceOffset < window.minSourceOffset)
    ) {
      window.minSourceOffset = sourceOffset;
    }
    this.counters.addedTraces++;
    return result;
  }

  /**
   * Closes and returns every open window whose end + allowedLatenessMs ≤ watermarkNs, ordered by
   * window start, then tenant, endpoint, fingerprint (UTF-16 code unit order, locale-independent). The
   * aggregator forgets them; a later trace for them is `late`. A watermark below the largest one
   * seen changes nothing (watermarks only move forward).
   */
  closeUpTo(watermarkNs: bigint): WindowAggregate[] {
    const watermarkMs = floorNsToMs(watermarkNs);
    if (watermarkMs <= this.watermarkMs) return [];
    this.watermarkMs = watermarkMs;
    const through = this.lastClosedStartFor(watermarkMs);
    if (through <= this.closedThroughMs) return [];
    this.closedThroughMs = through;
    const due = [...this.windows.keys()].filter((start) => start <= through).sort((a, b) => a - b);
    const out: WindowAggregate[] = [];
    for (const start of due) this.emitWindow(start, out);
    return out;
  }

  /**
   * Every open window's groups as they stand, in closeUpTo's order, without closing anything: a
   * window written this way is written again (same key, more traces) when it gets more traces or
   * closes. For partitions that went quiet: their last windows become visible without event time
   * moving past them, so data that continues later still counts in them instead of being late.
   */
  snapshotOpen(): WindowAggregate[] {
    const out: WindowAggregate[] = [];
    for (const start of [...this.windows.keys()].sort((a, b) => a - b)) {
      const window = this.windows.get(start)!;
      const groups: AggregateParts[] = [];
      for (const byFingerprint of window.groups.values()) {
        for (const g of byFingerprint.values()) groups.push(g);
      }
      for (const g of window.overflow.values()) groups.push(g);
      groups.sort(compareGroups);
      for (const g of groups) out.push(buildAggregate(g));
    }
    return out;
  }

  /** Open windows, oldest first. */
  openWindows(): OpenWindowInfo[] {
    return [...this.windows.values()]
      .sort((a, b) => a.startMs - b.startMs)
      .map((w) => ({
        windowStartMs: w.startMs,
        windowEndMs: w.startMs + this.options.windowMs,
        groups: w.groupCount,
        traces: w.traces,
        minSourceOffset: w.minSourceOffset,
      }));
  }

  /** Open (window, endpoint, fingerprint) groups, overflow groups included. */
  get openCount(): number {
    return this.boundedGroups + this.overflowGroups;
  }

  /** Traces whose window had already closed when they arrived. */
  get lateTraces(): number {
    return this.counters.lateTraces;
  }

  /** Traces counted in an overflow group because maxOpenGroups was hit. */
  get overflowTraces(): number {
    return this.counters.overflowTraces;
  }

  /** Windows closed before their watermark because maxOpenGroups was hit. */
  get earlyClosedWindows(): number {
    return this.counters.earlyClosedWindows;
  }

  /** Smallest source offset of a trace in an open window (see the class comment); undefined if none. */
  get minOpenSourceOffset(): number | undefined {
    let min: number | undefined;
    for (const w of this.windows.values()) {
      if (w.minSourceOffset !== undefined && (min === undefined || w.minSourceOffset < min)) {
        min = w.minSourceOffset;
      }
    }
    return min;
  }

  snapshot(): WindowAggregatorSnapshot {
    const windows = this.openWindows();
    return {
      openWindows: windows.length,
      openGroups: this.openCount,
      overflowGroups: this.overflowGroups,
      oldestOpenWindowStartMs: windows.length > 0 ? windows[0].windowStartMs : -1,
      newestOpenWindowStartMs: windows.length > 0 ? windows[windows.length - 1].windowStartMs : -1,
      watermarkMs: this.watermarkMs,
      ...this.counters,
      windows,
    };
  }

  /** Start of the latest window that `watermarkMs` closes: start + windowMs + lateness ≤ watermark. */
  private lastClosedStartFor(watermarkMs: number): number {
    const { windowMs, allowedLatenessMs } = this.options;
    const latestEnd = watermarkMs - allowedLatenessMs;
    return latestEnd - positiveMod(latestEnd, windowMs) - windowMs;
  }

  private oldestWindowStart(): number | undefined {
    let oldest: number | undefined;
    for (const start of this.windows.keys())
      if (oldest === undefined || start < oldest) oldest = start;
    return oldest;
  }

  private closeEarly(start: number, out: WindowAggregate[]): void {
    const before = out.length;
    // Everything up to this window counts as closed from now on: a later trace for it is late rather
    // than reopening it, which would write a second, partial row under the same key.
    if (start > this.closedThroughMs) this.closedThroughMs = start;
    this.emitWindow(start, out);
    this.counters.earlyClosedWindows++;
    this.counters.earlyClosedGroups += out.length - before;
  }

  private emitWindow(start: number, out: WindowAggregate[]): void {
    const window = this.windows.get(start)!;
    this.windows.delete(start);
    const groups: AggregateParts[] = [];
    for (const byFingerprint of window.groups.values()) {
      for (const g of byFingerprint.values()) groups.push(g);
    }
    this.boundedGroups -= groups.length;
    for (const g of window.overflow.values()) {
      groups.push(g);
      this.overflowGroups--;
    }
    groups.sort(compareGroups);
    for (const g of groups) out.push(buildAggregate(g));
    this.counters.closedGroups += groups.length;
  }

  private newGroup(
    windowStartMs: number,
    endpoint: string,
    fingerprint: string,
    first: TraceSummary,
  ): AggregateParts {
    return {
      ...(first.tenant === undefined ? {} : { tenant: first.tenant }),
      windowStartMs,
      windowEndMs: windowStartMs + this.options.windowMs,
      endpoint,
      fingerprint,
      count: 0,
      errorCount: 0,
      incompleteCount: 0,
      spanCount: 0,
      firstSeenNs: first.startNs,
      lastSeenNs: first.startNs,
      duration: new QuantileSketch({
        relativeAccuracy: this.options.sketchRelativeAccuracy,
        maxBuckets: this.options.sketchMaxBuckets,
      }),
      sample: new TraceSample(this.options.sampleSize),
    };
  }

  private count(g: AggregateParts, s: TraceSummary): void {
    // A duration that is negative or NaN (clock skew, bad input) counts as 0, as the sketch reads it,
    // so the sample and the representative agree with the sketch.
    const durationUs = s.durationUs >= 0 ? s.durationUs : 0;
    g.count++;
    if (s.error) g.errorCount++;
    if (!s.complete) g.incompleteCount++;
    g.spanCount += s.spanCount;
    if (s.startNs < g.firstSeenNs) g.firstSeenNs = s.startNs;
    if (s.startNs > g.lastSeenNs) g.lastSeenNs = s.startNs;
    g.duration.add(durationUs);
    g.sample.add(s.traceId, durationUs, s.error, s.complete);
  }
}

function compareGroups(x: AggregateParts, y: AggregateParts): number {
  const tx = x.tenant ?? '';
  const ty = y.tenant ?? '';
  if (tx !== ty) return tx < ty ? -1 : 1;
  if (x.endpoint !== y.endpoint) return x.endpoint < y.endpoint ? -1 : 1;
  if (x.fingerprint !== y.fingerprint) return x.fingerprint < y.fingerprint ? -1 : 1;
  return 0;
}

/** Unix ns → whole ms, rounding towards −∞ (BigInt division truncates towards 0). Exact. */
function floorNsToMs(ns: bigint): number {
  let ms = ns / NS_PER_MS;
  if (ns < 0n && ms * NS_PER_MS !== ns) ms -= 1n;
  return Number(ms);
}

function positiveMod(x: number, m: number): number {
  const r = x % m;
  return r < 0 ? r + m : r;
}

function validateOptions(o: WindowAggregatorOptions): WindowAggregatorOptions {
  const bad: string[] = [];
  const positiveInt = (name: keyof WindowAggregatorOptions, min: number): void => {
    const v = o[name];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
      bad.push(`${name} must be an integer ≥ ${min}, got ${String(v)}`);
    }
  };
  positiveInt('windowMs', 1);
  positiveInt('allowedLatenessMs', 0);
  positiveInt('maxOpenGroups', 1);
  positiveInt('sampleSize', 1);
  positiveInt('sketchMaxBuckets', 2);
  if (!(o.sketchRelativeAccuracy >= 1e-4 && o.sketchRelativeAccuracy <= 0.5)) {
    bad.push(
      `sketchRelativeAccuracy must be between 1e-4 and 0.5, got ${o.sketchRelativeAccuracy}`,
    );
  }
  if (typeof o.initialWatermarkNs !== 'bigint') bad.push('initialWatermarkNs must be a bigint');
  if (bad.length > 0) throw new RangeError(`invalid WindowAggregator options: ${bad.join('; ')}`);
  return o;
}
