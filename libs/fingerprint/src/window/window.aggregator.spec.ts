import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TraceSummary } from '../trace.model';
import { QuantileSketch } from './quantile.sketch';
import { seededRandom, syntheticSummaries } from './synthetic-traces.fixture';
import { hashTraceId } from './trace-id.hash';
import { mergeAggregates } from './window-aggregate.merge';
import type { WindowAggregate } from './window-aggregate.model';
import {
  OVERFLOW_GROUP_KEY,
  WindowAggregator,
  type WindowAggregatorOptions,
  type WindowAggregatorSnapshot,
} from './window.aggregator';

const MIN = 60_000;
const MS = 1_000_000n;
const T0 = 1_700_000_040_000; // a window start: a multiple of 60,000 ms
const FAR_FUTURE = 10n ** 19n;

let nextId = 0;
function trace(startMs: number, extra: Partial<TraceSummary> = {}): TraceSummary {
  nextId++;
  return {
    traceId: `trace-${nextId.toString().padStart(6, '0')}`,
    endpoint: 'shop|HTTP GET /cart/{id}',
    fingerprint: 'aaaaaaaaaaaaaaaa',
    startNs: BigInt(startMs) * MS,
    durationUs: 1_000,
    error: false,
    complete: true,
    spanCount: 4,
    ...extra,
  };
}

function keyOf(a: WindowAggregate): string {
  return `${a.windowStartMs}|${a.endpoint}|${a.fingerprint}`;
}

/** Adds everything, then closes everything: no trace can be late. */
function aggregateAll(
  summaries: readonly TraceSummary[],
  options: Partial<WindowAggregatorOptions> = {},
): WindowAggregate[] {
  const sut = new WindowAggregator(options);
  for (const s of summaries) expect(sut.add(s).outcome).toBe('added');
  return sut.closeUpTo(FAR_FUTURE);
}

/**
 * A partition's life: batches of closed traces, each followed by closeUpTo(the largest start seen),
 * collecting every row the caller would write (closed windows, early-closed windows, corrections).
 */
function runPartition(
  summaries: readonly TraceSummary[],
  batch: number,
  maxOpenGroups: number,
): { rows: WindowAggregate[]; stats: WindowAggregatorSnapshot } {
  const sut = new WindowAggregator({ allowedLatenessMs: 20_000, maxOpenGroups });
  const rows: WindowAggregate[] = [];
  let watermark = 0n;
  for (let i = 0; i < summaries.length; i += batch) {
    for (const s of summaries.slice(i, i + batch)) {
      const result = sut.add(s);
      rows.push(...result.closedEarly);
      if (result.late !== undefined) rows.push(result.late);
      if (s.startNs > watermark) watermark = s.startNs;
    }
    rows.push(...sut.closeUpTo(watermark));
  }
  rows.push(...sut.closeUpTo(FAR_FUTURE));
  return { rows, stats: sut.snapshot() };
}

describe(WindowAggregator.name, () => {
  it('assigns traces to epoch-aligned windows by start time, not by arrival', () => {
    const sut = new WindowAggregator();
    // Arrival order is newest first; the boundary trace belongs to the window it starts.
    sut.add(trace(T0 + 2 * MIN + 5));
    sut.add(trace(T0 + MIN));
    sut.add({ ...trace(T0), startNs: BigInt(T0 + MIN) * MS - 1n });
    sut.add(trace(T0));
    expect(sut.openWindows().map((w) => [w.windowStartMs, w.windowEndMs, w.traces])).toEqual([
      [T0, T0 + MIN, 2],
      [T0 + MIN, T0 + 2 * MIN, 1],
      [T0 + 2 * MIN, T0 + 3 * MIN, 1],
    ]);
    const closed = sut.closeUpTo(FAR_FUTURE);
    expect(closed.map((a) => [a.windowStartMs, a.count])).toEqual([
      [T0, 2],
      [T0 + MIN, 1],
      [T0 + 2 * MIN, 1],
    ]);
    expect(sut.openCount).toBe(0);
  });

  it('floors times before the epoch into the window that contains them', () => {
    const sut = new WindowAggregator({ initialWatermarkNs: -(10n ** 18n) });
    sut.add({ ...trace(0), startNs: -1n });
    expect(sut.openWindows()[0].windowStartMs).toBe(-MIN);
  });

  it('fills every field of the aggregate', () => {
    const traces = [
      trace(T0 + 10, { durationUs: 2_000, spanCount: 5 }),
      trace(T0 + 20, { durationUs: 1_000, error: true, spanCount: 7 }),
      trace(T0 + 5, { durationUs: 3_000, complete: false, spanCount: 1 }),
    ];
    const [a] = aggregateAll(traces);
    expect(a).toMatchObject({
      windowStartMs: T0,
      windowEndMs: T0 + MIN,
      endpoint: 'shop|HTTP GET /cart/{id}',
      fingerprint: 'aaaaaaaaaaaaaaaa',
      count: 3,
      errorCount: 1,
      incompleteCount: 1,
      spanCount: 13,
      firstSeenNs: (BigInt(T0 + 5) * MS).toString(),
      lastSeenNs: (BigInt(T0 + 20) * MS).toString(),
      // The only complete error-free trace wins, though 2,000 µs is also the median.
      representative: { traceId: traces[0].traceId, durationUs: 2_000 },
    });
    expect(a.sample.traceIds).toHaveLength(3);
    expect(QuantileSketch.fromSerialized(a.duration).count).toBe(3);
  });

  it('closes a window only when the watermark passes its end plus the allowed lateness', () => {
    const sut = new WindowAggregator({ allowedLatenessMs: 30_000 });
    sut.add(trace(T0 + 1_000));
    const end = BigInt(T0 + MIN) * MS;
    expect(sut.closeUpTo(end)).toEqual([]);
    // Out of order but within the allowed lateness: still counted in its window.
    expect(sut.add(trace(T0 + 59_000)).outcome).toBe('added');
    expect(sut.closeUpTo(end + 30_000n * MS - 1n)).toEqual([]);
    const closed = sut.closeUpTo(end + 30_000n * MS);
    expect(closed.map((a) => [a.windowStartMs, a.count])).toEqual([[T0, 2]]);
    expect(sut.snapshot().watermarkMs).toBe(T0 + MIN + 30_000);
  });

  it('ignores a watermark that goes backwards', () => {
    const sut = new WindowAggregator({ allowedLatenessMs: 0 });
    sut.closeUpTo(BigInt(T0 + MIN) * MS);
    sut.add(trace(T0 + MIN + 1));
    expect(sut.closeUpTo(BigInt(T0) * MS)).toEqual([]);
    expect(sut.openCount).toBe(1);
  });

  describe('late traces', () => {
    it('reports a trace for a closed window as a one-trace aggregate and does not reopen it', () => {
      const sut = new WindowAggregator({ allowedLatenessMs: 0 });
      sut.add(trace(T0 + 1));
      expect(sut.closeUpTo(BigInt(T0 + MIN) * MS)).toHaveLength(1);
      const late = trace(T0 + 2, { durationUs: 777, spanCount: 9 });
      const result = sut.add(late);
      expect(result.outcome).toBe('late');
      expect(result.lateBeforeStart).toBe(false);
      expect(result.late).toMatchObject({
        windowStartMs: T0,
        count: 1,
        spanCount: 9,
        representative: { traceId: late.traceId, durationUs: 777 },
      });
      expect(sut.lateTraces).toBe(1);
      expect(sut.openCount).toBe(0);
      expect(sut.closeUpTo(FAR_FUTURE)).toEqual([]);
    });

    it('flags traces of windows the initial watermark closed, which a replay re-reads', () => {
      const sut = new WindowAggregator({
        allowedLatenessMs: 0,
        initialWatermarkNs: BigInt(T0 + MIN) * MS,
      });
      const result = sut.add(trace(T0 + 2));
      expect(result.outcome).toBe('late');
      expect(result.lateBeforeStart).toBe(true);
      expect(sut.add(trace(T0 + MIN)).outcome).toBe('added');
    });
  });

  describe('bound on open groups', () => {
    const group = (startMs: number, fingerprint: string): TraceSummary =>
      trace(startMs, { fingerprint });

    it('closes the oldest window early for a new group, and later traces for it are late', () => {
      const sut = new WindowAggregator({ maxOpenGroups: 3, allowedLatenessMs: 0 });
      sut.add(group(T0, 'b'));
      sut.add(group(T0, 'a'));
      sut.add(group(T0 + MIN, 'a'));
      // An existing group never needs room.
      expect(sut.add(group(T0, 'a')).closedEarly).toEqual([]);
      const result = sut.add(group(T0 + MIN, 'b'));
      expect(result.outcome).toBe('added');
      expect(result.closedEarly.map((a) => [a.windowStartMs, a.fingerprint, a.count])).toEqual([
        [T0, 'a', 2],
        [T0, 'b', 1],
      ]);
      expect(sut.earlyClosedWindows).toBe(1);
      expect(sut.snapshot()).toMatchObject({ earlyClosedGroups: 2, openGroups: 2, openWindows: 1 });
      expect(sut.add(group(T0 + 5, 'a')).outcome).toBe('late');
    });

    it('counts traces of new groups in the window overflow group when no older window is open', () => {
      const sut = new WindowAggregator({ maxOpenGroups: 2 });
      sut.add(group(T0 + MIN, 'x'));
      sut.add(group(T0, 'a'));
      // Full, and the only other window is newer: closing it would close T0 too. Overflow instead.
      expect(sut.add(group(T0, 'b')).outcome).toBe('overflow');
      expect(sut.add(group(T0, 'c')).outcome).toBe('overflow');
      expect(sut.add(group(T0, 'a')).outcome).toBe('added');
      expect(sut.overflowTraces).toBe(2);
      expect(sut.earlyClosedWindows).toBe(0);
      expect(sut.snapshot()).toMatchObject({ openGroups: 3, overflowGroups: 1 });
      const closed = sut.closeUpTo(FAR_FUTURE);
      expect(closed.map((a) => [a.windowStartMs, a.endpoint, a.fingerprint, a.count])).toEqual([
        [T0, OVERFLOW_GROUP_KEY, OVERFLOW_GROUP_KEY, 2],
        [T0, 'shop|HTTP GET /cart/{id}', 'a', 2],
        [T0 + MIN, 'shop|HTTP GET /cart/{id}', 'x', 1],
      ]);
      expect(sut.openCount).toBe(0);
    });
  });

  describe('determinism', () => {
    // Arrival order as a partition sees it: by start plus a closing delay of up to 40 s, so most
    // traces are on time, some within the 20 s lateness, some late.
    const random = seededRandom(1);
    const input = syntheticSummaries({
      count: 3_000,
      seed: 42,
      endpoints: 5,
      fingerprintsPerEndpoint: 3,
      startMs: T0,
      spanMs: 5 * MIN,
    })
      .map((s) => ({ s, arrival: Number(s.startNs / MS) + random() * 40_000 }))
      .sort((a, b) => a.arrival - b.arrival)
      .map(({ s }) => s);

    it('gives deep-equal, byte-identical output for the same input sequence', () => {
      const first = runPartition(input, 100, 14);
      const second = runPartition(input, 100, 14);
      expect(second.rows).toEqual(first.rows);
      expect(JSON.stringify(second.rows)).toBe(JSON.stringify(first.rows));
      // The run went down every path: on time, late, closed early and overflow.
      expect(first.stats).toMatchObject({ openGroups: 0, addedTraces: expect.any(Number) });
      expect(first.stats.lateTraces).toBeGreaterThan(0);
      expect(first.stats.earlyClosedWindows).toBeGreaterThan(0);
      expect(first.stats.overflowTraces).toBeGreaterThan(0);
      expect(first.stats.addedTraces + first.stats.lateTraces).toBe(input.length);
    });

    it('matches the golden file (regenerate: UPDATE_GOLDEN=1 npx jest libs/fingerprint/src/window)', () => {
      // One row per line: small diffs when the format changes on purpose.
      const { rows, stats } = runPartition(
        input.filter((_, i) => i % 20 === 0),
        25,
        8,
      );
      expect(stats.lateTraces * stats.earlyClosedWindows * stats.overflowTraces).toBeGreaterThan(0);
      const text = rows.map((row) => JSON.stringify(row)).join('\n') + '\n';
      const file = join(__dirname, 'fixtures', 'window-aggregates.golden.jsonl');
      if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, text);
      expect(text).toBe(readFileSync(file, 'utf8'));
    });
  });

  describe('merging', () => {
    const input = syntheticSummaries({
      count: 6_000,
      seed: 7,
      endpoints: 4,
      fingerprintsPerEndpoint: 3,
      startMs: T0 + MIN, // also a multiple of 5 minutes
      spanMs: 5 * MIN,
    });

    function mergeByKey(rows: readonly WindowAggregate[], key = keyOf): WindowAggregate[] {
      const merged = new Map<string, WindowAggregate>();
      for (const row of rows) {
        const prev = merged.get(key(row));
        merged.set(key(row), prev === undefined ? row : mergeAggregates(prev, row));
      }
      return [...merged.values()];
    }

    it("merging partitions' aggregates gives exactly the aggregates of the union", () => {
      // Kafka puts a trace on one partition by its key; any function of the trace id will do here.
      const partitions: TraceSummary[][] = [[], [], []];
      for (const s of input) partitions[hashTraceId(s.traceId).lo % 3].push(s);
      const perPartition = partitions.flatMap((p) => aggregateAll(p));
      const union = aggregateAll(input);
      const merged = mergeByKey(perPartition);
      expect(merged.length).toBe(union.length);
      const unionByKey = new Map(union.map((a) => [keyOf(a), a]));
      for (const m of merged) expect(m).toEqual(unionByKey.get(keyOf(m)));

      // And the counts and quantiles are right against the raw input, not just self-consistent.
      for (const m of merged) {
        const members = input.filter(
          (s) =>
            s.endpoint === m.endpoint &&
            s.fingerprint === m.fingerprint &&
            Number(s.startNs / MS) >= m.windowStartMs &&
            Number(s.startNs / MS) < m.windowEndMs,
        );
        expect(m.count).toBe(members.length);
        expect(m.errorCount).toBe(members.filter((s) => s.error).length);
        expect(m.spanCount).toBe(members.reduce((n, s) => n + s.spanCount, 0));
        const sorted = members.map((s) => s.durationUs).sort((a, b) => a - b);
        const sketch = QuantileSketch.fromSerialized(m.duration);
        for (const q of [0.5, 0.9, 0.99]) {
          const exact = sorted[Math.floor(q * (sorted.length - 1))];
          expect(Math.abs(sketch.quantile(q) - exact) / exact).toBeLessThanOrEqual(0.01 + 1e-9);
        }
      }
    });

    it('merges in any order to the same aggregate', () => {
      const rows = aggregateAll(input).filter((a) => a.endpoint === input[0].endpoint);
      const key = (a: WindowAggregate): string => a.fingerprint;
      const forward = mergeByKey(rows, key);
      const backward = mergeByKey([...rows].reverse(), key);
      expect(
        JSON.stringify(backward.sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : 1))),
      ).toBe(JSON.stringify(forward.sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : 1))));
    });

    it('merging five 1-minute windows gives the 5-minute window', () => {
      const perMinute = aggregateAll(input, { windowMs: MIN });
      const fiveMinutes = aggregateAll(input, { windowMs: 5 * MIN });
      const merged = mergeByKey(perMinute, (a) => `${a.endpoint}|${a.fingerprint}`);
      const byGroup = new Map(fiveMinutes.map((a) => [`${a.endpoint}|${a.fingerprint}`, a]));
      expect(merged.length).toBe(fiveMinutes.length);
      for (const m of merged) expect(m).toEqual(byGroup.get(`${m.endpoint}|${m.fingerprint}`));
    });

    it('refuses to merge different groups', () => {
      const [a, b] = aggregateAll([
        trace(T0, { fingerprint: 'a' }),
        trace(T0, { fingerprint: 'b' }),
      ]);
      expect(() => mergeAggregates(a, b)).toThrow(/different groups/);
    });
  });

  it('describes its open windows for metrics and offset tracking', () => {
    const sut = new WindowAggregator();
    sut.add(trace(T0 + MIN), 120);
    sut.add(trace(T0, { fingerprint: 'b' }), 100);
    sut.add(trace(T0), 90);
    sut.add(trace(T0));
    expect(sut.minOpenSourceOffset).toBe(90);
    expect(sut.snapshot()).toEqual({
      openWindows: 2,
      openGroups: 3,
      overflowGroups: 0,
      oldestOpenWindowStartMs: T0,
      newestOpenWindowStartMs: T0 + MIN,
      watermarkMs: 0,
      addedTraces: 4,
      lateTraces: 0,
      overflowTraces: 0,
      closedGroups: 0,
      earlyClosedWindows: 0,
      earlyClosedGroups: 0,
      windows: [
        { windowStartMs: T0, windowEndMs: T0 + MIN, groups: 2, traces: 3, minSourceOffset: 90 },
        {
          windowStartMs: T0 + MIN,
          windowEndMs: T0 + 2 * MIN,
          groups: 1,
          traces: 1,
          minSourceOffset: 120,
        },
      ],
    });
    sut.closeUpTo(BigInt(T0 + 2 * MIN) * MS);
    expect(sut.minOpenSourceOffset).toBe(120);
    expect(sut.snapshot().closedGroups).toBe(2);
  });

  it('names every bad option', () => {
    expect(() => new WindowAggregator({ windowMs: 0, maxOpenGroups: 1.5 })).toThrow(
      /windowMs must be an integer ≥ 1.*maxOpenGroups must be an integer ≥ 1/,
    );
  });
});
