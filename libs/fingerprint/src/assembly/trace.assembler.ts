import { type EndpointRules, NO_ENDPOINT_RULES, spanEndpoint, spanLabel } from '../labels';
import type { AssembledSpan, AssembledTrace, SpanFacts } from '../trace.model';

/** A span as it arrives in a `spans_by_trace` record (libs/wire RecordSpan fits). */
export interface ArrivingSpan extends SpanFacts {
  spanId: string;
  startTimeUnixNano: bigint;
  durationNano: number;
  statusCode: number;
}

export interface AssemblerOptions {
  /** A trace closes when the partition's event time passes its last span end by this much. */
  idleGapMs: number;
  /** ...or its first span start by this much, however busy it still is. */
  maxTraceDurationMs: number;
  /** Bound on open traces; above it the trace due soonest is closed early (counted as evicted). */
  maxOpenTraces: number;
  /** Bound on spans kept per trace; further spans are dropped (counted) and the trace is marked truncated. */
  maxSpansPerTrace: number;
  /** Closed trace ids remembered to recognise late spans (bounded, oldest forgotten first). */
  recentlyClosedCapacity: number;
  /**
   * How services name the endpoint of traces entering through them (gateways, proxies); default:
   * every service `auto` (see EndpointRule).
   */
  endpointRules?: EndpointRules;
  /**
   * Event-time alignment across sources (0 or absent: off). Records may say which upstream source
   * they come from and how far in event time that source has got (`SourceProgress`); event time
   * then waits for the slowest source that has sent a record within this long (wall clock). A
   * source further behind in event time but still sending holds event time back however far
   * behind it is, so a replay at any speed closes no trace early; a source that went quiet stops
   * counting after this long.
   */
  sourceIdleMs?: number;
  /**
   * Optional hard bound (0 or absent: none) on how far alignment may hold event time behind the
   * largest span end seen: bounded closing latency, at the price of late traces when a source lags
   * further than this.
   */
  maxSourceLagMs?: number;
  /** Wall clock for source idleness, ms (tests); default Date.now. */
  now?: () => number;
}

/**
 * Where a record comes from and how far that source has got: ingest stamps each re-keyed record
 * with its source partition and the largest span end it has read there so far.
 */
export interface SourceProgress {
  source: string;
  timeNs: bigint;
  /**
   * The other sources that exist beside this one (the other partitions of its topic). The first
   * time a source names them, those not heard from yet are expected: they hold event time back
   * until they send or stay quiet for `sourceIdleMs`.
   */
  peers?: readonly string[];
}

/** Sources remembered for alignment; sources are upstream partitions, so this is never reached in practice. */
const MAX_SOURCES = 4096;

export const DEFAULT_ASSEMBLER_OPTIONS: AssemblerOptions = {
  idleGapMs: 10_000,
  maxTraceDurationMs: 300_000,
  maxOpenTraces: 200_000,
  maxSpansPerTrace: 2_000,
  recentlyClosedCapacity: 200_000,
};

/** Why a trace was closed. */
export type CloseReason = 'idle' | 'max_duration' | 'evicted' | 'flush';

export interface ClosedTrace extends AssembledTrace {
  /** The tenant the trace was added under, when the caller names tenants. */
  tenant?: string;
  reason: CloseReason;
  /** Spans beyond maxSpansPerTrace were dropped. */
  truncated: boolean;
  /** Smallest and largest source offset that contributed a span. */
  firstOffset: number;
  lastOffset: number;
  /** Absolute end of the trace's last span, Unix ns. */
  lastEndNs: bigint;
}

export interface AssemblerStats {
  openTraces: number;
  openSpans: number;
  /** Spans for traces already closed (dropped). */
  lateSpans: number;
  /** Spans whose (trace id, span id) was already open (dropped: replays and retries send duplicates). */
  duplicateSpans: number;
  /** Spans dropped because their trace hit maxSpansPerTrace. */
  truncatedSpans: number;
  /** Traces closed early because maxOpenTraces was hit. */
  evictedTraces: number;
  /** Event-time watermark of the partition, Unix ns. */
  watermarkNs: bigint;
  /** How far the watermark is held behind the largest span end seen, waiting for slower sources, ns. */
  sourceHoldNs: bigint;
}

interface OpenTrace {
  /** The trace id, prefixed with the tenant when there is one (see traceKey). */
  key: string;
  tenant: string | undefined;
  traceId: string;
  baseStartNs: bigint;
  firstStartNs: bigint;
  lastEndNs: bigint;
  spans: AssembledSpan[];
  /** Span ids seen, to drop duplicates without scanning. Created lazily: most traces never see one. */
  seen: Set<string> | undefined;
  truncated: boolean;
  firstOffset: number;
  lastOffset: number;
  /** Deadline (event time, ns) at which the trace closes; the heap entry with a stale deadline is skipped. */
  deadlineNs: bigint;
}

interface HeapEntry {
  deadlineNs: bigint;
  trace: OpenTrace;
}

const NS_PER_MS = 1_000_000n;
const NS_PER_US = 1000n;

/**
 * Open and recently closed traces are known by trace id within their tenant: two tenants sending
 * the same trace id are two traces. (Tenant names hold no space; trace ids are hex.)
 */
function traceKey(tenant: string | undefined, traceId: string): string {
  return tenant === undefined ? traceId : `${tenant} ${traceId}`;
}

/**
 * Gathers the spans of each trace of ONE partition until the trace is idle (in event time), then
 * hands it over closed. Event time is the largest span end seen on the partition (the watermark),
 * so the same record sequence closes the same traces at the same points: a replay after a crash
 * rebuilds exactly the same traces. `advanceTo(ns)` lets the caller move event time on when the
 * partition is idle (processing-time fallback at the tail of a stream). With source alignment on,
 * the one other input is when each source last sent (wall clock), which only decides when a quiet
 * source stops holding event time back.
 *
 * Memory is bounded: open traces, spans per trace and remembered closed trace ids all have caps,
 * and what is dropped because of a cap is counted. Per open span only an `AssembledSpan` is kept
 * (ids, interned label, µs times), not the attributes.
 */
export class TraceAssembler {
  private readonly open = new Map<string, OpenTrace>();
  private readonly heap: HeapEntry[] = [];
  private readonly recentlyClosed = new Set<string>();
  private readonly labels = new Map<string, string>();
  private readonly labelCapacity = 100_000;
  private readonly idleGapNs: bigint;
  private readonly maxDurationNs: bigint;
  private openSpans = 0;
  private watermark: bigint;
  /** Largest span end seen (the watermark without alignment). */
  private maxSeen: bigint;
  private readonly sourceIdleMs: number;
  private readonly maxSourceLagNs: bigint;
  private readonly now: () => number;
  private readonly endpointRules: EndpointRules;
  /** Per source, the event time it has reached and when it last sent (only with alignment on). */
  private readonly sources = new Map<string, { timeNs: bigint; seenAt: number }>();
  /** Every source ever noted or expected (bounded like `sources`), so peers are expected once. */
  private readonly knownSources = new Set<string>();
  private counters = { lateSpans: 0, duplicateSpans: 0, truncatedSpans: 0, evictedTraces: 0 };

  constructor(
    private readonly options: AssemblerOptions = DEFAULT_ASSEMBLER_OPTIONS,
    /** Event time to start from, e.g. restored from the last commit of the partition. */
    initialWatermarkNs = 0n,
  ) {
    this.idleGapNs = BigInt(options.idleGapMs) * NS_PER_MS;
    this.maxDurationNs = BigInt(options.maxTraceDurationMs) * NS_PER_MS;
    this.watermark = initialWatermarkNs;
    this.maxSeen = initialWatermarkNs;
    this.sourceIdleMs = options.sourceIdleMs ?? 0;
    this.maxSourceLagNs = BigInt(options.maxSourceLagMs ?? 0) * NS_PER_MS;
    this.now = options.now ?? Date.now;
    this.endpointRules = options.endpointRules ?? NO_ENDPOINT_RULES;
  }

  /**
   * Adds the spans of one record (one trace). Returns traces closed because of it: the record may
   * advance event time, or push the open-trace count over its bound. `tenant`, when given, scopes
   * the trace id: the same id under two tenants is two traces. Event time is the partition's,
   * shared by every tenant on it.
   */
  add(
    traceId: string,
    spans: readonly ArrivingSpan[],
    offset: number,
    source?: SourceProgress,
    tenant?: string,
  ): ClosedTrace[] {
    if (source !== undefined && this.sourceIdleMs > 0) this.noteSource(source);
    if (spans.length === 0) return [];
    const key = traceKey(tenant, traceId);
    if (this.recentlyClosed.has(key)) {
      this.counters.lateSpans += spans.length;
      return [];
    }
    let trace = this.open.get(key);
    const closed: ClosedTrace[] = [];
    if (!trace) {
      if (this.open.size >= this.options.maxOpenTraces) {
        const victim = this.popDue(undefined);
        if (victim) {
          this.counters.evictedTraces++;
          closed.push(this.close(victim, 'evicted'));
        }
      }
      const start = spans[0].startTimeUnixNano;
      trace = {
        key,
        tenant,
        traceId,
        baseStartNs: start,
        firstStartNs: start,
        lastEndNs: start,
        spans: [],
        seen: undefined,
        truncated: false,
        firstOffset: offset,
        lastOffset: offset,
        deadlineNs: 0n,
      };
      this.open.set(key, trace);
    }
    for (const s of spans) {
      const end = s.startTimeUnixNano + BigInt(s.durationNano);
      if (end > this.maxSeen) this.maxSeen = end;
      this.addSpan(trace, s, end);
    }
    if (offset < trace.firstOffset) trace.firstOffset = offset;
    if (offset > trace.lastOffset) trace.lastOffset = offset;
    this.schedule(trace);
    const aligned = this.alignedWatermark();
    if (aligned > this.watermark) closed.push(...this.advanceTo(aligned));
    return closed;
  }

  private noteSource({ source, timeNs, peers }: SourceProgress): void {
    const seenAt = this.now();
    const known = this.sources.get(source);
    if (known !== undefined) {
      known.seenAt = seenAt;
      if (timeNs > known.timeNs) known.timeNs = timeNs;
      return;
    }
    if (peers !== undefined && !this.knownSources.has(source)) {
      // Peers not heard from yet have reached nothing: event time waits for them (bounded by
      // sourceIdleMs), so records they deliver later are not late.
      for (const peer of peers)
        if (peer !== source && !this.knownSources.has(peer)) this.addSource(peer, 0n, seenAt);
    }
    this.addSource(source, timeNs, seenAt);
  }

  private addSource(source: string, timeNs: bigint, seenAt: number): void {
    if (this.knownSources.size >= MAX_SOURCES) this.knownSources.clear();
    this.knownSources.add(source);
    if (this.sources.size >= MAX_SOURCES) {
      // Forget the source quiet for longest.
      let oldest: string | undefined;
      for (const [k, v] of this.sources)
        if (oldest === undefined || v.seenAt < this.sources.get(oldest)!.seenAt) oldest = k;
      this.sources.delete(oldest!);
    }
    this.sources.set(source, { timeNs, seenAt });
  }

  /**
   * The largest span end seen, held back to the slowest source still sending when alignment is
   * on (and by at most `maxSourceLagMs` when that is set). A source that has sent nothing for
   * `sourceIdleMs` is forgotten: a quiet or vanished source holds event time back that long at most.
   */
  private alignedWatermark(): bigint {
    if (this.sources.size === 0) return this.maxSeen;
    const quietBefore = this.now() - this.sourceIdleMs;
    let slowest = this.maxSeen;
    for (const [k, v] of this.sources) {
      if (v.seenAt < quietBefore) this.sources.delete(k);
      else if (v.timeNs < slowest) slowest = v.timeNs;
    }
    if (this.maxSourceLagNs > 0n) {
      const floor = this.maxSeen - this.maxSourceLagNs;
      if (slowest < floor) return floor;
    }
    return slowest;
  }

  /** Moves event time forward (never back) and returns the traces that closed. */
  advanceTo(watermarkNs: bigint): ClosedTrace[] {
    if (watermarkNs > this.watermark) this.watermark = watermarkNs;
    if (watermarkNs > this.maxSeen) this.maxSeen = watermarkNs;
    const closed: ClosedTrace[] = [];
    for (;;) {
      const t = this.popDue(this.watermark);
      if (!t) break;
      // Due but not idle: it hit the maximum duration.
      closed.push(
        this.close(t, t.lastEndNs + this.idleGapNs > this.watermark ? 'max_duration' : 'idle'),
      );
    }
    return closed;
  }

  /** Closes every open trace now (tests, and tools that replay a finite file). */
  flush(): ClosedTrace[] {
    const all = [...this.open.values()].map((t) => this.close(t, 'flush'));
    this.heap.length = 0;
    return all;
  }

  /**
   * Forgets every open trace without closing it: the partition was revoked, its new owner will
   * replay them from the committed offset. Nothing partial is emitted.
   */
  release(): number {
    const n = this.open.size;
    this.open.clear();
    this.heap.length = 0;
    this.openSpans = 0;
    return n;
  }

  /** Smallest source offset an open trace still needs, or undefined when nothing is open. */
  minOpenOffset(): number | undefined {
    let min: number | undefined;
    for (const t of this.open.values())
      if (min === undefined || t.firstOffset < min) min = t.firstOffset;
    return min;
  }

  get watermarkNs(): bigint {
    return this.watermark;
  }

  stats(): AssemblerStats {
    return {
      openTraces: this.open.size,
      openSpans: this.openSpans,
      ...this.counters,
      watermarkNs: this.watermark,
      sourceHoldNs: this.maxSeen > this.watermark ? this.maxSeen - this.watermark : 0n,
    };
  }

  private addSpan(trace: OpenTrace, s: ArrivingSpan, endNs: bigint): void {
    if (trace.spans.length > 0) {
      // Duplicates come from replays (at-least-once re-keying) and client retries.
      if (!trace.seen) trace.seen = new Set(trace.spans.map((x) => x.spanId));
      if (trace.seen.has(s.spanId)) {
        this.counters.duplicateSpans++;
        return;
      }
    }
    if (trace.spans.length >= this.options.maxSpansPerTrace) {
      trace.truncated = true;
      this.counters.truncatedSpans++;
      return;
    }
    trace.seen?.add(s.spanId);
    const endpoint =
      s.parentSpanId === '' || s.kind === 2 || s.kind === 5
        ? spanEndpoint(s, this.endpointRules)
        : undefined;
    const span: AssembledSpan = {
      spanId: s.spanId,
      parentSpanId: s.parentSpanId,
      label: this.intern(spanLabel(s)),
      startUs: Number((s.startTimeUnixNano - trace.baseStartNs) / NS_PER_US),
      durationUs: Math.floor(s.durationNano / 1000),
      error: s.statusCode === 2,
    };
    if (endpoint !== undefined) {
      span.endpoint = this.intern(endpoint.key);
      if (endpoint.lookThrough !== undefined) span.lookThrough = endpoint.lookThrough;
    }
    trace.spans.push(span);
    this.openSpans++;
    if (s.startTimeUnixNano < trace.firstStartNs) trace.firstStartNs = s.startTimeUnixNano;
    if (endNs > trace.lastEndNs) trace.lastEndNs = endNs;
  }

  /** Labels repeat across millions of spans: one string each. Bounded; past the cap, labels are just not shared. */
  private intern(label: string): string {
    const known = this.labels.get(label);
    if (known !== undefined) return known;
    if (this.labels.size < this.labelCapacity) this.labels.set(label, label);
    return label;
  }

  private schedule(trace: OpenTrace): void {
    const idle = trace.lastEndNs + this.idleGapNs;
    const cap = trace.firstStartNs + this.maxDurationNs;
    const deadline = idle < cap ? idle : cap;
    if (deadline === trace.deadlineNs) return;
    trace.deadlineNs = deadline;
    this.push({ deadlineNs: deadline, trace });
  }

  /** Pops the open trace due first if its deadline ≤ `until` (any, when undefined). Stale heap entries are skipped. */
  private popDue(until: bigint | undefined): OpenTrace | undefined {
    while (this.heap.length > 0) {
      const top = this.heap[0];
      const live =
        this.open.get(top.trace.key) === top.trace && top.trace.deadlineNs === top.deadlineNs;
      if (!live) {
        this.pop();
        continue;
      }
      if (until !== undefined && top.deadlineNs > until) return undefined;
      this.pop();
      return top.trace;
    }
    return undefined;
  }

  private close(trace: OpenTrace, reason: CloseReason): ClosedTrace {
    this.open.delete(trace.key);
    this.openSpans -= trace.spans.length;
    this.recentlyClosed.add(trace.key);
    if (this.recentlyClosed.size > this.options.recentlyClosedCapacity) {
      // Sets iterate in insertion order: the first entry is the oldest closed trace.
      const oldest = this.recentlyClosed.values().next().value as string;
      this.recentlyClosed.delete(oldest);
    }
    return {
      ...(trace.tenant === undefined ? {} : { tenant: trace.tenant }),
      traceId: trace.traceId,
      baseStartNs: trace.baseStartNs,
      spans: trace.spans,
      reason,
      truncated: trace.truncated,
      firstOffset: trace.firstOffset,
      lastOffset: trace.lastOffset,
      lastEndNs: trace.lastEndNs,
    };
  }

  // A binary min-heap on deadline; entries for traces whose deadline moved are left in place and
  // skipped when they surface (cheaper than updating keys).
  private push(e: HeapEntry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p].deadlineNs <= e.deadlineNs) break;
      h[i] = h[p];
      i = p;
    }
    h[i] = e;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && h[r].deadlineNs < h[l].deadlineNs ? r : l;
      if (h[c].deadlineNs >= last.deadlineNs) break;
      h[i] = h[c];
      i = c;
    }
    h[i] = last;
  }
}
