/**
 * Throughput and memory of the tumbling-window aggregation.
 *
 *   node --expose-gc -r @swc-node/register libs/fingerprint/bench/window.bench.ts [rounds]
 *
 * (Without --expose-gc only throughput is measured.)
 *
 * Throughput workload: one partition's stream of closed traces, 50 endpoints × 3 fingerprints, 60 s
 * windows, 30 s allowed lateness, 1,000 traces per second of event time for 5 minutes (300,000
 * traces, ~400 per group and window, lognormal durations), arriving by start time plus up to 20 s of
 * closing delay. Traces are fed in batches of 1,000, each followed by closeUpTo(the largest start
 * seen), as the clustering worker does. Each round starts a fresh aggregator; the median round is
 * reported. `add_traces_per_s` times add() alone; `add_and_close_traces_per_s` includes closing
 * windows (building and serializing their aggregates). `json_bytes_per_aggregate` is the size of
 * one closed aggregate as JSON.
 *
 * Memory: heap growth per open group after a full GC, for groups holding 1 trace and ~400 traces,
 * with the input summaries allocated beforehand (their strings are shared with the groups, as the
 * worker's interned strings would be). The last line is one JSON object with the figures.
 */
import type { TraceSummary } from '../src/trace.model';
import { seededRandom, syntheticSummaries } from '../src/window/synthetic-traces.fixture';
import type { WindowAggregate } from '../src/window/window-aggregate.model';
import { WindowAggregator } from '../src/window/window.aggregator';

const rounds = Number(process.argv[2] ?? 7);
const T0 = 1_700_000_040_000;
const MS = 1_000_000n;
const BATCH = 1_000;
const gc = (globalThis as { gc?: () => void }).gc;

function arrivalOrder(summaries: TraceSummary[], maxDelayMs: number, seed: number): TraceSummary[] {
  const random = seededRandom(seed);
  return summaries
    .map((s) => ({ s, at: Number(s.startNs / MS) + random() * maxDelayMs }))
    .sort((a, b) => a.at - b.at)
    .map(({ s }) => s);
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

function throughput(): {
  add: number;
  addAndClose: number;
  rows: WindowAggregate[];
  late: number;
} {
  const stream = arrivalOrder(
    syntheticSummaries({
      count: 300_000,
      seed: 1,
      endpoints: 50,
      fingerprintsPerEndpoint: 3,
      startMs: T0,
      spanMs: 300_000,
    }),
    20_000,
    2,
  );
  const addRates: number[] = [];
  const totalRates: number[] = [];
  let rows: WindowAggregate[] = [];
  let late = 0;
  for (let round = -1; round < rounds; round++) {
    const sut = new WindowAggregator({ windowMs: 60_000, allowedLatenessMs: 30_000 });
    let addMs = 0;
    let watermark = 0n;
    rows = [];
    const start = performance.now();
    for (let i = 0; i < stream.length; i += BATCH) {
      const end = Math.min(i + BATCH, stream.length);
      const t = performance.now();
      for (let j = i; j < end; j++) sut.add(stream[j]);
      addMs += performance.now() - t;
      for (let j = i; j < end; j++)
        if (stream[j].startNs > watermark) watermark = stream[j].startNs;
      rows.push(...sut.closeUpTo(watermark));
    }
    rows.push(...sut.closeUpTo(watermark + 3_600_000n * MS));
    const totalMs = performance.now() - start;
    late = sut.lateTraces;
    // Round -1 warms the JIT and is not counted.
    if (round >= 0) {
      addRates.push((stream.length * 1000) / addMs);
      totalRates.push((stream.length * 1000) / totalMs);
    }
  }
  return { add: median(addRates), addAndClose: median(totalRates), rows, late };
}

function heapUsed(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

/** Heap bytes per open group with `tracesPerGroup` traces each, over `groups` groups in one window. */
function bytesPerGroup(groups: number, tracesPerGroup: number): number {
  const fingerprints = 3;
  const summaries = syntheticSummaries({
    // 1 trace per group: draw 5 per group and keep the first of each, so ~99% of groups exist.
    count: groups * Math.max(tracesPerGroup, 5),
    seed: 3,
    endpoints: groups / fingerprints,
    fingerprintsPerEndpoint: fingerprints,
    startMs: T0,
    spanMs: 59_000,
  });
  const seen = new Set<string>();
  const firsts: TraceSummary[] = [];
  for (const s of summaries) {
    const key = `${s.endpoint}|${s.fingerprint}`;
    if (!seen.has(key)) {
      seen.add(key);
      firsts.push(s);
    }
  }
  const input = tracesPerGroup === 1 ? firsts : summaries;
  const before = heapUsed();
  const sut = new WindowAggregator({ maxOpenGroups: groups * 2 });
  for (const s of input) sut.add(s);
  const after = heapUsed();
  const open = sut.openCount;
  if (open < groups * 0.95) throw new Error(`only ${open} of ${groups} groups opened`);
  // Keep the inputs and the aggregator alive until after the measurement.
  if (input.length === 0 || sut.openCount !== open) throw new Error('unreachable');
  return Math.round((after - before) / open);
}

console.log(`node ${process.version}, ${rounds} rounds`);
const t = throughput();
console.log(
  `add()            ${Math.round(t.add).toLocaleString('en')} traces/s\n` +
    `add()+closeUpTo  ${Math.round(t.addAndClose).toLocaleString('en')} traces/s ` +
    `(${t.rows.length} aggregates, ${t.late} late traces)`,
);
const jsonBytes = Math.round(
  t.rows.reduce((n, row) => n + JSON.stringify(row).length, 0) / t.rows.length,
);
console.log(`aggregate as JSON ${jsonBytes} B (~400 traces, k = 20)`);
let mem1: number | null = null;
let mem400: number | null = null;
if (gc === undefined) {
  console.log('memory: run with node --expose-gc to measure bytes per open group');
} else {
  mem1 = bytesPerGroup(15_000, 1);
  mem400 = bytesPerGroup(600, 400);
  console.log(`open group, 1 trace     ${mem1} B`);
  console.log(`open group, ~400 traces ${mem400} B`);
}
console.log(
  JSON.stringify({
    add_traces_per_s: Math.round(t.add),
    add_and_close_traces_per_s: Math.round(t.addAndClose),
    bytes_per_open_group_1_trace: mem1,
    bytes_per_open_group_400_traces: mem400,
    json_bytes_per_aggregate: jsonBytes,
    groups_per_window: 150,
    window_ms: 60_000,
    traces_per_round: 300_000,
  }),
);
