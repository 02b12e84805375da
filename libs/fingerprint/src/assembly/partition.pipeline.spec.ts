import type { ArrivingSpan } from './trace.assembler';
import {
  type ClusterEvent,
  type ClusterMembersEvent,
  type ClusterWindowEvent,
  PartitionPipeline,
  type PartitionPipelineOptions,
} from './partition.pipeline';

const S = 1_000_000_000n;
const T0 = 1_767_225_600n * S;

const options: PartitionPipelineOptions = {
  assembler: {
    idleGapMs: 2_000,
    maxTraceDurationMs: 30_000,
    maxOpenTraces: 10_000,
    maxSpansPerTrace: 500,
    recentlyClosedCapacity: 10_000,
  },
  window: { windowMs: 10_000, allowedLatenessMs: 5_000 },
  descriptorCapacity: 100,
};

type Behaviour = 'potato' | 'plain' | 'cached';

/** A small system: POST /orders calls the potato handler or not; GET /cart hits or misses a cache. */
function traceSpans(
  i: number,
  behaviour: Behaviour,
  start: bigint,
): { traceId: string; spans: ArrivingSpan[] } {
  const traceId = (0x1000 + i).toString(16).padStart(32, '0');
  const id = (n: number) => ((i << 4) + n).toString(16).padStart(16, '0');
  const base = { statusCode: 0, durationNano: 1_000_000, attributes: {} as Record<string, string> };
  if (behaviour === 'cached') {
    return {
      traceId,
      spans: [
        {
          ...base,
          spanId: id(1),
          parentSpanId: '',
          name: 'GET /cart/{id}',
          kind: 2,
          serviceName: 'cart',
          startTimeUnixNano: start,
          durationNano: 3_000_000,
          attributes: { 'http.request.method': 'GET', 'http.route': '/cart/{id}' },
        },
        {
          ...base,
          spanId: id(2),
          parentSpanId: id(1),
          name: 'GET',
          kind: 3,
          serviceName: 'cart',
          startTimeUnixNano: start + 100_000n,
          attributes: { 'db.system': 'redis', 'db.statement': `GET cart:${i}` },
        },
      ],
    };
  }
  const spans: ArrivingSpan[] = [
    {
      ...base,
      spanId: id(1),
      parentSpanId: '',
      name: 'POST /orders',
      kind: 2,
      serviceName: 'orders',
      startTimeUnixNano: start,
      durationNano: 20_000_000,
      attributes: {
        'http.request.method': 'POST',
        'http.route': '/orders',
        'user.likes_potatoes': String(behaviour === 'potato'),
      },
    },
    {
      ...base,
      spanId: id(2),
      parentSpanId: id(1),
      name: 'INSERT orders',
      kind: 3,
      serviceName: 'orders',
      startTimeUnixNano: start + 1_000_000n,
      attributes: { 'db.system': 'postgresql', 'db.statement': 'INSERT INTO orders VALUES ($1)' },
    },
  ];
  if (behaviour === 'potato') {
    spans.push({
      ...base,
      spanId: id(3),
      parentSpanId: id(1),
      name: 'POST',
      kind: 3,
      serviceName: 'orders',
      startTimeUnixNano: start + 5_000_000n,
      attributes: {
        'http.request.method': 'POST',
        'server.address': 'potato-handler',
        'url.full': 'http://potato-handler/potatoes',
      },
    });
  }
  return { traceId, spans };
}

/** 600 traces over 60 s; each trace's spans split over two records (as two ingest chunks would). */
function stream(): {
  records: { traceId: string; spans: ArrivingSpan[] }[];
  truth: Map<Behaviour, number>;
} {
  const behaviours: Behaviour[] = ['potato', 'plain', 'plain', 'cached', 'cached'];
  const records: { traceId: string; spans: ArrivingSpan[] }[] = [];
  const truth = new Map<Behaviour, number>();
  for (let i = 0; i < 600; i++) {
    const b = behaviours[(i * 7) % behaviours.length];
    truth.set(b, (truth.get(b) ?? 0) + 1);
    const t = traceSpans(i, b, T0 + BigInt(i) * 100_000_000n);
    records.push(
      { traceId: t.traceId, spans: t.spans.slice(0, 1) },
      { traceId: t.traceId, spans: t.spans.slice(1) },
    );
  }
  // Interleave so a trace's second half arrives a little later.
  const out: typeof records = [];
  for (let i = 0; i < records.length; i += 2) {
    out.push(records[i]);
    if (i >= 6) out.push(records[i - 5]);
  }
  for (let i = records.length - 5; i < records.length; i += 2) out.push(records[i]);
  return { records: out, truth };
}

/** What the sink keeps: the last row per (window, endpoint, fingerprint, partition) plus corrections per trace. */
function store(
  events: ClusterEvent[],
  into = new Map<string, ClusterWindowEvent>(),
): Map<string, ClusterWindowEvent> {
  for (const e of events) {
    if (e.type === 'members') continue;
    const a = e.aggregate;
    const key =
      e.type === 'window'
        ? `${a.windowStartMs}|${a.endpoint}|${a.fingerprint}|${e.partition}`
        : `late|${e.traceId}`;
    into.set(key, e);
  }
  return into;
}

function countsByFingerprint(rows: Map<string, ClusterWindowEvent>): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of rows.values())
    out.set(e.aggregate.fingerprint, (out.get(e.aggregate.fingerprint) ?? 0) + e.aggregate.count);
  return out;
}

describe(PartitionPipeline.name, () => {
  it('counts every trace once per behaviour, with one fingerprint per behaviour', () => {
    const { records, truth } = stream();
    const sut = new PartitionPipeline(0, options);
    records.forEach((r, i) => sut.add(i, r.traceId, r.spans));
    sut.advanceTo(T0 + 1000n * S);
    const { events, commitOffset } = sut.drain();
    const counts = [...countsByFingerprint(store(events)).values()].sort((a, b) => a - b);
    expect(counts).toEqual([...truth.values()].sort((a, b) => a - b));
    expect(events.every((e) => e.type !== 'members' && e.fingerprint?.canonical)).toBe(true);
    expect(commitOffset).toBe(records.length);
  });

  it('holds the commit offset at the first record an open trace or open window still needs', () => {
    const { records } = stream();
    const sut = new PartitionPipeline(0, options);
    records.slice(0, 100).forEach((r, i) => sut.add(i, r.traceId, r.spans));
    const { commitOffset, events } = sut.drain();
    // Nothing has closed a window yet: everything read is still needed.
    expect(events).toEqual([]);
    expect(commitOffset).toBe(0);
  });

  it('after a crash anywhere, replaying from the committed offset with the committed watermark counts every trace exactly once', () => {
    const { records, truth } = stream();
    for (const crashAt of [150, 333, 600, 901, 1100]) {
      const rows = new Map<string, ClusterWindowEvent>();
      // First life: drains (writes + commits) every 50 records, dies at crashAt after writing but before committing.
      let committed = { offset: 0, watermark: 0n };
      const first = new PartitionPipeline(0, options);
      for (let i = 0; i < crashAt; i++) {
        first.add(i, records[i].traceId, records[i].spans);
        if (i % 50 === 49) {
          const d = first.drain();
          store(d.events, rows);
          if (i < crashAt - 1) committed = { offset: d.commitOffset!, watermark: d.watermarkNs };
        }
      }
      // Second life: restore from the commit and replay.
      const second = new PartitionPipeline(0, options, committed.watermark);
      for (let i = committed.offset; i < records.length; i++)
        second.add(i, records[i].traceId, records[i].spans);
      second.advanceTo(T0 + 1000n * S);
      store(second.drain().events, rows);
      const counts = [...countsByFingerprint(rows).values()].sort((a, b) => a - b);
      expect({ crashAt, counts }).toEqual({
        crashAt,
        counts: [...truth.values()].sort((a, b) => a - b),
      });
    }
  });

  it('is deterministic: the same records give byte-identical events', () => {
    const { records } = stream();
    const run = () => {
      const sut = new PartitionPipeline(3, options);
      const out: ClusterEvent[] = [];
      records.forEach((r, i) => {
        sut.add(i, r.traceId, r.spans);
        if (i % 37 === 0) out.push(...sut.drain().events);
      });
      sut.advanceTo(T0 + 1000n * S);
      return JSON.stringify([...out, ...sut.drain().events]);
    };
    expect(run()).toBe(run());
  });

  describe('members events', () => {
    const withMembers: PartitionPipelineOptions = { ...options, membersPerEvent: 50 };
    const membersOf = (events: ClusterEvent[]) =>
      events.filter((e): e is ClusterMembersEvent => e.type === 'members');

    it('name the behaviour of every closed trace, once, in chunks of one behaviour', () => {
      const { records, truth } = stream();
      const sut = new PartitionPipeline(2, withMembers);
      const events: ClusterEvent[] = [];
      records.forEach((r, i) => {
        sut.add(i, r.traceId, r.spans);
        if (i % 97 === 0) events.push(...sut.drain().events);
      });
      sut.advanceTo(T0 + 1000n * S);
      events.push(...sut.drain().events);

      const members = membersOf(events);
      const byTrace = new Map<string, string>();
      for (const m of members) {
        expect(m.partition).toBe(2);
        expect(m.traceIds.length).toBeLessThanOrEqual(50);
        expect(m.startNs).toHaveLength(m.traceIds.length);
        expect(m.errors).toHaveLength(m.traceIds.length);
        m.traceIds.forEach((id) => {
          expect(byTrace.has(id)).toBe(false);
          byTrace.set(id, m.fingerprint);
        });
      }
      expect(byTrace.size).toBe(600);
      // The fingerprint each trace is listed under is the one its window counted it in.
      const perFingerprint = new Map<string, number>();
      for (const f of byTrace.values()) perFingerprint.set(f, (perFingerprint.get(f) ?? 0) + 1);
      expect(perFingerprint).toEqual(countsByFingerprint(store(events)));
      expect([...perFingerprint.values()].sort((a, b) => a - b)).toEqual(
        [...truth.values()].sort((a, b) => a - b),
      );
      // Trace starts are the traces' own (the first record of trace i starts at T0 + i × 100 ms).
      const first = members.find((m) => m.traceIds.includes(records[0].traceId))!;
      expect(first.startNs[first.traceIds.indexOf(records[0].traceId)]).toBe(T0.toString());
    });

    it('are not produced unless asked for, and are forgotten with a released partition', () => {
      const { records } = stream();
      const off = new PartitionPipeline(0, options);
      records.forEach((r, i) => off.add(i, r.traceId, r.spans));
      off.advanceTo(T0 + 1000n * S);
      expect(membersOf(off.drain().events)).toEqual([]);

      const released = new PartitionPipeline(0, withMembers);
      records.slice(0, 300).forEach((r, i) => released.add(i, r.traceId, r.spans));
      released.release();
      expect(membersOf(released.drain().events)).toEqual([]);
    });
  });

  describe('a quiet partition (flushIdle)', () => {
    it('publishes its open windows as they stand and counts data that continues later in them, never late', () => {
      const { records, truth } = stream();
      const half = records.length / 2;
      const sut = new PartitionPipeline(0, options);
      const rows = new Map<string, ClusterWindowEvent>();
      records.slice(0, half).forEach((r, i) => sut.add(i, r.traceId, r.spans));
      store(sut.drain().events, rows);
      // The stream goes quiet: the open windows become visible without event time moving on.
      const before = sut.watermarkNs;
      sut.flushIdle();
      const flushed = sut.drain();
      expect(sut.watermarkNs).toBe(before);
      expect(flushed.events.length).toBeGreaterThan(0);
      store(flushed.events, rows);
      const seen = [...countsByFingerprint(rows).values()].reduce((a, b) => a + b, 0);
      // Every trace that had begun to arrive is counted (the pause closed it).
      expect(seen).toBe(new Set(records.slice(0, half).map((r) => r.traceId)).size);
      // Nothing is committed past what the open windows still need.
      expect(flushed.commitOffset).toBeLessThan(half);

      // The stream resumes where it stopped (a replay continued, traffic after a pause).
      records.slice(half).forEach((r, i) => sut.add(half + i, r.traceId, r.spans));
      sut.advanceTo(T0 + 1000n * S);
      store(sut.drain().events, rows);
      expect(sut.stats().lateTraces).toBe(0);
      expect([...rows.keys()].filter((k) => k.startsWith('late|'))).toEqual([]);
      // Every trace counted once: the few cut in half by the pause keep the half they had (their
      // other half is counted as late spans), every other one is whole.
      const counts = [...countsByFingerprint(rows).values()];
      expect(counts.reduce((a, b) => a + b, 0)).toBe(600);
      const cut = sut.stats().assembler.lateSpans;
      expect(cut).toBeLessThanOrEqual(6);
      const whole = [...truth.values()].sort((a, b) => a - b);
      const biggest = [...counts]
        .sort((a, b) => b - a)
        .slice(0, 3)
        .sort((a, b) => a - b);
      biggest.forEach((n, i) => expect(Math.abs(n - whole[i])).toBeLessThanOrEqual(cut));
    });
  });

  it('keeps tenants apart: the same trace id is two traces, the same behaviour two groups, each event says whose', () => {
    const sut = new PartitionPipeline(0, { ...options, membersPerEvent: 100 });
    // Tenant a: traces 0..9 plain; tenant b: the same ids, half of them potato. Interleaved.
    let offset = 0;
    for (let i = 0; i < 10; i++) {
      const start = T0 + BigInt(i) * 100_000_000n;
      const a = traceSpans(i, 'plain', start);
      const b = traceSpans(i, i % 2 ? 'potato' : 'plain', start);
      sut.add(offset++, a.traceId, a.spans, undefined, 'a');
      sut.add(offset++, b.traceId, b.spans, undefined, 'b');
    }
    sut.advanceTo(T0 + 1000n * S);
    const { events } = sut.drain();
    const windows = events.filter((e): e is ClusterWindowEvent => e.type === 'window');
    const counts = windows
      .map((e) => `${e.tenant}|${e.aggregate.tenant}|${e.aggregate.count}`)
      .sort();
    // a: one group of 10 traces; b: plain 5 and potato 5 (same endpoint as a, own groups).
    expect(counts).toEqual(['a|a|10', 'b|b|5', 'b|b|5']);
    const plainOfA = windows.find((e) => e.tenant === 'a')!;
    const plainOfB = windows.find(
      (e) => e.tenant === 'b' && e.aggregate.fingerprint === plainOfA.aggregate.fingerprint,
    )!;
    expect(plainOfB.aggregate.endpoint).toBe(plainOfA.aggregate.endpoint);
    expect(plainOfB.aggregate.count).toBe(5);
    expect(sut.stats().tracesClosed).toBe(20);
    expect(sut.stats().assembler.duplicateSpans).toBe(0);
    const members = events.filter((e): e is ClusterMembersEvent => e.type === 'members');
    expect(members.map((m) => `${m.tenant}:${m.traceIds.length}`).sort()).toEqual([
      'a:10',
      'b:5',
      'b:5',
    ]);
  });
});
