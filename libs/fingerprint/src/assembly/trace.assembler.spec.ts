import { type ArrivingSpan, type AssemblerOptions, TraceAssembler } from './trace.assembler';

const S = 1_000_000_000n; // one second in ns
const T0 = 1_767_225_600n * S;

const options: AssemblerOptions = {
  idleGapMs: 10_000,
  maxTraceDurationMs: 60_000,
  maxOpenTraces: 1000,
  maxSpansPerTrace: 100,
  recentlyClosedCapacity: 1000,
};

let nextId = 1;
function span(overrides: Partial<ArrivingSpan> = {}): ArrivingSpan {
  return {
    spanId: (nextId++).toString(16).padStart(16, '0'),
    parentSpanId: '',
    name: 'GET /users/{id}',
    kind: 2,
    serviceName: 'user-api',
    attributes: { 'http.request.method': 'GET', 'http.route': '/users/{id}' },
    startTimeUnixNano: T0,
    durationNano: 5_000_000,
    statusCode: 0,
    ...overrides,
  };
}

const trace = (n: number) => n.toString(16).padStart(32, '0');

describe(TraceAssembler.name, () => {
  it('keeps a trace open until event time passes its last span end by the idle gap', () => {
    const sut = new TraceAssembler(options);
    const root = span();
    expect(sut.add(trace(1), [root], 0)).toEqual([]);
    expect(
      sut.add(trace(1), [span({ parentSpanId: root.spanId, startTimeUnixNano: T0 + S })], 1),
    ).toEqual([]);
    // Another trace's span 9 s later: not yet 10 s past trace 1's last end (T0 + 1 s + 5 ms).
    expect(sut.add(trace(2), [span({ startTimeUnixNano: T0 + 10n * S })], 2)).toEqual([]);
    const closed = sut.add(trace(3), [span({ startTimeUnixNano: T0 + 12n * S })], 3);
    expect(closed.map((c) => c.traceId)).toEqual([trace(1)]);
    expect(closed[0]).toMatchObject({
      reason: 'idle',
      firstOffset: 0,
      lastOffset: 1,
      truncated: false,
    });
    expect(closed[0].spans.map((s) => s.startUs)).toEqual([0, 1_000_000]);
    expect(closed[0].spans[0].endpoint).toBe('user-api|HTTP GET /users/{id}');
    expect(closed[0].spans[1].endpoint).toBe('user-api|HTTP GET /users/{id}'); // server kind: a possible entry too
    expect(sut.stats()).toMatchObject({ openTraces: 2, openSpans: 2 });
  });

  it('closes a busy trace at the maximum duration', () => {
    const sut = new TraceAssembler(options);
    const closed = [];
    for (let i = 0; i <= 70; i += 5)
      closed.push(...sut.add(trace(1), [span({ startTimeUnixNano: T0 + BigInt(i) * S })], i));
    expect(closed).toHaveLength(1);
    expect(closed[0].reason).toBe('max_duration');
  });

  it('drops duplicate spans (replays, retries) and counts them', () => {
    const sut = new TraceAssembler(options);
    const a = span();
    const b = span({ parentSpanId: a.spanId });
    sut.add(trace(1), [a, b], 0);
    sut.add(trace(1), [b, a], 1);
    const [closed] = sut.advanceTo(T0 + 60n * S);
    expect(closed.spans.map((s) => s.spanId)).toEqual([a.spanId, b.spanId]);
    expect(sut.stats().duplicateSpans).toBe(2);
  });

  it('drops spans of a trace that already closed, and counts them as late', () => {
    const sut = new TraceAssembler(options);
    sut.add(trace(1), [span()], 0);
    expect(sut.advanceTo(T0 + 30n * S)).toHaveLength(1);
    expect(sut.add(trace(1), [span(), span()], 1)).toEqual([]);
    expect(sut.stats()).toMatchObject({ lateSpans: 2, openTraces: 0 });
  });

  it('keeps at most maxSpansPerTrace spans and marks the trace truncated', () => {
    const sut = new TraceAssembler({ ...options, maxSpansPerTrace: 3 });
    sut.add(trace(1), [span(), span(), span(), span(), span()], 0);
    const [closed] = sut.flush();
    expect(closed.spans).toHaveLength(3);
    expect(closed.truncated).toBe(true);
    expect(sut.stats().truncatedSpans).toBe(2);
  });

  it('evicts the trace due first when the open-trace bound is hit', () => {
    const sut = new TraceAssembler({ ...options, maxOpenTraces: 2 });
    sut.add(trace(1), [span({ startTimeUnixNano: T0 })], 0);
    sut.add(trace(2), [span({ startTimeUnixNano: T0 + 2n * S })], 1);
    const closed = sut.add(trace(3), [span({ startTimeUnixNano: T0 + 1n * S })], 2);
    expect(closed.map((c) => [c.traceId, c.reason])).toEqual([[trace(1), 'evicted']]);
    expect(sut.stats()).toMatchObject({ openTraces: 2, evictedTraces: 1 });
  });

  it('reports the smallest offset open traces still need', () => {
    const sut = new TraceAssembler(options);
    expect(sut.minOpenOffset()).toBeUndefined();
    sut.add(trace(1), [span()], 7);
    sut.add(trace(2), [span()], 8);
    sut.add(trace(1), [span()], 9);
    expect(sut.minOpenOffset()).toBe(7);
    sut.advanceTo(T0 + 30n * S);
    expect(sut.minOpenOffset()).toBeUndefined();
  });

  it('releases open traces without emitting them (partition revoked)', () => {
    const sut = new TraceAssembler(options);
    sut.add(trace(1), [span()], 0);
    sut.add(trace(2), [span()], 1);
    expect(sut.release()).toBe(2);
    expect(sut.advanceTo(T0 + 60n * S)).toEqual([]);
    expect(sut.stats()).toMatchObject({ openTraces: 0, openSpans: 0 });
  });

  it('gives the same traces for the same record sequence (replays are deterministic)', () => {
    const records = Array.from({ length: 200 }, (_, i) => {
      const t = trace(1 + (i % 17));
      return {
        t,
        spans: [
          span({ startTimeUnixNano: T0 + BigInt(i) * 300_000_000n, serviceName: `svc-${i % 3}` }),
        ],
      };
    });
    const run = () => {
      const sut = new TraceAssembler(options);
      const out = records.flatMap((r, i) => sut.add(r.t, r.spans, i));
      return [...out, ...sut.flush()].map((c) => ({
        id: c.traceId,
        n: c.spans.length,
        reason: c.reason,
        first: c.firstOffset,
      }));
    };
    expect(run()).toEqual(run());
  });

  it('starts from a restored watermark: traces ending before it close at the next advance', () => {
    const sut = new TraceAssembler(options, T0 + 100n * S);
    sut.add(trace(1), [span({ startTimeUnixNano: T0 })], 0);
    expect(sut.stats().openTraces).toBe(1);
    expect(sut.advanceTo(T0 + 100n * S + 1n)).toHaveLength(1);
  });

  describe('event time aligned across sources', () => {
    /** Wall clock for source idleness, moved by the tests. */
    let clockMs = 0;
    const aligned: AssemblerOptions = {
      ...options,
      idleGapMs: 2_000,
      sourceIdleMs: 30_000,
      now: () => clockMs,
    };
    beforeEach(() => {
      clockMs = 1_000_000;
    });
    /** One trace whose root comes from source a, and whose late child comes from source b. */
    const root = () => span({ startTimeUnixNano: T0 });
    const child = (parent: ArrivingSpan) =>
      span({ parentSpanId: parent.spanId, startTimeUnixNano: T0 + S / 10n, kind: 5 });

    it('waits for the slower source: a trace split across two sources closes whole', () => {
      const sut = new TraceAssembler(aligned);
      const r = root();
      sut.add(trace(1), [r], 0, { source: 'a', timeNs: T0 + S });
      sut.add(trace(9), [span({ startTimeUnixNano: T0 + S })], 1, { source: 'b', timeNs: T0 + S });
      // Source a races 10 s ahead; b has not delivered trace 1's child yet.
      const early = sut.add(trace(2), [span({ startTimeUnixNano: T0 + 10n * S })], 2, {
        source: 'a',
        timeNs: T0 + 10n * S,
      });
      expect(early).toEqual([]);
      expect(sut.stats().sourceHoldNs).toBeGreaterThan(0n);
      // b catches up with the child, then moves past the idle gap: trace 1 closes with both spans.
      sut.add(trace(1), [child(r)], 3, { source: 'b', timeNs: T0 + S });
      const closed = sut.add(trace(3), [span({ startTimeUnixNano: T0 + 5n * S })], 4, {
        source: 'b',
        timeNs: T0 + 5n * S,
      });
      const one = closed.find((c) => c.traceId === trace(1));
      expect(one?.spans).toHaveLength(2);
      expect(sut.stats().lateSpans).toBe(0);
    });

    it('without alignment the same arrival splits the trace: the child is late', () => {
      const sut = new TraceAssembler({ ...aligned, sourceIdleMs: 0 });
      const r = root();
      sut.add(trace(1), [r], 0, { source: 'a', timeNs: T0 + S });
      const closed = sut.add(trace(2), [span({ startTimeUnixNano: T0 + 10n * S })], 2, {
        source: 'a',
        timeNs: T0 + 10n * S,
      });
      expect(closed.find((c) => c.traceId === trace(1))?.spans).toHaveLength(1);
      sut.add(trace(1), [child(r)], 3, { source: 'b', timeNs: T0 + S });
      expect(sut.stats().lateSpans).toBe(1);
    });

    it('waits for a source far behind in event time while it keeps sending: a fast replay closes nothing early', () => {
      const sut = new TraceAssembler(aligned);
      const r = root();
      sut.add(trace(1), [r], 0, { source: 'slow', timeNs: T0 });
      // Source fast is ten minutes of event time ahead, delivered within one second of wall clock.
      for (let i = 0; i < 10; i++) {
        clockMs += 100;
        const t = T0 + BigInt(i + 1) * 60n * S;
        expect(
          sut.add(trace(100 + i), [span({ startTimeUnixNano: t })], 1 + i, {
            source: 'fast',
            timeNs: t,
          }),
        ).toEqual([]);
      }
      expect(sut.stats().sourceHoldNs).toBeGreaterThanOrEqual(600n * S);
      // The slow source delivers the child, then moves on: trace 1 closes whole.
      sut.add(trace(1), [child(r)], 20, { source: 'slow', timeNs: T0 + S });
      const closed = sut.add(trace(2), [span({ startTimeUnixNano: T0 + 5n * S })], 21, {
        source: 'slow',
        timeNs: T0 + 5n * S,
      });
      expect(closed.find((c) => c.traceId === trace(1))?.spans).toHaveLength(2);
      expect(sut.stats().lateSpans).toBe(0);
    });

    it('stops waiting for a source that has sent nothing for the idle time (wall clock)', () => {
      const sut = new TraceAssembler(aligned);
      sut.add(trace(1), [root()], 0, { source: 'quiet', timeNs: T0 });
      clockMs += 29_000;
      expect(
        sut.add(trace(2), [span({ startTimeUnixNano: T0 + 60n * S })], 1, {
          source: 'a',
          timeNs: T0 + 60n * S,
        }),
      ).toEqual([]);
      clockMs += 2_000;
      const closed = sut.add(trace(3), [span({ startTimeUnixNano: T0 + 61n * S })], 2, {
        source: 'a',
        timeNs: T0 + 61n * S,
      });
      expect(closed.map((c) => c.traceId)).toEqual([trace(1)]);
      expect(sut.stats().sourceHoldNs).toBeLessThan(S);
    });

    it('holds event time back by at most the optional lag bound', () => {
      const sut = new TraceAssembler({ ...aligned, maxSourceLagMs: 30_000 });
      sut.add(trace(1), [root()], 0, { source: 'behind', timeNs: T0 });
      // Source behind keeps sending but stays at T0; trace 1 closes once a is 30 s (bound) + 2 s (gap) ahead.
      expect(
        sut.add(trace(2), [span({ startTimeUnixNano: T0 + 31n * S })], 1, {
          source: 'a',
          timeNs: T0 + 31n * S,
        }),
      ).toEqual([]);
      sut.add(trace(4), [span({ startTimeUnixNano: T0 })], 2, { source: 'behind', timeNs: T0 });
      const closed = sut.add(trace(3), [span({ startTimeUnixNano: T0 + 33n * S })], 3, {
        source: 'a',
        timeNs: T0 + 33n * S,
      });
      expect(closed.map((c) => c.traceId)).toEqual([trace(1), trace(4)]);
      expect(sut.stats().sourceHoldNs).toBe(30n * S);
    });

    it('expects the peers a source names from the start: a peer’s first records are not late', () => {
      const sut = new TraceAssembler(aligned);
      const peers = ['spans/0', 'spans/1'];
      // Source 0 delivers ten minutes of traffic before source 1 has sent anything.
      for (let i = 0; i < 10; i++) {
        const t = T0 + BigInt(i) * 60n * S;
        expect(
          sut.add(trace(100 + i), [span({ startTimeUnixNano: t })], i, {
            source: 'spans/0',
            timeNs: t,
            peers,
          }),
        ).toEqual([]);
      }
      sut.add(trace(1), [root()], 20, { source: 'spans/1', timeNs: T0, peers });
      const closed = sut.add(trace(2), [span({ startTimeUnixNano: T0 + 600n * S })], 21, {
        source: 'spans/1',
        timeNs: T0 + 600n * S,
        peers,
      });
      expect(closed.map((c) => c.traceId)).toContain(trace(1));
      expect(sut.stats().lateSpans).toBe(0);
    });

    it('waits for an expected peer that never sends only for the idle time', () => {
      const sut = new TraceAssembler(aligned);
      const peers = ['spans/0', 'spans/1'];
      sut.add(trace(1), [root()], 0, { source: 'spans/0', timeNs: T0, peers });
      expect(
        sut.add(trace(2), [span({ startTimeUnixNano: T0 + 60n * S })], 1, {
          source: 'spans/0',
          timeNs: T0 + 60n * S,
          peers,
        }),
      ).toEqual([]);
      clockMs += 31_000;
      const closed = sut.add(trace(3), [span({ startTimeUnixNano: T0 + 61n * S })], 2, {
        source: 'spans/0',
        timeNs: T0 + 61n * S,
        peers,
      });
      expect(closed.map((c) => c.traceId)).toEqual([trace(1)]);
    });

    it('records without a source count as before', () => {
      const sut = new TraceAssembler(aligned);
      sut.add(trace(1), [root()], 0);
      const closed = sut.add(trace(2), [span({ startTimeUnixNano: T0 + 3n * S })], 1);
      expect(closed.map((c) => c.traceId)).toEqual([trace(1)]);
    });
  });
});
